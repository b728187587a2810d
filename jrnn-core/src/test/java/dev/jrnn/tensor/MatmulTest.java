package dev.jrnn.tensor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;

import static dev.jrnn.TestArrays.arr;
import static dev.jrnn.TestArrays.assertArray;
import static dev.jrnn.TestArrays.s;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Matrix products against a naive triple loop, for every shape form and every transpose flag combination. */
class MatmulTest {

    @Test
    void handComputed2x2() {
        NdArray a = arr(DType.FLOAT32, s(2, 2), 1, 2, 3, 4);
        NdArray b = arr(DType.FLOAT32, s(2, 2), 5, 6, 7, 8);
        assertArray(a.matmul(b), s(2, 2), 0, 19, 22, 43, 50);
        assertArray(a.matmul(b, true, false), s(2, 2), 0, 26, 30, 38, 44);   // aᵀ b
        assertArray(a.matmul(b, false, true), s(2, 2), 0, 17, 23, 39, 53);   // a bᵀ
        assertArray(a.matmul(b, true, true), s(2, 2), 0, 23, 31, 34, 46);    // aᵀ bᵀ
    }

    /** Stored shapes of a and b such that op(a) is [lead..., m, k] and op(b) is [leadB..., k, n]. */
    private static int[] stored(int[] lead, int rows, int cols, boolean trans) {
        int[] s = Arrays.copyOf(lead, lead.length + 2);
        s[lead.length] = trans ? cols : rows;
        s[lead.length + 1] = trans ? rows : cols;
        return s;
    }

    private static void checkAllFlags(DType dt, int[] leadA, int[] leadB, int m, int k, int n) {
        Rng rng = new Rng(Arrays.hashCode(leadA) * 31 + m * 7 + k * 5 + n);
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                NdArray a = NdArray.rand(rng, dt, -1, 1, stored(leadA, m, k, ta));
                NdArray b = NdArray.rand(rng, dt, -1, 1, stored(leadB, k, n, tb));
                NdArray c = a.matmul(b, ta, tb);
                NdArray expected = naive(a, b, ta, tb);
                String what = dt + " a" + Arrays.toString(a.shape()) + (ta ? "ᵀ" : "") + " x b"
                        + Arrays.toString(b.shape()) + (tb ? "ᵀ" : "");
                assertArrayEquals(expected.shape(), c.shape(), what);
                double tol = dt == DType.FLOAT32 ? 1e-5 * k : 1e-13 * k;
                assertTrue(c.maxAbsDiff(expected) <= tol, what + ": max diff " + c.maxAbsDiff(expected));
                if (!ta && !tb) {
                    assertEquals(0.0, a.matmul(b).maxAbsDiff(c), "matmul(b) is matmul(b, false, false)");
                }
            }
        }
    }

    /** The textbook definition, one element at a time, in double; b of rank 2 is shared by every batch. */
    private static NdArray naive(NdArray a, NdArray b, boolean ta, boolean tb) {
        int ra = a.rank(), rb = b.rank();
        int m = ta ? a.dim(-1) : a.dim(-2), k = ta ? a.dim(-2) : a.dim(-1);
        int n = tb ? b.dim(-2) : b.dim(-1);
        int[] lead = Arrays.copyOf(a.shape(), ra - 2);
        int batch = Shapes.size(lead);
        int[] os = Arrays.copyOf(lead, lead.length + 2);
        os[lead.length] = m;
        os[lead.length + 1] = n;
        double[] out = new double[Shapes.size(os)];
        int aCols = a.dim(-1), bCols = b.dim(-1);
        int aMat = a.dim(-1) * a.dim(-2), bMat = rb == 2 ? 0 : b.dim(-1) * b.dim(-2);
        for (int q = 0; q < batch; q++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = 0;
                    for (int p = 0; p < k; p++) {
                        double av = a.getFlat(q * aMat + (ta ? p * aCols + i : i * aCols + p));
                        double bv = b.getFlat(q * bMat + (tb ? j * bCols + p : p * bCols + j));
                        sum += av * bv;
                    }
                    out[(q * m + i) * n + j] = sum;
                }
            }
        }
        return NdArray.of(out, os);
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void twoDimensional(DType dt) {
        checkAllFlags(dt, s(), s(), 3, 4, 5);
        checkAllFlags(dt, s(), s(), 1, 4, 1);    // row times column
        checkAllFlags(dt, s(), s(), 5, 1, 3);    // outer product
        checkAllFlags(dt, s(), s(), 1, 1, 1);
        checkAllFlags(dt, s(), s(), 17, 33, 9);
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void batched(DType dt) {
        checkAllFlags(dt, s(2), s(2), 3, 4, 5);
        checkAllFlags(dt, s(1), s(1), 3, 4, 5);   // batch 1
        checkAllFlags(dt, s(2, 3), s(2, 3), 2, 4, 3);
        checkAllFlags(dt, s(4), s(4), 1, 1, 1);
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void leadingAxesTimesOneMatrix(DType dt) {
        checkAllFlags(dt, s(2), s(), 3, 4, 5);
        checkAllFlags(dt, s(2, 3), s(), 2, 4, 5);
        checkAllFlags(dt, s(1), s(), 1, 4, 2);
        checkAllFlags(dt, s(3), s(), 2, 1, 1);
    }

    @Test
    void innerDimensionMismatchNamesBothShapes() {
        NdArray a = NdArray.zeros(3, 4);
        NdArray b = NdArray.zeros(5, 2);   // rows one off from a's columns
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> a.matmul(b));
        assertTrue(e.getMessage().startsWith("matmul: inner dimensions differ"), e.getMessage());
        assertTrue(e.getMessage().contains("a has shape [3, 4]") && e.getMessage().contains("b has shape [5, 2]"),
                e.getMessage());
        e = assertThrows(ShapeMismatchException.class, () -> a.matmul(NdArray.zeros(4, 2), true, false));
        assertTrue(e.getMessage().contains("a^T is [4, 3]"), e.getMessage());
        e = assertThrows(ShapeMismatchException.class, () -> NdArray.zeros(2, 3, 4).matmul(NdArray.zeros(3, 4, 2)));
        assertTrue(e.getMessage().contains("batch dimensions differ") && e.getMessage().contains("[2, 3, 4]")
                && e.getMessage().contains("[3, 4, 2]"), e.getMessage());
        e = assertThrows(ShapeMismatchException.class, () -> NdArray.zeros(4).matmul(NdArray.zeros(4, 2)));
        assertTrue(e.getMessage().contains("matmul: a has shape [4]"), e.getMessage());
        e = assertThrows(ShapeMismatchException.class, () -> NdArray.zeros(2, 4).matmul(NdArray.zeros(4)));
        assertTrue(e.getMessage().contains("matmul: b has shape [4]"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> NdArray.zeros(DType.FLOAT32, 2, 2).matmul(NdArray.zeros(DType.FLOAT64, 2, 2)));
    }
}
