package dev.jrnn.text;

import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.io.ModelFile;
import dev.jrnn.io.ModelFileException;
import dev.jrnn.text.PretrainedEmbeddings.Format;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sizes read from files (a word2vec header, a model's config.json) are checked against the file and the limits before
 * anything is allocated: one clear line, never an int overflow or an OutOfMemoryError.
 */
class HostileSizesTest {
    @TempDir
    Path tmp;

    /** {@code printf 'HEADER\nthe ' > f; head -c100 /dev/zero >> f}: a header, a word, 100 zero bytes. */
    private Path word2vecBinary(String name, String header) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes((header + "\nthe ").getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(new byte[100]);
        return Files.write(tmp.resolve(name), b.toByteArray());
    }

    private static String failure(Path f, Format format) {
        return assertThrows(FileFormatException.class, () -> PretrainedEmbeddings.load(f, format)).getMessage();
    }

    @Test
    void aWord2vecDimensionOfTwoToThe29IsRefusedNotOverflowed() throws IOException {
        Path w = word2vecBinary("w.bin", "1 600000000");                  // 4 * DIM overflowed: "jrnn: -1894967296"
        assertEquals(w + ":1: the header's DIM is 600000000, above the limit of 16777216 values per vector; the file is"
                + " damaged or not word2vec", failure(w, Format.WORD2VEC_BINARY));
        Path t = Files.writeString(tmp.resolve("w.txt"), "1 3000000000\nthe 1 2 3\n");
        assertEquals(t + ":1: the header's DIM is 3000000000, above the limit of 16777216 values per vector; the file is"
                + " damaged or not word2vec", failure(t, Format.WORD2VEC_TEXT));
    }

    @Test
    void aWord2vecHeaderLargerThanTheFileIsRefusedBeforeAllocating() throws IOException {
        Path w = word2vecBinary("short.bin", "1 500000000");               // 116 bytes that asked for 4 GB
        assertTrue(failure(w, Format.WORD2VEC_BINARY).startsWith(w + ":1: the header's DIM is 500000000, above the limit"));
        Path m = word2vecBinary("million.bin", "1 1000000");                // within the limit, but 4 MB in 104 bytes
        assertEquals(m + ":1: the header announces 1 word of 1000000 values (at least 4000002 bytes each), but only 104"
                + " bytes follow it; the file is truncated or the header is wrong", failure(m, Format.WORD2VEC_BINARY));
    }

    @Test
    void aTruncatedGzippedGloveFileIsNamed() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 5000; i++) sb.append("w").append(i).append(' ').append(i % 7).append(' ').append(i % 13).append('\n');
        byte[] gz = EmbeddingFiles.gzip(sb.toString().getBytes(StandardCharsets.UTF_8));
        Path f = EmbeddingFiles.write(tmp, "glove.txt.gz", Arrays.copyOf(gz, gz.length - 200));
        IOException e = assertThrows(IOException.class, () -> PretrainedEmbeddings.load(f, Format.GLOVE_TEXT));
        assertEquals(f + ": the gzip data is truncated (Unexpected end of ZLIB input stream); download or copy the file again",
                e.getMessage());
    }

    // ------------------------------------------------------------------ config.json sizes

    private Path savedModel() throws IOException {
        CharTokenizer t = new CharTokenizer();
        Vocabulary v = Vocabulary.builder().specials(SpecialToken.UNK).addAll(t.tokenize("the cat sat on the mat")).build();
        Path dir = tmp.resolve("lm");
        LanguageModelFiles.save(dir, new LanguageModel(LanguageModelConfig.of(v.size(), 4, 8).withCell(CellType.LSTM)),
                v, t, ModelFile.Provenance.unknown());
        return dir;
    }

    private static void edit(Path dir, String from, String to) throws IOException {
        Path c = dir.resolve("config.json");
        String s = Files.readString(c);
        assertTrue(s.contains(from), s);
        Files.writeString(c, s.replace(from, to));
    }

    @Test
    void configSizesAreCheckedAgainstTheLimitsBeforeAnyShapeIsComputed() throws IOException {
        Path dir = savedModel();
        String c = dir.resolve("config.json").toString();
        edit(dir, "\"num_layers\": 1", "\"num_layers\": 100000000");       // was an OutOfMemoryError listing 4e8 names
        assertEquals(c + ": field 'model.num_layers' is 100000000, above the limit of 1024",
                assertThrows(ModelFileException.class, () -> LanguageModelFiles.load(dir)).getMessage());
        edit(dir, "\"num_layers\": 100000000", "\"num_layers\": 1");
        edit(dir, "\"hidden_size\": 8", "\"hidden_size\": 2147483647");    // was the overflowed shape [-4, 32]
        assertEquals(c + ": field 'model.hidden_size' is 2147483647, above the limit of 16777216",
                assertThrows(ModelFileException.class, () -> LanguageModelFiles.load(dir)).getMessage());
        edit(dir, "\"hidden_size\": 2147483647", "\"hidden_size\": 0");
        assertEquals(c + ": field 'model.hidden_size' is 0, must be at least 1",
                assertThrows(ModelFileException.class, () -> LanguageModelFiles.load(dir)).getMessage());
        edit(dir, "\"hidden_size\": 0", "\"hidden_size\": 20000");         // within the limits: the weights file says no
        String m = assertThrows(ModelFileException.class, () -> LanguageModelFiles.load(dir)).getMessage();
        assertTrue(m.startsWith(dir.resolve("weights.safetensors") + ": does not match config.json: rnn.weight_ih_l0 has"
                + " shape [32, 4], expected [80000, 4]"), m);
    }

    @Test
    void aSeq2seqDecodingLimitAboveMaxLengthIsRefused() throws IOException {
        CharTokenizer t = new CharTokenizer();
        Vocabulary src = Vocabulary.builder().specials(SpecialToken.UNK).addAll(t.tokenize("abc")).build();
        Vocabulary tgt = Vocabulary.builder().specials(SpecialToken.UNK, SpecialToken.EOS, SpecialToken.BOS)
                .addAll(t.tokenize("xyz")).build();
        Seq2Seq model = new Seq2Seq(Seq2SeqConfig.of(src.size(), tgt.size(), 4, 6, tgt.bosId(), tgt.eosId()));
        Path dir = tmp.resolve("s2s");
        Seq2SeqFiles.save(dir, model, src, t, tgt, t, 12, ModelFile.Provenance.unknown());
        edit(dir, "\"max_length\": 12", "\"max_length\": 2000000000");
        assertEquals(dir.resolve("config.json") + ": field 'decoding.max_length' is 2000000000, above the limit of 10000"
                + " tokens (Seq2Seq.MAX_LENGTH)", assertThrows(ModelFileException.class, () -> Seq2SeqFiles.load(dir)).getMessage());
    }
}
