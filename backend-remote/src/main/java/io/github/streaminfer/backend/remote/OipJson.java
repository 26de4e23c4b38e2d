package io.github.streaminfer.backend.remote;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.github.streaminfer.backend.ModelSignature;
import io.github.streaminfer.tensor.Shapes;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The REST binding's JSON: request bodies written straight from the tensors and answers read with a streaming
 * parser into primitive arrays, so no tensor element is boxed.
 *
 * <p><b>Note:</b> stateless; thread-safe.
 */
final class OipJson {
    private static final JsonFactory JSON = new JsonFactory();

    private OipJson() {
    }

    /** {@return the {@code $inference_request} body for {@code inputs}} */
    static String inferRequest(Tensor[] inputs, String where) {
        StringBuilder sb = new StringBuilder(64);
        sb.append("{\"inputs\":[");
        for (int i = 0; i < inputs.length; i++) {
            Tensor t = inputs[i];
            if (i > 0) {
                sb.append(',');
            }
            sb.append("{\"name\":");
            string(sb, t.name());
            sb.append(",\"datatype\":\"").append(OipTypes.datatype(t.dtype())).append("\",\"shape\":[");
            for (int k = 0; k < t.rank(); k++) {
                sb.append(k == 0 ? "" : ",").append(t.dim(k));
            }
            sb.append("],\"data\":[");
            long n = t.elementCount();
            for (long e = 0; e < n; e++) {
                if (e > 0) {
                    sb.append(',');
                }
                switch (t.dtype()) {
                    case FLOAT32 -> sb.append(t.getFloat(e));
                    case INT64 -> sb.append(t.getLong(e));
                    case INT32 -> sb.append(t.getInt(e));
                    case UINT8 -> sb.append(t.buffer().get((int) e) & 0xff);
                    case BOOL -> sb.append(t.buffer().get((int) e) != 0);
                    case FLOAT16 -> throw new IllegalArgumentException(where + ": input '" + t.name()
                            + "' is FP16, which the REST binding's JSON cannot carry; use a grpc:// endpoint");
                }
            }
            sb.append("]}");
        }
        return sb.append("]}").toString();
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        sb.append('"');
    }

    /** {@return the signature in a {@code $metadata_model_response}} */
    static ModelSignature metadata(String body, String where) throws IOException {
        List<TensorSpec> inputs = new ArrayList<>();
        List<TensorSpec> outputs = new ArrayList<>();
        try (JsonParser p = JSON.createParser(body)) {
            expect(p.nextToken(), JsonToken.START_OBJECT, where);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (field.equals("inputs") || field.equals("outputs")) {
                    List<TensorSpec> into = field.equals("inputs") ? inputs : outputs;
                    expect(p.currentToken(), JsonToken.START_ARRAY, where);
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        Parsed t = tensor(p, where);
                        into.add(TensorSpec.of(t.name, OipTypes.dtype(t.datatype,
                                field.substring(0, field.length() - 1) + " '" + t.name + "' of " + where), t.shape));
                    }
                } else {
                    p.skipChildren();
                }
            }
        }
        return new ModelSignature(inputs, outputs);
    }

    /**
     * Reads a {@code $inference_response} into the output tensors, checking each against its spec.
     *
     * @param body    the answer
     * @param outputs the caller's output tensors
     * @param where   endpoint and model, for messages
     */
    static void inferResponse(String body, Tensor[] outputs, String where) throws IOException {
        List<Parsed> answered = new ArrayList<>();
        try (JsonParser p = JSON.createParser(body)) {
            expect(p.nextToken(), JsonToken.START_OBJECT, where);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (field.equals("outputs")) {
                    expect(p.currentToken(), JsonToken.START_ARRAY, where);
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        answered.add(tensor(p, where));
                    }
                } else {
                    p.skipChildren();
                }
            }
        }
        for (Tensor out : outputs) {
            Parsed t = null;
            for (Parsed a : answered) {
                if (a.name.equals(out.name())) {
                    t = a;
                }
            }
            if (t == null) {
                throw OipTypes.badResponse(where + " answered without output '" + out.name() + "'");
            }
            OipTypes.fitOutput(out, t.datatype, t.shape, where);
            long n = out.elementCount();
            if (t.count != n) {
                throw OipTypes.badResponse(where + " sent " + t.count + " values for output '" + out.name()
                        + "' of shape " + Shapes.toString(t.shape) + "; that shape holds " + n);
            }
            for (int i = 0; i < n; i++) {
                switch (out.dtype()) {
                    case FLOAT32 -> out.putFloat(i, (float) t.doubles[i]);
                    case INT64 -> out.putLong(i, t.longs[i]);
                    case INT32 -> out.putInt(i, (int) t.longs[i]);
                    case UINT8, BOOL -> out.buffer().put(i, (byte) t.longs[i]);
                    case FLOAT16 -> throw OipTypes.badResponse(where + " sent FP16 output '" + out.name()
                            + "' as JSON; the REST binding cannot carry FP16");
                }
            }
        }
    }

    /** One tensor object of an answer: name, datatype, shape and its data as primitives. */
    private static final class Parsed {
        String name = "";
        String datatype = "";
        long[] shape = new long[0];
        double[] doubles = new double[16];
        long[] longs = new long[16];
        int count;

        void add(double d, long l) {
            if (count == doubles.length) {
                doubles = Arrays.copyOf(doubles, count * 2);
                longs = Arrays.copyOf(longs, count * 2);
            }
            doubles[count] = d;
            longs[count++] = l;
        }
    }

    private static Parsed tensor(JsonParser p, String where) throws IOException {
        Parsed t = new Parsed();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken v = p.nextToken();
            switch (field) {
                case "name" -> t.name = p.getText();
                case "datatype" -> t.datatype = p.getText();
                case "shape" -> {
                    expect(v, JsonToken.START_ARRAY, where);
                    long[] shape = new long[8];
                    int rank = 0;
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        if (rank == shape.length) {
                            shape = Arrays.copyOf(shape, rank * 2);
                        }
                        shape[rank++] = p.getLongValue();
                    }
                    t.shape = Arrays.copyOf(shape, rank);
                }
                case "data" -> data(p, t, where);
                default -> p.skipChildren();
            }
        }
        return t;
    }

    /** Reads a flat or nested data array in row-major order. */
    private static void data(JsonParser p, Parsed t, String where) throws IOException {
        expect(p.currentToken(), JsonToken.START_ARRAY, where);
        int depth = 1;
        while (depth > 0) {
            JsonToken tok = p.nextToken();
            switch (tok) {
                case START_ARRAY -> depth++;
                case END_ARRAY -> depth--;
                case VALUE_NUMBER_INT -> {
                    long l = p.getLongValue();
                    t.add(l, l);
                }
                case VALUE_NUMBER_FLOAT -> {
                    double d = p.getDoubleValue();
                    t.add(d, (long) d);
                }
                case VALUE_TRUE -> t.add(1, 1);
                case VALUE_FALSE -> t.add(0, 0);
                default -> throw OipTypes.badResponse(where + " sent " + tok + " inside the data of '" + t.name
                        + "'; expected numbers or booleans");
            }
        }
    }

    private static void expect(JsonToken got, JsonToken wanted, String where) {
        if (got != wanted) {
            throw OipTypes.badResponse(where + " sent malformed JSON: expected " + wanted + ", found " + got);
        }
    }

    /** {@return the {@code error} string of an error body, or the body itself when it has none} */
    static String error(String body) {
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    p.nextToken();
                    if (field.equals("error") || field.equals("detail")) {
                        return p.currentToken().isScalarValue() ? p.getText() : body;
                    }
                    p.skipChildren();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not JSON: the body is the message
        }
        return body.length() > 300 ? body.substring(0, 300) + "..." : body;
    }
}
