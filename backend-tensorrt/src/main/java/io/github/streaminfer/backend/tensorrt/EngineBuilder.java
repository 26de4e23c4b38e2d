package io.github.streaminfer.backend.tensorrt;

import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.exceptions.ModelLoadException;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.TensorSpec;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.tensorrt.global.nvinfer;
import org.bytedeco.tensorrt.global.nvonnxparser;
import org.bytedeco.tensorrt.nvinfer.Dims64;
import org.bytedeco.tensorrt.nvinfer.IBuilder;
import org.bytedeco.tensorrt.nvinfer.IBuilderConfig;
import org.bytedeco.tensorrt.nvinfer.IHostMemory;
import org.bytedeco.tensorrt.nvinfer.ILogger;
import org.bytedeco.tensorrt.nvinfer.INetworkDefinition;
import org.bytedeco.tensorrt.nvinfer.IOptimizationProfile;
import org.bytedeco.tensorrt.nvinfer.ITensor;
import org.bytedeco.tensorrt.nvinfer.ITimingCache;
import org.bytedeco.tensorrt.nvonnxparser.IParser;
import org.bytedeco.tensorrt.nvonnxparser.IParserError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds a serialized engine from an ONNX model with TensorRT's ONNX parser, or takes it from the engine cache.
 *
 * <p>The build: parse; one optimisation profile from the resolved min/opt/max shapes; {@code kFP16} for fp16,
 * {@code kINT8} for an explicitly quantized int8 model, TF32 off for fp32 (fp32 means fp32); the workspace pool
 * limit; the timing cache file read before and written after. The engine is written to
 * {@code cacheDir/}{@link EngineCacheKey#fileName} through a temporary file and an atomic rename, so concurrent
 * builders and crashed builds never leave a torn file.
 *
 * <p><b>Note:</b> thread-safe (every call has its own builder); builds are slow (seconds to minutes): never on a hot
 * path.
 */
final class EngineBuilder {
    private static final Logger LOG = LoggerFactory.getLogger(EngineBuilder.class);

    private EngineBuilder() {
    }

    /**
     * {@return the serialized engine}
     *
     * @param source  the model, for messages and its file path
     * @param onnx    the ONNX bytes
     * @param options the settings
     * @param device  the GPU the engine is for
     * @param version the TensorRT version
     */
    static byte[] buildOrLoad(ModelSource source, byte[] onnx, TensorRtOptions options, DeviceInfo device,
                              String version) {
        TrtLogger logger = TrtLogger.get();
        IBuilder builder = null;
        INetworkDefinition network = null;
        IParser parser = null;
        IBuilderConfig config = null;
        ITimingCache timing = null;
        IHostMemory plan = null;
        BytePointer onnxBytes = null;
        try {
            long mark = logger.mark();
            builder = nvinfer.createInferBuilder(logger);
            check(builder, source, "createInferBuilder", logger, mark);
            network = builder.createNetworkV2(0);
            check(network, source, "createNetworkV2", logger, mark);
            parser = nvonnxparser.createParser(network, logger);
            check(parser, source, "createParser", logger, mark);
            // a file is parsed from its path, so that weights stored beside it (ONNX external data) are found
            Path file = source.path().orElse(null);
            boolean parsed;
            if (file != null) {
                parsed = parser.parseFromFile(file.toString(), ILogger.Severity.kWARNING.value);
            } else {
                onnxBytes = new BytePointer(onnx);
                parsed = parser.parse(onnxBytes, onnx.length);
            }
            if (!parsed) {
                throw new ModelLoadException("cannot load ONNX model " + source.name() + " into TensorRT: the ONNX "
                        + "parser failed: " + parserErrors(parser));
            }
            List<TensorSpec> inputs = inputs(network, source);
            Map<String, ProfileShapes.Profile> profile;
            try {
                profile = options.shapes().resolve(inputs);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("ONNX model " + source.name() + ": " + e.getMessage(), e);
            }
            EngineCacheKey key = EngineCacheKey.of(onnx, version, device.name(), device.computeCapability(), options,
                    profile);
            Path cached = options.cacheDir() == null ? null : options.cacheDir().resolve(key.fileName(source.name()));
            if (cached != null && Files.isRegularFile(cached)) {
                try {
                    LOG.info("TensorRT engine for {} taken from the cache: {}", source.name(), cached);
                    return Files.readAllBytes(cached);
                } catch (IOException e) {
                    LOG.warn("TensorRT engine cache file {} cannot be read ({}); building again", cached, e.toString());
                }
            }
            config = builder.createBuilderConfig();
            check(config, source, "createBuilderConfig", logger, mark);
            configure(config, options);
            if (!profile.isEmpty()) {
                IOptimizationProfile p = builder.createOptimizationProfile();
                check(p, source, "createOptimizationProfile", logger, mark);
                for (Map.Entry<String, ProfileShapes.Profile> e : profile.entrySet()) {
                    ProfileShapes.Profile s = e.getValue();
                    boolean ok = p.setDimensions(e.getKey(), nvinfer.OptProfileSelector.kMIN, dims(s.min()))
                            && p.setDimensions(e.getKey(), nvinfer.OptProfileSelector.kOPT, dims(s.opt()))
                            && p.setDimensions(e.getKey(), nvinfer.OptProfileSelector.kMAX, dims(s.max()));
                    if (!ok) {
                        throw new IllegalArgumentException("ONNX model " + source.name() + ": TensorRT refused the "
                                + "profile shapes of input '" + e.getKey() + "' (" + s + "): "
                                + logger.errorsSince(mark));
                    }
                }
                if (config.addOptimizationProfile(p) < 0) {
                    throw new IllegalArgumentException("ONNX model " + source.name() + ": TensorRT refused the "
                            + "optimisation profile " + profile + ": " + logger.errorsSince(mark));
                }
            }
            timing = timingCache(config, options.timingCache());
            LOG.info("building TensorRT {} engine for {} on {} ({}), profile {}; this takes a while", options.precision(),
                    source.name(), device.name(), device.computeCapability(), profile);
            long t0 = System.nanoTime();
            plan = builder.buildSerializedNetwork(network, config);
            if (plan == null || plan.isNull() || plan.size() == 0) {
                throw new ModelLoadException("cannot build a TensorRT engine from ONNX model " + source.name() + ": "
                        + logger.errorsSince(mark));
            }
            byte[] bytes = new byte[Math.toIntExact(plan.size())];
            new BytePointer(plan.data()).capacity(plan.size()).get(bytes);
            LOG.info("TensorRT engine for {} built in {} ms ({} bytes)", source.name(),
                    (System.nanoTime() - t0) / 1_000_000, bytes.length);
            if (timing != null) {
                saveTimingCache(timing, options.timingCache());
            }
            if (cached != null) {
                writeAtomically(cached, bytes, key.canonical());
            }
            return bytes;
        } catch (ModelLoadException | IllegalArgumentException e) {
            throw e;
        } catch (RuntimeException e) { // a C++ exception JavaCPP turned into a RuntimeException
            throw new ModelLoadException("cannot build a TensorRT engine from " + source.name() + ": " + e, e);
        } finally {
            free(plan);
            free(timing);
            free(config);
            free(parser);
            free(network);
            free(builder);
            free(onnxBytes);
        }
    }

    // kFP16 and kINT8 are deprecated since TensorRT 10.12 in favour of strongly typed networks (precision taken from
    // the ONNX graph's own types); they still work in 10.x and are what `trtexec --fp16` sets for an fp32 ONNX model
    @SuppressWarnings("deprecation")
    private static void configure(IBuilderConfig config, TensorRtOptions options) {
        if (options.workspaceBytes() > 0) {
            config.setMemoryPoolLimit(nvinfer.MemoryPoolType.kWORKSPACE, options.workspaceBytes());
        }
        switch (options.precision()) {
            case "fp32" -> config.clearFlag(nvinfer.BuilderFlag.kTF32);
            case "fp16" -> config.setFlag(nvinfer.BuilderFlag.kFP16);
            case "int8" -> {
                config.setFlag(nvinfer.BuilderFlag.kINT8);
                config.setFlag(nvinfer.BuilderFlag.kFP16); // layers without Q/DQ fall back to fp16, not fp32
            }
            default -> throw new IllegalStateException("precision " + options.precision());
        }
    }

    private static ITimingCache timingCache(IBuilderConfig config, Path file) {
        if (file == null) {
            return null;
        }
        byte[] old = null;
        if (Files.isRegularFile(file)) {
            try {
                old = Files.readAllBytes(file);
            } catch (IOException e) {
                LOG.warn("TensorRT timing cache {} cannot be read ({}); starting an empty one", file, e.toString());
            }
        }
        ITimingCache cache;
        if (old != null && old.length > 0) {
            try (BytePointer p = new BytePointer(old)) {
                cache = config.createTimingCache(p, old.length);
            }
        } else {
            cache = config.createTimingCache(null, 0);
        }
        if (cache == null || cache.isNull() || !config.setTimingCache(cache, false)) {
            LOG.warn("TensorRT timing cache {} was not accepted; building without it", file);
            free(cache);
            return null;
        }
        return cache;
    }

    private static void saveTimingCache(ITimingCache cache, Path file) {
        IHostMemory mem = cache.serialize();
        try {
            if (mem == null || mem.isNull()) {
                return;
            }
            byte[] bytes = new byte[Math.toIntExact(mem.size())];
            new BytePointer(mem.data()).capacity(mem.size()).get(bytes);
            writeAtomically(file, bytes, null);
        } finally {
            free(mem);
        }
    }

    private static void writeAtomically(Path file, byte[] bytes, String description) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
            Files.write(tmp, bytes);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            if (description != null) {
                Path txt = dir.resolve(file.getFileName() + ".txt");
                Path tmpTxt = Files.createTempFile(dir, txt.getFileName().toString(), ".tmp");
                Files.writeString(tmpTxt, description);
                Files.move(tmpTxt, txt, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            LOG.warn("cannot write {} ({}); the next load builds again", file, e.toString());
        }
    }

    private static List<TensorSpec> inputs(INetworkDefinition network, ModelSource source) {
        List<TensorSpec> specs = new ArrayList<>();
        for (int i = 0; i < network.getNbInputs(); i++) {
            ITensor t = network.getInput(i);
            DType dtype = TrtTypes.dtype(t.getType());
            String name = t.getName();
            if (dtype == null) {
                throw new ModelLoadException("ONNX model " + source.name() + ": input '" + name + "' has TensorRT type "
                        + t.getType() + "; supported: " + TrtTypes.supported());
            }
            specs.add(TensorSpec.of(name, dtype, shape(t.getDimensions())));
        }
        return specs;
    }

    static long[] shape(Dims64 d) {
        long[] s = new long[d.nbDims()];
        for (int i = 0; i < s.length; i++) {
            s[i] = d.d(i) < 0 ? TensorSpec.DYNAMIC : d.d(i);
        }
        return s;
    }

    static Dims64 dims(long[] shape) {
        Dims64 d = new Dims64();
        d.nbDims(shape.length);
        for (int i = 0; i < shape.length; i++) {
            d.d(i, shape[i]);
        }
        return d;
    }

    private static String parserErrors(IParser parser) {
        int n = parser.getNbErrors();
        if (n == 0) {
            return "no error reported";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            IParserError e = parser.getError(i);
            sb.append(i == 0 ? "" : "; ").append(e.desc());
            if (e.nodeName() != null && !e.nodeName().isEmpty()) {
                sb.append(" (node ").append(e.nodeName()).append(' ').append(e.nodeOperator()).append(')');
            }
        }
        return sb.toString();
    }

    private static void check(Pointer p, ModelSource source, String what, TrtLogger logger, long mark) {
        if (p == null || p.isNull()) {
            throw new ModelLoadException("cannot build a TensorRT engine from " + source.name() + ": " + what
                    + " failed: " + logger.errorsSince(mark));
        }
    }

    /**
     * Releases a TensorRT object through JavaCPP. With the 10.15-1.5.13 preset this frees only objects JavaCPP
     * allocated itself: the pointers TensorRT's factories return carry no deallocator and TensorRT 10 has no
     * {@code destroy()}, so there is no way from Java to delete them (bytedeco/javacpp-presets#1699). What this module
     * allocates with CUDA (buffers, streams, context scratch memory) it frees with CUDA; the engine, context and runtime
     * objects stay until the process ends. Safe to call either way: it becomes a real delete once the preset attaches
     * deallocators.
     *
     * @param p the object, may be null
     */
    static void free(Pointer p) {
        if (p != null && !p.isNull()) {
            p.deallocate();
        }
    }
}
