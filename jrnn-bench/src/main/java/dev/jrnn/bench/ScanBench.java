package dev.jrnn.bench;

import dev.jrnn.autograd.Autograd;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.rnn.MLstm;
import dev.jrnn.nn.rnn.RnnBase;
import dev.jrnn.nn.rnn.RnnConfig;
import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.nn.rnn.RnnState;
import dev.jrnn.nn.rnn.ScanKernels;
import dev.jrnn.nn.rnn.StandardCell;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Training tokens/s of the scan layers (minGRU, minLSTM: one product for all gates, then a log-space scan), the
 * xLSTM layers (sLSTM: its cell stepped through autograd, no fused kernel; mLSTM: the parallel form, one head) and
 * TTT-Linear ({@code TTT_LINEAR}: its cell unrolled, one autograd graph per token, default heads, b = 1) against
 * the fused LSTM and GRU at one shape (a scan cell written {@code MIN_GRU/LINEAR} runs {@link ScanKernels.Form#LINEAR};
 * {@code MLSTM/4} is an mLSTM with 4 heads), float32, fast path: one training step is forward over {@code [B, T, I]},
 * a fixed random linear loss on every output, and backward to every parameter. The cells take turns, one step
 * each per round, so that a machine whose load changes affects them alike; reported is the median step with its
 * range and tokens/s = B·T / median, and the process CPU time per step (all threads; on a shared machine less
 * disturbed than wall time). Also the sequential (inference) form: tokens/s of stepping the cell one
 * token at a time with O(1) state, batch B, without gradients.
 *
 * <pre>
 * java -cp jrnn-bench/target/benchmarks.jar dev.jrnn.bench.ScanBench [--batch 16] [--time 512] [--input 64]
 *      [--hidden 256] [--rounds 7] [--warmup 2] [--cells LSTM,GRU,MIN_GRU,MIN_LSTM,MIN_GRU/LINEAR,MIN_LSTM/LINEAR,SLSTM,MLSTM]
 *      (any cell type may be listed, e.g. {@code --cells LSTM,TTT_LINEAR})
 * </pre>
 */
public final class ScanBench {
    private ScanBench() {}

    /** Runs the comparison and prints one table. */
    @SuppressWarnings("try")
    public static void main(String[] args) {
        Map<String, String> o = options(args);
        int batch = Integer.parseInt(o.getOrDefault("batch", "16"));
        int time = Integer.parseInt(o.getOrDefault("time", "512"));
        int input = Integer.parseInt(o.getOrDefault("input", "64"));
        int hidden = Integer.parseInt(o.getOrDefault("hidden", "256"));
        int rounds = Integer.parseInt(o.getOrDefault("rounds", "7"));
        int warmup = Integer.parseInt(o.getOrDefault("warmup", "2"));
        List<String> cells = new ArrayList<>();                            // "MIN_GRU" or "MIN_GRU/LINEAR"
        for (String c : o.getOrDefault("cells", "LSTM,GRU,MIN_GRU,MIN_LSTM,MIN_GRU/LINEAR,MIN_LSTM/LINEAR,SLSTM,MLSTM").split(",")) {
            cells.add(c.trim());
        }

        Rng rng = new Rng(42);
        Tensor x = Tensor.constant(NdArray.randn(rng, DType.FLOAT32, 0, 1, batch, time, input));
        Tensor w = Tensor.constant(NdArray.randn(rng, DType.FLOAT32, 0, 1, batch, time, hidden));
        Map<String, RnnBase> layers = new LinkedHashMap<>();
        Map<String, double[]> train = new LinkedHashMap<>(), infer = new LinkedHashMap<>(), cpu = new LinkedHashMap<>();
        for (String c : cells) {
            String[] parts = c.split("/");
            RnnConfig config = new RnnConfig(CellType.valueOf(parts[0]), input, hidden, 1, true, true, 0, false);
            boolean heads = parts.length > 1 && parts[1].chars().allMatch(Character::isDigit);   // "MLSTM/4": 4 heads
            RnnBase layer = heads ? new MLstm(config, Integer.parseInt(parts[1]), DType.FLOAT32, new Rng(1))
                    : RnnBase.create(config, DType.FLOAT32, new Rng(1));
            if (parts.length > 1 && !heads) {
                layer.scanForm(ScanKernels.Form.valueOf(parts[1]));
            }
            layers.put(c, layer);
            train.put(c, new double[rounds]);
            cpu.put(c, new double[rounds]);
            infer.put(c, new double[rounds]);
        }
        System.out.printf(Locale.ROOT, "ScanBench: B=%d T=%d I=%d H=%d, float32, %d warm-up + %d rounds, cells take turns%n",
                batch, time, input, hidden, warmup, rounds);
        for (int r = -warmup; r < rounds; r++) {
            for (String c : cells) {
                RnnBase layer = layers.get(c);
                long c0 = processCpuNanos(), t0 = System.nanoTime();
                Tensor loss = layer.forwardFrom(x, null, null).output().mul(w).sum();
                loss.backward();
                double trainS = (System.nanoTime() - t0) / 1e9, cpuS = (processCpuNanos() - c0) / 1e9;
                layer.parameters().forEach(Tensor::zeroGrad);
                long t1 = System.nanoTime();
                try (var scope = Autograd.noGrad()) {
                    step(layer.cell(0, false), x, Math.min(time, 128));
                }
                double inferS = (System.nanoTime() - t1) / 1e9 * time / Math.min(time, 128);   // scaled to T steps
                if (r >= 0) {
                    train.get(c)[r] = trainS;
                    cpu.get(c)[r] = cpuS;
                    infer.get(c)[r] = inferS;
                }
            }
        }
        double lstm = train.containsKey("LSTM") ? median(train.get("LSTM")) : Double.NaN;
        double lstmCpu = cpu.containsKey("LSTM") ? median(cpu.get("LSTM")) : Double.NaN;
        System.out.println("| cell | params | train step, wall (median, range) | train tokens/s | vs LSTM | CPU s per step "
                + "(all threads) | vs LSTM (CPU) | sequential inference tokens/s |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
        for (String c : cells) {
            double[] s = train.get(c).clone();
            Arrays.sort(s);
            double m = median(s);
            long params = layers.get(c).parameters().stream().mapToLong(p -> p.data().size()).sum();
            double mc = median(cpu.get(c));
            System.out.printf(Locale.ROOT, "| %s | %d | %.3f s (%.3f–%.3f) | %.0f | %.2f× | %.3f | %.2f× | %.0f |%n", c, params,
                    m, s[0], s[s.length - 1], batch * time / m, lstm / m, mc, lstmCpu / mc, batch * time / median(infer.get(c)));
        }
    }

    /** Steps the cell over the first {@code steps} time steps of {@code x}, one token at a time. */
    private static void step(StandardCell<?> cell, Tensor x, int steps) {
        @SuppressWarnings("unchecked")
        StandardCell<RnnState> c = (StandardCell<RnnState>) cell;
        RnnState s = c.zeroState(x.dim(0), x.dtype());
        for (int t = 0; t < steps; t++) {
            s = c.step(x.select(1, t), s);
        }
    }

    /** CPU time of the whole process (every thread, JIT and GC included): less disturbed by other processes than wall time. */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("ScanBench: expected --name value pairs, got " + String.join(" ", args));
            }
            o.put(args[i].substring(2), args[++i]);
        }
        return o;
    }
}
