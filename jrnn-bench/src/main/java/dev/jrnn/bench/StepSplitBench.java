package dev.jrnn.bench;

import dev.jrnn.infer.PackedRnn;
import dev.jrnn.infer.RnnStream;
import dev.jrnn.nn.rnn.Lstm;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Batch-1 LSTM latency with each step on one thread against each step split over two
 * ({@code PackedRnn.of(rnn, 1)} vs {@code PackedRnn.of(rnn, 2)}), measured alternately in one process so that a
 * busy machine's load falls on both alike: W4's layer (I=128, H=256, T=100, float32), rounds of a few sequences
 * on each model in turn, through {@code run(List.of(x))} and through a stream. Prints the median and range of ms
 * per sequence and the one-thread / two-thread ratio of the medians.
 *
 * <pre>
 * java -cp jrnn-bench/target/benchmarks.jar dev.jrnn.bench.StepSplitBench [--rounds 30] [--per-round 5]
 * </pre>
 */
public final class StepSplitBench {
    private StepSplitBench() {}

    static final int I = 128, H = 256, T = 100;

    /** Runs the comparison (arguments in the class comment) and prints the table. */
    public static void main(String[] args) {
        int rounds = 30, perRound = 5;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--per-round" -> perRound = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; usage: StepSplitBench [--rounds N] [--per-round N]");
            }
        }
        Lstm lstm = Lstm.builder(I, H).rng(new Rng(1)).build();
        PackedRnn[] models = {PackedRnn.of(lstm, 1), PackedRnn.of(lstm, 2)};
        NdArray x = NdArray.rand(new Rng(2), DType.FLOAT32, -1, 1, T, I);
        float[][] steps = new float[T][];
        for (int t = 0; t < T; t++) steps[t] = Arrays.copyOfRange(x.floatData(), t * I, (t + 1) * I);
        System.out.printf(Locale.ROOT, "StepSplitBench: LSTM I=%d H=%d T=%d B=1, %d rounds x %d sequences per model; "
                + "%d processors, load average %s%n", I, H, T, rounds, perRound,
                Runtime.getRuntime().availableProcessors(), ServeBench.loadAverage());
        for (String mode : List.of("run", "stream")) {
            double[][] ms = new double[2][rounds];
            for (int r = -rounds / 3; r < rounds; r++) {                 // the first third warms up, discarded
                for (int m = 0; m < 2; m++) {
                    int first = (r & 1) == 0 ? m : 1 - m;                   // alternate which model goes first
                    long t0 = System.nanoTime();
                    for (int k = 0; k < perRound; k++) sequence(models[first], x, steps, mode);
                    double t = (System.nanoTime() - t0) / 1e6 / perRound;
                    if (r >= 0) ms[first][r] = t;
                }
            }
            double one = median(ms[0]), two = median(ms[1]);
            System.out.printf(Locale.ROOT, "%-7s one thread %.3f ms [%.3f-%.3f]   two threads %.3f ms [%.3f-%.3f]   "
                    + "one/two %.2fx%n", mode, one, min(ms[0]), max(ms[0]), two, min(ms[1]), max(ms[1]), one / two);
        }
        System.out.printf(Locale.ROOT, "load average at end: %s%n", ServeBench.loadAverage());
    }

    private static float sequence(PackedRnn model, NdArray x, float[][] steps, String mode) {
        if (mode.equals("run")) return model.run(List.of(x)).hN().floatData()[0];
        RnnStream s = model.openStream();
        float[] h = null;
        for (float[] step : steps) h = s.step(step);
        return h[0];
    }

    private static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double min(double[] a) {
        return Arrays.stream(a).min().orElse(Double.NaN);
    }

    private static double max(double[] a) {
        return Arrays.stream(a).max().orElse(Double.NaN);
    }
}
