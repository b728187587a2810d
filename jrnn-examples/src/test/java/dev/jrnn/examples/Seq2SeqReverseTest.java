package dev.jrnn.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reversal experiment end to end on a tiny budget, and its scoring. The real run is in docs/results.md §8. */
class Seq2SeqReverseTest {
    @Test
    void runsWithAndWithoutAttentionAtEqualSizeAndWritesItsFiles(@TempDir Path dir) throws Exception {
        Seq2SeqReverse.Result r = Seq2SeqReverse.run(new Args("--attention", "none,luong-dot", "--hidden", "8", "--embed", "4",
                "--alphabet", "5", "--min-length", "3", "--max-length", "8", "--steps", "6", "--eval-every", "3", "--valid", "10",
                "--test", "20", "--bucket", "3", "--png", dir.resolve("w.png").toString(), "--csv", dir.resolve("r.csv").toString()));
        assertEquals(2, r.scores().size());
        assertArrayEquals(new int[] {3, 6}, r.bucketStarts(), "3-5, then 6-8 (the last bucket takes the remainder)");
        Seq2SeqReverse.Score none = r.scores().get(0), dot = r.scores().get(1);
        assertEquals("none", none.attention());
        assertTrue(none.parameters() <= dot.parameters() && none.hidden() >= 8, "equal size: " + none + " vs " + dot);
        for (Seq2SeqReverse.Score s : r.scores()) {
            assertEquals(6, s.steps());
            assertTrue(s.testTokenAccuracy() >= 0 && s.testTokenAccuracy() <= 1 && s.testExactMatch() >= 0, s.toString());
        }
        assertEquals(5, Files.readAllLines(dir.resolve("r.csv")).size(), "a header and two evaluations per model");
        assertTrue(Files.size(dir.resolve("w.png")) > 0, "the heat map of the attention model");
    }

    @Test
    void tokenAccuracyCountsMissingAndExtraTokensWrong() {
        assertEquals(2, Seq2SeqReverse.rightTokens(new int[] {1, 2, 9}, new int[] {1, 2, 3, 4}));
        assertEquals(1, Seq2SeqReverse.rightTokens(new int[] {1, 5, 3, 4, 4}, new int[] {1}));
        assertArrayEquals(new int[] {3, 2, 1}, Seq2SeqReverse.reversed(new int[] {1, 2, 3}));
        assertEquals(List.of(), Seq2SeqReverse.reversedAll(List.of()));
        assertThrows(IllegalArgumentException.class, () -> Seq2SeqReverse.run(new Args("--min-length", "9", "--max-length", "3")));
        assertThrows(IllegalArgumentException.class, () -> Seq2SeqReverse.run(new Args("--attention", "luong")));
    }
}
