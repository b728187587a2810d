package dev.jrnn.tensor;

/**
 * Row-major general matrix products, {@code C = alpha * op(A) * op(B) + beta * C}.
 *
 * <p>PLACEHOLDER: naive loops until the native backend lands.
 */
public final class Blas {
    private Blas() {}

    /** Name of the backend in use. */
    public static String backend() { return "naive"; }

    /**
     * Single-precision GEMM on row-major matrices. {@code op(A)} is {@code [m, k]}, {@code op(B)} is
     * {@code [k, n]}, {@code C} is {@code [m, n]}; lda/ldb/ldc are row strides of the stored matrices.
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    s += av * bv;
                }
                int ci = cOff + i * ldc + j;
                c[ci] = (float) (alpha * s + (beta == 0 ? 0 : beta * c[ci]));
            }
        }
    }

    /** Double-precision GEMM; same conventions as {@link #sgemm}. */
    public static void dgemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
                             double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                             double beta, double[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    double av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    double bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    s += av * bv;
                }
                int ci = cOff + i * ldc + j;
                c[ci] = alpha * s + (beta == 0 ? 0 : beta * c[ci]);
            }
        }
    }
}
