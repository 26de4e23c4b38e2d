package io.github.streaminfer.image;

import io.github.streaminfer.exceptions.FrameSupersededException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImageDecodersTest {
    @Test
    void javaDecoderIsAlwaysThereWithoutAProviderFile() {
        assertThat(ImageDecoders.all()).anyMatch(d -> d instanceof JavaImageDecoder);
        try (ImageDecoder best = ImageDecoders.best()) {
            assertThat(best.isAvailable()).isTrue();
        }
        try (ImageDecoder java = ImageDecoders.require("java")) {
            assertThat(java).isInstanceOf(JavaImageDecoder.class);
        }
    }

    @Test
    void plainServiceLoaderFindsTheJavaDecoderWithCoreAlone() {
        assertThat(java.util.ServiceLoader.load(ImageDecoder.class).stream().map(p -> p.type().getName()))
                .contains(JavaImageDecoder.class.getName());
        assertThat(ImageDecoders.all().stream().filter(d -> d instanceof JavaImageDecoder).count()).isEqualTo(1);
    }

    @Test
    void unknownIdListsWhatExists() {
        assertThatThrownBy(() -> ImageDecoders.require("nope"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'nope'")
                .hasMessageContaining("java (available)");
    }

    @Test
    void frameHandOffNeverLetsTheWriterOverwriteAFrameBeingRead() {
        PooledFrame f = new PooledFrame();
        assertThat(f.tryAcquire()).isFalse();
        assertThat(f.tryClaim()).isTrue();
        f.ensureCapacity(12).put(0, (byte) 1);
        f.publishPixels(PixelFormat.GRAY, 4, 3, 4, 7, 0);
        assertThat(f.tryClaim()).as("a published frame not yet read can be reclaimed").isTrue();
        f.publishPixels(PixelFormat.GRAY, 4, 3, 4, 8, 0);
        assertThat(f.tryAcquire()).isTrue();
        assertThat(f.tryClaim()).as("never while being read").isFalse();
        f.release();
        assertThat(f.tryClaim()).isTrue();
        assertThatThrownBy(() -> f.writeInto(new JavaImageDecoder(), ImageSpec.builder(2, 2).build(), null, 0,
                new ImageGeometry())).isInstanceOf(FrameSupersededException.class)
                .hasMessageContaining("reclaimed by its source");
    }
}
