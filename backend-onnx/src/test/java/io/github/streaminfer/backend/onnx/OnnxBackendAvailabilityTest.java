package io.github.streaminfer.backend.onnx;

import ai.onnxruntime.OrtEnvironment;
import io.github.streaminfer.backend.InferenceBackend;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import org.jctools.queues.SpscArrayQueue;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A machine where ONNX Runtime's native library cannot be loaded: the backend and ONNX Runtime are loaded afresh in
 * an isolated class loader while {@code onnxruntime.native.path} points at an empty directory.
 */
class OnnxBackendAvailabilityTest {

    static URL jarOf(Class<?> c) {
        return c.getProtectionDomain().getCodeSource().getLocation();
    }

    @Test
    void missingNativeLibraryMakesTheBackendUnavailableWithTheExactCause() throws Exception {
        URL[] urls = {jarOf(OnnxBackend.class), jarOf(InferenceBackend.class), jarOf(OrtEnvironment.class),
                jarOf(LoggerFactory.class), jarOf(SpscArrayQueue.class)};
        java.nio.file.Path empty = java.nio.file.Files.createTempDirectory("no-onnxruntime");
        String old = System.getProperty("onnxruntime.native.path");
        System.setProperty("onnxruntime.native.path", empty.toString());
        try (URLClassLoader isolated = new URLClassLoader(urls, ClassLoader.getPlatformClassLoader())) {
            Class<?> backendClass = isolated.loadClass(OnnxBackend.class.getName());
            Object backend = backendClass.getConstructor().newInstance();
            Method isAvailable = backendClass.getMethod("isAvailable");
            Method cause = backendClass.getMethod("unavailabilityCause");
            assertThat(isAvailable.invoke(backend)).isEqualTo(false);
            Throwable why = (Throwable) cause.invoke(backend);
            assertThat(why).isNotNull();
            assertThat(why.getMessage()).contains("ONNX Runtime native library cannot be loaded")
                    .contains(empty.toString()); // the root cause names where it looked
            System.out.println("unavailable because: " + why.getMessage());
            assertThat((String) backendClass.getMethod("description").invoke(backend)).contains("unavailable");

            Class<?> sourceClass = isolated.loadClass(ModelSource.class.getName());
            Class<?> optionsClass = isolated.loadClass(ModelOptions.class.getName());
            Object source = sourceClass.getMethod("ofBytes", String.class, byte[].class).invoke(null, "m", new byte[1]);
            Object options = optionsClass.getField("DEFAULT").get(null);
            try {
                backendClass.getMethod("load", sourceClass, optionsClass).invoke(backend, source, options);
                throw new AssertionError("load should refuse");
            } catch (InvocationTargetException e) {
                assertThat(e.getCause().getClass().getSimpleName()).isEqualTo("BackendUnavailableException");
                assertThat(e.getCause().getMessage()).contains("backend 'onnx' is unavailable");
            }
        } finally {
            java.nio.file.Files.deleteIfExists(empty);
            if (old == null) {
                System.clearProperty("onnxruntime.native.path");
            } else {
                System.setProperty("onnxruntime.native.path", old);
            }
        }
    }
}
