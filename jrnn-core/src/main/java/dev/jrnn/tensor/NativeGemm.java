package dev.jrnn.tensor;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.NativeBLAS;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Filter;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * The native GEMM: OpenBLAS from {@code org.bytedeco:openblas} (extracted and loaded by JavaCPP), called through
 * {@code dev.ludovic.netlib:blas}'s JNI binding, which pins the Java heap arrays with
 * {@code GetPrimitiveArrayCritical} instead of copying them.
 *
 * <p>netlib's API is column-major Fortran. A row-major {@code C = op(A) op(B)} is, read column-major, {@code C^T =
 * op(B)^T op(A)^T}, so every call swaps the operands: {@code gemm(tB, tA, n, m, k, alpha, B, ldb, A, lda, beta, C,
 * ldc)}. The leading dimensions are unchanged: a row stride of a row-major matrix is the column stride of its
 * transpose.
 *
 * <p>netlib's own bounds check is stricter than BLAS: it wants {@code off + storedRows * ld <= length}, i.e. a
 * full last row of {@code ld} elements. A matrix that ends exactly at the end of its array with {@code ld > cols}
 * (a column slice at the right edge of a larger matrix) fails it, so those calls go to the protected native
 * method behind it through a method handle ({@link Blas} has already checked the exact bounds), or to the Java
 * kernel if that handle could not be obtained.
 *
 * <p>Not thread-confined. OpenBLAS from the jar is set to one thread at load; large products are split across
 * threads here ({@link #PARALLEL_THRESHOLD}). A user-chosen library keeps its own threading.
 */
final class NativeGemm {
    /** netlib reads this system property (in its JNI_OnLoad) for the path of the BLAS library to dlopen. */
    static final String NETLIB_LIB_PATH = "dev.ludovic.netlib.blas.nativeLibPath";
    /** netlib reads this system property for the soname of the BLAS library to dlopen. */
    static final String NETLIB_LIB = "dev.ludovic.netlib.blas.nativeLib";

    private static final String N = "N";
    private static final String T = "T";

    /** Backend name reported by {@link Blas#backend()}: "openblas", or "native" for a user-chosen library. */
    final String name;
    /** One-line description for the backend log line. */
    final String description;
    private final BLAS blas;
    /** {@code JNIBLAS.sgemmK} / {@code dgemmK} (the JNI methods without netlib's checks), or null. */
    private final MethodHandle rawS;
    private final MethodHandle rawD;

    /**
     * Products with fewer multiply-adds ({@code m*n*k}) than this run on the calling thread alone; larger ones are
     * cut into {@link #maxThreads} blocks of C's rows (or columns, when C is wider than tall), each a single-thread
     * OpenBLAS call, run on the caller and {@link GemmThreads}' helpers. System property
     * {@code jrnn.blas.parallelThreshold}; default 2^22 (a [64x256]x[256x1024] product uses both cores).
     *
     * <p>Why not OpenBLAS's own threads: its workers wait for each other by spinning, so when another process
     * keeps a core busy a two-thread call can take 10-100 times longer (measured: [64x256]x[256x1024] at 2.2
     * GFLOP/s with OpenBLAS's two threads next to a busy process, 68 with the Java split; the IMDB model at 208 ms
     * per step against 51 ms). Here the caller takes every block no helper has started, so a busy machine costs
     * at most the share of the cores it takes.
     */
    static final long PARALLEL_THRESHOLD = Long.getLong("jrnn.blas.parallelThreshold", 1L << 22);

    /** Blocks of C are cut at multiples of this many rows or columns (OpenBLAS's register tiles divide it). */
    private static final int ALIGN = 16;

    /**
     * Threads for large products: {@code jrnn.blas.threads}, else {@code OPENBLAS_NUM_THREADS}, else the processors
     * (at most the common pool's parallelism + 1).
     */
    private final int maxThreads = Math.max(1, Integer.getInteger(JavaGemm.THREADS_PROPERTY, envThreads()));
    /** Started on the first large product. */
    private volatile GemmThreads helpers;

    private NativeGemm(String name, String description, BLAS blas, MethodHandle rawS, MethodHandle rawD) {
        this.name = name;
        this.description = description;
        this.blas = blas;
        this.rawS = rawS;
        this.rawD = rawD;
    }

    /**
     * Loads OpenBLAS and netlib's JNI binding.
     *
     * @throws Throwable anything that went wrong; the caller falls back to the Java kernel
     */
    static NativeGemm load() throws Throwable {
        String userPath = System.getProperty(NETLIB_LIB_PATH);
        String userLib = System.getProperty(NETLIB_LIB);
        String name;
        String where;
        if (userPath == null && userLib == null) {
            Loader.load(openblas_nolapack.class);
            openblas_nolapack.blas_set_num_threads(1);   // threads come from inBlocks (see PARALLEL_THRESHOLD)
            String path = openBlasPath(Loader.getLoadedLibraries());
            System.setProperty(NETLIB_LIB_PATH, path);
            name = "openblas";
            where = openblas_nolapack.OPENBLAS_VERSION.trim() + " (" + path + ")";
        } else {
            name = "native";
            where = "library from -D"
                    + (userPath != null ? NETLIB_LIB_PATH + "=" + userPath : NETLIB_LIB + "=" + userLib);
        }
        // Initialise netlib's JNI class ourselves: if it fails, netlib itself only logs a line without the cause.
        try {
            Class.forName("dev.ludovic.netlib.blas.JNIBLAS", true, NativeBLAS.class.getClassLoader());
        } catch (ExceptionInInitializerError e) {
            throw e.getCause() != null ? e.getCause() : e;
        }
        BLAS blas = quietNativeBlas();
        if (!blas.getClass().getName().equals("dev.ludovic.netlib.blas.JNIBLAS")) {
            throw new IllegalStateException("netlib returned " + blas.getClass().getName() + ", not its JNI binding");
        }
        MethodHandle rawS = raw(blas, "sgemmK", float.class, float[].class);
        MethodHandle rawD = raw(blas, "dgemmK", double.class, double[].class);
        NativeGemm g = new NativeGemm(name, name + ": " + where + " through netlib JNI (zero-copy heap arrays)",
                blas, rawS, rawD);
        g.selfTest();
        return g;
    }

    /** The file JavaCPP extracted for {@code libopenblas_nolapack.so.0} (or {@code libopenblas.so.0}). */
    private static String openBlasPath(Map<String, String> loaded) {
        String fallback = null;
        for (Map.Entry<String, String> e : loaded.entrySet()) {
            String key = e.getKey();
            if (key.startsWith("openblas_nolapack@") || key.equals("openblas_nolapack")) {
                return e.getValue();
            }
            if (key.startsWith("openblas@") || key.equals("openblas")) {
                fallback = e.getValue();
            }
        }
        if (fallback == null) {
            throw new IllegalStateException("JavaCPP loaded openblas_nolapack but no OpenBLAS library is among "
                    + loaded.keySet());
        }
        return fallback;
    }

    /**
     * {@code NativeBLAS.getInstance()} without netlib's JUL warnings: its first use also probes its Java 16
     * Vector-API implementation, which logs a WARNING on JDK 17 without {@code jdk.incubator.vector}.
     */
    private static BLAS quietNativeBlas() {
        Logger log = Logger.getLogger("dev.ludovic.netlib.blas.InstanceBuilder"); // strong ref while filtering
        Filter previous = log.getFilter();
        List<String> swallowed = new ArrayList<>();
        log.setFilter((LogRecord r) -> {
            swallowed.add(r.getMessage());
            return false;
        });
        try {
            return NativeBLAS.getInstance();
        } catch (RuntimeException e) {
            throw new IllegalStateException(e.getMessage() + " " + swallowed, e);
        } finally {
            log.setFilter(previous);
        }
    }

    private static MethodHandle raw(BLAS blas, String method, Class<?> scalar, Class<?> array) {
        try {
            Method m = blas.getClass().getDeclaredMethod(method, String.class, String.class, int.class, int.class,
                    int.class, scalar, array, int.class, int.class, array, int.class, int.class, scalar, array,
                    int.class, int.class);
            m.setAccessible(true);
            MethodHandle h = MethodHandles.lookup().unreflect(m).bindTo(blas);
            return h.asType(MethodType.methodType(void.class, String.class, String.class, int.class, int.class,
                    int.class, scalar, array, int.class, int.class, array, int.class, int.class, scalar, array,
                    int.class, int.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null; // right-edge slices then go to the Java kernel
        }
    }

    /** A 2x3 by 3x2 product, to fail at load time (and fall back) rather than on first use. */
    private void selfTest() {
        float[] a = {1, 2, 3, 4, 5, 6};
        float[] b = {1, 0, 0, 1, 1, 1};
        float[] c = new float[4];
        sgemm(false, false, 2, 2, 3, 1f, a, 0, 3, b, 0, 2, 0f, c, 0, 2);
        if (c[0] != 4 || c[1] != 5 || c[2] != 10 || c[3] != 11) {
            throw new IllegalStateException("native sgemm self-test gave " + java.util.Arrays.toString(c)
                    + ", expected [4.0, 5.0, 10.0, 11.0]");
        }
    }

    /** Whether netlib's bounds check accepts a stored matrix: it wants a full last row of {@code ld}. */
    private static boolean netlibAccepts(boolean trans, int rows, int cols, int length, int off, int ld) {
        long storedRows = trans ? cols : rows;
        return off + storedRows * ld <= length;
    }

    private static int envThreads() {
        try {
            return Integer.parseInt(System.getenv().getOrDefault("OPENBLAS_NUM_THREADS", "").trim());
        } catch (NumberFormatException e) {
            return JavaGemm.maxThreadCount();
        }
    }

    /** How many blocks of C a product is cut into: 1 below the threshold or for a user's library. */
    private int partsFor(int m, int n, int k) {
        if (!"openblas".equals(name) || maxThreads <= 1 || (long) m * n * k < PARALLEL_THRESHOLD) {
            return 1;   // a user's library keeps its own threading settings
        }
        return Math.max(1, Math.min(maxThreads, Math.max(m, n) / ALIGN));
    }

    /** One block of the product: its own m and n, and where its A, B and C start. */
    private interface Block {
        void run(int m, int n, int aOff, int bOff, int cOff);
    }

    /**
     * Runs {@code block} over {@code parts} aligned blocks of C's rows (if m &ge; n) or columns, each given the
     * offsets of its part of A (rows) or B (columns) and of C.
     */
    private void inBlocks(boolean transA, boolean transB, int m, int n, int parts, int aOff, int lda, int bOff,
                          int ldb, int cOff, int ldc, Block block) {
        boolean rows = m >= n;
        int extent = rows ? m : n;
        int size = (extent / parts + ALIGN - 1) / ALIGN * ALIGN;
        int blocks = (extent + size - 1) / size;
        GemmThreads pool = helpers;
        if (pool == null) {
            synchronized (this) {
                if (helpers == null) {
                    helpers = new GemmThreads(maxThreads - 1);
                }
                pool = helpers;
            }
        }
        pool.run(blocks, p -> {
            int from = p * size, len = Math.min(size, extent - from);
            if (rows) {
                block.run(len, n, aOff + (transA ? from : from * lda), bOff, cOff + from * ldc);
            } else {
                block.run(m, len, aOff, bOff + (transB ? from * ldb : from), cOff + from);
            }
        });
    }

    /** Row-major SGEMM; arguments already validated, m, n, k &gt; 0. */
    void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
               float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
               float beta, float[] c, int cOff, int ldc) {
        int parts = partsFor(m, n, k);
        if (parts == 1) {
            sgemm1(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        inBlocks(transA, transB, m, n, parts, aOff, lda, bOff, ldb, cOff, ldc,
                (bm, bn, ao, bo, co) -> sgemm1(transA, transB, bm, bn, k, alpha, a, ao, lda, b, bo, ldb, beta, c,
                        co, ldc));
    }

    /** One single-thread OpenBLAS call (or the raw JNI method / Java kernel for right-edge slices). */
    private void sgemm1(boolean transA, boolean transB, int m, int n, int k, float alpha,
                        float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                        float beta, float[] c, int cOff, int ldc) {
        String tA = transA ? T : N;
        String tB = transB ? T : N;
        if (netlibAccepts(transA, m, k, a.length, aOff, lda) && netlibAccepts(transB, k, n, b.length, bOff, ldb)) {
            blas.sgemm(tB, tA, n, m, k, alpha, b, bOff, ldb, a, aOff, lda, beta, c, cOff, ldc);
        } else if (rawS != null) {
            try {
                rawS.invokeExact(tB, tA, n, m, k, alpha, b, bOff, ldb, a, aOff, lda, beta, c, cOff, ldc);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        } else {
            JavaGemm.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }
    }

    /** Row-major DGEMM; arguments already validated, m, n, k &gt; 0. */
    void dgemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
               double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
               double beta, double[] c, int cOff, int ldc) {
        int parts = partsFor(m, n, k);
        if (parts == 1) {
            dgemm1(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        inBlocks(transA, transB, m, n, parts, aOff, lda, bOff, ldb, cOff, ldc,
                (bm, bn, ao, bo, co) -> dgemm1(transA, transB, bm, bn, k, alpha, a, ao, lda, b, bo, ldb, beta, c,
                        co, ldc));
    }

    /** One single-thread OpenBLAS call (or the raw JNI method / Java kernel for right-edge slices). */
    private void dgemm1(boolean transA, boolean transB, int m, int n, int k, double alpha,
                        double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                        double beta, double[] c, int cOff, int ldc) {
        String tA = transA ? T : N;
        String tB = transB ? T : N;
        if (netlibAccepts(transA, m, k, a.length, aOff, lda) && netlibAccepts(transB, k, n, b.length, bOff, ldb)) {
            blas.dgemm(tB, tA, n, m, k, alpha, b, bOff, ldb, a, aOff, lda, beta, c, cOff, ldc);
        } else if (rawD != null) {
            try {
                rawD.invokeExact(tB, tA, n, m, k, alpha, b, bOff, ldb, a, aOff, lda, beta, c, cOff, ldc);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        } else {
            JavaGemm.dgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }
    }

    /** For tests: whether right-edge slices use the raw JNI method (true) or the Java kernel (false). */
    boolean hasRawPath() {
        return rawS != null && rawD != null;
    }
}
