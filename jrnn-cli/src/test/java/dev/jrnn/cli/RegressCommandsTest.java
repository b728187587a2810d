package dev.jrnn.cli;

import dev.jrnn.series.SequenceRegressorFiles;
import dev.jrnn.series.TimeSeries;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jrnn train regress} forecasts a noisy wave from a CSV file; {@code predict}, {@code inspect} and resuming follow. */
class RegressCommandsTest {
    @TempDir
    static Path tmp;

    static Path csv, runDir;
    static Run trained;

    /** {@code date,temp,humidity}: a daily cycle with noise, and a humidity that leads it. */
    static String weather(int rows, boolean header) {
        Random r = new Random(2);
        StringBuilder b = new StringBuilder(header ? "date,temp,humidity\n" : "");
        for (int t = 0; t < rows; t++) {
            b.append(String.format(Locale.ROOT, "%sday%03d,%.4f,%.4f%n", header ? "" : "", t,
                    10 + 5 * Math.sin(t * 0.3) + r.nextGaussian() * 0.2, 0.5 + 0.2 * Math.cos(t * 0.3)));
        }
        return header ? b.toString() : b.toString().replaceAll("(?m)^day\\d+,", "");
    }

    static String[] args(Path out, String... more) {
        List<String> a = new java.util.ArrayList<>(List.of("train", "regress", "--data", csv.toString(), "--out", out.toString(),
                "--target", "temp", "--inputs", "temp,humidity", "--window", "8", "--horizon", "2", "--hidden", "16",
                "--lr", "0.01", "--batch", "16", "--progress", "quiet"));
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    @BeforeAll
    static void train() throws IOException {
        csv = Files.writeString(tmp.resolve("weather.csv"), weather(200, true));
        runDir = tmp.resolve("run");
        trained = Run.of(args(runDir, "--epochs", "8"));
    }

    @Test
    void trainBeatsPersistenceAndSavesTheModel() throws IOException {
        assertEquals(0, trained.status(), trained.toString());
        String out = trained.out();
        assertTrue(out.contains("data: " + csv + ": 200 rows x 3 columns (with a header); inputs temp,humidity, targets temp;"
                + " window 8, horizon 2: 151 windows for training (rows 1-160), 39 for validation (rows 161-200)"), out);
        assertTrue(out.contains("baseline: the last value carried forward scores valid MSE "), out);
        assertTrue(out.contains("epoch 8/8  train_loss ") && out.contains("val_mae "), out);
        Matcher m = Pattern.compile("valid MSE ([0-9.e-]+), MAE ([0-9.e-]+) \\(persistence MAE ([0-9.e-]+)\\)").matcher(out);
        assertTrue(m.find(), out);
        assertTrue(Double.parseDouble(m.group(2)) < Double.parseDouble(m.group(3)), "the model beats persistence: " + out);
        assertTrue(out.contains("saved " + runDir.resolve("model") + " (8 epochs, 80 steps"), out);
        SequenceRegressorFiles.Loaded loaded = SequenceRegressorFiles.load(runDir.resolve("model"));
        assertEquals(List.of("temp", "humidity"), loaded.spec().inputs());
        assertEquals(2, loaded.model().config().outputSize());
        assertTrue(loaded.provenance().finalMetrics().containsKey("valid_mae"));
        assertEquals(9, Files.readAllLines(runDir.resolve("metrics.csv")).size());
    }

    /**
     * {@code predict --all-windows} on the model in {@code dir} prints, for every window, the forecasts of the
     * model's own {@link SequenceRegressorFiles.Loaded#forecast} (to the 6 significant digits printed); the saved
     * model's recurrent mode must be {@code mode}.
     */
    void assertPredictsItsOwnForecasts(Path dir, String mode) throws IOException {
        Run all = Run.of("predict", dir.toString(), "--input", csv.toString(), "--all-windows");
        assertEquals(0, all.status(), all.toString());
        SequenceRegressorFiles.Loaded m = SequenceRegressorFiles.load(Cli.modelDir(dir));
        assertEquals(mode, m.model().rnn().config().mode().name());
        TimeSeries s = TimeSeries.parse(Files.readString(csv), csv.toString(), TimeSeries.Header.AUTO);
        int first = m.spec().window();
        int[] ends = new int[s.rows() - first + 1];
        for (int i = 0; i < ends.length; i++) ends[i] = first + i;
        double[][] want = m.forecast(s, ends);
        List<String> rows = all.out().lines().toList();
        assertEquals(ends.length + 1, rows.size(), all.out());
        for (int i = 0; i < ends.length; i++) {
            String[] f = rows.get(i + 1).split(",", -1);
            for (int k = 0; k < want[i].length; k++) {
                assertEquals(want[i][k], Double.parseDouble(f[k + 1]), 1e-5 * Math.abs(want[i][k]) + 1e-9,
                        mode + " window ending at row " + ends[i]);
            }
        }
    }

    /** {@code predict --all-windows} runs through the serving API and prints the model's own forecasts. */
    @Test
    void predictPrintsTheModelsOwnForecasts() throws IOException {
        assertPredictsItsOwnForecasts(runDir, "LSTM");
    }

    /** A regressor trained with a scan cell forecasts through PackedRnn's scan step: the model's own forecasts. */
    @Test
    void scanCellRegressorsPredictTheirOwnForecasts() throws IOException {
        for (String cell : List.of("mingru", "minlstm", "slstm", "mlstm")) {   // xLSTM: the model's own forward
            Path dir = tmp.resolve("run-" + cell);
            Run t = Run.of(args(dir, "--epochs", "1", "--cell", cell));
            assertEquals(0, t.status(), t.toString());
            assertPredictsItsOwnForecasts(dir,
                    java.util.Map.of("mingru", "MIN_GRU", "minlstm", "MIN_LSTM", "slstm", "SLSTM", "mlstm", "MLSTM").get(cell));
        }
    }

    @Test
    void predictForecastsAfterTheLastRowOrForEveryWindow() throws IOException {
        Run r = Run.of("predict", runDir.toString(), "--input", csv.toString());
        assertEquals(0, r.status(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertEquals(List.of("step,temp"), lines.subList(0, 1), r.out());
        assertEquals(3, lines.size(), r.out());
        assertTrue(lines.get(1).matches("\\+1,[0-9.]+") && lines.get(2).startsWith("+2,"), r.out());
        double next = Double.parseDouble(lines.get(1).split(",")[1]);
        assertTrue(next > 3 && next < 17, "within the wave's range: " + next);

        Run all = Run.of("predict", runDir.toString(), "--input", csv.toString(), "--all-windows");
        assertEquals(0, all.status(), all.toString());
        List<String> rows = all.out().lines().toList();
        assertEquals("row,temp@+1,temp@+2,actual temp@+1,actual temp@+2", rows.get(0));
        assertEquals(1 + 200 - 8 + 1, rows.size(), "windows ending at rows 8 … 200");
        assertTrue(rows.get(1).startsWith("9,"), rows.get(1));
        assertTrue(rows.get(rows.size() - 1).startsWith("201,") && rows.get(rows.size() - 1).endsWith(",,"),
                "the last window's future is unknown: " + rows.get(rows.size() - 1));
        assertTrue(rows.get(rows.size() - 1).startsWith("201," + lines.get(1).split(",")[1]), "the same forecast");

        InputStream old = System.in;
        Run piped;
        try {                                                                 // columns in another order, from stdin
            System.setIn(new ByteArrayInputStream("humidity;temp\n0.5;10\n0.6;11\n0.7;12\n0.6;13\n0.5;12\n0.4;11\n0.3;10\n0.4;9\n"
                    .getBytes(StandardCharsets.UTF_8)));
            piped = Run.of("predict", runDir.toString());
        } finally {
            System.setIn(old);
        }
        assertEquals(0, piped.status(), piped.toString());
        assertEquals(3, piped.out().lines().count(), piped.out());
    }

    @Test
    void inspectShowsColumnsAndNormalisation() {
        Run r = Run.of("inspect", runDir.toString());
        assertEquals(0, r.status(), r.toString());
        for (String s : List.of("sequence regressor (jrnn model format version 1)", "LSTM, 1 layer of 16, 2 inputs, 2 outputs",
                "reads windows of 8 rows of temp, humidity; predicts the next 2 rows of temp", "normalisation (training rows):",
                "temp         mean ", "rnn.weight_ih_l0  [64, 2]", "output.weight     [2, 16]", "valid_mae")) {
            assertTrue(r.out().contains(s), s + " in\n" + r.out());
        }
    }

    @Test
    void aResumedRunWithDropoutContinuesBitForBit() throws IOException {
        Path straight = tmp.resolve("straight"), broken = tmp.resolve("broken");
        String[] more = {"--epochs", "2", "--dropout", "0.2", "--cell", "gru"};
        assertEquals(0, Run.of(args(straight, more)).status());
        Run part = Run.of(args(broken, "--epochs", "2", "--dropout", "0.2", "--cell", "gru", "--max-steps", "13"));
        assertEquals(0, part.status(), part.toString());
        assertTrue(part.out().contains("(1 epochs, 13 steps"), part.out());
        Run rest = Run.of(args(broken, "--epochs", "2", "--dropout", "0.2", "--cell", "gru", "--resume"));
        assertEquals(0, rest.status(), rest.toString());
        Seq2SeqCommandsTest.sameWeights(straight, broken);
        assertEquals(Seq2SeqCommandsTest.withoutTimes(straight.resolve("metrics.csv")),
                Seq2SeqCommandsTest.withoutTimes(broken.resolve("metrics.csv")));
        Run mismatch = Run.of(args(broken, "--epochs", "2", "--dropout", "0.2", "--cell", "lstm", "--layers", "2", "--resume"));
        assertEquals(1, mismatch.status(), mismatch.toString());
        assertTrue(mismatch.errorText().contains("was written by a different run: --cell was gru, now lstm; --layers was 1, now 2"),
                mismatch.errorText());
    }

    /** {@code --valid FILE}, as the other train commands spell it: every row of --data trains, the file validates. */
    @Test
    void aValidationTableComesFromValid() throws IOException {
        Path other = Files.writeString(tmp.resolve("later.csv"), weather(40, true));
        Run r = Run.of(args(tmp.resolve("with-valid"), "--valid", other.toString(), "--epochs", "1"));
        assertEquals(0, r.status(), r.toString());
        // 200 rows, window 8, horizon 2: 191 training windows; 40 rows of --valid: 31 validation windows
        assertTrue(r.out().contains("191 windows for training (rows 1-200), 31 for validation (--valid " + other + ")"), r.out());
        assertTrue(r.out().contains("baseline: the last value carried forward scores valid MSE"), r.out());
        Path tiny = Files.writeString(tmp.resolve("tiny.csv"), weather(9, true));
        Run bad = Run.of(args(tmp.resolve("tiny-valid"), "--valid", tiny.toString(), "--epochs", "1"));
        assertEquals(1, bad.status(), bad.toString());
        assertEquals("jrnn: --valid " + tiny + ": 9 rows hold no window of 8 rows with its 2 following values", bad.errorText());
    }

    @Test
    void aFileWithoutHeaderNamesColumnsByNumber() throws IOException {
        Path plain = Files.writeString(tmp.resolve("plain.csv"), weather(60, false));
        Run r = Run.of("train", "regress", "--data", plain.toString(), "--out", tmp.resolve("plain").toString(), "--window", "5",
                "--hidden", "4", "--epochs", "1", "--valid-fraction", "0", "--progress", "quiet", "--target", "1");
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("60 rows x 2 columns; inputs 1,2, targets 1; window 5, horizon 1: 55 windows for training"
                + " (rows 1-60), no validation"), r.out());
        assertTrue(r.out().contains("final: train MSE "), r.out());
    }

    @Test
    void errorsAreOneLine() throws IOException {
        String e = ErrorsTest.fails(1, "train", "regress", "--data", csv.toString(), "--out", tmp.resolve("a").toString(),
                "--target", "wind");
        assertEquals("jrnn: --data " + csv + ": no column 'wind'; the columns are date, temp, humidity", e);
        e = ErrorsTest.fails(1, "train", "regress", "--data", csv.toString(), "--out", tmp.resolve("b").toString(),
                "--target", "date");
        assertTrue(e.startsWith("jrnn: --data " + csv + ":2: column 'date': 'day000' is not a finite number"), e);
        e = ErrorsTest.fails(1, "train", "regress", "--data", csv.toString(), "--out", tmp.resolve("c").toString(),
                "--window", "190");
        assertTrue(e.contains("200 rows, 160 of them for training: too few for a window of 190 rows"), e);
        Path ragged = Files.writeString(tmp.resolve("ragged.csv"), "a,b\n1,2\n3\n");
        assertEquals("jrnn: --data " + ragged + ":3: 1 field, expected 2 (as line 1)", ErrorsTest.fails(1, "train", "regress",
                "--data", ragged.toString(), "--out", tmp.resolve("d").toString()));
        assertEquals("jrnn: --window and --horizon must be >= 1, got 0 and 1 (see jrnn train regress --help)",
                ErrorsTest.fails(2, "train", "regress", "--data", "x", "--out", "y", "--window", "0"));
        assertEquals("jrnn: --target names column 'temp' twice (see jrnn train regress --help)", ErrorsTest.fails(2, "train",
                "regress", "--data", csv.toString(), "--out", tmp.resolve("e").toString(), "--target", "temp,2"));
        Path shortCsv = Files.writeString(tmp.resolve("short.csv"), "temp,humidity\n1,2\n");
        assertEquals("jrnn: --input " + shortCsv + ": has 1 rows; the model reads windows of 8 (columns temp, humidity)",
                ErrorsTest.fails(1, "predict", runDir.toString(), "--input", shortCsv.toString()));
        assertEquals("jrnn: --beam does not apply: " + runDir + " is a regressor (see jrnn predict --help)",
                ErrorsTest.fails(2, "predict", runDir.toString(), "--beam", "2"));
    }

    /** A TTT-Linear regressor is not packed: predict runs the model's own method and prints its forecasts. */
    @Test
    void tttLinearRegressorPredictsItsOwnForecasts() throws IOException {
        Path dir = tmp.resolve("run-ttt");
        Run t = Run.of(args(dir, "--epochs", "1", "--cell", "ttt-linear"));
        assertEquals(0, t.status(), t.toString());
        assertPredictsItsOwnForecasts(dir, "TTT_LINEAR");
    }
}
