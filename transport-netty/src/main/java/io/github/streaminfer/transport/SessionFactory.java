package io.github.streaminfer.transport;

import io.github.streaminfer.session.ResultListener;
import io.github.streaminfer.session.StreamingInferenceSession;

/**
 * Opens one {@link StreamingInferenceSession} per client of an endpoint. This is where a server decides which model,
 * task, queue policy, smoothing and safety a client gets; the transport only moves bytes.
 *
 * <pre>{@code
 * SessionFactory<VlaFrame, FloatVector> factory = (request, listener) ->
 *         StreamingInferenceSession.builder(model, new StatePolicyTask())
 *                 .config(SessionConfig.DEFAULT.toBuilder().name(request.sessionId())
 *                         .targetFps(request.targetFps()).build())
 *                 .listener(listener)
 *                 .build();
 * }</pre>
 *
 * <p><b>Note:</b> {@link #open} is called on a transport worker thread (never an event loop) and may block briefly
 * (model warm-up); it must register {@code listener} on the session, which the transport uses to send results. The
 * transport closes the session when the client leaves.
 *
 * @param <I> observation type the endpoint produces
 * @param <O> result value type
 * @since 0.1.0
 */
@FunctionalInterface
public interface SessionFactory<I, O> {

    /**
     * @param request  the validated client request
     * @param listener the transport's result listener; register it with {@code builder.listener(listener)}
     * @return a running session
     * @throws SessionRejectedException if the request cannot be served (message goes to the client)
     */
    StreamingInferenceSession<I, O> open(SessionRequest request, ResultListener<O> listener);

    /** @return the backend id reported to clients (health, benchmark, events) */
    default String backendId() {
        return "unknown";
    }

    /** @return the model name reported when a client does not ask for one */
    default String modelName() {
        return "default";
    }

    /** @return false if this factory's backend cannot run here */
    default boolean isAvailable() {
        return true;
    }

    /** {@return why this factory's backend cannot run here, or null if it can or no reason is known} */
    default String unavailabilityCause() {
        return null;
    }

    /**
     * {@return a factory for a backend that cannot run here}: it reports {@code cause}, is never available, and
     * refuses every session with a {@link SessionRejectedException} naming the backend and the cause. Servers
     * register one so that a client asking for that backend learns why it is missing.
     *
     * @param backendId backend id to report
     * @param modelName model name to report
     * @param cause     why the backend cannot run here, e.g. its {@code unavailabilityCause()} message
     * @param <I>       observation type
     * @param <O>       result type
     */
    static <I, O> SessionFactory<I, O> unavailable(String backendId, String modelName, String cause) {
        java.util.Objects.requireNonNull(cause, "cause");
        return new SessionFactory<>() {
            @Override
            public StreamingInferenceSession<I, O> open(SessionRequest request, ResultListener<O> listener) {
                throw new SessionRejectedException("backend '" + backendId + "' is unavailable: " + cause);
            }

            @Override
            public String backendId() {
                return backendId;
            }

            @Override
            public String modelName() {
                return modelName;
            }

            @Override
            public boolean isAvailable() {
                return false;
            }

            @Override
            public String unavailabilityCause() {
                return cause;
            }
        };
    }

    /**
     * Wraps a factory with the names reported to clients.
     *
     * @param backendId backend id to report
     * @param modelName default model name to report
     * @param factory   the factory
     * @param <I>       observation type
     * @param <O>       result type
     * @return the named factory
     */
    static <I, O> SessionFactory<I, O> named(String backendId, String modelName, SessionFactory<I, O> factory) {
        return new SessionFactory<>() {
            @Override
            public StreamingInferenceSession<I, O> open(SessionRequest request, ResultListener<O> listener) {
                return factory.open(request, listener);
            }

            @Override
            public String backendId() {
                return backendId;
            }

            @Override
            public String modelName() {
                return modelName;
            }

            @Override
            public boolean isAvailable() {
                return factory.isAvailable();
            }

            @Override
            public String unavailabilityCause() {
                return factory.unavailabilityCause();
            }
        };
    }
}
