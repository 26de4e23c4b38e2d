package io.github.streaminfer.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.RedisClient;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three server instances behind HAProxy, sharing a Redis session registry, all real processes on loopback: 150 VLA
 * WebSocket sessions and 30 detection REST + SSE sessions run through the balancer; one instance is killed
 * (SIGKILL) mid-run, another is stopped with SIGTERM and drains. Claims: the killed instance's clients reconnect
 * through the balancer while the other sessions lose no frame; every REST session on a surviving instance is
 * reachable through every instance (a 307 to its owner); the killed instance's sessions and slots expire from Redis;
 * a tier's concurrent-session limit holds across instances; a draining instance fails readiness first, refuses new
 * sessions, keeps serving its open ones, then closes them with 1001 and stops. Figures are printed.
 */
class ClusterBehindHaproxyTest {
    private static final int VLA_SESSIONS = 150;
    private static final int REST_SESSIONS = 30;
    private static final int VLA_FPS = 3;
    private static final int REST_FPS = 2;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    @Timeout(value = 170, unit = TimeUnit.SECONDS)
    void sessionsSurviveAKilledAndADrainedInstanceBehindHaproxyWithClusterWideTierLimits() throws Exception {
        // the logs of Redis and HAProxy stay in target/ for a failure's post-mortem
        Path dir = Files.createDirectories(Path.of("target", "cluster-logs"));
        long t0 = System.nanoTime();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(5)).build();
        // event streams on a client of their own: see RestSseLoadClient
        HttpClient streams = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(5)).build();
        HttpClient noRedirect = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        ScheduledExecutorService timer = Executors.newScheduledThreadPool(3);
        ExecutorService uploads = Executors.newFixedThreadPool(8);
        List<VlaLoadClient> vla = new ArrayList<>();
        List<RestSseLoadClient> rest = new ArrayList<>();
        try (ClusterFixture cluster = ClusterFixture.start(classPath(), dir);
             RedisClient redis = RedisClient.create("127.0.0.1", cluster.redisPort)) {
            double startSeconds = seconds(t0);

            // the tier limit across instances: 'pro' allows 3 sessions, one opened on each instance
            for (ClusterFixture.Instance in : cluster.instances) {
                assertThat(createSession(http, in.base(), ClusterFixture.PRO_KEY).statusCode()).isEqualTo(201);
            }
            for (ClusterFixture.Instance in : cluster.instances) {
                HttpResponse<String> r = createSession(http, in.base(), ClusterFixture.PRO_KEY);
                assertThat(r.statusCode()).as("4th 'pro' session on %s: %s", in.id, r.body()).isEqualTo(403);
                assertThat(r.body()).contains("tier 'pro' allows 3 concurrent session(s)");
            }

            // the load, all through the balancer
            byte[] jpeg = StandaloneServerTest.jpeg();
            String image = "data:image/jpeg;base64," + Base64.getEncoder().encodeToString(jpeg);
            for (int i = 0; i < VLA_SESSIONS; i++) {
                VlaLoadClient c = new VlaLoadClient(http, URI.create("ws://" + cluster.lb() + "/v1/stream"),
                        ClusterFixture.ENTERPRISE_KEY, image, timer);
                vla.add(c);
                c.connect();
                timer.scheduleAtFixedRate(c::tick, 1000 + i * 1000L / VLA_SESSIONS, 1000 / VLA_FPS,
                        TimeUnit.MILLISECONDS);
            }
            for (int i = 0; i < REST_SESSIONS; i++) {
                RestSseLoadClient c = new RestSseLoadClient(http, streams, cluster.lb(), ClusterFixture.ENTERPRISE_KEY, jpeg);
                rest.add(c);
                timer.scheduleAtFixedRate(() -> uploads.execute(c::tick), i * 1000L / REST_SESSIONS,
                        1000 / REST_FPS, TimeUnit.MILLISECONDS);
            }
            await("every VLA session acting and every REST stream open", Duration.ofSeconds(40), () ->
                    vla.stream().allMatch(c -> c.isConnected() && c.actions.get() > 0)
                            && rest.stream().allMatch(c -> c.streamOpen() && c.results.get() > 0));
            double loadedSeconds = seconds(t0);
            Thread.sleep(5000);

            // every REST session has one owner; every other instance answers 307 to it
            Map<RestSseLoadClient, ClusterFixture.Instance> owner = new HashMap<>();
            for (RestSseLoadClient c : rest) {
                for (ClusterFixture.Instance in : cluster.instances) {
                    HttpResponse<String> r = stats(noRedirect, in.base(), c.sessionId());
                    if (r.statusCode() == 200) {
                        assertThat(owner.put(c, in)).as("one owner of %s", c.sessionId()).isNull();
                    } else {
                        assertThat(r.statusCode()).as("%s on %s: %s", c.sessionId(), in.id, r.body()).isEqualTo(307);
                    }
                }
                assertThat(owner).containsKey(c);
                for (ClusterFixture.Instance in : cluster.instances) {
                    if (in != owner.get(c)) {
                        assertThat(stats(noRedirect, in.base(), c.sessionId()).headers().firstValue("location"))
                                .contains(owner.get(c).base() + "/stream/sessions/" + c.sessionId() + "/stats");
                    }
                }
            }
            // the victim owns REST sessions; the balancer spread the WebSockets over all three
            List<ClusterFixture.Instance> order = new ArrayList<>(cluster.instances);
            order.sort(java.util.Comparator.comparingLong((ClusterFixture.Instance in) -> owner.values().stream()
                    .filter(o -> o == in).count()).reversed());
            ClusterFixture.Instance inst1 = order.get(0);
            ClusterFixture.Instance inst2 = order.get(1);
            ClusterFixture.Instance inst3 = order.get(2);
            String spread = cluster.instances.stream().map(in -> in.id + "=" + owner.values().stream()
                    .filter(o -> o == in).count()).toList().toString();

            // kill the victim; the ids of its REST sessions, before their clients make new ones
            List<String> victimSessions = owner.entrySet().stream().filter(e -> e.getValue() == inst1)
                    .map(e -> e.getKey().sessionId()).toList();
            long killedAt = System.nanoTime();
            inst1.process.destroyForcibly();
            HttpResponse<String> stillHeld = createSession(http, inst2.base(), ClusterFixture.PRO_KEY);
            boolean checkedEarly = seconds(killedAt) < 1.5;
            if (checkedEarly) {
                assertThat(stillHeld.statusCode()).as("the dead instance's 'pro' slot counts until its key expires: %s",
                        stillHeld.body()).isEqualTo(403);
            }
            assertThat(victimSessions).allMatch(id -> redis.get("streaminfer:session:" + id) != null);
            await("the killed instance's sessions and key expire from Redis", ClusterFixture.REGISTRY_TTL
                    .plusSeconds(3), () -> redis.get("streaminfer:instance:" + inst1.id) == null
                    && victimSessions.stream().allMatch(id -> redis.get("streaminfer:session:" + id) == null));
            double expirySeconds = seconds(killedAt);
            HttpResponse<String> freed = createSession(http, inst2.base(), ClusterFixture.PRO_KEY);
            assertThat(freed.statusCode()).as("the dead instance's slot no longer counts: %s", freed.body())
                    .isEqualTo(201);
            assertThat(createSession(http, inst3.base(), ClusterFixture.PRO_KEY).statusCode())
                    .as("and the limit still holds").isEqualTo(403);

            await("the killed instance's clients reconnected through the balancer", Duration.ofSeconds(25), () ->
                    vla.stream().allMatch(c -> c.isConnected() && c.actionsSinceConnect.get() > 0)
                            && rest.stream().allMatch(c -> c.streamOpen()));
            double reconnectSeconds = seconds(killedAt);
            for (RestSseLoadClient c : rest) {
                ClusterFixture.Instance o = owner.get(c);
                if (o == inst1 || c.streamsEnded.get() > 0) {
                    continue;
                }
                for (ClusterFixture.Instance via : List.of(inst2, inst3)) {
                    HttpResponse<String> r = stats(http, via.base(), c.sessionId());
                    assertThat(r.statusCode()).as("%s (owner %s) through %s", c.sessionId(), o.id, via.id)
                            .isEqualTo(200);
                    assertThat(JSON.readTree(r.body()).get("session_id").asText()).isEqualTo(c.sessionId());
                }
                assertThat(stats(http, "http://" + cluster.lb(), c.sessionId()).statusCode()).isEqualTo(200);
            }
            Thread.sleep(3000);

            // SIGTERM instance 2: readiness fails first, new sessions are refused, open ones go on, then 1001
            long termAt = System.nanoTime();
            assertThat(inst2.process.toHandle().destroy()).isTrue();
            await("instance 2 fails readiness", Duration.ofSeconds(3), () -> status(http, inst2.base() + "/ready") == 503);
            double readinessSeconds = seconds(termAt);
            HttpResponse<String> refused = createSession(http, inst2.base(), ClusterFixture.ENTERPRISE_KEY);
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
            assertThat(refused.body()).contains("draining");
            assertThat(status(http, inst3.base() + "/ready")).isEqualTo(200);
            assertThat(status(http, inst2.base() + "/healthz")).as("liveness holds while draining").isEqualTo(200);
            long before = vla.stream().mapToLong(c -> c.actions.get()).sum();
            Thread.sleep(1000);
            long during = vla.stream().mapToLong(c -> c.actions.get()).sum() - before;
            assertThat(during).as("actions served in one second of the drain").isGreaterThan(VLA_SESSIONS * VLA_FPS / 3);
            assertThat(inst2.process.waitFor(ClusterFixture.DRAIN_SECONDS + 20, TimeUnit.SECONDS))
                    .as("instance 2 stopped after its drain:\n%s", inst2.output).isTrue();
            double stopSeconds = seconds(termAt);
            assertThat(inst2.process.exitValue()).isIn(0, 143);
            assertThat(inst2.output.toString()).contains("draining: /ready fails").contains("streaminfer-server: stopped");
            await("the drained instance's clients reconnected", Duration.ofSeconds(25), () ->
                    vla.stream().allMatch(c -> c.isConnected() && c.actionsSinceConnect.get() > 0)
                            && rest.stream().allMatch(c -> c.streamOpen()));

            // stop the load and let the last replies arrive
            timer.shutdownNow();
            uploads.shutdown();
            uploads.awaitTermination(15, TimeUnit.SECONDS);
            Thread.sleep(2000);

            List<VlaLoadClient> untouched = vla.stream().filter(c -> c.connects.get() == 1).toList();
            List<VlaLoadClient> killed = vla.stream().filter(c -> c.abnormalCloses.get() > 0).toList();
            List<VlaLoadClient> drained = vla.stream().filter(c -> c.goingAwayCloses.get() > 0).toList();
            long untouchedErrors = untouched.stream().mapToLong(c -> c.errors.get()).sum();
            long lostByKill = killed.stream().mapToLong(c -> c.unansweredAtClose.get()).sum();
            long lostByDrain = drained.stream().mapToLong(c -> c.unansweredAtClose.get()).sum();
            long restEnded = rest.stream().filter(c -> c.streamsEnded.get() > 0).count();
            String survivorUrl = ":" + inst3.port + "/stream/events/";
            long survivorStreamEnds = rest.stream().flatMap(c -> c.streamEnds.stream())
                    .filter(e -> e.contains(survivorUrl)).count();
            String figures = String.format(java.util.Locale.ROOT, "cluster figures: start %.1f s, load up at %.1f s;"
                            + " VLA %d sessions (%d untouched, %d on the killed instance, %d drained), %d frames sent, "
                            + "%d actions, %d drop replies (%d on untouched sessions), %d frames lost at the kill, %d at the drain; REST %d "
                            + "sessions (owners %s, %d re-created, %d creations retried, %d event streams ended on the "
                            + "survivor), %d uploads accepted, %d results, %d without an answer; kill -> Redis expiry %.1f s, "
                            + "-> all reconnected %.1f s; SIGTERM -> readiness 503 %.1f s, -> stopped %.1f s; "
                            + "early tier check %s; total %.1f s",
                    startSeconds, loadedSeconds, vla.size(), untouched.size(), killed.size(), drained.size(),
                    vla.stream().mapToLong(c -> c.sent.get()).sum(), vla.stream().mapToLong(c -> c.actions.get()).sum(),
                    vla.stream().mapToLong(c -> c.errors.get()).sum(), untouchedErrors, lostByKill, lostByDrain, rest.size(), spread, restEnded,
                    rest.stream().mapToLong(c -> c.openFailures.get()).sum(), survivorStreamEnds,
                    rest.stream().mapToLong(c -> c.accepted.get()).sum(),
                    rest.stream().mapToLong(c -> c.results.get()).sum(),
                    rest.stream().mapToLong(c -> c.transportFailures.get()).sum(), expirySeconds, reconnectSeconds,
                    readinessSeconds, stopSeconds, checkedEarly ? "made" : "skipped (slow machine)", seconds(t0));
            System.out.println(figures);
            System.out.println("ports: lb " + cluster.lbPort + ", killed " + inst1.port + ", drained " + inst2.port
                    + ", survivor " + inst3.port + "; now " + System.nanoTime() / 1_000_000 + "; killed after " + String.format("%.1f", (killedAt - t0) / 1e9)
                    + " s, SIGTERM after " + String.format("%.1f", (termAt - t0) / 1e9) + " s");
            java.util.Map<String, Integer> causes = new java.util.TreeMap<>();
            rest.forEach(c -> c.openFailureCauses.forEach((k, v) -> causes.merge(k, v.get(), Integer::sum)));
            System.out.println("session creations retried, by cause: " + causes);
            java.util.Map<String, Integer> endings = new java.util.TreeMap<>();
            vla.forEach(c -> c.endings.forEach((k, v) -> endings.merge(k, v.get(), Integer::sum)));
            System.out.println("VLA connections ended: " + endings);
            rest.forEach(c -> c.streamEnds.forEach(e -> System.out.println("event stream " + e)));
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(inst3.base() + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            metrics.body().lines().filter(l -> l.contains("stall") || l.contains("evicted") || l.contains("redirect"))
                    .filter(l -> !l.startsWith("#")).forEach(l -> System.out.println("survivor metric " + l));
            assertThat(untouched).as("sessions on instance 3 never disconnected").isNotEmpty();
            assertThat(killed).as("sessions of the killed instance").isNotEmpty();
            assertThat(drained).as("sessions of the drained instance, closed with 1001").isNotEmpty();
            for (VlaLoadClient c : untouched) {
                // every frame answered: an action, or the protocol's explicit drop reply when a fresher frame
                // superseded it on a loaded instance (latest-only ingress), never silence
                assertThat(c.owed()).as("frames without a reply on a surviving instance").isZero();
                assertThat(c.unansweredAtClose.get()).isZero();
                assertThat(c.actions.get()).as("actions of a surviving session").isPositive();
            }
            assertThat(lostByDrain).as("frames lost by the drained instance's graceful close (one in flight each at "
                    + "most)").isLessThanOrEqualTo(drained.size());
            assertThat(survivorStreamEnds).as("event streams that ended on the surviving instance: %s",
                    rest.stream().flatMap(c -> c.streamEnds.stream()).filter(e -> e.contains(survivorUrl)).toList())
                    .isZero();
            for (RestSseLoadClient c : rest) {
                if (owner.get(c) == inst3) {
                    assertThat(c.streamsEnded.get()).as("streams ended of a session that began on the survivor: %s",
                            c.streamEnds).isZero();
                }
                if (c.streamsEnded.get() == 0) {
                    assertThat(c.refused.get()).as("uploads refused on a surviving instance (session %s, first owner "
                            + "%s), last: %s", c.sessionId(), owner.get(c) == null ? "-" : owner.get(c).id,
                            c.lastRefusal).isZero();
                    assertThat(c.transportFailures.get()).as("uploads without an answer on a surviving instance "
                            + "(the client saw each fail), last: %s", c.lastRefusal).isLessThanOrEqualTo(1);
                    assertThat(c.results.get()).as("results of a surviving REST session").isEqualTo(c.accepted.get());
                } else {
                    assertThat(c.sessions.get()).as("a REST client of a stopped instance made a new session")
                            .isGreaterThan(1);
                }
            }
            Files.writeString(Path.of("target", "cluster-figures.txt"), figures + "\n");
        } finally {
            timer.shutdownNow();
            uploads.shutdownNow();
            vla.forEach(VlaLoadClient::stop);
            rest.forEach(RestSseLoadClient::stop);
        }
    }

    private static HttpResponse<String> createSession(HttpClient http, String base, String key) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + "/stream/sessions")).header("X-API-Key", key)
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> stats(HttpClient http, String base, String id) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + "/stream/sessions/" + id + "/stats"))
                .header("X-API-Key", ClusterFixture.ENTERPRISE_KEY).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static int status(HttpClient http, String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + ": " + what);
            }
            Thread.sleep(100);
        }
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    /** The server's classes and its resolved run-time class path, as {@code bin/streaminfer-server} runs it. */
    private static String classPath() throws Exception {
        String classes = System.getProperty("streaminfer.server.classes");
        String file = System.getProperty("streaminfer.server.classpath");
        assertThat(classes).as("system property streaminfer.server.classes (set by the POM)").isNotNull();
        assertThat(file).as("system property streaminfer.server.classpath (set by the POM)").isNotNull();
        return classes + java.io.File.pathSeparator + Files.readString(Path.of(file)).strip();
    }
}
