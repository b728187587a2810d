package dev.jrnn.bench;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Losses;
import dev.jrnn.nn.rnn.Lstm;
import dev.jrnn.nn.rnn.RnnOutput;
import dev.jrnn.nn.rnn.RnnState;
import dev.jrnn.optim.Sgd;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;

import java.util.Arrays;
import java.util.Locale;

/**
 * The scaling table of issue 7: one LSTM training step (forward, MSE on every output, backward, SGD) of the fast
 * path, float32, against T, B and H around W2 (I=128, H=256, B=64, T=100), and the memory the step keeps alive for
 * backpropagation through time, with full BPTT and with truncated BPTT in chunks of 25 steps.
 *
 * <p>Memory is the heap in use after the forward pass minus before it, each read after {@code System.gc()}: the
 * activations the graph holds for the backward pass.
 *
 * <pre>
 * java -cp jrnn-bench/target/benchmarks.jar dev.jrnn.bench.Scaling [--reps 5]
 * </pre>
 */
public final class Scaling {
    private Scaling() {}

    /** One measured configuration. */
    record Row(String vary, int t, int b, int h, int chunk, double msMedian, double mbKept) {}

    public static void main(String[] args) {
        int reps = args.length == 2 && args[0].equals("--reps") ? Integer.parseInt(args[1]) : 5;
        System.out.printf(Locale.ROOT, "Scaling: LSTM train step (fast path, float32, I=128), median of %d; %d processors%n",
                reps, Runtime.getRuntime().availableProcessors());
        System.out.println("| vary | T | B | H | BPTT chunk | ms/step | ms per (B·T) token x1000 | MB kept for backward |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (int t : new int[] {25, 50, 100, 200, 400}) print(measure("T", t, 64, 256, t, reps));
        for (int b : new int[] {1, 4, 16, 64, 256}) print(measure("B", 100, b, 256, 100, reps));
        for (int h : new int[] {64, 128, 256, 512, 1024}) print(measure("H", 100, 64, h, 100, reps));
        for (int t : new int[] {100, 200, 400}) print(measure("T, TBPTT 25", t, 64, 256, 25, reps));
    }

    private static void print(Row r) {
        System.out.printf(Locale.ROOT, "| %s | %d | %d | %d | %s | %.2f | %.2f | %.1f |%n", r.vary, r.t, r.b, r.h,
                r.chunk == r.t ? "full" : Integer.toString(r.chunk), r.msMedian, r.msMedian * 1000 / ((double) r.b * r.t),
                r.mbKept);
    }

    static Row measure(String vary, int t, int b, int h, int chunk, int reps) {
        Rng rng = new Rng(42);
        int in = 128;
        Lstm lstm = Lstm.builder(in, h).rng(rng).build();
        Sgd sgd = new Sgd(lstm.parameters(), 0.01);
        Tensor x = Tensor.constant(NdArray.rand(rng, DType.FLOAT32, -1, 1, b, t, in));
        Tensor y = Tensor.constant(NdArray.rand(rng, DType.FLOAT32, -1, 1, b, t, h));
        double[] ms = new double[reps];
        double kept = 0;
        for (int r = -2; r <= reps; r++) {         // two warm-up steps, reps timed, one more for the memory
            long start = System.nanoTime();
            RnnState state = null;
            for (int from = 0; from < t; from += chunk) {
                int len = Math.min(chunk, t - from);
                Tensor xs = len == t ? x : x.slice(1, from, from + len);
                Tensor ys = len == t ? y : y.slice(1, from, from + len);
                sgd.zeroGrad();
                boolean measureMemory = r == reps && from == 0;
                long before = measureMemory ? usedAfterGc() : 0;
                RnnOutput out = lstm.forwardFrom(xs, state, null);
                Tensor loss = Losses.mse(out.output(), ys);
                if (measureMemory) kept = (usedAfterGc() - before) / 1e6;
                loss.backward();
                sgd.step();
                state = out.state().detach();
            }
            if (r >= 0 && r < reps) ms[r] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(ms);
        return new Row(vary, t, b, h, chunk, ms[reps / 2], kept);
    }

    private static long usedAfterGc() {
        Runtime rt = Runtime.getRuntime();
        System.gc();
        return rt.totalMemory() - rt.freeMemory();
    }
}
