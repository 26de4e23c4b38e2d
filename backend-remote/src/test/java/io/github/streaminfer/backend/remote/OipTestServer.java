package io.github.streaminfer.backend.remote;

import io.github.streaminfer.synthetic.SyntheticModels;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Starts the Python Open Inference Protocol server ({@code src/test/python/oip_server.py}) on ephemeral loopback
 * ports, serving the synthetic {@code tiny_mlp} model and a model {@code not_ready} that is known but never ready.
 * Creates the server's venv first when needed ({@code ensure-venv.sh}).
 *
 * <p><b>Note:</b> for one test class's thread at a time.
 */
final class OipTestServer implements AutoCloseable {
    static final String MODEL = "tiny_mlp";
    static final String NOT_READY = "not_ready";
    static final SyntheticModels.TinyMlp MLP = new SyntheticModels.TinyMlp();
    private static final Pattern READY = Pattern.compile("OIP-READY grpc=(\\d+) http=(\\d+)");
    private static final Path PYTHON_DIR = Paths.get("src/test/python").toAbsolutePath();

    private final Path models;
    private final String token;
    private final boolean tls;
    private final List<String> log = new ArrayList<>();
    private Process process;
    private int grpcPort;
    private int httpPort;

    private OipTestServer(String token, boolean tls) throws IOException {
        this.token = token;
        this.tls = tls;
        this.models = Files.createTempDirectory("oip-models");
        Files.write(models.resolve(MODEL + ".onnx"), MLP.bytes());
        if (tls) {
            selfSignedCertificate();
        }
        start(0, 0);
    }

    /** {@return a started server without authentication} */
    static OipTestServer start() throws IOException {
        return new OipTestServer("", false);
    }

    /** {@return a started server that wants {@code authorization: Bearer <token>}} */
    static OipTestServer startWithToken(String token) throws IOException {
        return new OipTestServer(token, false);
    }

    /** {@return a started server that serves both bindings over TLS with {@link #certificate()}} */
    static OipTestServer startWithTls() throws IOException {
        return new OipTestServer("", true);
    }

    /** {@return the PEM certificate a TLS server presents (self-signed, for 127.0.0.1)} */
    Path certificate() {
        return models.resolve("cert.pem");
    }

    private void selfSignedCertificate() throws IOException {
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                "-keyout", models.resolve("key.pem").toString(), "-out", certificate().toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("openssl could not make a test certificate:\n" + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static Path venv() throws IOException {
        Path venv = Paths.get(System.getProperty("streaminfer.oip.venv",
                System.getProperty("user.home") + "/.cache/streaminfer/oip-venv"));
        Process p = new ProcessBuilder("bash", PYTHON_DIR.resolve("ensure-venv.sh").toString(), venv.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException("cannot create the OIP test server's venv " + venv + ":\n" + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return venv;
    }

    private void start(int grpc, int http) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(venv().resolve("bin/python").toString(), "-u",
                PYTHON_DIR.resolve("oip_server.py").toString(), "--models", models.toString(),
                "--grpc-port", String.valueOf(grpc), "--http-port", String.valueOf(http), "--not-ready", NOT_READY));
        if (!token.isEmpty()) {
            cmd.add("--token");
            cmd.add(token);
        }
        if (tls) {
            cmd.addAll(List.of("--tls-cert", certificate().toString(), "--tls-key",
                    models.resolve("key.pem").toString()));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        // its generated protocol code goes under the models directory, which close() removes even after a SIGKILL
        pb.environment().put("OIP_WORK_DIR", models.toString());
        process = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
        CompletableFuture<Matcher> ready = new CompletableFuture<>();
        // a thread of its own (not the common pool, which may be busy): reads the READY line, then keeps draining
        // the server's output so that it never blocks on a full pipe
        Thread reader = new Thread(() -> {
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    synchronized (log) {
                        log.add(line);
                    }
                    Matcher m = READY.matcher(line);
                    if (!ready.isDone() && m.find()) {
                        ready.complete(m);
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
            ready.complete(null);
        }, "oip-server-log");
        reader.setDaemon(true);
        reader.start();
        Matcher m;
        try {
            m = ready.get(240, TimeUnit.SECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
            throw new IllegalStateException("OIP test server did not start: " + e + "\n" + log(), e);
        }
        if (m == null) {
            throw new IllegalStateException("OIP test server exited before it was ready:\n" + log());
        }
        grpcPort = Integer.parseInt(m.group(1));
        httpPort = Integer.parseInt(m.group(2));
    }

    String log() {
        synchronized (log) {
            return String.join("\n", log);
        }
    }

    String grpcEndpoint() {
        return (tls ? "grpcs" : "grpc") + "://127.0.0.1:" + grpcPort;
    }

    String httpEndpoint() {
        return (tls ? "https" : "http") + "://127.0.0.1:" + httpPort;
    }

    /** Kills the server at once (SIGKILL). */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Starts the server again on the same ports. */
    void restart() throws IOException {
        start(grpcPort, httpPort);
    }

    /** Delays every inference by {@code ms}. */
    void delay(int ms) {
        control("/test/delay?ms=" + ms);
    }

    /** Makes answers lie: {@code none}, {@code dtype} or {@code shape}. */
    void corrupt(String mode) {
        control("/test/corrupt?mode=" + mode);
    }

    private void control(String path) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(httpEndpoint() + path)).POST(HttpRequest.BodyPublishers.noBody())
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException(path + " -> " + r.statusCode() + " " + r.body());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws InterruptedException, IOException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        }
        try (var files = Files.walk(models)) {
            for (Path f : (Iterable<Path>) files.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(f);
            }
        }
    }
}
