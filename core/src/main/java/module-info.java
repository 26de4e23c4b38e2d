/**
 * StreamInfer core: the streaming session, its ingress queues and worker, tensors, tasks, statistics and the
 * backend SPI. Backends are separate modules that {@code provide} {@link io.github.streaminfer.backend.InferenceBackend}.
 */
@SuppressWarnings("module") // the qualified exports name modules built after this one
module io.github.streaminfer.core {
    requires org.slf4j;
    requires org.jctools.core;
    requires jdk.unsupported;
    requires java.desktop; // ImageIO for the built-in JavaImageDecoder
    requires java.management; // Diagnostics: the JVM's garbage collectors and arguments

    exports io.github.streaminfer;
    exports io.github.streaminfer.action;
    exports io.github.streaminfer.backend;
    exports io.github.streaminfer.concurrent;
    exports io.github.streaminfer.exceptions;
    exports io.github.streaminfer.image;
    exports io.github.streaminfer.session;
    exports io.github.streaminfer.task;
    exports io.github.streaminfer.tensor;
    exports io.github.streaminfer.time;
    // the project's own building blocks for the transport and the client; not API
    exports io.github.streaminfer.msgpack to io.github.streaminfer.transport.netty, io.github.streaminfer.client;
    exports io.github.streaminfer.stats to io.github.streaminfer.transport.netty;

    uses io.github.streaminfer.backend.InferenceBackend;
    uses io.github.streaminfer.image.ImageDecoder;

    // the built-in fallback, so plain ServiceLoader lookups find a decoder with core alone
    provides io.github.streaminfer.image.ImageDecoder with io.github.streaminfer.image.JavaImageDecoder;
}
