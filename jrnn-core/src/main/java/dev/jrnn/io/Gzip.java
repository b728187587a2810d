package dev.jrnn.io;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Data files that may be gzipped (corpora, TSV pairs, CSV tables, GloVe and word2vec files): a file whose first two
 * bytes are the gzip magic {@code 1f 8b} is decompressed while it is read, whatever its name. A damaged gzip file
 * fails with one line that names it, {@code data.txt.gz: the gzip data is truncated (Unexpected end of ZLIB input
 * stream); download or copy the file again}, never with the bare message of {@link java.util.zip.Inflater}.
 */
public final class Gzip {
    private Gzip() {}

    /** Whether {@code head} starts with the gzip magic bytes. */
    public static boolean isGzip(byte[] head) {
        return head.length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b;
    }

    /**
     * The whole content of {@code file}, decompressed when it is gzipped.
     *
     * @param source the file as messages name it ({@code --data corpus.txt.gz})
     * @throws IOException naming {@code source} when the gzip data is truncated or corrupt
     */
    public static byte[] readAll(Path file, String source) throws IOException {
        try (InputStream in = open(file, source)) {
            return in.readAllBytes();
        }
    }

    /**
     * A buffered stream over {@code file}, decompressed when it is gzipped; errors of the compressed data name
     * {@code source}.
     */
    public static InputStream open(Path file, String source) throws IOException {
        InputStream raw = Files.newInputStream(file);
        try {
            return maybeGunzip(new BufferedInputStream(raw, 1 << 16), source);
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    /**
     * {@code in} itself, or, when its next bytes are the gzip magic, a stream of its decompressed content whose
     * errors name {@code source}. {@code in} must support {@link InputStream#mark}.
     */
    public static InputStream maybeGunzip(InputStream in, String source) throws IOException {
        if (!in.markSupported()) throw new IllegalArgumentException("Gzip.maybeGunzip: the stream must support mark()");
        in.mark(2);
        byte[] head = in.readNBytes(2);
        in.reset();
        if (!isGzip(head)) return in;
        GZIPInputStream gz;
        try {
            gz = new GZIPInputStream(in, 1 << 16);
        } catch (IOException e) {
            throw damaged(source, e);
        }
        return new BufferedInputStream(new Checked(gz, source), 1 << 16);
    }

    private static IOException damaged(String source, IOException e) {
        boolean truncated = e instanceof EOFException;
        String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new IOException(source + ": the gzip data is " + (truncated ? "truncated" : "corrupt") + " (" + why
                + "); download or copy the file again", e);
    }

    /** Turns the inflater's bare messages into one that names the file. */
    private static final class Checked extends FilterInputStream {
        private final String source;

        Checked(InputStream in, String source) {
            super(in);
            this.source = source;
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (EOFException | ZipException e) {
                throw damaged(source, e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (EOFException | ZipException e) {
                throw damaged(source, e);
            }
        }
    }
}
