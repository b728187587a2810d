package dev.jrnn.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Each example end to end on a tiny slice (a few batches, seconds): it must run, give finite losses and
 * write its files. The real runs and their numbers are in docs/results.md. Tests that need ../shared/data
 * are skipped, with the reason, where it is absent.
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
        assertEquals(18 * 4, total, "4 test names per language (20% of 20)");
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
