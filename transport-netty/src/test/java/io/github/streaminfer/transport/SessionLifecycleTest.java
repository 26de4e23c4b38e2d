package io.github.streaminfer.transport;

import io.github.streaminfer.session.ResultListener;
import io.github.streaminfer.session.StreamingInferenceSession;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every path of a connection's open/close ends with its session closed: clients that handshake (and authenticate)
 * and then reset the connection at once, hundreds at a time, leave no live session behind, on every endpoint.
 */
class SessionLifecycleTest {
    private static final String KEY = "lifecycle_key_0123456789";
    private static final int CONNECTIONS = 150;

    /** Records every session the server's factories open; opening takes a little while, as a real model's does. */
    static final class Tracker implements TestSupport.Wrap {
        final Queue<StreamingInferenceSession<?, ?>> opened = new ConcurrentLinkedQueue<>();

        @Override
        public <I, O> SessionFactory<I, O> wrap(SessionFactory<I, O> f) {
            return new SessionFactory<>() {
                @Override
                public StreamingInferenceSession<I, O> open(SessionRequest request, ResultListener<O> listener) {
                    try {
                        Thread.sleep(3);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    StreamingInferenceSession<I, O> s = f.open(request, listener);
                    opened.add(s);
                    return s;
                }

                @Override
                public String backendId() {
                    return f.backendId();
                }

                @Override
                public String modelName() {
                    return f.modelName();
                }
            };
        }

        long stillOpen() {
            return opened.stream().filter(s -> !s.isClosed()).count();
        }
    }

    private static StreamingServer server(Tracker t) {
        AccessPolicy access = AccessPolicy.builder().apiKey(KEY, new Tier("attack", Tier.UNLIMITED, 0)).build();
        ServerLimits limits = ServerLimits.DEFAULT.toBuilder().maxConnectionsPerAddress(10_000).build();
        return TestSupport.fullServer(limits, access, t).start();
    }

    /**
     * Opens {@code n} connections at once; each runs {@code attack} and then resets. What the server logs meanwhile
     * (slf4j-simple writes to the current {@code System.err}) must hold no exception.
     */
    private static void storm(int n, Attack attack) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        PrintStream err = System.err;
        ByteArrayOutputStream logged = new ByteArrayOutputStream();
        System.setErr(new PrintStream(new OutputStream() {
            @Override
            public synchronized void write(int b) {
                logged.write(b);
                err.write(b);
            }

            @Override
            public synchronized void write(byte[] b, int off, int len) {
                logged.write(b, off, len);
                err.write(b, off, len);
            }
        }, true, StandardCharsets.UTF_8));
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                fs.add(pool.submit(() -> {
                    RawClient c = null;
                    try {
                        c = attack.run();
                    } catch (java.io.IOException ignored) {
                        // the server may refuse or close: the storm goes on
                    } finally {
                        if (c != null) {
                            c.reset();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get(60, TimeUnit.SECONDS);
            }
            Thread.sleep(500); // sessions still opening finish now
        } finally {
            pool.shutdownNow();
            System.setErr(err);
        }
        String log;
        synchronized (logged) {
            log = logged.toString(StandardCharsets.UTF_8);
        }
        assertThat(log).as("server log during the storm").doesNotContain("Exception");
    }

    @FunctionalInterface
    interface Attack {
        RawClient run() throws java.io.IOException;
    }

    private static void assertNoSessionLeft(StreamingServer s, Tracker t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while ((t.stillOpen() > 0 || s.activeSessions() > 0) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(t.opened).as("sessions the storm opened").isNotEmpty();
        assertThat(t.stillOpen()).as("sessions opened by the storm and never closed").isZero();
        assertThat(s.activeSessions()).as("sessions the server still lists").isZero();
    }

    @Test
    void vlaClientsThatResetRightAfterAuthLeaveNoSession() throws Exception {
        Tracker t = new Tracker();
        try (StreamingServer s = server(t)) {
            String auth = "{\"type\":\"auth\",\"api_key\":\"" + KEY + "\",\"target_fps\":10}";
            storm(CONNECTIONS, () -> {
                RawClient c = RawClient.connect(s);
                c.upgrade("/v1/stream", "");
                c.readHead();
                c.text(auth);
                return c;
            });
            assertNoSessionLeft(s, t);
        }
    }

    @Test
    void openPiClientsThatResetRightAfterTheHandshakeLeaveNoSession() throws Exception {
        Tracker t = new Tracker();
        try (StreamingServer s = server(t)) {
            storm(CONNECTIONS, () -> {
                RawClient c = RawClient.connect(s);
                c.upgrade("/", "Authorization: Api-Key " + KEY + "\r\n");
                c.readHead();
                return c;
            });
            assertNoSessionLeft(s, t);
        }
    }

    @Test
    void detectionClientsThatResetRightAfterTheHandshakeLeaveNoSession() throws Exception {
        Tracker t = new Tracker();
        try (StreamingServer s = server(t)) {
            storm(CONNECTIONS, () -> {
                RawClient c = RawClient.connect(s);
                c.upgrade("/stream/detection", "X-API-Key: " + KEY + "\r\n");
                c.readHead();
                return c;
            });
            assertNoSessionLeft(s, t);
        }
    }

    @Test
    void signalStreamsWhoseClientResetsAtOnceLeaveNoSession() throws Exception {
        Tracker t = new Tracker();
        try (StreamingServer s = server(t)) {
            String body = "{\"fps\": 50}";
            storm(CONNECTIONS, () -> {
                RawClient c = RawClient.connect(s);
                c.write("POST /infer/stream HTTP/1.1\r\nHost: x\r\nX-API-Key: " + KEY
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
                return c;
            });
            assertNoSessionLeft(s, t);
        }
    }
}
