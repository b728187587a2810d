package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Autograd;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.rnn.RnnKernels.CellType;
import dev.jrnn.nn.rnn.RnnKernels.Result;
import dev.jrnn.tensor.Blas;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Speed of the fused path ({@link RnnKernels#run}) against the readable op-by-op reference
 * ({@link RnnKernelsTest#reference}) in one run: float32, forward + backward with {@code sum(output)} as
 * the loss, every input (x included) requiring a gradient. Prints the median (and the minimum) over several
 * repetitions after warm-up, as tokens per second ({@code B·T} per second) and the ratio. Not a JUnit test; run it
 * after {@code mvn test-compile} with the test classpath, e.g.
 * <pre>
 * java -cp jrnn-core/target/classes:jrnn-core/target/test-classes:$(deps) dev.jrnn.nn.rnn.RnnKernelsSpeed [reps]
 * </pre>
 * Default shape: I = 128, H = 256, B = 64, T = 100 (LSTM, GRU, RNN_TANH).
 */
public final class RnnKernelsSpeed {
    private RnnKernelsSpeed() {}

    /**
     * Runs the benchmark. Optional arguments: the number of timed repetitions (default 7), then the cell
     * types to run (default LSTM GRU RNN_TANH).
     */
    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        List<CellType> types = args.length > 1
                ? Arrays.stream(args, 1, args.length).map(CellType::valueOf).toList()
                : List.of(CellType.LSTM, CellType.GRU, CellType.RNN_TANH);
        int input = 128, hidden = 256, batch = 64, time = 100;
        System.out.printf(Locale.ROOT, "RnnKernelsSpeed: float32 forward+backward, I=%d H=%d B=%d T=%d; BLAS %s; "
                        + "%d processor(s); Java %s; median of %d reps after warm-up%n",
                input, hidden, batch, time, Blas.backend(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), reps);
        for (CellType type : types) {
            Rng rng = new Rng(42);
            int gh = type.gates() * hidden;
            double k = 1 / Math.sqrt(hidden);
            Tensor x = Tensor.variable(NdArray.rand(rng, DType.FLOAT32, -1, 1, batch, time, input));
            Tensor wih = Tensor.variable(NdArray.rand(rng, DType.FLOAT32, -k, k, gh, input));
            Tensor whh = Tensor.variable(NdArray.rand(rng, DType.FLOAT32, -k, k, gh, hidden));
            Tensor bih = Tensor.variable(NdArray.rand(rng, DType.FLOAT32, -k, k, gh));
            Tensor bhh = Tensor.variable(NdArray.rand(rng, DType.FLOAT32, -k, k, gh));
            List<Tensor> leaves = List.of(x, wih, whh, bih, bhh);
            Supplier<Result> fused = () -> RnnKernels.run(type, x, null, null, wih, whh, bih, bhh, null, false);
            Supplier<Result> readable = () -> RnnKernelsTest.reference(type, x, null, null, wih, whh, bih, bhh, null, false);

            double[] fast = times(() -> step(fused, leaves), reps);
            double[] ref = times(() -> step(readable, leaves), Math.max(3, reps / 2));
            double[] infer = times(() -> {
                try (var scope = Autograd.noGrad()) {
                    fused.get();
                }
            }, reps);
            double tokens = (double) batch * time;
            System.out.printf(Locale.ROOT, "%-9s fused %7.1f ms (min %7.1f) %8.0f tok/s | readable %8.1f ms (min %8.1f) "
                            + "%7.0f tok/s | speed-up %5.1fx | fused forward only, no grad %6.1f ms %8.0f tok/s%n",
                    type, median(fast) * 1e3, fast[0] * 1e3, tokens / median(fast), median(ref) * 1e3, ref[0] * 1e3,
                    tokens / median(ref), median(ref) / median(fast), median(infer) * 1e3, tokens / median(infer));
        }
    }

    /** One training step's worth of work: forward, loss = sum(output), backward. */
    private static void step(Supplier<Result> f, List<Tensor> leaves) {
        for (Tensor t : leaves) {
            t.zeroGrad();
        }
        f.get().output().sum().backward();
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
