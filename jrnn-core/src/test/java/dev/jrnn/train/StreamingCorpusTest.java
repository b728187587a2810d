package dev.jrnn.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StreamingCorpusTest {
    /** Characters as ids, and 0 for the end of a line. */
    private static final Function<String, int[]> CHARS = line -> {
        int[] ids = new int[line.length() + 1];
        for (int i = 0; i < line.length(); i++) ids[i] = line.charAt(i);
        return ids;
    };

    private static Path text(Path dir, int lines) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines; i++) sb.append("line ").append(i).append(i % 3 == 0 ? " of the stream\n" : "\r\n");
        Path p = dir.resolve("corpus.txt");
        Files.writeString(p, sb, StandardCharsets.UTF_8);
        return p;
    }

    private static int[] encodeAll(Path p) throws IOException {
        List<Integer> ids = new ArrayList<>();
        for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) for (int id : CHARS.apply(line)) ids.add(id);
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void oneRowGivesExactlyTheChunksOfTheCorpusInMemory(@TempDir Path dir) throws IOException {
        Path p = text(dir, 40);
        TruncatedBptt memory = new TruncatedBptt(encodeAll(p), 1, 7);
        try (StreamingCorpus stream = new StreamingCorpus(p, 1, 7, CHARS)) {
            assertEquals(memory.chunks(), stream.chunks());
            for (int pass = 0; pass < 2; pass++) {                 // the second pass reads the file from the start again
                for (int i = 0; i < memory.chunks(); i++) {
                    TruncatedBptt.Chunk a = memory.chunk(i), b = stream.chunk(i);
                    assertEquals(a.length(), b.length(), "chunk " + i);
                    assertArrayEquals(a.inputs(), b.inputs(), "chunk " + i);
                    assertArrayEquals(a.targets(), b.targets(), "chunk " + i);
                }
            }
            int last = memory.chunks() - 1;                          // out of order: skips ahead, rewinds
            assertArrayEquals(memory.chunk(last).inputs(), stream.chunk(last).inputs());
            assertArrayEquals(memory.chunk(3).inputs(), stream.chunk(3).inputs());
            assertThrows(IndexOutOfBoundsException.class, () -> stream.chunk(memory.chunks()));
        }
    }

    @Test
    void rowsReadWholeLinesFromTheirOwnPartOfTheFileAndTogetherCoverIt(@TempDir Path dir) throws IOException {
        Path p = text(dir, 300);
        int b = 4, k = 9;
        List<List<Integer>> rows = new ArrayList<>();
        for (int r = 0; r < b; r++) rows.add(new ArrayList<>());
        int chunks = 0;
        try (StreamingCorpus stream = new StreamingCorpus(p, b, k, CHARS)) {
            for (int i = 0; i < stream.chunks(); i++, chunks++) {
                TruncatedBptt.Chunk c = stream.chunk(i);
                assertEquals(b, c.batch());
                for (int r = 0; r < b; r++) {
                    for (int t = 0; t < c.length(); t++) {
                        rows.get(r).add(c.inputs()[r * c.length() + t]);
                        if (t + 1 < c.length()) {
                            assertEquals(c.inputs()[r * c.length() + t + 1], c.targets()[r * c.length() + t], "targets are shifted inputs");
                        }
                    }
                }
            }
        }
        assertTrue(chunks > 10);
        int[] all = encodeAll(p);
        String whole = new String(all, 0, all.length);
        int from = 0;
        for (int r = 0; r < b; r++) {
            int[] ids = rows.get(r).stream().mapToInt(Integer::intValue).toArray();
            String row = new String(ids, 0, ids.length);
            int at = whole.indexOf(row, from);
            assertTrue(at >= 0, "row " + r + " is a contiguous run of the corpus, after the previous row");
            assertTrue(at == 0 || whole.charAt(at - 1) == 0, "row " + r + " starts at a line start");
            from = at + row.length();
        }
        // Rows are cut at the shortest one, so together they cover all but a few lines' worth of the file.
        int covered = rows.stream().mapToInt(List::size).sum();
        assertTrue(covered > all.length * 0.9, covered + " of " + all.length);
    }

    @Test
    void invalidUtf8IsReportedWithTheFile(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("bad.txt");
        Files.write(p, new byte[] {'a', 'b', '\n', (byte) 0xC3, (byte) 0x28, '\n'});
        IOException bad = assertThrows(IOException.class, () -> new StreamingCorpus(p, 1, 4, CHARS));   // found when counting
        assertEquals(p + ": line 2 of the range starting at byte 0 is not valid UTF-8", bad.getMessage());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new StreamingCorpus(p, 0, 4, CHARS));
        assertEquals("StreamingCorpus: needs batchSize >= 1 and chunkLength >= 1, got 0 and 4", e.getMessage());
        Path tiny = dir.resolve("tiny.txt");
        Files.writeString(tiny, "a\n");
        e = assertThrows(IllegalArgumentException.class, () -> new StreamingCorpus(tiny, 2, 4, CHARS));
        assertEquals("StreamingCorpus: " + tiny + " gives rows of 0 tokens for batchSize 2; each row needs >= 2"
                + " (an input and its target)", e.getMessage());
    }
}
