package dev.jrnn.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Gzipped data files are read transparently; a damaged one is named, and called truncated or corrupt. */
class GzipTest {
    @TempDir
    Path tmp;

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(b)) {
            gz.write(data);
        }
        return b.toByteArray();
    }

    static byte[] text() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 20_000; i++) sb.append("line ").append(i * 7919 % 10007).append('\n');   // compresses to ~40 KB
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void plainAndGzippedFilesReadTheSame() throws IOException {
        byte[] t = text();
        Path plain = Files.write(tmp.resolve("a.txt"), t), gz = Files.write(tmp.resolve("a.txt.gz"), gzip(t));
        assertArrayEquals(t, Gzip.readAll(plain, "a"));
        assertArrayEquals(t, Gzip.readAll(gz, "b"));
    }

    @Test
    void aTruncatedGzipFileIsNamed() throws IOException {
        byte[] z = gzip(text());
        Path cut = Files.write(tmp.resolve("corpus.txt.gz"), Arrays.copyOf(z, z.length / 2));
        IOException e = assertThrows(IOException.class, () -> Gzip.readAll(cut, "--data " + cut));
        assertEquals("--data " + cut + ": the gzip data is truncated (Unexpected end of ZLIB input stream); download or copy"
                + " the file again", e.getMessage());
    }

    @Test
    void aCorruptGzipFileIsNamed() throws IOException {
        byte[] z = gzip(text());
        for (int i = 40; i < z.length - 40; i += 3) z[i] ^= 0x5A;                   // the deflate stream, not the header
        Path bad = Files.write(tmp.resolve("pairs.tsv.gz"), z);
        IOException e = assertThrows(IOException.class, () -> Gzip.readAll(bad, bad.toString()));
        assertTrue(e.getMessage().startsWith(bad + ": the gzip data is corrupt ("), e.getMessage());
    }
}
