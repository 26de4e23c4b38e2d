package io.github.streaminfer.media;

import io.github.streaminfer.image.ImageDecoder;

class OpenCvDecoderContractTest extends ImageDecoderContract {
    @Override
    protected ImageDecoder create() {
        return new OpenCvImageDecoder();
    }
}
