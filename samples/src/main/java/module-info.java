/** Runnable StreamInfer demos. */
module io.github.streaminfer.samples {
    requires io.github.streaminfer.core;
    requires io.github.streaminfer.synthetic;
    requires io.github.streaminfer.transport.netty;
    requires com.fasterxml.jackson.databind;
    requires java.net.http;

    exports io.github.streaminfer.samples;
    exports io.github.streaminfer.samples.emg;
}
