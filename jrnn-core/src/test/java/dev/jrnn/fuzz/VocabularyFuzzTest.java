package dev.jrnn.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jrnn.text.SpecialToken;
import dev.jrnn.text.Vocabulary;
import dev.jrnn.text.WordTokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzzes {@link Vocabulary#load} on a {@code vocab.txt}; a vocabulary that loads must write back ({@link
 * Vocabulary#toText}) to text that reads as the same vocabulary. Seeded with files {@link Vocabulary#save} writes.
 */
class VocabularyFuzzTest {
    private static final Path FILE = FuzzSupport.scratch("vocab").resolve("vocab.txt");

    /** Vocabularies with every special, with none, with counts and escapes (tab, newline, backslash, non-ASCII). */
    static Stream<byte[]> seeds() {
        WordTokenizer t = WordTokenizer.builder().punctuation(WordTokenizer.Punctuation.SPLIT).build();
        Vocabulary all = Vocabulary.builder().specials(SpecialToken.values())
                .addTexts(List.of("the cat sat, the dog ran!", "na\u00efve caf\u00e9 \ud83d\ude00"), t).build();
        Vocabulary bare = Vocabulary.of(List.of("a\tb", "line\nbreak", "back\\slash", " "));
        return Stream.of(all, bare).map(v -> v.toText().getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void everySeedRoundTrips() throws Exception {
        for (byte[] seed : seeds().toList()) loadAndRoundTrip(seed);
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "5m")
    void load(byte[] data) throws Exception {
        FuzzSupport.expectSuccessOrRejection(FILE.toString(), () -> loadAndRoundTrip(data));
    }

    private static void loadAndRoundTrip(byte[] data) throws Exception {
        Files.write(FILE, data);
        Vocabulary v = Vocabulary.load(FILE);
        Vocabulary back = Vocabulary.fromText(v.toText(), "written back");
        if (!back.equals(v)) throw new AssertionError("written back as another vocabulary: " + v + " became " + back);
    }
}
