package dev.jrnn.bench;

import dev.jrnn.bench.GemmCase.Backend;
import dev.jrnn.tensor.Blas;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Whole training steps (and LSTM inference) of the workloads W1–W6 for jrnn and, when they are on the classpath
 * (Maven profile {@code peers}, see {@code run-peers.sh}), Deeplearning4j and PyTorch through DJL; then OpenBLAS's
 * sgemm ceiling at the W2 shapes. Prints one table with jrnn/peer ratios.
 *
 * <p>Method: every engine builds the same model from the same initial parameters and data ({@link BenchData});
 * the losses of one forward pass are compared (the cross-check). With more than one engine (or {@code --isolate}),
 * each engine runs each workload in a JVM of its own ({@link Isolated}: same java, JVM options, class path and
 * environment as this process, which loads no engine itself), the engines one after the other per workload, so
 * that their native thread pools (OpenBLAS, OpenMP, libtorch) do not compete. With {@code --shared-process}, or
 * one engine, all run in this JVM and take turns, one sample each per round. Either way an engine runs
 * {@code --warmup} steps, and more until {@code --warmup-seconds} have passed (the JIT's later tiers and the
 * first GCs settle within a few seconds: W4 B=1 on the serving path went from 1.6 to 1.2 ms per sequence over the
 * first 4 s of a run), then up to {@code --reps} samples; a sample is as many steps as fill
 * {@code --min-sample-ms} (one step for training workloads). Reported: the median sample per step with the range,
 * tokens/s = B·T / median, GFLOP/s = {@link Workload#flops()} / median, peak memory ({@link Mem}). An engine stops
 * sampling once it has used {@code --max-seconds} on a workload (at least 3 samples). The sgemm ceiling runs in
 * this process after the workloads.
 *
 * <pre>
 * java -cp jrnn-bench/target/benchmarks.jar dev.jrnn.bench.RnnBench [--workloads W1,W2,...|all] [--reps 7]
 *      [--warmup 2] [--warmup-seconds 0] [--engines jrnn,jrnn-fused,dl4j,pytorch,ort] [--isolate|--shared-process] [--max-seconds 60]
 *      [--min-sample-ms 200] [--gemm|--no-gemm] [--seed 42] [--markdown FILE]
 * </pre>
 * {@code --child FILE} (used by isolate mode) runs the workloads without header, table or sgemm and writes the
 * rows to {@code FILE}.
 */
public final class RnnBench {

    /** {@code --warmup-seconds}: the least time an engine runs a workload before its samples are taken. */
    private static double warmupSeconds = 0;
    private RnnBench() {}

    private static final String[][] PEERS = {
        {"dl4j", "dev.jrnn.bench.peers.Dl4jEngine"},
        {"pytorch", "dev.jrnn.bench.peers.DjlEngine"},
        {"ort", "dev.jrnn.bench.peers.OrtEngine"},
    };

    /** One engine's figures on one workload; {@code note} says why there are none (null when there are). */
    record Row(Workload w, String engine, double[] samples, double firstLoss, double checkLoss, Mem.Peak mem,
               String note) {
        double median() { return RnnBench.median(samples); }
    }

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable t) {
            t.printStackTrace();
            System.exit(1);
        }
        System.exit(0);   // peers leave non-daemon threads behind
    }

    private static void run(String[] args) throws Exception {
        List<Workload> workloads = new ArrayList<>(Arrays.asList(Workload.values()));
        int reps = 7, warmup = 2;
        double maxSeconds = 60, minSampleMs = 200;
        boolean gemm = true;
        Boolean isolate = null;
        long seed = 42;
        String engines = null;
        String markdown = null;
        String child = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--workloads" -> {
                    String v = args[++i];
                    if (!v.equalsIgnoreCase("all")) {
                        workloads.clear();
                        for (String s : v.split(",")) workloads.add(Workload.parse(s.trim()));
                    }
                }
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--warmup-seconds" -> warmupSeconds = Double.parseDouble(args[++i]);
                case "--max-seconds" -> maxSeconds = Double.parseDouble(args[++i]);
                case "--min-sample-ms" -> minSampleMs = Double.parseDouble(args[++i]);
                case "--engines" -> engines = args[++i];
                case "--isolate" -> isolate = true;
                case "--shared-process" -> isolate = false;
                case "--gemm" -> gemm = true;
                case "--no-gemm" -> gemm = false;
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--markdown" -> markdown = args[++i];
                case "--child" -> child = args[++i];
                default -> {
                    System.err.println("usage: RnnBench [--workloads W1,W2,W3,W4b1,W4b64,W5,W6|all] [--reps R] "
                            + "[--warmup S] [--warmup-seconds S] [--engines jrnn,jrnn-fused,dl4j,pytorch,ort] [--isolate|--shared-process] "
                            + "[--max-seconds S] [--min-sample-ms MS] [--gemm|--no-gemm] [--seed N] [--markdown FILE]");
                    System.exit(2);
                }
            }
        }
        List<String> names = engineNames(engines);
        if (child != null) {
            List<Engine> list = engines(names);
            List<Row> rows = new ArrayList<>();
            for (Workload w : workloads) {
                rows.addAll(runWorkload(w, list, seed, reps, warmup, maxSeconds, minSampleMs));
            }
            Isolated.write(Path.of(child), list, rows);
            return;
        }
        if (isolate == null) isolate = names.size() > 1;
        String head = header(reps, warmup, maxSeconds, minSampleMs, isolate);
        System.out.print(head);
        StringBuilder described = new StringBuilder();
        List<Row> rows = new ArrayList<>();
        if (isolate) {
            System.out.println();
            List<String> options = List.of("--reps", Integer.toString(reps), "--warmup", Integer.toString(warmup),
                    "--warmup-seconds", Double.toString(warmupSeconds),
                    "--max-seconds", Double.toString(maxSeconds), "--min-sample-ms", Double.toString(minSampleMs),
                    "--seed", Long.toString(seed), "--no-gemm");
            Map<String, String> descriptions = new LinkedHashMap<>();
            Path dir = Files.createTempDirectory("rnnbench");
            for (Workload w : workloads) {
                title(w);
                List<Row> got = new ArrayList<>();
                for (String e : names) got.addAll(Isolated.run(w, e, options, dir, descriptions));
                checks(got);
                rows.addAll(got);
            }
            Files.delete(dir);
            descriptions.forEach((e, d) -> described.append("engine ").append(e).append(": ").append(d).append('\n'));
            System.out.print(described);
        } else {
            List<Engine> list = engines(names);
            for (Engine e : list) {
                described.append("engine ").append(e.name()).append(": ").append(e.describe()).append('\n');
            }
            System.out.println(described);
            for (Workload w : workloads) {
                title(w);
                List<Row> got = runWorkload(w, list, seed, reps, warmup, maxSeconds, minSampleMs);
                checks(got);
                rows.addAll(got);
            }
        }
        StringBuilder md = new StringBuilder();
        md.append("```\n").append(head).append(described).append("```\n\n");
        table(rows, md);
        if (gemm) {
            gemmCeiling(reps, md);
        }
        String end = String.format(Locale.ROOT, "load average at end: %s%n", loadAverage());
        System.out.print(end);
        md.append("\n").append(end);
        if (markdown != null) {
            Files.writeString(Path.of(markdown), md.toString());
        }
    }

    /**
     * The engines to run, in the order jrnn, dl4j, pytorch, without loading any: those of {@code names}
     * (comma-separated), or when null jrnn and the peers on the classpath.
     */
    private static List<String> engineNames(String names) {
        List<String> wanted = names == null ? null : Arrays.asList(names.toLowerCase(Locale.ROOT).split(","));
        List<String> out = new ArrayList<>();
        if (wanted == null || wanted.contains("jrnn")) out.add("jrnn");
        if (wanted != null && wanted.contains("jrnn-fused")) out.add("jrnn-fused");   // inference before the serving API
        for (String[] p : PEERS) {
            boolean present = RnnBench.class.getClassLoader().getResource(p[1].replace('.', '/') + ".class") != null;
            if (wanted != null && wanted.contains(p[0]) && !present) {
                throw new IllegalStateException(p[0] + " is not on the classpath: build with -Ppeers and run "
                        + "through jrnn-bench/run-peers.sh");
            }
            if (wanted == null ? present : wanted.contains(p[0])) out.add(p[0]);
        }
        return out;
    }

    /** Creates the engines named {@code names} (from {@link #engineNames}). */
    private static List<Engine> engines(List<String> names) throws Exception {
        List<Engine> out = new ArrayList<>();
        for (String n : names) {
            if (n.equals("jrnn") || n.equals("jrnn-fused")) {
                out.add(new JrnnEngine(n.equals("jrnn")));
            }
            for (String[] p : PEERS) {
                if (p[0].equals(n)) out.add((Engine) Class.forName(p[1]).getDeclaredConstructor().newInstance());
            }
        }
        return out;
    }

    /** The machine, the threads' environment and the method, one line each. */
    private static String header(int reps, int warmup, double maxSeconds, double minSampleMs, boolean isolate) {
        StringBuilder h = new StringBuilder();
        h.append(String.format(Locale.ROOT, "RnnBench: Java %s (%s), %d processors, %s, max heap %d MB; load average %s%n",
                System.getProperty("java.vm.version"), System.getProperty("java.vm.name"),
                Runtime.getRuntime().availableProcessors(), cpuModel(),
                Runtime.getRuntime().maxMemory() >> 20, loadAverage()));
        h.append(String.format(Locale.ROOT, "env: OMP_NUM_THREADS=%s OPENBLAS_NUM_THREADS=%s MKL_NUM_THREADS=%s "
                        + "OMP_WAIT_POLICY=%s%n", System.getenv("OMP_NUM_THREADS"), System.getenv("OPENBLAS_NUM_THREADS"),
                System.getenv("MKL_NUM_THREADS"), System.getenv(Isolated.WAIT_POLICY) != null
                        ? System.getenv(Isolated.WAIT_POLICY) : "unset (dl4j's child: PASSIVE)"));
        String how = isolate
                ? "one JVM per engine and workload, engines one after the other per workload; %d warm-up steps, "
                        + "then up to %d samples"
                : "all engines in one JVM; %d warm-up steps, then up to %d rounds taking turns";
        h.append(String.format(Locale.ROOT, "method: " + how + " (>= %.0f ms per sample, <= %.0f s per engine and "
                + "workload); median [min-max] per step%n", warmup, reps, minSampleMs, maxSeconds));
        if (warmupSeconds > 0) {
            h.append(String.format(Locale.ROOT, "warm-up: at least %.0f s per engine and workload before sampling%n",
                    warmupSeconds));
        }
        return h.toString();
    }

    private static void title(Workload w) {
        System.out.printf(Locale.ROOT, "== %s %s: %s%n", w.id, w.title, w.shapes());
        System.out.flush();
    }

    /** The cross-check of one workload: every engine's forward loss with the same parameters and data. */
    private static void checks(List<Row> rows) {
        Row ref = null;
        for (Row r : rows) {
            if (r.note() != null) continue;
            if (ref == null) ref = r;
            double rel = Math.abs(r.checkLoss() - ref.checkLoss()) / Math.max(1e-12, Math.abs(ref.checkLoss()));
            System.out.printf(Locale.ROOT, "   check %-8s forward loss %.7f  rel. diff vs %s %.1e %s%n",
                    r.engine(), r.checkLoss(), ref.engine(), rel, rel < 1e-3 ? "OK" : "MISMATCH");
        }
        System.out.flush();
    }

    private static List<Row> runWorkload(Workload w, List<Engine> engines, long seed, int reps, int warmup,
                                         double maxSeconds, double minSampleMs) throws Exception {
        BenchData data = BenchData.of(w, seed);
        List<Engine> active = new ArrayList<>();
        Map<Engine, Engine.Step> steps = new LinkedHashMap<>();
        List<Row> rows = new ArrayList<>();
        Map<Engine, Double> check = new LinkedHashMap<>();
        for (Engine e : engines) {
            String why = e.unsupported(w);
            if (why != null) {
                rows.add(new Row(w, e.name(), new double[0], Double.NaN, Double.NaN, null, why));
                System.out.printf(Locale.ROOT, "   %-8s skipped: %s%n", e.name(), why);
                continue;
            }
            try {
                Engine.Step s = e.prepare(w, data);
                check.put(e, s.loss());   // with the shared initial parameters, before any update
                steps.put(e, s);
                active.add(e);
            } catch (Exception | LinkageError ex) {
                rows.add(new Row(w, e.name(), new double[0], Double.NaN, Double.NaN, null, "failed: " + ex));
                System.out.printf(Locale.ROOT, "   %-8s failed: %s%n", e.name(), ex);
                ex.printStackTrace();
            }
        }
        // warm-up, and how many steps make one sample
        Map<Engine, Integer> perSample = new LinkedHashMap<>();
        Map<Engine, Double> first = new LinkedHashMap<>();
        for (Engine e : new ArrayList<>(active)) {
            Engine.Step s = steps.get(e);
            double loss;
            long t0 = System.nanoTime();
            try {
                loss = s.run();
            } catch (Exception | LinkageError ex) {   // a peer that cannot train this model: report, go on
                rows.add(new Row(w, e.name(), new double[0], Double.NaN, Double.NaN, null, "failed: " + ex));
                System.out.printf(Locale.ROOT, "   %-8s failed: %s%n", e.name(), ex);
                active.remove(e);
                check.remove(e);
                continue;
            }
            first.put(e, loss);
            double ms = (System.nanoTime() - t0) / 1e6;   // the step time when the first is the only warm-up step
            if (warmup > 1) {
                t0 = System.nanoTime();
                for (int i = 1; i < warmup; i++) s.run();
                ms = (System.nanoTime() - t0) / 1e6 / (warmup - 1);
            }
            long warmStart = System.nanoTime();
            if (warmupSeconds > 0) {
                int n = 0;
                t0 = System.nanoTime();
                while (System.nanoTime() - warmStart < warmupSeconds * 1e9) {
                    s.run();
                    n++;
                }
                if (n > 0) ms = (System.nanoTime() - t0) / 1e6 / n;
            }
            perSample.put(e, w.training ? 1 : (int) Math.max(1, Math.ceil(minSampleMs / Math.max(ms, 1e-3))));
        }
        Map<Engine, List<Double>> samples = new LinkedHashMap<>();
        Map<Engine, Double> spent = new LinkedHashMap<>();
        for (Engine e : active) {
            samples.put(e, new ArrayList<>());
            spent.put(e, 0.0);
        }
        for (int r = 0; r < reps; r++) {
            for (Engine e : active) {
                List<Double> got = samples.get(e);
                if (got.size() >= 3 && spent.get(e) > maxSeconds) continue;
                int n = perSample.get(e);
                Engine.Step s = steps.get(e);
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) s.run();
                double sec = (System.nanoTime() - t0) / 1e9;
                got.add(sec / n);
                spent.put(e, spent.get(e) + sec);
            }
        }
        for (Engine e : active) {
            Engine.Step s = steps.get(e);
            Mem.Peak mem = Mem.measure(s, w.training ? 2 : Math.min(perSample.get(e), 20));
            double[] sm = samples.get(e).stream().mapToDouble(Double::doubleValue).toArray();
            Row row = new Row(w, e.name(), sm, first.get(e), check.get(e), mem, null);
            rows.add(row);
            double med = row.median();
            System.out.printf(Locale.ROOT, "   %-8s %9.2f ms/step  %10.0f tokens/s  %6.1f GFLOP/s  loss0 %.6f  "
                            + "check %.6f  heap %d MB  RSS +%d MB  (%d samples x %d)%n",
                    e.name(), med * 1e3, w.tokens() / med, w.flops() / med / 1e9, first.get(e), check.get(e),
                    mem.heap() >> 20, mem.rss() >> 20, sm.length, perSample.get(e));
            s.close();
        }
        System.out.flush();
        return rows;
    }

    private static void table(List<Row> rows, StringBuilder md) {
        StringBuilder t = new StringBuilder();
        t.append(String.format(Locale.ROOT, "%n%-6s %-8s %22s %12s %8s %8s %8s %9s %s%n", "work", "engine",
                "ms/step median [range]", "tokens/s", "GFLOP/s", "heap MB", "RSS+ MB", "xcheck", "jrnn speed-up"));
        md.append("| workload | engine | ms/step median [min–max] | tokens/s | GFLOP/s | peak heap MB | RSS growth MB "
                + "| forward-loss check | jrnn speed-up (peer time / jrnn time) |\n|---|---|---|---|---|---|---|---|---|\n");
        Map<Workload, Row> jrnn = new LinkedHashMap<>();
        for (Row r : rows) {
            if (r.engine().equals("jrnn") && r.samples().length > 0) jrnn.put(r.w(), r);
        }
        for (Row r : rows) {
            Workload w = r.w();
            if (r.samples().length == 0) {
                t.append(String.format(Locale.ROOT, "%-6s %-8s %s%n", w.id, r.engine(), r.note()));
                md.append(String.format(Locale.ROOT, "| %s | %s | %s | | | | | | |%n", w.id, r.engine(), r.note()));
                continue;
            }
            double[] s = r.samples().clone();
            Arrays.sort(s);
            double med = r.median();
            Row j = jrnn.get(w);
            String ratio = "";
            String xcheck = "";
            if (j != null && j != r) {
                ratio = String.format(Locale.ROOT, "%.2fx", med / j.median());
                double rel = Math.abs(r.checkLoss() - j.checkLoss()) / Math.max(1e-12, Math.abs(j.checkLoss()));
                xcheck = String.format(Locale.ROOT, "%.0e", rel);
            }
            String range = String.format(Locale.ROOT, "%.2f [%.2f-%.2f]", med * 1e3, s[0] * 1e3, s[s.length - 1] * 1e3);
            t.append(String.format(Locale.ROOT, "%-6s %-8s %22s %12.0f %8.1f %8d %8d %9s %s%n", w.id, r.engine(), range,
                    w.tokens() / med, w.flops() / med / 1e9, r.mem().heap() >> 20, r.mem().rss() >> 20, xcheck, ratio));
            md.append(String.format(Locale.ROOT, "| %s %s | %s | %s | %.0f | %.1f | %d | %d | %s | %s |%n", w.id, w.title,
                    r.engine(), range, w.tokens() / med, w.flops() / med / 1e9, r.mem().heap() >> 20,
                    r.mem().rss() >> 20, xcheck.isEmpty() ? "—" : xcheck, ratio.isEmpty() ? "—" : ratio));
        }
        System.out.print(t);
        md.append('\n');
    }

    /**
     * OpenBLAS's sgemm ceiling (JavaCPP, off-heap pointers) at W2's shapes, against jrnn's Blas.sgemm: alone at the
     * shape, and as the LSTM kernel issues the recurrent products (T = 100 calls writing into one [T·B, 4H] gates
     * buffer, h read from the [T·B, H] history, W_hh used transposed). The recurrent products of the backward pass
     * ([64×1024]×[1024×256]) are measured the same way.
     */
    private static void gemmCeiling(int reps, StringBuilder md) throws InterruptedException {
        StringBuilder t = new StringBuilder();
        t.append(String.format(Locale.ROOT, "%nsgemm at W2's shapes, GFLOP/s median [min-max] of %d rounds of 0.5 s%n",
                reps));
        t.append(String.format(Locale.ROOT, "%-24s %-44s %24s %9s%n", "shape [MxK]x[KxN]", "what", "GFLOP/s",
                "/ceiling"));
        String[][] shapes = {{"64x256x1024", "recurrent (forward h·W_hhᵀ)"}, {"64x1024x256", "recurrent (backward dG·W_hh)"},
            {"6400x128x1024", "input projection (X·W_ihᵀ)"}};
        for (String[] sh : shapes) {
            try (GemmCase g = GemmCase.parse(sh[0])) {
                int m = g.m, k = g.k, n = g.n;
                int T = 100;
                float[] hist = new float[T * m * k], wt = new float[n * k], gates = new float[T * m * n];
                float[] wBack = new float[k * n];
                boolean forward = sh[1].contains("forward");
                boolean rec = sh[1].startsWith("recurrent");
                Runnable loop = () -> {
                    for (int t2 = 0; t2 < T; t2++) {
                        if (forward) {
                            Blas.sgemm(false, true, m, n, k, 1, hist, t2 * m * k, k, wt, 0, k, 1, gates, t2 * m * n, n);
                        } else {
                            Blas.sgemm(false, false, m, n, k, 1, hist, t2 * m * k, k, wBack, 0, n, 1, gates, t2 * m * n, n);
                        }
                    }
                };
                double[] ceil = new double[reps], alone = new double[reps], inLoop = new double[reps];
                rate(() -> g.run(Backend.CEILING), g.flops(), 1.0);
                rate(() -> g.run(Backend.JRNN), g.flops(), 1.0);
                if (rec) rate(loop, g.flops() * T, 1.0);
                for (int r = 0; r < reps; r++) {
                    ceil[r] = rate(() -> g.run(Backend.CEILING), g.flops(), 0.5);
                    alone[r] = rate(() -> g.run(Backend.JRNN), g.flops(), 0.5);
                    if (rec) inLoop[r] = rate(loop, g.flops() * T, 0.5);
                }
                double c = median(ceil);
                t.append(line(g.shape(), "OpenBLAS ceiling (JavaCPP FloatPointer)", ceil, c));
                t.append(line(g.shape(), "jrnn Blas.sgemm, same shape", alone, c));
                if (rec) t.append(line(g.shape(), "jrnn Blas.sgemm, " + T + " steps as in the kernel", inLoop, c));
                t.append(String.format(Locale.ROOT, "  (%s)%n", sh[1]));
            }
        }
        System.out.print(t);
        md.append("```").append(t).append("```\n");
    }

    private static String line(String shape, String what, double[] x, double ceiling) {
        double[] s = x.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, "%-24s %-44s %7.1f [%5.1f-%5.1f] %8.0f%%%n", shape, what, median(x), s[0],
                s[s.length - 1], 100 * median(x) / ceiling);
    }

    private static double rate(Runnable r, double flops, double seconds) throws InterruptedException {
        Thread.sleep(50);
        long budget = (long) (seconds * 1e9), start = System.nanoTime(), now, calls = 0;
        do {
            r.run();
            calls++;
            now = System.nanoTime();
        } while (now - start < budget);
        return flops * calls / ((now - start) * 1e-9) / 1e9;
    }

    static double median(double[] x) {
        if (x.length == 0) return Double.NaN;
        double[] s = x.clone();
        Arrays.sort(s);
        int h = s.length / 2;
        return s.length % 2 == 1 ? s[h] : (s[h - 1] + s[h]) / 2;
    }

    private static String loadAverage() {
        try {
            return String.join(" ", Arrays.asList(Files.readString(Path.of("/proc/loadavg")).split(" ")).subList(0, 3));
        } catch (IOException | RuntimeException e) {
            return "n/a";
        }
    }

    private static String cpuModel() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (l.startsWith("model name")) return l.substring(l.indexOf(':') + 1).trim();
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return "cpu n/a";
    }
}
