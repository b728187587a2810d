package dev.jrnn.text;

import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.io.ModelFile;
import dev.jrnn.io.ModelFileException;
import dev.jrnn.io.TorchNames;
import dev.jrnn.nn.Attention;
import dev.jrnn.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An encoder–decoder saved as a model directory loads back identical, and every kind of damage is named. */
class Seq2SeqFilesTest {
    private static final List<String> SOURCES = List.of("12+7", "3+30", "8+8", "41+2");
    private static final List<String> TARGETS = List.of("19", "33", "16", "43");

    @TempDir
    Path tmp;

    private static Vocabulary sourceVocab(Tokenizer t) {
        return Vocabulary.builder().specials(SpecialToken.UNK).addTexts(SOURCES, t).build();
    }

    private static Vocabulary targetVocab(Tokenizer t) {
        return Vocabulary.builder().specials(SpecialToken.UNK, SpecialToken.EOS, SpecialToken.BOS).addTexts(TARGETS, t).build();
    }

    private static Seq2Seq model(Vocabulary src, Vocabulary tgt, CellType cell, int layers) {
        return new Seq2Seq(Seq2SeqConfig.of(src.size(), tgt.size(), 5, 7, tgt.bosId(), tgt.eosId()).withCell(cell)
                .withLayers(layers).withDropout(layers > 1 ? 0.25 : 0).withSeed(11));
    }

    private Path saveChar(String name) throws IOException {
        CharTokenizer t = new CharTokenizer();
        Vocabulary s = sourceVocab(t), g = targetVocab(t);
        Path dir = tmp.resolve(name);
        Seq2SeqFiles.save(dir, model(s, g, CellType.LSTM, 1), s, t, g, t, 6,
                ModelFile.Provenance.now("pairs.tsv", 2, 10, 1.5, Map.of("valid_exact_match", 0.5), "test"));
        return dir;
    }

    private static String failure(Path dir) {
        return assertThrows(ModelFileException.class, () -> Seq2SeqFiles.load(dir)).getMessage();
    }

    private static void editConfig(Path dir, String from, String to) throws IOException {
        Path c = dir.resolve("config.json");
        String s = Files.readString(c);
        assertTrue(s.contains(from), "config.json has no '" + from + "':\n" + s);
        Files.writeString(c, s.replaceFirst(java.util.regex.Pattern.quote(from), java.util.regex.Matcher.quoteReplacement(to)));
    }

    private static List<int[]> ids(Vocabulary v, Tokenizer t, List<String> texts) {
        List<int[]> out = new ArrayList<>();
        for (String s : texts) out.add(v.encode(s, t));
        return out;
    }

    @ParameterizedTest
    @EnumSource(value = CellType.class, names = {"LSTM", "GRU", "GRU_RESET_BEFORE", "RNN_TANH", "RNN_RELU", "MIN_GRU", "MIN_LSTM", "SLSTM", "MLSTM", "TTT_LINEAR"})
    void saveThenLoadGivesIdenticalOutputs(CellType cell) throws IOException {
        CharTokenizer t = CharTokenizer.builder().lowerCase(true).build();
        Vocabulary s = sourceVocab(t), g = targetVocab(t);
        Seq2Seq m = model(s, g, cell, 2);
        Path dir = tmp.resolve("m");
        Seq2SeqFiles.save(dir, m, s, t, g, t, 9, ModelFile.Provenance.unknown());
        assertTrue(Files.isRegularFile(dir.resolve("source_vocab.txt")) && Files.isRegularFile(dir.resolve("target_vocab.txt")));
        Seq2SeqFiles.Loaded back = Seq2SeqFiles.load(dir);

        assertEquals(m.config(), back.model().config());
        assertEquals(s, back.sourceVocabulary());
        assertEquals(g, back.targetVocabulary());
        assertEquals(t.toString(), back.sourceTokenizer().toString());
        assertEquals(9, back.maxLength());
        List<int[]> src = ids(s, t, SOURCES), tgt = ids(g, t, TARGETS);
        List<int[]> before = m.greedy(src, 9), after = back.model().greedy(src, 9);
        for (int i = 0; i < src.size(); i++) {
            assertArrayEquals(before.get(i), after.get(i), "source " + i);
            assertEquals(m.logProbability(src.get(i), tgt.get(i)), back.model().logProbability(src.get(i), tgt.get(i)), 0.0);
        }
        List<String> texts = back.greedy(List.of("12+7", "", "3+30"));
        assertEquals(g.decode(before.get(0), t), texts.get(0));
        assertEquals("", texts.get(1), "an empty source gives an empty output");
        BeamSearchConfig beam = BeamSearchConfig.of(1, 9);
        assertEquals(texts.get(0), back.beamSearch("12+7", beam).get(0).getKey(), "beam 1 is greedy");
        m.stateDict().forEach((n, a) -> assertArrayEquals(a.toFloatArray(), back.model().stateDict().get(n).toFloatArray(), n));
        assertFalse(back.model().isTraining(), "a loaded model is in evaluation mode");
    }

    @Test
    void wordTokenizersDTypeAndProvenanceComeBack() throws IOException {
        WordTokenizer src = WordTokenizer.builder().punctuation(WordTokenizer.Punctuation.SPLIT).build();
        WordTokenizer tgt = WordTokenizer.builder().lowerCase(false).punctuation(WordTokenizer.Punctuation.KEEP).build();
        List<String> en = List.of("the cat .", "a dog !"), fr = List.of("le chat .", "un chien !");
        Vocabulary s = Vocabulary.builder().specials(SpecialToken.UNK).addTexts(en, src).build();
        Vocabulary g = Vocabulary.builder().specials(SpecialToken.UNK, SpecialToken.EOS, SpecialToken.BOS).addTexts(fr, tgt).build();
        Seq2Seq m = new Seq2Seq(Seq2SeqConfig.of(s.size(), g.size(), 4, 6, g.bosId(), g.eosId())
                .withCell(CellType.GRU).withDType(DType.FLOAT64));
        Path dir = tmp.resolve("w");
        Seq2SeqFiles.save(dir, m, s, src, g, tgt, 5, ModelFile.Provenance.now("en-fr.tsv", 3, 99, 12.0,
                Map.of("valid_exact_match", 0.25), "jrnn train seq2seq --level word"));
        Seq2SeqFiles.Loaded back = Seq2SeqFiles.load(dir);
        assertEquals(src.toString(), back.sourceTokenizer().toString());
        assertEquals(tgt.toString(), back.targetTokenizer().toString());
        assertEquals(DType.FLOAT64, back.model().config().dtype());
        int[] x = back.encode("The cat .");
        assertArrayEquals(s.encode("the cat .", src), x);
        assertEquals(m.logProbability(x, g.encode("le chat", tgt)), back.model().logProbability(x, g.encode("le chat", tgt)), 0.0);
        assertEquals("en-fr.tsv", back.provenance().trainingData());
        assertEquals(Map.of("valid_exact_match", 0.25), back.provenance().finalMetrics());
        assertEquals("jrnn train seq2seq --level word", back.provenance().command());
    }

    @Test
    void expectedShapesAreThoseOfTheModel() {
        for (CellType cell : CellType.values()) {
            for (int layers = 1; layers <= 3; layers++) {
                Seq2SeqConfig c = Seq2SeqConfig.of(13, 9, 5, 6, 2, 1).withCell(cell).withLayers(layers);
                Map<String, int[]> expected = Seq2SeqFiles.expectedShapes(c);
                Map<String, int[]> actual = TorchNames.shapesOf(new Seq2Seq(c));
                assertEquals(actual.keySet(), expected.keySet(), cell + " x" + layers);
                actual.forEach((n, s) -> assertArrayEquals(s, expected.get(n), cell + " " + n));
            }
        }
    }

    @Test
    void saveRefusesVocabulariesThatDoNotFit() {
        CharTokenizer t = new CharTokenizer();
        Vocabulary s = sourceVocab(t), g = targetVocab(t);
        Seq2Seq m = model(s, g, CellType.LSTM, 1);
        ModelFile.Provenance p = ModelFile.Provenance.unknown();
        String e = assertThrows(IllegalArgumentException.class,
                () -> Seq2SeqFiles.save(tmp.resolve("x"), m, g, t, s, t, 5, p)).getMessage();
        assertTrue(e.contains("the vocabularies have " + g.size() + " and " + s.size() + " tokens"), e);
        Vocabulary noBos = Vocabulary.builder().specials(SpecialToken.PAD, SpecialToken.UNK, SpecialToken.EOS)
                .addTexts(TARGETS, t).build();                           // same size, <bos> missing
        e = assertThrows(IllegalArgumentException.class,
                () -> Seq2SeqFiles.save(tmp.resolve("y"), m, s, t, noBos, t, 5, p)).getMessage();
        assertTrue(e.contains("the target vocabulary has <bos> -1"), e);
        e = assertThrows(IllegalArgumentException.class, () -> Seq2SeqFiles.save(tmp.resolve("z"), m, s, t, g, t, 0, p)).getMessage();
        assertTrue(e.contains("maxLength must be >= 1"), e);
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
    void aMissingVocabularyFileIsNamed() throws IOException {
        Path dir = saveChar("missing");
        Files.delete(dir.resolve("target_vocab.txt"));
        assertEquals(dir.resolve("target_vocab.txt") + ": missing (config.json lists it)", failure(dir));
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
        assertTrue(m.contains("encoder.weight_hh_l0 has shape [28, 7], expected [32, 8]"), m);
        assertTrue(m.contains("decoder.weight_hh_l0 has shape [28, 7], expected [32, 8]"), m);
        editConfig(dir, "\"hidden_size\": 8", "\"hidden_size\": 7");
        editConfig(dir, "\"num_layers\": 1", "\"num_layers\": 2");
        assertTrue(failure(dir).contains("missing: [encoder.weight_ih_l1, encoder.weight_hh_l1"), failure(dir));
    }

    @Test
    void aVocabularyThatDoesNotBelongToTheModelIsRefused() throws IOException {
        Path dir = saveChar("vocab");
        Path vocab = dir.resolve("target_vocab.txt");
        Vocabulary other = Vocabulary.builder().specials(SpecialToken.UNK, SpecialToken.EOS, SpecialToken.BOS)
                .addAll(new CharTokenizer().tokenize("ab")).build();
        other.save(vocab);
        assertTrue(failure(dir).startsWith(vocab + ": is "), "checksums catch it first: " + failure(dir));
        String cfg = Files.readString(dir.resolve("config.json"));
        Files.writeString(dir.resolve("config.json"), cfg.replaceAll(
                "\"target_vocab.txt\": \\{\\s*\"bytes\": \\d+,\\s*\"sha256\": \"[0-9a-f]+\"\\s*}", "\"target_vocab.txt\": {}"));
        int size = targetVocab(new CharTokenizer()).size();
        assertEquals(vocab + ": has 5 tokens, but config.json records " + size, failure(dir));
        assertEquals(8, size, "the target side's size differs from the source side's 9, so '\"size\": 8' names it");
        editConfig(dir, "\"size\": 8", "\"size\": 5");
        assertEquals(vocab + ": has 5 tokens, but the model's target embedding and output layer has " + size
                + " rows (model.target_vocab_size); this vocabulary belongs to another model", failure(dir));
    }

    @Test
    void aVocabularyWithAnotherFingerprintIsRefused() throws IOException {
        Path dir = saveChar("fp");
        String fp = sourceVocab(new CharTokenizer()).fingerprint();
        editConfig(dir, "\"fingerprint\": \"" + fp + "\"", "\"fingerprint\": \"" + "0".repeat(64) + "\"");
        assertEquals(dir.resolve("source_vocab.txt") + ": fingerprint " + fp.substring(0, 12) + "... differs from the "
                + "000000000000... recorded in config.json; this is not the vocabulary the model was trained with", failure(dir));
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
        editConfig(dir, "\"eos_id\": 1", "\"eos_id\": 2");
        assertEquals(c + ": section 'model' is not a valid seq2seq model: Seq2SeqConfig: bosId and eosId must be two different "
                + "target ids in 0.." + (targetVocab(new CharTokenizer()).size() - 1) + ", got 2 and 2", failure(dir));
        editConfig(dir, "\"eos_id\": 2", "\"eos_id\": 0");
        assertEquals(dir.resolve("target_vocab.txt") + ": <eos> has id 1 here, but model.eos_id is 0; the vocabulary does not "
                + "match the model", failure(dir));
        editConfig(dir, "\"eos_id\": 0", "\"eos_id\": 1");
        editConfig(dir, "\"type\": \"char\"", "\"type\": \"bpe\"");
        assertEquals(c + ": field 'source.tokenizer.type' is \"bpe\", expected \"char\" or \"word\"", failure(dir));
        editConfig(dir, "\"type\": \"bpe\"", "\"type\": \"char\"");
        editConfig(dir, "\"max_length\": 6", "\"max_length\": 0");
        assertEquals(c + ": field 'decoding.max_length' must be >= 1, found 0", failure(dir));
        editConfig(dir, "\"max_length\": 0", "\"max_length\": 6");
        editConfig(dir, "\"model_type\": \"seq2seq\"", "\"model_type\": \"language-model\"");
        assertEquals(c + ": field 'model_type' is \"language-model\"; this loader reads \"seq2seq\"", failure(dir));
        editConfig(dir, "\"model_type\": \"language-model\"", "\"model_type\": \"seq2seq\"");
        Seq2SeqFiles.load(dir);                                        // repaired: loads again
    }

    @ParameterizedTest
    @EnumSource(value = Attention.Type.class, names = {"BAHDANAU", "LUONG_DOT", "LUONG_GENERAL"})
    void attentionIsSavedAndLoadedWithTheModel(Attention.Type type) throws IOException {
        CharTokenizer t = new CharTokenizer();
        Vocabulary s = sourceVocab(t), g = targetVocab(t);
        Seq2Seq m = new Seq2Seq(Seq2SeqConfig.of(s.size(), g.size(), 5, 7, g.bosId(), g.eosId()).withLayers(2)
                .withCell(CellType.GRU).withSeed(3).withAttention(type));
        Path dir = tmp.resolve("a");
        Seq2SeqFiles.save(dir, m, s, t, g, t, 9, ModelFile.Provenance.unknown());
        assertTrue(Files.readString(dir.resolve("config.json")).contains("\"attention\": \"" + type.name() + "\""));
        Seq2SeqFiles.Loaded back = Seq2SeqFiles.load(dir);
        assertEquals(m.config(), back.model().config());
        List<int[]> src = ids(s, t, SOURCES), tgt = ids(g, t, TARGETS);
        for (int i = 0; i < src.size(); i++) {
            assertEquals(m.logProbability(src.get(i), tgt.get(i)), back.model().logProbability(src.get(i), tgt.get(i)), 0.0);
            assertArrayEquals(m.align(src.get(i), 9).weights(), back.model().align(src.get(i), 9).weights());
        }
        m.stateDict().forEach((n, a) -> assertArrayEquals(a.toFloatArray(), back.model().stateDict().get(n).toFloatArray(), n));

        editConfig(dir, "\"attention\": \"" + type.name() + "\"", "\"attention\": \"LUONG\"");
        assertEquals(dir.resolve("config.json") + ": field 'model.attention' is \"LUONG\", expected one of NONE, BAHDANAU, "
                + "LUONG_DOT, LUONG_GENERAL", failure(dir));
        editConfig(dir, "\"attention\": \"LUONG\"", "\"attention\": \"NONE\"");
        String wrong = failure(dir);                                    // the attention weights no longer fit the config
        assertTrue(wrong.contains("attention.") || wrong.contains("combine.") || wrong.contains("decoder."), wrong);
    }

    @Test
    void aModelFileFromBeforeAttentionLoadsWithoutIt() throws IOException {
        Path dir = saveChar("old");
        editConfig(dir, ",\n    \"attention\": \"NONE\"", "");          // as jrnn wrote it before attention
        assertTrue(!Files.readString(dir.resolve("config.json")).contains("attention"));
        assertEquals(Attention.Type.NONE, Seq2SeqFiles.load(dir).model().config().attention());
    }

    @Test
    void expectedShapesWithAttentionAreThoseOfTheModel() {
        for (Attention.Type type : Attention.Type.values()) {
            for (CellType cell : new CellType[] {CellType.LSTM, CellType.MIN_GRU}) {
                Seq2SeqConfig c = Seq2SeqConfig.of(13, 9, 5, 6, 2, 1).withCell(cell).withLayers(2).withAttention(type);
                Map<String, int[]> expected = Seq2SeqFiles.expectedShapes(c);
                Map<String, int[]> actual = TorchNames.shapesOf(new Seq2Seq(c));
                assertEquals(actual.keySet(), expected.keySet(), type + " " + cell);
                actual.forEach((n, sh) -> assertArrayEquals(sh, expected.get(n), type + " " + n));
            }
        }
    }
}
