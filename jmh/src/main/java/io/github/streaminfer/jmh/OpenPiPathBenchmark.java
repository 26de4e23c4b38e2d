package io.github.streaminfer.jmh;

import io.github.streaminfer.backend.ModelSignature;
import io.github.streaminfer.image.ImageDecoder;
import io.github.streaminfer.image.ImageSpec;
import io.github.streaminfer.image.JavaImageDecoder;
import io.github.streaminfer.media.OpenCvImageDecoder;
import io.github.streaminfer.task.ActionChunk;
import io.github.streaminfer.task.InferenceTask;
import io.github.streaminfer.task.PolicyTask;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;
import io.github.streaminfer.transport.ActionOut;
import io.github.streaminfer.transport.PolicyAdapters;
import io.github.streaminfer.transport.internal.openpi.Msgpack;
import io.github.streaminfer.transport.internal.openpi.OpenPiHandler;
import io.github.streaminfer.transport.openpi.NdArray;
import io.github.streaminfer.transport.openpi.OpenPiObservation;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The server side of one openpi observation, stage by stage, without the network: the msgpack bytes that openpi's
 * {@code WebsocketClientPolicy} sends (a {@code uint8 [H, W, 3]} camera array, a 14-value state and a prompt) parsed
 * into an {@link OpenPiObservation} ({@code decode}); mapped and written into the policy's float NCHW input tensors
 * ({@code preprocess}, 96 × 96 target); the reply map encoded ({@code encodeReply}); and all three in a row
 * ({@code observationToTensor} covers the first two). A camera array already at the model's size takes no decoder;
 * a larger one is resized by the decoder named by {@link #decoder}.
 *
 * <p>Target: {@code observationToTensor} for a 96 × 96 image in single-digit microseconds, so that the server's share
 * of the openpi round trip (issue: p50 ≤ 1 ms, p99 ≤ 2.5 ms) is the model's and the network's.
 *
 * <pre>
 * java -jar jmh/target/benchmarks.jar OpenPiPathBenchmark -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class OpenPiPathBenchmark {
    private static final int MODEL_SIZE = 96;

    /** Camera array sent by the client: {@code 96x96} (the model's size) or {@code 224x224} (resized). */
    @Param({"96x96", "224x224"})
    public String image;

    /** Decoder for images that need a resize: {@code opencv} or {@code java}. */
    @Param({"opencv", "java"})
    public String decoder;

    private byte[] message;
    private OpenPiObservation observation;
    private InferenceTask<OpenPiObservation, ActionChunk> task;
    private Tensor[] inputs;
    private final ActionOut action = new ActionOut();

    /**
     * Packs the observation and binds the task.
     *
     * @throws Exception if the message cannot be built
     */
    @Setup
    public void setup() throws Exception {
        String[] wh = image.split("x");
        int w = Integer.parseInt(wh[0]);
        int h = Integer.parseInt(wh[1]);
        byte[] px = new byte[w * h * 3];
        new Random(1).nextBytes(px);
        Map<String, Object> obs = new LinkedHashMap<>();
        obs.put("observation/image", new NdArray("|u1", new long[]{h, w, 3}, java.nio.ByteBuffer.wrap(px)));
        obs.put("observation/state", NdArray.ofFloats(new float[14], 14));
        obs.put("prompt", "pick up the red cube");
        message = Msgpack.encode(obs);
        observation = new OpenPiObservation(Msgpack.decodeObservation(message));
        ImageDecoder d = "opencv".equals(decoder) ? new OpenCvImageDecoder() : new JavaImageDecoder();
        PolicyTask policy = PolicyTask.builder().image("image", ImageSpec.builder(MODEL_SIZE, MODEL_SIZE).build())
                .state("state").decoder(d).build();
        task = PolicyAdapters.openPi(policy, List.of("observation/image"), "observation/state", "prompt");
        TensorSpec img = TensorSpec.of("image", DType.FLOAT32, 1, 3, MODEL_SIZE, MODEL_SIZE);
        TensorSpec state = TensorSpec.of("state", DType.FLOAT32, 1, 14);
        task.bind(new ModelSignature(List.of(img, state),
                List.of(TensorSpec.of("actions", DType.FLOAT32, 1, 10, 7))));
        inputs = new Tensor[]{Tensor.allocate(img), Tensor.allocate(state)};
        action.chunk(new float[70], 0, 10, 7);
    }

    /** Releases the decoder and tensors. */
    @TearDown
    public void tearDown() {
        task.close();
        for (Tensor t : inputs) {
            t.free();
        }
    }

    /**
     * {@return the observation parsed from the message}
     *
     * @throws Exception never for this message
     */
    @Benchmark
    public Map<String, Object> decode() throws Exception {
        return Msgpack.decodeObservation(message);
    }

    /** {@return the image tensor after mapping and writing the parsed observation} */
    @Benchmark
    public Tensor preprocess() {
        task.preprocess(observation, inputs);
        return inputs[0];
    }

    /**
     * {@return the image tensor after parsing and writing the message}
     *
     * @throws Exception never for this message
     */
    @Benchmark
    public Tensor observationToTensor() throws Exception {
        task.preprocess(new OpenPiObservation(Msgpack.decodeObservation(message)), inputs);
        return inputs[0];
    }

    /**
     * {@return a 10 × 7 action reply with its timings}
     *
     * @throws IOException never
     */
    @Benchmark
    public byte[] encodeReply() throws IOException {
        return OpenPiHandler.encodeReply(action, 1_000_000, 900_000, 400_000);
    }
}
