/** Runnable StreamInfer demos. */
module io.github.streaminfer.samples {
    requires io.github.streaminfer.core;
    requires io.github.streaminfer.synthetic;

    exports io.github.streaminfer.samples;
}
