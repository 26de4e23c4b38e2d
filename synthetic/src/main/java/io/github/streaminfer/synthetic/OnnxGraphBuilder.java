package io.github.streaminfer.synthetic;

import com.google.protobuf.CodedOutputStream;
import io.github.streaminfer.tensor.DType;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Writes ONNX models with protobuf-java only: the needed subset of {@code onnx.proto} (ModelProto, GraphProto,
 * NodeProto, AttributeProto, TensorProto, ValueInfoProto) is encoded field by field with {@link CodedOutputStream},
 * so no ONNX library is needed to make test models with known weights.
 *
 * <pre>{@code
 * byte[] model = new OnnxGraphBuilder("double")
 *         .input("x", DType.FLOAT32, -1, 4)
 *         .initializer("two", new float[] {2f}, 1)
 *         .node("Mul", List.of("x", "two"), List.of("y"))
 *         .output("y", DType.FLOAT32, -1, 4)
 *         .toBytes();
 * }</pre>
 *
 * <p>Dimensions of {@code -1} are written as symbolic dimensions ({@code dim_param}), which ONNX Runtime reports as
 * dynamic. Models use IR version 8 and opset 17 of the default domain.
 *
 * <p><b>Note:</b> not thread-safe; build one model per instance.
 *
 * @since 0.1.0
 */
public final class OnnxGraphBuilder {
    /** ONNX IR version written. */
    public static final long IR_VERSION = 8;
    /** Opset version of the default domain written. */
    public static final long OPSET = 17;

    private final String graphName;
    private final List<byte[]> nodes = new ArrayList<>();
    private final List<byte[]> initializers = new ArrayList<>();
    private final List<byte[]> inputs = new ArrayList<>();
    private final List<byte[]> outputs = new ArrayList<>();
    private int nodeCount;

    /**
     * Starts an empty graph.
     *
     * @param graphName the graph's name
     */
    public OnnxGraphBuilder(String graphName) {
        this.graphName = Objects.requireNonNull(graphName, "graphName");
    }

    /**
     * Declares a graph input.
     *
     * @param name  input name
     * @param dtype element type
     * @param dims  dimensions, -1 for dynamic
     * @return this
     */
    public OnnxGraphBuilder input(String name, DType dtype, long... dims) {
        inputs.add(valueInfo(name, dtype, dims));
        return this;
    }

    /**
     * Declares a graph output.
     *
     * @param name  output name (a node output)
     * @param dtype element type
     * @param dims  dimensions, -1 for dynamic
     * @return this
     */
    public OnnxGraphBuilder output(String name, DType dtype, long... dims) {
        outputs.add(valueInfo(name, dtype, dims));
        return this;
    }

    /**
     * Adds a float32 constant (weights).
     *
     * @param name name nodes refer to
     * @param data row-major values
     * @param dims dimensions; their product must equal {@code data.length}
     * @return this
     */
    public OnnxGraphBuilder initializer(String name, float[] data, long... dims) {
        checkCount(name, data.length, dims);
        initializers.add(tensor(name, 1, dims, out -> {
            out.writeTag(4, 2); // float_data, packed
            out.writeUInt32NoTag(data.length * 4);
            for (float f : data) {
                out.writeFloatNoTag(f);
            }
        }));
        return this;
    }

    /**
     * Adds an int64 constant (shapes, axes, indices).
     *
     * @param name name nodes refer to
     * @param data row-major values
     * @param dims dimensions; their product must equal {@code data.length}
     * @return this
     */
    public OnnxGraphBuilder initializer(String name, long[] data, long... dims) {
        checkCount(name, data.length, dims);
        initializers.add(tensor(name, 7, dims, out -> {
            int size = 0;
            for (long v : data) {
                size += CodedOutputStream.computeInt64SizeNoTag(v);
            }
            out.writeTag(7, 2); // int64_data, packed
            out.writeUInt32NoTag(size);
            for (long v : data) {
                out.writeInt64NoTag(v);
            }
        }));
        return this;
    }

    /**
     * Adds a node.
     *
     * @param opType     operator, e.g. {@code Gemm}
     * @param nodeInputs input value names, in operator order
     * @param nodeOutputs output value names
     * @param attributes attributes made with the static helpers of {@link Attribute}
     * @return this
     */
    public OnnxGraphBuilder node(String opType, List<String> nodeInputs, List<String> nodeOutputs,
                                 Attribute... attributes) {
        String nodeName = opType.toLowerCase(java.util.Locale.ROOT) + "_" + (nodeCount++);
        nodes.add(message(out -> {
            for (String s : nodeInputs) {
                out.writeString(1, s);
            }
            for (String s : nodeOutputs) {
                out.writeString(2, s);
            }
            out.writeString(3, nodeName);
            out.writeString(4, opType);
            for (Attribute a : attributes) {
                out.writeByteArray(5, a.encoded);
            }
        }));
        return this;
    }

    /** {@return the serialised ModelProto} */
    public byte[] toBytes() {
        if (inputs.isEmpty() || outputs.isEmpty()) {
            throw new IllegalStateException("graph '" + graphName + "' needs at least one input and one output");
        }
        byte[] graph = message(out -> {
            for (byte[] n : nodes) {
                out.writeByteArray(1, n);
            }
            out.writeString(2, graphName);
            for (byte[] t : initializers) {
                out.writeByteArray(5, t);
            }
            for (byte[] v : inputs) {
                out.writeByteArray(11, v);
            }
            for (byte[] v : outputs) {
                out.writeByteArray(12, v);
            }
        });
        byte[] opset = message(out -> {
            out.writeString(1, "");
            out.writeInt64(2, OPSET);
        });
        return message(out -> {
            out.writeInt64(1, IR_VERSION);
            out.writeString(2, "streaminfer-synthetic");
            out.writeString(3, "1");
            out.writeByteArray(7, graph);
            out.writeByteArray(8, opset);
        });
    }

    /**
     * Writes the model to a file.
     *
     * @param file destination
     * @return {@code file}
     */
    public Path write(Path file) {
        try {
            Files.write(file, toBytes());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static void checkCount(String name, int count, long[] dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        if (n != count) {
            throw new IllegalArgumentException("initializer '" + name + "': " + count + " values for dims "
                    + java.util.Arrays.toString(dims));
        }
    }

    private static byte[] tensor(String name, int dataType, long[] dims, Body data) {
        return message(out -> {
            for (long d : dims) {
                out.writeInt64(1, d);
            }
            out.writeInt32(2, dataType);
            data.write(out);
            out.writeString(8, name);
        });
    }

    private static byte[] valueInfo(String name, DType dtype, long[] dims) {
        byte[] shape = message(out -> {
            int dynamic = 0;
            for (long d : dims) {
                byte[] dim;
                if (d < 0) {
                    String param = name + "_d" + (dynamic++);
                    dim = message(o -> o.writeString(2, param));
                } else {
                    dim = message(o -> o.writeInt64(1, d));
                }
                out.writeByteArray(1, dim);
            }
        });
        byte[] tensorType = message(out -> {
            out.writeInt32(1, elemType(dtype));
            out.writeByteArray(2, shape);
        });
        byte[] type = message(out -> out.writeByteArray(1, tensorType));
        return message(out -> {
            out.writeString(1, name);
            out.writeByteArray(2, type);
        });
    }

    static int elemType(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> 1;
            case UINT8 -> 2;
            case INT32 -> 6;
            case INT64 -> 7;
            case BOOL -> 9;
            case FLOAT16 -> 10;
        };
    }

    @FunctionalInterface
    interface Body {
        void write(CodedOutputStream out) throws IOException;
    }

    static byte[] message(Body body) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            body.write(out);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A node attribute (AttributeProto), made with the static factories. */
    public static final class Attribute {
        final byte[] encoded;

        private Attribute(byte[] encoded) {
            this.encoded = encoded;
        }

        /**
         * {@return an INT attribute}
         *
         * @param name  attribute name
         * @param value integer value
         */
        public static Attribute i(String name, long value) {
            return new Attribute(message(out -> {
                out.writeString(1, name);
                out.writeInt64(3, value);
                out.writeInt32(20, 2);
            }));
        }

        /**
         * {@return a FLOAT attribute}
         *
         * @param name  attribute name
         * @param value float value
         */
        public static Attribute f(String name, float value) {
            return new Attribute(message(out -> {
                out.writeString(1, name);
                out.writeFloat(2, value);
                out.writeInt32(20, 1);
            }));
        }

        /**
         * {@return an INTS attribute}
         *
         * @param name   attribute name
         * @param values integer values
         */
        public static Attribute ints(String name, long... values) {
            return new Attribute(message(out -> {
                out.writeString(1, name);
                for (long v : values) {
                    out.writeInt64(8, v);
                }
                out.writeInt32(20, 7);
            }));
        }

        /**
         * {@return a STRING attribute}
         *
         * @param name  attribute name
         * @param value string value
         */
        public static Attribute s(String name, String value) {
            return new Attribute(message(out -> {
                out.writeString(1, name);
                out.writeByteArray(4, value.getBytes(StandardCharsets.UTF_8));
                out.writeInt32(20, 3);
            }));
        }
    }
}
