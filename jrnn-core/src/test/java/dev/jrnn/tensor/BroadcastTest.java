package dev.jrnn.tensor;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import java.util.function.BinaryOperator;
import java.util.function.DoubleBinaryOperator;

import static dev.jrnn.TestArrays.arr;
import static dev.jrnn.TestArrays.assertArray;
import static dev.jrnn.TestArrays.s;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** NumPy broadcasting, both ways round, against hand values and an index-by-index reference. */
class BroadcastTest {

    @ParameterizedTest
    @EnumSource(DType.class)
    void columnPlusRow(DType dt) {
        NdArray col = arr(dt, s(3, 1), 1, 2, 3);
        NdArray row = arr(dt, s(1, 4), 10, 20, 30, 40);
        double[] sum = {11, 21, 31, 41, 12, 22, 32, 42, 13, 23, 33, 43};
        assertArray(col.add(row), s(3, 4), 0, sum);
        assertArray(row.add(col), s(3, 4), 0, sum);
        assertArray(col.sub(row), s(3, 4), 0, -9, -19, -29, -39, -8, -18, -28, -38, -7, -17, -27, -37);
        assertArray(row.sub(col), s(3, 4), 0, 9, 19, 29, 39, 8, 18, 28, 38, 7, 17, 27, 37);
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void vectorAgainstRank3(DType dt) {
        NdArray v = arr(dt, s(4), 1, 2, 3, 4);
        NdArray x = NdArray.arange(dt, 24).reshape(2, 3, 4);
        NdArray y = v.add(x);
        assertArrayEquals(new int[] {2, 3, 4}, y.shape());
        for (int i = 0; i < 24; i++) assertEquals(i + 1 + i % 4, y.getFlat(i));
        assertEquals(0.0, x.add(v).maxAbsDiff(y));
        NdArray q = x.div(v);
        for (int i = 0; i < 24; i++) assertEquals((double) i / (1 + i % 4), q.getFlat(i), 1e-6);
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void middleAxesBroadcastEachOther(DType dt) {
        NdArray a = NdArray.arange(dt, 8).reshape(2, 1, 4);   // [[[0,1,2,3]], [[4,5,6,7]]]
        NdArray b = arr(dt, s(3, 1), 1, 10, 100);
        NdArray y = a.mul(b);
        assertArrayEquals(new int[] {2, 3, 4}, y.shape());
        assertArray(y.select(0, 1), s(3, 4), 0, 4, 5, 6, 7, 40, 50, 60, 70, 400, 500, 600, 700);
        assertEquals(0.0, b.mul(a).maxAbsDiff(y));
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void scalarsAndZeroDimensional(DType dt) {
        NdArray sc = NdArray.scalar(dt, 2);
        NdArray m = arr(dt, s(2, 2), 1, 2, 3, 4);
        assertArray(m.sub(sc), s(2, 2), 0, -1, 0, 1, 2);
        assertArray(sc.sub(m), s(2, 2), 0, 1, 0, -1, -2);
        assertArray(sc.pow(m), s(2, 2), 0, 2, 4, 8, 16);
        assertArray(m.pow(sc), s(2, 2), 0, 1, 4, 9, 16);
        assertArray(sc.mul(sc), s(), 0, 4);
        assertArray(sc.add(NdArray.ones(dt, 1)), s(1), 0, 3);
        assertArray(NdArray.ones(dt, 1, 1, 1).maximum(arr(dt, s(3), 0, 5, -1)), s(1, 1, 3), 0, 1, 5, 1);
    }

    @Test
    void everyPairAgainstIndexReference() {
        int[][][] pairs = {
            {{3, 1}, {1, 4}}, {{4}, {2, 3, 4}}, {{2, 1, 4}, {3, 1}}, {{}, {2, 3}}, {{1, 1}, {2, 3}},
            {{2, 3}, {2, 3}}, {{1}, {5}}, {{5, 1, 1}, {1, 1, 2}}, {{2, 1, 3, 1}, {4, 1, 5}}, {{1, 3}, {1}},
        };
        Rng rng = new Rng(9);
        for (int[][] pair : pairs) {
            for (DType dt : DType.values()) {
                NdArray a = NdArray.rand(rng, dt, 0.5, 2, pair[0]);
                NdArray b = NdArray.rand(rng, dt, 0.5, 2, pair[1]);
                check(a, b, NdArray::add, (x, y) -> x + y);
                check(b, a, NdArray::add, (x, y) -> x + y);
                check(a, b, NdArray::sub, (x, y) -> x - y);
                check(b, a, NdArray::sub, (x, y) -> x - y);
                check(a, b, NdArray::mul, (x, y) -> x * y);
                check(a, b, NdArray::div, (x, y) -> x / y);
                check(b, a, NdArray::div, (x, y) -> x / y);
                check(a, b, NdArray::pow, Math::pow);
                check(a, b, NdArray::maximum, Math::max);
            }
        }
    }

    private static void check(NdArray a, NdArray b, BinaryOperator<NdArray> op, DoubleBinaryOperator ref) {
        NdArray y = op.apply(a, b);
        int[] os = Shapes.broadcast("test", a.shape(), b.shape());
        assertArrayEquals(os, y.shape());
        int r = os.length;
        int[] idx = new int[r];
        for (int flat = 0; flat < y.size(); flat++) {
            int rem = flat;
            for (int ax = r - 1; ax >= 0; ax--) {
                idx[ax] = rem % os[ax];
                rem /= os[ax];
            }
            double expected = ref.applyAsDouble(at(a, idx), at(b, idx));
            double tol = a.dtype() == DType.FLOAT32 ? 1e-5 * Math.max(1, Math.abs(expected)) : 1e-14;
            assertEquals(expected, y.getFlat(flat), tol, () -> java.util.Arrays.toString(a.shape()) + " op "
                    + java.util.Arrays.toString(b.shape()));
        }
    }

    /** Element of {@code x} seen from index {@code idx} of the broadcast shape (aligned on the right, size-1 axes fixed at 0). */
    private static double at(NdArray x, int[] idx) {
        int[] xs = x.shape();
        int off = idx.length - xs.length, flat = 0;
        for (int i = 0; i < xs.length; i++) flat = flat * xs[i] + (xs[i] == 1 ? 0 : idx[i + off]);
        return x.getFlat(flat);
    }

    @Test
    void shapesBroadcastRulesAndMessage() {
        assertArrayEquals(new int[] {3, 4}, Shapes.broadcast("op", s(3, 1), s(1, 4)));
        assertArrayEquals(new int[] {2, 3, 4}, Shapes.broadcast("op", s(4), s(2, 3, 4)));
        assertArrayEquals(new int[] {2, 3, 4}, Shapes.broadcast("op", s(2, 1, 4), s(3, 1)));
        assertArrayEquals(new int[] {}, Shapes.broadcast("op", s(), s()));
        assertArrayEquals(new int[] {0, 3}, Shapes.broadcast("op", s(0, 1), s(1, 3)));
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
                () -> NdArray.zeros(2, 3).add(NdArray.zeros(2, 4)));
        assertEquals("add: shapes [2, 3] and [2, 4] cannot be broadcast together (dimension 1 of the result: 3 vs 4; "
                + "sizes must match or one of them be 1)", e.getMessage());
        e = assertThrows(ShapeMismatchException.class, () -> NdArray.zeros(3).mul(NdArray.zeros(2, 4)));
        assertTrue(e.getMessage().startsWith("mul: shapes [3] and [2, 4]"), e.getMessage());
        e = assertThrows(ShapeMismatchException.class, () -> NdArray.zeros(0, 2).maximum(NdArray.zeros(2, 2)));
        assertTrue(e.getMessage().startsWith("maximum: shapes [0, 2] and [2, 2]"), e.getMessage());
    }
}
