package io.github.streaminfer.transport.internal.http;

import io.github.streaminfer.transport.SessionRejectedException;
import io.netty.util.concurrent.EventExecutor;
import org.slf4j.Logger;

import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * Opens a session the way every endpoint does: on the server's blocking executor (a factory may load a model), then
 * back on the connection's event loop with the outcome. A {@link SessionRejectedException} is the factory's answer
 * to this client and reaches {@link Outcome#refused} with its message; any other failure is logged (rate-limited)
 * and reaches {@link Outcome#failed}, so that a client never sees an internal exception's text.
 *
 * <p><b>Note:</b> {@link #open} is called on the event loop; {@code open} runs on the blocking executor; every
 * {@link Outcome} method runs on the event loop, except {@link Outcome#orphaned}, which runs on the blocking executor
 * when the event loop has stopped.
 */
public final class SessionOpener {
    /** Messages a client may send before its session is open; beyond this the connection is closed. */
    public static final int MAX_EARLY_MESSAGES = 16;

    private SessionOpener() {
    }

    /**
     * What a connection does once its session is open, or could not be.
     *
     * <p><b>Note:</b> event loop only, except {@link #orphaned}.
     *
     * @param <S> what the open gives: the session, or the endpoint's holder of it
     */
    public interface Outcome<S> {
        /**
         * The session is open.
         *
         * @param session what the open gave
         */
        void opened(S session);

        /**
         * The factory refused this client.
         *
         * @param message the {@link SessionRejectedException}'s message, meant for the client
         */
        void refused(String message);

        /** Opening failed inside the server; it is logged already. */
        void failed();

        /**
         * The session opened but the event loop has stopped, so no one is left to attach it (blocking executor).
         *
         * @param session what the open gave
         */
        default void orphaned(S session) {
        }
    }

    /**
     * Opens on the blocking executor and answers {@code outcome} on {@code loop}.
     *
     * @param server  the server (its blocking executor and rate-limited log)
     * @param loop    the connection's event loop
     * @param open    opens the session; runs on the blocking executor
     * @param outcome the connection's answers
     * @param log     where a failure is logged
     * @param kind    the failure's rate-limiting key, e.g. {@code vla-open}
     * @param what    what was opened, for the log line, e.g. {@code openpi}
     * @param <S>     what the open gives
     * @return false if the blocking executor refused the task (the server is busy or stopping): nothing ran, and
     *         the caller answers on the spot
     */
    public static <S> boolean open(ServerContext server, EventExecutor loop, Supplier<S> open, Outcome<S> outcome,
                                   Logger log, String kind, String what) {
        try {
            server.blocking.execute(() -> run(server, loop, open, outcome, log, kind, what));
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    private static <S> void run(ServerContext server, EventExecutor loop, Supplier<S> open, Outcome<S> outcome,
                                Logger log, String kind, String what) {
        S session;
        try {
            session = open.get();
        } catch (SessionRejectedException e) {
            String m = e.getMessage();
            loop.execute(() -> outcome.refused(m));
            return;
        } catch (RuntimeException e) {
            server.warnings.warn(log, kind, "{}: opening failed", what, e);
            loop.execute(outcome::failed);
            return;
        }
        try {
            loop.execute(() -> outcome.opened(session));
        } catch (RejectedExecutionException e) {
            outcome.orphaned(session);
        }
    }
}
