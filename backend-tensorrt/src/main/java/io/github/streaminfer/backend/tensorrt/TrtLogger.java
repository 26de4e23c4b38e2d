package io.github.streaminfer.backend.tensorrt;

import org.bytedeco.tensorrt.nvinfer.ILogger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * TensorRT's logger: forwards messages to SLF4J (errors as errors, warnings as warnings, info as debug, verbose
 * dropped) and keeps the last errors, so a failed build or deserialisation can say why in its exception.
 *
 * <p>Constructing one allocates a native object: only after {@link NativeCheck} found TensorRT. One instance lives
 * as long as the class (TensorRT keeps the pointer in every runtime and builder created with it).
 *
 * <p><b>Note:</b> thread-safe; TensorRT may call {@link #log} from its own threads.
 */
final class TrtLogger extends ILogger {
    private static final Logger LOG = LoggerFactory.getLogger("io.github.streaminfer.backend.tensorrt.TensorRT");
    private static final int KEPT = 16;
    private static volatile TrtLogger instance;

    private final ArrayDeque<String> errors = new ArrayDeque<>();
    private long logged;

    private TrtLogger() {
        // allocates the native ILogger whose virtual log() calls back into Java
    }

    static TrtLogger get() {
        TrtLogger l = instance;
        if (l == null) {
            synchronized (TrtLogger.class) {
                if (instance == null) {
                    instance = new TrtLogger();
                }
                l = instance;
            }
        }
        return l;
    }

    @Override
    public void log(Severity severity, String msg) {
        int level = severity.value;
        if (level <= Severity.kERROR.value) {
            synchronized (errors) {
                if (errors.size() == KEPT) {
                    errors.removeFirst();
                }
                errors.addLast(msg);
                logged++;
            }
            LOG.error("{}", msg);
        } else if (level == Severity.kWARNING.value) {
            LOG.warn("{}", msg);
        } else if (level == Severity.kINFO.value) {
            LOG.debug("{}", msg);
        }
    }

    /** {@return a mark to pass to {@link #errorsSince(long)}} */
    long mark() {
        synchronized (errors) {
            return logged;
        }
    }

    /**
     * {@return the errors logged since, joined with "; ", or "no error logged"}
     *
     * @param mark from {@link #mark()}
     */
    String errorsSince(long mark) {
        List<String> copy;
        synchronized (errors) {
            copy = new ArrayList<>(errors);
            long since = logged - mark;
            if (since < copy.size()) {
                copy = copy.subList(copy.size() - (int) since, copy.size());
            }
        }
        return copy.isEmpty() ? "no error logged by TensorRT" : String.join("; ", copy);
    }
}
