package dev.jrnn.train;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Function;

/**
 * Truncated-BPTT chunks read from a text file as training goes, for corpora too large to hold in memory.
 *
 * <p>The file is cut into {@code B} byte ranges of equal size, each moved forward to the next line start, and
 * each range is read by its own reader, line by line, through {@code encodeLine} (for example a tokenizer
 * and a vocabulary; a line's encoding should include its end-of-line token if the model needs one). Chunk
 * {@code i} holds steps {@code [i·k, i·k + k)} of every row and the next token as target, as
 * {@link TruncatedBptt} does for a corpus in memory; only {@code k + 1} tokens per row are held at a time.
 * The pass ends when the shortest row has no input-target pair left, so every chunk has all {@code B} rows
 * (the rows' tails differ by at most what the line alignment moved). With {@code B = 1} the chunks are
 * exactly those of {@code new TruncatedBptt(encodedFile, 1, k)}.
 *
 * <p>The constructor reads the file once to count the chunks (so the {@link Trainer} knows an epoch's steps, and a
 * bad line is reported before training starts); every epoch then reads it again from the start. It is a
 * {@link ChunkSource}, so {@link StepSource#chunks} makes it the steps of the trainer, with the state carried from
 * chunk to chunk as for a corpus in memory:
 * <pre>{@code
 * try (StreamingCorpus corpus = new StreamingCorpus(path, 20, 35, line -> vocab.encode(line, tokenizer))) {
 *     trainer.fit(StepSource.chunks(corpus, lm::chunkLoss, lm::stateOf), null);
 * }
 * }</pre>
 */
public final class StreamingCorpus implements ChunkSource, Closeable {
    private final Path file;
    private final int chunkLength;
    private final Function<String, int[]> encodeLine;
    private final long size;
    private final Row[] rows;
    private final int chunks;
    private int index;                                   // the chunk the rows are positioned at

    /**
     * Opens {@code B} readers over {@code file} and counts the chunks of one pass.
     *
     * @param file        a UTF-8 text file
     * @param batchSize   number of parallel rows {@code B}, &gt;= 1
     * @param chunkLength steps per chunk {@code k}, &gt;= 1
     * @param encodeLine  token ids of one line (without its line terminator)
     * @throws IOException when the file cannot be read or a line is not valid UTF-8 (naming the file and the line)
     * @throws IllegalArgumentException when a row would have fewer than 2 tokens (an input and its target)
     */
    public StreamingCorpus(Path file, int batchSize, int chunkLength, Function<String, int[]> encodeLine) throws IOException {
        if (batchSize < 1 || chunkLength < 1) {
            throw new IllegalArgumentException("StreamingCorpus: needs batchSize >= 1 and chunkLength >= 1, got "
                    + batchSize + " and " + chunkLength);
        }
        this.file = file;
        this.chunkLength = chunkLength;
        this.encodeLine = encodeLine;
        this.size = Files.size(file);
        this.rows = new Row[batchSize];
        long shortest = Long.MAX_VALUE;
        try {
            for (int b = 0; b < batchSize; b++) {
                try (Row r = openRow(b)) {
                    shortest = Math.min(shortest, r.drain());
                }
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        if (shortest < 2) {
            throw new IllegalArgumentException("StreamingCorpus: " + file + " gives rows of " + shortest + " tokens for batchSize "
                    + batchSize + "; each row needs >= 2 (an input and its target)");
        }
        this.chunks = (int) Math.min(Integer.MAX_VALUE, (shortest - 1 + chunkLength - 1) / chunkLength);
        rewind();
    }

    private Row openRow(int b) throws IOException {
        return new Row(file, size * b / rows.length, size * (b + 1) / rows.length, encodeLine, chunkLength + 1);
    }

    /** Every row back to its start. */
    private void rewind() throws IOException {
        close();
        try {
            for (int b = 0; b < rows.length; b++) rows[b] = openRow(b);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        index = 0;
    }

    @Override
    public int rows() {
        return rows.length;
    }

    @Override
    public int chunkLength() {
        return chunkLength;
    }

    @Override
    public int chunks() {
        return chunks;
    }

    /**
     * Chunk {@code i}: the next one read from the rows when {@code i} is the next chunk (a pass in order reads the
     * file once); an earlier {@code i} reads from the start again, a later one skips ahead.
     */
    @Override
    public TruncatedBptt.Chunk chunk(int i) throws IOException {
        if (i < 0 || i >= chunks) {
            throw new IndexOutOfBoundsException("StreamingCorpus.chunk: " + i + " of " + chunks + " chunks");
        }
        if (i < index) rewind();
        while (index < i) next();
        return next();
    }

    private TruncatedBptt.Chunk next() throws IOException {
        int len = chunkLength;
        for (Row r : rows) {
            len = Math.min(len, r.available() - 1);   // a row needs len inputs and their len targets
        }
        if (len < 1) {
            throw new IOException(file + ": changed while it was read (chunk " + index + " of " + chunks + " is missing)");
        }
        int b = rows.length;
        int[] in = new int[b * len], tg = new int[b * len];
        for (int r = 0; r < b; r++) {
            rows[r].copy(in, tg, r * len, len);
        }
        return new TruncatedBptt.Chunk(index++, in, tg, b, len);
    }

    @Override
    public String describe() {
        return file.getFileName() + " read as it goes: " + rows.length + " rows (" + chunks + " chunks of " + chunkLength + ")";
    }

    /** Closes every reader. */
    @Override
    public void close() throws IOException {
        IOException first = null;
        for (int b = 0; b < rows.length; b++) {
            if (rows[b] == null) continue;
            try {
                rows[b].close();
            } catch (IOException e) {
                if (first == null) first = e;
            }
            rows[b] = null;
        }
        if (first != null) throw first;
    }

    @Override
    public String toString() {
        return "StreamingCorpus(" + file + ", B=" + rows.length + ", k=" + chunkLength + ", next chunk " + index + ")";
    }

    /** One row: the lines that start in {@code [start, end)}, encoded as they are needed. */
    private static final class Row implements Closeable {
        private final InputStream in;
        private final Path file;
        private final Function<String, int[]> encodeLine;
        private final long start;
        private final long end;
        private final int want;
        private long pos;
        private long lineNumber;
        private boolean eof;
        private int[] buf = new int[64];
        private int head;
        private int tail;

        Row(Path file, long start, long end, Function<String, int[]> encodeLine, int want) throws IOException {
            // A line starts at `start` only if the byte before it ends a line: read from there and drop the
            // partial line (or just that newline), which belongs to the row before.
            this.pos = Math.max(0, start - 1);
            FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
            ch.position(pos);
            this.in = new BufferedInputStream(Channels.newInputStream(ch), 1 << 16);
            this.file = file;
            this.start = start;
            this.end = end;
            this.encodeLine = encodeLine;
            this.want = want;
            if (start > 0) {
                readLine();
            }
        }

        /** Tokens buffered after reading lines until {@code want} are there or the range is used up. */
        int available() throws IOException {
            while (tail - head < want && !eof) {
                if (pos >= end) {
                    eof = true;
                    break;
                }
                byte[] line = readLine();
                if (line == null) {
                    eof = true;
                    break;
                }
                lineNumber++;
                push(encodeLine.apply(decode(line)));
            }
            return tail - head;
        }

        /** Reads the rest of the range, keeping nothing; returns the number of tokens it held. */
        long drain() throws IOException {
            long n = 0;
            while (available() > 0) {
                n += tail - head;
                head = tail;
            }
            return n;
        }

        /** Copies {@code len} inputs and their targets, then drops the inputs (the last target stays as the next input). */
        void copy(int[] inputs, int[] targets, int off, int len) {
            System.arraycopy(buf, head, inputs, off, len);
            System.arraycopy(buf, head + 1, targets, off, len);
            head += len;
        }

        private void push(int[] ids) {
            if (tail + ids.length > buf.length) {
                int live = tail - head;
                int[] nb = live + ids.length > buf.length / 2 ? new int[Math.max(2 * buf.length, live + ids.length)] : buf;
                System.arraycopy(buf, head, nb, 0, live);
                buf = nb;
                head = 0;
                tail = live;
            }
            System.arraycopy(ids, 0, buf, tail, ids.length);
            tail += ids.length;
        }

        /** The next line's bytes without its terminator ({@code \n} or {@code \r\n}), or null at end of file. */
        private byte[] readLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream(128);
            int c;
            boolean any = false;
            while ((c = in.read()) != -1) {
                pos++;
                any = true;
                if (c == '\n') break;
                line.write(c);
            }
            if (!any) return null;
            byte[] bytes = line.toByteArray();
            if (bytes.length > 0 && bytes[bytes.length - 1] == '\r') {
                bytes = java.util.Arrays.copyOf(bytes, bytes.length - 1);
            }
            return bytes;
        }

        private String decode(byte[] bytes) throws IOException {
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                throw new IOException(file + ": line " + lineNumber + " of the range starting at byte " + start
                        + " is not valid UTF-8", e);
            }
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
