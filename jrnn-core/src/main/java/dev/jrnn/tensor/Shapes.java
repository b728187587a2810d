package dev.jrnn.tensor;

import java.util.Arrays;

/**
 * Shape arithmetic and the one place that words shape errors, so that every message has one form:
 * {@code op: argument has shape [..], expected [..]}.
 */
public final class Shapes {
    private Shapes() {}

    /** Number of elements of a shape; checks that no dimension is negative and the product fits an int. */
    public static int size(int... shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("shape " + str(shape) + " has a negative dimension");
            }
            n *= d;
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("shape " + str(shape) + " has more than 2^31-1 elements");
            }
        }
        return (int) n;
    }

    /** Row-major strides of a shape. */
    public static int[] strides(int[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    /** Formats a shape as {@code [2, 3]}. */
    public static String str(int... shape) {
        return Arrays.toString(shape);
    }

    /** Resolves a possibly negative axis ({@code -1} is the last) against a rank, or throws naming the op. */
    public static int axis(String op, int axis, int rank) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new IllegalArgumentException(op + ": axis " + axis + " is out of range for a tensor of rank "
                    + rank + " (valid: " + (-rank) + ".." + (rank - 1) + ")");
        }
        return a;
    }

    /**
     * The broadcast shape of two shapes (NumPy rules: align on the right, sizes equal or one of them 1).
     *
     * @throws ShapeMismatchException naming {@code op} and both shapes when they do not broadcast
     */
    public static int[] broadcast(String op, int[] a, int[] b) {
        int r = Math.max(a.length, b.length);
        int[] out = new int[r];
        for (int i = 0; i < r; i++) {
            int da = i < r - a.length ? 1 : a[i - (r - a.length)];
            int db = i < r - b.length ? 1 : b[i - (r - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new ShapeMismatchException(op + ": shapes " + str(a) + " and " + str(b)
                        + " cannot be broadcast together (dimension " + i + " of the result: " + da + " vs " + db
                        + "; sizes must match or one of them be 1)");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** Throws a {@link ShapeMismatchException} in the common form. */
    public static ShapeMismatchException mismatch(String op, String argument, int[] actual, String expected) {
        return new ShapeMismatchException(op + ": " + argument + " has shape " + str(actual) + ", expected "
                + expected);
    }
}
