package io.github.streaminfer.transport;

import io.github.streaminfer.action.ActionCommand;
import io.github.streaminfer.action.ActionConfig;
import io.github.streaminfer.action.ActionController;
import io.github.streaminfer.action.SafetyConfig;
import io.github.streaminfer.action.SmoothingConfig;
import io.github.streaminfer.session.InferenceResult;
import io.github.streaminfer.task.ActionChunk;
import io.github.streaminfer.time.NanoClock;

import java.time.Duration;
import java.util.Objects;

/**
 * Runs every policy result through core's {@link ActionController} (chunk aggregation, smoothing, the safety chain)
 * and sends the command for the current instant: the VLA seed's {@code action} is the smoothed, safety-checked
 * command, {@code safety_score} is the controller's score, {@code smoothed} says whether smoothing ran, and
 * {@code executable} is false when the controller holds or decelerates (stale action, emergency stop).
 *
 * <p>Per session, from the client's {@code auth}: {@code enable_smoothing} and {@code smoothing_alpha} choose EMA
 * smoothing with that alpha (or none); {@code enable_safety} chooses the configured {@link SafetyConfig} (or a
 * chain reduced to the non-finite guard, with no staleness deadline and no emergency stop); {@code target_fps} sets
 * the control period.
 *
 * <p><b>Note:</b> one instance per session (see {@link #forSession}); {@link #encode(InferenceResult, ActionOut)}
 * runs on that session's worker, which is both the controller's producer and its consumer.
 *
 * @since 0.1.0
 */
public final class ControlledActionEncoder implements ActionEncoder<ActionChunk> {
    private static final SafetyConfig UNGUARDED = SafetyConfig.builder().staleAfter(Duration.ofHours(1))
            .estopAfterInvalid(0).build();

    private final SafetyConfig safety;
    private final Duration stepPeriod;
    private final NanoClock clock;
    private final SessionRequest request;
    private ActionController controller;
    /** The controller, for readers on other threads (the dashboard); set once. */
    private volatile ActionController published;
    private ActionCommand command;
    private float[] scratch;
    private boolean smoothing;

    /**
     * @param safety     the safety chain for sessions with {@code enable_safety} (e.g. {@link SafetyConfig#DEFAULT} or
     *                   {@link SafetyConfig#frankaCartesian()})
     * @param stepPeriod time between two steps of an action chunk
     * @param clock      the sessions' clock
     */
    public ControlledActionEncoder(SafetyConfig safety, Duration stepPeriod, NanoClock clock) {
        this(safety, stepPeriod, clock, null);
    }

    private ControlledActionEncoder(SafetyConfig safety, Duration stepPeriod, NanoClock clock, SessionRequest request) {
        this.safety = Objects.requireNonNull(safety, "safety");
        this.stepPeriod = Objects.requireNonNull(stepPeriod, "stepPeriod");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.request = request;
    }

    @Override
    public ActionEncoder<ActionChunk> forSession(SessionRequest request) {
        return new ControlledActionEncoder(safety, stepPeriod, clock, request);
    }

    @Override
    public void encode(ActionChunk value, ActionOut out) {
        throw new IllegalStateException("ControlledActionEncoder needs the result; the transport calls "
                + "encode(InferenceResult, ActionOut) on the per-session encoder");
    }

    @Override
    public void encode(InferenceResult<ActionChunk> result, ActionOut out) {
        if (request == null) {
            throw new IllegalStateException("use forSession(request) first");
        }
        ActionChunk c = result.value();
        if (controller == null) {
            controller = build(c.dim(), c.horizon());
            command = new ActionCommand(c.dim());
            scratch = new float[c.dim()];
            published = controller;
        }
        controller.offer(c.array(), 0, c.horizon() * c.dim(), result.frameId(), result.captureNanos());
        controller.next(clock.nanoTime(), command);
        double[] v = command.values();
        for (int i = 0; i < scratch.length; i++) {
            scratch[i] = (float) v[i];
        }
        out.action(scratch, 0, scratch.length).safetyScore(command.safetyScore()).smoothed(smoothing)
                .executable(command.executable()).interventions(command.interventions());
    }

    /**
     * {@return this session's action controller once its first result built it, else null} Its {@code stats()} and
     * emergency-stop state are safe to read from any thread.
     */
    public ActionController controller() {
        return published;
    }

    private ActionController build(int dim, int horizon) {
        smoothing = request.flag("enable_smoothing", true);
        double alpha = request.number("smoothing_alpha", 0.3);
        double fps = request.targetFps() > 0 ? request.targetFps() : 10;
        ActionConfig cfg = ActionConfig.builder().dim(dim).maxHorizon(Math.max(1, horizon))
                .stepPeriod(stepPeriod).controlPeriod(Duration.ofNanos(Math.round(1e9 / fps)))
                .smoothing(smoothing ? SmoothingConfig.ema(alpha) : SmoothingConfig.NONE)
                .safety(request.flag("enable_safety", true) ? safety : UNGUARDED)
                .build();
        return ActionController.builder(cfg).clock(clock).build();
    }
}
