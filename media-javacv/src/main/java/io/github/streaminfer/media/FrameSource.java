package io.github.streaminfer.media;

import io.github.streaminfer.image.PooledFrame;
import io.github.streaminfer.session.ErrorHandler;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.session.SubmitStatus;

import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A producer that reads frames from a camera, a video file or an image folder on its own thread and submits them
 * to a {@link StreamingInferenceSession} whose observations are {@link PooledFrame}s. The session's task turns a
 * frame into its input with {@link PooledFrame#writeInto}.
 *
 * <pre>{@code
 * try (FrameSource source = FrameSource.videoFile(Path.of("run.avi"),
 *         FrameSourceConfig.builder().fps(30).loop(true).build())) {
 *     source.start(session);            // opens now: a missing or unreadable file throws here
 *     ...
 *     FrameSourceStats s = source.stats();  // read, submitted, dropped, errors
 * }
 * }</pre>
 *
 * <p>Frames come from a pool of {@link FrameSourceConfig#poolSize()} reusable {@link PooledFrame}s with direct
 * buffers; a frame the worker is reading is never overwritten (see {@link PooledFrame}). Pacing: at a chosen fps
 * frames are submitted on a fixed schedule (refused frames are dropped and counted; a camera is read at its own
 * rate and frames not due are dropped so the next one is fresh); at fps 0 a file source submits as fast as the
 * session accepts, retrying a refused frame until it is taken.
 *
 * <p>Opening errors (no camera, missing file, not a readable video, empty folder) throw a
 * {@link FrameSourceException} from {@link #start}. Errors while running (a corrupt image in a folder) are counted,
 * passed to the {@linkplain #errorHandler error handler}, and skipped; a source that cannot go on (a camera that
 * stops delivering) stops with {@link FrameSourceStats#failure()} set. Native resources are released on the
 * producer thread when it ends.
 *
 * <p><b>Note:</b> {@code start}, {@code stop}, {@code stats}, {@code awaitEnd} and {@code close} are safe from any
 * thread; the reading happens on one producer thread per source.
 *
 * @since 0.1.0
 */
public abstract class FrameSource implements AutoCloseable {
    /** {@link #read} published a frame. */
    protected static final int FRAME = 0;
    /** {@link #read} reached the end of the file or folder. */
    protected static final int END = 1;
    /** {@link #read} skipped an unreadable frame (already reported through {@link #reportError}). */
    protected static final int SKIPPED = 2;

    private static final long RETRY_PARK_NANOS = 100_000;

    /** The configuration. */
    protected final FrameSourceConfig config;
    private final PooledFrame[] pool;
    private final AtomicLong read = new AtomicLong();
    private final AtomicLong submitted = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private volatile ErrorHandler errorHandler = (source, frameId, error) -> { };
    private volatile boolean stopRequested;
    private volatile boolean started;
    private volatile boolean closed;
    private volatile Throwable failure;
    private volatile Thread thread;
    private int cursor;

    /**
     * Creates a source; subclasses start nothing in the constructor.
     *
     * @param config how to read and submit
     */
    protected FrameSource(FrameSourceConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.pool = new PooledFrame[config.poolSize()];
        for (int i = 0; i < pool.length; i++) {
            pool[i] = new PooledFrame();
        }
    }

    /**
     * {@return an unopened camera source}
     *
     * @param index  camera index ({@code /dev/videoN} on Linux)
     * @param config how to read and submit ({@code fps} 0: the camera's own rate)
     */
    public static FrameSource camera(int index, FrameSourceConfig config) {
        return new CameraSource(index, config);
    }

    /**
     * {@return an unopened video-file source}
     *
     * @param file   a video file OpenCV can read here (MJPEG AVI with the bundled natives; see the README)
     * @param config how to read and submit
     */
    public static FrameSource videoFile(Path file, FrameSourceConfig config) {
        return new VideoFileSource(file, config);
    }

    /**
     * {@return an unopened image-folder source}
     *
     * @param folder a folder of {@code .jpg}, {@code .jpeg} and {@code .png} files, read in name order
     * @param config how to read and submit
     */
    public static FrameSource imageFolder(Path folder, FrameSourceConfig config) {
        return new ImageFolderSource(folder, config);
    }

    /**
     * Sets {@code errorHandler}.
     *
     * @param handler receives errors of single frames or files while running (must not throw or block)
     * @return this
     */
    public FrameSource errorHandler(ErrorHandler handler) {
        this.errorHandler = Objects.requireNonNull(handler, "handler");
        return this;
    }

    /**
     * Opens the source on the calling thread and starts the producer thread.
     *
     * @param session receives the frames
     * @throws FrameSourceException  if the source cannot be opened (the message says which and why)
     * @throws IllegalStateException if already started or closed
     */
    public synchronized void start(StreamingInferenceSession<PooledFrame, ?> session) {
        Objects.requireNonNull(session, "session");
        if (closed) {
            throw new IllegalStateException("frame source '" + config.name() + "' is closed");
        }
        if (started) {
            throw new IllegalStateException("frame source '" + config.name() + "' was already started");
        }
        try {
            openSource();
        } catch (FrameSourceException e) {
            closeSourceQuietly();
            throw e;
        } catch (RuntimeException | LinkageError e) {
            closeSourceQuietly();
            throw new FrameSourceException(describe() + " could not be opened: " + e, e);
        }
        started = true;
        Thread t = new Thread(() -> produce(session), "streaminfer-source-" + config.name());
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    private void produce(StreamingInferenceSession<PooledFrame, ?> session) {
        long period = config.fps() > 0 ? Math.round(1e9 / config.fps()) : 0;
        long next = System.nanoTime();
        long sequence = 0;
        try {
            while (!stopRequested) {
                if (config.maxFrames() > 0 && read.get() >= config.maxFrames()) {
                    break;
                }
                PooledFrame frame = claim();
                int r = read(frame, sequence);
                if (r == END) {
                    frame.abandon();
                    if (config.loop() && sequence > 0 && rewind()) {
                        continue;
                    }
                    break;
                }
                if (r == SKIPPED) {
                    frame.abandon();
                    continue;
                }
                read.incrementAndGet();
                sequence++;
                if (period > 0) {
                    long now = System.nanoTime();
                    if (isLive() && now < next) {
                        dropped.incrementAndGet(); // not due: read only to keep the device buffer fresh
                        release(frame);
                        continue;
                    }
                    if (!isLive()) {
                        while (now < next && !stopRequested) {
                            LockSupport.parkNanos(next - now);
                            now = System.nanoTime();
                        }
                    }
                    next = now - next > period ? now + period : next + period;
                }
                submit(session, frame, period == 0 && !isLive());
            }
        } catch (FrameSourceException e) {
            failure = e;
            errorHandler.onError(config.name(), sequence, e);
        } catch (RuntimeException | LinkageError e) {
            failure = new FrameSourceException(describe() + " failed while reading: " + e, e);
            errorHandler.onError(config.name(), sequence, failure);
        } finally {
            closeSourceQuietly();
        }
    }

    private void submit(StreamingInferenceSession<PooledFrame, ?> session, PooledFrame frame, boolean retry) {
        while (true) {
            SubmitStatus s = session.submit(frame);
            if (s.isAccepted()) {
                submitted.incrementAndGet();
                return;
            }
            if (s == SubmitStatus.CLOSED) {
                dropped.incrementAndGet();
                release(frame);
                stopRequested = true;
                return;
            }
            if (!retry || stopRequested) {
                dropped.incrementAndGet();
                release(frame);
                return;
            }
            LockSupport.parkNanos(RETRY_PARK_NANOS);
        }
    }

    /** A frame that was published but not queued goes back to the pool. */
    private static void release(PooledFrame frame) {
        if (frame.tryClaim()) {
            frame.abandon();
        }
    }

    /**
     * Takes pool frames in strict rotation, skipping only the one the worker is reading. The frame taken was
     * submitted {@code poolSize} claims ago, so it is no longer queued as long as the pool is larger than the
     * session's ingress capacity + 1 (it may have been dropped by the session, which is why it is reclaimed). A
     * worker held up between taking a frame from the queue and reading it can still find it reclaimed; it then
     * skips it ({@link io.github.streaminfer.exceptions.FrameSupersededException}), and never reads a frame being
     * rewritten.
     */
    private PooledFrame claim() {
        int n = pool.length;
        while (true) {
            for (int i = 0; i < n; i++) {
                PooledFrame f = pool[(cursor + i) % n];
                if (f.tryClaim()) {
                    cursor = (cursor + i + 1) % n;
                    return f;
                }
            }
            LockSupport.parkNanos(RETRY_PARK_NANOS); // every frame is being read: cannot happen with one worker
        }
    }

    /**
     * Reports a frame or file that was skipped.
     *
     * @param frameId sequence number of the frame, or -1
     * @param error   what went wrong
     */
    protected final void reportError(long frameId, Throwable error) {
        errors.incrementAndGet();
        try {
            errorHandler.onError(config.name(), frameId, error);
        } catch (RuntimeException ignored) {
            // handlers must not throw; a broken one must not stop the source
        }
    }

    /**
     * Opens the device, file or folder; called once on the starting thread.
     *
     * @throws FrameSourceException with a clear message if it cannot be opened
     */
    protected abstract void openSource();

    /**
     * Reads the next frame into {@code frame} (claimed for writing) and publishes it.
     *
     * @param frame    the frame to fill and publish
     * @param sequence its number at this source
     * @return {@link #FRAME}, {@link #END} or {@link #SKIPPED}
     * @throws FrameSourceException if the source cannot go on
     */
    protected abstract int read(PooledFrame frame, long sequence);

    /** {@return true if it could go back to the first frame} */
    protected abstract boolean rewind();

    /** Releases native resources; called once on the producer thread, or on the starting thread if open failed. */
    protected abstract void closeSource();

    /** {@return true for a live device that must be read at its own rate} */
    protected boolean isLive() {
        return false;
    }

    /** {@return what this source reads, for messages} */
    protected abstract String describe();

    private void closeSourceQuietly() {
        try {
            closeSource();
        } catch (RuntimeException | LinkageError ignored) {
            // nothing more can be done while closing
        }
    }

    /** {@return the counters now} */
    public FrameSourceStats stats() {
        Thread t = thread;
        return new FrameSourceStats(read.get(), submitted.get(), dropped.get(), errors.get(),
                t != null && t.isAlive(), failure);
    }

    /**
     * Waits for the producer to stop (end of file, frame limit, failure or {@link #stop()}).
     *
     * @param timeout how long at most
     * @param unit    its unit
     * @return true if it has stopped
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean awaitEnd(long timeout, TimeUnit unit) throws InterruptedException {
        Thread t = thread;
        if (t == null) {
            return true;
        }
        t.join(Math.max(1, unit.toMillis(timeout)));
        return !t.isAlive();
    }

    /** Asks the producer to stop after the current frame; returns at once. */
    public void stop() {
        stopRequested = true;
    }

    /** Stops the producer and waits up to 5 s for it; its native resources are released when it ends. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        stop();
        try {
            awaitEnd(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + describe() + ", " + stats() + "]";
    }
}
