package dev.jrnn.tensor;

import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * The pure-Java GEMM behind {@link Blas} when OpenBLAS is unavailable (or forced with {@code -Djrnn.blas=java}).
 *
 * <p>Row-major {@code C = alpha op(A) op(B) + beta C}, arguments already validated by {@link Blas}. Layout:
 * C is cut into tasks of {@link #MC} rows by {@code NC} columns, run on the caller plus the common
 * fork-join pool when the product is large enough. Inside a task, for each depth panel of {@code KC}:
 * op(B)[panel, columns] is packed into {@code KC} separate row arrays, then for every 4 (or 2, 1) rows of C
 * the rows of op(A) are packed (times alpha), the C rows are copied into zero-based tile arrays, the kernel
 * does {@code tile[q][j] += a[q][p] * b[p][j]} with {@code j} innermost (which C2 auto-vectorizes), and the
 * tiles are copied back. Copying in and out keeps every array the kernel touches indexed from 0, which JDK 17's
 * superword optimizer needs; the copies are {@code System.arraycopy} and cost O(m n) per panel.
 *
 * <p>beta == 0 never reads C; alpha == 0 or k == 0 only scales C (A and B are not read), as in reference BLAS.
 * The {@link F} and {@link D} nested classes are the same code: D is F with {@code float} replaced by
 * {@code double} and NC halved (same bytes per tile row). Change both together.
 */
final class JavaGemm {
    private JavaGemm() {}

    /** Rows of C per task. */
    static final int MC = 64;
    /** Rows of the largest kernel. */
    static final int MR = 4;
    /** Products with fewer multiply-adds than this ({@code m*n*k}) stay on the calling thread. */
    static final long PARALLEL_MIN_MNK = 1L << 20;

    /** System property: the most threads the Java kernel may use (default: min(processors, common pool + 1)). */
    static final String THREADS_PROPERTY = "jrnn.blas.threads";

    private static final int MAX_THREADS = maxThreads();

    private static int maxThreads() {
        int cpus = Runtime.getRuntime().availableProcessors();
        int max = Math.min(cpus, ForkJoinPool.getCommonPoolParallelism() + 1);
        String p = System.getProperty(THREADS_PROPERTY);
        if (p != null) {
            try {
                max = Math.max(1, Integer.parseInt(p.trim()));
            } catch (NumberFormatException e) {
                // keep the default; Blas logs the backend, this is not worth a second line
            }
        }
        return max;
    }

    /** Threads the Java kernel uses at most. */
    static int maxThreadCount() {
        return MAX_THREADS;
    }

    static int threadsFor(long mnk, int tasks) {
        if (mnk < PARALLEL_MIN_MNK || MAX_THREADS <= 1) {
            return 1;
        }
        return Math.min(MAX_THREADS, tasks);
    }

    /** Runs tasks 0..tasks-1 on the caller and threads-1 helpers from the common pool. */
    static void run(int tasks, int threads, IntConsumer task) {
        if (threads <= 1) {
            for (int t = 0; t < tasks; t++) {
                task.accept(t);
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();
        Runnable worker = () -> {
            for (int t; (t = next.getAndIncrement()) < tasks; ) {
                task.accept(t);
            }
        };
        ForkJoinTask<?>[] helpers = new ForkJoinTask<?>[threads - 1];
        for (int h = 0; h < helpers.length; h++) {
            helpers[h] = ForkJoinPool.commonPool().submit(worker);
        }
        try {
            worker.run();
        } finally {
            for (ForkJoinTask<?> h : helpers) {
                h.join();
            }
        }
    }

    /** Single precision; see {@link Blas#sgemm}. Arguments must already be validated. */
    static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                      float beta, float[] c, int cOff, int ldc) {
        F.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /** Double precision; see {@link Blas#dgemm}. Arguments must already be validated. */
    static void dgemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
                      double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                      double beta, double[] c, int cOff, int ldc) {
        D.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /** Single-precision kernels; {@link D} is the same text for double (tools/twins.txt). */
    static final class F {
        // twin gemm float begin
        private F() {}

        /** Depth of a packed panel (rows of op(B), columns of op(A)). */
        static final int KC = 256;
        /** Width of a packed panel of op(B) and of a C tile row; 1 KiB of floats, so 4 tile rows sit in L1. */
        static final int NC = 1024 / Float.BYTES;

        /** Per-thread scratch: the packed panel of op(B) (one array per row so the kernel indexes from 0),
         *  the packed strip of op(A), and the C tile rows. */
        private static final class Scratch {
            final float[][] b = new float[KC][NC];
            final float[] a = new float[MR * KC];
            final float[][] t = new float[MR][NC];
        }

        private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

        /** {@code C = alpha op(A) op(B) + beta C}; arguments already validated. */
        static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                         float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                         float beta, float[] c, int cOff, int ldc) {
            if (m == 0 || n == 0) {
                return;
            }
            if (k == 0 || alpha == 0) {
                scale(m, n, beta, c, cOff, ldc);
                return;
            }
            int rowChunks = (m + MC - 1) / MC;
            int colBlocks = (n + NC - 1) / NC;
            int tasks = rowChunks * colBlocks;
            IntConsumer task = t -> {
                int i0 = (t / colBlocks) * MC;
                int j0 = (t % colBlocks) * NC;
                block(transA, transB, i0, Math.min(MC, m - i0), j0, Math.min(NC, n - j0), k, alpha,
                        a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            };
            run(tasks, threadsFor((long) m * n * k, tasks), task);
        }

        /** {@code C = beta C} without reading C when beta is 0. */
        static void scale(int m, int n, float beta, float[] c, int cOff, int ldc) {
            if (beta == 1) {
                return;
            }
            for (int i = 0; i < m; i++) {
                int row = cOff + i * ldc;
                if (beta == 0) {
                    Arrays.fill(c, row, row + n, 0);
                } else {
                    for (int j = row; j < row + n; j++) {
                        c[j] *= beta;
                    }
                }
            }
        }

        /** One task: rows [i0, i0+mc) and columns [j0, j0+nc) of C, all of k. */
        private static void block(boolean transA, boolean transB, int i0, int mc, int j0, int nc, int k,
                                  float alpha, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                  float beta, float[] c, int cOff, int ldc) {
            Scratch s = SCRATCH.get();
            float[][] bp = s.b;
            float[] ap = s.a;
            float[][] t = s.t;
            int iEnd = i0 + mc;
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                packB(transB, b, bOff, ldb, pc, kc, j0, nc, bp);
                boolean first = pc == 0;
                for (int i = i0; i < iEnd; ) {
                    int left = iEnd - i;
                    int r = left >= 4 ? 4 : left >= 2 ? 2 : 1;
                    packA(transA, a, aOff, lda, i, r, pc, kc, alpha, ap);
                    for (int q = 0; q < r; q++) {
                        loadTile(c, cOff + (i + q) * ldc + j0, nc, t[q], first, beta);
                    }
                    if (r == 4) {
                        kernel4(kc, nc, ap, bp, t[0], t[1], t[2], t[3]);
                    } else if (r == 2) {
                        kernel2(kc, nc, ap, bp, t[0], t[1]);
                    } else {
                        kernel1(kc, nc, ap, bp, t[0]);
                    }
                    for (int q = 0; q < r; q++) {
                        System.arraycopy(t[q], 0, c, cOff + (i + q) * ldc + j0, nc);
                    }
                    i += r;
                }
            }
        }

        /** Tile row := C row (first panel: beta C row, never reading C when beta is 0). */
        private static void loadTile(float[] c, int off, int nc, float[] t, boolean first, float beta) {
            if (!first || beta == 1) {
                System.arraycopy(c, off, t, 0, nc);
            } else if (beta == 0) {
                Arrays.fill(t, 0, nc, 0);
            } else {
                System.arraycopy(c, off, t, 0, nc);
                for (int j = 0; j < nc; j++) {
                    t[j] *= beta;
                }
            }
        }

        /** bp[p][j] = op(B)[pc + p][j0 + j]. */
        private static void packB(boolean transB, float[] b, int bOff, int ldb, int pc, int kc, int j0, int nc,
                                  float[][] bp) {
            if (!transB) {
                for (int p = 0; p < kc; p++) {
                    System.arraycopy(b, bOff + (pc + p) * ldb + j0, bp[p], 0, nc);
                }
            } else {
                // B is stored [n, k]: row j of storage is column j of op(B). Read 8 storage rows at a time so
                // every store into bp[p] touches consecutive elements.
                int j = 0;
                for (; j + 8 <= nc; j += 8) {
                    int r0 = bOff + (j0 + j) * ldb + pc;
                    for (int p = 0; p < kc; p++) {
                        float[] dst = bp[p];
                        int src = r0 + p;
                        dst[j] = b[src];
                        dst[j + 1] = b[src + ldb];
                        dst[j + 2] = b[src + 2 * ldb];
                        dst[j + 3] = b[src + 3 * ldb];
                        dst[j + 4] = b[src + 4 * ldb];
                        dst[j + 5] = b[src + 5 * ldb];
                        dst[j + 6] = b[src + 6 * ldb];
                        dst[j + 7] = b[src + 7 * ldb];
                    }
                }
                for (; j < nc; j++) {
                    int src = bOff + (j0 + j) * ldb + pc;
                    for (int p = 0; p < kc; p++) {
                        bp[p][j] = b[src + p];
                    }
                }
            }
        }

        /** ap[p * r + q] = alpha * op(A)[i + q][pc + p] for q < r. */
        private static void packA(boolean transA, float[] a, int aOff, int lda, int i, int r, int pc, int kc,
                                  float alpha, float[] ap) {
            if (!transA) {
                for (int q = 0; q < r; q++) {
                    int src = aOff + (i + q) * lda + pc;
                    for (int p = 0, d = q; p < kc; p++, d += r) {
                        ap[d] = alpha * a[src + p];
                    }
                }
            } else {
                // A is stored [k, m]: op(A)[i][p] = a[aOff + p * lda + i]; the r values for one p are adjacent.
                for (int p = 0; p < kc; p++) {
                    int src = aOff + (pc + p) * lda + i;
                    int d = p * r;
                    for (int q = 0; q < r; q++) {
                        ap[d + q] = alpha * a[src + q];
                    }
                }
            }
        }

        // The kernels: every array is indexed from 0 by the loop variable, which C2 in JDK 17 needs to
        // vectorize the loop (refs with different invariant offsets are not mutually alignable). Bodies stay
        // small for the same reason: unrolling the p loop or taking more rows stops C2 from vectorizing.

        private static void kernel4(int kc, int nc, float[] ap, float[][] bp,
                                    float[] t0, float[] t1, float[] t2, float[] t3) {
            for (int p = 0, ao = 0; p < kc; p++, ao += 4) {
                float a0 = ap[ao], a1 = ap[ao + 1], a2 = ap[ao + 2], a3 = ap[ao + 3];
                float[] bRow = bp[p];
                for (int j = 0; j < nc; j++) {
                    float bv = bRow[j];
                    t0[j] += a0 * bv;
                    t1[j] += a1 * bv;
                    t2[j] += a2 * bv;
                    t3[j] += a3 * bv;
                }
            }
        }

        private static void kernel2(int kc, int nc, float[] ap, float[][] bp, float[] t0, float[] t1) {
            for (int p = 0, ao = 0; p < kc; p++, ao += 2) {
                float a0 = ap[ao], a1 = ap[ao + 1];
                float[] bRow = bp[p];
                for (int j = 0; j < nc; j++) {
                    float bv = bRow[j];
                    t0[j] += a0 * bv;
                    t1[j] += a1 * bv;
                }
            }
        }

        private static void kernel1(int kc, int nc, float[] ap, float[][] bp, float[] t0) {
            for (int p = 0; p < kc; p++) {
                float a0 = ap[p];
                float[] bRow = bp[p];
                for (int j = 0; j < nc; j++) {
                    t0[j] += a0 * bRow[j];
                }
            }
        }
        // twin gemm float end
    }

    /** Double-precision kernels: {@link F}'s text with float replaced by double (tools/twins.txt). */
    static final class D {
        // twin gemm double begin: generated by tools/gen_twins.py from the float region above; edit that one
        private D() {}

        /** Depth of a packed panel (rows of op(B), columns of op(A)). */
        static final int KC = 256;
        /** Width of a packed panel of op(B) and of a C tile row; 1 KiB of doubles, so 4 tile rows sit in L1. */
        static final int NC = 1024 / Double.BYTES;

        /** Per-thread scratch: the packed panel of op(B) (one array per row so the kernel indexes from 0),
         *  the packed strip of op(A), and the C tile rows. */
        private static final class Scratch {
            final double[][] b = new double[KC][NC];
            final double[] a = new double[MR * KC];
            final double[][] t = new double[MR][NC];
        }

        private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

        /** {@code C = alpha op(A) op(B) + beta C}; arguments already validated. */
        static void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
                         double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                         double beta, double[] c, int cOff, int ldc) {
            if (m == 0 || n == 0) {
                return;
            }
            if (k == 0 || alpha == 0) {
                scale(m, n, beta, c, cOff, ldc);
                return;
            }
            int rowChunks = (m + MC - 1) / MC;
            int colBlocks = (n + NC - 1) / NC;
            int tasks = rowChunks * colBlocks;
            IntConsumer task = t -> {
                int i0 = (t / colBlocks) * MC;
                int j0 = (t % colBlocks) * NC;
                block(transA, transB, i0, Math.min(MC, m - i0), j0, Math.min(NC, n - j0), k, alpha,
                        a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            };
            run(tasks, threadsFor((long) m * n * k, tasks), task);
        }

        /** {@code C = beta C} without reading C when beta is 0. */
        static void scale(int m, int n, double beta, double[] c, int cOff, int ldc) {
            if (beta == 1) {
                return;
            }
            for (int i = 0; i < m; i++) {
                int row = cOff + i * ldc;
                if (beta == 0) {
                    Arrays.fill(c, row, row + n, 0);
                } else {
                    for (int j = row; j < row + n; j++) {
                        c[j] *= beta;
                    }
                }
            }
        }

        /** One task: rows [i0, i0+mc) and columns [j0, j0+nc) of C, all of k. */
        private static void block(boolean transA, boolean transB, int i0, int mc, int j0, int nc, int k,
                                  double alpha, double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                                  double beta, double[] c, int cOff, int ldc) {
            Scratch s = SCRATCH.get();
            double[][] bp = s.b;
            double[] ap = s.a;
            double[][] t = s.t;
            int iEnd = i0 + mc;
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                packB(transB, b, bOff, ldb, pc, kc, j0, nc, bp);
                boolean first = pc == 0;
                for (int i = i0; i < iEnd; ) {
                    int left = iEnd - i;
                    int r = left >= 4 ? 4 : left >= 2 ? 2 : 1;
                    packA(transA, a, aOff, lda, i, r, pc, kc, alpha, ap);
                    for (int q = 0; q < r; q++) {
                        loadTile(c, cOff + (i + q) * ldc + j0, nc, t[q], first, beta);
                    }
                    if (r == 4) {
                        kernel4(kc, nc, ap, bp, t[0], t[1], t[2], t[3]);
                    } else if (r == 2) {
                        kernel2(kc, nc, ap, bp, t[0], t[1]);
                    } else {
                        kernel1(kc, nc, ap, bp, t[0]);
                    }
                    for (int q = 0; q < r; q++) {
                        System.arraycopy(t[q], 0, c, cOff + (i + q) * ldc + j0, nc);
                    }
                    i += r;
                }
            }
        }

        /** Tile row := C row (first panel: beta C row, never reading C when beta is 0). */
        private static void loadTile(double[] c, int off, int nc, double[] t, boolean first, double beta) {
            if (!first || beta == 1) {
                System.arraycopy(c, off, t, 0, nc);
            } else if (beta == 0) {
                Arrays.fill(t, 0, nc, 0);
            } else {
                System.arraycopy(c, off, t, 0, nc);
                for (int j = 0; j < nc; j++) {
                    t[j] *= beta;
                }
            }
        }

        /** bp[p][j] = op(B)[pc + p][j0 + j]. */
        private static void packB(boolean transB, double[] b, int bOff, int ldb, int pc, int kc, int j0, int nc,
                                  double[][] bp) {
            if (!transB) {
                for (int p = 0; p < kc; p++) {
                    System.arraycopy(b, bOff + (pc + p) * ldb + j0, bp[p], 0, nc);
                }
            } else {
                // B is stored [n, k]: row j of storage is column j of op(B). Read 8 storage rows at a time so
                // every store into bp[p] touches consecutive elements.
                int j = 0;
                for (; j + 8 <= nc; j += 8) {
                    int r0 = bOff + (j0 + j) * ldb + pc;
                    for (int p = 0; p < kc; p++) {
                        double[] dst = bp[p];
                        int src = r0 + p;
                        dst[j] = b[src];
                        dst[j + 1] = b[src + ldb];
                        dst[j + 2] = b[src + 2 * ldb];
                        dst[j + 3] = b[src + 3 * ldb];
                        dst[j + 4] = b[src + 4 * ldb];
                        dst[j + 5] = b[src + 5 * ldb];
                        dst[j + 6] = b[src + 6 * ldb];
                        dst[j + 7] = b[src + 7 * ldb];
                    }
                }
                for (; j < nc; j++) {
                    int src = bOff + (j0 + j) * ldb + pc;
                    for (int p = 0; p < kc; p++) {
                        bp[p][j] = b[src + p];
                    }
                }
            }
        }

        /** ap[p * r + q] = alpha * op(A)[i + q][pc + p] for q < r. */
        private static void packA(boolean transA, double[] a, int aOff, int lda, int i, int r, int pc, int kc,
                                  double alpha, double[] ap) {
            if (!transA) {
                for (int q = 0; q < r; q++) {
                    int src = aOff + (i + q) * lda + pc;
                    for (int p = 0, d = q; p < kc; p++, d += r) {
                        ap[d] = alpha * a[src + p];
                    }
                }
            } else {
                // A is stored [k, m]: op(A)[i][p] = a[aOff + p * lda + i]; the r values for one p are adjacent.
                for (int p = 0; p < kc; p++) {
                    int src = aOff + (pc + p) * lda + i;
                    int d = p * r;
                    for (int q = 0; q < r; q++) {
                        ap[d + q] = alpha * a[src + q];
                    }
                }
            }
        }

        // The kernels: every array is indexed from 0 by the loop variable, which C2 in JDK 17 needs to
        // vectorize the loop (refs with different invariant offsets are not mutually alignable). Bodies stay
        // small for the same reason: unrolling the p loop or taking more rows stops C2 from vectorizing.

        private static void kernel4(int kc, int nc, double[] ap, double[][] bp,
                                    double[] t0, double[] t1, double[] t2, double[] t3) {
            for (int p = 0, ao = 0; p < kc; p++, ao += 4) {
                double a0 = ap[ao], a1 = ap[ao + 1], a2 = ap[ao + 2], a3 = ap[ao + 3];
                double[] bRow = bp[p];
                for (int j = 0; j < nc; j++) {
                    double bv = bRow[j];
                    t0[j] += a0 * bv;
                    t1[j] += a1 * bv;
                    t2[j] += a2 * bv;
                    t3[j] += a3 * bv;
                }
            }
        }

        private static void kernel2(int kc, int nc, double[] ap, double[][] bp, double[] t0, double[] t1) {
            for (int p = 0, ao = 0; p < kc; p++, ao += 2) {
                double a0 = ap[ao], a1 = ap[ao + 1];
                double[] bRow = bp[p];
                for (int j = 0; j < nc; j++) {
                    double bv = bRow[j];
                    t0[j] += a0 * bv;
                    t1[j] += a1 * bv;
                }
            }
        }

        private static void kernel1(int kc, int nc, double[] ap, double[][] bp, double[] t0) {
            for (int p = 0; p < kc; p++) {
                double a0 = ap[p];
                double[] bRow = bp[p];
                for (int j = 0; j < nc; j++) {
                    t0[j] += a0 * bRow[j];
                }
            }
        }
        // twin gemm double end
    }
}
