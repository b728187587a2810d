package dev.jrnn.io;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small, strict JSON (RFC 8259) reader and string quoter, just enough for safetensors headers and small
 * index files. No external dependency.
 *
 * <p>Values map to: object → {@code LinkedHashMap<String, Object>} (document order), array →
 * {@code ArrayList<Object>}, string → {@code String}, integer literal (no fraction, no exponent) →
 * {@link BigInteger}, other number → {@link BigDecimal}, {@code true}/{@code false} → {@code Boolean},
 * {@code null} → {@link #NULL}.
 *
 * <p>Strictness: duplicate keys in one object, lone surrogates in &#92;u escapes, unescaped control
 * characters, leading zeros, trailing commas and anything but whitespace after the value are errors.
 * Nesting is limited to {@value #MAX_DEPTH} levels so that hostile input cannot overflow the stack.
 */
public final class Json {
    /** The JSON {@code null} value (a sentinel, so that maps never hold Java {@code null}). */
    public static final Object NULL = new Object() {
        @Override
        public String toString() { return "null"; }
    };

    /** Deepest allowed nesting of arrays and objects. */
    static final int MAX_DEPTH = 64;

    /** A syntax error, with the character index where it was found. */
    public static final class JsonException extends Exception {
        private static final long serialVersionUID = 1L;
        private final int position;
        private final String duplicateKey;

        JsonException(String message, int position, String duplicateKey) {
            super(message + " at character " + position);
            this.position = position;
            this.duplicateKey = duplicateKey;
        }

        /** Character index (0-based) in the parsed text. */
        int position() { return position; }

        /** The repeated key when this error is a duplicate key, else {@code null}. */
        String duplicateKey() { return duplicateKey; }
    }

    private final String s;
    private int pos;

    private Json(String s) {
        this.s = s;
    }

    /** Parses one JSON value, surrounded by optional whitespace. */
    public static Object parse(String text) throws JsonException {
        Json p = new Json(text);
        p.skipWs();
        Object v = p.value(0);
        p.skipWs();
        if (p.pos != text.length()) {
            throw p.error("unexpected " + p.describeHere() + " after the end of the JSON value");
        }
        return v;
    }

    // ------------------------------------------------------------------ reading

    private Object value(int depth) throws JsonException {
        if (pos >= s.length()) {
            throw error("unexpected end of text, expected a value");
        }
        char c = s.charAt(pos);
        switch (c) {
            case '{': return object(depth + 1);
            case '[': return array(depth + 1);
            case '"': return string();
            case 't': return literal("true", Boolean.TRUE);
            case 'f': return literal("false", Boolean.FALSE);
            case 'n': return literal("null", NULL);
            default:
                if (c == '-' || (c >= '0' && c <= '9')) {
                    return number();
                }
                throw error("unexpected " + describeHere() + ", expected a value");
        }
    }

    private Map<String, Object> object(int depth) throws JsonException {
        checkDepth(depth);
        pos++; // '{'
        Map<String, Object> out = new LinkedHashMap<>();
        skipWs();
        if (peek() == '}') {
            pos++;
            return out;
        }
        while (true) {
            skipWs();
            if (peek() != '"') {
                throw error("unexpected " + describeHere() + ", expected a string key");
            }
            int keyPos = pos;
            String key = string();
            if (out.containsKey(key)) {
                throw new JsonException("duplicate key '" + key + "'", keyPos, key);
            }
            skipWs();
            expect(':');
            skipWs();
            out.put(key, value(depth));
            skipWs();
            char c = peek();
            if (c == ',') {
                pos++;
            } else if (c == '}') {
                pos++;
                return out;
            } else {
                throw error("unexpected " + describeHere() + ", expected ',' or '}'");
            }
        }
    }

    private List<Object> array(int depth) throws JsonException {
        checkDepth(depth);
        pos++; // '['
        List<Object> out = new ArrayList<>();
        skipWs();
        if (peek() == ']') {
            pos++;
            return out;
        }
        while (true) {
            skipWs();
            out.add(value(depth));
            skipWs();
            char c = peek();
            if (c == ',') {
                pos++;
            } else if (c == ']') {
                pos++;
                return out;
            } else {
                throw error("unexpected " + describeHere() + ", expected ',' or ']'");
            }
        }
    }

    private String string() throws JsonException {
        pos++; // opening quote
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= s.length()) {
                throw error("unterminated string");
            }
            char c = s.charAt(pos);
            if (c == '"') {
                pos++;
                return sb.toString();
            }
            if (c < 0x20) {
                throw error("unescaped control character U+" + String.format("%04X", (int) c) + " in a string");
            }
            if (c == '\\') {
                pos++;
                if (pos >= s.length()) {
                    throw error("unterminated escape sequence");
                }
                char e = s.charAt(pos);
                switch (e) {
                    case '"': sb.append('"'); pos++; break;
                    case '\\': sb.append('\\'); pos++; break;
                    case '/': sb.append('/'); pos++; break;
                    case 'b': sb.append('\b'); pos++; break;
                    case 'f': sb.append('\f'); pos++; break;
                    case 'n': sb.append('\n'); pos++; break;
                    case 'r': sb.append('\r'); pos++; break;
                    case 't': sb.append('\t'); pos++; break;
                    case 'u': {
                        int escPos = pos - 1;
                        pos++;
                        char u = hex4();
                        if (Character.isHighSurrogate(u)) {
                            if (pos + 1 < s.length() && s.charAt(pos) == '\\' && s.charAt(pos + 1) == 'u') {
                                pos += 2;
                                char low = hex4();
                                if (!Character.isLowSurrogate(low)) {
                                    throw new JsonException("\\u escape of a high surrogate is not followed by a low surrogate",
                                            escPos, null);
                                }
                                sb.append(u).append(low);
                            } else {
                                throw new JsonException("lone high surrogate in a \\u escape", escPos, null);
                            }
                        } else if (Character.isLowSurrogate(u)) {
                            throw new JsonException("lone low surrogate in a \\u escape", escPos, null);
                        } else {
                            sb.append(u);
                        }
                        break;
                    }
                    default:
                        throw error("invalid escape sequence '\\" + e + "'");
                }
            } else {
                sb.append(c);
                pos++;
            }
        }
    }

    private char hex4() throws JsonException {
        if (pos + 4 > s.length()) {
            throw error("truncated \\u escape");
        }
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(s.charAt(pos + i), 16);
            if (d < 0 || s.charAt(pos + i) > 'f') {
                throw error("invalid hex digit '" + s.charAt(pos + i) + "' in a \\u escape");
            }
            v = v * 16 + d;
        }
        pos += 4;
        return (char) v;
    }

    private Object number() throws JsonException {
        int start = pos;
        boolean integer = true;
        if (peek() == '-') pos++;
        if (peek() == '0') {
            pos++;
            if (isDigit(peek())) {
                throw error("leading zeros are not allowed in numbers");
            }
        } else if (isDigit(peek())) {
            while (isDigit(peek())) pos++;
        } else {
            throw error("expected a digit");
        }
        if (peek() == '.') {
            integer = false;
            pos++;
            if (!isDigit(peek())) throw error("expected a digit after the decimal point");
            while (isDigit(peek())) pos++;
        }
        if (peek() == 'e' || peek() == 'E') {
            integer = false;
            pos++;
            if (peek() == '+' || peek() == '-') pos++;
            if (!isDigit(peek())) throw error("expected a digit in the exponent");
            while (isDigit(peek())) pos++;
        }
        String text = s.substring(start, pos);
        if (text.length() > 1000) {
            throw new JsonException("number literal is longer than 1000 characters", start, null);
        }
        if (integer) return new BigInteger(text);
        try {
            return new BigDecimal(text);
        } catch (NumberFormatException e) {                  // an exponent beyond BigDecimal's int scale
            throw new JsonException("number " + abbreviate(text) + " has an exponent out of range", start, null);
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 37) + "...";
    }

    private Object literal(String word, Object value) throws JsonException {
        if (!s.startsWith(word, pos)) {
            throw error("unexpected " + describeHere() + ", expected a value");
        }
        pos += word.length();
        return value;
    }

    // ------------------------------------------------------------------ helpers

    private void checkDepth(int depth) throws JsonException {
        if (depth > MAX_DEPTH) {
            throw error("nesting deeper than " + MAX_DEPTH + " levels");
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private char peek() {
        return pos < s.length() ? s.charAt(pos) : '\0';
    }

    private void expect(char c) throws JsonException {
        if (peek() != c || pos >= s.length()) {
            throw error("unexpected " + describeHere() + ", expected '" + c + "'");
        }
        pos++;
    }

    private void skipWs() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                pos++;
            } else {
                return;
            }
        }
    }

    private String describeHere() {
        if (pos >= s.length()) {
            return "end of text";
        }
        int cp = s.codePointAt(pos);
        if (cp < 0x20 || cp == 0x7f) {
            return "character U+" + String.format("%04X", cp);
        }
        return "character '" + new String(Character.toChars(cp)) + "'";
    }

    private JsonException error(String message) {
        return new JsonException(message, pos, null);
    }

    // ------------------------------------------------------------------ writing

    /**
     * Quotes a string as JSON, escaping exactly what serde_json (the Rust library behind Python's
     * safetensors) escapes: {@code "}, {@code \}, and control characters below U+0020 ({@code \b \t \n \f \r}
     * by name, the rest as &#92;u00XX). Everything else, non-ASCII included, is written as is.
     */
    static String quote(String str) {
        StringBuilder sb = new StringBuilder(str.length() + 2).append('"');
        for (int i = 0; i < str.length(); i++) {
            char c = str.charAt(i);
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\b': sb.append("\\b"); break;
                case '\t': sb.append("\\t"); break;
                case '\n': sb.append("\\n"); break;
                case '\f': sb.append("\\f"); break;
                case '\r': sb.append("\\r"); break;
                default:
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        return sb.append('"').toString();
    }

    /** A short description of a parsed value's JSON type, for error messages: "string "x"", "number 3", ... */
    static String describe(Object v) {
        if (v instanceof String) {
            String str = (String) v;
            return "string " + quote(str.length() > 40 ? str.substring(0, 40) + "..." : str);
        }
        if (v instanceof BigInteger || v instanceof BigDecimal) return "number " + v;
        if (v instanceof Boolean) return "boolean " + v;
        if (v == NULL) return "null";
        if (v instanceof Map) return "an object";
        if (v instanceof List) return "an array";
        return String.valueOf(v);
    }
}
