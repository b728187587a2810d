package dev.jrnn.text;

import dev.jrnn.io.Gzip;
import dev.jrnn.io.Limits;
import dev.jrnn.nn.Embedding;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Word vectors trained elsewhere (GloVe, word2vec), read from their usual files, to initialise an
 * {@link Embedding} (transfer learning with word embeddings as in Ng's <i>Sequence Models</i> course, week 2: a
 * pretrained Word2Vec or GloVe table, optionally frozen).
 *
 * <h2>Formats</h2>
 * <ul>
 *   <li>{@link Format#GLOVE_TEXT}: one word per line, {@code word v1 v2 … vd}, no header; the dimension is
 *       that of the first line;</li>
 *   <li>{@link Format#WORD2VEC_TEXT}: a header line {@code count dim}, then {@code count} lines as GloVe's;</li>
 *   <li>{@link Format#WORD2VEC_BINARY}: a header line {@code count dim\n} (ASCII), then per word: its UTF-8
 *       bytes, a space, {@code dim} little-endian float32 values, and optionally a {@code \n} (the original
 *       C tool writes one; gensim too).</li>
 * </ul>
 * Any of them may be gzipped: a file that starts with the gzip magic bytes is decompressed while reading,
 * whatever its name. Text lines are UTF-8; fields are separated by spaces or tabs (runs count as one, and
 * trailing whitespace and {@code \r} are ignored), so a word cannot contain a space (GloVe 840B's few such
 * lines are reported as malformed). Numbers are parsed by {@link Float#parseFloat} and must be finite.
 *
 * <h2>Streaming, validation</h2>
 * Files are read as a stream, one line (or entry) at a time, never whole into memory; only the kept vectors
 * are stored ({@code float32}, one array). {@link LoadOptions} can stop after the first {@code limit} entries
 * (the files are ordered by frequency) and keep only the words a vocabulary needs, which is how a large file
 * (GloVe 840B, GoogleNews) is best loaded. Every line is checked; a problem throws a
 * {@link FileFormatException} naming the file, the line (for binary files the entry and byte offset) and the
 * word: a wrong number of values, a value that is not a finite number, a header that is not {@code count dim},
 * fewer or more entries than the header announces, a truncated binary entry, invalid UTF-8. A word seen twice
 * keeps its first vector (as gensim does); {@link #duplicatesSkipped()} counts the repeats.
 *
 * <h2>Onto a vocabulary</h2>
 * <pre>{@code
 * PretrainedEmbeddings glove = PretrainedEmbeddings.load(path, Format.GLOVE_TEXT,
 *         LoadOptions.all().keepOnly(vocab, true));            // stream the file, keep what vocab needs
 * EmbeddingMatrix m = glove.map(vocab, MapOptions.defaults());
 * System.out.println(m.coverage());                           // found 9512 of 10000 words (95.1%) ...
 * Embedding emb = m.toEmbedding(true);                        // frozen; <pad> row zero
 * }</pre>
 */
public final class PretrainedEmbeddings {
    /** The longest word a binary file may hold, in bytes; longer means the file is not what it claims. */
    static final int MAX_WORD_BYTES = 1 << 16;

    /** The file formats; see the class documentation. */
    public enum Format {
        /** GloVe text: {@code word v1 … vd} per line, no header. */
        GLOVE_TEXT,
        /** word2vec text: a {@code count dim} header line, then lines as GloVe's. */
        WORD2VEC_TEXT,
        /** word2vec binary: a {@code count dim} header line, then word, space, {@code dim} little-endian float32s. */
        WORD2VEC_BINARY
    }

    /**
     * What to read from a file.
     *
     * @param limit       read at most this many entries from the top of the file (≥ 1; {@code Long.MAX_VALUE}
     *                    for all); kept or not, each counts (gensim's {@code limit})
     * @param expectedDim the vector size the caller needs, or 0 to accept the file's
     * @param keep        which words to store; the others are still checked, but not kept
     */
    public record LoadOptions(long limit, int expectedDim, Predicate<String> keep) {
        /** Checks the values. */
        public LoadOptions {
            if (limit < 1) {
                throw new IllegalArgumentException("LoadOptions: limit must be at least 1 (Long.MAX_VALUE for no limit), got " + limit);
            }
            if (expectedDim < 0) {
                throw new IllegalArgumentException("LoadOptions: expectedDim must be 0 (any) or positive, got " + expectedDim);
            }
            Objects.requireNonNull(keep, "keep");
        }

        /** Every entry, any dimension, every word kept. */
        public static LoadOptions all() {
            return new LoadOptions(Long.MAX_VALUE, 0, w -> true);
        }

        /** The same, reading at most {@code n} entries. */
        public LoadOptions limit(long n) {
            return new LoadOptions(n, expectedDim, keep);
        }

        /** The same, requiring vectors of size {@code dim}. */
        public LoadOptions expectedDim(int dim) {
            return new LoadOptions(limit, dim, keep);
        }

        /** The same, keeping only the words {@code filter} accepts. */
        public LoadOptions keep(Predicate<String> filter) {
            return new LoadOptions(limit, expectedDim, filter);
        }

        /**
         * The same, keeping only the words {@link #map} will look up for {@code vocab}: its tokens, and with
         * {@code lowercase} also their lower-cased forms.
         */
        public LoadOptions keepOnly(Vocabulary vocab, boolean lowercase) {
            Objects.requireNonNull(vocab, "vocab");
            if (!lowercase) {
                return keep(vocab::contains);
            }
            java.util.Set<String> lowered = new java.util.HashSet<>();
            for (String t : vocab.tokens()) {
                lowered.add(t.toLowerCase(Locale.ROOT));
            }
            return keep(w -> vocab.contains(w) || lowered.contains(w));
        }
    }

    /** How {@link #map} fills the rows of words the file does not have. */
    public enum Missing {
        /** Uniform in {@code [-scale, scale]}, from a seeded {@link Rng}. */
        UNIFORM,
        /** Zeros. */
        ZEROS
    }

    /**
     * How {@link #map} lays the vectors onto a vocabulary.
     *
     * @param missing           how rows without a pretrained vector are filled
     * @param scale             half-width of the uniform range for {@link Missing#UNIFORM}
     * @param seed              seed of that uniform fill (the same seed, file and vocabulary give the same matrix)
     * @param lowercaseFallback look up a word's lower-cased form when the word itself is missing (GloVe 6B is uncased)
     * @param dtype             the matrix's dtype
     * @param sampleSize        how many missing words {@link EmbeddingCoverage#missingSample()} lists
     */
    public record MapOptions(Missing missing, double scale, long seed, boolean lowercaseFallback, DType dtype, int sampleSize) {
        /** Checks the values. */
        public MapOptions {
            Objects.requireNonNull(missing, "missing");
            Objects.requireNonNull(dtype, "dtype");
            if (!(scale >= 0) || Double.isInfinite(scale)) {
                throw new IllegalArgumentException("MapOptions: scale must be finite and >= 0, got " + scale);
            }
            if (sampleSize < 0) {
                throw new IllegalArgumentException("MapOptions: sampleSize must be >= 0, got " + sampleSize);
            }
        }

        /** Missing words uniform in {@code [-0.05, 0.05]} with seed 0, exact lookup only, float32, 10 missing words listed. */
        public static MapOptions defaults() {
            return new MapOptions(Missing.UNIFORM, 0.05, 0L, false, DType.FLOAT32, 10);
        }

        /** The same, missing words uniform in {@code [-scale, scale]} from {@code seed}. */
        public MapOptions uniform(double scale, long seed) {
            return new MapOptions(Missing.UNIFORM, scale, seed, lowercaseFallback, dtype, sampleSize);
        }

        /** The same, missing words zero. */
        public MapOptions zeros() {
            return new MapOptions(Missing.ZEROS, scale, seed, lowercaseFallback, dtype, sampleSize);
        }

        /** The same, with or without the lower-case fallback. */
        public MapOptions lowercaseFallback(boolean on) {
            return new MapOptions(missing, scale, seed, on, dtype, sampleSize);
        }

        /** The same, in another dtype. */
        public MapOptions dtype(DType d) {
            return new MapOptions(missing, scale, seed, lowercaseFallback, d, sampleSize);
        }

        /** The same, listing up to {@code n} missing words. */
        public MapOptions sampleSize(int n) {
            return new MapOptions(missing, scale, seed, lowercaseFallback, dtype, n);
        }
    }

    private final String source;
    private final Format format;
    private final int dim;
    private final List<String> words;
    private final Map<String, Integer> index;
    private final float[] data;                                  // [words.size(), dim], row-major
    private final long entriesRead;
    private final long duplicatesSkipped;

    private PretrainedEmbeddings(String source, Format format, int dim, List<String> words, Map<String, Integer> index,
                                 float[] data, long entriesRead, long duplicatesSkipped) {
        this.source = source;
        this.format = format;
        this.dim = dim;
        this.words = Collections.unmodifiableList(words);
        this.index = index;
        this.data = data;
        this.entriesRead = entriesRead;
        this.duplicatesSkipped = duplicatesSkipped;
    }

    // ------------------------------------------------------------------ loading

    /** Reads the whole file, its format {@link #detectFormat detected}. */
    public static PretrainedEmbeddings load(Path file) throws IOException {
        return load(file, detectFormat(file), LoadOptions.all());
    }

    /** Reads the whole file in the given format. */
    public static PretrainedEmbeddings load(Path file, Format format) throws IOException {
        return load(file, format, LoadOptions.all());
    }

    /**
     * Reads {@code file} (gzipped or not) in {@code format}, as {@code options} say.
     *
     * @throws FileFormatException naming the file, line (or entry) and word, for a malformed file
     * @throws IOException         when the file cannot be read
     */
    public static PretrainedEmbeddings load(Path file, Format format, LoadOptions options) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString(), format, options, Files.size(file));
        }
    }

    /**
     * Reads from a stream (not closed; gzipped or not); {@code source} names it in error messages.
     *
     * @throws FileFormatException naming the source, line (or entry) and word, for malformed data
     */
    public static PretrainedEmbeddings read(InputStream in, String source, Format format, LoadOptions options) throws IOException {
        return read(in, source, format, options, -1);
    }

    /** {@link #read(InputStream, String, Format, LoadOptions)} of a stream of {@code length} bytes, or -1 when unknown. */
    private static PretrainedEmbeddings read(InputStream in, String source, Format format, LoadOptions options, long length)
            throws IOException {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(options, "options");
        BufferedInputStream buffered = new BufferedInputStream(in, 1 << 16);
        InputStream raw = Gzip.maybeGunzip(buffered, source);
        Loader loader = new Loader(source, format, options);
        if (format == Format.WORD2VEC_BINARY) {
            loader.readBinary(raw, raw == buffered ? length : -1);     // a gzipped file's content length is unknown
        } else {
            loader.readText(new Utf8Lines(raw, source));
        }
        return loader.result();
    }

    /**
     * Guesses the format from the content (gzipped or not): a first line of two whole numbers means word2vec,
     * and then binary when the bytes after it hold control characters or are not UTF-8 (float32 data almost
     * always does), text otherwise; anything else is GloVe text. A GloVe file whose first line is a
     * one-dimensional word that is a number ({@code "2 3"}) would be taken for word2vec: name the format then.
     */
    public static Format detectFormat(Path file) throws IOException {
        try (InputStream in = Gzip.open(file, file.toString())) {
            byte[] head = in.readNBytes(1024);
            int nl = indexOf(head, (byte) '\n', head.length);
            String first = new String(head, 0, nl < 0 ? head.length : nl, StandardCharsets.ISO_8859_1).strip();
            if (!first.matches("\\d+[ \t]+\\d+")) {
                return Format.GLOVE_TEXT;
            }
            byte[] rest = Arrays.copyOfRange(head, nl + 1, head.length);
            byte[] sample = concat(rest, in.readNBytes(4096));
            for (byte b : sample) {
                if ((b >= 0 && b < 0x09) || (b >= 0x0E && b < 0x20) || b == 0x7F) {
                    return Format.WORD2VEC_BINARY;
                }
            }
            CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
            CoderResult r = dec.decode(ByteBuffer.wrap(sample), CharBuffer.allocate(sample.length + 1), false);
            return r.isError() ? Format.WORD2VEC_BINARY : Format.WORD2VEC_TEXT;
        }
    }

    private static int indexOf(byte[] a, byte b, int n) {
        for (int i = 0; i < n; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** The reading state: the kept words and their vectors, growing as the file streams by. */
    private static final class Loader {
        private final String source;
        private final Format format;
        private final LoadOptions options;
        private final List<String> words = new ArrayList<>();
        private final Map<String, Integer> index = new HashMap<>();
        private float[] data = new float[0];
        private int dim;                                         // 0 until known
        private String dimFrom;                                  // where the dimension came from, for messages
        private long entries;
        private long duplicates;

        Loader(String source, Format format, LoadOptions options) {
            this.source = source;
            this.format = format;
            this.options = options;
        }

        void setDim(int d, String from, long line, String word) throws FileFormatException {
            if (options.expectedDim() > 0 && d != options.expectedDim()) {
                throw new FileFormatException(source, line, (word == null ? "" : "word " + Vocabulary.quote(word) + ": ")
                        + "the vectors have " + d + " values (" + from + "), but " + options.expectedDim()
                        + " were expected; is this the right file?");
            }
            this.dim = d;
            this.dimFrom = from;
        }

        void readText(Utf8Lines r) throws IOException {
            long lineNo = 0;
            long count = -1;                                     // word2vec text: the header's count
            if (format == Format.WORD2VEC_TEXT) {
                String header = readLine(r);
                lineNo = 1;
                if (header == null) {
                    throw new FileFormatException(source, 1, "empty file; a word2vec text file starts with the line 'COUNT DIM'");
                }
                long[] cd = parseHeader(header, 1);
                count = cd[0];
                setDim((int) cd[1], "as the header says", 1, null);
            }
            float[] row = null;
            boolean headerLike = false;                          // a GloVe "first line" that is really a word2vec header
            while (entries < options.limit() && (count < 0 || entries < count)) {
                String line = readLine(r);
                if (line == null) {
                    break;
                }
                lineNo++;
                int[] fields = fields(line);
                int nf = fields.length / 2;
                if (nf == 0) {
                    throw new FileFormatException(source, lineNo, "empty line; expected 'word v1 ... vd'");
                }
                String word = line.substring(fields[0], fields[1]);
                int values = nf - 1;
                if (dim == 0) {
                    headerLike = format == Format.GLOVE_TEXT && values == 1 && line.strip().matches("\\d+[ \t]+\\d+");
                    if (values == 0) {
                        throw new FileFormatException(source, lineNo, "word " + Vocabulary.quote(word) + " has no values; expected 'word v1 ... vd'");
                    }
                    setDim(values, "the dimension of line " + lineNo, lineNo, word);
                }
                if (values != dim) {
                    throw new FileFormatException(source, lineNo, "word " + Vocabulary.quote(abbreviate(word)) + ": " + values
                            + " values, expected " + dim + " (" + dimFrom + ")"
                            + (values > dim ? "; a word with a space in it, or two lines run together?" : "")
                            + (headerLike ? "; line 1 looks like a word2vec header 'COUNT DIM': load the file as WORD2VEC_TEXT" : ""));
                }
                if (row == null) {
                    row = new float[dim];
                }
                for (int j = 0; j < dim; j++) {
                    String f = line.substring(fields[2 * (j + 1)], fields[2 * (j + 1) + 1]);
                    row[j] = parseValue(f, j, word, lineNo);
                }
                entries++;
                keep(word, row);
            }
            if (count >= 0 && entries < count && entries < options.limit()) {
                throw new FileFormatException(source, lineNo + 1, "the file ends after " + entries + " of the " + count
                        + " words its header announces; the file is truncated or the header is wrong");
            }
            if (count >= 0 && entries == count && entries < options.limit()) {
                String extra;
                while ((extra = readLine(r)) != null) {
                    lineNo++;
                    if (!extra.isBlank()) {
                        throw new FileFormatException(source, lineNo, "more lines than the " + count
                                + " words the header announces; the header is wrong or two files were joined");
                    }
                }
            }
            if (dim == 0 && options.expectedDim() > 0) {
                dim = options.expectedDim();
            }
        }

        private String readLine(Utf8Lines r) throws IOException {
            try {
                return r.next();
            } catch (FileFormatException e) {
                boolean early = e.line() <= 3 && e.detail().startsWith("not valid UTF-8");
                throw early ? new FileFormatException(source, e.line(), e.detail() + "; GloVe and word2vec text files are"
                        + " UTF-8" + (format == Format.WORD2VEC_TEXT ? ": if this is a word2vec binary file, load it as"
                        + " WORD2VEC_BINARY" : ""), e) : e;
            }
        }

        private long[] parseHeader(String header, long lineNo) throws FileFormatException {
            String[] f = header.strip().split("[ \t]+");
            try {
                if (f.length == 2) {
                    long c = Long.parseLong(f[0]);
                    long d = Long.parseLong(f[1]);
                    if (c >= 0 && d > Limits.MAX_SIZE) {
                        throw new FileFormatException(source, lineNo, "the header's DIM is " + d + ", above the limit of "
                                + Limits.MAX_SIZE + " values per vector; the file is damaged or not word2vec");
                    }
                    if (c >= 0 && d > 0) {
                        return new long[] {c, d};
                    }
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new FileFormatException(source, lineNo, "expected the word2vec header 'COUNT DIM' (two whole numbers, DIM > 0), got "
                    + Vocabulary.quote(abbreviate(header)) + (format == Format.WORD2VEC_TEXT
                    ? "; a GloVe file has no header: load it as GLOVE_TEXT" : ""));
        }

        /** Start/end offsets of the space- or tab-separated fields of a line, trailing whitespace and \r ignored. */
        private static int[] fields(String line) {
            int n = line.length();
            int[] out = new int[16];
            int k = 0;
            int i = 0;
            while (true) {
                while (i < n && isSep(line.charAt(i))) {
                    i++;
                }
                if (i >= n) {
                    break;
                }
                int s = i;
                while (i < n && !isSep(line.charAt(i))) {
                    i++;
                }
                if (k + 2 > out.length) {
                    out = Arrays.copyOf(out, out.length * 2);
                }
                out[k++] = s;
                out[k++] = i;
            }
            return Arrays.copyOf(out, k);
        }

        private static boolean isSep(char c) {
            return c == ' ' || c == '\t' || c == '\r';
        }

        private float parseValue(String f, int j, String word, long lineNo) throws FileFormatException {
            float v;
            try {
                v = Float.parseFloat(f);
            } catch (NumberFormatException e) {
                throw new FileFormatException(source, lineNo, "word " + Vocabulary.quote(abbreviate(word)) + ": value " + (j + 1)
                        + " of " + dim + ", " + Vocabulary.quote(abbreviate(f)) + ", is not a number");
            }
            if (!Float.isFinite(v)) {
                throw new FileFormatException(source, lineNo, "word " + Vocabulary.quote(abbreviate(word)) + ": value " + (j + 1)
                        + " of " + dim + " is " + f + " (not finite)");
            }
            return v;
        }

        /** Reads word2vec binary entries; {@code length} is the stream's size in bytes (-1 when unknown). */
        void readBinary(InputStream raw, long length) throws IOException {
            CountingStream in = new CountingStream(raw);
            byte[] headerBytes = new byte[256];
            int h = 0;
            while (true) {
                int b = in.read();
                if (b < 0 || b == '\n') {
                    if (b < 0 && h == 0) {
                        throw new FileFormatException(source, 1, "empty file; a word2vec binary file starts with the line 'COUNT DIM'");
                    }
                    break;
                }
                if (h == headerBytes.length) {
                    throw new FileFormatException(source, 1, "no line break in the first " + h + " bytes; a word2vec binary"
                            + " file starts with the line 'COUNT DIM'");
                }
                headerBytes[h++] = (byte) b;
            }
            String header = new String(headerBytes, 0, h, StandardCharsets.ISO_8859_1);
            long[] cd = parseHeader(header, 1);
            long count = cd[0];
            setDim((int) cd[1], "as the header says", 1, null);
            // Before allocating DIM's worth: the first entry (a word, a space, DIM floats) must fit in what follows. The
            // vectors kept grow only as entries are read, so memory never exceeds what the file really holds; a file
            // cut later is reported at the entry where it ends.
            long entryBytes = 4L * dim + 2;
            if (count > 0 && length >= 0 && entryBytes > length - in.count()) {
                throw new FileFormatException(source, 1, "the header announces " + count + " word" + (count == 1 ? "" : "s")
                        + " of " + dim + " values (at least " + entryBytes + " bytes each), but only " + (length - in.count())
                        + " bytes follow it; the file is truncated or the header is wrong");
            }
            byte[] vec = new byte[4 * dim];
            float[] row = new float[dim];
            ByteBuffer bb = ByteBuffer.wrap(vec).order(ByteOrder.LITTLE_ENDIAN);
            byte[] wordBytes = new byte[256];
            while (entries < count && entries < options.limit()) {
                long entry = entries + 1;
                int b = in.read();
                while (b == '\n') {                                  // the newline after the previous vector
                    b = in.read();
                }
                long start = b >= 0 ? in.count() - 1 : in.count();     // where this entry's word begins
                int w = 0;
                while (b >= 0 && b != ' ') {
                    if (w == wordBytes.length) {
                        if (w >= MAX_WORD_BYTES) {
                            throw new FileFormatException(source, 0, where(entry, count, start, null) + "no space after "
                                    + w + " bytes of word; the file is not word2vec binary, or the header's DIM is wrong");
                        }
                        wordBytes = Arrays.copyOf(wordBytes, w * 2);
                    }
                    wordBytes[w++] = (byte) b;
                    b = in.read();
                }
                if (b < 0) {
                    throw new FileFormatException(source, 0, where(entry, count, start, null) + "the file ends"
                            + (w == 0 ? "" : " inside the word") + " after " + entries + " of the " + count
                            + " words its header announces; the file is truncated or the header is wrong");
                }
                if (w == 0) {
                    throw new FileFormatException(source, 0, where(entry, count, start, null) + "empty word");
                }
                String word;
                try {
                    word = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(wordBytes, 0, w)).toString();
                } catch (CharacterCodingException e) {
                    throw new FileFormatException(source, 0, where(entry, count, start, null) + "the word is not valid UTF-8"
                            + " (" + w + " bytes); the header's DIM may be wrong, so reading went out of step", e);
                }
                int got = in.readNBytes(vec, 0, vec.length);
                if (got < vec.length) {
                    throw new FileFormatException(source, 0, where(entry, count, start, word) + "the file ends after "
                            + (got / 4) + " of " + dim + " floats (" + got + " of " + vec.length + " bytes); it is truncated");
                }
                for (int j = 0; j < dim; j++) {
                    float v = bb.getFloat(4 * j);
                    if (!Float.isFinite(v)) {
                        throw new FileFormatException(source, 0, where(entry, count, start, word) + "value " + (j + 1)
                                + " of " + dim + " is " + v + " (not finite)");
                    }
                    row[j] = v;
                }
                entries++;
                keep(word, row);
            }
            if (entries == count) {
                int b;
                while ((b = in.read()) >= 0) {
                    if (b != '\n' && b != '\r' && b != ' ') {
                        throw new FileFormatException(source, 0, "byte offset " + (in.count() - 1) + ": more data after the "
                                + count + " words the header announces; the header is wrong or the file is not word2vec binary");
                    }
                }
            }
        }

        private static String where(long entry, long count, long offset, String word) {
            return "entry " + entry + " of " + count + " (byte offset " + offset + ")"
                    + (word == null ? "" : ", word " + Vocabulary.quote(abbreviate(word))) + ": ";
        }

        private void keep(String word, float[] row) throws FileFormatException {
            if (!options.keep().test(word)) {
                return;
            }
            if (index.containsKey(word)) {
                duplicates++;                                        // gensim also keeps the first vector
                return;
            }
            long need = (long) (words.size() + 1) * dim;
            if (need > Integer.MAX_VALUE - 16) {
                throw new FileFormatException(source, 0, "more than " + words.size() + " vectors of " + dim
                        + " values do not fit in one array; read fewer (LoadOptions.limit) or only a vocabulary's words (keepOnly)");
            }
            if (need > data.length) {
                data = Arrays.copyOf(data, (int) Math.min(Integer.MAX_VALUE - 16, Math.max(need, (long) data.length * 2 + 1024)));
            }
            System.arraycopy(row, 0, data, words.size() * dim, dim);
            index.put(word, words.size());
            words.add(word);
        }

        PretrainedEmbeddings result() throws FileFormatException {
            if (dim == 0) {
                throw new FileFormatException(source, 0, "no vectors in the file (it is empty)");
            }
            return new PretrainedEmbeddings(source, format, dim, words, index,
                    Arrays.copyOf(data, words.size() * dim), entries, duplicates);
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    /** Counts the bytes read, for error messages. */
    private static final class CountingStream extends FilterInputStream {
        private long count;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        long count() { return count; }
    }

    // ------------------------------------------------------------------ access

    /** Number of vectors kept. */
    public int size() { return words.size(); }

    /** Vector size. */
    public int dim() { return dim; }

    /** The kept words in file order; unmodifiable. */
    public List<String> words() { return words; }

    /** Whether {@code word} has a vector. */
    public boolean contains(String word) { return index.containsKey(word); }

    /** The row of {@code word}, or -1. */
    public int indexOf(String word) {
        Integer i = index.get(word);
        return i == null ? -1 : i;
    }

    /**
     * A copy of the vector of {@code word}.
     *
     * @throws IllegalArgumentException when the file has no such word
     */
    public float[] vector(String word) {
        int i = indexOf(word);
        if (i < 0) {
            throw new IllegalArgumentException("PretrainedEmbeddings: " + Vocabulary.quote(word) + " is not among the "
                    + size() + " words read from " + source);
        }
        return Arrays.copyOfRange(data, i * dim, (i + 1) * dim);
    }

    /** All vectors as a float32 {@code [size, dim]} array (a copy), rows in file order. */
    public NdArray matrix() {
        return NdArray.of(data.clone(), words.size(), dim);
    }

    /** The words as a {@link Vocabulary} without specials, ids = rows of {@link #matrix()}. */
    public Vocabulary vocabulary() {
        return Vocabulary.of(words);
    }

    /** Cosine similarity, neighbours and analogies over all the vectors read. */
    public Similarity similarity() {
        return Similarity.of(NdArray.of(data, words.size(), dim), vocabulary());
    }

    /** The file (or stream description) read. */
    public String source() { return source; }

    /** The format read. */
    public Format format() { return format; }

    /** How many entries (lines, or binary records) of the file were read and checked, kept or not. */
    public long entriesRead() { return entriesRead; }

    /** How many entries repeated a word already kept (their vectors were ignored). */
    public long duplicatesSkipped() { return duplicatesSkipped; }

    // ------------------------------------------------------------------ onto a vocabulary

    /** {@link #map(Vocabulary, MapOptions)} with {@link MapOptions#defaults()}. */
    public EmbeddingMatrix map(Vocabulary vocab) {
        return map(vocab, MapOptions.defaults());
    }

    /**
     * Lays the vectors onto {@code vocab}: row {@code i} is the vector of token {@code i}. A token is looked up
     * as it is, then (with {@code lowercaseFallback}) lower-cased. The {@code <pad>} row is zero; the other
     * specials take their vector when the file has the token (some word2vec files have {@code <unk>}), else they
     * are filled like missing words but not counted as missing. Missing rows are filled in id order from one
     * {@link Rng} seeded with {@code options.seed()}, so the matrix is reproducible.
     */
    public EmbeddingMatrix map(Vocabulary vocab, MapOptions options) {
        Objects.requireNonNull(vocab, "vocab");
        Objects.requireNonNull(options, "options");
        int v = vocab.size();
        NdArray w = NdArray.zeros(options.dtype(), v, dim);
        Rng rng = new Rng(options.seed());
        int nWords = 0, found = 0, foundLower = 0, missing = 0;
        long tokens = 0, tokensFound = 0;
        List<String> sample = new ArrayList<>();
        for (int id = 0; id < v; id++) {
            String t = vocab.token(id);
            boolean special = vocab.isSpecial(id);
            if (id == vocab.padId()) {
                continue;                                            // zeros, and never counted
            }
            int row = indexOf(t);
            boolean lowered = false;
            if (row < 0 && options.lowercaseFallback() && !special) {
                String l = t.toLowerCase(Locale.ROOT);
                if (!l.equals(t)) {
                    row = indexOf(l);
                    lowered = row >= 0;
                }
            }
            if (row >= 0) {
                for (int j = 0; j < dim; j++) {
                    w.setFlat(id * dim + j, data[row * dim + j]);
                }
            } else if (options.missing() == Missing.UNIFORM) {
                for (int j = 0; j < dim; j++) {
                    w.setFlat(id * dim + j, (2 * rng.nextDouble() - 1) * options.scale());
                }
            }
            if (special) {
                continue;
            }
            nWords++;
            tokens += vocab.count(id);
            if (row >= 0) {
                found++;
                tokensFound += vocab.count(id);
                if (lowered) {
                    foundLower++;
                }
            } else {
                missing++;
                if (sample.size() < options.sampleSize()) {
                    sample.add(t);
                }
            }
        }
        return new EmbeddingMatrix(w, vocab, new EmbeddingCoverage(nWords, found, foundLower, missing, sample, tokens, tokensFound));
    }

    /** {@code map(vocab).toEmbedding(freeze)}: an {@link Embedding} for {@code vocab}, frozen or trainable. */
    public Embedding embedding(Vocabulary vocab, boolean freeze) {
        return map(vocab).toEmbedding(freeze);
    }

    @Override
    public String toString() {
        return "PretrainedEmbeddings(" + source + ", " + format + ", " + size() + " words x " + dim + ")";
    }
}
