package io.github.streaminfer.jmh;

import io.github.streaminfer.concurrent.IdleStrategy;
import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.IngressQueueType;
import io.github.streaminfer.session.ProducerMode;
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.session.SubmitStatus;
import io.github.streaminfer.task.FloatArrayTask;
import io.github.streaminfer.task.FloatVector;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.testkit.ScriptedModel;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The session's own cost, with a backend that does nothing: submit → ingress → worker → preprocess → run →
 * decode → listener. Two queue implementations side by side ({@code queue} param): the JCTools ingress the
 * session uses and a {@link java.util.concurrent.ArrayBlockingQueue} baseline. Each benchmark builds only its own
 * session, so exactly one worker shares the machine with the benchmark's threads. The {@code idle} param picks the
 * worker's idle strategy: {@code busySpin} (a worker on its own core: the pipeline's floor) or {@code parking} (the
 * default: each frame that finds the worker asleep pays a wake-up).
 *
 * <ul>
 *   <li>{@code roundTrip} (sample time): one frame submitted, then spin until its result reaches the listener;
 *       the latency the pipeline adds to every frame.</li>
 *   <li>{@code throughput}: frames per second through a {@code BLOCK(1024)} ingress from one producer (the producer
 *       waits when the worker falls behind, so the rate is the pipeline's sustained rate).</li>
 *   <li>{@code throughputFourProducers}: the same with four producer threads on a multi-producer session.</li>
 * </ul>
 * Run with {@code -prof gc}: {@code gc.alloc.rate.norm} is bytes allocated per frame across all threads.
 */
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+UseParallelGC"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class SessionPipelineBenchmark {

    private static final float[] OBSERVATION = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f};

    /** A session over a no-op model, built per trial with the queue under test. */
    @State(Scope.Benchmark)
    public abstract static class Pipeline {
        @Param({"JCTOOLS", "JDK_ARRAY_BLOCKING"})
        public IngressQueueType queue;

        @Param({"busySpin", "parking"})
        public String idle;

        StreamingInferenceSession<float[], FloatVector> session;
        volatile long lastResultFrame;

        abstract SessionConfig.Builder configure(SessionConfig.Builder base);

        boolean listens() {
            return false;
        }

        @Setup(Level.Trial)
        public void setUp() {
            ScriptedModel model = ScriptedModel.builder().name("noop")
                    .input("state", DType.FLOAT32, 1, 7).output("action", DType.FLOAT32, 1, 7)
                    .script(ScriptedModel.Script.noop()).build();
            SessionConfig.Builder base = SessionConfig.DEFAULT.toBuilder().ingressQueueType(queue)
                    .idleStrategy(idleStrategy(idle)).resultsCapacity(0);
            StreamingInferenceSession.Builder<float[], FloatVector> b = StreamingInferenceSession
                    .builder(model, FloatArrayTask.firstInputOutput()).config(configure(base).build());
            if (listens()) {
                b.listener(r -> lastResultFrame = r.frameId());
            }
            session = b.build();
        }

        private static IdleStrategy idleStrategy(String name) {
            return switch (name) {
                case "busySpin" -> IdleStrategy.busySpin();
                case "parking" -> IdleStrategy.parking();
                default -> throw new IllegalArgumentException("idle is " + name + "; allowed: busySpin, parking");
            };
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            session.close();
        }
    }

    /** One producer, one frame in flight. */
    public static class RoundTrip extends Pipeline {
        long submitted;

        @Override
        SessionConfig.Builder configure(SessionConfig.Builder base) {
            return base.name("latency").producerMode(ProducerMode.SINGLE).ingress(IngressPolicy.rejectNewest(64));
        }

        @Override
        boolean listens() {
            return true;
        }
    }

    /** One producer, BLOCK(1024). */
    public static class SingleProducer extends Pipeline {
        @Override
        SessionConfig.Builder configure(SessionConfig.Builder base) {
            return base.name("throughput").producerMode(ProducerMode.SINGLE).ingress(IngressPolicy.block(1024));
        }
    }

    /** Four producers, BLOCK(1024). */
    public static class FourProducers extends Pipeline {
        @Override
        SessionConfig.Builder configure(SessionConfig.Builder base) {
            return base.name("multi").producerMode(ProducerMode.MULTI).ingress(IngressPolicy.block(1024));
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public long roundTrip(RoundTrip p) {
        long frame = ++p.submitted;
        if (p.session.submit(OBSERVATION, frame, System.nanoTime()) != SubmitStatus.ACCEPTED) {
            throw new IllegalStateException("latency session refused a frame");
        }
        while (p.lastResultFrame != frame) {
            Thread.onSpinWait();
        }
        return frame;
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public SubmitStatus throughput(SingleProducer p) {
        return p.session.submit(OBSERVATION);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Threads(4)
    public SubmitStatus throughputFourProducers(FourProducers p) {
        return p.session.submit(OBSERVATION);
    }
}
