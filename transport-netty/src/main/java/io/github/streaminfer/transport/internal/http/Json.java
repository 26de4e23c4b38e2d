package io.github.streaminfer.transport.internal.http;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.session.InferenceResult;
import io.github.streaminfer.transport.MessageLimits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufOutputStream;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Set;

/**
 * JSON reading with limits and client-safe error messages, and writing into Netty buffers.
 *
 * <p><b>Note:</b> thread-safe.
 */
public final class Json {
    /** Non-numeric numbers (NaN, Infinity, as Python's json module writes them) are parsed so that the validator can
     * name the field; every number field is then checked for finiteness. */
    public static final JsonFactory FACTORY = factory(MessageLimits.DEFAULT.maxJsonTokens());
    /** The shared mapper: reads within {@link MessageLimits#DEFAULT}'s token limit. */
    public static final ObjectMapper MAPPER = mapper(FACTORY);
    /** Deepest nesting of objects and arrays accepted. */
    static final int MAX_NESTING = 32;
    /** Longest number accepted, in characters. */
    static final int MAX_NUMBER_LENGTH = 100;
    /** Longest field name accepted, in characters. */
    static final int MAX_NAME_LENGTH = 1024;

    private static JsonFactory factory(int maxTokens) {
        return JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING)
                        .maxNumberLength(MAX_NUMBER_LENGTH).maxNameLength(MAX_NAME_LENGTH).maxTokenCount(maxTokens)
                        .build())
                .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .build();
    }

    private static ObjectMapper mapper(JsonFactory factory) {
        return JsonMapper.builder(factory).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    }

    /**
     * {@return a mapper like {@link #MAPPER} that refuses a message of more than {@code maxTokens} JSON tokens}
     * as soon as its parser reaches the limit.
     *
     * @param maxTokens most tokens of one message
     */
    public static ObjectMapper mapper(int maxTokens) {
        return maxTokens == MessageLimits.DEFAULT.maxJsonTokens() ? MAPPER : mapper(factory(maxTokens));
    }

    private Json() {
    }

    /** @return a new object node */
    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    /**
     * Parses a JSON object with {@link #MAPPER}'s limits.
     *
     * @param buf UTF-8 JSON (not released)
     * @return the parsed object
     * @throws ProtocolException if it is not JSON or not an object
     */
    public static ObjectNode parseObject(ByteBuf buf) throws ProtocolException {
        return parseObject(buf, MAPPER);
    }

    /**
     * Parses a JSON object. Error messages are this project's own words, never the parser's: a client learns the
     * line and column, and which rule the message broke, not which library read it.
     *
     * @param buf    UTF-8 JSON (not released)
     * @param mapper a mapper from {@link #mapper(int)}
     * @return the parsed object
     * @throws ProtocolException if it is not JSON, breaks a limit or is not an object
     */
    public static ObjectNode parseObject(ByteBuf buf, ObjectMapper mapper) throws ProtocolException {
        JsonNode n;
        try (ByteBufInputStream in = new ByteBufInputStream(buf.duplicate())) {
            n = mapper.readTree((java.io.InputStream) in);
        } catch (StreamConstraintsException e) {
            throw JsonErrors.limit(e, mapper.getFactory().streamReadConstraints());
        } catch (JsonProcessingException e) {
            throw JsonErrors.syntax(e);
        } catch (IOException e) {
            throw new ProtocolException("invalid_json", "invalid JSON: the message could not be read");
        }
        if (n == null || n.isMissingNode()) {
            throw new ProtocolException("invalid_json", "empty message; expected a JSON object");
        }
        if (!n.isObject()) {
            throw new ProtocolException("invalid_message", "message must be a JSON object, got " + kind(n));
        }
        return (ObjectNode) n;
    }

    /**
     * {@return text that may hold client input, made safe for a message or a log line}: cut at {@code max}
     * characters with a note of the original length, and every control character (line and paragraph separators
     * included) escaped as in {@link ClientText#safe(String, int)}; empty for null. Unlike {@code ClientText.safe},
     * a backslash stays as it is, so a message that already quotes client text escaped is not escaped twice.
     *
     * @param s   text
     * @param max characters of the original to keep
     */
    public static String truncate(String s, int max) {
        if (s == null) {
            return "";
        }
        int n = Math.min(s.length(), max);
        if (n > 0 && n < s.length() && Character.isHighSurrogate(s.charAt(n - 1))) {
            n--; // never cut a pair in two
        }
        StringBuilder b = new StringBuilder(n + 24);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || (c >= 0x7F && c < 0xA0) || c == '\u2028' || c == '\u2029') {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        if (s.length() > max) {
            b.append("...(").append(s.length()).append(" chars)");
        }
        return b.toString();
    }

    /**
     * @param n a node
     * @return its JSON kind for messages
     */
    public static String kind(JsonNode n) {
        if (n == null || n.isMissingNode()) {
            return "nothing";
        }
        switch (n.getNodeType()) {
            case ARRAY: return "an array";
            case BOOLEAN: return "a boolean";
            case NULL: return "null";
            case NUMBER: return "a number";
            case OBJECT: return "an object";
            case STRING: return "a string";
            default: return n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * @param o       object
     * @param field   field name
     * @param allowed allowed field names
     * @throws ProtocolException naming the first unknown field
     */
    public static void onlyFields(ObjectNode o, String field, Set<String> allowed) throws ProtocolException {
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw new ProtocolException("unknown_field", "unknown field '" + truncate(f, 40) + "' in " + field
                        + "; allowed: " + String.join(", ", new java.util.TreeSet<>(allowed)));
            }
        }
    }

    /**
     * @param o     object
     * @param field field
     * @param def   value when absent or null
     * @param max   longest allowed
     * @return the text
     * @throws ProtocolException if present but not a string, or too long
     */
    public static String text(ObjectNode o, String field, String def, int max) throws ProtocolException {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            return def;
        }
        if (!n.isTextual()) {
            throw new ProtocolException("invalid_field", "field '" + field + "' must be a string, got " + kind(n));
        }
        String s = n.textValue();
        if (s.length() > max) {
            throw new ProtocolException("invalid_field", "field '" + field + "' has " + s.length()
                    + " characters; allowed: at most " + max);
        }
        return s;
    }

    /**
     * @param o     object
     * @param field field
     * @return the text
     * @throws ProtocolException if absent, null or not a string
     */
    public static String requiredText(ObjectNode o, String field) throws ProtocolException {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            throw new ProtocolException("missing_field", "missing required field '" + field + "'");
        }
        if (!n.isTextual()) {
            throw new ProtocolException("invalid_field", "field '" + field + "' must be a string, got " + kind(n));
        }
        return n.textValue();
    }

    /**
     * @param o     object
     * @param field field
     * @param def   value when absent or null
     * @param min   smallest allowed (inclusive)
     * @param max   largest allowed (inclusive)
     * @return the number
     * @throws ProtocolException if present but not a finite number in range
     */
    public static double number(ObjectNode o, String field, double def, double min, double max)
            throws ProtocolException {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            return def;
        }
        if (!n.isNumber()) {
            throw new ProtocolException("invalid_field", "field '" + field + "' must be a number, got " + kind(n));
        }
        double v = n.doubleValue();
        if (!Double.isFinite(v) || v < min || v > max) {
            throw new ProtocolException("invalid_field", "field '" + field + "' is " + n.asText() + "; allowed: "
                    + fmt(min) + " to " + fmt(max));
        }
        return v;
    }

    /**
     * @param o     object
     * @param field field
     * @param def   value when absent or null
     * @return the boolean
     * @throws ProtocolException if present but not a boolean
     */
    public static boolean bool(ObjectNode o, String field, boolean def) throws ProtocolException {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            return def;
        }
        if (!n.isBoolean()) {
            throw new ProtocolException("invalid_field", "field '" + field + "' must be true or false, got " + kind(n));
        }
        return n.booleanValue();
    }

    /**
     * @param o      object
     * @param field  field
     * @param path   field path for messages
     * @param maxLen longest allowed
     * @return the values, or an empty array when absent or null
     * @throws ProtocolException if not an array of finite numbers, or too long
     */
    public static float[] floats(ObjectNode o, String field, String path, int maxLen) throws ProtocolException {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            return new float[0];
        }
        if (!n.isArray()) {
            throw new ProtocolException("invalid_field", "field '" + path + "' must be an array of numbers, got "
                    + kind(n));
        }
        if (n.size() > maxLen) {
            throw new ProtocolException("invalid_field", "field '" + path + "' has " + n.size()
                    + " values; allowed: at most " + maxLen);
        }
        float[] out = new float[n.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode e = n.get(i);
            if (!e.isNumber()) {
                throw new ProtocolException("invalid_field", "field '" + path + "[" + i + "]' must be a number, got "
                        + kind(e));
            }
            double d = e.doubleValue();
            float f = (float) d;
            if (!Double.isFinite(d) || !Float.isFinite(f)) {
                throw new ProtocolException("non_finite", "field '" + path + "[" + i + "]' is " + e.asText()
                        + "; only finite numbers are accepted");
            }
            out[i] = f;
        }
        return out;
    }

    /**
     * {@return {@code v} rounded to three decimals, as the stats replies give their figures}
     *
     * @param v the figure
     */
    public static double round3(double v) {
        return Math.round(v * 1000.0) / 1000.0;
    }

    /**
     * {@return the text a client reads for a failed result: {@code invalid frame: ...} for invalid input,
     * {@code inference failed: ...} otherwise, with the cause's message cut at 300 characters}
     *
     * @param r the failed result
     */
    public static String failureMessage(InferenceResult<?> r) {
        Throwable t = r.error();
        String m = t == null ? null : t.getMessage();
        if (r.failure() == InferenceResult.Failure.INVALID_INPUT) {
            return "invalid frame: " + truncate(m, 300);
        }
        return "inference failed: " + truncate(m, 300);
    }

    public static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    /**
     * @param alloc allocator
     * @param node  a tree
     * @return its UTF-8 encoding in a new buffer
     */
    public static ByteBuf encode(ByteBufAllocator alloc, JsonNode node) {
        ByteBuf buf = alloc.buffer(256);
        try (ByteBufOutputStream out = new ByteBufOutputStream(buf)) {
            MAPPER.writeValue((java.io.OutputStream) out, node);
        } catch (IOException e) {
            buf.release();
            throw new UncheckedIOException(e);
        }
        return buf;
    }

    /**
     * @param buf destination
     * @return a generator writing UTF-8 into {@code buf}; close it to flush
     */
    public static JsonGenerator generator(ByteBuf buf) {
        try {
            return FACTORY.createGenerator((java.io.OutputStream) new ByteBufOutputStream(buf), JsonEncoding.UTF8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return Unix time in seconds with millisecond precision, written without an exponent */
    public static java.math.BigDecimal unixSeconds() {
        return java.math.BigDecimal.valueOf(System.currentTimeMillis(), 3);
    }

    /**
     * @param nanos a duration
     * @return it in milliseconds, rounded to microseconds
     */
    public static double millis(long nanos) {
        return Math.round(nanos / 1000.0) / 1000.0;
    }
}
