/** Runnable StreamInfer demos and the streaminfer-stats client. */
module io.github.streaminfer.samples {
    requires io.github.streaminfer.core;
    requires io.github.streaminfer.synthetic;
    requires io.github.streaminfer.transport.netty;
    requires io.github.streaminfer.client;
    requires io.github.streaminfer.media.javacv;
    requires org.bytedeco.javacpp;
    requires org.bytedeco.opencv;
    requires io.netty.common;
    requires io.netty.buffer;
    requires io.netty.transport;
    requires io.netty.codec.http;
    requires com.fasterxml.jackson.databind;
    requires java.desktop;
    requires java.net.http;

    exports io.github.streaminfer.samples;
    exports io.github.streaminfer.samples.emg;
    exports io.github.streaminfer.samples.face;
    exports io.github.streaminfer.samples.detection;
    exports io.github.streaminfer.samples.generated;
    exports io.github.streaminfer.samples.stats;
}
