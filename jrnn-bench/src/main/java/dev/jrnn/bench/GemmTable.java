package dev.jrnn.bench;

import dev.jrnn.bench.GemmCase.Backend;
import dev.jrnn.tensor.Blas;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Prints a GFLOP/s table for single-precision GEMM at jrnn's RNN shapes: jrnn's {@code Blas.sgemm} (auto-selected
 * backend), jrnn's pure-Java kernel, OpenBLAS through JavaCPP's copying {@code float[]} overload, and the ceiling,
 * OpenBLAS through JavaCPP on off-heap pointers; each with its ratio to the ceiling.
 *
 * <p>All in one process. Backends take turns ({@code reps} rounds of {@code seconds} each, after a warm-up),
 * so that load from other processes hits them alike; each cell is the median round, with the range of rounds.
 * A short pause between backends lets OpenBLAS's spinning worker threads go idle before the Java kernel runs.
 *
 * <pre>
 * mvn -q -pl jrnn-bench -am package -DskipTests
 * java -cp jrnn-bench/target/benchmarks.jar dev.jrnn.bench.GemmTable [--seconds 1] [--reps 7] [--warmup 2]
 *      [--shapes 64x384x1024,6400x128x1024,64x256x1024]
 * </pre>
 */
public final class GemmTable {
    private GemmTable() {}

    /**
     * Runs the comparison and prints the table.
     *
     * @param args {@code --seconds S} per round, {@code --reps R} rounds, {@code --warmup W} seconds per backend,
     *             {@code --shapes MxKxN,...}
     * @throws InterruptedException if interrupted while pausing between backends
     */
    public static void main(String[] args) throws InterruptedException {
        double seconds = 1.0;
        int reps = 7;
        double warmup = 2.0;
        String shapes = "64x384x1024,6400x128x1024,64x256x1024";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Double.parseDouble(args[++i]);
                case "--shapes" -> shapes = args[++i];
                default -> {
                    System.err.println("usage: GemmTable [--seconds S] [--reps R] [--warmup W] [--shapes MxKxN,...]");
                    System.exit(2);
                }
            }
        }
        System.out.printf(Locale.ROOT, "jrnn backend: %s; Java %s; %d processors; load average %s%n",
                Blas.backend(), System.getProperty("java.vm.version"), Runtime.getRuntime().availableProcessors(),
                loadAverage());
        System.out.printf(Locale.ROOT, "rounds: %d x %.1f s per backend after %.1f s warm-up; median [min-max]%n%n",
                reps, seconds, warmup);
        System.out.printf(Locale.ROOT, "%-22s %-22s %22s %9s%n", "shape [MxK]x[KxN]", "backend", "GFLOP/s", "/ceiling");
        for (String shape : shapes.split(",")) {
            try (GemmCase g = GemmCase.parse(shape)) {
                Map<Backend, double[]> rounds = measure(g, seconds, reps, warmup);
                double ceiling = median(rounds.get(Backend.CEILING));
                for (Backend b : Backend.values()) {
                    double[] r = rounds.get(b);
                    double[] sorted = r.clone();
                    Arrays.sort(sorted);
                    System.out.printf(Locale.ROOT, "%-22s %-22s %7.1f [%5.1f-%5.1f] %8.0f%%%n", g.shape(), b.label,
                            median(r), sorted[0], sorted[sorted.length - 1], 100 * median(r) / ceiling);
                }
                System.out.println();
            }
        }
        System.out.printf(Locale.ROOT, "load average at end: %s%n", loadAverage());
    }

    private static Map<Backend, double[]> measure(GemmCase g, double seconds, int reps, double warmup)
            throws InterruptedException {
        Map<Backend, double[]> rounds = new EnumMap<>(Backend.class);
        for (Backend b : Backend.values()) {
            rounds.put(b, new double[reps]);
            pause();
            gflops(g, b, warmup);
        }
        for (int r = 0; r < reps; r++) {
            for (Backend b : Backend.values()) {
                pause();
                rounds.get(b)[r] = gflops(g, b, seconds);
            }
        }
        return rounds;
    }

    /** Runs the product for about {@code seconds} and returns GFLOP/s. */
    private static double gflops(GemmCase g, Backend b, double seconds) {
        long budget = (long) (seconds * 1e9);
        long start = System.nanoTime();
        long calls = 0;
        long now;
        do {
            g.run(b);
            calls++;
            now = System.nanoTime();
        } while (now - start < budget);
        return g.flops() * calls / ((now - start) * 1e-9) / 1e9;
    }

    private static void pause() throws InterruptedException {
        Thread.sleep(100);
    }

    private static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        int h = s.length / 2;
        return s.length % 2 == 1 ? s[h] : (s[h - 1] + s[h]) / 2;
    }

    private static String loadAverage() {
        try {
            List<String> f = new ArrayList<>(Arrays.asList(Files.readString(Path.of("/proc/loadavg")).split(" ")));
            return String.join(" ", f.subList(0, 3));
        } catch (IOException | RuntimeException e) {
            return "n/a";
        }
    }
}
