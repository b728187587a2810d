package dev.jrnn.tensor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static dev.jrnn.TestArrays.arr;
import static dev.jrnn.TestArrays.assertArray;
import static dev.jrnn.TestArrays.assertClose;
import static dev.jrnn.TestArrays.s;
import static dev.jrnn.TestArrays.tol;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Values of every NdArray operation against hand-computed numbers, in both dtypes. */
class NdArrayTest {

    // ------------------------------------------------------------------ creation and access

    @Test
    void creationShapesAndValues() {
        NdArray v = NdArray.vector(1f, 2f, 3f);
        assertEquals(DType.FLOAT32, v.dtype());
        assertArray(v, s(3), 0, 1, 2, 3);

        NdArray m = NdArray.of(new double[][] {{1, 2, 3}, {4, 5, 6}});
        assertEquals(DType.FLOAT64, m.dtype());
        assertArray(m, s(2, 3), 0, 1, 2, 3, 4, 5, 6);
        assertEquals(6.0, m.get(1, 2));
        assertEquals(2, m.rank());
        assertEquals(3, m.dim(-1));
        assertEquals(2, m.dim(0));

        NdArray f = NdArray.of(new float[][] {{1, 2}, {3, 4}});
        assertArray(f, s(2, 2), 0, 1, 2, 3, 4);

        assertArray(NdArray.zeros(DType.FLOAT64, 2, 2), s(2, 2), 0, 0, 0, 0, 0);
        assertArray(NdArray.ones(DType.FLOAT32, 3), s(3), 0, 1, 1, 1);
        assertArray(NdArray.full(DType.FLOAT64, 2.5, 1, 2), s(1, 2), 0, 2.5, 2.5);

        NdArray sc = NdArray.scalar(DType.FLOAT32, 7);
        assertEquals(0, sc.rank());
        assertEquals(1, sc.size());
        assertEquals(7.0, sc.item());
    }

    @Test
    void ofWrapsWithoutCopyingAndVectorCopies() {
        float[] data = {1, 2, 3, 4};
        NdArray a = NdArray.of(data, 2, 2);
        data[3] = 9;
        assertEquals(9.0, a.get(1, 1));
        float[] src = {1, 2};
        NdArray v = NdArray.vector(src);
        src[0] = 5;
        assertEquals(1.0, v.getFlat(0));
    }

    @Test
    void raggedRowsAndWrongDataLengthAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NdArray.of(new float[][] {{1, 2}, {3}}));
        assertTrue(e.getMessage().contains("row 1 has 1 elements, expected 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NdArray.of(new double[5], 2, 3));
        assertTrue(e.getMessage().contains("[2, 3] needs 6 elements, but the data has 5"), e.getMessage());
    }

    @Test
    void arange() {
        assertArray(NdArray.arange(DType.FLOAT64, 0, 1, 0.25), s(4), 0, 0, 0.25, 0.5, 0.75);
        assertArray(NdArray.arange(DType.FLOAT32, 4), s(4), 0, 0, 1, 2, 3);
        assertArray(NdArray.arange(DType.FLOAT64, 3, 0, -1), s(3), 0, 3, 2, 1);
        assertArray(NdArray.arange(DType.FLOAT64, 3, 0, 1), s(0), 0);
        assertThrows(IllegalArgumentException.class, () -> NdArray.arange(DType.FLOAT64, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> NdArray.arange(DType.FLOAT64, 0, 1, Double.NaN));
    }

    @Test
    void randAndRandnAreSeededAndInRange() {
        NdArray a = NdArray.rand(new Rng(5), DType.FLOAT64, -2, 3, 1000);
        NdArray b = NdArray.rand(new Rng(5), DType.FLOAT64, -2, 3, 1000);
        assertEquals(0.0, a.maxAbsDiff(b));
        double lo = Double.MAX_VALUE, hi = -Double.MAX_VALUE;
        for (int i = 0; i < a.size(); i++) {
            lo = Math.min(lo, a.getFlat(i));
            hi = Math.max(hi, a.getFlat(i));
        }
        assertTrue(lo >= -2 && lo < -1.9, "min " + lo);
        assertTrue(hi < 3 && hi > 2.9, "max " + hi);
        NdArray n = NdArray.randn(new Rng(6), DType.FLOAT64, 10, 2, 20000);
        double mean = n.mean().item();
        double var = n.sub(NdArray.scalar(DType.FLOAT64, mean)).square().mean().item();
        assertEquals(10, mean, 0.05);
        assertEquals(4, var, 0.15);
        assertThrows(IllegalArgumentException.class, () -> NdArray.rand(new Rng(1), DType.FLOAT64, 1, 0, 2));
        assertThrows(IllegalArgumentException.class, () -> NdArray.randn(new Rng(1), DType.FLOAT64, 0, -1, 2));
    }

    @Test
    void accessErrors() {
        NdArray a = arr(DType.FLOAT64, s(2, 3), 1, 2, 3, 4, 5, 6);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> a.get(1, 3));
        assertTrue(e.getMessage().contains("[1, 3] is out of bounds for shape [2, 3]"), e.getMessage());
        IllegalArgumentException r = assertThrows(IllegalArgumentException.class, () -> a.get(1));
        assertTrue(r.getMessage().contains("rank 2"), r.getMessage());
        IllegalStateException it = assertThrows(IllegalStateException.class, a::item);
        assertTrue(it.getMessage().contains("[2, 3]"), it.getMessage());
        assertThrows(IllegalStateException.class, a::floatData);
        assertEquals(6, a.doubleData().length);
        a.set(-1, 0, 2);
        assertEquals(-1.0, a.getFlat(2));
    }

    @Test
    void dtypeConversionAndCopy() {
        NdArray f = arr(DType.FLOAT32, s(2), 0.1, -3);
        NdArray d = f.to(DType.FLOAT64);
        assertEquals(DType.FLOAT64, d.dtype());
        assertEquals((double) 0.1f, d.getFlat(0));
        assertSame(f, f.to(DType.FLOAT32));
        NdArray back = d.to(DType.FLOAT32);
        assertArrayEquals(f.floatData(), back.floatData());
        NdArray c = f.copy();
        c.setFlat(0, 42);
        assertEquals(0.1f, (float) f.getFlat(0));
        assertArrayEquals(new float[] {0.1f, -3f}, f.toFloatArray());
        assertArrayEquals(new double[] {0.1f, -3.0}, f.toDoubleArray());
        assertArray(f.zerosLike(), s(2), 0, 0, 0);
        assertEquals(DType.FLOAT32, f.zerosLike().dtype());
    }

    // ------------------------------------------------------------------ elementwise

    @ParameterizedTest
    @EnumSource(DType.class)
    void binaryOpsSameShape(DType dt) {
        NdArray a = arr(dt, s(2, 2), 1, -2, 3, 0.5);
        NdArray b = arr(dt, s(2, 2), 2, 4, -1, 2);
        double t = tol(dt);
        assertArray(a.add(b), s(2, 2), t, 3, 2, 2, 2.5);
        assertArray(a.sub(b), s(2, 2), t, -1, -6, 4, -1.5);
        assertArray(a.mul(b), s(2, 2), t, 2, -8, -3, 1);
        assertArray(a.div(b), s(2, 2), t, 0.5, -0.5, -3, 0.25);
        assertArray(a.pow(b), s(2, 2), t, 1, 16, 1.0 / 3, 0.25);
        assertArray(a.maximum(b), s(2, 2), t, 2, 4, 3, 2);
        assertEquals(dt, a.add(b).dtype());
        // inputs untouched
        assertArray(a, s(2, 2), 0, 1, -2, 3, 0.5);
    }

    @Test
    void binaryOpsRejectMixedDTypes() {
        NdArray a = NdArray.zeros(DType.FLOAT32, 2);
        NdArray b = NdArray.zeros(DType.FLOAT64, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.add(b));
        assertTrue(e.getMessage().contains("add: dtypes differ (float32 and float64)"), e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void scalarAffine(DType dt) {
        NdArray a = arr(dt, s(3), 1, -2, 0.5);
        double t = tol(dt);
        assertArray(a.add(1.5), s(3), t, 2.5, -0.5, 2);
        assertArray(a.mul(-2), s(3), t, -2, 4, -1);
        assertArray(a.affine(3, -1), s(3), t, 2, -7, 0.5);
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void unaryOps(DType dt) {
        double[] x = {-2, -0.5, 0, 0.3, 1.7};
        NdArray a = arr(dt, s(5), x);
        double t = dt == DType.FLOAT32 ? 2e-6 : 1e-15;
        assertArray(a.neg(), s(5), t, map(x, v -> -v));
        assertArray(a.exp(), s(5), t * 10, map(x, Math::exp));
        assertArray(a.tanh(), s(5), t, map(x, Math::tanh));
        assertArray(a.sigmoid(), s(5), t, map(x, v -> 1 / (1 + Math.exp(-v))));
        assertArray(a.relu(), s(5), t, 0, 0, 0, x[3], x[4]);
        assertArray(a.abs(), s(5), t, map(x, Math::abs));
        assertArray(a.square(), s(5), t, map(x, v -> v * v));
        assertArray(a.sign(), s(5), 0, -1, -1, 0, 1, 1);
        assertArray(a.elu(1.0), s(5), t, Math.exp(-2) - 1, Math.exp(-0.5) - 1, 0, x[3], x[4]);
        assertArray(a.elu(0.5), s(5), t, 0.5 * (Math.exp(-2) - 1), 0.5 * (Math.exp(-0.5) - 1), 0, x[3], x[4]);
        assertArray(a.clamp(-1, 0.5), s(5), t, -1, -0.5, 0, 0.3, 0.5);
        assertArray(a.gt(0), s(5), 0, 0, 0, 0, 1, 1);
        assertArray(a.gt(-0.5), s(5), 0, 0, 0, 1, 1, 1);

        double[] p = {0.25, 1, 4, 9};
        NdArray pos = arr(dt, s(2, 2), p);
        assertArray(pos.log(), s(2, 2), t, map(p, Math::log));
        assertArray(pos.sqrt(), s(2, 2), t, 0.5, 1, 2, 3);
        assertArray(pos.reciprocal(), s(2, 2), t, 4, 1, 0.25, 1.0 / 9);
        assertArray(pos.pow(2), s(2, 2), t, 0.0625, 1, 16, 81);
        assertArray(pos.pow(0.5), s(2, 2), t, 0.5, 1, 2, 3);
        assertArray(pos.pow(-1), s(2, 2), t, 4, 1, 0.25, 1.0 / 9);
        assertArray(pos.pow(3), s(2, 2), t * 100, map(p, v -> v * v * v));
        for (NdArray r : new NdArray[] {a.neg(), a.exp(), pos.log(), a.elu(1), a.clamp(0, 1), a.gt(0), pos.pow(3)}) {
            assertEquals(dt, r.dtype());
        }
    }

    @Test
    void clampRejectsInvertedBounds() {
        NdArray a = NdArray.zeros(2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.clamp(1, 0));
        assertTrue(e.getMessage().contains("lo=1.0, hi=0.0"), e.getMessage());
    }

    // ------------------------------------------------------------------ reductions

    @ParameterizedTest
    @EnumSource(DType.class)
    void reductions(DType dt) {
        // [[1, 2, 3], [4, 5, 6]]
        NdArray a = arr(dt, s(2, 3), 1, 2, 3, 4, 5, 6);
        double t = tol(dt);
        assertArray(a.sum(), s(), t, 21);
        assertArray(a.mean(), s(), t, 3.5);
        assertArray(a.sum(0, false), s(3), t, 5, 7, 9);
        assertArray(a.sum(0, true), s(1, 3), t, 5, 7, 9);
        assertArray(a.sum(1, false), s(2), t, 6, 15);
        assertArray(a.sum(-1, true), s(2, 1), t, 6, 15);
        assertArray(a.mean(0, false), s(3), t, 2.5, 3.5, 4.5);
        assertArray(a.mean(1, true), s(2, 1), t, 2, 5);
        assertArray(a.max(0, false), s(3), t, 4, 5, 6);
        assertArray(a.max(1, true), s(2, 1), t, 3, 6);
        assertEquals(dt, a.sum().dtype());

        // rank 3, middle axis: [2, 2, 2]
        NdArray b = arr(dt, s(2, 2, 2), 1, 2, 3, 4, 5, 6, 7, 8);
        assertArray(b.sum(1, false), s(2, 2), t, 4, 6, 12, 14);
        assertArray(b.max(1, false), s(2, 2), t, 3, 4, 7, 8);
        assertArray(b.mean(2, false), s(2, 2), t, 1.5, 3.5, 5.5, 7.5);
    }

    @Test
    void maxOfNegativesAndNaN() {
        NdArray a = arr(DType.FLOAT64, s(2, 2), -5, -3, -2, Double.NaN);
        assertArray(a.max(1, false), s(2), 0, -3, Double.NaN);
        NdArray b = arr(DType.FLOAT64, s(2, 2), Double.NaN, -3, -2, -7);
        assertArray(b.max(1, false), s(2), 0, Double.NaN, -2);
    }

    @Test
    void argmaxAlongEachAxisTiesGoToTheFirst() {
        NdArray a = arr(DType.FLOAT32, s(2, 3), 1, 7, 7, 9, -1, 0);
        assertArrayEquals(new int[] {1, 0}, a.argmax(1));
        assertArrayEquals(new int[] {1, 0}, a.argmax(-1));
        assertArrayEquals(new int[] {1, 0, 0}, a.argmax(0));
        NdArray b = arr(DType.FLOAT64, s(2, 2, 2), 1, 8, 3, 4, 5, 6, 7, 2);
        assertArrayEquals(new int[] {1, 0, 1, 0}, b.argmax(1));   // [o, j] row-major over the other axes
    }

    @Test
    void sumToUndoesBroadcasting() {
        NdArray g = arr(DType.FLOAT64, s(2, 3), 1, 2, 3, 4, 5, 6);
        assertArray(g.sumTo(3), s(3), 0, 5, 7, 9);
        assertArray(g.sumTo(1, 3), s(1, 3), 0, 5, 7, 9);
        assertArray(g.sumTo(2, 1), s(2, 1), 0, 6, 15);
        assertArray(g.sumTo(1, 1), s(1, 1), 0, 21);
        assertArray(g.sumTo(), s(), 0, 21);
        assertSame(g, g.sumTo(2, 3));
        NdArray h = NdArray.ones(DType.FLOAT64, 2, 3, 4);
        assertArray(h.sumTo(3, 1), s(3, 1), 0, 8, 8, 8);
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> g.sumTo(4));
        assertTrue(e.getMessage().contains("sumTo") && e.getMessage().contains("[4]")
                && e.getMessage().contains("[2, 3]"), e.getMessage());
        assertThrows(ShapeMismatchException.class, () -> g.sumTo(1, 2, 3, 4));
    }

    // ------------------------------------------------------------------ empty dimensions

    @Test
    void emptyDimensions() {
        NdArray e = NdArray.zeros(DType.FLOAT64, 2, 0);
        assertEquals(0, e.size());
        assertArray(e.sum(), s(), 0, 0);
        assertArray(e.sum(1, false), s(2), 0, 0, 0);
        assertArray(e.sum(0, false), s(0), 0);
        assertArray(e.sum(0, true), s(1, 0), 0);
        assertArray(NdArray.zeros(DType.FLOAT32, 0, 3).sum(0, false), s(3), 0, 0, 0, 0);
        assertArray(NdArray.zeros(DType.FLOAT32, 0, 3).sum(1, false), s(0), 0);
        assertArray(e.add(NdArray.ones(DType.FLOAT64, 1, 0)), s(2, 0), 0);
        assertArray(NdArray.zeros(DType.FLOAT64, 0, 3).add(NdArray.ones(DType.FLOAT64, 3)), s(0, 3), 0);
        assertArray(e.exp(), s(2, 0), 0);
        assertArray(e.reshape(0, 5), s(0, 5), 0);
        assertArray(e.t(), s(0, 2), 0);
        assertEquals(0, e.argmax(0).length);
        assertArray(e.max(0, false), s(0), 0);
        assertThrows(IllegalArgumentException.class, () -> e.max(1, false));
        assertThrows(IllegalArgumentException.class, () -> e.argmax(1));
        assertArray(NdArray.concat(1, e, NdArray.ones(DType.FLOAT64, 2, 1)), s(2, 1), 0, 1, 1);
        assertArray(arr(DType.FLOAT64, s(2, 2), 1, 2, 3, 4).slice(1, 1, 1), s(2, 0), 0);
        assertArray(NdArray.zeros(DType.FLOAT64, 0, 4).matmul(NdArray.ones(DType.FLOAT64, 4, 2)), s(0, 2), 0);
        assertArray(NdArray.ones(DType.FLOAT64, 2, 0).matmul(NdArray.ones(DType.FLOAT64, 0, 3)), s(2, 3), 0,
                0, 0, 0, 0, 0, 0);
    }

    // ------------------------------------------------------------------ shape manipulation

    @Test
    void reshapeInfersMinusOneAndSharesStorage() {
        NdArray a = arr(DType.FLOAT32, s(2, 3), 1, 2, 3, 4, 5, 6);
        NdArray r = a.reshape(3, -1);
        assertArray(r, s(3, 2), 0, 1, 2, 3, 4, 5, 6);
        assertArray(a.reshape(-1), s(6), 0, 1, 2, 3, 4, 5, 6);
        assertArray(a.reshape(1, -1, 1), s(1, 6, 1), 0, 1, 2, 3, 4, 5, 6);
        r.set(60, 2, 1);
        assertEquals(60.0, a.get(1, 2), "reshape is a view");
        assertArray(NdArray.scalar(DType.FLOAT64, 3).reshape(1, 1), s(1, 1), 0, 3);
        assertArray(NdArray.vector(4f).reshape(), s(), 0, 4);
        assertThrows(IllegalArgumentException.class, () -> a.reshape(-1, -1));
        assertThrows(IllegalArgumentException.class, () -> a.reshape(-2, -3));
        assertThrows(ShapeMismatchException.class, () -> a.reshape(4, -1));
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void transposeAndT(DType dt) {
        NdArray a = arr(dt, s(2, 3), 1, 2, 3, 4, 5, 6);
        assertArray(a.t(), s(3, 2), 0, 1, 4, 2, 5, 3, 6);
        assertArray(a.transpose(0, 1), s(3, 2), 0, 1, 4, 2, 5, 3, 6);
        assertArray(a.transpose(-1, -2), s(3, 2), 0, 1, 4, 2, 5, 3, 6);
        assertArray(a.transpose(1, 1), s(2, 3), 0, 1, 2, 3, 4, 5, 6);
        NdArray b = NdArray.arange(dt, 24).reshape(2, 3, 4);
        NdArray bt = b.transpose(0, 2);   // [4, 3, 2]
        assertArrayEquals(new int[] {4, 3, 2}, bt.shape());
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                for (int k = 0; k < 4; k++) {
                    assertEquals(b.get(i, j, k), bt.get(k, j, i));
                }
            }
        }
        assertThrows(ShapeMismatchException.class, () -> b.t());
    }

    @Test
    void permuteMovesAxesAndRoundTrips() {
        NdArray x = NdArray.arange(DType.FLOAT64, 120).reshape(2, 3, 4, 5);
        int[][] perms = {{0, 1, 2, 3}, {3, 2, 1, 0}, {1, 3, 0, 2}, {2, 0, 3, 1}};
        for (int[] perm : perms) {
            NdArray y = x.permute(perm);
            int[] xs = x.shape();
            for (int i = 0; i < 4; i++) assertEquals(xs[perm[i]], y.dim(i));
            int[] inverse = new int[4];
            for (int i = 0; i < 4; i++) inverse[perm[i]] = i;
            assertEquals(0.0, y.permute(inverse).maxAbsDiff(x));
            // spot-check the element mapping y[idx] = x[idx'] with idx'[perm[i]] = idx[i]
            int[] idx = {1, 2, 0, 1};
            int[] yi = new int[4];
            for (int i = 0; i < 4; i++) yi[i] = idx[perm[i]];
            assertEquals(x.get(idx), y.get(yi));
        }
        NdArray sizeOne = NdArray.arange(DType.FLOAT32, 6).reshape(1, 2, 1, 3);
        assertArray(sizeOne.permute(3, 1, 0, 2), s(3, 2, 1, 1), 0, 0, 3, 1, 4, 2, 5);
        assertThrows(IllegalArgumentException.class, () -> x.permute(0, 1, 2));
        assertThrows(IllegalArgumentException.class, () -> x.permute(0, 1, 1, 2));
        assertThrows(IllegalArgumentException.class, () -> x.permute(0, 1, 2, 4));
    }

    @Test
    void broadcastToCopies() {
        NdArray a = arr(DType.FLOAT64, s(2, 1), 1, 2);
        assertArray(a.broadcastTo(2, 3), s(2, 3), 0, 1, 1, 1, 2, 2, 2);
        assertArray(a.broadcastTo(2, 2, 2), s(2, 2, 2), 0, 1, 1, 2, 2, 1, 1, 2, 2);
        assertArray(NdArray.scalar(DType.FLOAT32, 4).broadcastTo(3), s(3), 0, 4, 4, 4);
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> a.broadcastTo(1, 3));
        assertTrue(e.getMessage().contains("broadcastTo") && e.getMessage().contains("[2, 1]")
                && e.getMessage().contains("[1, 3]"), e.getMessage());
        assertThrows(ShapeMismatchException.class, () -> a.broadcastTo(3, 3));
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void sliceAndSelect(DType dt) {
        NdArray a = NdArray.arange(dt, 24).reshape(2, 3, 4);
        assertArray(a.slice(0, 1, 2), s(1, 3, 4), 0,
                12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23);
        assertArray(a.slice(1, 1, 3), s(2, 2, 4), 0,
                4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23);
        assertArray(a.slice(-1, 2, 4), s(2, 3, 2), 0, 2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23);
        assertArray(a.select(1, 2), s(2, 4), 0, 8, 9, 10, 11, 20, 21, 22, 23);
        assertArray(a.select(2, 0), s(2, 3), 0, 0, 4, 8, 12, 16, 20);
        assertArray(a.select(-1, 3).select(0, 1), s(3), 0, 15, 19, 23);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> a.slice(1, 2, 4));
        assertTrue(e.getMessage().contains("[2, 4)") && e.getMessage().contains("[2, 3, 4]"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> a.slice(1, 2, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> a.slice(1, -1, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> a.select(0, 2));
        assertThrows(IllegalArgumentException.class, () -> a.select(3, 0));
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void concatSplitChunkStackAreInverses(DType dt) {
        NdArray a = arr(dt, s(2, 2), 1, 2, 3, 4);
        NdArray b = arr(dt, s(2, 1), 5, 6);
        NdArray c = arr(dt, s(1, 2), 7, 8);
        assertArray(NdArray.concat(1, a, b), s(2, 3), 0, 1, 2, 5, 3, 4, 6);
        assertArray(NdArray.concat(0, a, c), s(3, 2), 0, 1, 2, 3, 4, 7, 8);
        assertArray(NdArray.concat(-1, b, a, b), s(2, 4), 0, 5, 1, 2, 5, 6, 3, 4, 6);
        assertArray(NdArray.concat(0, a), s(2, 2), 0, 1, 2, 3, 4);

        NdArray x = NdArray.arange(dt, 30).reshape(2, 5, 3);
        NdArray[] parts = x.split(1, 1, 3, 0, 1);
        assertEquals(4, parts.length);
        assertArrayEquals(new int[] {2, 3, 3}, parts[1].shape());
        assertArrayEquals(new int[] {2, 0, 3}, parts[2].shape());
        assertArray(parts[3], s(2, 1, 3), 0, 12, 13, 14, 27, 28, 29);
        assertEquals(0.0, NdArray.concat(1, parts).maxAbsDiff(x));

        NdArray[] ch = x.chunk(3, -1);
        assertEquals(3, ch.length);
        assertArray(ch[2].reshape(-1), s(10), 0, 2, 5, 8, 11, 14, 17, 20, 23, 26, 29);
        assertEquals(0.0, NdArray.concat(2, ch).maxAbsDiff(x));

        NdArray st = NdArray.stack(1, a, a.mul(10));
        assertArray(st, s(2, 2, 2), tol(dt), 1, 2, 10, 20, 3, 4, 30, 40);
        assertArray(NdArray.stack(0, a, a.mul(10)), s(2, 2, 2), tol(dt), 1, 2, 3, 4, 10, 20, 30, 40);
        assertArray(NdArray.stack(-1, a, a.mul(10)), s(2, 2, 2), tol(dt), 1, 10, 2, 20, 3, 30, 4, 40);
        for (int axis = 0; axis < 3; axis++) {
            NdArray stacked = NdArray.stack(axis, a, b.broadcastTo(2, 2), c.broadcastTo(2, 2));
            NdArray[] back = stacked.chunk(3, axis);
            assertEquals(0.0, back[0].reshape(2, 2).maxAbsDiff(a), "axis " + axis);
            assertEquals(0.0, back[2].reshape(2, 2).maxAbsDiff(c.broadcastTo(2, 2)), "axis " + axis);
        }
        assertArray(NdArray.stack(0, NdArray.scalar(dt, 1), NdArray.scalar(dt, 2)), s(2), 0, 1, 2);
    }

    @Test
    void splitAndChunkValidate() {
        NdArray x = NdArray.zeros(4, 6);
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> x.split(1, 2, 3));
        assertTrue(e.getMessage().contains("add up to 5") && e.getMessage().contains("[4, 6]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> x.split(1, 7, -1));
        e = assertThrows(ShapeMismatchException.class, () -> x.chunk(4, 1));
        assertTrue(e.getMessage().contains("chunk") && e.getMessage().contains("4 equal parts"), e.getMessage());
        assertThrows(ShapeMismatchException.class, () -> x.chunk(0, 1));
        assertThrows(IllegalArgumentException.class, () -> NdArray.concat(0));
        assertThrows(IllegalArgumentException.class, () -> NdArray.stack(0));
    }

    // ------------------------------------------------------------------ gather / scatter

    @ParameterizedTest
    @EnumSource(DType.class)
    void takeGathersRowsAndIndexAddScattersThem(DType dt) {
        NdArray table = arr(dt, s(4, 2), 0, 1, 10, 11, 20, 21, 30, 31);
        NdArray g = table.take(new int[] {3, 0, 3, 2}, 2, 2);
        assertArray(g, s(2, 2, 2), 0, 30, 31, 0, 1, 30, 31, 20, 21);
        assertArray(table.take(new int[] {1}), s(2), 0, 10, 11);   // 0-d index shape: one row, no leading axis
        NdArray vec = arr(dt, s(3), 5, 6, 7);
        assertArray(vec.take(new int[] {2, 2, 0}, 3), s(3), 0, 7, 7, 5);

        NdArray acc = NdArray.zeros(dt, 4, 2);
        acc.indexAddInPlace(new int[] {3, 0, 3}, arr(dt, s(3, 2), 1, 2, 3, 4, 5, 6));
        assertArray(acc, s(4, 2), 0, 3, 4, 0, 0, 0, 0, 6, 8);   // row 3 gets 1+5, 2+6

        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                () -> table.take(new int[] {0, 4}, 2));
        assertTrue(e.getMessage().contains("index 4 at position 1") && e.getMessage().contains("4 rows"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> table.take(new int[] {-1}, 1));
        assertThrows(IllegalArgumentException.class, () -> table.take(new int[] {0, 1}, 3));
        assertThrows(IndexOutOfBoundsException.class,
                () -> NdArray.zeros(dt, 4, 2).indexAddInPlace(new int[] {4}, NdArray.zeros(dt, 1, 2)));
        assertThrows(IndexOutOfBoundsException.class,
                () -> NdArray.zeros(dt, 4, 2).indexAddInPlace(new int[] {-1}, NdArray.zeros(dt, 1, 2)));
        assertThrows(ShapeMismatchException.class,
                () -> NdArray.zeros(dt, 4, 2).indexAddInPlace(new int[] {1, 2}, NdArray.zeros(dt, 1, 2)));
    }

    @Test
    void indexAddOutOfRangeWritesNothing() {
        NdArray acc = NdArray.zeros(DType.FLOAT64, 3, 2);
        assertThrows(IndexOutOfBoundsException.class,
                () -> acc.indexAddInPlace(new int[] {0, 3}, NdArray.ones(DType.FLOAT64, 2, 2)));
        assertArray(acc, s(3, 2), 0, 0, 0, 0, 0, 0, 0);
    }

    @Test
    void pickTakesOneElementPerRow() {
        NdArray a = arr(DType.FLOAT64, s(3, 2), 1, 2, 3, 4, 5, 6);
        assertArray(a.pick(new int[] {1, 0, 1}), s(3), 0, 2, 3, 6);
        assertThrows(IndexOutOfBoundsException.class, () -> a.pick(new int[] {0, 2, 0}));
        assertThrows(ShapeMismatchException.class, () -> a.pick(new int[] {0, 1}));
        assertThrows(ShapeMismatchException.class, () -> NdArray.zeros(3).pick(new int[] {0, 0, 0}));
    }

    // ------------------------------------------------------------------ in place

    @ParameterizedTest
    @EnumSource(DType.class)
    void inPlaceOps(DType dt) {
        NdArray a = arr(dt, s(3), 1, 2, 3);
        NdArray b = arr(dt, s(3), 0.5, -1, 2);
        assertSame(a, a.addInPlace(b));
        assertArray(a, s(3), 0, 1.5, 1, 5);
        a.subInPlace(b);
        assertArray(a, s(3), 0, 1, 2, 3);
        a.axpyInPlace(-2, b);
        assertArray(a, s(3), 0, 0, 4, -1);
        a.mulInPlace(b);
        assertArray(a, s(3), 0, 0, -4, -2);
        a.mulInPlace(0.5);
        assertArray(a, s(3), 0, 0, -2, -1);
        a.clampInPlace(-1.5, 0.5);
        assertArray(a, s(3), 0, 0, -1.5, -1);
        a.fillInPlace(7);
        assertArray(a, s(3), 0, 7, 7, 7);
        NdArray other = arr(dt == DType.FLOAT32 ? DType.FLOAT64 : DType.FLOAT32, s(3), 1.5, 2.5, -3);
        a.copyFrom(other);
        assertArray(a, s(3), 0, 1.5, 2.5, -3);
        assertEquals(dt, a.dtype());
        assertThrows(ShapeMismatchException.class, () -> a.addInPlace(NdArray.zeros(dt, 1)));
        assertThrows(ShapeMismatchException.class, () -> a.copyFrom(NdArray.zeros(dt, 3, 1)));
        assertThrows(IllegalArgumentException.class, () -> a.mulInPlace(other));
    }

    // ------------------------------------------------------------------ comparison

    @Test
    void comparisons() {
        NdArray a = arr(DType.FLOAT64, s(3), 1, 2, 3);
        NdArray b = arr(DType.FLOAT32, s(3), 1, 2.5, 2);
        assertEquals(1.0, a.maxAbsDiff(b));
        assertEquals(14.0, a.sumOfSquares());
        assertTrue(a.allFinite());
        assertTrue(a.allClose(b, 0, 1.0));
        assertFalse(a.allClose(b, 0, 0.99));
        assertTrue(a.allClose(b, 0.5, 0));    // |3 - 2| <= 0.5 * 2
        assertFalse(a.allClose(NdArray.zeros(DType.FLOAT64, 1, 3), 1, 1));
        assertFalse(arr(DType.FLOAT64, s(2), 1, Double.POSITIVE_INFINITY).allFinite());
        assertFalse(arr(DType.FLOAT64, s(2), Double.NaN, 1).allFinite());
        assertThrows(ShapeMismatchException.class, () -> a.maxAbsDiff(NdArray.zeros(2)));
    }

    @Test
    void nanDifferencesAreNeverHidden() {
        NdArray a = arr(DType.FLOAT64, s(3), Double.NaN, 1, 2);
        NdArray b = arr(DType.FLOAT64, s(3), 0, 0, 0);
        assertTrue(Double.isNaN(a.maxAbsDiff(b)), "NaN first");
        assertTrue(Double.isNaN(b.maxAbsDiff(a)), "NaN first, other side");
        NdArray c = arr(DType.FLOAT64, s(3), 5, Double.NaN, 2);
        assertTrue(Double.isNaN(c.maxAbsDiff(b)), "NaN in the middle");
        assertFalse(a.allClose(b, 1e9, 1e9));
        assertFalse(a.allClose(a, 0, 0), "NaN is not close to itself");
    }

    // ------------------------------------------------------------------ printing

    @Test
    void toStringShowsDTypeShapeAndValues() {
        NdArray m = arr(DType.FLOAT32, s(2, 3), 1, 2, 3, 4, 5.5, -6);
        assertEquals("NdArray(float32, [2, 3])\n[[1.0, 2.0, 3.0],\n [4.0, 5.500, -6.0]]", m.toString());
        assertEquals("NdArray(float64, [])\n2.500", NdArray.scalar(DType.FLOAT64, 2.5).toString());
        assertEquals("NdArray(float64, [3])\n[0.1000, 1.000e+06, NaN]",
                arr(DType.FLOAT64, s(3), 0.1, 1e6, Double.NaN).toString());
        NdArray r3 = NdArray.arange(DType.FLOAT64, 8).reshape(2, 2, 2);
        assertEquals("NdArray(float64, [2, 2, 2])\n[[[0.0, 1.0],\n  [2.0, 3.0]],\n [[4.0, 5.0],\n  [6.0, 7.0]]]",
                r3.toString());
    }

    @Test
    void toStringElidesLongDimensions() {
        String v = NdArray.arange(DType.FLOAT64, 1000).toString();
        assertEquals("NdArray(float64, [1000])\n[0.0, 1.0, 2.0, ..., 997.0, 998.0, 999.0]", v);
        String m = NdArray.arange(DType.FLOAT32, 24 * 12).reshape(24, 12).toString();
        String[] lines = m.split("\n");
        assertEquals("NdArray(float32, [24, 12])", lines[0]);
        assertEquals("[[0.0, 1.0, 2.0, ..., 9.0, 10.0, 11.0],", lines[1]);
        assertEquals(" ...,", lines[4]);
        assertEquals(" [276.0, 277.0, 278.0, ..., 285.0, 286.0, 287.0]]", lines[7]);
        assertEquals(8, lines.length);
        // a huge array prints its header only, never millions of numbers
        String big = NdArray.zeros(DType.FLOAT32, 1000, 1000).toString();
        assertTrue(big.startsWith("NdArray(float32, [1000, 1000])") && big.length() < 200, big.length() + " chars");
    }

    @Test
    void toStringIgnoresTheDefaultLocale() {
        java.util.Locale saved = java.util.Locale.getDefault();
        try {
            java.util.Locale.setDefault(java.util.Locale.GERMANY);
            assertEquals("NdArray(float64, [2])\n[1.0, 0.2500]", arr(DType.FLOAT64, s(2), 1, 0.25).toString());
        } finally {
            java.util.Locale.setDefault(saved);
        }
    }

    // ------------------------------------------------------------------ helpers

    private static double[] map(double[] x, java.util.function.DoubleUnaryOperator fn) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = fn.applyAsDouble(x[i]);
        return y;
    }

    @Test
    void operationsReturnNewArrays() {
        NdArray a = arr(DType.FLOAT64, s(2), 1, 2);
        assertNotSame(a, a.add(0));
        assertNotSame(a, a.copy());
        assertClose(a, a.copy(), 0);
    }
}
