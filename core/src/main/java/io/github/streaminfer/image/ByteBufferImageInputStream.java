package io.github.streaminfer.image;

import javax.imageio.stream.ImageInputStreamImpl;
import java.nio.ByteBuffer;

/** An {@code ImageInputStream} reading a {@link ByteBuffer} in place (no copy into a byte array first). */
final class ByteBufferImageInputStream extends ImageInputStreamImpl {
    private ByteBuffer buffer;
    private int base;
    private int length;

    ByteBufferImageInputStream wrap(ByteBuffer b) {
        this.buffer = b;
        this.base = b.position();
        this.length = b.remaining();
        this.streamPos = 0;
        this.bitOffset = 0;
        this.flushedPos = 0;
        return this;
    }

    void unwrap() {
        buffer = null;
    }

    @Override
    public int read() {
        bitOffset = 0;
        if (streamPos >= length) {
            return -1;
        }
        return buffer.get(base + (int) streamPos++) & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        bitOffset = 0;
        if (len == 0) {
            return 0;
        }
        if (streamPos >= length) {
            return -1;
        }
        int n = (int) Math.min(len, length - streamPos);
        buffer.get(base + (int) streamPos, b, off, n);
        streamPos += n;
        return n;
    }

    @Override
    public long length() {
        return length;
    }
}
