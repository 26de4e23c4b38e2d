package io.github.streaminfer.media;

import io.github.streaminfer.image.ImageDecoder;
import io.github.streaminfer.image.JavaImageDecoder;

class JavaDecoderContractTest extends ImageDecoderContract {
    @Override
    protected ImageDecoder create() {
        return new JavaImageDecoder();
    }
}
