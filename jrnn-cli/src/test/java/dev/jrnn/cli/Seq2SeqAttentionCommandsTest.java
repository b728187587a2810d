package dev.jrnn.cli;

import dev.jrnn.nn.Attention;
import dev.jrnn.text.Seq2SeqFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jrnn train seq2seq --attention ...} saves the attention with the model; {@code predict --attention-png} draws it. */
class Seq2SeqAttentionCommandsTest {
    @TempDir
    Path tmp;

    @Test
    void trainWithAttentionThenPredictAndDrawTheWeights() throws IOException {
        Path pairs = Files.writeString(tmp.resolve("reverse.tsv"), Seq2SeqCommandsTest.reversals(new Random(4), 60));
        Path run = tmp.resolve("run");
        Run trained = Run.of(Seq2SeqCommandsTest.concat(new String[] {"train", "seq2seq", "--data", pairs.toString(), "--out",
                run.toString(), "--attention", "luong-general"}, Seq2SeqCommandsTest.small("--epochs", "2")));
        assertEquals(0, trained.status(), trained.toString());
        assertTrue(trained.out().contains("attention luong-general: "), trained.out());
        Seq2SeqFiles.Loaded m = Seq2SeqFiles.load(run.resolve("model"));
        assertEquals(Attention.Type.LUONG_GENERAL, m.model().config().attention());
        assertTrue(m.model().namedParameters().containsKey("attention.weight"));
        assertTrue(Files.readString(run.resolve("model/config.json")).contains("\"attention\": \"LUONG_GENERAL\""));

        Path in = Files.writeString(tmp.resolve("in.txt"), "\nabcd\nba\n");
        Path png = tmp.resolve("img/abcd.png");
        Run predicted = Run.of("predict", run.toString(), "--input", in.toString(), "--attention-png", png.toString());
        assertEquals(0, predicted.status(), predicted.toString());
        assertEquals(3, predicted.out().lines().count(), predicted.out());
        BufferedImage img = ImageIO.read(png.toFile());
        assertTrue(img != null && img.getWidth() > 0, "a PNG at " + png);

        Run inspect = Run.of("inspect", run.toString());
        assertTrue(inspect.out().contains("attention luong-general"), inspect.out());
    }

    /** {@code --diagnose N} records the encoder's gradient flow, with and without attention; 0 is refused. */
    @Test
    void diagnoseRecordsTheEncodersGradientFlow() throws IOException {
        Path pairs = Files.writeString(tmp.resolve("d.tsv"), Seq2SeqCommandsTest.reversals(new Random(6), 30));
        for (String kind : List.of("none", "bahdanau")) {
            Path out = tmp.resolve("diag-" + kind);
            Run r = Run.of(Seq2SeqCommandsTest.concat(new String[] {"train", "seq2seq", "--data", pairs.toString(), "--out",
                    out.toString(), "--attention", kind, "--diagnose", "2", "--max-steps", "4"}, Seq2SeqCommandsTest.small("--epochs", "5")));
            assertEquals(0, r.status(), r.toString());
            assertEquals(3, r.out().lines().filter(l -> l.startsWith("diagnostics: ")).count(), "steps 0, 2 and 4: " + r.out());
            List<String> jsonl = Files.readAllLines(out.resolve("diagnostics/diagnostics.jsonl"));
            assertEquals(3, jsonl.size(), String.join("\n", jsonl));
            assertTrue(jsonl.get(2).contains("\"step\":4"), jsonl.get(2));
        }
        String err = ErrorsTest.fails(2, "train", "seq2seq", "--data", pairs.toString(), "--out", tmp.resolve("bad").toString(),
                "--diagnose", "0");
        assertTrue(err.contains("--diagnose must be >= 1"), err);
    }

    @Test
    void attentionOptionsAreChecked() throws IOException {
        assertEquals("jrnn: Invalid value for option '--attention': attention must be none, bahdanau, luong-dot or "
                        + "luong-general, got 'luong' (see jrnn train seq2seq --help)",
                ErrorsTest.fails(2, "train", "seq2seq", "--data", "x", "--out", "y", "--attention", "luong"));
        Path pairs = Files.writeString(tmp.resolve("r.tsv"), Seq2SeqCommandsTest.reversals(new Random(5), 30));
        Path run = tmp.resolve("plain");
        Run trained = Run.of(Seq2SeqCommandsTest.concat(new String[] {"train", "seq2seq", "--data", pairs.toString(), "--out",
                run.toString()}, Seq2SeqCommandsTest.small("--epochs", "1")));
        assertEquals(0, trained.status(), trained.toString());
        String err = ErrorsTest.fails(1, "predict", run.toString(), "--input", pairs.toString(), "--attention-png",
                tmp.resolve("a.png").toString());
        assertTrue(err.contains("--attention-png: ") && err.contains("has no attention (it was trained with --attention none)"), err);
        for (String kind : List.of("bahdanau", "luong-dot")) {
            Path dir = tmp.resolve(kind);
            Run r = Run.of(Seq2SeqCommandsTest.concat(new String[] {"train", "seq2seq", "--data", pairs.toString(), "--out",
                    dir.toString(), "--attention", kind}, Seq2SeqCommandsTest.small("--epochs", "1")));
            assertEquals(0, r.status(), r.toString());
            Run beam = Run.of("predict", dir.toString(), "--input", pairs.toString(), "--beam", "2");
            assertEquals(0, beam.status(), beam.toString());
        }
    }
}
