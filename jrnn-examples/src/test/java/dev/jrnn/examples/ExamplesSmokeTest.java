package dev.jrnn.examples;

import dev.jrnn.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Each example end to end on a tiny slice (a few batches, seconds): it must run, give finite losses and
 * write its files. The real runs and their numbers are in docs/results.md (gradient flow and the copy task:
 * docs/diagnostics.md). Tests that need ../shared/data are skipped, with the reason, where it is absent.
 */
class ExamplesSmokeTest {

    private static Path requireData(String name) {
        Path root = DataPaths.sharedData();
        assumeTrue(root != null && Files.isDirectory(root.resolve(name)),
                "skipped: the shared data set '" + name + "' was not found (looked for ../shared/data/" + name
                        + " above the working directory; set -Djrnn.data=DIR or $JRNN_DATA to point at it)");
        return root.resolve(name);
    }

    @Test
    void imdbSimpleRnnRunsOnASlice(@TempDir Path dir) throws Exception {
        Path data = requireData("imdb");
        ImdbSentiment.Result r = ImdbSentiment.run(new Args("--data", data.toString(), "--model", "simple",
                "--epochs", "1", "--batch", "32", "--train-limit", "96", "--test-limit", "64", "--maxlen", "40",
                "--vocab", "2000", "--out", dir.resolve("imdb").toString()));
        assertTrue(Double.isFinite(r.trainLoss()) && Double.isFinite(r.testLoss()), "losses " + r);
        assertTrue(r.testAcc() >= 0 && r.testAcc() <= 1);
        assertTrue(Files.exists(dir.resolve("imdb/metrics.csv")));
    }

    @Test
    void imdbFrozenGloveBidirectionalRunsOnASlice(@TempDir Path dir) throws Exception {
        Path data = requireData("imdb");
        Path glove = requireData("glove-6B-50d-subset").resolve("glove.6B.50d.top2445.txt.gz");
        ImdbSentiment.Result r = ImdbSentiment.run(new Args("--data", data.toString(), "--glove", glove.toString(),
                "--model", "glove", "--rnn", "lstm", "--epochs", "1", "--batch", "32", "--train-limit", "64",
                "--test-limit", "32", "--maxlen", "30", "--vocab", "2000", "--out", dir.resolve("glove").toString()));
        assertTrue(Double.isFinite(r.trainLoss()) && Double.isFinite(r.testLoss()), "losses " + r);
        ImdbSentiment.Result bi = ImdbSentiment.run(new Args("--data", data.toString(), "--model", "bilstm",
                "--epochs", "1", "--batch", "32", "--train-limit", "64", "--test-limit", "32", "--maxlen", "30",
                "--vocab", "2000", "--hidden", "16", "--out", dir.resolve("bilstm").toString()));
        assertTrue(Double.isFinite(bi.trainLoss()) && Double.isFinite(bi.testLoss()), "losses " + bi);
    }

    @Test
    void shakespeareCharModelRunsOnASliceAndSamples() throws Exception {
        Path data = requireData("tinyshakespeare");
        LanguageModels.Result r = LanguageModels.run(new Args("--task", "shakespeare", "--data", data.toString(),
                "--limit", "20000", "--hidden", "16", "--epochs", "1"));
        assertEquals(1, r.epochs());
        assertTrue(r.validNll() > 0 && r.validNll() < Math.log(66), "below the uniform guess over 66 characters: " + r);
        assertEquals(300, r.sample().codePointCount(0, r.sample().length()), "300 sampled characters: " + r.sample());
    }

    @Test
    void shakespeareBatchBpttAndDropoutFlagsReachTheTraining() throws Exception {
        Path data = requireData("tinyshakespeare");
        String[] common = {"--task", "shakespeare", "--data", data.toString(), "--limit", "8000", "--hidden", "8", "--epochs", "1"};
        double base = validNll(common);
        for (String[] flag : new String[][] {{"--batch", "16"}, {"--bptt", "40"}, {"--dropout", "0"}}) {
            double changed = validNll(concat(common, flag));
            assertTrue(Double.isFinite(changed) && changed != base, flag[0] + " " + flag[1] + " must change the run: "
                    + changed + " vs the defaults' " + base);
        }
    }

    private static double validNll(String... argv) throws Exception {
        return LanguageModels.run(new Args(argv)).validNll();
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void ptbWordModelRunsOnASliceWithItsTestPerplexity() throws Exception {
        Path data = requireData("ptb");
        LanguageModels.Result r = LanguageModels.run(new Args("--task", "ptb", "--data", data.toString(),
                "--limit", "4000", "--hidden", "8", "--epochs", "2"));
        assertEquals(2, r.epochs());
        assertTrue(Double.isFinite(r.validPerplexity()) && Double.isFinite(r.testPerplexity()), r.toString());
        assertTrue(r.testPerplexity() > 1, r.toString());
    }

    @Test
    void namesRunsOnASliceAndWritesTheConfusionMatrix(@TempDir Path dir) throws Exception {
        Path data = requireData("names");
        Path png = dir.resolve("confusion.png");
        NamesByLanguage.Result r = NamesByLanguage.run(new Args("--data", data.toString(), "--epochs", "1",
                "--limit", "20", "--hidden", "16", "--batch", "64", "--png", png.toString(),
                "--out", dir.resolve("names").toString()));
        assertEquals(18, r.languages().length);
        assertTrue(Double.isFinite(r.testLoss()));
        assertTrue(Files.size(png) > 1000, "the PNG is written");
        long total = 0;
        for (long[] row : r.confusion()) for (long c : row) total += c;
        assertTrue(total >= 18 * 2 && total < 18 * 2 * 3, "2 test names per first language (10% of 20), each with "
                + "its languages: " + total);
        assertTrue(r.bestEpoch() == 1 && Double.isFinite(r.lastTestAcc()), r.toString());
    }

    @Test
    void namesSplitKeepsEveryNameInOneSplitWithAllItsLanguages() {
        Map<String, TreeSet<Integer>> langsOf = new TreeMap<>();
        for (int i = 0; i < 60; i++) langsOf.put("n" + i, new TreeSet<>(List.of(i % 3)));
        langsOf.put("both", new TreeSet<>(List.of(0, 2)));   // listed under two languages
        List<List<NamesByLanguage.Pair>> parts = NamesByLanguage.split(langsOf, 0, 7);
        Map<String, Integer> partOf = new HashMap<>();
        int rows = 0;
        for (int p = 0; p < 3; p++) {
            for (NamesByLanguage.Pair pair : parts.get(p)) {
                Integer before = partOf.putIfAbsent(pair.name(), p);
                assertTrue(before == null || before == p, pair.name() + " in splits " + before + " and " + p);
                rows++;
            }
        }
        assertEquals(62, rows, "every (name, language) pair once");
        assertEquals(61, partOf.size());
        // group sizes 21 (first language 0, with 'both'), 20, 20: round(10%) = 2 test and 2 validation names each
        assertEquals(2 + 2 + 2 + (partOf.get("both") == 2 ? 1 : 0), parts.get(2).size());
        assertEquals(parts.get(2), NamesByLanguage.split(langsOf, 0, 7).get(2), "seeded");
    }

    @Test
    void addingProblemRunsAndPlots(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("adding.png");
        List<AddingProblem.Cell> cells = AddingProblem.run(new Args("--models", "simple,gru", "--lengths", "5,10",
                "--hidden", "8", "--batch", "16", "--steps", "20", "--test", "64", "--log-every", "0",
                "--png", png.toString(), "--csv", dir.resolve("adding.csv").toString()));
        assertEquals(4, cells.size());
        for (AddingProblem.Cell c : cells) assertTrue(Double.isFinite(c.testMse()), c.toString());
        assertTrue(Files.size(png) > 1000);
        assertTrue(Files.readString(dir.resolve("adding.csv")).startsWith("model,T,test_mse"));
    }

    @Test
    void addingProblemForgetBiasOpensTheLstmForgetGates(@TempDir Path dir) throws Exception {
        AddingProblem.Model m = new AddingProblem.Model("lstm", 8, new Rng(1)).forgetBias(1.0);
        float[] bih = m.rnn.namedParameters().get("bias_ih_l0").data().toFloatArray();
        float[] bhh = m.rnn.namedParameters().get("bias_hh_l0").data().toFloatArray();
        for (int i = 8; i < 16; i++) assertEquals(1.0f, bih[i] + bhh[i], "forget block i=" + i);
        assertTrue(Math.abs(bih[0]) < 1 && bih[0] != 1.0f, "the input gate keeps its initial bias");
        assertThrows(IllegalArgumentException.class, () -> new AddingProblem.Model("gru", 8, new Rng(1)).forgetBias(1));
    }

    @Test
    void seq2seqAdditionRunsOnFreshAndFixedPairs(@TempDir Path dir) throws Exception {
        Seq2SeqAddition.Result fresh = Seq2SeqAddition.run(new Args("--digits", "2", "--train", "0", "--test", "50",
                "--hidden", "16", "--batch", "16", "--epochs", "2", "--epoch-steps", "5", "--reverse", "true",
                "--lr-decay", "0.9", "--csv", dir.resolve("fresh.csv").toString()));
        assertEquals(2, fresh.epochs());
        assertEquals(10, fresh.steps());
        assertTrue(fresh.bestEpoch() >= 1 && fresh.bestEpoch() <= 2, "chosen on validation: " + fresh);
        assertTrue(Double.isFinite(fresh.trainLoss()) && fresh.testExactMatch() >= 0 && fresh.testExactMatch() <= 1);
        List<String> csv = Files.readAllLines(dir.resolve("fresh.csv"));
        assertEquals("epoch,step,seconds,lr,train_loss,valid_exact_match", csv.get(0));
        assertTrue(csv.get(2).contains(",0.00270000,"), "the rate decays by 0.9 per epoch: " + csv.get(2));
        Seq2SeqAddition.Result fixed = Seq2SeqAddition.run(new Args("--digits", "2", "--train", "100", "--test", "20",
                "--hidden", "8", "--batch", "32", "--epochs", "1", "--csv", dir.resolve("fixed.csv").toString()));
        assertEquals(4, fixed.steps(), "one pass over 100 pairs in batches of 32");
        assertThrows(IllegalArgumentException.class, () -> Seq2SeqAddition.run(new Args("--digits", "1", "--train", "95",
                "--test", "10")), "only 100 one-digit pairs exist");
    }

    @Test
    void gradientFlowRecordsDiagnosticsDuringTraining(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("flow.png");
        List<GradientFlow.Report> reports = GradientFlow.run(new Args("--models", "simple,lstm", "--length", "12",
                "--hidden", "8", "--batch", "8", "--train-steps", "4", "--record-every", "2", "--forget-bias", "1",
                "--png", png.toString(), "--out", dir.resolve("flow").toString()));
        assertEquals(2, reports.size());
        for (GradientFlow.Report r : reports) {
            assertEquals(12, r.layer().length());
            for (double g : r.layer().gradNorm()) assertTrue(Double.isFinite(g) && g >= 0, r.model() + " " + g);
            assertEquals(4, r.diagnostics().step());
        }
        assertTrue(Files.size(png) > 1000);
        for (String m : new String[] {"simple", "lstm"}) {
            assertEquals(3, Files.readAllLines(dir.resolve("flow/" + m + "/diagnostics.jsonl")).size(), "steps 0, 2, 4");
            assertTrue(Files.size(dir.resolve("flow/" + m + "/grad-norm-l0.png")) > 1000);
        }
    }

    @Test
    void gradientFlowClippingDemoRunsBothRuns(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("clip.png");
        List<GradientFlow.ClipRun> runs = GradientFlow.runClipping(new Args("--mode", "clipping", "--rho", "2",
                "--length", "10", "--hidden", "8", "--batch", "8", "--train-steps", "6", "--record-every", "3",
                "--png", png.toString(), "--out", dir.resolve("clip").toString()));
        assertEquals(2, runs.size());
        assertEquals(0, runs.get(0).clip());
        GradientFlow.ClipRun clipped = runs.get(1);
        assertEquals(6, clipped.steps(), "the clipped run never stops early");
        for (double g : clipped.gradNorm()) assertTrue(Double.isFinite(g) && g > 0);
        assertEquals(3, clipped.records().size(), "steps 0, 3, 6");
        assertEquals(2.0, clipped.records().get(0).layer("l0").headlineSpectralRadius(), 0.02, "W_hh rescaled to ρ = 2");
        assertTrue(Files.size(png) > 1000);
    }

    @Test
    void copyTaskRunsAndPlots(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("copy.png");
        List<CopyTask.Cell> cells = CopyTask.run(new Args("--models", "simple,gru", "--delays", "2,4", "--k", "2",
                "--alphabet", "3", "--hidden", "8", "--batch", "8", "--steps", "6", "--eval-every", "3", "--test", "32",
                "--log-every", "0", "--png", png.toString(), "--csv", dir.resolve("copy.csv").toString()));
        assertEquals(4, cells.size());
        for (CopyTask.Cell c : cells) {
            assertTrue(Double.isFinite(c.testLoss()) && c.recallAccuracy() >= 0 && c.recallAccuracy() <= 1, c.toString());
        }
        assertTrue(Files.size(png) > 1000);
        assertTrue(Files.readString(dir.resolve("copy.csv")).startsWith("model,T,recall_accuracy"));
    }

    @Test
    void copyDataHasSymbolsDelimiterAndTargets() {
        int k = 3, delay = 5, alphabet = 4, len = delay + 2 * k;
        CopyTask.Data d = CopyTask.sample(20, k, delay, alphabet, new dev.jrnn.tensor.Rng(8));
        assertEquals(List.of(20, len, alphabet + 2), java.util.Arrays.stream(d.x().shape()).boxed().toList());
        float[] x = d.x().data().toFloatArray();
        for (int b = 0; b < 20; b++) {
            for (int t = 0; t < len; t++) {
                int hot = -1, ones = 0;
                for (int v = 0; v < alphabet + 2; v++) {
                    if (x[(b * len + t) * (alphabet + 2) + v] == 1) { hot = v; ones++; }
                }
                assertEquals(1, ones, "one-hot");
                int target = d.targets()[b * len + t];
                if (t < k) {
                    assertTrue(hot >= 1 && hot <= alphabet, "a symbol");
                    assertEquals(hot, d.targets()[b * len + delay + k + t], "recalled after the delimiter");
                } else if (t == delay + k - 1) {
                    assertEquals(alphabet + 1, hot, "the delimiter after T-1 blanks");
                } else {
                    assertEquals(0, hot, "blank");
                }
                if (t < delay + k) assertEquals(0, target, "blank target before the recall");
            }
        }
        assertEquals(3 * Math.log(4) / 11, CopyTask.baseline(3, 5, 4), 1e-12);
    }

    @Test
    void addingDataHasTwoMarkersOneInEachHalf() {
        AddingProblem.Data d = AddingProblem.sample(50, 12, new dev.jrnn.tensor.Rng(3));
        float[] x = d.x().data().toFloatArray(), y = d.y().data().toFloatArray();
        for (int b = 0; b < 50; b++) {
            int first = 0, second = 0;
            double sum = 0;
            for (int s = 0; s < 12; s++) {
                if (x[(b * 12 + s) * 2 + 1] == 1) {
                    if (s < 6) first++; else second++;
                    sum += x[(b * 12 + s) * 2];
                }
            }
            assertEquals(1, first);
            assertEquals(1, second);
            assertEquals(sum, y[b], 1e-6);
        }
    }
}
