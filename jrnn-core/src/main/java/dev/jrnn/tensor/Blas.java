package dev.jrnn.tensor;

import java.lang.System.Logger.Level;
import java.util.Locale;

/**
 * Row-major general matrix products, {@code C = alpha * op(A) * op(B) + beta * C}, on Java heap arrays.
 *
 * <p>{@code op(A)} is {@code [m, k]}, {@code op(B)} is {@code [k, n]}, {@code C} is {@code [m, n]}. With
 * {@code transA} false, A is stored {@code [m, k]}; with it true, A is stored {@code [k, m]} and used
 * transposed (likewise B). {@code lda}, {@code ldb}, {@code ldc} are the row strides of the matrices as stored
 * (at least their column count, and at least 1), so a matrix can be a block of a larger one; {@code aOff} etc.
 * are the array indexes of their first elements. As in reference BLAS, {@code beta == 0} means C is only written
 * (NaN or garbage in C does not leak), and {@code alpha == 0} or {@code k == 0} only scales C.
 *
 * <h2>Backends</h2>
 * Chosen once, when this class is initialised, and announced in one {@link System.Logger} line (logger
 * {@code dev.jrnn.tensor.Blas}, INFO, or WARNING when the native library failed to load):
 * <ul>
 *   <li>{@code "openblas"}: OpenBLAS 0.3.28 from the {@code org.bytedeco:openblas} jar, called through
 *       {@code dev.ludovic.netlib:blas}'s JNI binding, which pins the heap arrays (no copies). Every
 *       non-degenerate product goes native: the call costs about 0.2 us, and the Java kernel measured slower
 *       from 8x8x8 up (docs/blas.md). Products under
 *       {@code -Djrnn.blas.parallelThreshold} multiply-adds (default 2^22) run on the caller; larger ones are
 *       split into blocks of C, one single-thread OpenBLAS call each, over all cores or
 *       {@code -Djrnn.blas.threads=N} (jrnn's helper threads, not OpenBLAS's: see docs/blas.md).</li>
 *   <li>{@code "native"}: as above, but the library is the one named by netlib's own system property
 *       {@code dev.ludovic.netlib.blas.nativeLibPath} (or {@code nativeLib}), when the user set it.</li>
 *   <li>{@code "java"}: a pure-Java cache-blocked kernel that the JIT auto-vectorizes, several times slower than
 *       OpenBLAS on large products. Used when the native library cannot be loaded (any error), or when forced
 *       with the system property {@code -Djrnn.blas=java}. It uses up to the number of available processors
 *       (the caller plus the common fork-join pool); {@code -Djrnn.blas.threads=N} caps that.</li>
 * </ul>
 * The native path holds the JVM's GC locker for the duration of a call (JNI critical arrays), so a very large
 * product delays garbage collections in other threads until it returns.
 *
 * <h2>Errors</h2>
 * Negative dimensions or offsets, leading dimensions smaller than the stored row length, and arrays too short
 * for the given offset, stride and shape throw {@link IllegalArgumentException} naming the method, the argument,
 * what was needed and what was found; null arrays throw {@link NullPointerException}.
 */
public final class Blas {
    private Blas() {}

    /** System property that forces a backend: {@code java} for the pure-Java kernel; anything else means auto. */
    static final String BACKEND_PROPERTY = "jrnn.blas";

    private static final NativeGemm NATIVE;
    private static final String BACKEND;
    private static final String DESCRIPTION;

    static {
        String forced = System.getProperty(BACKEND_PROPERTY, "").trim().toLowerCase(Locale.ROOT);
        NativeGemm nat = null;
        Level level = Level.INFO;
        String why;
        String javaKernel = "java: pure-Java kernel, up to " + JavaGemm.maxThreadCount() + " thread(s)";
        if (forced.equals("java")) {
            why = javaKernel + ", forced by -D" + BACKEND_PROPERTY + "=java";
        } else {
            try {
                nat = NativeGemm.load();
                why = nat.description;
            } catch (Throwable t) {
                level = Level.WARNING;
                why = javaKernel + ", because the native library could not be loaded: " + t
                        + " (-D" + BACKEND_PROPERTY + "=java silences this)";
            }
            if (!forced.isEmpty() && !forced.equals("auto") && !forced.equals("native")
                    && !forced.equals("openblas")) {
                why += "; ignored unknown -D" + BACKEND_PROPERTY + "=" + forced;
            }
        }
        NATIVE = nat;
        BACKEND = nat != null ? nat.name : "java";
        DESCRIPTION = why;
        System.getLogger(Blas.class.getName()).log(level, "jrnn BLAS backend " + why);
    }

    /**
     * Name of the backend in use: {@code "openblas"}, {@code "native"} (a library the user named through netlib's
     * system properties) or {@code "java"} (the pure-Java fallback). Fixed for the life of the JVM.
     *
     * @return the backend name
     */
    public static String backend() {
        return BACKEND;
    }

    /** The backend line that was logged, for diagnostics. */
    static String backendDescription() {
        return DESCRIPTION;
    }

    /** The native backend, or null when the Java kernel is in use. */
    static NativeGemm nativeGemm() {
        return NATIVE;
    }

    /**
     * Single-precision GEMM on row-major matrices: {@code C = alpha * op(A) * op(B) + beta * C}.
     *
     * @param transA use A transposed: A is stored {@code [k, m]} instead of {@code [m, k]}
     * @param transB use B transposed: B is stored {@code [n, k]} instead of {@code [k, n]}
     * @param m rows of op(A) and C
     * @param n columns of op(B) and C
     * @param k columns of op(A), rows of op(B)
     * @param alpha scale of the product
     * @param a array holding A
     * @param aOff index of A's first element in {@code a}
     * @param lda row stride of A as stored
     * @param b array holding B
     * @param bOff index of B's first element in {@code b}
     * @param ldb row stride of B as stored
     * @param beta scale of the old C; 0 means C is not read
     * @param c array holding C, updated in place
     * @param cOff index of C's first element in {@code c}
     * @param ldc row stride of C
     * @throws IllegalArgumentException on negative sizes or offsets, too small strides, or too short arrays
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        sgemm("Blas.sgemm", Route.AUTO, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /**
     * Double-precision GEMM; same conventions as {@link #sgemm}.
     *
     * @param transA use A transposed: A is stored {@code [k, m]} instead of {@code [m, k]}
     * @param transB use B transposed: B is stored {@code [n, k]} instead of {@code [k, n]}
     * @param m rows of op(A) and C
     * @param n columns of op(B) and C
     * @param k columns of op(A), rows of op(B)
     * @param alpha scale of the product
     * @param a array holding A
     * @param aOff index of A's first element in {@code a}
     * @param lda row stride of A as stored
     * @param b array holding B
     * @param bOff index of B's first element in {@code b}
     * @param ldb row stride of B as stored
     * @param beta scale of the old C; 0 means C is not read
     * @param c array holding C, updated in place
     * @param cOff index of C's first element in {@code c}
     * @param ldc row stride of C
     * @throws IllegalArgumentException on negative sizes or offsets, too small strides, or too short arrays
     */
    public static void dgemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
                             double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                             double beta, double[] c, int cOff, int ldc) {
        dgemm("Blas.dgemm", Route.AUTO, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /**
     * The pure-Java single-precision kernel, whatever {@link #backend()} is; same contract as {@link #sgemm}.
     * For benchmarks and for comparing backends; normal code should call {@link #sgemm}.
     *
     * @param transA use A transposed: A is stored {@code [k, m]} instead of {@code [m, k]}
     * @param transB use B transposed: B is stored {@code [n, k]} instead of {@code [k, n]}
     * @param m rows of op(A) and C
     * @param n columns of op(B) and C
     * @param k columns of op(A), rows of op(B)
     * @param alpha scale of the product
     * @param a array holding A
     * @param aOff index of A's first element in {@code a}
     * @param lda row stride of A as stored
     * @param b array holding B
     * @param bOff index of B's first element in {@code b}
     * @param ldb row stride of B as stored
     * @param beta scale of the old C; 0 means C is not read
     * @param c array holding C, updated in place
     * @param cOff index of C's first element in {@code c}
     * @param ldc row stride of C
     * @throws IllegalArgumentException on negative sizes or offsets, too small strides, or too short arrays
     */
    public static void javaSgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                 float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                 float beta, float[] c, int cOff, int ldc) {
        check("Blas.javaSgemm", transA, transB, m, n, k, a == null ? -1 : a.length, aOff, lda,
                b == null ? -1 : b.length, bOff, ldb, c == null ? -1 : c.length, cOff, ldc);
        JavaGemm.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /** How a product runs: {@code AUTO} as {@link #sgemm} describes, {@code NATIVE} on the native library (tests). */
    private enum Route { AUTO, NATIVE }

    private static void sgemm(String op, Route route, boolean transA, boolean transB, int m, int n, int k, float alpha,
                              float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                              float beta, float[] c, int cOff, int ldc) {
        check(op, transA, transB, m, n, k, a == null ? -1 : a.length, aOff, lda,
                b == null ? -1 : b.length, bOff, ldb, c == null ? -1 : c.length, cOff, ldc);
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || alpha == 0) {
            JavaGemm.F.scale(m, n, beta, c, cOff, ldc);
        } else if (route == Route.NATIVE || NATIVE != null) {
            NATIVE.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        } else {
            JavaGemm.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }
    }

    private static void dgemm(String op, Route route, boolean transA, boolean transB, int m, int n, int k, double alpha,
                              double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                              double beta, double[] c, int cOff, int ldc) {
        check(op, transA, transB, m, n, k, a == null ? -1 : a.length, aOff, lda,
                b == null ? -1 : b.length, bOff, ldb, c == null ? -1 : c.length, cOff, ldc);
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || alpha == 0) {
            JavaGemm.D.scale(m, n, beta, c, cOff, ldc);
        } else if (route == Route.NATIVE || NATIVE != null) {
            NATIVE.dgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        } else {
            JavaGemm.dgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }
    }

    /** The pure-Java double-precision kernel with argument checks; for tests. */
    static void javaDgemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
                          double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                          double beta, double[] c, int cOff, int ldc) {
        check("Blas.javaDgemm", transA, transB, m, n, k, a == null ? -1 : a.length, aOff, lda,
                b == null ? -1 : b.length, bOff, ldb, c == null ? -1 : c.length, cOff, ldc);
        JavaGemm.dgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /** The native single-precision path, called directly; for tests (requires the native backend). */
    static void nativeSgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float beta, float[] c, int cOff, int ldc) {
        sgemm("Blas.nativeSgemm", Route.NATIVE, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /** The native double-precision path, called directly; for tests (requires the native backend). */
    static void nativeDgemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
                            double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                            double beta, double[] c, int cOff, int ldc) {
        dgemm("Blas.nativeDgemm", Route.NATIVE, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /** Validates a GEMM call; array lengths are -1 for null arrays. */
    private static void check(String fn, boolean transA, boolean transB, int m, int n, int k,
                              int aLen, int aOff, int lda, int bLen, int bOff, int ldb,
                              int cLen, int cOff, int ldc) {
        nonNegative(fn, "m", m);
        nonNegative(fn, "n", n);
        nonNegative(fn, "k", k);
        matrix(fn, "a", "A", "aOff", "lda", transA ? "transA=true: stored [k, m]" : "transA=false: stored [m, k]",
                transA ? k : m, transA ? m : k, aLen, aOff, lda);
        matrix(fn, "b", "B", "bOff", "ldb", transB ? "transB=true: stored [n, k]" : "transB=false: stored [k, n]",
                transB ? n : k, transB ? k : n, bLen, bOff, ldb);
        matrix(fn, "c", "C", "cOff", "ldc", "stored [m, n]", m, n, cLen, cOff, ldc);
    }

    private static void nonNegative(String fn, String name, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(fn + ": " + name + " must be >= 0, got " + value);
        }
    }

    private static void matrix(String fn, String array, String matrix, String offName, String ldName,
                               String layout, int rows, int cols, int length, int off, int ld) {
        if (length < 0) {
            throw new NullPointerException(fn + ": " + array + " must not be null");
        }
        nonNegative(fn, offName, off);
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException(fn + ": " + ldName + " must be >= max(1, " + cols + ") for "
                    + matrix + " " + rows + " x " + cols + " (" + layout + "), got " + ldName + " = " + ld);
        }
        if (rows > 0 && cols > 0) {
            long needed = off + (long) (rows - 1) * ld + cols;
            if (needed > length) {
                throw new IllegalArgumentException(fn + ": " + array + " is too short for " + matrix + " " + rows
                        + " x " + cols + " (" + layout + ") at " + offName + " = " + off + " with " + ldName + " = "
                        + ld + ": needs " + array + ".length >= " + needed + ", got " + array + ".length = "
                        + length);
            }
        }
    }
}
