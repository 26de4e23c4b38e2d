package io.github.streaminfer.backend;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How to load a model: device, precision, threads, and backend-specific settings. Immutable; build one with
 * {@link #builder()} or start from {@link #DEFAULT} with {@link #toBuilder()}.
 *
 * <p>Defaults are chosen for real-time streaming on small machines: CPU, fp32, one intra-op thread, one inter-op
 * thread (sequential execution), no thread spinning (spinning causes multi-millisecond p99 spikes when threads
 * outnumber free cores).
 *
 * @param device          {@code cpu}, {@code cuda:N}, {@code gpu}, {@code npu} or a backend-specific device string
 * @param precision       {@code fp32}, {@code fp16} or {@code int8}
 * @param intraOpThreads  threads used inside one operator, {@code >= 1}
 * @param interOpThreads  threads running independent operators in parallel, {@code >= 1}
 * @param allowSpinning   whether runtime threads busy-wait between work items
 * @param providers       ordered execution-provider preference (e.g. {@code tensorrt, cuda, cpu}); empty means the
 *                        backend's default for the device
 * @param properties      backend-specific settings, by key
 * @since 0.1.0
 */
public record ModelOptions(String device, String precision, int intraOpThreads, int interOpThreads,
                           boolean allowSpinning, List<String> providers, Map<String, String> properties) {

    /** CPU, fp32, one intra-op thread, sequential, no spinning. */
    public static final ModelOptions DEFAULT = builder().build();

    /**
     * Validates and copies.
     *
     * @param device         see the class description
     * @param precision      see the class description
     * @param intraOpThreads see the class description
     * @param interOpThreads see the class description
     * @param allowSpinning  see the class description
     * @param providers      see the class description
     * @param properties     see the class description
     */
    public ModelOptions {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(precision, "precision");
        device = device.trim().toLowerCase(Locale.ROOT);
        precision = precision.trim().toLowerCase(Locale.ROOT);
        if (device.isEmpty()) {
            throw new IllegalArgumentException("device is empty; allowed: cpu, cuda:N, gpu, npu or a backend's own name");
        }
        if (!precision.equals("fp32") && !precision.equals("fp16") && !precision.equals("int8")) {
            throw new IllegalArgumentException("precision is '" + precision + "'; allowed: fp32, fp16, int8");
        }
        if (intraOpThreads < 1) {
            throw new IllegalArgumentException("intraOpThreads is " + intraOpThreads + "; allowed: >= 1");
        }
        if (interOpThreads < 1) {
            throw new IllegalArgumentException("interOpThreads is " + interOpThreads + "; allowed: >= 1");
        }
        List<String> p = new ArrayList<>();
        for (String s : providers) {
            p.add(s.trim().toLowerCase(Locale.ROOT));
        }
        providers = List.copyOf(p);
        properties = Map.copyOf(properties);
    }

    /** {@return a builder with the defaults} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return a builder starting from these options} */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.device = device;
        b.precision = precision;
        b.intraOpThreads = intraOpThreads;
        b.interOpThreads = interOpThreads;
        b.allowSpinning = allowSpinning;
        b.providers = new ArrayList<>(providers);
        b.properties = new LinkedHashMap<>(properties);
        return b;
    }

    /**
     * {@return the value, if set}
     *
     * @param key backend-specific key
     */
    public Optional<String> property(String key) {
        return Optional.ofNullable(properties.get(key));
    }

    /** {@return the device index of {@code cuda:N} / {@code gpu:N} devices, 0 when no index is given} */
    public int deviceIndex() {
        int colon = device.indexOf(':');
        if (colon < 0) {
            return 0;
        }
        try {
            return Integer.parseInt(device.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("device '" + device + "' has no numeric index after ':'", e);
        }
    }

    /** Builder for {@link ModelOptions}. */
    public static final class Builder {
        private String device = "cpu";
        private String precision = "fp32";
        private int intraOpThreads = 1;
        private int interOpThreads = 1;
        private boolean allowSpinning;
        private List<String> providers = new ArrayList<>();
        private Map<String, String> properties = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * Sets {@code device}.
         *
         * @param device {@code cpu}, {@code cuda:0}, …
         * @return this
         */
        public Builder device(String device) {
            this.device = device;
            return this;
        }

        /**
         * Sets {@code precision}.
         *
         * @param precision {@code fp32}, {@code fp16} or {@code int8}
         * @return this
         */
        public Builder precision(String precision) {
            this.precision = precision;
            return this;
        }

        /**
         * Sets {@code intraOpThreads}.
         *
         * @param threads intra-op threads, {@code >= 1}
         * @return this
         */
        public Builder intraOpThreads(int threads) {
            this.intraOpThreads = threads;
            return this;
        }

        /**
         * Sets {@code interOpThreads}.
         *
         * @param threads inter-op threads, {@code >= 1}; 1 means sequential execution
         * @return this
         */
        public Builder interOpThreads(int threads) {
            this.interOpThreads = threads;
            return this;
        }

        /**
         * Sets {@code allowSpinning}.
         *
         * @param allow whether runtime threads may spin
         * @return this
         */
        public Builder allowSpinning(boolean allow) {
            this.allowSpinning = allow;
            return this;
        }

        /**
         * Sets {@code providers}.
         *
         * @param providers ordered execution-provider preference, e.g. {@code "tensorrt", "cuda", "cpu"}
         * @return this
         */
        public Builder providers(String... providers) {
            this.providers = new ArrayList<>(List.of(providers));
            return this;
        }

        /**
         * Sets one backend-specific property.
         *
         * @param key   backend-specific key
         * @param value its value
         * @return this
         */
        public Builder property(String key, String value) {
            this.properties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** {@return the validated options} */
        public ModelOptions build() {
            return new ModelOptions(device, precision, intraOpThreads, interOpThreads, allowSpinning, providers,
                    properties);
        }
    }
}
