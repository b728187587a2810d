package dev.jrnn.bench;

import dev.jrnn.autograd.Autograd;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.rnn.RnnBase;
import dev.jrnn.tensor.Blas;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Speed of a stock layer's fused path ({@link RnnBase.Path#FAST}, one {@code RnnKernels} op per layer) against its
 * readable path ({@link RnnBase.Path#READABLE}, the cells unrolled one autograd op per equation) on the same
 * parameters, in one run: float32, forward + backward with {@code sum(output)} as the loss, x requiring a gradient
 * too. Prints the median (and the minimum) over several repetitions after warm-up, as tokens per second
 * ({@code B·T} per second) and the ratio; measure on a quiet machine and compare only figures of one run.
 * <pre>
 * java -cp jrnn-bench/target/benchmarks.jar dev.jrnn.bench.RnnKernelsSpeed [reps] [LSTM GRU RNN_TANH RNN_RELU]
 * </pre>
 * Default shape: I = 128, H = 256, B = 64, T = 100 (LSTM, GRU, RNN_TANH).
 */
public final class RnnKernelsSpeed {
    private RnnKernelsSpeed() {}

    /**
     * Runs the benchmark. Optional arguments: the number of timed repetitions (default 7), then PyTorch mode names
     * of the layers to run (default LSTM GRU RNN_TANH).
     */
    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        List<String> modes = args.length > 1 ? Arrays.asList(args).subList(1, args.length)
                : List.of("LSTM", "GRU", "RNN_TANH");
        int input = 128, hidden = 256, batch = 64, time = 100;
        System.out.printf(Locale.ROOT, "RnnKernelsSpeed: float32 forward+backward, I=%d H=%d B=%d T=%d; BLAS %s; "
                        + "%d processor(s); Java %s; median of %d reps after warm-up%n",
                input, hidden, batch, time, Blas.backend(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), reps);
        for (String mode : modes) {
            Rng rng = new Rng(42);
            RnnBase layer = RnnBase.torch(mode, input, hidden).batchFirst(true).rng(rng).build();
            Tensor x = Tensor.variable(NdArray.rand(rng, DType.FLOAT32, -1, 1, batch, time, input));

            double[] fast = times(() -> step(layer.path(RnnBase.Path.FAST), x), reps);
            double[] ref = times(() -> step(layer.path(RnnBase.Path.READABLE), x), Math.max(3, reps / 2));
            layer.path(RnnBase.Path.FAST);
            double[] infer = times(() -> {
                try (var scope = Autograd.noGrad()) {
                    layer.forwardFrom(x, null, null);
                }
            }, reps);
            double tokens = (double) batch * time;
            System.out.printf(Locale.ROOT, "%-9s fused %7.1f ms (min %7.1f) %8.0f tok/s | readable %8.1f ms (min %8.1f) "
                            + "%7.0f tok/s | speed-up %5.1fx | fused forward only, no grad %6.1f ms %8.0f tok/s%n",
                    mode, median(fast) * 1e3, fast[0] * 1e3, tokens / median(fast), median(ref) * 1e3, ref[0] * 1e3,
                    tokens / median(ref), median(ref) / median(fast), median(infer) * 1e3, tokens / median(infer));
        }
    }

    /** One training step's worth of work: forward, loss = sum(output), backward. */
    private static void step(RnnBase layer, Tensor x) {
        x.zeroGrad();
        layer.zeroGrad();
        layer.forwardFrom(x, null, null).output().sum().backward();
    }

    /** Wall times in seconds of {@code reps} runs after two warm-up runs, sorted. */
    private static double[] times(Runnable r, int reps) {
        for (int i = 0; i < 2; i++) {
            r.run();
        }
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            r.run();
            t[i] = (System.nanoTime() - t0) / 1e9;
        }
        Arrays.sort(t);
        return t;
    }

    private static double median(double[] sorted) {
        return sorted[sorted.length / 2];
    }
}
