package io.github.streaminfer.backend.tensorrt;

import io.github.streaminfer.tensor.Shapes;
import io.github.streaminfer.tensor.TensorSpec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * An optimisation profile: the minimum, optimum and maximum shape of each input with dynamic dimensions, written as
 * {@code trtexec} writes them ({@code x:1x3x48x192,state:2x1x128}). Immutable.
 *
 * <p>{@link #parse} checks the three lists against each other (same inputs, same ranks,
 * {@code min <= opt <= max}); {@link #resolve} checks them against the model's inputs and fills in the inputs that
 * have dynamic dimensions but no shapes with 1 for every dynamic dimension.
 *
 * @param min minimum shape per input name
 * @param opt shape TensorRT tunes its kernels for, per input name
 * @param max maximum shape per input name; device buffers are sized for it
 * @since 0.1.0
 */
public record ProfileShapes(Map<String, long[]> min, Map<String, long[]> opt, Map<String, long[]> max) {

    /** No shapes given: dynamic dimensions become 1. */
    public static final ProfileShapes NONE = new ProfileShapes(Map.of(), Map.of(), Map.of());

    /**
     * Copies the maps (the arrays are copied too).
     *
     * @param min see the class description
     * @param opt see the class description
     * @param max see the class description
     */
    public ProfileShapes {
        min = copy(min);
        opt = copy(opt);
        max = copy(max);
    }

    private static Map<String, long[]> copy(Map<String, long[]> m) {
        Map<String, long[]> c = new LinkedHashMap<>();
        m.forEach((k, v) -> c.put(Objects.requireNonNull(k, "name"), v.clone()));
        return java.util.Collections.unmodifiableMap(c);
    }

    /**
     * Parses and cross-checks three shape lists; a missing list (null or blank) is empty.
     *
     * @param min e.g. {@code x:1x3x48x192}
     * @param opt e.g. {@code x:4x3x48x192}
     * @param max e.g. {@code x:8x3x48x192}
     * @return the profile
     * @throws IllegalArgumentException naming the property, the value and what is allowed
     */
    public static ProfileShapes parse(String min, String opt, String max) {
        Map<String, long[]> mn = parseList(TensorRtOptions.SHAPES_MIN, min);
        Map<String, long[]> op = parseList(TensorRtOptions.SHAPES_OPT, opt);
        Map<String, long[]> mx = parseList(TensorRtOptions.SHAPES_MAX, max);
        TreeSet<String> names = new TreeSet<>(mn.keySet());
        names.addAll(op.keySet());
        names.addAll(mx.keySet());
        for (String n : names) {
            if (!mn.containsKey(n) || !op.containsKey(n) || !mx.containsKey(n)) {
                throw new IllegalArgumentException("profile shapes for input '" + n + "' are given in "
                        + given(n, mn, op, mx) + " only; allowed: the same inputs in " + TensorRtOptions.SHAPES_MIN
                        + ", " + TensorRtOptions.SHAPES_OPT + " and " + TensorRtOptions.SHAPES_MAX);
            }
            long[] a = mn.get(n);
            long[] b = op.get(n);
            long[] c = mx.get(n);
            if (a.length != b.length || b.length != c.length) {
                throw new IllegalArgumentException("profile shapes for input '" + n + "' are min " + Shapes.toString(a)
                        + ", opt " + Shapes.toString(b) + ", max " + Shapes.toString(c)
                        + "; allowed: three shapes of the same rank");
            }
            for (int i = 0; i < a.length; i++) {
                if (a[i] > b[i] || b[i] > c[i]) {
                    throw new IllegalArgumentException("profile shapes for input '" + n + "' are min "
                            + Shapes.toString(a) + ", opt " + Shapes.toString(b) + ", max " + Shapes.toString(c)
                            + "; allowed: min <= opt <= max in every dimension (dimension " + i + " is not)");
                }
            }
        }
        return new ProfileShapes(mn, op, mx);
    }

    private static String given(String n, Map<String, long[]> mn, Map<String, long[]> op, Map<String, long[]> mx) {
        List<String> in = new ArrayList<>();
        if (mn.containsKey(n)) {
            in.add(TensorRtOptions.SHAPES_MIN);
        }
        if (op.containsKey(n)) {
            in.add(TensorRtOptions.SHAPES_OPT);
        }
        if (mx.containsKey(n)) {
            in.add(TensorRtOptions.SHAPES_MAX);
        }
        return String.join(", ", in);
    }

    static Map<String, long[]> parseList(String key, String text) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return shapes;
        }
        for (String entry : text.split(",")) {
            String e = entry.trim();
            int colon = e.lastIndexOf(':');
            if (colon <= 0 || colon == e.length() - 1) {
                throw bad(key, text, "entry '" + e + "' is not name:shape");
            }
            String name = e.substring(0, colon).trim();
            String[] dims = e.substring(colon + 1).trim().toLowerCase(Locale.ROOT).split("x", -1);
            long[] shape = new long[dims.length];
            for (int i = 0; i < dims.length; i++) {
                try {
                    shape[i] = Long.parseLong(dims[i].trim());
                } catch (NumberFormatException ex) {
                    throw bad(key, text, "dimension '" + dims[i] + "' of input '" + name + "' is not a number");
                }
                if (shape[i] < 1) {
                    throw bad(key, text, "dimension " + i + " of input '" + name + "' is " + shape[i]);
                }
            }
            if (shapes.put(name, shape) != null) {
                throw bad(key, text, "input '" + name + "' appears twice");
            }
        }
        return shapes;
    }

    private static IllegalArgumentException bad(String key, String text, String why) {
        return new IllegalArgumentException(key + " is '" + text + "' (" + why + "); allowed: name:DxDx...D[,name:DxD...] "
                + "with every dimension >= 1, e.g. x:1x3x48x192");
    }

    /** {@return true if no shapes were given} */
    public boolean isEmpty() {
        return min.isEmpty();
    }

    /**
     * Checks the shapes against the model's inputs and completes them.
     *
     * @param inputs the model's inputs, dynamic dimensions as {@code -1}
     * @return one entry per input that has dynamic dimensions, in input order; inputs without given shapes get 1 for
     *     each dynamic dimension (min = opt = max)
     * @throws IllegalArgumentException if a shape names no input, has the wrong rank, or differs in a static dimension
     */
    public Map<String, Profile> resolve(List<TensorSpec> inputs) {
        Map<String, TensorSpec> byName = new LinkedHashMap<>();
        for (TensorSpec s : inputs) {
            byName.put(s.name(), s);
        }
        for (String n : min.keySet()) {
            if (!byName.containsKey(n)) {
                throw new IllegalArgumentException("profile shapes name input '" + n + "'; allowed: the model's inputs "
                        + inputs);
            }
        }
        Map<String, Profile> out = new LinkedHashMap<>();
        for (TensorSpec s : inputs) {
            long[] mn = min.get(s.name());
            if (mn == null) {
                if (!s.isStatic()) {
                    long[] one = s.withDynamicDims(1).shape();
                    out.put(s.name(), new Profile(one, one, one));
                }
                continue;
            }
            long[] op = opt.get(s.name());
            long[] mx = max.get(s.name());
            if (mn.length != s.rank()) {
                throw new IllegalArgumentException("profile shapes for input '" + s.name() + "' have rank " + mn.length
                        + " " + Shapes.toString(mn) + "; allowed: rank " + s.rank() + " like the model's " + s);
            }
            for (int i = 0; i < mn.length; i++) {
                long d = s.dim(i);
                if (d != TensorSpec.DYNAMIC && (mn[i] != d || op[i] != d || mx[i] != d)) {
                    throw new IllegalArgumentException("profile shapes for input '" + s.name() + "' set dimension " + i
                            + " to " + mn[i] + "/" + op[i] + "/" + mx[i] + "; allowed: " + d
                            + " (the model fixes it: " + s + ")");
                }
            }
            if (!s.isStatic()) {
                out.put(s.name(), new Profile(mn, op, mx));
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "min " + text(min) + ", opt " + text(opt) + ", max " + text(max);
    }

    static String text(Map<String, long[]> shapes) {
        StringBuilder sb = new StringBuilder();
        shapes.forEach((n, s) -> {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(n).append(':');
            for (int i = 0; i < s.length; i++) {
                sb.append(i == 0 ? "" : "x").append(s[i]);
            }
        });
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ProfileShapes p && same(min, p.min) && same(opt, p.opt) && same(max, p.max);
    }

    private static boolean same(Map<String, long[]> a, Map<String, long[]> b) {
        if (!a.keySet().equals(b.keySet())) {
            return false;
        }
        for (Map.Entry<String, long[]> e : a.entrySet()) {
            if (!Arrays.equals(e.getValue(), b.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return text(min).hashCode() * 31 + text(max).hashCode();
    }

    /**
     * The shapes of one dynamic input.
     *
     * @param min minimum shape
     * @param opt optimum shape
     * @param max maximum shape
     */
    public record Profile(long[] min, long[] opt, long[] max) {
        /**
         * Copies the arrays.
         *
         * @param min minimum shape
         * @param opt optimum shape
         * @param max maximum shape
         */
        public Profile {
            min = min.clone();
            opt = opt.clone();
            max = max.clone();
        }

        /** {@return a copy of the minimum shape} */
        @Override
        public long[] min() {
            return min.clone();
        }

        /** {@return a copy of the optimum shape} */
        @Override
        public long[] opt() {
            return opt.clone();
        }

        /** {@return a copy of the maximum shape} */
        @Override
        public long[] max() {
            return max.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Profile p && Arrays.equals(min, p.min) && Arrays.equals(opt, p.opt)
                    && Arrays.equals(max, p.max);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(min) * 961 + Arrays.hashCode(opt) * 31 + Arrays.hashCode(max);
        }

        @Override
        public String toString() {
            return Shapes.toString(min) + ".." + Shapes.toString(opt) + ".." + Shapes.toString(max);
        }
    }
}
