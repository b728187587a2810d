package dev.jrnn.io;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link ModelConfig}: the JSON of {@code config.json}, round trips and the messages of its typed accessors. */
class ModelFileConfigTest {
    private static final String SRC = "m/config.json";

    private static ModelConfig sample() {
        return ModelConfig.builder()
                .put("name", "naïve \"quoted\"\ttab\\ \u0001 ∑ 😀")
                .put("int", 42L).put("neg", Long.MIN_VALUE).put("max", Long.MAX_VALUE)
                .put("small", 1e-7).put("tenth", 0.1).put("whole", 5.0).put("nan", Double.NaN)
                .put("yes", true).put("none", (String) null)
                .put("nested", ModelConfig.builder().put("hidden_size", 256L)
                        .put("deeper", ModelConfig.builder().put("x", -1L).build()).build())
                .put("empty", ModelConfig.builder().build())
                .putStrings("list", List.of("a", "b")).putLongs("ints", 1, 2, 3)
                .build();
    }

    @Test
    void roundTripsThroughPrettyAndCompactJson() throws Exception {
        ModelConfig c = sample();
        assertEquals(c, ModelConfig.parse(c.toJson(), SRC));
        assertEquals(c, ModelConfig.parse(c.toCompactJson(), SRC));
        assertEquals(c.toJson(), ModelConfig.parse(c.toJson(), SRC).toJson(), "writing is deterministic");
        ModelConfig back = ModelConfig.parse(c.toJson(), SRC);
        assertEquals("naïve \"quoted\"\ttab\\ \u0001 ∑ 😀", back.getString("name"));
        assertEquals(Long.MIN_VALUE, back.getLong("neg"));
        assertEquals(Long.MAX_VALUE, back.getLong("max"));
        assertEquals(1e-7, back.getDouble("small"));
        assertEquals(0.1, back.getDouble("tenth"));
        assertTrue(Double.isNaN(back.getDouble("nan")), "NaN is written as null and read back as NaN");
        assertEquals(42.0, back.getDouble("int"), "an integer reads as a number too");
        assertEquals(256, back.getObject("nested").getInt("hidden_size"));
        assertEquals(-1, back.getObject("nested").getObject("deeper").getInt("x"));
        assertTrue(back.getBoolean("yes"));
        assertEquals(ModelConfig.NULL, back.get("none"));
        assertEquals("fallback", back.getString("absent", "fallback"));
        assertEquals(7, back.getLong("absent", 7));
        assertFalse(back.has("absent"));
    }

    @Test
    void prettyJsonLooksAsDocumented() {
        ModelConfig c = ModelConfig.builder().put("format", "jrnn-model").put("format_version", 1L)
                .put("model", ModelConfig.builder().put("cell", "LSTM").put("dropout", 0.0).build())
                .putLongs("shape", 2, 3).build();
        assertEquals("{\n  \"format\": \"jrnn-model\",\n  \"format_version\": 1,\n  \"model\": {\n    \"cell\": \"LSTM\",\n"
                + "    \"dropout\": 0.0\n  },\n  \"shape\": [2, 3]\n}", c.toJson());
        assertEquals("{\"format\":\"jrnn-model\",\"format_version\":1,\"model\":{\"cell\":\"LSTM\",\"dropout\":0.0},"
                + "\"shape\":[2,3]}", c.toCompactJson());
    }

    @Test
    void accessorsNameTheFileTheFieldAndWhatWasFound() throws Exception {
        ModelConfig c = ModelConfig.parse("{\"model\": {\"hidden_size\": \"256\", \"layers\": 2.0, \"big\": 99999999999,"
                + " \"huge\": 123456789012345678901234567890, \"cell\": \"LSMT\", \"flag\": 1}, \"s\": 3}", SRC);
        ModelConfig m = c.getObject("model");
        assertEquals("m/config.json: field 'model.hidden_size' must be an integer, found string \"256\"",
                assertThrows(ModelFileException.class, () -> m.getInt("hidden_size")).getMessage());
        assertEquals("m/config.json: field 'model.layers' must be an integer, found number 2.0",
                assertThrows(ModelFileException.class, () -> m.getInt("layers")).getMessage());
        assertEquals("m/config.json: field 'model.big' is 99999999999, outside the range of a 32-bit integer",
                assertThrows(ModelFileException.class, () -> m.getInt("big")).getMessage());
        assertEquals(99999999999L, m.getLong("big"));
        assertTrue(assertThrows(ModelFileException.class, () -> m.getLong("huge")).getMessage()
                .startsWith("m/config.json: field 'model.huge' is 123456789012345678901234567890, too large"));
        assertEquals("m/config.json: field 'model.cell' is \"LSMT\", expected one of A, B",
                assertThrows(ModelFileException.class, () -> m.getEnum("cell", Ab.class)).getMessage());
        assertEquals("m/config.json: field 'model.flag' must be true or false, found integer 1",
                assertThrows(ModelFileException.class, () -> m.getBoolean("flag")).getMessage());
        assertEquals("m/config.json: field 'model.dropout' is missing",
                assertThrows(ModelFileException.class, () -> m.getDouble("dropout")).getMessage());
        assertEquals("m/config.json: field 's' must be a string, found integer 3",
                assertThrows(ModelFileException.class, () -> c.getString("s")).getMessage());
        assertEquals("m/config.json: field 's' must be an object, found integer 3",
                assertThrows(ModelFileException.class, () -> c.getObject("s")).getMessage());
    }

    enum Ab { A, B }

    @Test
    void malformedJsonIsReportedWithItsLine() {
        assertEquals("m/config.json: not valid JSON at line 3, column 8: unexpected character '}', expected a value",
                assertThrows(ModelFileException.class, () -> ModelConfig.parse("{\n  \"a\": 1,\n  \"b\": }", SRC)).getMessage());
        assertTrue(assertThrows(ModelFileException.class, () -> ModelConfig.parse("{\"a\": 1, \"a\": 2}", SRC)).getMessage()
                .contains("duplicate key 'a'"));
        assertEquals("m/config.json: must be a JSON object ({...}), found an array",
                assertThrows(ModelFileException.class, () -> ModelConfig.parse("[1, 2]", SRC)).getMessage());
        assertTrue(assertThrows(ModelFileException.class, () -> ModelConfig.parse("", SRC)).getMessage()
                .startsWith("m/config.json: not valid JSON at line 1, column 1: unexpected end of text"));
    }
}
