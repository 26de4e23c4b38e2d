package io.github.streaminfer.samples.detection;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_videoio.VideoCapture;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The frames the detection sample sends: rendered {@link TestScenes} when no input is given, the JPEG and PNG files
 * of a folder in name order, or the frames of a video file read with OpenCV.
 *
 * <p><b>Note:</b> not thread-safe; {@link #next()} from one thread.
 */
public abstract class FrameInput implements AutoCloseable {
    /** Size of rendered scenes. */
    public static final int SCENE_WIDTH = 640;
    /** Size of rendered scenes. */
    public static final int SCENE_HEIGHT = 360;

    /** {@return the next frame, or null at the end} */
    public abstract BufferedImage next();

    /** {@return what this input reads, for the console} */
    public abstract String describe();

    @Override
    public void close() {
    }

    /**
     * Opens an input.
     *
     * @param path      a video file, an image folder, or null for rendered scenes
     * @param maxFrames most frames read
     * @return the input
     * @throws IllegalArgumentException if the path is missing, an empty folder, or a video OpenCV cannot open
     */
    public static FrameInput open(Path path, int maxFrames) {
        if (path == null) {
            return new Scenes(maxFrames);
        }
        if (Files.isDirectory(path)) {
            return new Folder(path, maxFrames);
        }
        if (Files.isRegularFile(path)) {
            return new Video(path, maxFrames);
        }
        throw new IllegalArgumentException("input is '" + path + "'; allowed: a video file or an image folder");
    }

    private static final class Scenes extends FrameInput {
        private final int frames;
        private int index;

        Scenes(int frames) {
            this.frames = frames;
        }

        @Override
        public BufferedImage next() {
            return index < frames ? TestScenes.frame(index++, SCENE_WIDTH, SCENE_HEIGHT) : null;
        }

        @Override
        public String describe() {
            return frames + " rendered test scenes (" + SCENE_WIDTH + " x " + SCENE_HEIGHT
                    + ", two drawn faces moving; every 7th frame has none)";
        }
    }

    private static final class Folder extends FrameInput {
        private final Path folder;
        private final List<Path> files;
        private int index;

        Folder(Path folder, int maxFrames) {
            this.folder = folder;
            try (Stream<Path> list = Files.list(folder)) {
                files = list.filter(p -> {
                    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                    return n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".png");
                }).sorted().limit(maxFrames).toList();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + folder, e);
            }
            if (files.isEmpty()) {
                throw new IllegalArgumentException("folder '" + folder + "' has no .jpg, .jpeg or .png files");
            }
        }

        @Override
        public BufferedImage next() {
            while (index < files.size()) {
                Path f = files.get(index++);
                try {
                    BufferedImage im = ImageIO.read(f.toFile());
                    if (im != null) {
                        return im;
                    }
                } catch (IOException e) {
                    // an unreadable file is skipped, like a corrupt frame
                }
                System.err.println("skipped unreadable image " + f);
            }
            return null;
        }

        @Override
        public String describe() {
            return files.size() + " images from " + folder;
        }
    }

    private static final class Video extends FrameInput {
        private final Path file;
        private final int maxFrames;
        private final VideoCapture capture = new VideoCapture();
        private final Mat mat = new Mat();
        private int read;

        Video(Path file, int maxFrames) {
            this.file = file;
            this.maxFrames = maxFrames;
            if (!capture.open(file.toString())) {
                capture.close();
                throw new IllegalArgumentException("OpenCV cannot open '" + file + "' as a video");
            }
        }

        @Override
        public BufferedImage next() {
            if (read >= maxFrames || !capture.read(mat) || mat.empty()) {
                return null;
            }
            read++;
            try (BytePointer jpeg = new BytePointer()) {
                opencv_imgcodecs.imencode(".jpg", mat, jpeg);
                byte[] bytes = new byte[(int) jpeg.limit()];
                jpeg.get(bytes);
                return ImageIO.read(new ByteArrayInputStream(bytes));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot re-read frame " + read + " of " + file, e);
            }
        }

        @Override
        public String describe() {
            return "video " + file + " (at most " + maxFrames + " frames)";
        }

        @Override
        public void close() {
            mat.close();
            capture.close();
        }
    }
}
