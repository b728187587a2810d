import dev.jrnn.tensor.Blas;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.mkl.global.mkl_rt;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * The per-step products of W4 B=64 / W2 ([64×256]×[256×1024]) and W5 ([32×512]×[512×2048]), C = A·Wᵀ with W in
 * PyTorch's [N, K] layout, measured alternately in one process: jrnn's Blas.sgemm (OpenBLAS, jrnn's helper
 * threads), MKL cblas_sgemm, and MKL cblas_sgemm_pack once + cblas_sgemm_compute per call. A measurement tool for
 * docs/blas.md, not part of the build (MKL is no dependency of jrnn):
 *
 *   mvn -B -ntp -q dependency:get -Dartifact=org.bytedeco:mkl:2025.2-1.5.12:jar:linux-x86_64 (and :jar, and
 *   org.bytedeco:javacpp:1.5.12 with and without :jar:linux-x86_64), then
 *   M=~/.m2/repository/org/bytedeco; java -cp $M/javacpp/1.5.12/javacpp-1.5.12.jar:\
 *   $M/javacpp/1.5.12/javacpp-1.5.12-linux-x86_64.jar:$M/mkl/2025.2-1.5.12/mkl-2025.2-1.5.12.jar:\
 *   $M/mkl/2025.2-1.5.12/mkl-2025.2-1.5.12-linux-x86_64.jar:jrnn-bench/target/benchmarks.jar \
 *   tools/blas/MklPackBench.java [rounds] [mklThreads]
 */
public class MklPackBench {
    static final int ROW = 101, NO_TRANS = 111, TRANS = 112, PACKED = 151, B_MATRIX = 162;

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        mkl_rt.MKL_Set_Num_Threads(threads);
        System.out.printf(Locale.ROOT, "MklPackBench: %d rounds, MKL threads %d, %d processors%n", rounds, threads,
                Runtime.getRuntime().availableProcessors());
        for (int[] s : new int[][] {{64, 1024, 256}, {32, 2048, 512}}) shape(s[0], s[1], s[2], rounds);
    }

    static void shape(int m, int n, int k, int rounds) {
        Random r = new Random(1);
        float[] a = new float[m * k], w = new float[n * k], c = new float[m * n];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian() * 0.05f;
        FloatPointer pa = new FloatPointer(a), pw = new FloatPointer(w), pc = new FloatPointer(m * n);
        org.bytedeco.javacpp.Pointer raw = mkl_rt.MKL_malloc(mkl_rt.cblas_sgemm_pack_get_size(B_MATRIX, m, n, k), 64);
        FloatPointer packed = new FloatPointer(raw);
        mkl_rt.cblas_sgemm_pack(ROW, B_MATRIX, TRANS, m, n, k, 1f, pw, k, packed);
        int calls = 50;
        double[][] us = new double[3][rounds];
        float[] check = new float[3];
        for (int round = -rounds / 3; round < rounds; round++) {
            for (int v = 0; v < 3; v++) {
                int which = (v + Math.floorMod(round, 3)) % 3;               // rotate the order
                long t0 = System.nanoTime();
                for (int i = 0; i < calls; i++) {
                    switch (which) {
                        case 0 -> Blas.sgemm(false, true, m, n, k, 1, a, 0, k, w, 0, k, 0, c, 0, n);
                        case 1 -> mkl_rt.cblas_sgemm(ROW, NO_TRANS, TRANS, m, n, k, 1f, pa, k, pw, k, 0f, pc, n);
                        default -> mkl_rt.cblas_sgemm_compute(ROW, NO_TRANS, PACKED, m, n, k, pa, k, packed, n, 0f, pc, n);
                    }
                }
                double t = (System.nanoTime() - t0) / 1e3 / calls;
                if (round >= 0) us[which][round] = t;
                check[which] = which == 0 ? c[m * n - 1] : pc.get(m * n - 1);
            }
        }
        double flops = 2.0 * m * n * k;
        String[] names = {"OpenBLAS sgemm (jrnn Blas)", "MKL cblas_sgemm", "MKL sgemm_pack + compute"};
        System.out.printf(Locale.ROOT, "[%dx%d]x[%dx%d]  (last element: %.5f %.5f %.5f)%n", m, k, k, n, check[0], check[1], check[2]);
        for (int v = 0; v < 3; v++) {
            double[] s = us[v].clone();
            Arrays.sort(s);
            double med = s[s.length / 2];
            System.out.printf(Locale.ROOT, "  %-28s median %8.1f us [%7.1f-%8.1f]  %6.1f GFLOP/s  vs OpenBLAS %.2fx%n",
                    names[v], med, s[0], s[s.length - 1], flops / med / 1e3, median(us[0]) / med);
        }
        mkl_rt.MKL_free(raw);
    }

    static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
