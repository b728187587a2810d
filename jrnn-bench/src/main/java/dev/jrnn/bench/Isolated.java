package dev.jrnn.bench;

import dev.jrnn.bench.RnnBench.Row;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@link RnnBench}'s isolate mode: runs one engine on one workload in a child JVM (same java, JVM options, class
 * path and environment as this one) and reads its rows back from a file, one tab-separated line each:
 * <pre>
 * engine  NAME  DESCRIPTION
 * row     WORKLOAD  ENGINE  NOTE-OR-EMPTY  FIRST-LOSS  CHECK-LOSS  HEAP-BYTES  RSS-BYTES  SAMPLES (comma-separated)
 * </pre>
 * Doubles are written with {@link Double#toString} so that they come back exactly; a row without memory figures
 * (skipped, failed) has empty heap and RSS fields.
 */
final class Isolated {
    private Isolated() {}

    /**
     * OpenMP's wait policy: PASSIVE for DL4J's child, OpenMP's default for the others, unless the user set it.
     * Measured here: DL4J's W1 step 208-237 ms with PASSIVE and 4,703 ms without (its OpenMP workers spin against
     * its own threads); libtorch's W4 batch-1 sequence 2.0 ms with the default and 9-10 ms with PASSIVE.
     */
    static final String WAIT_POLICY = "OMP_WAIT_POLICY";

    /**
     * Runs {@code engine} on {@code w} in a child JVM, its output going to this process's, with {@code options}
     * (reps, warm-up, ...) after the engine and workload; the child writes its rows to a file in {@code dir}.
     * Returns the rows, or one row "failed: ..." when the child exits non-zero or writes no file. Puts the engine's
     * description into {@code described} when it is not there yet.
     */
    static List<Row> run(Workload w, String engine, List<String> options, Path dir, Map<String, String> described)
            throws IOException, InterruptedException {
        Path file = dir.resolve(w.id + "-" + engine + ".tsv");
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), RnnBench.class.getName(),
                "--child", file.toString(), "--engines", engine, "--workloads", w.id));
        cmd.addAll(options);
        System.out.flush();
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        if (engine.equals("dl4j") && !System.getenv().containsKey(WAIT_POLICY)) {
            pb.environment().put(WAIT_POLICY, "PASSIVE");
        }
        int exit = pb.start().waitFor();
        if (exit != 0 || !Files.exists(file)) {
            String why = exit != 0 ? "failed: exit " + exit : "failed: no result file";
            System.out.printf(Locale.ROOT, "   %-8s %s%n", engine, why);
            Files.deleteIfExists(file);
            return List.of(new Row(w, engine, new double[0], Double.NaN, Double.NaN, null, why));
        }
        List<Row> rows = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            String[] f = line.split("\t", -1);
            if (f[0].equals("engine")) {
                described.putIfAbsent(f[1], f[2]);
                continue;
            }
            double[] samples = f[8].isEmpty() ? new double[0]
                    : Arrays.stream(f[8].split(",")).mapToDouble(Double::parseDouble).toArray();
            Mem.Peak mem = f[6].isEmpty() ? null : new Mem.Peak(Long.parseLong(f[6]), Long.parseLong(f[7]));
            rows.add(new Row(Workload.parse(f[1]), f[2], samples, Double.parseDouble(f[4]), Double.parseDouble(f[5]),
                    mem, f[3].isEmpty() ? null : f[3]));
        }
        Files.delete(file);
        return rows;
    }

    /** Writes the child's engines and rows to {@code file}, in the format above. */
    static void write(Path file, List<Engine> engines, List<Row> rows) throws IOException {
        List<String> lines = new ArrayList<>();
        for (Engine e : engines) {
            lines.add(String.join("\t", "engine", e.name(), clean(e.describe())));
        }
        for (Row r : rows) {
            String samples = Arrays.stream(r.samples()).mapToObj(Double::toString).collect(Collectors.joining(","));
            lines.add(String.join("\t", "row", r.w().id, r.engine(), r.note() == null ? "" : clean(r.note()),
                    Double.toString(r.firstLoss()), Double.toString(r.checkLoss()),
                    r.mem() == null ? "" : Long.toString(r.mem().heap()),
                    r.mem() == null ? "" : Long.toString(r.mem().rss()), samples));
        }
        Files.write(file, lines);
    }

    /** {@code s} on one line without tabs. */
    private static String clean(String s) {
        return s.replaceAll("[\t\r\n]+", " ");
    }
}
