package io.github.streaminfer.transport.internal.vla;

import io.github.streaminfer.session.SubmitStatus;
import io.github.streaminfer.transport.internal.http.FrameIds;
import io.github.streaminfer.image.ImageHeaders;
import io.github.streaminfer.transport.internal.http.EncodedImages;
import io.github.streaminfer.transport.internal.http.ProtocolException;
import io.github.streaminfer.transport.vla.VlaFrame;
import io.netty.buffer.ByteBuf;

import java.nio.ByteBuffer;

/**
 * The few {@link VlaFrame}s a VLA connection fills, submits and fills again, each with its own image buffer and state
 * arrays that grow only when a larger image or a longer state arrives, so that a steady stream of frames allocates
 * nothing (an image buffer beyond {@value Slot#RETAINED} bytes is kept only while images that large keep coming).
 *
 * <p>A frame handed to the session is not touched again until the session is done with it. The pool knows that
 * from three facts, none of which needs the session's help:
 * <ul>
 *   <li>a frame the session refused ({@link SubmitStatus#isAccepted()} false) was never held;</li>
 *   <li>the session takes frames in submission order and runs one at a time, so once the result of frame
 *       {@code seq} is published ({@link #completed(long)}, from the result listener) every frame submitted up to
 *       {@code seq} has been read, or dropped unread;</li>
 *   <li>with a conflating queue ({@code LATEST_ONLY}, which holds one frame), a submit that reports
 *       {@link SubmitStatus#REPLACED_OLDEST} dropped, unread, the frame accepted just before it. This needs the
 *       connection to be the session's only producer, as the VLA endpoint is.</li>
 * </ul>
 * With a conflating queue at most two frames are held at once (one waiting, one in inference), so three are enough
 * however slow the model. With a bounded queue a frame may be held until a later result arrives; when every pooled
 * frame is held, a frame outside the pool is used (and left to the garbage collector), up to {@value #MAX_POOLED}
 * pooled ones.
 *
 * <p><b>Note:</b> the connection's event loop does everything except {@link #completed(long)}, which the session's
 * worker calls after publishing a result.
 */
final class VlaFramePool {
    static final int MAX_POOLED = 8;
    private final Slot[] slots = new Slot[MAX_POOLED];
    private int size;
    private final boolean conflating;
    private Slot lastAccepted;
    private long lastAcceptedSeq;
    /** Highest sequence number whose result has been published; written by the worker. */
    private volatile long completed;

    /** @param conflating whether the session's queue holds only the newest frame ({@code LATEST_ONLY}) */
    VlaFramePool(boolean conflating) {
        this.conflating = conflating;
    }

    /**
     * @return a frame to fill; the connection holds it until it passes it to {@link #submitted} or
     *         {@link #release}
     */
    Slot acquire() {
        long done = completed;
        Slot free = null;
        for (int i = 0; i < size && free == null; i++) {
            Slot s = slots[i];
            if (!s.held || s.seq <= done) {
                free = s;
            }
        }
        if (free == null) {
            free = new Slot();
            if (size < MAX_POOLED) {
                slots[size++] = free;
            }
        }
        free.held = true;
        free.seq = Long.MAX_VALUE; // not the session's: no result frees it
        return free;
    }

    /** @param s a frame that was not submitted after all */
    void release(Slot s) {
        s.held = false;
    }

    /**
     * Records the session's answer to the submission of {@code s}.
     *
     * @param s      the frame
     * @param seq    its sequence number (the frame id the session publishes its result under)
     * @param status what {@code submit} returned
     */
    void submitted(Slot s, long seq, SubmitStatus status) {
        if (!status.isAccepted()) {
            s.held = false;
            return;
        }
        Slot previous = lastAccepted;
        if (conflating && status == SubmitStatus.REPLACED_OLDEST && previous != null && previous != s
                && previous.seq == lastAcceptedSeq) {
            previous.held = false; // replaced in the session's mailbox before the worker took it
        }
        s.held = true;
        s.seq = seq;
        lastAccepted = s;
        lastAcceptedSeq = seq;
    }

    /**
     * Called by the session's worker once the result of frame {@code seq} is published: that frame and every
     * earlier one are free. Every read of them happened before this call.
     *
     * @param seq the result's frame id
     */
    void completed(long seq) {
        if (seq > completed) {
            completed = seq;
        }
    }

    /** @return frames held by the pool (for tests) */
    int pooled() {
        return size;
    }

    /**
     * One reusable frame with the storage behind it, and the client's id of the frame it carries.
     *
     * <p><b>Note:</b> filled on the event loop; its frame is read by the session's worker while the session holds
     * it.
     */
    static final class Slot {
        /** Largest image buffer kept once smaller images come again. */
        static final int RETAINED = 1 << 20;
        private static final float[] NONE = new float[0];
        private final VlaFrame frame = new VlaFrame();
        final ImageHeaders.Header header = new ImageHeaders.Header();
        private byte[] image = new byte[0];
        private ByteBuffer imageView = ByteBuffer.wrap(image);
        private int imageLength;
        private float[] pose = NONE;
        private float[] velocity = NONE;
        String instruction = "";
        private boolean hasId;
        private long idNumber;
        private String idText;
        private long seq;
        private boolean held;

        /**
         * The buffer grows for a larger image; a buffer beyond {@value #RETAINED} bytes is given up as soon as a
         * smaller image comes, so that a rare huge image does not stay pinned for the connection's life.
         *
         * @param capacity bytes the next image needs at most
         * @return the image buffer, at least {@code capacity} long
         */
        byte[] imageBuffer(int capacity) {
            boolean oversized = image.length > RETAINED && capacity <= RETAINED;
            if (image.length < capacity || oversized) {
                int grown = image.length + (image.length >> 1);
                image = new byte[Math.max(capacity, capacity <= RETAINED ? Math.min(grown, RETAINED) : grown)];
                imageView = ByteBuffer.wrap(image);
            }
            return image;
        }

        /** @param length bytes of the image now in {@link #imageBuffer} */
        void imageLength(int length) {
            imageLength = length;
        }

        /** @param bytes the encoded image, copied from its reader index to its writer index */
        void copyImage(ByteBuf bytes) {
            int n = bytes.readableBytes();
            bytes.getBytes(bytes.readerIndex(), imageBuffer(n), 0, n);
            imageLength = n;
        }

        /** @param bytes the encoded image, copied */
        void copyImage(byte[] bytes) {
            System.arraycopy(bytes, 0, imageBuffer(bytes.length), 0, bytes.length);
            imageLength = bytes.length;
        }

        /**
         * Reads the image's format and size into {@link #header}.
         *
         * @param maxPixels largest width × height allowed
         * @throws ProtocolException as {@link EncodedImages#probe(byte[], int, long)}
         */
        void probeImage(long maxPixels) throws ProtocolException {
            EncodedImages.probe(image, imageLength, maxPixels, header);
        }

        /**
         * @param length values of the pose
         * @return the pose array, exactly {@code length} long (reused while the length stays the same)
         */
        float[] pose(int length) {
            if (pose.length != length) {
                pose = length == 0 ? NONE : new float[length];
            }
            return pose;
        }

        /**
         * @param length values of the velocity
         * @return the velocity array, exactly {@code length} long (reused while the length stays the same)
         */
        float[] velocity(int length) {
            if (velocity.length != length) {
                velocity = length == 0 ? NONE : new float[length];
            }
            return velocity;
        }

        /** @param values the pose, adopted */
        void pose(float[] values) {
            pose = values;
        }

        /** @param values the velocity, adopted */
        void velocity(float[] values) {
            velocity = values;
        }

        /** @return pose plus velocity length */
        int stateLength() {
            return pose.length + velocity.length;
        }

        void noId() {
            hasId = false;
            idText = null;
        }

        void id(long number) {
            hasId = true;
            idNumber = number;
            idText = null;
        }

        void id(String text) {
            hasId = true;
            idText = text;
        }

        /** @param id the client's id as Long or String, or null */
        void id(Object id) {
            if (id == null) {
                noId();
            } else if (id instanceof String s) {
                id(s);
            } else {
                id(((Number) id).longValue());
            }
        }

        /** @return whether the client gave the frame an id */
        boolean hasId() {
            return hasId;
        }

        /** @return the client's id (Long or String), or null: for error messages */
        Object clientId() {
            return !hasId ? null : idText != null ? idText : (Object) idNumber;
        }

        /**
         * @param seq the frame's sequence number
         * @return the id a reply about this frame carries: the client's, else {@code seq}
         */
        Object replyId(long seq) {
            Object id = clientId();
            return id != null ? id : seq;
        }

        /**
         * Records the client's id for the result.
         *
         * @param ids the connection's ids
         * @param seq the frame's sequence number
         */
        void putId(FrameIds ids, long seq) {
            if (!hasId) {
                ids.putNone(seq);
            } else if (idText != null) {
                ids.putText(seq, idText);
            } else {
                ids.putNumber(seq, idNumber);
            }
        }

        /** @return the slot's frame, set from its image, header, instruction and state: call before submitting it */
        VlaFrame fillFrame() {
            imageView.clear().limit(imageLength);
            return frame.set(imageView, EncodedImages.formatName(header), (int) header.width(), (int) header.height(),
                    instruction, pose, velocity);
        }
    }
}
