package dev.jrnn.io;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A JSON object with typed, checked accessors: the {@code config.json} of a saved model ({@link ModelFile}), or
 * one of its sections. Reading is strict (the parser of the safetensors headers: RFC 8259, no duplicate keys),
 * and every accessor names the file and the field when something is wrong:
 * <pre>
 * runs/lm/model/config.json: field 'model.hidden_size' is missing
 * runs/lm/model/config.json: field 'model.hidden_size' must be an integer, found string "256"
 * </pre>
 *
 * <p>Values are strings, integers ({@code long}), numbers ({@code double}), booleans, nested objects (a
 * {@code ModelConfig} whose messages carry the path, {@code model.hidden_size}), arrays of those, and
 * {@code null}. An integer literal reads as a {@code double} too, but a number with a fraction or exponent is
 * never an integer ({@code 2.0} is refused where an integer is expected). JSON has no NaN or infinity:
 * {@link Builder#put(String, double)} writes a non-finite value as {@code null}, and {@link #getDouble} reads
 * {@code null} back as NaN.
 *
 * <p>Writing ({@link #toJson()}) is deterministic: keys in insertion order, two-space indentation, arrays of
 * scalars on one line, strings escaped as the safetensors header is, numbers as {@link Double#toString} /
 * {@link Long#toString} print them. {@code parse(c.toJson())} equals {@code c}.
 */
public final class ModelConfig {
    private final String source;
    private final String path;                       // "" at the top, "model." inside the "model" object
    private final Map<String, Object> fields;        // String, Long, Double, Boolean, ModelConfig, List<Object>, NULL

    /** The JSON {@code null}, as {@link #get} returns it (maps here never hold Java null). */
    public static final Object NULL = Json.NULL;

    private ModelConfig(String source, String path, Map<String, Object> fields) {
        this.source = source;
        this.path = path;
        this.fields = fields;
    }

    /** A builder of a new object. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Parses a JSON object.
     *
     * @param json   the text
     * @param source the file name for messages ({@code runs/lm/model/config.json})
     * @throws ModelFileException naming the source, the problem, the line and the column, when the text is not a
     *                            JSON object
     */
    public static ModelConfig parse(String json, String source) throws ModelFileException {
        Objects.requireNonNull(json, "json");
        Object v;
        try {
            v = Json.parse(json);
        } catch (Json.JsonException e) {
            int line = 1, column = 1;
            for (int i = 0; i < Math.min(e.position(), json.length()); i++) {
                if (json.charAt(i) == '\n') {
                    line++;
                    column = 1;
                } else {
                    column++;
                }
            }
            String what = e.getMessage().replaceFirst(" at character \\d+$", "");
            throw new ModelFileException(source + ": not valid JSON at line " + line + ", column " + column + ": " + what, e);
        }
        if (!(v instanceof Map)) {
            throw new ModelFileException(source + ": must be a JSON object ({...}), found " + Json.describe(v));
        }
        return fromParsed(source, "", (Map<?, ?>) v);
    }

    private static ModelConfig fromParsed(String source, String path, Map<?, ?> parsed) {
        Map<String, Object> out = new LinkedHashMap<>();
        parsed.forEach((k, v) -> out.put((String) k, convert(source, path + k + ".", v)));
        return new ModelConfig(source, path, Collections.unmodifiableMap(out));
    }

    private static Object convert(String source, String path, Object v) {
        if (v instanceof BigInteger) {
            BigInteger b = (BigInteger) v;
            return b.bitLength() < 64 ? (Object) b.longValue() : b;        // a huge integer stays a BigInteger: getLong refuses it
        }
        if (v instanceof BigDecimal) return ((BigDecimal) v).doubleValue();
        if (v instanceof Map) return fromParsed(source, path, (Map<?, ?>) v);
        if (v instanceof List) {
            List<Object> items = new ArrayList<>();
            for (Object item : (List<?>) v) items.add(convert(source, path, item));
            return Collections.unmodifiableList(items);
        }
        return v;                                                           // String, Boolean, NULL
    }

    /** The file name used in messages. */
    public String source() { return source; }

    /** The keys, in document order. */
    public Set<String> keys() { return fields.keySet(); }

    /** Whether the key is present (with any value, {@code null} included). */
    public boolean has(String key) { return fields.containsKey(key); }

    /** The raw value (String, Long, Double, Boolean, ModelConfig, List, {@link #NULL}), or Java null when absent. */
    public Object get(String key) { return fields.get(key); }

    /** The full name of a field for messages: {@code model.hidden_size}. */
    public String fieldName(String key) { return path + key; }

    /**
     * An error about a field of this object: {@code SOURCE: field 'PATH.KEY' PROBLEM}.
     *
     * @param key     the field
     * @param problem what is wrong, e.g. {@code "is \"FOO\", expected one of LSTM, GRU"}
     */
    public ModelFileException fieldError(String key, String problem) {
        return new ModelFileException(source + ": field '" + fieldName(key) + "' " + problem);
    }

    private Object require(String key) throws ModelFileException {
        Object v = fields.get(key);
        if (v == null) throw fieldError(key, "is missing");
        return v;
    }

    private ModelFileException typeError(String key, String expected, Object found) {
        return fieldError(key, "must be " + expected + ", found " + describe(found));
    }

    /** A string field. */
    public String getString(String key) throws ModelFileException {
        Object v = require(key);
        if (!(v instanceof String)) throw typeError(key, "a string", v);
        return (String) v;
    }

    /** A string field, or {@code fallback} when it is absent. */
    public String getString(String key, String fallback) throws ModelFileException {
        return has(key) ? getString(key) : fallback;
    }

    /** An integer field that fits a Java {@code long}. */
    public long getLong(String key) throws ModelFileException {
        Object v = require(key);
        if (v instanceof BigInteger) throw fieldError(key, "is " + v + ", too large (at most " + Long.MAX_VALUE + ")");
        if (!(v instanceof Long)) throw typeError(key, "an integer", v);
        return (Long) v;
    }

    /** An integer field that fits a Java {@code int}. */
    public int getInt(String key) throws ModelFileException {
        long v = getLong(key);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw fieldError(key, "is " + v + ", outside the range of a 32-bit integer");
        }
        return (int) v;
    }

    /**
     * An integer field within {@code [min, max]}: a size read from a file, checked before anything is allocated with
     * it ({@link Limits}). The message names the file, the field, the value and the limit:
     * {@code config.json: field 'model.hidden_size' is 2147483647, above the limit of 16777216}.
     */
    public int getInt(String key, int min, int max) throws ModelFileException {
        long v = getLong(key);
        if (v > max) throw fieldError(key, "is " + v + ", above the limit of " + max);
        if (v < min) throw fieldError(key, "is " + v + ", must be at least " + min);
        return (int) v;
    }

    /** A size of a model (vocabulary, embedding, hidden units, classes, inputs): 1 to {@link Limits#MAX_SIZE}. */
    public int getSize(String key) throws ModelFileException {
        return getInt(key, 1, Limits.MAX_SIZE);
    }

    /** A number of stacked layers: 1 to {@link Limits#MAX_LAYERS}. */
    public int getLayers(String key) throws ModelFileException {
        return getInt(key, 1, Limits.MAX_LAYERS);
    }

    /** An integer field, or {@code fallback} when it is absent. */
    public long getLong(String key, long fallback) throws ModelFileException {
        return has(key) ? getLong(key) : fallback;
    }

    /** A number field (an integer literal is fine); {@code null} reads as NaN. */
    public double getDouble(String key) throws ModelFileException {
        Object v = require(key);
        if (v == NULL) return Double.NaN;
        if (v instanceof Long) return (Long) v;
        if (v instanceof BigInteger) return ((BigInteger) v).doubleValue();
        if (!(v instanceof Double)) throw typeError(key, "a number", v);
        return (Double) v;
    }

    /** A number field, or {@code fallback} when it is absent. */
    public double getDouble(String key, double fallback) throws ModelFileException {
        return has(key) ? getDouble(key) : fallback;
    }

    /** A boolean field. */
    public boolean getBoolean(String key) throws ModelFileException {
        Object v = require(key);
        if (!(v instanceof Boolean)) throw typeError(key, "true or false", v);
        return (Boolean) v;
    }

    /** A boolean field, or {@code fallback} when it is absent. */
    public boolean getBoolean(String key, boolean fallback) throws ModelFileException {
        return has(key) ? getBoolean(key) : fallback;
    }

    /** A nested object. */
    public ModelConfig getObject(String key) throws ModelFileException {
        Object v = require(key);
        if (!(v instanceof ModelConfig)) throw typeError(key, "an object", v);
        return (ModelConfig) v;
    }

    /** An enum constant named by a string field (exact name), naming the allowed values otherwise. */
    public <E extends Enum<E>> E getEnum(String key, Class<E> type) throws ModelFileException {
        String s = getString(key);
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(s)) return e;
        }
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) names.add(e.name());
        throw fieldError(key, "is " + Json.quote(s) + ", expected one of " + String.join(", ", names));
    }

    /** The fields as a map (values as {@link #get} returns them; unmodifiable, document order). */
    public Map<String, Object> asMap() { return fields; }

    /** The same object with messages naming another file (e.g. a config embedded in a checkpoint). */
    public ModelConfig withSource(String newSource) {
        return fromParsed(newSource, path, rawTree());
    }

    private Map<String, Object> rawTree() {
        Map<String, Object> out = new LinkedHashMap<>();
        fields.forEach((k, v) -> out.put(k, unconvert(v)));
        return out;
    }

    private static Object unconvert(Object v) {
        if (v instanceof ModelConfig) return ((ModelConfig) v).rawTree();
        if (v instanceof Long) return BigInteger.valueOf((Long) v);
        if (v instanceof Double) {                                  // as write() does: a number beyond double's range
            double d = (Double) v;                                  // (1e51940 reads as Infinity) becomes null
            return Double.isFinite(d) ? new BigDecimal(Double.toString(d)) : NULL;
        }
        if (v instanceof List) {
            List<Object> out = new ArrayList<>();
            for (Object o : (List<?>) v) out.add(unconvert(o));
            return out;
        }
        return v;
    }

    /** Pretty JSON (two-space indentation, a final newline not included). */
    public String toJson() {
        StringBuilder sb = new StringBuilder();
        write(sb, this, 0);
        return sb.toString();
    }

    /** One-line JSON. */
    public String toCompactJson() {
        StringBuilder sb = new StringBuilder();
        write(sb, this, -1);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v, int indent) {
        if (v instanceof ModelConfig) {
            Map<String, Object> f = ((ModelConfig) v).fields;
            if (f.isEmpty()) {
                sb.append("{}");
                return;
            }
            sb.append('{');
            boolean first = true;
            for (Map.Entry<String, Object> e : f.entrySet()) {
                if (!first) sb.append(',');
                first = false;
                newline(sb, indent < 0 ? -1 : indent + 1);
                sb.append(Json.quote(e.getKey())).append(indent < 0 ? ":" : ": ");
                write(sb, e.getValue(), indent < 0 ? -1 : indent + 1);
            }
            newline(sb, indent);
            sb.append('}');
        } else if (v instanceof List) {
            sb.append('[');
            boolean first = true;
            boolean scalars = ((List<?>) v).stream().noneMatch(o -> o instanceof ModelConfig || o instanceof List);
            for (Object o : (List<?>) v) {
                if (!first) sb.append(scalars || indent < 0 ? (indent < 0 ? "," : ", ") : ",");
                first = false;
                if (!scalars) newline(sb, indent < 0 ? -1 : indent + 1);
                write(sb, o, indent < 0 ? -1 : indent + 1);
            }
            if (!scalars && !((List<?>) v).isEmpty()) newline(sb, indent);
            sb.append(']');
        } else if (v instanceof String) {
            sb.append(Json.quote((String) v));
        } else if (v instanceof Double) {
            double d = (Double) v;
            sb.append(Double.isFinite(d) ? Double.toString(d) : "null");
        } else {
            sb.append(v);                                                  // Long, BigInteger, Boolean, NULL
        }
    }

    private static void newline(StringBuilder sb, int indent) {
        if (indent >= 0) sb.append('\n').append("  ".repeat(indent));
    }

    /** "string \"x\"", "integer 3", "number 2.5", "true", "null", "an object", "an array". */
    static String describe(Object v) {
        if (v instanceof String) {
            String s = (String) v;
            return "string " + Json.quote(s.length() > 40 ? s.substring(0, 40) + "..." : s);
        }
        if (v instanceof Long || v instanceof BigInteger) return "integer " + v;
        if (v instanceof Double) return "number " + v;
        if (v instanceof Boolean) return v.toString();
        if (v == NULL) return "null";
        if (v instanceof ModelConfig) return "an object";
        if (v instanceof List) return "an array";
        return String.valueOf(v);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelConfig && ((ModelConfig) o).fields.equals(fields);
    }

    @Override
    public int hashCode() {
        return fields.hashCode();
    }

    @Override
    public String toString() {
        return toCompactJson();
    }

    /** Builds a {@link ModelConfig}; keys keep the order they are put in, a repeated key replaces the value. */
    public static final class Builder {
        private final Map<String, Object> fields = new LinkedHashMap<>();

        private Builder() {}

        private Builder putValue(String key, Object value) {
            Objects.requireNonNull(key, "key");
            fields.put(key, value);
            return this;
        }

        /** A string (null writes JSON {@code null}). */
        public Builder put(String key, String value) { return putValue(key, value == null ? NULL : value); }

        /** An integer. */
        public Builder put(String key, long value) { return putValue(key, value); }

        /** A number; NaN and infinities are written as {@code null} (JSON has neither). */
        public Builder put(String key, double value) { return putValue(key, Double.isFinite(value) ? (Object) value : NULL); }

        /** A boolean. */
        public Builder put(String key, boolean value) { return putValue(key, value); }

        /** A nested object. */
        public Builder put(String key, ModelConfig value) { return putValue(key, Objects.requireNonNull(value, "value")); }

        /** An array of strings. */
        public Builder putStrings(String key, List<String> values) {
            return putValue(key, Collections.unmodifiableList(new ArrayList<Object>(values)));
        }

        /** An array of objects. */
        public Builder putObjects(String key, List<ModelConfig> values) {
            for (ModelConfig v : values) Objects.requireNonNull(v, "values holds null");
            return putValue(key, Collections.unmodifiableList(new ArrayList<Object>(values)));
        }

        /** An array of integers. */
        public Builder putLongs(String key, long... values) {
            List<Object> items = new ArrayList<>();
            for (long v : values) items.add(v);
            return putValue(key, Collections.unmodifiableList(items));
        }

        /** Every field of {@code other}, in its order (replacing fields of the same name). */
        public Builder putAll(ModelConfig other) {
            fields.putAll(other.fields);
            return this;
        }

        /** Removes a field. */
        public Builder remove(String key) {
            fields.remove(key);
            return this;
        }

        /** The object; nested objects keep the paths they were built with only for messages after a parse. */
        public ModelConfig build() {
            return new ModelConfig("(in memory)", "", Collections.unmodifiableMap(new LinkedHashMap<>(fields)));
        }
    }
}
