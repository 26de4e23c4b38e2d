package io.github.streaminfer.backend.remote;

import io.github.streaminfer.backend.ModelSignature;
import io.github.streaminfer.backend.remote.RemoteInferenceException.Reason;
import io.github.streaminfer.tensor.Tensor;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The REST binding: the protocol's HTTP/JSON endpoints ({@code /v2/health/live},
 * {@code /v2/models/{name}[/versions/{v}]/ready}, metadata and {@code /infer}) over the JDK {@link HttpClient}
 * shared per endpoint. Tensors travel as JSON arrays (the protocol's REST form), written and read without boxing.
 *
 * <p><b>Note:</b> thread-safe.
 */
final class RestTransport implements OipTransport {
    private final RemoteConfig config;
    private final HttpClient client;
    private final String base;
    private final String[] headers;
    private final AtomicBoolean closed = new AtomicBoolean();

    RestTransport(RemoteConfig config) {
        this.config = config;
        this.client = SharedConnections.acquireHttpClient(config);
        URI e = config.endpoint();
        this.base = e.getScheme().toLowerCase() + "://" + e.getHost() + ":" + e.getPort()
                + (e.getRawPath() == null ? "" : e.getRawPath().replaceAll("/+$", ""));
        if (config.bearerToken() != null && config.apiKey() != null) {
            headers = new String[] {"authorization", "Bearer " + config.bearerToken(), config.apiKeyHeader(),
                    config.apiKey()};
        } else if (config.bearerToken() != null) {
            headers = new String[] {"authorization", "Bearer " + config.bearerToken()};
        } else if (config.apiKey() != null) {
            headers = new String[] {config.apiKeyHeader(), config.apiKey()};
        } else {
            headers = new String[0];
        }
    }

    @Override
    public String endpoint() {
        return config.endpoint().toString();
    }

    private String modelPath(String model, String version) {
        String m = "/v2/models/" + URLEncoder.encode(model, StandardCharsets.UTF_8).replace("+", "%20");
        return version.isEmpty() ? m : m + "/versions/" + URLEncoder.encode(version, StandardCharsets.UTF_8);
    }

    private HttpResponse<String> send(HttpRequest.Builder b, Duration deadline, String model) {
        if (headers.length > 0) {
            b.headers(headers);
        }
        try {
            return client.send(b.timeout(deadline).build(), HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            throw new RemoteInferenceException(Reason.DEADLINE_EXCEEDED, (model == null ? "" : "model '" + model
                    + "' at ") + endpoint() + " did not answer within the " + deadline.toMillis() + " ms deadline", e);
        } catch (ConnectException e) {
            throw new RemoteInferenceException(Reason.UNREACHABLE, "inference server " + endpoint()
                    + " is unreachable: " + e, e);
        } catch (IOException e) {
            throw new RemoteInferenceException(Reason.UNREACHABLE, "inference server " + endpoint()
                    + " is unreachable: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RemoteInferenceException(Reason.UNREACHABLE, "call to " + endpoint() + " was interrupted", e);
        }
    }

    private RemoteInferenceException failure(HttpResponse<String> r, String model) {
        String m = model == null ? "" : "model '" + model + "' at ";
        String desc = ": HTTP " + r.statusCode() + " " + OipJson.error(r.body());
        return switch (r.statusCode()) {
            case 400, 422 -> new RemoteInferenceException(Reason.REJECTED, m + endpoint() + " refused the request"
                    + desc, null);
            case 401, 403 -> new RemoteInferenceException(Reason.UNAUTHENTICATED, endpoint()
                    + " refused our credentials" + desc, null);
            case 404 -> new RemoteInferenceException(Reason.MODEL_NOT_FOUND, m + endpoint()
                    + " is not known to the server" + desc, null);
            case 503 -> new RemoteInferenceException(Reason.MODEL_NOT_READY, m + endpoint() + " is not ready"
                    + desc, null);
            default -> new RemoteInferenceException(Reason.SERVER_ERROR, m + endpoint() + " failed" + desc, null);
        };
    }

    @Override
    public boolean serverLive() {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/v2/health/live")).GET(),
                config.controlDeadline(), null);
        return r.statusCode() == 200;
    }

    @Override
    public boolean modelReady(String model, String version) {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + modelPath(model, version) + "/ready"))
                .GET(), config.controlDeadline(), model);
        int code = r.statusCode();
        if (code == 404 || code == 401 || code == 403 || code >= 500 && code != 503) {
            throw failure(r, model);
        }
        // the protocol: 200 means ready, any other 4xx not ready
        return r.statusCode() == 200;
    }

    @Override
    public ModelSignature modelMetadata(String model, String version) {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + modelPath(model, version))).GET(),
                config.controlDeadline(), model);
        if (r.statusCode() != 200) {
            throw failure(r, model);
        }
        try {
            return OipJson.metadata(r.body(), "model '" + model + "' at " + endpoint());
        } catch (IOException e) {
            throw OipTypes.badResponse("model '" + model + "' at " + endpoint() + " sent unreadable metadata: " + e);
        }
    }

    @Override
    public long infer(String model, String version, Tensor[] inputs, Tensor[] outputs) {
        String where = endpoint() + " (model '" + model + "')";
        String body = OipJson.inferRequest(inputs, where);
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + modelPath(model, version) + "/infer"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        long start = System.nanoTime();
        HttpResponse<String> r = send(b, config.deadline(), model);
        long network = System.nanoTime() - start;
        if (r.statusCode() != 200) {
            throw failure(r, model);
        }
        try {
            OipJson.inferResponse(r.body(), outputs, where);
        } catch (IOException e) {
            throw OipTypes.badResponse(where + " sent an unreadable answer: " + e);
        }
        return network;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            SharedConnections.releaseHttpClient(config);
        }
    }
}
