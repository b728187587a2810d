package dev.jrnn.cli;

import dev.jrnn.text.TextClassifierFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jrnn train classify} learns a toy sentiment task; {@code predict} and {@code inspect} read what it saved. */
class ClassifyCommandsTest {
    @TempDir
    static Path tmp;

    static Path trainFile, validFile, runDir;
    static Run trained;

    private static final String[] GOOD = {"good", "great", "lovely", "fine"};
    private static final String[] BAD = {"bad", "awful", "dull", "poor"};
    private static final String[] FILLER = {"the", "film", "was", "a", "plot", "and", "story", "acting", "really", "very"};

    private static String texts(Random r, int n, boolean header) {
        StringBuilder b = new StringBuilder(header ? "id\trating\tlabel\ttext\n" : "");
        for (int i = 0; i < n; i++) {
            boolean pos = r.nextBoolean();
            StringBuilder t = new StringBuilder();
            int len = 3 + r.nextInt(5), at = r.nextInt(len);
            for (int k = 0; k < len; k++) {
                if (k > 0) t.append(' ');
                t.append(k == at ? (pos ? GOOD : BAD)[r.nextInt(4)] : FILLER[r.nextInt(FILLER.length)]);
            }
            String label = pos ? "pos" : "neg";
            b.append(header ? i + "\t" + (pos ? 9 : 2) + "\t" + (pos ? 1 : 0) + "\t" : label + "\t").append(t).append('\n');
        }
        return b.toString();
    }

    @BeforeAll
    static void train() throws IOException {
        Random r = new Random(5);
        trainFile = tmp.resolve("train.tsv");
        Files.writeString(trainFile, texts(r, 160, false));
        validFile = tmp.resolve("valid.tsv");
        Files.writeString(validFile, texts(r, 40, false));
        runDir = tmp.resolve("run");
        trained = Run.of("train", "classify", "--data", trainFile.toString(), "--valid", validFile.toString(),
                "--out", runDir.toString(), "--hidden", "16", "--embedding", "8", "--epochs", "8", "--batch", "16",
                "--lr", "0.02", "--progress", "quiet", "--truncate", "10");
    }

    private static double accuracy(String out, String which) {
        Matcher m = Pattern.compile("final accuracy: train ([0-9.]+), valid ([0-9.]+)").matcher(out);
        assertTrue(m.find(), out);
        return Double.parseDouble(m.group(which.equals("train") ? 1 : 2));
    }

    @Test
    void trainClassifyLearnsTheToyTask() {
        assertEquals(0, trained.status(), trained.toString());
        assertTrue(trained.out().contains("classes neg, pos"), trained.out());
        assertTrue(accuracy(trained.out(), "valid") >= 0.9, trained.out());
        assertTrue(accuracy(trained.out(), "train") >= 0.9, trained.out());
        assertTrue(Files.isRegularFile(runDir.resolve("model/config.json")));
        assertTrue(Files.isRegularFile(runDir.resolve("model/vocab.txt")));
    }

    @Test
    void predictReadsAFile() throws IOException {
        Path in = tmp.resolve("in.txt");
        Files.writeString(in, "the film was great\nan awful plot\n\nthe acting was really good and the story fine\n");
        Run r = Run.of("predict", runDir.toString(), "--input", in.toString());
        assertEquals(0, r.status(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertEquals(4, lines.size(), r.out());
        assertTrue(lines.get(0).startsWith("pos\t"), r.out());
        assertTrue(lines.get(1).startsWith("neg\t"), r.out());
        assertTrue(lines.get(3).startsWith("pos\t"), r.out());
        String[] f = lines.get(0).split("\t");
        assertEquals(3, f.length, lines.get(0));
        assertTrue(Double.parseDouble(f[1]) > 0.5, lines.get(0));
        assertEquals("the film was great", f[2]);
    }

    /**
     * {@code predict --probabilities} on the model in {@code dir} prints, for every text, the probabilities of the
     * model's own {@link TextClassifierFiles.Loaded#predictProbabilities} and the more likely label (the toy task's
     * two classes); the saved model's recurrent mode must be {@code mode}.
     */
    void assertPredictsItsOwnProbabilities(Path dir, String mode, List<String> texts) throws IOException {
        Path in = Files.writeString(tmp.resolve("texts-" + dir.getFileName() + ".txt"), String.join("\n", texts) + "\n");
        Run r = Run.of("predict", dir.toString(), "--input", in.toString(), "--probabilities", "--prefix", "0");
        assertEquals(0, r.status(), r.toString());
        TextClassifierFiles.Loaded m = TextClassifierFiles.load(Cli.modelDir(dir));
        assertEquals(mode, m.model().rnn().config().mode().name());
        double[][] want = m.predictProbabilities(texts);
        List<String> lines = r.out().lines().toList();
        assertEquals(texts.size() + 1, lines.size(), r.out());
        for (int i = 0; i < texts.size(); i++) {
            String[] f = lines.get(i + 1).split("\t");
            for (int c = 0; c < want[i].length; c++) {
                assertEquals(want[i][c], Double.parseDouble(f[c + 1]), 5e-5 + 1e-6, mode + " text " + i + " class " + c);
            }
            assertEquals(want[i][0] > want[i][1] ? "neg" : "pos", f[0], lines.get(i + 1));
        }
    }

    /** Trains a tiny classifier of one cell for an epoch into {@code dir}. */
    void trainCell(String cell, Path dir) {
        Run t = Run.of("train", "classify", "--data", trainFile.toString(), "--out", dir.toString(), "--cell", cell,
                "--hidden", "8", "--embedding", "8", "--epochs", "1", "--batch", "16", "--progress", "quiet", "--truncate", "10");
        assertEquals(0, t.status(), t.toString());
    }

    /** {@code predict} runs through the serving API and prints the probabilities the model's own method gives. */
    @Test
    void predictPrintsTheModelsOwnProbabilities() throws IOException {
        assertPredictsItsOwnProbabilities(runDir, "LSTM", List.of("the film was great", "an awful plot", "",
                "so dull and bad but the acting was fine", "great great great", "plot"));
    }

    /** A classifier trained with a scan cell predicts through PackedRnn's scan step: the model's own probabilities. */
    @Test
    void scanCellClassifiersPredictTheirOwnProbabilities() throws IOException {
        for (String cell : List.of("mingru", "minlstm", "slstm", "mlstm")) {   // xLSTM: the model's own forward
            Path dir = tmp.resolve("run-" + cell);
            trainCell(cell, dir);
            assertPredictsItsOwnProbabilities(dir,
                    java.util.Map.of("mingru", "MIN_GRU", "minlstm", "MIN_LSTM", "slstm", "SLSTM", "mlstm", "MLSTM").get(cell),
                    List.of("the film was great", "so dull and bad but the acting was fine", "plot"));
        }
    }

    @Test
    void predictReadsStandardInputWithAllProbabilities() {
        InputStream old = System.in;
        Run r;
        try {
            System.setIn(new ByteArrayInputStream("so dull and bad\ngreat\n".getBytes(StandardCharsets.UTF_8)));
            r = Run.of("predict", runDir.resolve("model").toString(), "--probabilities");
        } finally {
            System.setIn(old);
        }
        assertEquals(0, r.status(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertEquals(List.of("label\tneg\tpos\ttext"), lines.subList(0, 1), r.out());
        assertEquals(3, lines.size(), r.out());
        String[] f = lines.get(1).split("\t");
        assertEquals("neg", f[0]);
        assertEquals(1.0, Double.parseDouble(f[1]) + Double.parseDouble(f[2]), 2e-4);
        assertTrue(lines.get(2).startsWith("pos\t"), r.out());
    }

    @Test
    void inspectDescribesTheClassifier() {
        Run r = Run.of("inspect", runDir.toString());
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("text classifier"), r.out());
        assertTrue(r.out().contains("classes: neg, pos"), r.out());
        assertTrue(r.out().contains("output.weight"), r.out());
        assertTrue(r.out().contains("valid_accuracy"), r.out());
    }

    @Test
    void gzippedTsvWithAHeaderIsRead() throws IOException {
        Path gz = tmp.resolve("imdb-like.tsv.gz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
            o.write(texts(new Random(9), 40, true).getBytes(StandardCharsets.UTF_8));
        }
        Run r = Run.of("train", "classify", "--data", gz.toString(), "--out", tmp.resolve("gz").toString(),
                "--hidden", "4", "--embedding", "4", "--max-steps", "2", "--cell", "gru", "--bidirectional",
                "--layers", "2", "--progress", "quiet");
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("40 texts, classes 0, 1"), r.out());
        assertTrue(r.out().contains("saved " + tmp.resolve("gz").resolve("model") + " (1 epochs, 2 steps"), r.out());
    }

    @Test
    void aResumedRunContinuesBitForBitAndRefusesOtherSettings() throws IOException {
        String[] common = {"train", "classify", "--data", trainFile.toString(), "--valid", validFile.toString(), "--hidden", "8",
                "--embedding", "4", "--epochs", "2", "--batch", "16", "--lr", "0.02", "--progress", "quiet", "--truncate", "10",
                "--checkpoint-every", "4", "--out"};
        Path straight = tmp.resolve("c-straight"), broken = tmp.resolve("c-broken");
        assertEquals(0, Run.of(Seq2SeqCommandsTest.concat(common, straight.toString())).status());
        Run part = Run.of(Seq2SeqCommandsTest.concat(common, broken.toString(), "--max-steps", "5"));
        assertEquals(0, part.status(), part.toString());
        assertTrue(part.out().contains("(0 epochs, 5 steps") && part.out().contains("continue with the same command and --resume"),
                part.out());
        Run rest = Run.of(Seq2SeqCommandsTest.concat(common, broken.toString(), "--resume"));
        assertEquals(0, rest.status(), rest.toString());
        assertTrue(rest.out().contains("resuming from " + broken.resolve("checkpoint.safetensors") + " (epoch 1, step 5)"),
                rest.out());
        Seq2SeqCommandsTest.sameWeights(straight, broken);
        assertEquals(Seq2SeqCommandsTest.withoutTimes(straight.resolve("metrics.csv")),
                Seq2SeqCommandsTest.withoutTimes(broken.resolve("metrics.csv")));

        String[] other = common.clone();
        other[7] = "12";                                                        // --hidden 12 instead of 8
        String e = ErrorsTest.fails(1, Seq2SeqCommandsTest.concat(other, broken.toString(), "--resume", "--bidirectional"));
        assertEquals("jrnn: " + broken.resolve("checkpoint.safetensors") + " was written by a different run: --hidden was 8, now"
                + " 12; --bidirectional was false, now true (use the same data and settings, or another --out)", e);
        e = ErrorsTest.fails(1, Seq2SeqCommandsTest.concat(common, broken.toString()));
        assertTrue(e.contains("already holds a run (checkpoint.safetensors): add --resume to continue it"), e);
        e = ErrorsTest.fails(1, Seq2SeqCommandsTest.concat(common, tmp.resolve("c-none").toString(), "--resume"));
        assertTrue(e.endsWith("c-none: no checkpoint.safetensors to resume from (start without --resume)"), e);
    }

    @Test
    void errorsAreOneLine() throws IOException {
        String e = ErrorsTest.fails(1, "train", "classify", "--data", tmp.resolve("missing.tsv").toString(), "--out",
                tmp.resolve("x").toString());
        assertTrue(e.contains("missing.tsv: no such file"), e);

        Path bad = tmp.resolve("bad.tsv");
        Files.writeString(bad, "pos\tgood film\nneg\tbad film\nno tab on this line\n");
        e = ErrorsTest.fails(1, "train", "classify", "--data", bad.toString(), "--out", tmp.resolve("y").toString());
        assertEquals("jrnn: --data " + bad + ":3: expected label<TAB>text, found 0 tabs", e);

        Path one = tmp.resolve("one.tsv");
        Files.writeString(one, "pos\tgood film\npos\tgreat film\n");
        e = ErrorsTest.fails(1, "train", "classify", "--data", one.toString(), "--out", tmp.resolve("z").toString());
        assertTrue(e.contains("a classifier needs at least 2 classes"), e);

        e = ErrorsTest.fails(1, "predict", tmp.resolve("nowhere").toString(), "--input", bad.toString());
        assertTrue(e.contains("nowhere: no such model directory"), e);

        Path empty = tmp.resolve("empty-dir");
        Files.createDirectories(empty);
        e = ErrorsTest.fails(1, "predict", empty.toString(), "--input", bad.toString());
        assertTrue(e.contains("config.json: missing"), e);

        e = ErrorsTest.fails(1, "predict", runDir.toString(), "--input", tmp.resolve("nope.txt").toString());
        assertTrue(e.contains("nope.txt: no such file"), e);

        e = ErrorsTest.fails(2, "train", "classify", "--data", trainFile.toString(), "--out", "w", "--dropout", "1.5");
        assertTrue(e.contains("--dropout must be in [0, 1)"), e);
    }

    @Test
    void exportWritesAnOnnxGraphThatGivesPredictsProbabilities() throws IOException {
        Path onnx = tmp.resolve("classifier.onnx");
        Run r = Run.of("export", runDir.toString(), "--format", "onnx", onnx.toString());
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().startsWith("wrote " + onnx + ": jrnn_text_classifier, "), r.out());
        assertTrue(r.out().contains("LSTM 1") && r.out().contains("Gather 1") && r.out().contains("Gemm 1"), r.out());
        assertTrue(r.out().contains("inputs: input_ids, lengths; outputs: logits, probabilities"), r.out());
        dev.jrnn.text.TextClassifierFiles.Loaded m = dev.jrnn.text.TextClassifierFiles.load(runDir.resolve("model"));
        List<String> texts = List.of("the film was good", "really awful plot and acting", "fine");
        double[][] want = m.predictProbabilities(texts);
        int t = 0;
        int[][] ids = new int[texts.size()][];
        for (int i = 0; i < ids.length; i++) t = Math.max(t, (ids[i] = m.encode(texts.get(i))).length);
        long[] flat = new long[ids.length * t], lengths = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            lengths[i] = ids[i].length;
            for (int k = 0; k < ids[i].length; k++) flat[i * t + k] = ids[i][k];
        }
        dev.jrnn.onnx.OnnxGraph g = dev.jrnn.onnx.OnnxGraph.load(onnx);
        dev.jrnn.tensor.NdArray p = g.run(java.util.Map.of("input_ids", dev.jrnn.onnx.OnnxValue.ofLongs(flat, ids.length, t),
                "lengths", dev.jrnn.onnx.OnnxValue.ofLongs(lengths, ids.length))).get("probabilities").array();
        for (int i = 0; i < ids.length; i++) {
            for (int c = 0; c < want[i].length; c++) assertEquals(want[i][c], p.get(i, c), 1e-5, texts.get(i));
        }
        Run inspect = Run.of("inspect", onnx.toString());
        assertEquals(0, inspect.status(), inspect.toString());
        assertTrue(inspect.out().startsWith(onnx + ": ONNX model, IR version 7, opset 14, producer 'jrnn "), inspect.out());
        assertTrue(inspect.out().contains("  input  input_ids int64 [batch, sequence]\n  input  lengths int64 [batch]\n"), inspect.out());
        assertTrue(inspect.out().contains("  LSTM 'LSTM_"), inspect.out());
        Path broken = tmp.resolve("broken.onnx");
        Files.write(broken, java.util.Arrays.copyOf(Files.readAllBytes(onnx), 500));
        Run bad = Run.of("inspect", broken.toString());
        assertEquals(1, bad.status());
        assertEquals("jrnn: " + broken + ": not a valid ONNX model (500 bytes; protobuf: While parsing a protocol message, "
                + "the input ended unexpectedly in the middle of a field); the file is truncated or not an .onnx file", bad.errorText());
    }

    @Test
    void exportErrorsAreOneLine() {
        Run bad = Run.of("export", runDir.toString(), "--format", "keras", tmp.resolve("x.keras").toString());
        assertEquals(2, bad.status());
        assertTrue(bad.errorText().startsWith("jrnn: Invalid value for option '--format'"), bad.errorText());
        Run missing = Run.of("export", tmp.resolve("nothing").toString(), tmp.resolve("x.onnx").toString());
        assertEquals(1, missing.status());
        assertEquals("jrnn: " + tmp.resolve("nothing") + ": no such model directory", missing.errorText());
    }

    @Test
    void aValidationSplitOfTheDataStopsEarlyAndKeepsTheBestEpoch() throws IOException {
        Path out = tmp.resolve("held-out");
        Run r = Run.of("train", "classify", "--data", trainFile.toString(), "--valid-fraction", "0.25", "--patience", "1",
                "--out", out.toString(), "--hidden", "16", "--embedding", "8", "--epochs", "30", "--batch", "16",
                "--lr", "0.2", "--progress", "quiet", "--truncate", "10");
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("validating on 40 sequences"), "a quarter of the 160 lines: " + r.out());
        assertTrue(r.out().contains("early stopping: val_loss has not improved for 1 epochs"), r.out());
        assertTrue(r.out().contains("restored the parameters of the best epoch (val_loss "), r.out());
        List<String> csv = Files.readAllLines(out.resolve("metrics.csv"));
        assertTrue(csv.get(0).contains(",val_loss,"), csv.get(0));
        assertTrue(csv.size() < 31, "stopped before its 30 epochs: " + csv.size());
        assertTrue(Files.size(out.resolve("plots/loss.png")) > 1000, "the loss plot is drawn");
    }

    /** The shared groups on train classify: the optimizer flags, --valid-fraction, --min-freq and --max-vocab. */
    @Test
    void trainClassifyTakesTheSharedOptimizerVocabularyAndSplitFlags() throws IOException {
        Path dir = tmp.resolve("run-sgd");
        Run r = Run.of("train", "classify", "--data", trainFile.toString(), "--out", dir.toString(), "--optimizer", "sgd",
                "--momentum", "0.9", "--valid-fraction", "0.25", "--max-vocab", "6", "--min-freq", "2", "--hidden", "4",
                "--embedding", "4", "--epochs", "1", "--batch", "16", "--progress", "quiet", "--truncate", "10");
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("data: " + trainFile + ": 120 texts, classes neg, pos; validation 40 texts; word vocabulary 6,"),
                r.out());
        assertTrue(r.out().contains("Sgd lr 0.1, clip 5.0, batch 16"), r.out());
        assertEquals(6, TextClassifierFiles.load(dir.resolve("model")).vocabulary().size());
        assertTrue(ErrorsTest.fails(2, "train", "classify", "--data", "x", "--out", "y", "--max-vocab", "2")
                .contains("--max-vocab must be 0 (no limit) or >= 3"));
    }

    /** A TTT-Linear classifier is not packed: predict runs the model's own method and prints its probabilities. */
    @Test
    void tttLinearClassifierPredictsItsOwnProbabilities() throws IOException {
        Path dir = tmp.resolve("run-ttt");
        trainCell("ttt-linear", dir);
        assertPredictsItsOwnProbabilities(dir, "TTT_LINEAR",
                List.of("the film was great", "so dull and bad but the acting was fine", "plot"));
    }
}
