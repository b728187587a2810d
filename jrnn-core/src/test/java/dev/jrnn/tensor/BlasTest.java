package dev.jrnn.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Blas} against a naive triple loop in double: the auto-selected path, the pure-Java kernel and (where it
 * loads) the native path called directly, in float and double, for every transpose
 * combination, offsets, padded strides, alpha/beta, beta == 0 over NaN, and the edges m, n, k in {0, 1}.
 */
class BlasTest {

    /** Shapes {m, n, k}: edges, odd sizes, several depth panels (k > 256), several column blocks (n > 256),
     *  and one large enough for the Java kernel's parallel path (m*n*k >= 2^20). */
    private static final int[][] SHAPES = {
        {1, 1, 1}, {1, 9, 5}, {7, 1, 5}, {6, 5, 1}, {1, 1, 40}, {2, 3, 4}, {3, 2, 7},
        {17, 33, 65}, {5, 300, 3}, {6, 20, 600}, {33, 70, 40}, {70, 260, 70},
        // at least 2^22 multiply-adds: the native backend splits these across threads, by rows then by columns
        {300, 130, 110}, {70, 400, 160},
    };

    interface SGemm {
        void apply(boolean tA, boolean tB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                   float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc);
    }

    interface DGemm {
        void apply(boolean tA, boolean tB, int m, int n, int k, double alpha, double[] a, int aOff, int lda,
                   double[] b, int bOff, int ldb, double beta, double[] c, int cOff, int ldc);
    }

    static Stream<Arguments> floatBackends() {
        return Stream.of(
                Arguments.of("auto", (SGemm) Blas::sgemm),
                Arguments.of("java", (SGemm) Blas::javaSgemm),
                Arguments.of("native", (SGemm) Blas::nativeSgemm));
    }

    static Stream<Arguments> doubleBackends() {
        return Stream.of(
                Arguments.of("auto", (DGemm) Blas::dgemm),
                Arguments.of("java", (DGemm) Blas::javaDgemm),
                Arguments.of("native", (DGemm) Blas::nativeDgemm));
    }

    private static void assumeBackend(String name) {
        if (name.equals("native")) {
            assumeTrue(Blas.nativeGemm() != null, "no native BLAS here: " + Blas.backendDescription());
        }
    }

    /** One stored matrix inside a larger array: offset, row stride, and the array length. */
    private record Layout(int rows, int cols, int off, int ld, int length) {
        boolean inside(int idx) {
            int rel = idx - off;
            return rel >= 0 && rel / ld < rows && rel % ld < cols;
        }

        static Layout random(Random rnd, int rows, int cols, boolean tight) {
            int off = tight ? 0 : rnd.nextInt(4);
            int ld = Math.max(1, cols) + (tight ? 0 : rnd.nextInt(4));
            int length = rows == 0 ? off : off + (rows - 1) * ld + cols + (tight ? 0 : rnd.nextInt(3));
            return new Layout(rows, cols, off, ld, length);
        }
    }

    /** Naive reference in double over stored-layout arrays. */
    private static double[] reference(boolean tA, boolean tB, int m, int n, int k, double alpha,
                                      double[] a, Layout la, double[] b, Layout lb, double beta,
                                      double[] c, Layout lc, double[] absBound) {
        double[] out = c.clone();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                double abs = 0;
                for (int p = 0; p < k; p++) {
                    double av = tA ? a[la.off + p * la.ld + i] : a[la.off + i * la.ld + p];
                    double bv = tB ? b[lb.off + j * lb.ld + p] : b[lb.off + p * lb.ld + j];
                    s += av * bv;
                    abs += Math.abs(av * bv);
                }
                int ci = lc.off + i * lc.ld + j;
                double old = beta == 0 ? 0 : beta * c[ci];
                out[ci] = alpha * s + old;
                absBound[ci] = Math.abs(alpha) * abs + Math.abs(old);
            }
        }
        return out;
    }

    private static double[] randomArray(Random rnd, int length) {
        double[] x = new double[length];
        for (int i = 0; i < length; i++) {
            x[i] = rnd.nextInt(2001) / 1000.0 - 1.0; // exact in float
        }
        return x;
    }

    private static float[] toFloat(double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            f[i] = (float) x[i];
        }
        return f;
    }

    /** One random case; both precisions share it so a failure message can be reproduced from the seed. */
    private record Case(boolean tA, boolean tB, int m, int n, int k, double alpha, double beta, Layout la,
                        Layout lb, Layout lc, double[] a, double[] b, double[] c, String label) {

        static Case make(long seed, boolean tA, boolean tB, int m, int n, int k, double alpha, double beta,
                         boolean tight) {
            Random rnd = new Random(seed);
            Layout la = tA ? Layout.random(rnd, k, m, tight) : Layout.random(rnd, m, k, tight);
            Layout lb = tB ? Layout.random(rnd, n, k, tight) : Layout.random(rnd, k, n, tight);
            Layout lc = Layout.random(rnd, m, n, tight);
            double[] a = randomArray(rnd, la.length);
            double[] b = randomArray(rnd, lb.length);
            double[] c = randomArray(rnd, lc.length);
            if (beta == 0) {
                for (int i = 0; i < c.length; i++) {
                    if (lc.inside(i)) {
                        c[i] = Double.NaN; // beta == 0 must not read C
                    }
                }
            }
            String label = String.format("seed=%d tA=%b tB=%b m=%d n=%d k=%d alpha=%s beta=%s la=%s lb=%s lc=%s",
                    seed, tA, tB, m, n, k, alpha, beta, la, lb, lc);
            return new Case(tA, tB, m, n, k, alpha, beta, la, lb, lc, a, b, c, label);
        }
    }

    private static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        double[][] alphaBeta = {{1, 0}, {0.5, 1}, {-1.25, 0.75}};
        long seed = 1;
        for (int[] s : SHAPES) {
            for (int t = 0; t < 4; t++) {
                for (double[] ab : alphaBeta) {
                    boolean tight = (seed % 3) == 0;
                    cases.add(Case.make(seed++, (t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], ab[0], ab[1], tight));
                }
            }
        }
        return cases;
    }

    private static void checkFloat(SGemm gemm, Case cs) {
        float[] a = toFloat(cs.a);
        float[] b = toFloat(cs.b);
        float[] c = toFloat(cs.c);
        double[] bound = new double[c.length];
        double[] want = reference(cs.tA, cs.tB, cs.m, cs.n, cs.k, (float) cs.alpha, cs.a, cs.la, cs.b, cs.lb,
                (float) cs.beta, cs.c, cs.lc, bound);
        gemm.apply(cs.tA, cs.tB, cs.m, cs.n, cs.k, (float) cs.alpha, a, cs.la.off, cs.la.ld, b, cs.lb.off, cs.lb.ld,
                (float) cs.beta, c, cs.lc.off, cs.lc.ld);
        for (int i = 0; i < c.length; i++) {
            if (!cs.lc.inside(i)) {
                if (Float.floatToRawIntBits(c[i]) != Float.floatToRawIntBits((float) cs.c[i])) {
                    fail("wrote outside C at index " + i + ": " + cs.label);
                }
                continue;
            }
            double tol = 2e-7 * (cs.k + 2) * bound[i] + 1e-30;
            if (!(Math.abs(c[i] - want[i]) <= tol)) {
                fail("C[" + i + "] = " + c[i] + ", want " + want[i] + " (tol " + tol + "): " + cs.label);
            }
        }
    }

    private static void checkDouble(DGemm gemm, Case cs) {
        double[] c = cs.c.clone();
        double[] bound = new double[c.length];
        double[] want = reference(cs.tA, cs.tB, cs.m, cs.n, cs.k, cs.alpha, cs.a, cs.la, cs.b, cs.lb, cs.beta,
                cs.c, cs.lc, bound);
        gemm.apply(cs.tA, cs.tB, cs.m, cs.n, cs.k, cs.alpha, cs.a.clone(), cs.la.off, cs.la.ld, cs.b.clone(),
                cs.lb.off, cs.lb.ld, cs.beta, c, cs.lc.off, cs.lc.ld);
        for (int i = 0; i < c.length; i++) {
            if (!cs.lc.inside(i)) {
                if (Double.doubleToRawLongBits(c[i]) != Double.doubleToRawLongBits(cs.c[i])) {
                    fail("wrote outside C at index " + i + ": " + cs.label);
                }
                continue;
            }
            double tol = 4e-16 * (cs.k + 2) * bound[i] + 1e-300;
            if (!(Math.abs(c[i] - want[i]) <= tol)) {
                fail("C[" + i + "] = " + c[i] + ", want " + want[i] + " (tol " + tol + "): " + cs.label);
            }
        }
    }

    @ParameterizedTest(name = "sgemm {0}")
    @MethodSource("floatBackends")
    void sgemmMatchesNaive(String name, SGemm gemm) {
        assumeBackend(name);
        for (Case cs : cases()) {
            checkFloat(gemm, cs);
        }
    }

    @ParameterizedTest(name = "dgemm {0}")
    @MethodSource("doubleBackends")
    void dgemmMatchesNaive(String name, DGemm gemm) {
        assumeBackend(name);
        for (Case cs : cases()) {
            checkDouble(gemm, cs);
        }
    }

    /** k == 0 and alpha == 0: C = beta C, A and B not read (NaN there must not leak); m or n == 0: no-op. */
    @ParameterizedTest(name = "degenerate {0}")
    @MethodSource("floatBackends")
    void degenerateShapes(String name, SGemm gemm) {
        assumeBackend(name);
        float[] c = {1, 2, 3, 4, 5, 6};
        gemm.apply(false, false, 2, 3, 0, 1f, new float[0], 0, 1, new float[0], 0, 3, 2f, c, 0, 3);
        assertArrayEquals(new float[] {2, 4, 6, 8, 10, 12}, c);

        c = new float[] {Float.NaN, Float.NaN, Float.NaN, Float.NaN};
        gemm.apply(true, true, 2, 2, 0, 1f, new float[0], 0, 2, new float[0], 0, 1, 0f, c, 0, 2);
        assertArrayEquals(new float[] {0, 0, 0, 0}, c);

        float[] nanA = {Float.NaN, Float.NaN, Float.NaN, Float.NaN, Float.NaN, Float.NaN};
        c = new float[] {1, 2, 3, 4};
        gemm.apply(false, false, 2, 2, 3, 0f, nanA, 0, 3, nanA, 0, 2, 0.5f, c, 0, 2);
        assertArrayEquals(new float[] {0.5f, 1, 1.5f, 2}, c);

        float[] untouched = {7, 8, 9};
        gemm.apply(false, false, 0, 3, 4, 1f, new float[0], 0, 4, new float[12], 0, 3, 0f, untouched, 0, 3);
        gemm.apply(false, false, 1, 0, 4, 1f, new float[4], 0, 4, new float[0], 0, 1, 0f, untouched, 0, 1);
        assertArrayEquals(new float[] {7, 8, 9}, untouched);
    }

    /**
     * A column block at the right edge of larger row-major matrices, each array ending exactly at the block's
     * last element: netlib's own bounds check rejects this (it wants a full last row), so the native path must
     * route it around that check.
     */
    @ParameterizedTest(name = "right-edge slices {0}")
    @MethodSource("floatBackends")
    void rightEdgeSlices(String name, SGemm gemm) {
        assumeBackend(name);
        Random rnd = new Random(42);
        int m = 40;
        int n = 48;
        int k = 36;
        int ld = 100;
        for (int t = 0; t < 4; t++) {
            boolean tA = (t & 1) != 0;
            boolean tB = (t & 2) != 0;
            int aRows = tA ? k : m;
            int aCols = tA ? m : k;
            int bRows = tB ? n : k;
            int bCols = tB ? k : n;
            Layout la = new Layout(aRows, aCols, ld - aCols, ld, aRows * ld);
            Layout lb = new Layout(bRows, bCols, ld - bCols, ld, bRows * ld);
            Layout lc = new Layout(m, n, ld - n, ld, m * ld);
            double[] a = randomArray(rnd, la.length);
            double[] b = randomArray(rnd, lb.length);
            double[] c = randomArray(rnd, lc.length);
            Case cs = new Case(tA, tB, m, n, k, 1.5, 0.5, la, lb, lc, a, b, c, "right edge tA=" + tA + " tB=" + tB);
            checkFloat(gemm, cs);
        }
        if (name.equals("native")) {
            assertTrue(Blas.nativeGemm().hasRawPath(), "netlib's raw sgemmK/dgemmK were not reachable");
        }
    }

    /** Large products from two threads at once: one gets the helper threads, the other runs alone; both right. */
    @Test
    void largeProductsFromTwoThreadsAtOnce() throws Exception {
        int m = 300, n = 130, k = 110;
        java.util.concurrent.Callable<Void> work = () -> {
            Random rnd = new Random(Thread.currentThread().getId());
            for (int rep = 0; rep < 20; rep++) {
                float[] a = toFloat(randomArray(rnd, m * k));
                float[] b = toFloat(randomArray(rnd, n * k));
                float[] want = new float[m * n];
                float[] got = new float[m * n];
                Blas.javaSgemm(false, true, m, n, k, 1f, a, 0, k, b, 0, k, 0f, want, 0, n);
                Blas.sgemm(false, true, m, n, k, 1f, a, 0, k, b, 0, k, 0f, got, 0, n);
                for (int i = 0; i < want.length; i++) {
                    if (Math.abs(want[i] - got[i]) > 1e-4f * (1 + Math.abs(want[i]))) {
                        fail("C[" + i + "] = " + got[i] + ", want " + want[i] + " (rep " + rep + ")");
                    }
                }
            }
            return null;
        };
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            for (java.util.concurrent.Future<Void> f : pool.invokeAll(List.of(work, work))) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void backendIsOpenBlasHere() {
        assumeTrue(!"java".equals(System.getProperty("jrnn.blas")), "Java backend forced");
        assumeTrue(Blas.nativeGemm() != null, "OpenBLAS not loadable here: " + Blas.backendDescription());
        assertEquals("openblas", Blas.backend(), Blas.backendDescription());
        assertTrue(Blas.backendDescription().contains("OpenBLAS 0.3.28"), Blas.backendDescription());
    }

    /** Child JVM entry point: prints the backend and a 1x1 product, then exits. */
    public static final class PrintBackend {
        private PrintBackend() {}

        /**
         * Prints {@code backend() + " " + 3*4}.
         *
         * @param args ignored
         */
        public static void main(String[] args) {
            float[] c = {Float.NaN};
            Blas.sgemm(false, false, 1, 1, 1, 2f, new float[] {3}, 0, 1, new float[] {2}, 0, 1, 0f, c, 0, 1);
            System.out.println(Blas.backend() + " " + c[0]);
        }
    }

    /** Runs {@link PrintBackend} in a fresh JVM with extra system properties; returns {stdout, stderr}. */
    private static String[] runChild(String... props) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.addAll(List.of(props));
        cmd.add(PrintBackend.class.getName());
        Process p = new ProcessBuilder(cmd).start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        String[] r = {new String(out, StandardCharsets.UTF_8).trim(), new String(err, StandardCharsets.UTF_8)};
        assertEquals(0, p.exitValue(), () -> "child JVM failed: " + r[0] + "\n" + r[1]);
        return r;
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    @Test
    void propertyForcesJavaBackendWithOneLogLine() throws Exception {
        String[] r = runChild("-Djrnn.blas=java");
        assertEquals("java 12.0", r[0]);
        assertEquals(1, count(r[1], "jrnn BLAS backend"), r[1]);
        assertTrue(r[1].contains("INFO: jrnn BLAS backend java: pure-Java kernel"), r[1]);
        assertTrue(r[1].contains("forced by -Djrnn.blas=java"), r[1]);
    }

    @Test
    void unloadableNativeLibraryFallsBackToJava() throws Exception {
        String[] r = runChild("-Ddev.ludovic.netlib.blas.nativeLibPath=/nonexistent/libopenblas.so.0");
        assertEquals("java 12.0", r[0]);
        assertEquals(1, count(r[1], "jrnn BLAS backend"), r[1]);
        assertTrue(r[1].contains("WARNING: jrnn BLAS backend java: pure-Java kernel"), r[1]);
        assertTrue(r[1].contains("because the native library could not be loaded"), r[1]);
        assertTrue(!r[1].contains("dev.ludovic.netlib"), "netlib's own log lines leaked:\n" + r[1]);
    }

    @Test
    void negativeDimensionsAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Blas.sgemm(false, false,
                -1, 2, 2, 1f, new float[4], 0, 2, new float[4], 0, 2, 0f, new float[4], 0, 2));
        assertEquals("Blas.sgemm: m must be >= 0, got -1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Blas.dgemm(false, false,
                2, 2, -3, 1, new double[4], 0, 2, new double[4], 0, 2, 0, new double[4], 0, 2));
        assertEquals("Blas.dgemm: k must be >= 0, got -3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Blas.sgemm(false, false,
                2, 2, 2, 1f, new float[4], 0, 2, new float[4], -1, 2, 0f, new float[4], 0, 2));
        assertEquals("Blas.sgemm: bOff must be >= 0, got -1", e.getMessage());
    }

    @Test
    void shortArraysAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Blas.sgemm(false, false,
                64, 1024, 384, 1f, new float[64 * 384 - 1], 0, 384, new float[384 * 1024], 0, 1024,
                0f, new float[64 * 1024], 0, 1024));
        assertEquals("Blas.sgemm: a is too short for A 64 x 384 (transA=false: stored [m, k]) at aOff = 0 with"
                + " lda = 384: needs a.length >= 24576, got a.length = 24575", e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> Blas.sgemm(false, true,
                3, 5, 4, 1f, new float[12], 0, 4, new float[30], 3, 6, 0f, new float[15], 0, 5));
        assertEquals("Blas.sgemm: b is too short for B 5 x 4 (transB=true: stored [n, k]) at bOff = 3 with"
                + " ldb = 6: needs b.length >= 31, got b.length = 30", e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> Blas.dgemm(false, false,
                3, 5, 4, 1, new double[12], 0, 4, new double[20], 0, 5, 0, new double[18], 2, 6));
        assertEquals("Blas.dgemm: c is too short for C 3 x 5 (stored [m, n]) at cOff = 2 with ldc = 6:"
                + " needs c.length >= 19, got c.length = 18", e.getMessage());
    }

    @Test
    void smallStridesAndNullsAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Blas.sgemm(false, false,
                64, 1024, 384, 1f, new float[64 * 384], 0, 100, new float[384 * 1024], 0, 1024,
                0f, new float[64 * 1024], 0, 1024));
        assertEquals("Blas.sgemm: lda must be >= max(1, 384) for A 64 x 384 (transA=false: stored [m, k]),"
                + " got lda = 100", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Blas.javaSgemm(false, false,
                2, 3, 2, 1f, new float[4], 0, 2, new float[6], 0, 3, 0f, new float[6], 0, 2));
        assertEquals("Blas.javaSgemm: ldc must be >= max(1, 3) for C 2 x 3 (stored [m, n]), got ldc = 2",
                e.getMessage());
        NullPointerException npe = assertThrows(NullPointerException.class, () -> Blas.sgemm(false, false,
                2, 2, 2, 1f, new float[4], 0, 2, new float[4], 0, 2, 0f, null, 0, 2));
        assertEquals("Blas.sgemm: c must not be null", npe.getMessage());
    }

    private static void assertArrayEquals(float[] want, float[] got) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(want, got);
    }
}
