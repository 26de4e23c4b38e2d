package io.github.streaminfer.backend;

import io.github.streaminfer.exceptions.BackendUnavailableException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.function.Consumer;

/**
 * Finds {@link InferenceBackend}s with {@link ServiceLoader}.
 *
 * <p>{@link #require(String)} fails with a message that lists every backend found and, for each unavailable
 * one, why; asking for a backend whose module is not on the class or module path says so too.
 *
 * @since 0.1.0
 */
public final class Backends {
    private Backends() {
    }

    /** {@return every backend on the class or module path, available or not, in discovery order} */
    public static List<InferenceBackend> all() {
        return all(Backends.class.getClassLoader());
    }

    /**
     * {@return every backend found through that loader}
     *
     * @param loader class loader to search (class-path users with custom loaders)
     */
    public static List<InferenceBackend> all(ClassLoader loader) {
        List<InferenceBackend> found = new ArrayList<>();
        ServiceLoader<InferenceBackend> sl = Backends.class.getModule().isNamed()
                ? ServiceLoader.load(InferenceBackend.class)
                : ServiceLoader.load(InferenceBackend.class, loader);
        for (InferenceBackend b : sl) {
            found.add(b);
        }
        return found;
    }

    /**
     * {@return the backend with that id, available or not}
     *
     * @param id backend id, case-insensitive
     */
    public static Optional<InferenceBackend> find(String id) {
        String wanted = id.toLowerCase(Locale.ROOT);
        for (InferenceBackend b : all()) {
            if (b.id().toLowerCase(Locale.ROOT).equals(wanted)) {
                return Optional.of(b);
            }
        }
        return Optional.empty();
    }

    /**
     * {@return the backend, known to be available}
     *
     * @param id backend id, case-insensitive
     * @throws BackendUnavailableException listing the backends found and why each unavailable one is
     */
    public static InferenceBackend require(String id) {
        List<InferenceBackend> all = all();
        for (InferenceBackend b : all) {
            if (b.id().equalsIgnoreCase(id)) {
                if (b.isAvailable()) {
                    return b;
                }
                throw new BackendUnavailableException("backend '" + id + "' is unavailable: "
                        + causeText(b) + "\n" + describe(all), b.unavailabilityCause());
            }
        }
        throw new BackendUnavailableException("no backend '" + id + "' found; add its module (e.g. "
                + "io.github.streaminfer:streaminfer-backend-" + id.toLowerCase(Locale.ROOT) + ") to the class path.\n"
                + describe(all));
    }

    /**
     * {@return the backend {@code id}, or the backend {@code fallback} when {@code id} is found but unavailable}
     * Falling back hands {@code notice} one line that names the backend asked for, why it is unavailable, and the
     * backend used instead. An unknown {@code id}, or an unavailable {@code fallback}, fails as {@link #require}
     * does, listing every backend.
     *
     * @param id       backend id asked for, case-insensitive
     * @param fallback backend id to use when {@code id} is unavailable (e.g. {@code onnx})
     * @param notice   receives the fallback line; not called when {@code id} is available
     * @throws BackendUnavailableException listing the backends found and why each unavailable one is
     */
    public static InferenceBackend requireOrFallback(String id, String fallback, Consumer<String> notice) {
        return requireOrFallback(all(), id, fallback, notice);
    }

    /**
     * {@return the backend {@code id} from {@code backends}, or {@code fallback} when {@code id} is there but
     * unavailable} As {@link #requireOrFallback(String, String, Consumer)}, over a given list.
     *
     * @param backends the backends to choose from
     * @param id       backend id asked for, case-insensitive
     * @param fallback backend id to use when {@code id} is unavailable
     * @param notice   receives the fallback line
     * @throws BackendUnavailableException listing {@code backends} and why each unavailable one is
     */
    public static InferenceBackend requireOrFallback(List<InferenceBackend> backends, String id, String fallback,
                                                     Consumer<String> notice) {
        InferenceBackend asked = byId(backends, id);
        if (asked == null) {
            throw new BackendUnavailableException("no backend '" + id + "' found; add its module (e.g. "
                    + "io.github.streaminfer:streaminfer-backend-" + id.toLowerCase(Locale.ROOT)
                    + ") to the class path.\n" + describe(backends));
        }
        if (asked.isAvailable()) {
            return asked;
        }
        InferenceBackend instead = byId(backends, fallback);
        if (instead == null || !instead.isAvailable()) {
            throw new BackendUnavailableException("backend '" + id + "' is unavailable: " + causeText(asked)
                    + ", and so is the fallback '" + fallback + "'\n" + describe(backends),
                    asked.unavailabilityCause());
        }
        notice.accept("backend '" + asked.id() + "' is unavailable (" + causeText(asked).replaceAll("\\s*\\R\\s*", " ")
                + "); running on '"
                + instead.id() + "' instead");
        return instead;
    }

    private static InferenceBackend byId(List<InferenceBackend> backends, String id) {
        for (InferenceBackend b : backends) {
            if (b.id().equalsIgnoreCase(id)) {
                return b;
            }
        }
        return null;
    }

    /**
     * {@return one line per backend: id, available or the cause}
     *
     * @param backends backends to describe
     */
    public static String describe(List<InferenceBackend> backends) {
        if (backends.isEmpty()) {
            return "backends found: none";
        }
        StringBuilder sb = new StringBuilder("backends found:");
        for (InferenceBackend b : backends) {
            sb.append("\n  ").append(b.id()).append(": ");
            sb.append(b.isAvailable() ? "available (" + b.description() + ")" : "unavailable: " + causeText(b));
        }
        return sb.toString();
    }

    private static String causeText(InferenceBackend b) {
        Throwable c = b.unavailabilityCause();
        return c == null ? "no cause given" : String.valueOf(c.getMessage());
    }
}
