package io.github.streaminfer.backend;

import io.github.streaminfer.exceptions.ModelLoadException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a model's bytes come from: a file, bytes in memory, or a class-path resource. Backends that can read a
 * file directly (and find side files such as weights next to it) use {@link #path()}; the others read
 * {@link #readAllBytes()}.
 *
 * @since 0.1.0
 */
public abstract sealed class ModelSource {

    private ModelSource() {
    }

    /**
     * {@return a source reading that file}
     *
     * @param file the model file
     */
    public static ModelSource of(Path file) {
        return new FileSource(file);
    }

    /**
     * {@return a source over the bytes}
     *
     * @param name  name used in messages, e.g. the original file name
     * @param bytes the model bytes (not copied; do not modify)
     */
    public static ModelSource ofBytes(String name, byte[] bytes) {
        return new BytesSource(name, bytes);
    }

    /**
     * {@return a source reading the resource when needed}
     *
     * @param loader   class loader to search
     * @param resource resource path, e.g. {@code models/policy.onnx}
     */
    public static ModelSource ofResource(ClassLoader loader, String resource) {
        return new ResourceSource(loader, resource);
    }

    /** {@return a name for messages: the file path, the given name or the resource path} */
    public abstract String name();

    /** {@return the file, if this source is one} */
    public Optional<Path> path() {
        return Optional.empty();
    }

    /**
     * {@return the model bytes}
     *
     * @throws ModelLoadException naming the source if it cannot be read
     */
    public abstract byte[] readAllBytes();

    @Override
    public String toString() {
        return name();
    }

    private static final class FileSource extends ModelSource {
        private final Path file;

        FileSource(Path file) {
            this.file = Objects.requireNonNull(file, "file");
        }

        @Override
        public String name() {
            return file.toString();
        }

        @Override
        public Optional<Path> path() {
            return Optional.of(file);
        }

        @Override
        public byte[] readAllBytes() {
            try {
                return Files.readAllBytes(file);
            } catch (IOException e) {
                throw new ModelLoadException("cannot read model file " + file + ": " + e, e);
            }
        }
    }

    private static final class BytesSource extends ModelSource {
        private final String name;
        private final byte[] bytes;

        BytesSource(String name, byte[] bytes) {
            this.name = Objects.requireNonNull(name, "name");
            this.bytes = Objects.requireNonNull(bytes, "bytes");
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public byte[] readAllBytes() {
            return bytes;
        }
    }

    private static final class ResourceSource extends ModelSource {
        private final ClassLoader loader;
        private final String resource;

        ResourceSource(ClassLoader loader, String resource) {
            this.loader = Objects.requireNonNull(loader, "loader");
            this.resource = Objects.requireNonNull(resource, "resource");
        }

        @Override
        public String name() {
            return "classpath:" + resource;
        }

        @Override
        public byte[] readAllBytes() {
            try (InputStream in = loader.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new ModelLoadException("model resource " + resource + " not found on the class path");
                }
                return in.readAllBytes();
            } catch (IOException e) {
                throw new ModelLoadException("cannot read model resource " + resource + ": " + e,
                        new UncheckedIOException(e));
            }
        }
    }
}
