package io.github.streaminfer.server;

import org.junit.jupiter.api.Assumptions;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Real parts on loopback for the cluster test: Debian's {@code redis-server}, three server JVMs (the standalone
 * server on its run-time class path, as {@code bin/streaminfer-server} runs it) sharing that Redis, and Debian's
 * {@code haproxy} with the repository's {@code deploy/haproxy/haproxy.cfg} in front of them. Redis and HAProxy take
 * their port on the command line, so theirs are free ports the OS picks and the fixture hands on; the servers bind
 * port 0.
 */
final class ClusterFixture implements AutoCloseable {
    static final String ENTERPRISE_KEY = "cluster_enterprise_key_1";
    static final String PRO_KEY = "cluster_pro_key_22";
    static final Duration REGISTRY_TTL = Duration.ofSeconds(3);
    static final int DRAIN_SECONDS = 4;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Pattern VLA_URL = Pattern.compile("ws://127\\.0\\.0\\.1:(\\d+)/v1/stream");

    /** One server instance: its process, port and output. */
    static final class Instance {
        final String id;
        final Process process;
        final StringBuffer output = new StringBuffer();
        volatile int port = -1;
        volatile boolean ready;

        Instance(String id, Process process) {
            this.id = id;
            this.process = process;
        }

        String base() {
            return "http://127.0.0.1:" + port;
        }
    }

    final int redisPort;
    final int lbPort;
    final List<Instance> instances = new ArrayList<>();
    /** Where the logs go: Redis's and HAProxy's as they run, each instance's output at the close. */
    private Path logDir;
    private final Process redis;
    private Process haproxy;

    private ClusterFixture(int redisPort, Process redis) {
        this.redisPort = redisPort;
        this.redis = redis;
        this.lbPort = freePort();
    }

    /** Finds a binary in the usual Debian places; the test is skipped without it. */
    static Path binary(String name) {
        for (String dir : List.of("/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        Assumptions.assumeTrue(false, name + " is not installed (apt-get install redis-server haproxy; .ci/run "
                + "installs both): the cluster test needs the real one");
        return null;
    }

    static ClusterFixture start(String serverClassPath, Path dir) throws Exception {
        Path redisServer = binary("redis-server");
        binary("haproxy");
        int port = freePort();
        Process redis = new ProcessBuilder(redisServer.toString(), "--port", Integer.toString(port), "--bind",
                "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        ClusterFixture f = new ClusterFixture(port, redis);
        f.logDir = dir;
        try {
            awaitPort(port, Duration.ofSeconds(10), "redis-server");
            for (int i = 1; i <= 3; i++) {
                f.instances.add(f.startInstance("inst" + i, serverClassPath));
            }
            for (Instance in : f.instances) {
                f.awaitReady(in);
            }
            f.startHaproxy(dir);
            return f;
        } catch (Exception | AssertionError e) {
            f.close();
            throw e;
        }
    }

    private Instance startInstance(String id, String classPath) throws IOException {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classPath,
                StreamingServerMain.class.getName(), "--port", "0", "--warmup", "0", "--io-threads", "1",
                "--workers", "1", "--api-key", ENTERPRISE_KEY + ":enterprise", "--api-key", PRO_KEY + ":pro",
                "--redis", "redis://127.0.0.1:" + redisPort, "--instance-id", id,
                "--registry-ttl-seconds", Long.toString(REGISTRY_TTL.toSeconds()),
                "--drain-seconds", Integer.toString(DRAIN_SECONDS), "--max-connections-per-address", "1000");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Instance in = new Instance(id, p);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    in.output.append(line).append('\n');
                    Matcher m = VLA_URL.matcher(line);
                    if (m.find()) {
                        in.port = Integer.parseInt(m.group(1));
                    }
                    if (line.equals("streaminfer-server: ready")) {
                        in.ready = true;
                    }
                }
            } catch (IOException e) {
                in.output.append("(output read failed: ").append(e).append(")\n");
            }
        }, "server-output-" + id);
        reader.setDaemon(true);
        reader.start();
        return in;
    }

    private void awaitReady(Instance in) throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!in.ready) {
            if (!in.process.isAlive()) {
                throw new AssertionError(in.id + " exited with " + in.process.exitValue() + ":\n" + in.output);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(in.id + " not ready within " + START_TIMEOUT + ":\n" + in.output);
            }
            Thread.sleep(100);
        }
    }

    private void startHaproxy(Path dir) throws Exception {
        Path cfg = Path.of(System.getProperty("user.dir")).getParent().resolve("deploy/haproxy/haproxy.cfg");
        if (!Files.isReadable(cfg)) {
            cfg = Path.of("deploy/haproxy/haproxy.cfg");
        }
        ProcessBuilder pb = new ProcessBuilder(binary("haproxy").toString(), "-db", "-f", cfg.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("haproxy.log").toFile());
        Map<String, String> env = pb.environment();
        env.put("SI_LB_BIND", "127.0.0.1:" + lbPort);
        for (int i = 0; i < instances.size(); i++) {
            env.put("SI_INSTANCE_" + (i + 1), "127.0.0.1:" + instances.get(i).port);
        }
        haproxy = pb.start();
        try {
            awaitPort(lbPort, Duration.ofSeconds(10), "haproxy");
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; haproxy log:\n" + Files.readString(dir.resolve("haproxy.log")),
                    e);
        }
    }

    String lb() {
        return "127.0.0.1:" + lbPort;
    }

    Optional<Instance> byId(String id) {
        return instances.stream().filter(i -> i.id.equals(id)).findFirst();
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void awaitPort(int port, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new AssertionError(what + " did not listen on port " + port + " within " + timeout);
    }

    @Override
    public void close() {
        List<Process> all = new ArrayList<>();
        if (haproxy != null) {
            all.add(haproxy);
        }
        for (Instance in : instances) {
            all.add(in.process);
        }
        all.add(redis);
        for (Process p : all) {
            p.destroyForcibly();
        }
        for (Process p : all) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Instance in : instances) {
            try {
                Files.writeString(logDir.resolve(in.id + ".log"), in.output);
            } catch (IOException e) {
                System.err.println("could not keep " + in.id + "'s log: " + e);
            }
        }
    }
}
