/**
 * StreamInfer's client: a remote policy that streams observations to a StreamInfer server and runs the action
 * safety chain locally. See {@link io.github.streaminfer.client.RemotePolicy}.
 */
module io.github.streaminfer.client {
    requires transitive io.github.streaminfer.core;
    requires java.net.http;
    requires com.fasterxml.jackson.databind;

    exports io.github.streaminfer.client;
}
