package io.github.streaminfer.media;

import io.github.streaminfer.exceptions.InvalidImageException;
import io.github.streaminfer.image.ImageGeometry;
import io.github.streaminfer.image.ImageHeaders;
import io.github.streaminfer.image.ImageSpec;
import io.github.streaminfer.image.PooledFrame;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The {@code .jpg}, {@code .jpeg} and {@code .png} files of a folder in name order, submitted as encoded bytes
 * (decoded on the session's worker by its {@link io.github.streaminfer.image.ImageDecoder}). Each file's size is
 * checked before it is read and its header before it is submitted; a file that fails is reported and skipped.
 */
final class ImageFolderSource extends FrameSource {
    private final Path folder;
    private final ImageSpec limits;
    private final ImageGeometry geometry = new ImageGeometry();
    private List<Path> files;
    private int next;

    ImageFolderSource(Path folder, FrameSourceConfig config) {
        super(config);
        this.folder = Objects.requireNonNull(folder, "folder");
        this.limits = ImageSpec.builder(1, 1).maxEncodedBytes(config.maxEncodedBytes())
                .maxPixels(config.maxPixels()).build();
    }

    @Override
    protected void openSource() {
        if (!Files.isDirectory(folder)) {
            throw new FrameSourceException(describe() + " does not exist or is not a folder");
        }
        try (Stream<Path> s = Files.list(folder)) {
            files = s.filter(Files::isRegularFile).filter(ImageFolderSource::isImageName).sorted().toList();
        } catch (IOException | RuntimeException e) {
            throw new FrameSourceException(describe() + " cannot be listed: " + e, e);
        }
        if (files.isEmpty()) {
            throw new FrameSourceException(describe() + " holds no .jpg, .jpeg or .png files");
        }
    }

    private static boolean isImageName(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".png");
    }

    @Override
    protected int read(PooledFrame frame, long sequence) {
        if (next >= files.size()) {
            return END;
        }
        Path file = files.get(next++);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > config.maxEncodedBytes()) {
                reportError(sequence, new InvalidImageException(file + " has " + size + " bytes; allowed: at most "
                        + config.maxEncodedBytes() + " (FrameSourceConfig.maxEncodedBytes)"));
                return SKIPPED;
            }
            ByteBuffer buffer = frame.ensureCapacity((int) size);
            while (buffer.hasRemaining()) {
                if (ch.read(buffer) < 0) {
                    break;
                }
            }
            buffer.flip();
            ImageHeaders.probe(buffer, limits, geometry);
            frame.publishEncoded(buffer.remaining(), sequence, System.nanoTime());
            return FRAME;
        } catch (InvalidImageException e) {
            reportError(sequence, new InvalidImageException(file + ": " + e.getMessage()));
            return SKIPPED;
        } catch (IOException | RuntimeException e) {
            reportError(sequence, new FrameSourceException(file + " cannot be read: " + e, e));
            return SKIPPED;
        }
    }

    @Override
    protected boolean rewind() {
        next = 0;
        return true;
    }

    @Override
    protected void closeSource() {
        // no native resources
    }

    @Override
    protected String describe() {
        return "image folder " + folder;
    }
}
