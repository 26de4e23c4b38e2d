package io.github.streaminfer.media;

import org.bytedeco.javacpp.BytePointer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A private file in a memory file system that holds one encoded frame at a time, so that {@code cv::imread(path,
 * dst, flags)} — the only OpenCV decode call that writes into a caller's {@code Mat} and returns nothing — can
 * decode it. The file is unlinked as soon as it is open and reached through {@code /proc/self/fd/N}: no other
 * process sees a name, and the kernel frees it when the channel closes or the process ends, even after a crash.
 *
 * <p>Writing a frame allocates nothing on the Java heap: a direct buffer is written through a duplicate kept while
 * the caller passes the same buffer, a heap buffer through a reused direct staging buffer.
 *
 * <p><b>Note:</b> not thread-safe; owned by one decoder.
 */
final class ScratchFile implements AutoCloseable {
    /** Linux's memory file system, present on every distribution and in containers. */
    static final Path DIRECTORY = Path.of("/dev/shm");

    private final FileChannel channel;
    private final BytePointer path;
    private long size;
    private ByteBuffer owner;
    private ByteBuffer view;
    private ByteBuffer staging;

    private ScratchFile(FileChannel channel, String path) {
        this.channel = channel;
        this.path = new BytePointer(path);
    }

    /**
     * Creates the file in {@code directory}, finds the descriptor the channel holds and unlinks the name.
     *
     * @param directory a directory on a memory file system
     * @return the open scratch file
     * @throws IOException if the file cannot be created, or its descriptor cannot be reached through
     *                     {@code /proc/self/fd} (not Linux, or procfs not mounted)
     */
    static ScratchFile open(Path directory) throws IOException {
        Path file = Files.createTempFile(directory, "streaminfer-frame-", ".img");
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            String link = null;
            try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
                for (Path fd : fds) {
                    if (link == null && isLinkTo(fd, file)) {
                        link = fd.toString();
                    }
                }
            }
            if (link == null) {
                throw new IOException("the descriptor of " + file + " is not listed in /proc/self/fd");
            }
            Files.delete(file);
            if (!Files.isReadable(Path.of(link))) {
                throw new IOException(link + " cannot be read once " + file + " is unlinked");
            }
            return new ScratchFile(channel, link);
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                channel.close();
            }
            Files.deleteIfExists(file);
            throw e;
        }
    }

    private static boolean isLinkTo(Path fd, Path file) {
        try {
            return Files.isSameFile(fd, file);
        } catch (IOException | SecurityException e) {
            return false; // a descriptor closed while listing, or one we may not inspect
        }
    }

    /** {@return the name OpenCV opens: {@code /proc/self/fd/N}} */
    BytePointer path() {
        return path;
    }

    /** {@return bytes the file holds now, or -1 after a failed write} */
    long size() {
        return size;
    }

    /**
     * Replaces the file's content with the bytes from {@code encoded}'s position to its limit; the buffer's position
     * is not changed.
     *
     * @param encoded the encoded frame
     * @throws IOException if the file system refuses (e.g. it is full); the file's content is then undefined
     */
    void write(ByteBuffer encoded) throws IOException {
        int n = encoded.remaining();
        ByteBuffer src;
        if (encoded.isDirect()) {
            if (encoded != owner) {
                owner = encoded;
                view = encoded.duplicate();
            }
            src = view.clear().position(encoded.position()).limit(encoded.limit());
        } else {
            if (staging == null || staging.capacity() < n) {
                staging = ByteBuffer.allocateDirect(Math.max(n, 64 * 1024));
            }
            staging.clear().put(0, encoded, encoded.position(), n);
            src = staging.limit(n);
        }
        boolean shrink = size < 0 || size > n;
        size = -1; // unknown until every byte is written
        long at = 0;
        while (src.hasRemaining()) {
            at += channel.write(src, at);
        }
        if (shrink) {
            channel.truncate(n);
        }
        size = n;
    }

    @Override
    public void close() {
        owner = null;
        view = null;
        staging = null;
        path.close();
        try {
            channel.close();
        } catch (IOException e) {
            // the file is already unlinked: closing the last descriptor frees it whatever close reports
        }
    }
}
