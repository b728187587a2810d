package dev.jrnn.text;

import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.io.ModelFile;
import dev.jrnn.io.ModelFileException;
import dev.jrnn.io.TorchNames;
import dev.jrnn.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A language model saved as a model directory loads back identical, and every kind of damage is named. */
class LanguageModelFilesTest {
    private static final String TEXT = "the cat sat on the mat.\nthe dog sat on the log.\n";

    @TempDir
    Path tmp;

    private static LanguageModel charModel(Vocabulary v, CellType cell, int layers) {
        return new LanguageModel(LanguageModelConfig.of(v.size(), 5, 7).withCell(cell).withLayers(layers)
                .withDropout(layers > 1 ? 0.25 : 0).withSeed(11).withSpecials(v.indexOf("\n"), LanguageModel.NONE, v.unkId()));
    }

    private static Vocabulary charVocab(CharTokenizer t) {
        return Vocabulary.builder().specials(SpecialToken.UNK).addAll(t.tokenize(TEXT)).build();
    }

    private Path saveChar(String name) throws IOException {
        CharTokenizer t = new CharTokenizer();
        Vocabulary v = charVocab(t);
        Path dir = tmp.resolve(name);
        LanguageModelFiles.save(dir, charModel(v, CellType.LSTM, 1), v, t,
                ModelFile.Provenance.now("corpus.txt", 2, 10, 1.5, Map.of("valid_loss", 2.0), "test"));
        return dir;
    }

    private static String failure(Path dir) {
        return assertThrows(ModelFileException.class, () -> LanguageModelFiles.load(dir)).getMessage();
    }

    private static void editConfig(Path dir, String from, String to) throws IOException {
        Path c = dir.resolve("config.json");
        String s = Files.readString(c);
        assertTrue(s.contains(from), "config.json has no '" + from + "':\n" + s);
        Files.writeString(c, s.replace(from, to));
    }

    @ParameterizedTest
    @EnumSource(value = CellType.class, names = {"LSTM", "GRU", "GRU_RESET_BEFORE", "RNN_TANH", "RNN_RELU", "MIN_GRU", "MIN_LSTM", "SLSTM", "MLSTM", "TTT_LINEAR"})
    void saveThenLoadGivesIdenticalOutputs(CellType cell) throws IOException {
        CharTokenizer t = CharTokenizer.builder().lowerCase(true).build();
        Vocabulary v = charVocab(t);
        LanguageModel lm = charModel(v, cell, 2);
        Path dir = tmp.resolve("m");
        LanguageModelFiles.save(dir, lm, v, t, ModelFile.Provenance.unknown());
        LanguageModelFiles.Loaded back = LanguageModelFiles.load(dir);

        assertEquals(lm.config(), back.model().config());
        assertEquals(v, back.vocabulary());
        assertEquals(t.toString(), back.tokenizer().toString());
        int[] ids = back.encode("The cat sat.");
        assertArrayEquals(v.encode("the cat sat.", t), ids, "the lower-casing tokenizer came back");
        assertEquals(lm.logProbability(ids), back.model().logProbability(ids), 0.0);
        assertArrayEquals(lm.nextLogits(ids), back.model().nextLogits(ids), 0.0);
        SamplingConfig s = SamplingConfig.defaults().withMaxLength(40).withSeed(5);
        assertArrayEquals(lm.generate(ids, s).tokens(), back.model().generate(ids, s).tokens());
        lm.stateDict().forEach((n, a) -> assertArrayEquals(a.toFloatArray(), back.model().stateDict().get(n).toFloatArray(), n));
        assertFalse(back.model().isTraining(), "a loaded model is in evaluation mode");
    }

    @Test
    void wordModelsKeepTheirTokenizerSettingsAndProvenance() throws IOException {
        WordTokenizer t = WordTokenizer.builder().punctuation(WordTokenizer.Punctuation.SPLIT).eos(true)
                .filters("#").keepSpecials(false).build();
        Vocabulary v = Vocabulary.builder().specials(SpecialToken.UNK, SpecialToken.EOS).addAll(t.tokenize(TEXT)).build();
        LanguageModel lm = new LanguageModel(LanguageModelConfig.of(v.size(), 4, 6).withCell(CellType.GRU)
                .withDType(DType.FLOAT64).withSpecials(v.eosId(), v.eosId(), v.unkId()));
        Path dir = tmp.resolve("w");
        LanguageModelFiles.save(dir, lm, v, t, ModelFile.Provenance.now("ptb.txt", 3, 99, 12.0,
                Map.of("valid_perplexity", 140.5), "jrnn train lm --level word"));
        LanguageModelFiles.Loaded back = LanguageModelFiles.load(dir);
        assertEquals(t.toString(), back.tokenizer().toString());
        assertEquals(DType.FLOAT64, back.model().config().dtype());
        int[] ids = back.encode("the cat sat on the log .");
        assertEquals(lm.logProbability(ids), back.model().logProbability(ids), 0.0);
        assertEquals("ptb.txt", back.provenance().trainingData());
        assertEquals(Map.of("valid_perplexity", 140.5), back.provenance().finalMetrics());
        assertEquals("jrnn train lm --level word", back.provenance().command());
    }

    @Test
    void aModelWithoutVocabularyReadsAndWritesIds() throws IOException {
        LanguageModel lm = new LanguageModel(LanguageModelConfig.of(9, 3, 4).withSeed(2));
        Path dir = tmp.resolve("ids");
        LanguageModelFiles.save(dir, lm, null, null, ModelFile.Provenance.unknown());
        assertFalse(Files.exists(dir.resolve("vocab.txt")));
        LanguageModelFiles.Loaded back = LanguageModelFiles.load(dir);
        assertNull(back.vocabulary());
        assertEquals(lm.logProbability(new int[] {1, 2, 3}), back.model().logProbability(new int[] {1, 2, 3}), 0.0);
        assertTrue(assertThrows(IllegalStateException.class, () -> back.encode("x")).getMessage()
                .endsWith("this model was saved without a vocabulary; it reads and writes ids only"));
    }

    @Test
    void expectedShapesAreThoseOfTheModel() {
        for (CellType cell : CellType.values()) {
            for (int layers = 1; layers <= 3; layers++) {
                LanguageModelConfig c = LanguageModelConfig.of(13, 5, 6).withCell(cell).withLayers(layers);
                Map<String, int[]> expected = LanguageModelFiles.expectedShapes(c);
                Map<String, int[]> actual = TorchNames.shapesOf(new LanguageModel(c));
                assertEquals(actual.keySet(), expected.keySet(), cell + " x" + layers);
                actual.forEach((n, s) -> assertArrayEquals(s, expected.get(n), cell + " " + n));
            }
        }
    }

    @Test
    void truncatedWeightsAreNamed() throws IOException {
        Path dir = saveChar("t");
        Path w = dir.resolve("weights.safetensors");
        byte[] b = Files.readAllBytes(w);
        Files.write(w, Arrays.copyOf(b, b.length / 2));
        assertEquals(w + ": is " + b.length / 2 + " bytes, but config.json records " + b.length + " (truncated)", failure(dir));
    }

    @Test
    void unsupportedVersionIsNamed() throws IOException {
        Path dir = saveChar("v");
        editConfig(dir, "\"format_version\": 1", "\"format_version\": 7");
        assertEquals(dir.resolve("config.json") + ": unsupported version 7 (this jrnn reads 1); it was written by a newer jrnn",
                failure(dir));
    }

    @Test
    void weightsOfTheWrongShapeAreListed() throws IOException {
        Path dir = saveChar("s");
        editConfig(dir, "\"hidden_size\": 7", "\"hidden_size\": 8");
        String m = failure(dir);
        assertTrue(m.startsWith(dir.resolve("weights.safetensors") + ": does not match config.json: "), m);
        assertTrue(m.contains("rnn.weight_hh_l0 has shape [28, 7], expected [32, 8]"), m);
        assertTrue(m.contains("output.weight has shape [16, 7], expected [16, 8]"), m);
        editConfig(dir, "\"hidden_size\": 8", "\"hidden_size\": 7");
        editConfig(dir, "\"cell\": \"LSTM\"", "\"cell\": \"GRU\"");
        assertTrue(failure(dir).contains("rnn.weight_ih_l0 has shape [28, 5], expected [21, 5]"), failure(dir));
        editConfig(dir, "\"cell\": \"GRU\"", "\"cell\": \"LSTM\"");
        editConfig(dir, "\"num_layers\": 1", "\"num_layers\": 2");
        assertTrue(failure(dir).contains("missing: [rnn.weight_ih_l1, rnn.weight_hh_l1, rnn.bias_ih_l1, rnn.bias_hh_l1]"),
                failure(dir));
    }

    @Test
    void aVocabularyThatDoesNotBelongToTheModelIsRefused() throws IOException {
        Path dir = saveChar("vocab");
        Path vocab = dir.resolve("vocab.txt");
        // another vocabulary of another size, with the config's checksums of vocab.txt dropped (a hand-made model)
        Vocabulary other = Vocabulary.builder().specials(SpecialToken.UNK).addAll(new CharTokenizer().tokenize("abc")).build();
        other.save(vocab);
        assertTrue(failure(dir).startsWith(vocab + ": is "), "checksums catch it first: " + failure(dir));
        String cfg = Files.readString(dir.resolve("config.json"));
        Files.writeString(dir.resolve("config.json"), cfg.replaceAll(
                "\"vocab.txt\": \\{\\s*\"bytes\": \\d+,\\s*\"sha256\": \"[0-9a-f]+\"\\s*}", "\"vocab.txt\": {}"));
        assertEquals(vocab + ": has 4 tokens, but config.json records 16", failure(dir));
        editConfig(dir, "\"size\": 16", "\"size\": 4");
        assertEquals(vocab + ": has 4 tokens, but the model's embedding has 16 rows (model.vocab_size); this vocabulary "
                + "belongs to another model", failure(dir));
    }

    @Test
    void aVocabularyWithAnotherFingerprintIsRefused() throws IOException {
        Path dir = saveChar("fp");
        String fp = charVocab(new CharTokenizer()).fingerprint();
        editConfig(dir, "\"fingerprint\": \"" + fp + "\"", "\"fingerprint\": \"" + "0".repeat(64) + "\"");
        assertEquals(dir.resolve("vocab.txt") + ": fingerprint " + fp.substring(0, 12) + "... differs from the 000000000000... "
                + "recorded in config.json; this is not the vocabulary the model was trained with", failure(dir));
    }

    @Test
    void missingOrMistypedConfigFieldsAreNamed() throws IOException {
        Path dir = saveChar("f");
        Path c = dir.resolve("config.json");
        editConfig(dir, "\"hidden_size\": 7,", "");
        assertEquals(c + ": field 'model.hidden_size' is missing", failure(dir));
        editConfig(dir, "\"embedding_dim\": 5,", "\"embedding_dim\": 5, \"hidden_size\": \"7\",");
        assertEquals(c + ": field 'model.hidden_size' must be an integer, found string \"7\"", failure(dir));
        editConfig(dir, "\"hidden_size\": \"7\"", "\"hidden_size\": 7");
        editConfig(dir, "\"cell\": \"LSTM\"", "\"cell\": \"LSMT\"");
        assertEquals(c + ": field 'model.cell' is \"LSMT\", expected one of RNN_TANH, RNN_RELU, LSTM, GRU, GRU_RESET_BEFORE, MIN_GRU, MIN_LSTM, SLSTM, MLSTM, TTT_LINEAR",
                failure(dir));
        editConfig(dir, "\"cell\": \"LSMT\"", "\"cell\": \"LSTM\"");
        editConfig(dir, "\"dropout\": 0.0", "\"dropout\": 1.5");
        assertEquals(c + ": section 'model' is not a valid language model: LanguageModelConfig: dropout must be in [0, 1), got 1.5",
                failure(dir));
        editConfig(dir, "\"dropout\": 1.5", "\"dropout\": 0.0");
        editConfig(dir, "\"type\": \"char\"", "\"type\": \"bpe\"");
        assertEquals(c + ": field 'tokenizer.type' is \"bpe\", expected \"char\" or \"word\"", failure(dir));
        editConfig(dir, "\"type\": \"bpe\"", "\"type\": \"char\"");
        editConfig(dir, "\"model_type\": \"language-model\"", "\"model_type\": \"classifier\"");
        assertEquals(c + ": field 'model_type' is \"classifier\"; this loader reads \"language-model\"", failure(dir));
        editConfig(dir, "\"model_type\": \"classifier\"", "\"model_type\": \"language-model\"");
        editConfig(dir, "\"unk_id\": 0", "\"unk_id\": 3");
        assertEquals(dir.resolve("vocab.txt") + ": <unk> has id 0 here, but model.unk_id is 3; the vocabulary does not match "
                + "the model", failure(dir));
        editConfig(dir, "\"unk_id\": 3", "\"unk_id\": 0");
        LanguageModelFiles.load(dir);                                  // repaired: loads again
    }
}
