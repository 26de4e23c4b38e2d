package io.github.streaminfer.transport.internal.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the JSON parser's exceptions into this project's own error messages. The parser's text names its classes,
 * its limits' getters and the Java type it was binding to; none of that reaches a client. What a client gets: where
 * (line, column), what rule the message broke, and, escaped and cut short, the character or word at fault.
 *
 * <p><b>Note:</b> stateless and thread-safe.
 */
final class JsonErrors {
    private static final Pattern CHAR_CODE = Pattern.compile("code (\\d{1,7})\\)");
    private static final Pattern TOKEN = Pattern.compile("^Unrecognized token '([^']{0,64})");

    private JsonErrors() {
    }

    /** {@return the client's error for a message that broke one of the parser's limits} */
    static ProtocolException limit(StreamConstraintsException e, StreamReadConstraints c) {
        String m = String.valueOf(e.getOriginalMessage());
        if (m.startsWith("Token count")) {
            return new ProtocolException("too_complex", "message has more than " + c.getMaxTokenCount()
                    + " JSON tokens (names, values and brackets); allowed: at most " + c.getMaxTokenCount()
                    + " (MessageLimits.maxJsonTokens)");
        }
        if (m.contains("nesting depth")) {
            return new ProtocolException("too_complex", "message nests objects and arrays deeper than "
                    + c.getMaxNestingDepth() + " levels; allowed: at most " + c.getMaxNestingDepth());
        }
        if (m.startsWith("Number value length")) {
            return new ProtocolException("invalid_json", "a number" + where(e) + " is longer than "
                    + c.getMaxNumberLength() + " characters; allowed: at most " + c.getMaxNumberLength());
        }
        if (m.startsWith("Name length")) {
            return new ProtocolException("invalid_json", "a field name" + where(e) + " is longer than "
                    + c.getMaxNameLength() + " characters; allowed: at most " + c.getMaxNameLength());
        }
        if (m.startsWith("String value length")) {
            return new ProtocolException("too_large", "a string" + where(e) + " is longer than "
                    + c.getMaxStringLength() + " characters; allowed: at most " + c.getMaxStringLength());
        }
        return new ProtocolException("too_complex", "message breaks a JSON size limit" + where(e));
    }

    /** {@return the client's error for a message that is not valid JSON} */
    static ProtocolException syntax(JsonProcessingException e) {
        String m = String.valueOf(e.getOriginalMessage());
        if (e instanceof JsonEOFException) {
            return new ProtocolException("invalid_json", "invalid JSON" + where(e)
                    + ": the message ends inside a value");
        }
        if (e instanceof MismatchedInputException) {
            return new ProtocolException("invalid_json", "invalid JSON" + where(e)
                    + (m.startsWith("Trailing token") ? ": content after the end of the JSON value"
                    : ": not a single JSON value"));
        }
        Matcher token = TOKEN.matcher(m);
        if (token.find()) {
            return new ProtocolException("invalid_json", "invalid JSON" + where(e) + ": unrecognized word '"
                    + ClientText.safe(token.group(1), 32) + "'");
        }
        Matcher code = CHAR_CODE.matcher(m);
        if (code.find()) {
            int c = Integer.parseInt(code.group(1));
            String shown = c < 0x10000 ? ClientText.safe(String.valueOf((char) c)) : "U+" + Integer.toHexString(c);
            return new ProtocolException("invalid_json", "invalid JSON" + where(e) + ": unexpected character '"
                    + shown + "' (code " + c + ")");
        }
        if (m.contains("UTF-8") || m.contains("UTF8")) {
            return new ProtocolException("invalid_json", "invalid JSON" + where(e) + ": bytes that are not UTF-8");
        }
        return new ProtocolException("invalid_json", "invalid JSON" + where(e));
    }

    private static String where(JsonProcessingException e) {
        JsonLocation loc = e.getLocation();
        if (loc == null || loc.getLineNr() < 1) {
            return "";
        }
        return " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }
}
