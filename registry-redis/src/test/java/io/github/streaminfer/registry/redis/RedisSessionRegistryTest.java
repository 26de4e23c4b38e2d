package io.github.streaminfer.registry.redis;

import io.github.streaminfer.transport.SessionRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Redis registry against a real {@code redis-server} on a loopback port (skipped where none is installed). */
class RedisSessionRegistryTest {
    private static Process redis;
    private static int port;
    private static int prefixes;

    @BeforeAll
    static void startRedis() throws Exception {
        Path bin = Path.of("/usr/bin/redis-server");
        Assumptions.assumeTrue(Files.isExecutable(bin), "redis-server is not installed (apt-get install "
                + "redis-server; .ci/run installs it)");
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        redis = new ProcessBuilder(bin.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save",
                "", "--appendonly", "no").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Socket s = new Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("redis-server did not listen on " + port);
                }
                Thread.sleep(50);
            }
        }
    }

    @AfterAll
    static void stopRedis() throws InterruptedException {
        if (redis != null) {
            redis.destroy();
            redis.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Each test in its own key space. */
    private static RedisSessionRegistry connect(String prefix, String id, String advertise, Duration ttl) {
        return RedisSessionRegistry.connect(RedisRegistryConfig.builder()
                .redisUri(URI.create("redis://127.0.0.1:" + port)).instanceId(id).advertise(advertise).ttl(ttl)
                .keyPrefix(prefix).build());
    }

    private static String prefix() {
        return "t" + (++prefixes) + ":";
    }

    @Test
    void aTierLimitHoldsAcrossInstancesAndAReleasedSlotIsFreeForAnyOfThem() {
        String p = prefix();
        try (RedisSessionRegistry a = connect(p, "a", "127.0.0.1:1", Duration.ofSeconds(10));
             RedisSessionRegistry b = connect(p, "b", "127.0.0.1:2", Duration.ofSeconds(10))) {
            assertThat(a.tryAcquireSlot("key-1", 2)).isTrue();
            assertThat(b.tryAcquireSlot("key-1", 2)).isTrue();
            assertThat(a.tryAcquireSlot("key-1", 2)).isFalse();
            assertThat(b.tryAcquireSlot("key-1", 2)).isFalse();
            assertThat(b.tryAcquireSlot("key-2", 2)).as("another key counts apart").isTrue();
            a.releaseSlot("key-1");
            assertThat(b.tryAcquireSlot("key-1", 2)).isTrue();
            assertThat(a.tryAcquireSlot("key-1", 2)).isFalse();
        }
    }

    @Test
    void instancesRacingForTheLastSlotsNeverTakeMoreThanTheLimit() throws Exception {
        String p = prefix();
        int limit = 5;
        try (RedisSessionRegistry a = connect(p, "a", "127.0.0.1:1", Duration.ofSeconds(10));
             RedisSessionRegistry b = connect(p, "b", "127.0.0.1:2", Duration.ofSeconds(10))) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            CountDownLatch go = new CountDownLatch(1);
            AtomicInteger taken = new AtomicInteger();
            List<Future<?>> all = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                SessionRegistry r = i % 2 == 0 ? a : b;
                all.add(pool.submit(() -> {
                    go.await();
                    if (r.tryAcquireSlot("key-1", limit)) {
                        taken.incrementAndGet();
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : all) {
                f.get(10, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertThat(taken.get()).isEqualTo(limit);
        }
    }

    @Test
    void aSessionIsFoundWithItsOwnersAddressUntilItIsRemoved() {
        String p = prefix();
        try (RedisSessionRegistry a = connect(p, "a", "10.0.0.1:8000", Duration.ofSeconds(10));
             RedisSessionRegistry b = connect(p, "b", "10.0.0.2:8000", Duration.ofSeconds(10))) {
            a.register("s-1");
            assertThat(b.lookup("s-1")).contains(new SessionRegistry.Owner("a", "10.0.0.1:8000"));
            assertThat(b.lookup("s-2")).isEmpty();
            b.remove("s-1");
            assertThat(a.lookup("s-1")).as("only the owner withdraws a session").isPresent();
            a.remove("s-1");
            assertThat(b.lookup("s-1")).isEmpty();
            a.advertise("10.0.0.9:9000");
            a.register("s-3");
            assertThat(b.lookup("s-3")).contains(new SessionRegistry.Owner("a", "10.0.0.9:9000"));
        }
    }

    @Test
    void entriesOutliveTheirTtlOnlyWhileTheOwnerRenewsThem() throws Exception {
        String p = prefix();
        try (RedisSessionRegistry a = connect(p, "a", "127.0.0.1:1", Duration.ofMillis(600));
             RedisSessionRegistry b = connect(p, "b", "127.0.0.1:2", Duration.ofSeconds(10))) {
            a.register("s-1");
            assertThat(a.tryAcquireSlot("key-1", 1)).isTrue();
            Thread.sleep(1500); // more than twice the TTL: only the renewal keeps them
            assertThat(b.lookup("s-1")).isPresent();
            assertThat(b.tryAcquireSlot("key-1", 1)).isFalse();
        }
    }

    @Test
    void aClosedInstanceLeavesNoSessionAndNoSlotBehind() {
        String p = prefix();
        try (RedisSessionRegistry b = connect(p, "b", "127.0.0.1:2", Duration.ofSeconds(10))) {
            RedisSessionRegistry a = connect(p, "a", "127.0.0.1:1", Duration.ofSeconds(10));
            a.register("s-1");
            assertThat(a.tryAcquireSlot("key-1", 1)).isTrue();
            assertThat(b.tryAcquireSlot("key-1", 1)).isFalse();
            a.close();
            assertThat(b.lookup("s-1")).isEmpty();
            assertThat(b.tryAcquireSlot("key-1", 1)).isTrue();
            assertThat(a.tryAcquireSlot("key-1", 5)).as("a closed registry admits no one").isFalse();
        }
    }

    @Test
    void anUnreachableRedisIsAClearErrorAtConnect() throws IOException {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        RedisRegistryConfig cfg = RedisRegistryConfig.builder().redisUri(URI.create("redis://127.0.0.1:" + closed))
                .build();
        assertThatThrownBy(() -> RedisSessionRegistry.connect(cfg)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot reach Redis at 127.0.0.1:" + closed);
    }

    @Test
    void invalidSettingsNameTheFieldAndWhatIsAllowed() {
        assertThatThrownBy(() -> RedisRegistryConfig.builder().redisUri(URI.create("http://x")).build())
                .hasMessageContaining("redisUri is 'http://x'; allowed: redis://");
        assertThatThrownBy(() -> RedisRegistryConfig.builder().instanceId("a b").build())
                .hasMessageContaining("instanceId is 'a b'; allowed:");
        assertThatThrownBy(() -> RedisRegistryConfig.builder().ttl(Duration.ofMillis(10)).build())
                .hasMessageContaining("ttl is PT0.01S; allowed: 300 ms to 1 h");
        assertThatThrownBy(() -> RedisRegistryConfig.builder().timeout(Duration.ofSeconds(20)).build())
                .hasMessageContaining("timeout is PT20S; allowed: 1 ms to less than ttl");
    }
}
