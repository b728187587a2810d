package dev.jrnn.text;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VocabularyTest {
    /** the×5, cat×3, dog×3, a×2, sat×2, mat×1, on×1; "cat" and "dog" tie, as do "a" and "sat", "mat" and "on". */
    private static final List<String> CORPUS = List.of(
            "the", "cat", "sat", "on", "the", "mat", "the", "dog", "sat", "the", "cat", "a", "dog", "a", "the", "cat", "dog");

    @Test
    void specialsFirstAtFixedIdsThenWordsByCountTiesAlphabetical() {
        Vocabulary v = Vocabulary.builder().addAll(CORPUS).build();
        assertEquals(List.of("<pad>", "<unk>", "<eos>", "the", "cat", "dog", "a", "sat", "mat", "on"), v.tokens());
        assertEquals(0, v.padId());
        assertEquals(1, v.unkId());
        assertEquals(2, v.eosId());
        assertEquals(-1, v.bosId());
        assertEquals(3, v.specialCount());
        assertEquals(5, v.count(v.id("the")));
        assertEquals(0, v.count(v.padId()));
        assertEquals(List.of("the", "cat", "dog", "a", "sat", "mat", "on"), v.words());

        Vocabulary withBos = Vocabulary.builder().bos(true).addAll(CORPUS).build();
        assertEquals(List.of("<pad>", "<unk>", "<eos>", "<bos>", "the"), withBos.tokens().subList(0, 5));
        assertEquals(3, withBos.bosId());
    }

    @Test
    void theOrderOfTheCorpusDoesNotMatter() {
        List<String> shuffled = new ArrayList<>(CORPUS);
        Collections.shuffle(shuffled, new Random(7));
        assertEquals(Vocabulary.builder().addAll(CORPUS).build(), Vocabulary.builder().addAll(shuffled).build());
    }

    @Test
    void tiesUseCodePointOrder() {
        // 'é' (U+00E9) < 'ｚ' (U+FF5A) < '𝔞' (U+1D51E) by code point; String.compareTo would put '𝔞' (surrogates
        // D835 DD1E) before 'ｚ'
        Vocabulary v = Vocabulary.builder().specials().addAll(List.of("𝔞", "ｚ", "é", "b")).build();
        assertEquals(List.of("b", "é", "ｚ", "𝔞"), v.tokens());
        assertTrue("𝔞".compareTo("ｚ") < 0);
    }

    @Test
    void minFreqDropsRareTokens() {
        Vocabulary v = Vocabulary.builder().minFreq(2).addAll(CORPUS).build();
        assertEquals(List.of("the", "cat", "dog", "a", "sat"), v.words());
        assertEquals(v.unkId(), v.id("mat"));
        assertFalse(v.contains("mat"));
        assertEquals(-1, v.indexOf("mat"));
    }

    @Test
    void maxSizeCountsTheSpecialsLikeKerasNumWords() {
        Vocabulary v = Vocabulary.builder().maxSize(6).addAll(CORPUS).build();
        assertEquals(6, v.size());
        assertEquals(List.of("the", "cat", "dog"), v.words());          // 6 ids - 3 specials = 3 words
        Vocabulary cutInATie = Vocabulary.builder().maxSize(5).addAll(CORPUS).build();
        assertEquals(List.of("the", "cat"), cutInATie.words());          // cat beats dog alphabetically
        assertEquals(3, Vocabulary.builder().maxSize(3).addAll(CORPUS).build().size());
        var e = assertThrows(IllegalArgumentException.class, () -> Vocabulary.builder().maxSize(2).addAll(CORPUS).build());
        assertTrue(e.getMessage().contains("maxSize=2") && e.getMessage().contains("counts the specials"), e.getMessage());
        Vocabulary both = Vocabulary.builder().minFreq(2).maxSize(100).addAll(CORPUS).build();
        assertEquals(8, both.size());
    }

    @Test
    void specialTokensInTheCorpusMapToTheSpecialsNotToNewWords() {
        Vocabulary v = Vocabulary.builder().addAll(List.of("a", "<unk>", "<unk>", "<eos>", "<bos>")).build();
        assertEquals(List.of("<pad>", "<unk>", "<eos>", "<bos>", "a"), v.tokens());   // <bos> is no special here: a word
        assertEquals(1, v.id("<unk>"));
        assertArrayEquals(new int[] {4, 1, 2, 1}, v.encode(List.of("a", "<unk>", "<eos>", "never-seen")));
    }

    @Test
    void encodeAndDecodeBothWays() {
        Vocabulary v = Vocabulary.builder().addAll(CORPUS).build();
        int[] ids = v.encode(List.of("the", "cat", "zebra", "<eos>"));
        assertArrayEquals(new int[] {3, 4, 1, 2}, ids);
        assertEquals(List.of("the", "cat", "<unk>", "<eos>"), v.decode(ids));
        var e = assertThrows(IndexOutOfBoundsException.class, () -> v.decode(new int[] {3, 10}));
        assertTrue(e.getMessage().contains("id 10 at position 1") && e.getMessage().contains("0..9"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> v.token(-1));
    }

    @Test
    void ofMakesAFixedVocabulary() {
        Vocabulary v = Vocabulary.of(List.of("x", "y"), SpecialToken.EOS, SpecialToken.PAD);
        assertEquals(List.of("<pad>", "<eos>", "x", "y"), v.tokens());
        assertEquals(-1, v.unkId());
        assertThrows(IllegalArgumentException.class, () -> Vocabulary.of(List.of("x", "x")));
        assertThrows(IllegalArgumentException.class, () -> Vocabulary.of(List.of("<pad>"), SpecialToken.PAD));
        assertThrows(IllegalArgumentException.class, () -> Vocabulary.of(List.of("")));
        var e = assertThrows(IllegalArgumentException.class, () -> v.id("z"));
        assertTrue(e.getMessage().contains("'z'") && e.getMessage().contains("no <unk>"), e.getMessage());
    }

    // ------------------------------------------------------------------ files

    @Test
    void saveAndLoadRoundTripWithUnicodeAndEscapes(@TempDir Path dir) throws IOException {
        List<String> odd = List.of("naïve", "日本", "😀", "tab\there", "new\nline", "cr\rx", "back\\slash", "\\t", "#hash",
                " lead", "trail ", "special:pad", "42", "\u00A0", "e\u0301");
        Vocabulary.Builder b = Vocabulary.builder().bos(true).addAll(CORPUS);
        for (int i = 0; i < odd.size(); i++) {
            b.add(odd.get(i), i + 1);
        }
        Vocabulary v = b.build();
        Path f = dir.resolve("vocab.txt");
        v.save(f);
        Vocabulary back = Vocabulary.load(f);
        assertEquals(v, back);
        assertEquals(v.tokens(), back.tokens());
        assertEquals(v.fingerprint(), back.fingerprint());
        assertEquals(v.bosId(), back.bosId());
        for (int id = 0; id < v.size(); id++) {
            assertEquals(v.count(id), back.count(id));
        }
        List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
        assertEquals(v.size() + 1, lines.size(), "one line per token: tabs and newlines inside tokens are escaped");
        assertEquals("#jrnn-vocabulary\tversion=1\tsize=" + v.size(), lines.get(0));
        assertEquals("<pad>\tspecial:pad", lines.get(1));
        assertTrue(lines.contains("tab\\there\t4"), lines.toString());
        assertTrue(lines.contains("back\\\\slash\t7"), lines.toString());
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(f), s.toList(), "no temporary file left behind");
        }
        assertNotEquals(v.fingerprint(), Vocabulary.builder().addAll(CORPUS).build().fingerprint());
    }

    @Test
    void emptyAndSpecialOnlyVocabulariesRoundTrip(@TempDir Path dir) throws IOException {
        for (Vocabulary v : List.of(Vocabulary.of(List.of()), Vocabulary.of(List.of(), SpecialToken.values()))) {
            Path f = dir.resolve("v.txt");
            v.save(f);
            assertEquals(v, Vocabulary.load(f));
        }
    }

    private static final String GOOD = "#jrnn-vocabulary\tversion=1\tsize=5\n<pad>\tspecial:pad\n<unk>\tspecial:unk\nthe\t10\ncat\t3\ndog\t3\n";

    @Test
    void theDocumentedExampleParses() throws IOException {
        Vocabulary v = Vocabulary.fromText(GOOD, "good.txt");
        assertEquals(List.of("<pad>", "<unk>", "the", "cat", "dog"), v.tokens());
        assertEquals(-1, v.eosId());
        assertEquals(GOOD, v.toText());
    }

    @Test
    void damagedFilesNameTheFileAndLine(@TempDir Path dir) throws IOException {
        assertBad(dir, "", ":1: empty file");
        assertBad(dir, "hello\n", ":1: not a jrnn vocabulary");
        assertBad(dir, "\uFEFF" + GOOD, ":1: the file starts with a byte-order mark");
        assertBad(dir, GOOD.replace("version=1", "version=2"), ":1: unsupported vocabulary format version '2'");
        assertBad(dir, GOOD.replace("size=5", "size=five"), ":1: the header's 'size=five' is not");
        assertBad(dir, GOOD.replace("size=5", "size=7"), ":7: the file ends here, but the header says size=7");
        assertBad(dir, GOOD.replace("size=5", "size=4"), ":6: more entries than the header's size=4");
        assertBad(dir, GOOD.replace("cat\t3", "cat 3"), ":5: expected TOKEN<TAB>COUNT");
        assertBad(dir, GOOD.replace("cat\t3", "cat\t3\tx"), ":5: expected TOKEN<TAB>COUNT");
        assertBad(dir, GOOD.replace("dog\t3", "the\t3"), ":6: token 'the' repeats line 4");
        assertBad(dir, GOOD.replace("cat\t3", "cat\t-3"), ":5: token 'cat': the count '-3' is not a non-negative");
        assertBad(dir, GOOD.replace("cat\t3", "cat\tmany"), ":5: token 'cat': the count 'many'");
        assertBad(dir, GOOD.replace("cat\t3", "c\\at\t3"), ":5: unknown escape \\a");
        assertBad(dir, GOOD.replace("cat\t3", "cat\\\t3"), ":5: the token ends with a lone backslash");
        assertBad(dir, GOOD.replace("cat\t3", "\t3"), ":5: empty token");
        assertBad(dir, GOOD.replace("cat\t3", "<eos>\tspecial:eos"), ":5: special 'eos' after the words");
        assertBad(dir, GOOD.replace("<pad>\tspecial:pad\n<unk>\tspecial:unk", "<unk>\tspecial:unk\n<pad>\tspecial:pad"),
                ":3: special 'pad' after 'unk'");
        assertBad(dir, GOOD.replace("<unk>\tspecial:unk", "[UNK]\tspecial:unk"), ":3: special 'unk' must be the token '<unk>'");
        assertBad(dir, GOOD.replace("special:unk", "special:mask"), ":3: unknown special role 'mask'");
        assertBad(dir, GOOD + "\n\nextra\t1\n", ":9: more entries");
        // invalid UTF-8 on line 5
        byte[] bytes = GOOD.replace("cat", "c@t").getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '@') {
                bytes[i] = (byte) 0xC3;                                  // a lead byte followed by 't': malformed
            }
        }
        Path f = dir.resolve("utf8.txt");
        Files.write(f, bytes);
        var e = assertThrows(FileFormatException.class, () -> Vocabulary.load(f));
        assertTrue(e.getMessage().startsWith(f + ":5: not valid UTF-8"), e.getMessage());
        assertEquals(5, e.line());
    }

    private static void assertBad(Path dir, String content, String expected) throws IOException {
        Path f = dir.resolve("bad.vocab");
        Files.writeString(f, content, StandardCharsets.UTF_8);
        var e = assertThrows(FileFormatException.class, () -> Vocabulary.load(f), content);
        assertTrue(e.getMessage().startsWith(f.toString() + expected), "expected '" + f + expected + "...', got: " + e.getMessage());
        assertEquals(f.toString(), e.file());
    }
}
