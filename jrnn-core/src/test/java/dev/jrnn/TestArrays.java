package dev.jrnn;

import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.tensor.Shapes;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Small helpers shared by the tests: literal arrays in either dtype and value assertions that print both sides. */
public final class TestArrays {
    private TestArrays() {}

    /** An array of {@code dtype} and {@code shape} holding {@code values} in row-major order. */
    public static NdArray arr(DType dtype, int[] shape, double... values) {
        NdArray a = NdArray.zeros(dtype, shape);
        if (values.length != a.size()) {
            throw new IllegalArgumentException("test bug: " + values.length + " values for shape " + Shapes.str(shape));
        }
        for (int i = 0; i < values.length; i++) a.setFlat(i, values[i]);
        return a;
    }

    /** A float64 array. */
    public static NdArray d(int[] shape, double... values) {
        return arr(DType.FLOAT64, shape, values);
    }

    /** Shape literal. */
    public static int[] s(int... shape) {
        return shape;
    }

    /** Uniform in [-1, 1). */
    public static NdArray uniform(Rng rng, DType dtype, int... shape) {
        return NdArray.rand(rng, dtype, -1, 1, shape);
    }

    /** Values with |x| in [0.3, 1.3) and random sign: safely away from the kinks at 0 (relu, abs) and from 0 as a divisor. */
    public static NdArray awayFromZero(Rng rng, DType dtype, int... shape) {
        NdArray a = NdArray.zeros(dtype, shape);
        for (int i = 0; i < a.size(); i++) {
            double m = 0.3 + rng.nextDouble();
            a.setFlat(i, rng.nextDouble() < 0.5 ? -m : m);
        }
        return a;
    }

    /** Values in [lo, hi). */
    public static NdArray between(Rng rng, DType dtype, double lo, double hi, int... shape) {
        return NdArray.rand(rng, dtype, lo, hi, shape);
    }

    /**
     * Distinct values in random order, spaced 0.1 apart, so a maximum never ties (max/argmax gradients are
     * smooth in a neighbourhood much wider than the finite-difference step).
     */
    public static NdArray distinct(Rng rng, DType dtype, int... shape) {
        NdArray a = NdArray.zeros(dtype, shape);
        int[] order = new int[a.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        rng.shuffle(order);
        for (int i = 0; i < order.length; i++) a.setFlat(i, 0.1 * order[i] - 0.05 * order.length);
        return a;
    }

    /** Asserts the shape exactly and every value within {@code tol} (absolute). */
    public static void assertArray(NdArray actual, int[] shape, double tol, double... expected) {
        assertArrayEquals(shape, actual.shape(), () -> "shape: expected " + Shapes.str(shape) + ", got "
                + Shapes.str(actual.shape()));
        if (expected.length != actual.size()) {
            fail("expected " + expected.length + " values, array has " + actual.size());
        }
        for (int i = 0; i < expected.length; i++) {
            double a = actual.getFlat(i), e = expected[i];
            boolean ok = Double.isNaN(e) ? Double.isNaN(a) : (a == e || Math.abs(a - e) <= tol);
            if (!ok) {
                fail("element " + i + ": expected " + e + ", got " + a + " (tol " + tol + ")\nexpected "
                        + Arrays.toString(expected) + "\nactual   " + Arrays.toString(actual.toDoubleArray()));
            }
        }
    }

    /** Asserts two arrays have equal shapes and values within {@code tol}. */
    public static void assertClose(NdArray expected, NdArray actual, double tol) {
        assertArray(actual, expected.shape(), tol, expected.toDoubleArray());
    }

    /** Tolerance fitting the dtype: float32 results are compared at 1e-5, float64 at 1e-12. */
    public static double tol(DType dtype) {
        return dtype == DType.FLOAT32 ? 1e-5 : 1e-12;
    }
}
