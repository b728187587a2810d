package dev.jrnn.examples;

import dev.jrnn.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Drift guard for {@code docs/results.md} (issue 18): a short training run whose figures are pinned, so that a change
 * that moves results (a different rounding in an optimizer or a kernel, a changed initialisation, a reordered data
 * stream) fails here and the results page is re-measured on purpose rather than found stale later.
 *
 * <p>The workload needs no data set: the encoder–decoder addition (2-digit sums, LSTM, embedding, teacher forcing,
 * Adam, global-norm clipping, the per-epoch rate decay, validation-chosen weights, greedy decoding) and the adding
 * problem (GRU and LSTM regression, MSE, Adam, clipping), 120 and 100 steps. It runs in a child JVM with the
 * pure-Java matrix kernel on one thread ({@code -Djrnn.blas=java -Djrnn.blas.threads=1}, common fork-join pool of 1):
 * OpenBLAS picks CPU-specific kernels whose sums round differently from machine to machine even on one thread, while
 * the Java kernel adds in a fixed order (Java does not reassociate float sums or fuse multiply-adds), so the figures are
 * the same on every x86-64 machine. That makes it possible to assert the losses to 1e-9 relative and the exact-match
 * counts exactly. A tolerance of 1e-6 would not do: a change of float rounding alone moves these figures by much less
 * (measured: the same run with OpenBLAS's kernel instead of the Java one, i.e. only the summation order of the
 * products changed, gives an addition loss 1.1e-8 relative away from the Java kernel's), yet such a change (the
 * float32 Adam change of issue 18 was one) moved the full-length results of docs/results.md by points.
 */
class ResultsDriftGuardTest {

    /** The pinned figures. Change them only together with a re-measurement of docs/results.md. */
    private static final Map<String, Double> EXPECTED = new LinkedHashMap<>();

    static {
        EXPECTED.put("addition.train_loss", 1.3634462326765060);
        EXPECTED.put("addition.valid_right", 1.0);
        EXPECTED.put("addition.test_right", 1.0);
        EXPECTED.put("addition.last_test_right", 4.0);
        EXPECTED.put("addition.best_epoch", 1.0);
        EXPECTED.put("adding.gru.test_mse", 0.14133204519748688);
        EXPECTED.put("adding.lstm.test_mse", 0.15761049091815948);
    }

    /** The workload, printed as {@code DRIFT name value} lines (run in the child JVM). */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Seq2SeqAddition.Result add = Seq2SeqAddition.run(new Args("--digits", "2", "--train", "0", "--valid", "200",
                "--test", "200", "--hidden", "32", "--embed", "8", "--batch", "32", "--epochs", "3", "--epoch-steps", "40",
                "--lr", "1e-2", "--lr-decay", "0.9", "--reverse", "true", "--seed", "3", "--csv",
                dir.resolve("addition.csv").toString()));
        print("addition.train_loss", add.trainLoss());
        print("addition.valid_right", Math.round(add.validExactMatch() * 200));
        print("addition.test_right", Math.round(add.testExactMatch() * 200));
        print("addition.last_test_right", Math.round(add.lastTestExactMatch() * 200));
        print("addition.best_epoch", add.bestEpoch());
        for (String kind : new String[] {"gru", "lstm"}) {
            AddingProblem.Cell c = AddingProblem.train(new AddingProblem.Model(kind, 16, new Rng(5)), 20, 100, 32, 1e-2, 1,
                    0, 256, 5, 0);
            print("adding." + kind + ".test_mse", c.testMse());
        }
    }

    private static void print(String name, double v) {
        System.out.printf(Locale.ROOT, "DRIFT %s %.17g%n", name, v);
    }

    @Test
    void pinnedTrainingFiguresHaveNotMoved(@TempDir Path dir) throws Exception {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(java, "-Xss8m", "-Djava.awt.headless=true", "-Djrnn.blas=java",
                "-Djrnn.blas.threads=1", "-Djava.util.concurrent.ForkJoinPool.common.parallelism=1", "-cp", cp,
                ResultsDriftGuardTest.class.getName(), dir.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the drift-guard run did not finish");
        assertEquals(0, p.exitValue(), "the drift-guard run failed:\n" + out);
        Map<String, Double> got = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            if (line.startsWith("DRIFT ")) {
                String[] f = line.trim().split(" ");
                got.put(f[1], Double.parseDouble(f[2]));
            }
        }
        List<String> moved = new ArrayList<>();
        for (Map.Entry<String, Double> e : EXPECTED.entrySet()) {
            double want = e.getValue();
            Double have = got.get(e.getKey());
            if (have == null || !(Math.abs(have - want) <= 1e-9 * Math.abs(want))) {
                moved.add(String.format(Locale.ROOT, "%s: pinned %.17g, now %s", e.getKey(), want,
                        have == null ? "missing" : String.format(Locale.ROOT, "%.17g", have)));
            }
        }
        assertTrue(moved.isEmpty(), "Training results moved (" + String.join("; ", moved) + "). This run is pinned so that "
                + "a change that alters training numerics is noticed: if the change is intended, re-measure the affected "
                + "experiments of docs/results.md (tools/results/run.sh EXPERIMENT --seeds 1,2,3), record the new commit "
                + "there, and then update EXPECTED in ResultsDriftGuardTest. Child output:\n" + out);
    }
}
