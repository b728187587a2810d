package dev.jrnn.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DTypeTest {

    @Test
    void parseAcceptsEveryDocumentedName() {
        for (String n : new String[] {"float32", "f32", "float", " FLOAT32 ", "Float"}) {
            assertEquals(DType.FLOAT32, DType.parse(n), n);
        }
        for (String n : new String[] {"float64", "f64", "double", "DOUBLE"}) {
            assertEquals(DType.FLOAT64, DType.parse(n), n);
        }
        assertEquals(DType.FLOAT64, DType.parse(DType.FLOAT64.toString()), "toString round trips");
    }

    @Test
    void parseRejectsUnknownNamesListingTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DType.parse("float16"));
        assertEquals("unknown dtype 'float16': expected one of float32 (f32, float) or float64 (f64, double)",
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DType.parse(""));
        e = assertThrows(IllegalArgumentException.class, () -> DType.parse(null));
        assertEquals("unknown dtype 'null': expected one of float32 (f32, float) or float64 (f64, double)", e.getMessage());
    }

    @Test
    void labelsAndSizes() {
        assertEquals("float32", DType.FLOAT32.toString());
        assertEquals("float64", DType.FLOAT64.toString());
        assertEquals(4, DType.FLOAT32.bytes());
        assertEquals(8, DType.FLOAT64.bytes());
    }
}
