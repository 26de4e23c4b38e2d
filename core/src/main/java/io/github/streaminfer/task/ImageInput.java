package io.github.streaminfer.task;

import io.github.streaminfer.image.ImageDecoder;
import io.github.streaminfer.image.ImageDecoders;
import io.github.streaminfer.image.ImageGeometry;
import io.github.streaminfer.image.ImageSpec;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.Shapes;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;


/**
 * Writes {@link ImageFrame}s into an image input tensor as an {@link ImageSpec} says: encoded bytes through an
 * {@link ImageDecoder} (the one given, or {@link ImageDecoders#best()} when the first one arrives), decoded
 * {@link RawImage}s by bilinear resizing (stretch or letterbox), channel reordering and normalisation done here.
 * Scratch arrays are sized once, so writing a frame allocates nothing.
 *
 * <p><b>Note:</b> not thread-safe; one per task (per session worker).
 */
public final class ImageInput {
    private final ImageSpec spec;
    private ImageDecoder decoder;
    private final int[] x0;
    private final int[] x1;
    private final float[] fx;
    private final int[] y0;
    private final int[] y1;
    private final float[] fy;
    private final float[] norm = new float[3 * 256];
    private String inputName = "image";

    /**
     * @param spec    the target size, layout and normalisation
     * @param decoder decoder for encoded frames, or null to look one up when the first encoded frame arrives
     */
    public ImageInput(ImageSpec spec, ImageDecoder decoder) {
        this.spec = spec;
        this.decoder = decoder;
        x0 = new int[spec.width()];
        x1 = new int[spec.width()];
        fx = new float[spec.width()];
        y0 = new int[spec.height()];
        y1 = new int[spec.height()];
        fy = new float[spec.height()];
        for (int c = 0; c < 3; c++) {
            for (int v = 0; v < 256; v++) {
                norm[c * 256 + v] = (v * spec.scale() - spec.meanOf(c)) / spec.stdOf(c);
            }
        }
    }

    /** @return the image spec */
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
        if ((long) img.width() * img.height() > spec.maxPixels()) {
            throw new InvalidInputException("input '" + inputName + "': image " + img.width() + "x" + img.height()
                    + " has more than the allowed " + spec.maxPixels() + " pixels");
        }
        geometry.fit(spec, img.width(), img.height());
        resize(img, tensor, offset, geometry);
    }

    private ImageDecoder decoder() {
        if (decoder == null) {
            decoder = ImageDecoders.best();
        }
        return decoder;
    }

    private void resize(RawImage img, Tensor t, long offset, ImageGeometry g) {
        int tw = spec.width();
        int th = spec.height();
        int padX = (int) g.padX();
        int padY = (int) g.padY();
        int cw = Math.min(tw - padX, g.contentWidth());
        int ch = Math.min(th - padY, g.contentHeight());
        float sx = img.width() / (float) cw;
        float sy = img.height() / (float) ch;
        for (int x = 0; x < cw; x++) {
            float src = Math.max(0f, (x + 0.5f) * sx - 0.5f);
            int a = Math.min((int) src, img.width() - 1);
            x0[x] = a;
            x1[x] = Math.min(a + 1, img.width() - 1);
            fx[x] = Math.min(1f, src - a);
        }
        for (int y = 0; y < ch; y++) {
            float src = Math.max(0f, (y + 0.5f) * sy - 0.5f);
            int a = Math.min((int) src, img.height() - 1);
            y0[y] = a;
            y1[y] = Math.min(a + 1, img.height() - 1);
            fy[y] = Math.min(1f, src - a);
        }
        int bpp = img.format().channels();
        boolean grey = img.format() == RawImage.PixelFormat.GRAY;
        boolean swap = !grey && (spec.channelOrder() == ImageSpec.ChannelOrder.RGB) != (img.format() == RawImage.PixelFormat.RGB);
        boolean nchw = spec.layout() == ImageSpec.Layout.NCHW;
        boolean asFloat = spec.dtype() == DType.FLOAT32;
        long plane = (long) tw * th;
        byte[] px = img.pixels();
        int stride = img.width() * bpp;
        int pad = spec.padColor();
        for (int y = 0; y < th; y++) {
            int cy = y - padY;
            boolean rowIn = cy >= 0 && cy < ch;
            for (int x = 0; x < tw; x++) {
                int cx = x - padX;
                boolean in = rowIn && cx >= 0 && cx < cw;
                for (int c = 0; c < 3; c++) {
                    int v;
                    if (in) {
                        int sc = grey ? 0 : swap ? 2 - c : c;
                        int r0 = y0[cy] * stride;
                        int r1 = y1[cy] * stride;
                        int a0 = x0[cx] * bpp + sc;
                        int a1 = x1[cx] * bpp + sc;
                        float top = (px[r0 + a0] & 0xFF) + ((px[r0 + a1] & 0xFF) - (px[r0 + a0] & 0xFF)) * fx[cx];
                        float bot = (px[r1 + a0] & 0xFF) + ((px[r1 + a1] & 0xFF) - (px[r1 + a0] & 0xFF)) * fx[cx];
                        v = Math.round(top + (bot - top) * fy[cy]);
                    } else {
                        int rgbIndex = spec.channelOrder() == ImageSpec.ChannelOrder.RGB ? c : 2 - c;
                        v = (pad >> (16 - 8 * rgbIndex)) & 0xFF;
                    }
                    long idx = nchw ? offset + c * plane + (long) y * tw + x : offset + ((long) y * tw + x) * 3 + c;
                    if (asFloat) {
                        t.putFloat(idx, norm[c * 256 + v]);
                    } else {
                        t.buffer().put((int) idx, (byte) v);
                    }
                }
            }
        }
    }

    /** Releases the decoder this input looked up or was given. */
    public void close() {
        if (decoder != null) {
            decoder.close();
        }
    }
}
