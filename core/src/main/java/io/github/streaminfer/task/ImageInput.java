package io.github.streaminfer.task;

import io.github.streaminfer.exceptions.InvalidInputException;
import io.github.streaminfer.image.ImageDecoder;
import io.github.streaminfer.image.ImageDecoders;
import io.github.streaminfer.image.ImageGeometry;
import io.github.streaminfer.image.ImageSpec;
import io.github.streaminfer.image.UnscaledFit;
import io.github.streaminfer.tensor.Shapes;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;

import java.nio.ByteBuffer;


/**
 * Writes {@link ImageFrame}s into an image input tensor as an {@link ImageSpec} says, through an
 * {@link ImageDecoder} (the one given, or {@link ImageDecoders#best()} when the first frame arrives): encoded bytes
 * with {@link ImageDecoder#decodeInto}, decoded {@link RawImage}s with {@link ImageDecoder#fitInto} (bilinear
 * stretch or letterbox, channel order, normalisation), so raw frames that need a resize take the OpenCV path too
 * when {@code streaminfer-media-javacv} is present. A raw frame that already has the spec's size goes straight into
 * the tensor through {@link UnscaledFit}, with the same values and without a decoder.
 *
 * <p><b>Note:</b> not thread-safe; one per task (per session worker).
 *
 * @since 0.1.0
 */
public final class ImageInput {
    private final ImageSpec spec;
    private ImageDecoder decoder;
    private String inputName = "image";
    private byte[] wrappedPixels;
    private ByteBuffer wrapped;

    /**
     * Creates the image input of a task.
     *
     * @param spec    the target size, layout and normalisation
     * @param decoder decoder for encoded frames, or null to look one up when the first encoded frame arrives
     */
    public ImageInput(ImageSpec spec, ImageDecoder decoder) {
        this.spec = spec;
        this.decoder = decoder;
    }

    /** {@return the image spec} */
    public ImageSpec spec() {
        return spec;
    }

    /**
     * Checks that a model input can hold images of this spec.
     *
     * @param input the model's input spec
     * @param batch images per frame
     * @return the concrete shape to allocate
     * @throws IllegalArgumentException naming the input, what it is and what the spec needs
     */
    public long[] bind(TensorSpec input, int batch) {
        inputName = input.name();
        long[] want = spec.layout() == ImageSpec.Layout.NCHW
                ? new long[] {batch, 3, spec.height(), spec.width()}
                : new long[] {batch, spec.height(), spec.width(), 3};
        if (input.dtype() != spec.dtype() || !input.accepts(want)) {
            throw new IllegalArgumentException("input '" + input.name() + "' is " + input + "; the image spec needs "
                    + spec.dtype() + Shapes.toString(want) + " (" + spec.layout() + ")");
        }
        return want;
    }

    /**
     * Writes one frame as image {@code index} of the batch in {@code tensor}.
     *
     * @param frame    the frame
     * @param tensor   the input tensor
     * @param index    image index in the batch
     * @param geometry receives where the image landed
     * @throws InvalidInputException if the frame is empty or cannot be decoded
     */
    public void write(ImageFrame frame, Tensor tensor, int index, ImageGeometry geometry) {
        long offset = index * spec.elementsPerImage();
        if (frame == null || !frame.isSet()) {
            throw new InvalidInputException("input '" + inputName + "': the image frame is empty");
        }
        if (frame.encoded() != null) {
            decoder().decodeInto(frame.encoded(), spec, tensor, offset, geometry);
            return;
        }
        RawImage img = frame.raw();
        int stride = img.width() * img.format().channels();
        if (UnscaledFit.applies(spec, img.width(), img.height())) {
            // already the model's size: straight into the tensor, no decoder and no native round trip
            UnscaledFit.write(img.pixels(), 0, img.width(), img.height(), stride, img.format(), spec, tensor, offset,
                    geometry);
            return;
        }
        if (img.pixels() != wrappedPixels) { // a producer that reuses its pixel array reuses the wrapper too
            wrappedPixels = img.pixels();
            wrapped = ByteBuffer.wrap(wrappedPixels);
        }
        decoder().fitInto(wrapped.clear(), img.width(), img.height(), stride, img.format(), spec, tensor, offset,
                geometry);
    }

    private ImageDecoder decoder() {
        if (decoder == null) {
            decoder = ImageDecoders.best();
        }
        return decoder;
    }

    /** Releases the decoder this input looked up or was given. */
    public void close() {
        if (decoder != null) {
            decoder.close();
        }
    }
}
