package dev.jrnn.text;

import dev.jrnn.nn.Embedding;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.text.PretrainedEmbeddings.Format;
import dev.jrnn.text.PretrainedEmbeddings.LoadOptions;
import dev.jrnn.text.PretrainedEmbeddings.MapOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PretrainedEmbeddingsTest {
    private static final Map<String, float[]> SAMPLE = EmbeddingFiles.sample();

    @TempDir
    Path dir;

    private static void assertSample(PretrainedEmbeddings e) {
        assertEquals(List.copyOf(SAMPLE.keySet()), e.words());
        assertEquals(3, e.dim());
        for (var w : SAMPLE.entrySet()) {
            assertArrayEquals(w.getValue(), e.vector(w.getKey()), w.getKey());
        }
        NdArray m = e.matrix();
        assertArrayEquals(new int[] {4, 3}, m.shape());
        assertEquals(-4f, m.get(3, 2));
    }

    @Test
    void readsAllThreeFormatsPlainAndGzipped() throws IOException {
        String glove = EmbeddingFiles.gloveText(SAMPLE);
        String w2vText = EmbeddingFiles.word2vecText(SAMPLE);
        byte[] w2vBin = EmbeddingFiles.word2vecBinary(SAMPLE, true);
        byte[] w2vBinNoNewlines = EmbeddingFiles.word2vecBinary(SAMPLE, false);
        Object[][] cases = {
                {"g.txt", glove.getBytes(StandardCharsets.UTF_8), Format.GLOVE_TEXT},
                {"g.txt.gz", EmbeddingFiles.gzip(glove.getBytes(StandardCharsets.UTF_8)), Format.GLOVE_TEXT},
                {"w.txt", w2vText.getBytes(StandardCharsets.UTF_8), Format.WORD2VEC_TEXT},
                {"w.txt.gz", EmbeddingFiles.gzip(w2vText.getBytes(StandardCharsets.UTF_8)), Format.WORD2VEC_TEXT},
                {"w.bin", w2vBin, Format.WORD2VEC_BINARY},
                {"w-no-newlines.bin", w2vBinNoNewlines, Format.WORD2VEC_BINARY},
                {"w.bin.gz", EmbeddingFiles.gzip(w2vBin), Format.WORD2VEC_BINARY},
                {"crlf.txt", glove.replace("\n", " \r\n").getBytes(StandardCharsets.UTF_8), Format.GLOVE_TEXT},
        };
        for (Object[] c : cases) {
            Path f = EmbeddingFiles.write(dir, (String) c[0], (byte[]) c[1]);
            Format fmt = (Format) c[2];
            PretrainedEmbeddings e = PretrainedEmbeddings.load(f, fmt);
            assertSample(e);
            assertEquals(fmt, e.format());
            assertEquals(4, e.entriesRead());
            assertEquals(fmt, PretrainedEmbeddings.detectFormat(f), "detected format of " + c[0]);
            assertSample(PretrainedEmbeddings.load(f));
        }
    }

    @Test
    void limitExpectedDimAndKeepFilter() throws IOException {
        Path f = EmbeddingFiles.write(dir, "w.bin", EmbeddingFiles.word2vecBinary(SAMPLE, true));
        PretrainedEmbeddings two = PretrainedEmbeddings.load(f, Format.WORD2VEC_BINARY, LoadOptions.all().limit(2));
        assertEquals(List.of("the", "cat"), two.words());
        assertEquals(2, two.entriesRead());
        Vocabulary v = Vocabulary.of(List.of("Cat", "😀", "dog"), SpecialToken.PAD, SpecialToken.UNK);
        PretrainedEmbeddings some = PretrainedEmbeddings.load(f, Format.WORD2VEC_BINARY, LoadOptions.all().keepOnly(v, false));
        assertEquals(List.of("😀"), some.words());
        assertEquals(4, some.entriesRead(), "every entry is read and checked");
        assertEquals(List.of("cat", "😀"), PretrainedEmbeddings.load(f, Format.WORD2VEC_BINARY,
                LoadOptions.all().keepOnly(v, true)).words());
        assertEquals(3, PretrainedEmbeddings.load(f, Format.WORD2VEC_BINARY, LoadOptions.all().expectedDim(3)).dim());
        var e = assertThrows(FileFormatException.class,
                () -> PretrainedEmbeddings.load(f, Format.WORD2VEC_BINARY, LoadOptions.all().expectedDim(50)));
        assertTrue(e.getMessage().startsWith(f + ":1: the vectors have 3 values (as the header says), but 50 were expected"), e.getMessage());
        Path g = EmbeddingFiles.write(dir, "g.txt", EmbeddingFiles.gloveText(SAMPLE));
        e = assertThrows(FileFormatException.class,
                () -> PretrainedEmbeddings.load(g, Format.GLOVE_TEXT, LoadOptions.all().expectedDim(50)));
        assertTrue(e.getMessage().startsWith(g + ":1: word 'the': the vectors have 3 values (the dimension of line 1), but 50"),
                e.getMessage());
    }

    @Test
    void duplicateWordsKeepTheFirstVector() throws IOException {
        Path f = EmbeddingFiles.write(dir, "dup.txt", "a 1 2\nb 3 4\na 5 6\n");
        PretrainedEmbeddings e = PretrainedEmbeddings.load(f, Format.GLOVE_TEXT);
        assertEquals(List.of("a", "b"), e.words());
        assertArrayEquals(new float[] {1, 2}, e.vector("a"));
        assertEquals(1, e.duplicatesSkipped());
        assertEquals(3, e.entriesRead());
    }

    // ------------------------------------------------------------------ malformed files

    private FileFormatException bad(String name, String content, Format format) throws IOException {
        return bad(name, content.getBytes(StandardCharsets.UTF_8), format);
    }

    private FileFormatException bad(String name, byte[] content, Format format) throws IOException {
        Path f = EmbeddingFiles.write(dir, name, content);
        return assertThrows(FileFormatException.class, () -> PretrainedEmbeddings.load(f, format));
    }

    private void assertMessage(FileFormatException e, String name, String expected) {
        String full = dir.resolve(name) + expected;
        assertTrue(e.getMessage().startsWith(full), "expected '" + full + "...', got: " + e.getMessage());
    }

    @Test
    void malformedGloveLinesNameFileLineAndWord() throws IOException {
        String good = EmbeddingFiles.gloveText(SAMPLE);
        String[] lines = good.split("\n");
        assertMessage(bad("short.txt", good.replace(lines[2], "naïve -0.75 0"), Format.GLOVE_TEXT),
                "short.txt", ":3: word 'naïve': 2 values, expected 3 (the dimension of line 1)");
        var long_ = bad("long.txt", good.replace(lines[1], lines[1] + " 7"), Format.GLOVE_TEXT);
        assertMessage(long_, "long.txt", ":2: word 'cat': 4 values, expected 3 (the dimension of line 1); a word with a space");
        assertEquals(2, long_.line());
        assertMessage(bad("nan.txt", good.replace("0.125", "abc"), Format.GLOVE_TEXT),
                "nan.txt", ":2: word 'cat': value 1 of 3, 'abc', is not a number");
        assertMessage(bad("inf.txt", good.replace("-1.5", "Infinity"), Format.GLOVE_TEXT),
                "inf.txt", ":2: word 'cat': value 3 of 3 is Infinity (not finite)");
        assertMessage(bad("blank.txt", good.replace(lines[1] + "\n", "\n"), Format.GLOVE_TEXT),
                "blank.txt", ":2: empty line");
        assertMessage(bad("noval.txt", "lonely\n", Format.GLOVE_TEXT), "noval.txt", ":1: word 'lonely' has no values");
        assertMessage(bad("empty.txt", "", Format.GLOVE_TEXT), "empty.txt", ": no vectors in the file");
        assertMessage(bad("w2v-as-glove.txt", EmbeddingFiles.word2vecText(SAMPLE), Format.GLOVE_TEXT), "w2v-as-glove.txt",
                ":2: word 'the': 3 values, expected 1 (the dimension of line 1); a word with a space in it, or two lines run"
                        + " together?; line 1 looks like a word2vec header 'COUNT DIM': load the file as WORD2VEC_TEXT");
        byte[] latin1 = good.replace("naïve", "na\u00EFve").getBytes(StandardCharsets.ISO_8859_1);
        assertMessage(bad("latin1.txt", latin1, Format.GLOVE_TEXT), "latin1.txt", ":3: not valid UTF-8");
    }

    @Test
    void malformedWord2vecTextFiles() throws IOException {
        String good = EmbeddingFiles.word2vecText(SAMPLE);
        assertMessage(bad("hdr.txt", good.replaceFirst("4 3", "four 3"), Format.WORD2VEC_TEXT),
                "hdr.txt", ":1: expected the word2vec header 'COUNT DIM'");
        assertMessage(bad("glove-as-w2v.txt", EmbeddingFiles.gloveText(SAMPLE), Format.WORD2VEC_TEXT),
                "glove-as-w2v.txt", ":1: expected the word2vec header 'COUNT DIM' (two whole numbers, DIM > 0), got 'the 0.5");
        assertMessage(bad("dim.txt", good.replaceFirst("4 3", "4 5"), Format.WORD2VEC_TEXT),
                "dim.txt", ":2: word 'the': 3 values, expected 5 (as the header says)");
        assertMessage(bad("fewer.txt", good.replaceFirst("4 3", "6 3"), Format.WORD2VEC_TEXT),
                "fewer.txt", ":6: the file ends after 4 of the 6 words its header announces");
        assertMessage(bad("more.txt", good.replaceFirst("4 3", "3 3"), Format.WORD2VEC_TEXT),
                "more.txt", ":5: more lines than the 3 words the header announces");
        // with a limit, a truncated tail is never reached
        Path f = EmbeddingFiles.write(dir, "fewer-limited.txt", good.replaceFirst("4 3", "6 3"));
        assertEquals(2, PretrainedEmbeddings.load(f, Format.WORD2VEC_TEXT, LoadOptions.all().limit(2)).size());
    }

    @Test
    void malformedWord2vecBinaryFilesNameTheEntry() throws IOException {
        byte[] good = EmbeddingFiles.word2vecBinary(SAMPLE, true);
        // header 4 bytes "4 3\n"; entries: "the "+12+"\n" = 17 bytes at offset 4, "cat ..." at 21, "naïve ..." at 38
        byte[] cut = Arrays.copyOf(good, 38 + 7 + 8);                    // "naïve " is 7 bytes, then 2 of 3 floats
        assertMessage(bad("cut.bin", cut, Format.WORD2VEC_BINARY), "cut.bin",
                ": entry 3 of 4 (byte offset 38), word 'naïve': the file ends after 2 of 3 floats (8 of 12 bytes); it is truncated");
        assertMessage(bad("cutword.bin", Arrays.copyOf(good, 40), Format.WORD2VEC_BINARY), "cutword.bin",
                ": entry 3 of 4 (byte offset 38): the file ends inside the word after 2 of the 4 words its header announces");
        assertMessage(bad("cutentry.bin", Arrays.copyOf(good, 38), Format.WORD2VEC_BINARY), "cutentry.bin",
                ": entry 3 of 4 (byte offset 38): the file ends after 2 of the 4 words");
        byte[] moreCount = good.clone();
        moreCount[0] = '5';
        assertMessage(bad("count.bin", moreCount, Format.WORD2VEC_BINARY), "count.bin",
                ": entry 5 of 5 (byte offset " + good.length + "): the file ends after 4 of the 5 words");
        byte[] fewerCount = good.clone();
        fewerCount[0] = '3';                                              // entry 3 spans bytes 38..57, entry 4 starts at 58
        assertMessage(bad("extra.bin", fewerCount, Format.WORD2VEC_BINARY), "extra.bin",
                ": byte offset 58: more data after the 3 words the header announces");
        byte[] wrongDim = good.clone();
        wrongDim[2] = '2';                                                // reading 2 floats per word goes out of step
        FileFormatException e = bad("dim.bin", wrongDim, Format.WORD2VEC_BINARY);
        assertTrue(e.getMessage().contains("entry 2 of 4") || e.getMessage().contains("entry 3 of 4"), e.getMessage());
        assertMessage(bad("hdr.bin", ("x y\n" + "junk").getBytes(StandardCharsets.US_ASCII), Format.WORD2VEC_BINARY),
                "hdr.bin", ":1: expected the word2vec header 'COUNT DIM'");
        assertMessage(bad("empty.bin", new byte[0], Format.WORD2VEC_BINARY), "empty.bin", ":1: empty file");
        byte[] nan = good.clone();
        int firstFloatOfCat = 21 + 4;
        nan[firstFloatOfCat] = 0;
        nan[firstFloatOfCat + 1] = 0;
        nan[firstFloatOfCat + 2] = (byte) 0xC0;
        nan[firstFloatOfCat + 3] = 0x7F;                                  // 0x7FC00000: NaN
        assertMessage(bad("nan.bin", nan, Format.WORD2VEC_BINARY), "nan.bin",
                ": entry 2 of 4 (byte offset 21), word 'cat': value 1 of 3 is NaN (not finite)");
    }

    // ------------------------------------------------------------------ onto a vocabulary

    private PretrainedEmbeddings sample() throws IOException {
        return PretrainedEmbeddings.load(EmbeddingFiles.write(dir, "g.txt", EmbeddingFiles.gloveText(SAMPLE)), Format.GLOVE_TEXT);
    }

    @Test
    void mapOntoAVocabularyReportsCoverage() throws IOException {
        PretrainedEmbeddings e = sample();
        Vocabulary v = Vocabulary.builder().add("the", 10).add("cat", 5).add("Naïve", 4).add("dog", 3).add("zebra", 1).build();
        assertEquals(List.of("<pad>", "<unk>", "<eos>", "the", "cat", "Naïve", "dog", "zebra"), v.tokens());
        EmbeddingMatrix m = e.map(v);
        EmbeddingCoverage c = m.coverage();
        assertEquals(5, c.words());
        assertEquals(2, c.found());
        assertEquals(3, c.missing());
        assertEquals(List.of("Naïve", "dog", "zebra"), c.missingSample());
        assertEquals(0.4, c.wordCoverage(), 1e-12);
        assertEquals(15.0 / 23, c.tokenCoverage(), 1e-12);
        assertEquals("found 2 of 5 words (40.0%; 65.2% of corpus tokens); missing: Naïve, dog, zebra", c.toString());
        NdArray w = m.weights();
        assertArrayEquals(new int[] {8, 3}, w.shape());
        assertEquals(DType.FLOAT32, w.dtype());
        assertArrayEquals(SAMPLE.get("cat"), w.select(0, v.id("cat")).toFloatArray());
        assertEquals(0, w.select(0, v.padId()).sumOfSquares(), "<pad> is zero");
        for (int id : new int[] {v.unkId(), v.eosId(), v.id("dog"), v.id("zebra")}) {
            NdArray row = w.select(0, id);
            assertTrue(row.sumOfSquares() > 0, "missing rows get small random values");
            assertTrue(row.abs().max(0, false).item() <= 0.05, "within [-0.05, 0.05]");
        }
        assertTrue(w.allClose(e.map(v).weights(), 0, 0), "the same seed gives the same matrix");
        assertNotEquals(0, w.maxAbsDiff(e.map(v, MapOptions.defaults().uniform(0.05, 1)).weights()));

        EmbeddingMatrix lower = e.map(v, MapOptions.defaults().zeros().lowercaseFallback(true).sampleSize(1).dtype(DType.FLOAT64));
        assertEquals(3, lower.coverage().found());
        assertEquals(1, lower.coverage().foundLowercased());
        assertEquals(List.of("dog"), lower.coverage().missingSample());
        assertTrue(lower.coverage().toString().endsWith("1 by lower-casing; missing: dog, … (+1 more)"), lower.coverage().toString());
        assertArrayEquals(new double[] {-0.75, 0, 0.0625}, lower.weights().select(0, v.id("Naïve")).toDoubleArray());
        assertEquals(0, lower.weights().select(0, v.id("zebra")).sumOfSquares());
        assertEquals(DType.FLOAT64, lower.weights().dtype());
    }

    @Test
    void buildsAFrozenOrTrainableEmbeddingWithThePaddingRow() throws IOException {
        PretrainedEmbeddings e = sample();
        Vocabulary v = Vocabulary.of(List.of("cat", "the", "dog"), SpecialToken.PAD, SpecialToken.UNK);
        Embedding frozen = e.embedding(v, true);
        assertTrue(frozen.weight().isFrozen());
        assertEquals(0, frozen.paddingIdx());
        assertEquals(4 + 1, frozen.vocabSize());
        assertArrayEquals(SAMPLE.get("the"), frozen.forward(new int[] {v.id("the")}).data().toFloatArray());
        Embedding trainable = e.map(v).toEmbedding(false);
        assertFalse(trainable.weight().isFrozen());
        assertEquals(3, trainable.dim());
    }

    @Test
    void theWordsOfAFileFormAVocabulary() throws IOException {
        PretrainedEmbeddings e = sample();
        Vocabulary v = e.vocabulary();
        assertEquals(e.words(), v.tokens());
        assertEquals(0, v.specialCount());
        List<Neighbour> n = e.similarity().nearest("cat", 3);
        assertEquals(List.of("😀", "naïve", "the"), n.stream().map(Neighbour::word).toList());
        assertEquals(Similarity.cosine(SAMPLE.get("cat"), SAMPLE.get("😀")), n.get(0).similarity(), 1e-7);
        var ex = assertThrows(IllegalArgumentException.class, () -> e.vector("dog"));
        assertTrue(ex.getMessage().contains("'dog' is not among the 4 words read from"), ex.getMessage());
    }
}
