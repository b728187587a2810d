package dev.jrnn.text;

import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.io.ModelFile;
import dev.jrnn.io.ModelFileException;
import dev.jrnn.io.TorchNames;
import dev.jrnn.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A text classifier saved as a model directory loads back identical, and damaged files are refused. */
class TextClassifierFilesTest {
    /** The shapes the loader checks before it builds a model are those of the model it builds, for every cell. */
    @Test
    void expectedShapesAreThoseOfTheModel() {
        for (CellType cell : CellType.values()) {
            for (int layers = 1; layers <= 2; layers++) {
                for (boolean bi : new boolean[] {false, true}) {
                    TextClassifier.Config c = new TextClassifier.Config(cell, 13, 5, 6, layers, bi, 3, 0, DType.FLOAT32, 1, 0);
                    Map<String, int[]> expected = TextClassifierFiles.expectedShapes(c);
                    Map<String, int[]> actual = TorchNames.shapesOf(new TextClassifier(c));
                    assertEquals(actual.keySet(), expected.keySet(), cell + " x" + layers + (bi ? " bi" : ""));
                    actual.forEach((n, sh) -> assertArrayEquals(sh, expected.get(n), cell + " " + n));
                }
            }
        }
    }

    private static final List<String> TEXTS = List.of("a good film", "great acting, good plot", "bad film",
            "an awful, bad plot", "");

    @TempDir
    Path tmp;

    private Path save(String name, CellType cell, int layers, boolean bi) throws IOException {
        WordTokenizer t = WordTokenizer.builder().lowerCase(true).punctuation(WordTokenizer.Punctuation.SPLIT).build();
        Vocabulary v = Vocabulary.builder().specials(SpecialToken.PAD, SpecialToken.UNK).addTexts(TEXTS, t).build();
        TextClassifier m = new TextClassifier(TextClassifier.Config.of(v.size(), 6, 5, 3).withCell(cell).withLayers(layers)
                .withBidirectional(bi).withDropout(layers > 1 ? 0.2 : 0).withSeed(3).withPadId(v.padId()));
        Path dir = tmp.resolve(name);
        TextClassifierFiles.save(dir, m, List.of("neg", "neutral", "pos"), 3, v, t,
                ModelFile.Provenance.now("reviews.tsv", 1, 4, 0.5, Map.of("valid_accuracy", 0.75), "test"));
        double[][] before = new double[TEXTS.size()][];
        for (int i = 0; i < TEXTS.size(); i++) {
            before[i] = m.predictProbabilities(new int[][] {TextClassifierFiles.clip(v.encode(TEXTS.get(i), t), 3)})[0];
        }
        TextClassifierFiles.Loaded back = TextClassifierFiles.load(dir);
        double[][] after = back.predictProbabilities(TEXTS);
        for (int i = 0; i < TEXTS.size(); i++) {
            assertArrayEquals(before[i], after[i], 0.0, "text " + i);
            double sum = 0;
            for (double p : after[i]) sum += p;
            assertEquals(1.0, sum, 1e-6);
        }
        assertEquals(List.of("neg", "neutral", "pos"), back.classes());
        assertEquals(3, back.maxLen());
        assertEquals(m.config(), back.model().config());
        return dir;
    }

    @ParameterizedTest
    @CsvSource({"LSTM, 1, false", "LSTM, 2, true", "GRU, 1, true", "RNN_TANH, 2, false"})
    void saveThenLoadGivesIdenticalProbabilities(CellType cell, int layers, boolean bi) throws IOException {
        save(cell + "-" + layers + "-" + bi, cell, layers, bi);
    }

    @Test
    void batchedAndSinglePredictionsAgree() {
        TextClassifier m = new TextClassifier(TextClassifier.Config.of(10, 4, 3, 2).withBidirectional(true));
        int[][] ids = {{1, 2, 3, 4}, {5}, {}, {6, 7}};
        double[][] all = m.predictProbabilities(ids);
        for (int i = 0; i < ids.length; i++) {
            assertArrayEquals(m.predictProbabilities(new int[][] {ids[i]})[0], all[i], 1e-6, "row " + i);
        }
    }

    private static String failure(Path dir) {
        return assertThrows(ModelFileException.class, () -> TextClassifierFiles.load(dir)).getMessage();
    }

    private static void editConfig(Path dir, String from, String to) throws IOException {
        Path c = dir.resolve("config.json");
        String s = Files.readString(c);
        assertTrue(s.contains(from), "config.json has no '" + from + "':\n" + s);
        Files.writeString(c, s.replace(from, to));
    }

    @Test
    void damagedConfigIsRefused() throws IOException {
        Path dir = save("a", CellType.LSTM, 1, false);
        editConfig(dir, "\"hidden_size\": 5", "\"hidden_size\": 6");
        String m = failure(dir);
        assertTrue(m.startsWith(dir.resolve("weights.safetensors") + ": does not match config.json"), m);

        Path b = save("b", CellType.LSTM, 1, false);
        editConfig(b, "\"num_classes\": 3", "\"num_classes\": 2");
        assertTrue(failure(b).contains("'classes' is not valid: the class names are 3, but the model has 2 classes"), failure(b));

        Path c = save("c", CellType.GRU, 1, true);
        editConfig(c, "\"bidirectional\": true", "\"bidirectional\": \"yes\"");
        assertTrue(failure(c).contains("model.bidirectional"), failure(c));

        Path d = save("d", CellType.LSTM, 1, false);
        editConfig(d, "\"text_classifier\"", "\"language-model\"");
        assertThrows(ModelFileException.class, () -> LanguageModelFiles.load(d));
        Path e = save("e", CellType.LSTM, 1, false);
        Files.writeString(e.resolve("vocab.txt"), Files.readString(e.resolve("vocab.txt")) + "x\n");
        assertTrue(failure(e).contains("vocab.txt"), failure(e));
    }

    @Test
    void aLanguageModelIsNotAClassifier() throws IOException {
        CharTokenizer t = new CharTokenizer();
        Vocabulary v = Vocabulary.builder().specials(SpecialToken.UNK).addAll(t.tokenize("abc")).build();
        Path dir = tmp.resolve("lm");
        LanguageModelFiles.save(dir, new LanguageModel(LanguageModelConfig.of(v.size(), 3, 4)), v, t,
                ModelFile.Provenance.unknown());
        assertTrue(failure(dir).contains("\"language-model\"; this loader reads \"text_classifier\""), failure(dir));
    }
}
