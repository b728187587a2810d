package dev.jrnn.cli;

import dev.jrnn.infer.ServedTextClassifier;
import dev.jrnn.io.ModelConfig;
import dev.jrnn.series.ForecastSpec;
import dev.jrnn.series.SequenceRegressorFiles;
import dev.jrnn.series.TimeSeries;
import dev.jrnn.text.Seq2SeqFiles;
import dev.jrnn.text.TextClassifierFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jrnn eval} on every kind of model but the language model ({@link CommandsTest} has that): tiny models trained
 * here, and every figure eval prints checked against a count made in this test from the model's own methods (not the
 * serving path eval uses).
 */
class EvalCommandsTest {
    @TempDir
    static Path tmp;

    static Path classifier, seq2seq, regressor, texts, pairs, csv;

    @BeforeAll
    static void trainThreeModels() throws IOException {
        Random r = new Random(11);
        Path tr = Files.writeString(tmp.resolve("train.tsv"), threeClasses(r, 150));
        texts = Files.writeString(tmp.resolve("test.tsv"), threeClasses(r, 40));
        classifier = tmp.resolve("classifier");
        Run c = Run.of("train", "classify", "--data", tr.toString(), "--out", classifier.toString(), "--hidden", "8",
                "--embedding", "8", "--epochs", "2", "--batch", "16", "--lr", "0.02", "--progress", "quiet");
        assertEquals(0, c.status(), c.toString());

        pairs = Files.writeString(tmp.resolve("pairs.tsv"), Seq2SeqCommandsTest.reversals(new Random(4), 60));
        seq2seq = tmp.resolve("seq2seq");
        Run s = Run.of("train", "seq2seq", "--data", pairs.toString(), "--out", seq2seq.toString(), "--hidden", "16",
                "--embedding", "8", "--batch", "16", "--lr", "0.02", "--epochs", "3", "--progress", "quiet");
        assertEquals(0, s.status(), s.toString());

        csv = Files.writeString(tmp.resolve("weather.csv"), RegressCommandsTest.weather(80, true));
        regressor = tmp.resolve("regressor");
        Run g = Run.of("train", "regress", "--data", csv.toString(), "--out", regressor.toString(), "--target", "temp",
                "--inputs", "temp,humidity", "--window", "6", "--horizon", "2", "--hidden", "8", "--epochs", "3",
                "--progress", "quiet");
        assertEquals(0, g.status(), g.toString());
    }

    /** {@code label<TAB>text}: three classes told apart by one keyword among filler words. */
    static String threeClasses(Random r, int n) {
        String[] labels = {"apple", "berry", "cherry"};
        String[][] words = {{"red", "crisp"}, {"blue", "small"}, {"dark", "stone"}};
        String[] filler = {"a", "the", "fruit", "was", "very", "and"};
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int c = r.nextInt(3);
            b.append(labels[c]).append('\t');
            for (int k = 0; k < 4; k++) b.append(k == 2 ? words[c][r.nextInt(2)] : filler[r.nextInt(filler.length)]).append(' ');
            b.append('\n');
        }
        return b.toString();
    }

    @Test
    void aClassifiersAccuracyScoresAndConfusionMatrixAreCountedFromItsPredictions() throws IOException {
        Path out = tmp.resolve("eval-classifier");
        Run r = Run.of("eval", classifier.toString(), "--data", texts.toString(), "--out", out.toString());
        assertEquals(0, r.status(), r.toString());

        TextClassifierFiles.Loaded m = TextClassifierFiles.load(Cli.modelDir(classifier));
        ClassifyData d = ClassifyData.read(texts, "--data");
        double[][] p = m.predictProbabilities(d.texts());
        long[][] n = new long[3][3];
        for (int i = 0; i < d.size(); i++) n[m.classes().indexOf(d.labels().get(i))][ServedTextClassifier.predictClass(p[i])]++;
        long right = n[0][0] + n[1][1] + n[2][2];
        assertTrue(r.out().contains(Cli.fmt("accuracy %.4f (%d of 40)", right / 40.0, right)), r.out());
        List<String> lines = r.out().lines().toList();
        int at = lines.indexOf("confusion matrix (rows: true class, columns: predicted):");
        assertTrue(at > 0, r.out());
        assertEquals(List.of("apple", "berry", "cherry"), List.of(lines.get(at + 1).trim().split("\\s+")));
        for (int i = 0; i < 3; i++) {
            String[] f = lines.get(at + 2 + i).trim().split("\\s+");
            assertEquals(m.classes().get(i), f[0]);
            for (int j = 0; j < 3; j++) assertEquals(n[i][j], Long.parseLong(f[j + 1]), "cell " + i + "," + j + "\n" + r.out());
        }
        double macroF1 = 0;
        for (int c = 0; c < 3; c++) {
            long col = n[0][c] + n[1][c] + n[2][c], row = n[c][0] + n[c][1] + n[c][2];
            double precision = col == 0 ? 0 : n[c][c] / (double) col, recall = row == 0 ? 0 : n[c][c] / (double) row;
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            macroF1 += f1 / 3;
            String want = Cli.fmt("%-6s  %9.4f  %9.4f  %9.4f  %9d", m.classes().get(c), precision, recall, f1, row);
            assertTrue(lines.contains(want), want + " in\n" + r.out());
        }
        ModelConfig json = ModelConfig.parse(Files.readString(out.resolve("eval.json")), "eval.json");
        assertEquals(right / 40.0, json.getDouble("accuracy"), 1e-12);
        assertEquals(macroF1, json.getDouble("macro_f1"), 1e-12);
        assertNotNull(ImageIO.read(out.resolve("confusion.png").toFile()), "a readable PNG");
    }

    @Test
    void aSeq2seqModelsExactMatchAndTokenAccuracyAreThoseOfItsGreedyOutputs() throws IOException {
        Run r = Run.of("eval", seq2seq.toString(), "--data", pairs.toString());
        assertEquals(0, r.status(), r.toString());
        Seq2SeqFiles.Loaded m = Seq2SeqFiles.load(Cli.modelDir(seq2seq));
        PairData d = PairData.read(pairs, "--data");
        List<String> got = m.greedy(d.sources());
        long exact = 0, match = 0, positions = 0;
        for (int i = 0; i < d.size(); i++) {
            String want = d.targets().get(i), have = got.get(i);                  // char level: one token per letter
            exact += want.equals(have) ? 1 : 0;
            for (int k = 0; k < Math.min(want.length(), have.length()); k++) match += want.charAt(k) == have.charAt(k) ? 1 : 0;
            match += want.length() == have.length() ? 1 : 0;                      // <eos> at the same place
            positions += Math.max(want.length(), have.length()) + 1;
        }
        assertTrue(positions > match && match > 0, "a model in between, so that the figures say something: " + r.out());
        assertTrue(r.out().contains(Cli.fmt("exact match %.4f (%d of 60)  token accuracy %.4f", exact / 60.0, exact,
                match / (double) positions)), r.out());
    }

    @Test
    void aRegressorsErrorsStandBesidePersistence() throws IOException {
        Path out = tmp.resolve("eval-regressor");
        Run r = Run.of("eval", regressor.toString(), "--data", csv.toString(), "--out", out.toString());
        assertEquals(0, r.status(), r.toString());
        SequenceRegressorFiles.Loaded m = SequenceRegressorFiles.load(Cli.modelDir(regressor));
        TimeSeries s = TimeSeries.parse(Files.readString(csv), "csv", TimeSeries.Header.AUTO);
        ForecastSpec fs = m.spec();
        int temp = s.column("temp");
        double ae = 0, se = 0, base = 0, baseSe = 0;
        int n = 0;
        for (int end = 6; end <= 80 - 2; end++) {
            double[] y = m.forecast(s, new int[] {end})[0];
            for (int h = 0; h < 2; h++) {
                double actual = s.value(end + h, temp), d = y[h] - actual, b = s.value(end - 1, temp) - actual;
                ae += Math.abs(d);
                se += d * d;
                base += Math.abs(b);
                baseSe += b * b;
                n++;
            }
        }
        assertEquals(2 * (80 - 6 - 2 + 1), n);
        assertEquals(fs.outputSize(), 2);
        Matcher model = Pattern.compile("model {8}MAE (\\S+) +RMSE (\\S+)").matcher(r.out());
        Matcher persistence = Pattern.compile("persistence  MAE (\\S+) +RMSE (\\S+)").matcher(r.out());
        Matcher ratio = Pattern.compile("ratio {8}MAE (\\S+) +RMSE (\\S+)").matcher(r.out());
        assertTrue(model.find() && persistence.find() && ratio.find(), r.out());
        assertEquals(ae / n, Double.parseDouble(model.group(1)), 1e-4 * ae / n);
        assertEquals(Math.sqrt(se / n), Double.parseDouble(model.group(2)), 1e-4 * Math.sqrt(se / n));
        assertEquals(base / n, Double.parseDouble(persistence.group(1)), 1e-5 * base / n);
        assertEquals(Math.sqrt(baseSe / n), Double.parseDouble(persistence.group(2)), 1e-5 * Math.sqrt(baseSe / n));
        assertEquals(ae / base, Double.parseDouble(ratio.group(1)), 1e-3);
        assertTrue(r.out().contains("73 windows of 6 rows (rows 7-80 predicted)"), r.out());
        ModelConfig json = ModelConfig.parse(Files.readString(out.resolve("eval.json")), "eval.json");
        assertEquals(base / n, json.getDouble("persistence_mae"), 1e-9);
    }

    @Test
    void aWrongFileNamesTheFileAndTheLine() throws IOException {
        Path bad = Files.writeString(tmp.resolve("bad.tsv"), "apple\ta red one\nplum\tpurple\n");
        Run r = Run.of("eval", classifier.toString(), "--data", bad.toString());
        assertEquals(1, r.status(), r.toString());
        assertEquals("jrnn: --data " + bad + ":2: label 'plum' is not a class of the model " + Cli.modelDir(classifier)
                + " (its classes: apple, berry, cherry)", r.errorText());

        Run csvForClassifier = Run.of("eval", classifier.toString(), "--data", csv.toString());
        assertEquals(1, csvForClassifier.status(), csvForClassifier.toString());
        assertEquals("jrnn: --data " + csv + ":1: expected label<TAB>text, found 0 tabs", csvForClassifier.errorText());

        Path three = Files.writeString(tmp.resolve("three.tsv"), "ab\tba\nabc\tc\tb\n");
        Run p = Run.of("eval", seq2seq.toString(), "--data", three.toString());
        assertEquals(1, p.status(), p.toString());
        assertEquals("jrnn: --data " + three + ":2: expected source<TAB>target, found 2 tabs", p.errorText());

        Path shortCsv = Files.writeString(tmp.resolve("short.csv"), RegressCommandsTest.weather(7, true));
        Run g = Run.of("eval", regressor.toString(), "--data", shortCsv.toString());
        assertEquals(1, g.status(), g.toString());
        assertEquals("jrnn: --data " + shortCsv + ": 7 rows; a window of 6 rows and its 2 following values need at least 8",
                g.errorText());

        Path noTemp = Files.writeString(tmp.resolve("notemp.csv"), "date,humidity\nd1,0.5\nd2,0.6\n".repeat(1));
        Run c = Run.of("eval", regressor.toString(), "--data", noTemp.toString());
        assertEquals(1, c.status(), c.toString());
        assertTrue(c.errorText().contains(noTemp.toString()) && c.errorText().contains("temp"), c.errorText());

        Run opt = Run.of("eval", classifier.toString(), "--data", texts.toString(), "--bptt", "8");
        assertEquals(2, opt.status(), opt.toString());
        assertTrue(opt.errorText().startsWith("jrnn: --bptt does not apply: " + classifier + " is a text classifier"),
                opt.errorText());
    }

    /** {@code predict} on the labelled TSV that eval reads classifies its text column, not the whole line. */
    @Test
    void predictReadsTheTextColumnOfALabelledTsv() throws IOException {
        Run r = Run.of("predict", classifier.toString(), "--input", texts.toString(), "--probabilities", "--prefix", "200");
        assertEquals(0, r.status(), r.toString());
        ClassifyData d = ClassifyData.read(texts, "--data");
        TextClassifierFiles.Loaded m = TextClassifierFiles.load(Cli.modelDir(classifier));
        double[][] p = m.predictProbabilities(d.texts());
        List<String> lines = r.out().lines().toList();
        assertEquals(d.size() + 1, lines.size(), r.out());
        for (int i = 0; i < d.size(); i++) {
            String[] f = lines.get(i + 1).split("\t");
            assertEquals(d.texts().get(i).strip(), f[4].strip(), "the text column only");
            assertEquals(p[i][1], Double.parseDouble(f[2]), 5e-5, "text " + i);
        }
        Path headed = Files.writeString(tmp.resolve("headed.tsv"), "id\ttext\tlabel\n1\tthe red fruit\tapple\n\n2\ta dark one\tcherry\n");
        Run h = Run.of("predict", classifier.toString(), "--input", headed.toString(), "--prefix", "50");
        assertEquals(0, h.status(), h.toString());
        List<String> got = new ArrayList<>();
        for (String line : h.out().lines().toList()) got.add(line.split("\t")[2]);
        assertEquals(List.of("the red fruit", "a dark one"), got);
        assertEquals(List.of("plain text", "with no tab"), PredictCommand.texts(List.of("plain text", "with no tab")));
        assertEquals(List.of("x\ty"), PredictCommand.texts(List.of("a\tx\ty")), "tabs in the last column are kept");
    }
}
