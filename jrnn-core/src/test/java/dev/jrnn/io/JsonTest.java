package dev.jrnn.io;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The strict little JSON reader behind the safetensors header. */
class JsonTest {
    @Test
    void parsesAllValueKinds() throws Json.JsonException {
        Object v = Json.parse(" {\"a\": [1, -2, 3.5, 1e3, true, false, null, \"s\\u00e9\\n\"], \"b\": {}} ");
        Map<?, ?> m = (Map<?, ?>) v;
        List<?> a = (List<?>) m.get("a");
        assertEquals(BigInteger.ONE, a.get(0));
        assertEquals(BigInteger.valueOf(-2), a.get(1));
        assertEquals(new BigDecimal("3.5"), a.get(2));
        assertEquals(new BigDecimal("1e3"), a.get(3));
        assertEquals(Boolean.TRUE, a.get(4));
        assertEquals(Boolean.FALSE, a.get(5));
        assertSame(Json.NULL, a.get(6));
        assertEquals("sé\n", a.get(7));
        assertEquals(Map.of(), m.get("b"));
        assertEquals(List.of("a", "b"), List.copyOf(m.keySet()));
        assertEquals("😀", Json.parse("\"\\ud83d\\ude00\""));
    }

    @Test
    void rejectsWhatRfc8259Rejects() {
        String[] bad = {"", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "-", "1e", "+1", "\"\\x\"", "\"\\u12\"",
                "\"\\udc00\"", "\"\\ud800x\"", "\"a", "tru", "nul", "{\"a\" 1}", "{1:2}", "[1 2]", "\"\u0007\"",
                "1 2", "NaN", "Infinity"};
        for (String s : bad) {
            assertThrows(Json.JsonException.class, () -> Json.parse(s), s);
        }
    }

    @Test
    void reportsDuplicateKeysWithTheirPosition() {
        Json.JsonException e = assertThrows(Json.JsonException.class, () -> Json.parse("{\"k\":1,\"k\":2}"));
        assertEquals("k", e.duplicateKey());
        assertEquals(7, e.position());
        assertEquals("duplicate key 'k' at character 7", e.getMessage());
        // keys equal after unescaping are duplicates too
        assertEquals("k", assertThrows(Json.JsonException.class, () -> Json.parse("{\"k\":1,\"\\u006b\":2}")).duplicateKey());
        // the same key in different objects is fine
        assertTrue(assertDoesNotThrow("{\"a\":{\"k\":1},\"b\":{\"k\":1}}"));
    }

    private static boolean assertDoesNotThrow(String s) {
        try {
            Json.parse(s);
            return true;
        } catch (Json.JsonException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void limitsNesting() {
        Json.JsonException e = assertThrows(Json.JsonException.class,
                () -> Json.parse("[".repeat(100_000) + "]".repeat(100_000)));
        assertTrue(e.getMessage().contains("nesting deeper than 64"), e.getMessage());
        assertDoesNotThrow("[".repeat(64) + "]".repeat(64));
    }

    @Test
    void quotesLikeSerdeJson() throws Json.JsonException {
        assertEquals("\"a\\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\\u001f\u007f é😀/\"",
                Json.quote("a\"b\\c\n\t\r\b\f\u0001\u001f\u007f é😀/"));
        String tricky = "x\"\\\u0000\u2028😀";
        assertEquals(tricky, Json.parse(Json.quote(tricky)));
    }
}
