package io.github.streaminfer.server;

import io.github.streaminfer.transport.detection.DetectionImage;
import io.github.streaminfer.transport.openpi.NdArray;
import io.github.streaminfer.transport.openpi.OpenPiObservation;
import io.github.streaminfer.transport.vla.VlaFrame;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Synthetic observations, one per endpoint, that sessions run through their whole path before they report ready:
 * a 320×240 JPEG (the size VLA clients send) for the VLA and detection endpoints, a raw RGB camera array for the
 * openpi endpoint, and a block of one hop of EMG samples for the signal stream.
 *
 * <p><b>Note:</b> immutable after construction; sessions only read the frames (each call wraps the same bytes in a
 * new buffer, and decoders never write them), so one instance serves every session.
 */
final class WarmupFrames {
    /** Width of the warm-up JPEG. */
    static final int JPEG_WIDTH = 320;
    /** Height of the warm-up JPEG. */
    static final int JPEG_HEIGHT = 240;

    private final byte[] jpeg;
    private final PolicyShape policy;
    private final byte[] cameraPixels;
    private final float[] emgBlock;

    WarmupFrames(PolicyShape policy) {
        this.policy = policy;
        this.jpeg = gradientJpeg(JPEG_WIDTH, JPEG_HEIGHT);
        this.cameraPixels = new byte[policy.height * policy.width * 3];
        for (int i = 0; i < cameraPixels.length; i++) {
            cameraPixels[i] = (byte) (i * 7 % 251);
        }
        int channels = SyntheticServerModels.EMG_CHANNELS;
        this.emgBlock = new float[channels * SyntheticServerModels.EMG_WINDOW];
        for (int i = 0; i < emgBlock.length; i++) {
            // interleaved samples, a different sine per channel: a window with spread for z-score normalisation
            emgBlock[i] = (float) Math.sin(0.05 * (i / channels) * (1 + i % channels));
        }
    }

    /** {@return a VLA frame: the warm-up JPEG, an instruction and a zero state of the policy's length} */
    /** {@return the encoded camera image (a JPEG) the warm-up frames carry; not a copy} */
    byte[] jpeg() {
        return jpeg;
    }

    VlaFrame vla() {
        return new VlaFrame(ByteBuffer.wrap(jpeg), "jpeg", JPEG_WIDTH, JPEG_HEIGHT, "warm up",
                new float[policy.stateLength], new float[0]);
    }

    /** {@return an openpi observation: a uint8 camera array of the policy's size, a zero state and a prompt} */
    OpenPiObservation openPi() {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("observation/image", new NdArray("|u1", new long[]{policy.height, policy.width, 3},
                ByteBuffer.wrap(cameraPixels)));
        values.put("observation/state", NdArray.ofFloats(new float[policy.stateLength], policy.stateLength));
        values.put("prompt", "warm up");
        return new OpenPiObservation(values);
    }

    /** {@return a detection frame: the warm-up JPEG} */
    DetectionImage detection() {
        return new DetectionImage(ByteBuffer.wrap(jpeg), "jpeg", JPEG_WIDTH, JPEG_HEIGHT);
    }

    /** {@return one window of interleaved EMG samples} */
    float[] emg() {
        return emgBlock;
    }

    private static byte[] gradientJpeg(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, (x * 255 / w) << 16 | (y * 255 / h) << 8 | ((x + y) & 0xFF));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, "jpg", out)) {
                throw new IllegalStateException("no JPEG writer in this JDK");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
