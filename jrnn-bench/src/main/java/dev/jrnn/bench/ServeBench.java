package dev.jrnn.bench;

import dev.jrnn.infer.PackedRnn;
import dev.jrnn.infer.RnnStream;
import dev.jrnn.nn.rnn.Lstm;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The serving benchmark: client threads sharing one {@link PackedRnn} (W4's LSTM, I=128, H=256, float32), each
 * sending requests back to back for a fixed time; a request is one sequence of T=100 steps, either streamed step
 * by step ({@link RnnStream}) or as {@code run(List.of(sequence))}. Prints per request p50 / p99 / max latency and
 * the throughput of all clients together, for each client count.
 *
 * <pre>
 * java -cp jrnn-bench/target/benchmarks.jar dev.jrnn.bench.ServeBench [--clients 1,2] [--seconds 10]
 *      [--warmup 3] [--mode stream|run]
 * </pre>
 */
public final class ServeBench {
    private ServeBench() {}

    static final int I = 128, H = 256, T = 100, INPUTS = 16;

    /** Runs the benchmark for each client count (see the class comment for the arguments) and prints the table. */
    public static void main(String[] args) throws Exception {
        int[] clients = {1, 2};
        double seconds = 10, warmup = 3;
        String mode = "stream";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--clients" -> clients = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--warmup" -> warmup = Double.parseDouble(args[++i]);
                case "--mode" -> mode = args[++i];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; usage: ServeBench [--clients 1,2] [--seconds S] [--warmup S] [--mode stream|run]");
            }
        }
        if (!mode.equals("stream") && !mode.equals("run")) {
            throw new IllegalArgumentException("--mode must be stream or run, got " + mode);
        }
        PackedRnn model = PackedRnn.of(Lstm.builder(I, H).rng(new Rng(1)).build());
        List<NdArray> inputs = new ArrayList<>();
        for (int k = 0; k < INPUTS; k++) inputs.add(NdArray.rand(new Rng(10 + k), DType.FLOAT32, -1, 1, T, I));
        System.out.printf(Locale.ROOT, "ServeBench: %s, LSTM I=%d H=%d, one request = one sequence of T=%d (%s); "
                        + "%d processors, load average %s%n", model, I, H, T, mode,
                Runtime.getRuntime().availableProcessors(), loadAverage());
        System.out.printf(Locale.ROOT, "%-8s %10s %10s %10s %10s %14s%n", "clients", "requests", "p50 ms", "p99 ms",
                "max ms", "requests/s");
        for (int c : clients) {
            run(model, inputs, c, warmup, mode);                       // warm-up round, discarded
            Result r = run(model, inputs, c, seconds, mode);
            System.out.printf(Locale.ROOT, "%-8d %10d %10.3f %10.3f %10.3f %14.1f%n", c, r.latencies.length,
                    pct(r.latencies, 0.50), pct(r.latencies, 0.99), pct(r.latencies, 1.0), r.latencies.length / r.seconds);
        }
        System.out.printf(Locale.ROOT, "load average at end: %s%n", loadAverage());
    }

    record Result(double[] latencies, double seconds) {}

    /** {@code clients} threads, each sending requests until {@code seconds} have passed. */
    static Result run(PackedRnn model, List<NdArray> inputs, int clients, double seconds, String mode)
            throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch start = new CountDownLatch(1);
        List<double[]> perThread = new ArrayList<>();
        int[] counts = new int[clients];
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            double[] lat = new double[1 << 20];
            perThread.add(lat);
            final int id = c;
            Thread t = new Thread(() -> {
                RnnStream s = model.openStream();
                float[][] steps = new float[T][];
                int n = 0;
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                while (!stop.get() && n < lat.length) {
                    NdArray x = inputs.get((n + id) % inputs.size());
                    long t0 = System.nanoTime();
                    if (mode.equals("stream")) {
                        s.reset();
                        float[] xs = x.floatData();
                        for (int k = 0; k < T; k++) {
                            if (steps[k] == null) steps[k] = new float[I];
                            System.arraycopy(xs, k * I, steps[k], 0, I);   // as a request would hand its inputs in
                            s.step(steps[k]);
                        }
                    } else {
                        model.run(List.of(x));
                    }
                    lat[n++] = (System.nanoTime() - t0) / 1e6;
                }
                counts[id] = n;
            }, "client-" + c);
            threads.add(t);
            t.start();
        }
        long t0 = System.nanoTime();
        start.countDown();
        Thread.sleep((long) (seconds * 1000));
        stop.set(true);
        for (Thread t : threads) t.join();
        double elapsed = (System.nanoTime() - t0) / 1e9;
        int total = Arrays.stream(counts).sum();
        double[] all = new double[total];
        int at = 0;
        for (int c = 0; c < clients; c++) {
            System.arraycopy(perThread.get(c), 0, all, at, counts[c]);
            at += counts[c];
        }
        Arrays.sort(all);
        return new Result(all, elapsed);
    }

    /** The {@code q} quantile of sorted values (nearest rank). */
    static double pct(double[] sorted, double q) {
        if (sorted.length == 0) return Double.NaN;
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    static String loadAverage() {
        try {
            String[] p = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ");
            return p[0] + " " + p[1] + " " + p[2];
        } catch (java.io.IOException | RuntimeException e) {
            return "n/a";
        }
    }
}
