/**
 * StreamInfer's network transport: WebSocket, SSE and REST endpoints that map the seeds' protocols onto
 * {@link io.github.streaminfer.session.StreamingInferenceSession}s, on Netty.
 */
module io.github.streaminfer.transport.netty {
    requires transitive io.github.streaminfer.core;
    requires io.netty.common;
    requires io.netty.buffer;
    requires io.netty.transport;
    requires io.netty.transport.classes.epoll;
    requires transitive io.netty.handler; // SslContext is part of StreamingServer.Builder
    requires io.netty.codec;
    requires io.netty.codec.http;
    requires com.fasterxml.jackson.databind;
    requires org.slf4j;
    requires jdk.management;
    requires java.desktop; // ImageIO: the camera viewers' annotated frames

    exports io.github.streaminfer.transport;
    exports io.github.streaminfer.transport.vla;
    exports io.github.streaminfer.transport.detection;
    exports io.github.streaminfer.transport.signal;
    exports io.github.streaminfer.transport.openpi;
}
