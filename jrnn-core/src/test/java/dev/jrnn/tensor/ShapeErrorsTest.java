package dev.jrnn.tensor;

import org.junit.jupiter.api.Test;

import static dev.jrnn.TestArrays.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every shape error names the operation, the argument and both shapes. Each wrong shape is built from a
 * right one by changing one dimension by one, so the message is tested at the boundary.
 */
class ShapeErrorsTest {

    private static void assertMentions(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), "message lacks '" + p + "': " + message);
        }
    }

    @Test
    void matmulInnerDimension() {
        int m = 3, k = 4, n = 2;
        NdArray a = NdArray.zeros(m, k);
        NdArray ok = NdArray.zeros(k, n);
        assertEquals(m, a.matmul(ok).dim(0));
        NdArray bad = NdArray.zeros(k + 1, n);
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> a.matmul(bad));
        assertMentions(e.getMessage(), "matmul", "inner dimensions", "[3, 4]", "[5, 2]");
    }

    @Test
    void broadcastFailure() {
        NdArray a = NdArray.zeros(2, 3);
        a.add(NdArray.zeros(1, 3));
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> a.sub(NdArray.zeros(2, 4)));
        assertMentions(e.getMessage(), "sub", "[2, 3]", "[2, 4]", "cannot be broadcast");
        e = assertThrows(ShapeMismatchException.class, () -> a.div(NdArray.zeros(3, 3)));
        assertMentions(e.getMessage(), "div", "[2, 3]", "[3, 3]");
    }

    @Test
    void concatMismatch() {
        NdArray a = NdArray.zeros(2, 3);
        NdArray.concat(0, a, NdArray.zeros(5, 3));
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
                () -> NdArray.concat(0, a, NdArray.zeros(5, 3), NdArray.zeros(5, 4)));
        assertEquals("concat: part 2 has shape [5, 4], expected [*, 3] (all dimensions but axis 0 must match part 0)",
                e.getMessage());
        e = assertThrows(ShapeMismatchException.class, () -> NdArray.concat(1, a, NdArray.zeros(2, 3, 1)));
        assertMentions(e.getMessage(), "concat", "part 1", "[2, 3, 1]", "[2, *]");
        e = assertThrows(ShapeMismatchException.class, () -> NdArray.stack(0, a, NdArray.zeros(2, 4)));
        assertMentions(e.getMessage(), "stack", "part 1", "[2, 4]", "[2, 3]");
    }

    @Test
    void reshapeSize() {
        NdArray a = NdArray.zeros(2, 3);
        a.reshape(3, 2);
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> a.reshape(3, 3));
        assertEquals("reshape: cannot reshape [2, 3] (6 elements) to [3, 3] (9 elements)", e.getMessage());
        e = assertThrows(ShapeMismatchException.class, () -> a.reshape(-1, 4));
        assertMentions(e.getMessage(), "reshape", "[2, 3]", "[-1, 4]");
    }

    @Test
    void negativeSizesFailAtCreation() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NdArray.zeros(2, -1));
        assertEquals("shape [2, -1] has a negative dimension", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NdArray.ones(DType.FLOAT64, -3));
        assertThrows(IllegalArgumentException.class, () -> NdArray.rand(new Rng(1), DType.FLOAT64, 0, 1, -1, 2));
        e = assertThrows(IllegalArgumentException.class, () -> Shapes.size(65536, 65536));
        assertMentions(e.getMessage(), "[65536, 65536]", "2^31-1");
    }

    @Test
    void axisOutOfRange() {
        NdArray a = NdArray.zeros(2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.sum(2, false));
        assertEquals("sum: axis 2 is out of range for a tensor of rank 2 (valid: -2..1)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> a.slice(-3, 0, 1));
        assertMentions(e.getMessage(), "slice", "axis -3");
        assertEquals(1, Shapes.axis("x", -2, 2) + 1);
        assertEquals(1, Shapes.axis("x", 1, 2));
    }

    @Test
    void mismatchHelperForm() {
        assertEquals("Op: x has shape [2, 5], expected [..., 4]",
                Shapes.mismatch("Op", "x", s(2, 5), "[..., 4]").getMessage());
    }
}
