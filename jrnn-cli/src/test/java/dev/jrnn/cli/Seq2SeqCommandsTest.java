package dev.jrnn.cli;

import dev.jrnn.io.Safetensors;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.text.Seq2SeqFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jrnn train seq2seq} learns to reverse short words; {@code predict}, {@code inspect} and resuming read its output. */
class Seq2SeqCommandsTest {
    @TempDir
    static Path tmp;

    static Path pairs, runDir;
    static Run trained;

    /** {@code abc<TAB>cba}: words of 2 to 4 letters from a 4-letter alphabet. */
    static String reversals(Random r, int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            StringBuilder w = new StringBuilder();
            for (int k = 2 + r.nextInt(3); k > 0; k--) w.append("abcd".charAt(r.nextInt(4)));
            b.append(w).append('\t').append(new StringBuilder(w).reverse()).append('\n');
        }
        return b.toString();
    }

    static String[] small(String... more) {
        List<String> args = new ArrayList<>(List.of("--hidden", "24", "--embedding", "8", "--batch", "16", "--lr", "0.02",
                "--progress", "quiet", "--seed", "3"));
        args.addAll(List.of(more));
        return args.toArray(new String[0]);
    }

    static String[] concat(String[] a, String... b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @BeforeAll
    static void train() throws IOException {
        pairs = Files.writeString(tmp.resolve("reverse.tsv"), "source\ttarget\n" + reversals(new Random(4), 120));
        runDir = tmp.resolve("run");
        trained = Run.of(concat(new String[] {"train", "seq2seq", "--data", pairs.toString(), "--out", runDir.toString()},
                small("--epochs", "4")));
    }

    @Test
    void trainReportsLossAndExactMatchEveryEpochAndSavesTheModel() throws IOException {
        assertEquals(0, trained.status(), trained.toString());
        String out = trained.out();
        assertTrue(out.contains("data: " + pairs + ": 108 pairs for training, 12 for validation; char vocabularies: source 5,"
                + " target 7; longest target 4 tokens (decoding limit 8)"), out);
        assertTrue(out.contains("model: lstm encoder-decoder 1 x 24, embedding 8"), out);
        for (int e = 1; e <= 4; e++) assertTrue(out.contains("epoch " + e + "/4  train_loss "), out);
        assertTrue(out.contains("val_exact_match "), out);
        assertTrue(out.contains("validation: loss "), out);
        assertTrue(out.contains(" -> '"), "decoded examples: " + out);
        assertTrue(out.contains("saved " + runDir.resolve("model") + " (4 epochs, 28 steps"), out);
        for (String f : List.of("model/config.json", "model/weights.safetensors", "model/source_vocab.txt",
                "model/target_vocab.txt", "checkpoint.safetensors", "metrics.csv")) {
            assertTrue(Files.isRegularFile(runDir.resolve(f)), f);
        }
        assertEquals(5, Files.readAllLines(runDir.resolve("metrics.csv")).size(), "a header and 4 epochs");
        Seq2SeqFiles.Loaded m = Seq2SeqFiles.load(runDir.resolve("model"));
        assertEquals(8, m.maxLength());
        assertTrue(m.provenance().finalMetrics().containsKey("valid_exact_match"));
        assertTrue(m.provenance().command().startsWith("jrnn train seq2seq --data "), m.provenance().command());
    }

    @Test
    void predictDecodesEveryLineGreedyOrWithABeam() throws IOException {
        Path in = Files.writeString(tmp.resolve("in.txt"), "abc\ndd\n\ncab\n");
        Run greedy = Run.of("predict", runDir.toString(), "--input", in.toString());
        assertEquals(0, greedy.status(), greedy.toString());
        List<String> lines = greedy.out().lines().toList();
        assertEquals(4, lines.size(), greedy.out());
        assertEquals("", lines.get(2), "an empty line gives an empty output");
        Run beam1 = Run.of("predict", runDir.toString(), "--input", in.toString(), "--beam", "1", "--scores");
        assertEquals(0, beam1.status(), beam1.toString());
        List<String> scored = beam1.out().lines().toList();
        for (int i = 0; i < 4; i++) {
            if (i == 2) continue;
            String[] f = scored.get(i).split("\t");
            assertEquals(lines.get(i), f[0], "beam 1 is greedy decoding");
            assertTrue(Double.parseDouble(f[1]) <= 0, scored.get(i));
        }
        InputStream old = System.in;
        Run beam;
        try {
            System.setIn(new ByteArrayInputStream("abc\ndd\n".getBytes(StandardCharsets.UTF_8)));
            beam = Run.of("predict", runDir.resolve("model").toString(), "--beam", "3", "--max-length", "6");
        } finally {
            System.setIn(old);
        }
        assertEquals(0, beam.status(), beam.toString());
        assertEquals(2, beam.out().lines().count(), beam.out());
    }

    @Test
    void inspectDescribesBothSides() {
        Run r = Run.of("inspect", runDir.toString());
        assertEquals(0, r.status(), r.toString());
        for (String s : List.of("seq2seq encoder-decoder (jrnn model format version 1)", "LSTM encoder and decoder, 1 layer of 24",
                "decoding: at most 8 target tokens; <bos> 2 '<bos>', <eos> 1 '<eos>'", "source: CharTokenizer(",
                "target: CharTokenizer(", "encoder.weight_ih_l0", "decoder.weight_hh_l0", "valid_exact_match")) {
            assertTrue(r.out().contains(s), s + " in\n" + r.out());
        }
    }

    /** sLSTM and mLSTM encoder-decoders train and translate (greedy and beam): their four-tensor states pass along. */
    @Test
    void xLstmCellsTrainAndTranslate() throws IOException {
        Path in = Files.writeString(tmp.resolve("xlstm-in.txt"), "abc\nba\n");
        for (String cell : List.of("slstm", "mlstm")) {
            Path dir = tmp.resolve("xlstm-" + cell);
            Run t = Run.of(concat(new String[] {"train", "seq2seq", "--data", pairs.toString(), "--out", dir.toString(),
                    "--cell", cell}, small("--epochs", "1")));
            assertEquals(0, t.status(), t.toString());
            assertTrue(t.out().contains("model: " + cell + " encoder-decoder 1 x 24, embedding 8"), t.out());
            for (String beam : List.of("1", "3")) {
                Run p = Run.of("predict", dir.toString(), "--input", in.toString(), "--beam", beam);
                assertEquals(0, p.status(), p.toString());
                assertEquals(2, p.out().lines().count(), cell + " beam " + beam + ":\n" + p.out());
            }
        }
    }

    @Test
    void aResumedRunContinuesBitForBit() throws IOException {
        String[] common = small("--data", pairs.toString(), "--epochs", "2", "--valid-fraction", "0.2");
        Path straight = tmp.resolve("straight"), broken = tmp.resolve("broken");
        Run a = Run.of(concat(new String[] {"train", "seq2seq", "--out", straight.toString()}, common));
        assertEquals(0, a.status(), a.toString());
        Run part = Run.of(concat(new String[] {"train", "seq2seq", "--out", broken.toString(), "--max-steps", "4"}, common));
        assertEquals(0, part.status(), part.toString());
        assertTrue(part.out().contains("(0 epochs, 4 steps") && part.out().contains("continue with the same command and --resume"),
                part.out());
        Run rest = Run.of(concat(new String[] {"train", "seq2seq", "--out", broken.toString(), "--resume"}, common));
        assertEquals(0, rest.status(), rest.toString());
        assertTrue(rest.out().contains("resuming from " + broken.resolve("checkpoint.safetensors") + " (epoch 1, step 4)"),
                rest.out());
        sameWeights(straight, broken);
        assertEquals(withoutTimes(straight.resolve("metrics.csv")), withoutTimes(broken.resolve("metrics.csv")));

        String[] other = common.clone();
        other[1] = "20";                                                       // --hidden 20 instead of 24
        Run mismatch = Run.of(concat(new String[] {"train", "seq2seq", "--out", broken.toString(), "--resume"}, other));
        assertEquals(1, mismatch.status(), mismatch.toString());
        assertEquals("jrnn: " + broken.resolve("checkpoint.safetensors") + " was written by a different run: --hidden was 24,"
                + " now 20 (use the same data and settings, or another --out)", mismatch.errorText());
        Run again = Run.of(concat(new String[] {"train", "seq2seq", "--out", broken.toString()}, common));
        assertEquals(1, again.status(), again.toString());
        assertTrue(again.errorText().contains("already holds a run (checkpoint.safetensors): add --resume"), again.errorText());
    }

    /** The two runs' saved weights are identical, bit for bit. */
    static void sameWeights(Path a, Path b) throws IOException {
        Map<String, NdArray> x = Safetensors.read(a.resolve("model/weights.safetensors"));
        Map<String, NdArray> y = Safetensors.read(b.resolve("model/weights.safetensors"));
        assertEquals(x.keySet(), y.keySet());
        x.forEach((n, v) -> assertArrayEquals(v.toFloatArray(), y.get(n).toFloatArray(), n + " differs after resuming"));
    }

    /** The trainer's metrics file without its time_s column. */
    static List<String> withoutTimes(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        int col = Arrays.asList(lines.get(0).split(",")).indexOf("time_s");
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            List<String> f = new ArrayList<>(Arrays.asList(l.split(",", -1)));
            f.remove(col);
            out.add(String.join(",", f));
        }
        return out;
    }

    @Test
    void wordLevelGruWithSgdAndAValidationFile() throws IOException {
        Path tr = Files.writeString(tmp.resolve("en-fr.tsv"), "the cat .\tle chat .\na dog !\tun chien !\nthe dog .\tle chien .\n"
                .repeat(5));
        Path va = Files.writeString(tmp.resolve("en-fr-valid.tsv"), "a cat .\tun chat .\n");
        Run r = Run.of("train", "seq2seq", "--data", tr.toString(), "--valid", va.toString(), "--out", tmp.resolve("w").toString(),
                "--level", "word", "--cell", "gru", "--optimizer", "sgd", "--momentum", "0.9", "--hidden", "8", "--epochs", "2",
                "--progress", "quiet");
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("15 pairs for training, 1 for validation; word vocabularies: source 7, target 9"), r.out());
        assertTrue(r.out().contains("Sgd lr 0.5"), r.out());
    }

    @Test
    void errorsAreOneLine() throws IOException {
        Path bad = Files.writeString(tmp.resolve("bad.tsv"), "ab\tba\nabc\tc\tba\n");
        assertEquals("jrnn: --data " + bad + ":2: expected source<TAB>target, found 2 tabs",
                ErrorsTest.fails(1, "train", "seq2seq", "--data", bad.toString(), "--out", tmp.resolve("x").toString()));
        Path empty = Files.writeString(tmp.resolve("empty.tsv"), "ab\tba\n\tx\n");
        assertEquals("jrnn: --data " + empty + ":2: the source is empty (the encoder needs a token)",
                ErrorsTest.fails(1, "train", "seq2seq", "--data", empty.toString(), "--out", tmp.resolve("y").toString()));
        assertTrue(ErrorsTest.fails(1, "train", "seq2seq", "--data", tmp.resolve("none.tsv").toString(), "--out", "z")
                .endsWith("none.tsv: no such file"));
        assertEquals("jrnn: --max-length must be >= 1, got 0 (see jrnn train seq2seq --help)",
                ErrorsTest.fails(2, "train", "seq2seq", "--data", "x", "--out", "y", "--max-length", "0"));
        assertEquals("jrnn: --beam must be >= 1, got 0 (see jrnn predict --help)",
                ErrorsTest.fails(2, "predict", runDir.toString(), "--beam", "0"));
        assertEquals("jrnn: --probabilities does not apply: " + runDir + " is a seq2seq model (see jrnn predict --help)",
                ErrorsTest.fails(2, "predict", runDir.toString(), "--probabilities"));
        assertTrue(ErrorsTest.fails(1, "train", "seq2seq", "--data", pairs.toString(), "--out", runDir.toString(),
                "--resume", "--hidden", "9").contains("--hidden was 24, now 9"));
    }

    /** --cell ttt-linear for encoder and decoder: trains, saves, and decodes with predict. */
    @Test
    void tttLinearEncoderDecoderTrainsAndPredicts() throws IOException {
        Path dir = tmp.resolve("run-ttt");
        Run t = Run.of(concat(new String[] {"train", "seq2seq", "--data", pairs.toString(), "--out", dir.toString(), "--cell",
                "ttt-linear"}, small("--epochs", "1")));
        assertEquals(0, t.status(), t.toString());
        assertTrue(t.out().contains("model: ttt_linear encoder-decoder 1 x 24"), t.out());
        assertEquals("TTT_LINEAR", dev.jrnn.text.Seq2SeqFiles.load(dir.resolve("model")).model().config().cell().name());
        Path in = Files.writeString(tmp.resolve("ttt-in.txt"), "abc\nbca\n");
        Run p = Run.of("predict", dir.toString(), "--input", in.toString());
        assertEquals(0, p.status(), p.toString());
        assertEquals(2, p.out().lines().count(), p.out());
    }
}
