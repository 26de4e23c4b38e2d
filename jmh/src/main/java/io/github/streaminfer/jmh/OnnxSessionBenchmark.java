package io.github.streaminfer.jmh;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.backend.onnx.OnnxBackend;
import io.github.streaminfer.backend.onnx.OnnxProviders;
import io.github.streaminfer.concurrent.IdleStrategy;
import io.github.streaminfer.session.InferenceResult;
import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.ProducerMode;
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.session.SubmitStatus;
import io.github.streaminfer.task.Classification;
import io.github.streaminfer.task.FloatVector;
import io.github.streaminfer.task.InferenceTask;
import io.github.streaminfer.task.SignalWindowTask;
import io.github.streaminfer.testkit.models.RealModel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * One inference on a real model, three ways side by side:
 * <ul>
 *   <li>{@code raw}: {@link OrtSession#run(Map, Map)} written the fastest way by hand: input and output
 *       {@link OnnxTensor}s created once over direct buffers, outputs pinned, maps built once; per call only the new
 *       observation is copied in (and, for Silero VAD, the recurrent state is ping-ponged between two pinned
 *       tensors).</li>
 *   <li>{@code session}: our {@link StreamingInferenceSession} end to end on the ONNX backend: {@code submit} on the
 *       benchmark thread → worker (busy spin) → preprocess (the same copy) → run → decode → {@code pollResult}.</li>
 *   <li>{@code djl}: DJL's {@link Predictor} on its ONNX Runtime engine (same onnxruntime jar, same session
 *       options), the library a Java user would pick instead: NDArrays created from the observation in a
 *       per-call sub-manager, outputs read back as arrays.</li>
 * </ul>
 * Models: {@code silero_vad_v5} (512-sample 16 kHz chunk, recurrent state, {@code sr}) and {@code ppocr_cls}
 * (one 3×48×192 image). All use one intra-op thread, sequential execution and no spinning.
 *
 * <p>Run: {@code java -jar jmh/target/benchmarks.jar OnnxSessionBenchmark -prof gc} (sample mode reports p50 and
 * p99 per call; {@code gc.alloc.rate.norm} is bytes allocated per call). DJL is kept offline and its telemetry off
 * ({@code ai.djl.offline}, {@code OPT_OUT_TRACKING}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "-DOPT_OUT_TRACKING=true"})
public class OnnxSessionBenchmark {

    /** Which model. */
    @Param({"silero_vad_v5", "ppocr_cls"})
    public String model;

    /** Which way of running it. */
    @Param({"raw", "session", "djl"})
    public String impl;

    private static final int CHUNK = 512;
    private static final long SR = 16_000;

    private float[][] observations;
    private int next;
    private Runner runner;

    interface Runner extends AutoCloseable {
        float infer(float[] observation) throws Exception;

        @Override
        void close() throws Exception;
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
        boolean vad = model.equals("silero_vad_v5");
        Path file = (vad ? RealModel.SILERO_VAD_V5 : RealModel.PPOCR_CLS).path();
        int size = vad ? CHUNK : 3 * 48 * 192;
        Random r = new Random(1);
        observations = new float[16][size];
        for (float[] o : observations) {
            for (int i = 0; i < size; i++) {
                o[i] = vad ? (float) (0.3 * r.nextGaussian()) : r.nextFloat() * 2 - 1;
            }
        }
        runner = switch (impl) {
            case "raw" -> vad ? new RawVad(file) : new RawCls(file);
            case "session" -> vad ? new SessionVad(file) : new SessionCls(file);
            case "djl" -> new Djl(file, vad);
            default -> throw new IllegalArgumentException("impl " + impl);
        };
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        runner.close();
    }

    /** @return the model's first output value, so the work cannot be eliminated */
    @Benchmark
    public float infer() throws Exception {
        float[] o = observations[next];
        next = (next + 1) & 15;
        return runner.infer(o);
    }

    // ------------------------------------------------------------------------------------ raw ONNX Runtime

    static OrtSession session(Path file) throws OrtException {
        try (OrtSession.SessionOptions so = OnnxProviders.sessionOptions(ModelOptions.DEFAULT, "cpu")) {
            return OnnxBackend.environment().createSession(file.toString(), so);
        }
    }

    static FloatBuffer direct(int floats) {
        return ByteBuffer.allocateDirect(floats * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    static final class RawCls implements Runner {
        private final OrtSession s;
        private final FloatBuffer x = direct(3 * 48 * 192);
        private final FloatBuffer y = direct(2);
        private final OnnxTensor xt;
        private final OnnxTensor yt;
        private final Map<String, OnnxTensor> in = new HashMap<>();
        private final Map<String, OnnxTensor> out = new HashMap<>();

        RawCls(Path file) throws OrtException {
            OrtEnvironment env = OnnxBackend.environment();
            s = session(file);
            xt = OnnxTensor.createTensor(env, x, new long[] {1, 3, 48, 192});
            yt = OnnxTensor.createTensor(env, y, new long[] {1, 2});
            in.put("x", xt);
            out.put(s.getOutputNames().iterator().next(), yt);
        }

        @Override
        public float infer(float[] o) throws OrtException {
            x.clear();
            x.put(o);
            s.run(in, out).close();
            return y.get(0);
        }

        @Override
        public void close() throws OrtException {
            xt.close();
            yt.close();
            s.close();
        }
    }

    static final class RawVad implements Runner {
        private final OrtSession s;
        private final FloatBuffer x = direct(CHUNK);
        private final FloatBuffer prob = direct(1);
        private final OnnxTensor[] all = new OnnxTensor[5];
        private final Map<String, OnnxTensor>[] in;
        private final Map<String, OnnxTensor>[] out;
        private int phase;

        @SuppressWarnings("unchecked")
        RawVad(Path file) throws OrtException {
            OrtEnvironment env = OnnxBackend.environment();
            s = session(file);
            LongBuffer sr = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder()).asLongBuffer().put(0, SR);
            all[0] = OnnxTensor.createTensor(env, x, new long[] {1, CHUNK});
            all[1] = OnnxTensor.createTensor(env, sr, new long[0]);
            all[2] = OnnxTensor.createTensor(env, prob, new long[] {1, 1});
            all[3] = OnnxTensor.createTensor(env, direct(256), new long[] {2, 1, 128});
            all[4] = OnnxTensor.createTensor(env, direct(256), new long[] {2, 1, 128});
            in = new Map[2];
            out = new Map[2];
            for (int p = 0; p < 2; p++) { // state ping-pongs between the two state tensors
                in[p] = new HashMap<>(Map.of("input", all[0], "sr", all[1], "state", all[3 + p]));
                out[p] = new HashMap<>(Map.of("output", all[2], "stateN", all[4 - p]));
            }
        }

        @Override
        public float infer(float[] o) throws OrtException {
            x.clear();
            x.put(o);
            s.run(in[phase], out[phase]).close();
            phase ^= 1;
            return prob.get(0);
        }

        @Override
        public void close() throws OrtException {
            for (OnnxTensor t : all) {
                t.close();
            }
            s.close();
        }
    }

    // ------------------------------------------------------------------------------------ our session

    abstract static class SessionRunner<O> implements Runner {
        final LoadedModel model;
        final StreamingInferenceSession<float[], O> session;

        SessionRunner(Path file, InferenceTask<float[], O> task, String stateOut, String stateIn) {
            model = new OnnxBackend().load(ModelSource.of(file), ModelOptions.DEFAULT);
            // one benchmark thread submits: the single-producer queues, as a camera or audio loop would use
            SessionConfig config = SessionConfig.builder().name("bench").ingress(IngressPolicy.block(4))
                    .producerMode(ProducerMode.SINGLE).idleStrategy(IdleStrategy.busySpin()).build();
            StreamingInferenceSession.Builder<float[], O> b = StreamingInferenceSession.builder(model, task)
                    .config(config).closeModelOnClose(true);
            if (stateOut != null) {
                b.recurrentState(stateOut, stateIn);
            }
            session = b.build();
        }

        @Override
        public float infer(float[] o) {
            if (session.submit(o) != SubmitStatus.ACCEPTED) {
                throw new IllegalStateException("submit refused");
            }
            InferenceResult<O> r;
            while ((r = session.pollResult()) == null) {
                // the caller waits the way a latency-critical caller does: spinning on its own core (the worker
                // has the other one; ONNX Runtime runs on the worker with one intra-op thread)
                Thread.onSpinWait();
            }
            try {
                if (!r.isSuccess()) {
                    throw new IllegalStateException("inference failed", r.error());
                }
                return value(r.value());
            } finally {
                r.release();
            }
        }

        abstract float value(O o);

        @Override
        public void close() {
            session.close();
        }
    }

    /** Copies a ready-made float observation into the input of a fixed shape, like the raw path does. */
    static final class TensorCopyTask implements InferenceTask<float[], FloatVector> {
        private final long[] shape;

        TensorCopyTask(long... shape) {
            this.shape = shape;
        }

        @Override
        public void bind(io.github.streaminfer.backend.ModelSignature model) {
            if (model.inputs().size() != 1) {
                throw new IllegalArgumentException("one input expected: " + model);
            }
        }

        @Override
        public long[] inputShape(io.github.streaminfer.tensor.TensorSpec spec) {
            return shape.clone();
        }

        @Override
        public FloatVector newOutput() {
            return new FloatVector(2);
        }

        @Override
        public void preprocess(float[] observation, io.github.streaminfer.tensor.Tensor[] inputs) {
            inputs[0].putFloats(0, observation, 0, observation.length);
        }

        @Override
        public void decode(io.github.streaminfer.tensor.Tensor[] outputs, FloatVector into) {
            int n = (int) outputs[0].elementCount();
            into.setLength(n);
            outputs[0].getFloats(0, into.array(), 0, n);
        }
    }

    static final class SessionCls extends SessionRunner<FloatVector> {
        SessionCls(Path file) {
            super(file, new TensorCopyTask(1, 3, 48, 192), null, null);
        }

        @Override
        float value(FloatVector v) {
            return v.get(0);
        }
    }

    static final class SessionVad extends SessionRunner<Classification> {
        SessionVad(Path file) {
            super(file, SignalWindowTask.builder(1, CHUNK, CHUNK).constant("sr", SR).outputName("output").build(),
                    "stateN", "state");
        }

        @Override
        float value(Classification c) {
            return c.score(0);
        }
    }

    // ------------------------------------------------------------------------------------ DJL

    static final class Djl implements Runner {
        private final ZooModel<NDList, NDList> model;
        private final Predictor<NDList, NDList> predictor;
        private final boolean vad;
        private final float[] state = new float[256];
        private final OrtSession.SessionOptions options;

        Djl(Path file, boolean vad) throws Exception {
            this.vad = vad;
            this.options = OnnxProviders.sessionOptions(ModelOptions.DEFAULT, "cpu");
            Criteria<NDList, NDList> criteria = Criteria.builder()
                    .setTypes(NDList.class, NDList.class)
                    .optModelPath(file)
                    .optEngine("OnnxRuntime")
                    .optTranslator(new NoopTranslator())
                    .optArgument("sessionOptions", options)
                    .build();
            model = criteria.loadModel();
            predictor = model.newPredictor();
        }

        @Override
        public float infer(float[] o) throws Exception {
            try (NDManager m = model.getNDManager().newSubManager()) {
                NDList in;
                if (vad) {
                    NDArray x = m.create(o, new Shape(1, CHUNK));
                    x.setName("input");
                    NDArray st = m.create(state, new Shape(2, 1, 128));
                    st.setName("state");
                    NDArray sr = m.create(SR);
                    sr.setName("sr");
                    in = new NDList(x, st, sr);
                } else {
                    NDArray x = m.create(o, new Shape(1, 3, 48, 192));
                    x.setName("x");
                    in = new NDList(x);
                }
                NDList out = predictor.predict(in);
                float first = out.get(0).toFloatArray()[0];
                if (vad) {
                    float[] next = out.get(1).toFloatArray();
                    System.arraycopy(next, 0, state, 0, state.length);
                }
                out.close();
                return first;
            }
        }

        @Override
        public void close() {
            predictor.close();
            model.close();
            options.close();
        }
    }
}
