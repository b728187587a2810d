package dev.jrnn.bench;

import dev.jrnn.tensor.Blas;
import java.util.Random;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * One benchmark shape, {@code C[m, n] = A[m, k] * B[k, n]} (row-major, no transposes, alpha 1, beta 0), with the
 * same random data on the Java heap and off-heap, and one method per way of computing it.
 */
public final class GemmCase implements AutoCloseable {
    /** The backends compared, in table order. */
    public enum Backend {
        /** {@link Blas#sgemm}: whatever backend jrnn selected (OpenBLAS through netlib JNI here). */
        JRNN("jrnn Blas.sgemm"),
        /** {@link Blas#javaSgemm}: jrnn's pure-Java kernel. */
        JAVA("jrnn pure Java"),
        /** OpenBLAS {@code cblas_sgemm} through JavaCPP's {@code float[]} overload, which copies the arrays. */
        JAVACPP_ARRAYS("JavaCPP float[]"),
        /** OpenBLAS {@code cblas_sgemm} through JavaCPP on off-heap {@link FloatPointer}s: the ceiling. */
        CEILING("JavaCPP FloatPointer");

        /** Short label for tables. */
        public final String label;

        Backend(String label) {
            this.label = label;
        }
    }

    /** Rows of A and C. */
    public final int m;
    /** Columns of B and C. */
    public final int n;
    /** Columns of A, rows of B. */
    public final int k;
    private final float[] a;
    private final float[] b;
    private final float[] c;
    private final FloatPointer pa;
    private final FloatPointer pb;
    private final FloatPointer pc;

    /**
     * Allocates and fills the matrices.
     *
     * @param m rows of A and C
     * @param k columns of A, rows of B
     * @param n columns of B and C
     */
    public GemmCase(int m, int k, int n) {
        Blas.backend(); // load OpenBLAS the way jrnn does before JavaCPP's own class touches it
        this.m = m;
        this.n = n;
        this.k = k;
        Random rnd = new Random(7);
        a = new float[m * k];
        b = new float[k * n];
        c = new float[m * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = rnd.nextFloat() - 0.5f;
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = rnd.nextFloat() - 0.5f;
        }
        pa = new FloatPointer(a);
        pb = new FloatPointer(b);
        pc = new FloatPointer((long) m * n);
    }

    /**
     * Parses {@code "MxKxN"}, e.g. {@code "64x384x1024"} for {@code [64x384] x [384x1024]}.
     *
     * @param shape the shape text
     * @return a new case
     */
    public static GemmCase parse(String shape) {
        String[] p = shape.trim().split("x");
        if (p.length != 3) {
            throw new IllegalArgumentException("shape must be MxKxN, e.g. 64x384x1024, got " + shape);
        }
        return new GemmCase(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]));
    }

    /**
     * Floating-point operations per product.
     *
     * @return {@code 2 m n k}
     */
    public double flops() {
        return 2.0 * m * n * k;
    }

    /**
     * The shape for tables.
     *
     * @return {@code [MxK]x[KxN]}
     */
    public String shape() {
        return "[" + m + "x" + k + "]x[" + k + "x" + n + "]";
    }

    /**
     * Computes the product once with the given backend.
     *
     * @param backend which implementation
     */
    public void run(Backend backend) {
        switch (backend) {
            case JRNN -> jrnn();
            case JAVA -> java();
            case JAVACPP_ARRAYS -> javacppArrays();
            case CEILING -> ceiling();
            default -> throw new AssertionError(backend);
        }
    }

    /**
     * OpenBLAS's own threads for the JavaCPP backends: {@code OPENBLAS_NUM_THREADS}, else every processor. jrnn's
     * {@link Blas} sets OpenBLAS to one thread (it splits products itself), so the thread count is switched when
     * the backend changes: once per round in the harnesses, not per product.
     */
    private static final int OPENBLAS_THREADS = openBlasThreadsWanted();
    private static int openBlasThreads = -1;

    static {
        Blas.backend();   // Blas's own setting comes first, then ours
    }

    private static int openBlasThreadsWanted() {
        try {
            return Math.max(1, Integer.parseInt(System.getenv().getOrDefault("OPENBLAS_NUM_THREADS", "").trim()));
        } catch (NumberFormatException e) {
            return Runtime.getRuntime().availableProcessors();
        }
    }

    private static void openBlasThreads(int n) {
        if (n != openBlasThreads) {
            openblas_nolapack.blas_set_num_threads(n);
            openBlasThreads = n;
        }
    }

    /** {@link Blas#sgemm} on the heap arrays. */
    public void jrnn() {
        openBlasThreads(1);
        Blas.sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
    }

    /** {@link Blas#javaSgemm} on the heap arrays. */
    public void java() {
        openBlasThreads(1);
        Blas.javaSgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
    }

    /** {@code cblas_sgemm(float[]...)} through JavaCPP (copies in and out). */
    public void javacppArrays() {
        openBlasThreads(OPENBLAS_THREADS);
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans,
                openblas_nolapack.CblasNoTrans, m, n, k, 1f, a, k, b, n, 0f, c, n);
    }

    /** {@code cblas_sgemm(FloatPointer...)} through JavaCPP on off-heap memory. */
    public void ceiling() {
        openBlasThreads(OPENBLAS_THREADS);
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans,
                openblas_nolapack.CblasNoTrans, m, n, k, 1f, pa, k, pb, n, 0f, pc, n);
    }

    /**
     * The heap result array, so JMH can consume it.
     *
     * @return C
     */
    public float[] result() {
        return c;
    }

    /** Frees the off-heap matrices. */
    @Override
    public void close() {
        pa.close();
        pb.close();
        pc.close();
    }
}
