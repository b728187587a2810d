package dev.jrnn.text;

import dev.jrnn.io.AtomicFiles;
import dev.jrnn.io.Printable;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A two-way map between tokens and ids {@code 0..size-1}: the {@link SpecialToken special tokens} first, at
 * fixed low ids in the order {@code <pad>, <unk>, <eos>, <bos>} (those present; by default {@code <pad>=0},
 * {@code <unk>=1}, {@code <eos>=2}), then the words, most frequent first.
 *
 * <h2>Building from a corpus</h2>
 * {@link #builder()} counts tokens, then keeps those seen at least {@code minFreq} times, most frequent
 * first, ties broken by Unicode code point order of the token (so the result never depends on the order of
 * the corpus or of a hash map), and stops at {@code maxSize}. Like Keras' {@code num_words},
 * <b>{@code maxSize} counts every id, specials included</b>: {@code maxSize(10)} with the three default
 * specials keeps 7 words, and {@code size() <= maxSize} always, so an {@code Embedding(maxSize, dim)} fits.
 * Tokens equal to an active special's text (e.g. {@code <unk>} in PTB) are not counted as words; they map to
 * the special.
 *
 * <pre>{@code
 * Vocabulary v = Vocabulary.builder().minFreq(2).maxSize(10_000).addAll(tokens).build();
 * int[] ids = v.encode(tokenizer.tokenize("the cat sat"));          // unknown words -> v.unkId()
 * String back = tokenizer.detokenize(v.decode(ids));
 * }</pre>
 *
 * <h2>File format</h2>
 * {@link #save} writes UTF-8 text, atomically ({@link AtomicFiles}); line 1 is a header, line {@code id + 2}
 * holds token {@code id}, as {@code TOKEN<TAB>FIELD} where FIELD is {@code special:ROLE} for a special token
 * and the token's corpus count otherwise:
 * <pre>
 * #jrnn-vocabulary	version=1	size=6
 * &lt;pad&gt;	special:pad
 * &lt;unk&gt;	special:unk
 * &lt;eos&gt;	special:eos
 * the	1061
 * cat	12
 * naïve	3
 * </pre>
 * In tokens, backslash, tab, line feed and carriage return are written {@code \\}, {@code \t}, {@code \n},
 * {@code \r}; everything else is written as is. {@link #load} checks the header, the version, every line and
 * the size and reports a problem as {@code FILE:LINE: what} ({@link FileFormatException}).
 *
 * <p>A vocabulary is immutable; {@link #equals} compares tokens, specials and counts, and {@link #fingerprint()}
 * is a SHA-256 of the file form, for checkpoints that must refuse a different vocabulary.
 */
public final class Vocabulary {
    /** The header's first field. */
    static final String MAGIC = "#jrnn-vocabulary";
    /** The file format version this class writes and reads. */
    public static final int FORMAT_VERSION = 1;

    private final List<String> tokens;                      // id -> token
    private final Map<String, Integer> ids;                 // token -> id
    private final long[] counts;                            // id -> corpus count (0 for specials)
    private final int[] specialIds;                         // SpecialToken.ordinal() -> id, or -1
    private final int specialCount;

    private Vocabulary(Set<SpecialToken> specials, List<String> words, long[] wordCounts) {
        int k = specials.size();
        this.specialCount = k;
        this.specialIds = new int[SpecialToken.values().length];
        Arrays.fill(specialIds, -1);
        List<String> all = new ArrayList<>(k + words.size());
        for (SpecialToken s : SpecialToken.values()) {
            if (specials.contains(s)) {
                specialIds[s.ordinal()] = all.size();
                all.add(s.token());
            }
        }
        Map<String, Integer> map = new HashMap<>(Math.max(16, all.size() * 2 + words.size() * 2));
        for (int i = 0; i < all.size(); i++) {
            map.put(all.get(i), i);
        }
        this.counts = new long[k + words.size()];
        for (int i = 0; i < words.size(); i++) {
            String w = Objects.requireNonNull(words.get(i), "word");
            if (w.isEmpty()) {
                throw new IllegalArgumentException("Vocabulary: word " + i + " is the empty string; tokens must be non-empty");
            }
            Integer prev = map.putIfAbsent(w, k + i);
            if (prev != null) {
                throw new IllegalArgumentException("Vocabulary: token " + quote(w) + " appears twice (ids " + prev + " and "
                        + (k + i) + ")" + (prev < k ? "; it is a special token, which the vocabulary holds already" : ""));
            }
            all.add(w);
            counts[k + i] = wordCounts == null ? 0 : wordCounts[i];
        }
        this.tokens = Collections.unmodifiableList(all);
        this.ids = map;
    }

    /** The default specials: {@code <pad>}, {@code <unk>}, {@code <eos>}. */
    public static Set<SpecialToken> defaultSpecials() {
        return EnumSet.of(SpecialToken.PAD, SpecialToken.UNK, SpecialToken.EOS);
    }

    /** A builder that counts a corpus; defaults: {@code minFreq=1}, no maximum size, the {@link #defaultSpecials()}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A vocabulary of exactly these words, in this order, after the given specials (in their fixed order,
     * whatever the order of the arguments); counts are 0.
     *
     * @throws IllegalArgumentException for a duplicate or empty word, or a word equal to a given special
     */
    public static Vocabulary of(List<String> words, SpecialToken... specials) {
        EnumSet<SpecialToken> set = EnumSet.noneOf(SpecialToken.class);
        set.addAll(Arrays.asList(specials));
        return new Vocabulary(set, List.copyOf(words), null);
    }

    /** As {@link #of(List, SpecialToken...)} with a set of specials. */
    public static Vocabulary of(List<String> words, Set<SpecialToken> specials) {
        EnumSet<SpecialToken> set = EnumSet.noneOf(SpecialToken.class);
        set.addAll(specials);
        return new Vocabulary(set, List.copyOf(words), null);
    }

    // ------------------------------------------------------------------ lookups

    /** Number of ids, specials included. */
    public int size() { return tokens.size(); }

    /** Number of special tokens (the words start at this id). */
    public int specialCount() { return specialCount; }

    /** All tokens by id (specials first); unmodifiable. */
    public List<String> tokens() { return tokens; }

    /** The words (the tokens after the specials), most frequent first; unmodifiable. */
    public List<String> words() { return tokens.subList(specialCount, tokens.size()); }

    /** Whether {@code token} has an id of its own (not counting the fallback to {@code <unk>}). */
    public boolean contains(String token) { return ids.containsKey(token); }

    /** The id of {@code token}, or -1 when it has none of its own (no fallback to {@code <unk>}). */
    public int indexOf(String token) {
        Integer id = ids.get(token);
        return id == null ? -1 : id;
    }

    /**
     * The id of {@code token}; an unknown token gets {@link #unkId()}.
     *
     * @throws IllegalArgumentException for an unknown token when this vocabulary has no {@code <unk>}
     */
    public int id(String token) {
        Integer id = ids.get(token);
        if (id != null) {
            return id;
        }
        int unk = unkId();
        if (unk < 0) {
            throw new IllegalArgumentException("Vocabulary: token " + quote(token) + " is not in the vocabulary ("
                    + size() + " tokens), which has no <unk>; build it with SpecialToken.UNK to map unknown tokens");
        }
        return unk;
    }

    /**
     * The token with id {@code id}.
     *
     * @throws IndexOutOfBoundsException for an id outside {@code 0..size-1}
     */
    public String token(int id) {
        if (id < 0 || id >= tokens.size()) {
            throw new IndexOutOfBoundsException("Vocabulary: id " + id + " is out of range (valid ids 0.." + (tokens.size() - 1) + ")");
        }
        return tokens.get(id);
    }

    /** How often the token with this id was counted in the corpus (0 for specials and for vocabularies made by {@link #of}). */
    public long count(int id) {
        token(id);                                                   // range check
        return counts[id];
    }

    /** The id of a special token, or -1 when this vocabulary does not hold it. */
    public int specialId(SpecialToken special) { return specialIds[special.ordinal()]; }

    /** Whether this vocabulary holds {@code special}. */
    public boolean has(SpecialToken special) { return specialIds[special.ordinal()] >= 0; }

    /** The special tokens held, in id order. */
    public Set<SpecialToken> specials() {
        EnumSet<SpecialToken> s = EnumSet.noneOf(SpecialToken.class);
        for (SpecialToken t : SpecialToken.values()) {
            if (has(t)) {
                s.add(t);
            }
        }
        return s;
    }

    /** Whether {@code id} is one of the special tokens. */
    public boolean isSpecial(int id) { return id >= 0 && id < specialCount; }

    /** Id of {@code <pad>} (0 when present), or -1. */
    public int padId() { return specialId(SpecialToken.PAD); }

    /** Id of {@code <unk>}, or -1. */
    public int unkId() { return specialId(SpecialToken.UNK); }

    /** Id of {@code <eos>}, or -1. */
    public int eosId() { return specialId(SpecialToken.EOS); }

    /** Id of {@code <bos>}, or -1. */
    public int bosId() { return specialId(SpecialToken.BOS); }

    // ------------------------------------------------------------------ text <-> ids

    /**
     * The ids of {@code tokens}; unknown tokens get {@link #unkId()}.
     *
     * @throws IllegalArgumentException naming the token and its position, for an unknown token when there is no {@code <unk>}
     */
    public int[] encode(List<String> tokens) {
        int[] out = new int[tokens.size()];
        int unk = unkId();
        for (int p = 0; p < out.length; p++) {
            String t = tokens.get(p);
            Integer id = ids.get(t);
            if (id == null) {
                if (unk < 0) {
                    throw new IllegalArgumentException("Vocabulary.encode: token " + quote(t) + " at position " + p
                            + " is not in the vocabulary (" + size() + " tokens), which has no <unk>; build it with "
                            + "SpecialToken.UNK, or from a corpus that contains this token");
                }
                id = unk;
            }
            out[p] = id;
        }
        return out;
    }

    /** {@code encode(tokenizer.tokenize(text))}. */
    public int[] encode(String text, Tokenizer tokenizer) {
        return encode(tokenizer.tokenize(text));
    }

    /**
     * The tokens of {@code ids}.
     *
     * @throws IndexOutOfBoundsException naming the id and its position, for an id outside {@code 0..size-1}
     */
    public List<String> decode(int[] ids) {
        List<String> out = new ArrayList<>(ids.length);
        for (int p = 0; p < ids.length; p++) {
            int id = ids[p];
            if (id < 0 || id >= tokens.size()) {
                throw new IndexOutOfBoundsException("Vocabulary.decode: id " + id + " at position " + p
                        + " is out of range (valid ids 0.." + (tokens.size() - 1) + "); is this the vocabulary the ids were made with?");
            }
            out.add(tokens.get(id));
        }
        return out;
    }

    /** {@code tokenizer.detokenize(decode(ids))}. */
    public String decode(int[] ids, Tokenizer tokenizer) {
        return tokenizer.detokenize(decode(ids));
    }

    // ------------------------------------------------------------------ files

    /**
     * Writes this vocabulary to {@code file} in the format of the class documentation, atomically: the file is
     * either the old one or the complete new one, never half written.
     */
    public void save(Path file) throws IOException {
        byte[] bytes = toText().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, bytes);
    }

    /** Writes the file form to {@code out} (not closed), e.g. to embed the vocabulary in a larger file. */
    public void write(Writer out) throws IOException {
        out.write(toText());
    }

    /** The file form as a string. */
    public String toText() {
        StringBuilder sb = new StringBuilder(tokens.size() * 12 + 40);
        sb.append(MAGIC).append("\tversion=").append(FORMAT_VERSION).append("\tsize=").append(tokens.size()).append('\n');
        for (int id = 0; id < tokens.size(); id++) {
            sb.append(escape(tokens.get(id))).append('\t');
            if (isSpecial(id)) {
                sb.append("special:").append(SpecialToken.ofToken(tokens.get(id)).orElseThrow().role());
            } else {
                sb.append(counts[id]);
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /**
     * Reads a vocabulary written by {@link #save}.
     *
     * @throws FileFormatException naming the file and line, for anything that is not exactly that format
     *                             (bad header, unsupported version, bad escape, duplicate token, misplaced special,
     *                             bad count, fewer or more lines than the header's size, invalid UTF-8)
     */
    public static Vocabulary load(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        }
    }

    /** Reads the file form from a stream (not closed); {@code source} names it in error messages. */
    public static Vocabulary read(InputStream in, String source) throws IOException {
        return read(new Utf8Lines(in, source), source);
    }

    /** Parses the file form from a string; {@code source} names it in error messages. */
    public static Vocabulary fromText(String text, String source) throws FileFormatException {
        try {
            return read(new Utf8Lines(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), source), source);
        } catch (FileFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException(e);                       // a byte array does not fail
        }
    }

    private static Vocabulary read(Utf8Lines lines, String source) throws IOException {
        String header = lines.next();
        if (header == null) {
            throw new FileFormatException(source, 1, "empty file; expected the header \"" + MAGIC + "\tversion="
                    + FORMAT_VERSION + "\tsize=N\"");
        }
        int size = parseHeader(header, source);
        EnumSet<SpecialToken> specials = EnumSet.noneOf(SpecialToken.class);
        List<String> words = new ArrayList<>(Math.min(size, 1 << 20));
        long[] counts = new long[size];
        Map<String, Long> seenAt = new HashMap<>();
        SpecialToken lastSpecial = null;
        for (int id = 0; id < size; id++) {
            long lineNo = id + 2;
            String line = lines.next();
            if (line == null) {
                throw new FileFormatException(source, lineNo, "the file ends here, but the header says size=" + size
                        + " (lines 2.." + (size + 1) + "); the file is truncated or the header is wrong");
            }
            if (line.indexOf('\r') >= 0) {
                throw new FileFormatException(source, lineNo, "a raw carriage return inside the line; tokens write it as \\r");
            }
            int tab = line.indexOf('\t');
            if (tab < 0 || line.indexOf('\t', tab + 1) >= 0) {
                throw new FileFormatException(source, lineNo, "expected TOKEN<TAB>COUNT or TOKEN<TAB>special:ROLE (exactly one tab), got "
                        + quote(abbreviate(line)));
            }
            String token = unescape(line.substring(0, tab), source, lineNo);
            String field = line.substring(tab + 1);
            if (token.isEmpty()) {
                throw new FileFormatException(source, lineNo, "empty token");
            }
            Long prev = seenAt.putIfAbsent(token, lineNo);
            if (prev != null) {
                throw new FileFormatException(source, lineNo, "token " + quote(token) + " repeats line " + prev);
            }
            if (field.startsWith("special:")) {
                String role = field.substring("special:".length());
                SpecialToken s = SpecialToken.ofRole(role).orElseThrow(() -> new FileFormatException(source, lineNo,
                        "unknown special role " + quote(role) + "; known: pad, unk, eos, bos"));
                if (!words.isEmpty()) {
                    throw new FileFormatException(source, lineNo, "special " + quote(role) + " after the words; specials"
                            + " take ids 0..k-1, before every word");
                }
                if (lastSpecial != null && s.ordinal() <= lastSpecial.ordinal()) {
                    throw new FileFormatException(source, lineNo, "special " + quote(role) + " after " + quote(lastSpecial.role())
                            + "; specials come in the fixed order pad, unk, eos, bos");
                }
                if (!token.equals(s.token())) {
                    throw new FileFormatException(source, lineNo, "special " + quote(role) + " must be the token "
                            + quote(s.token()) + ", got " + quote(token));
                }
                specials.add(s);
                lastSpecial = s;
            } else {
                long count;
                try {
                    count = Long.parseLong(field);
                } catch (NumberFormatException e) {
                    count = -1;
                }
                if (count < 0 || field.startsWith("+")) {
                    throw new FileFormatException(source, lineNo, "token " + quote(token) + ": the count " + quote(abbreviate(field))
                            + " is not a non-negative whole number (or special:ROLE)");
                }
                counts[words.size()] = count;
                words.add(token);
            }
        }
        String extra;
        while ((extra = lines.next()) != null) {
            if (!extra.isEmpty()) {
                throw new FileFormatException(source, lines.lineNo(), "more entries than the header's size=" + size
                        + " says (got " + quote(abbreviate(extra)) + "); the header is wrong or two files were joined");
            }
        }
        try {
            return new Vocabulary(specials, words, Arrays.copyOf(counts, words.size()));
        } catch (IllegalArgumentException e) {
            throw new FileFormatException(source, 0, e.getMessage(), e);   // checked above; kept as a safety net
        }
    }

    private static int parseHeader(String header, String source) throws FileFormatException {
        if (header.startsWith("\uFEFF")) {
            throw new FileFormatException(source, 1, "the file starts with a byte-order mark; save it as UTF-8 without BOM");
        }
        String[] f = header.split("\t", -1);
        if (!f[0].equals(MAGIC)) {
            throw new FileFormatException(source, 1, "not a jrnn vocabulary: expected the header \"" + MAGIC
                    + "<TAB>version=" + FORMAT_VERSION + "<TAB>size=N\", got " + quote(abbreviate(header)));
        }
        if (f.length != 3 || !f[1].startsWith("version=") || !f[2].startsWith("size=")) {
            throw new FileFormatException(source, 1, "malformed header " + quote(abbreviate(header))
                    + "; expected \"" + MAGIC + "<TAB>version=" + FORMAT_VERSION + "<TAB>size=N\"");
        }
        String version = f[1].substring("version=".length());
        if (!version.equals(Integer.toString(FORMAT_VERSION))) {
            throw new FileFormatException(source, 1, "unsupported vocabulary format version " + quote(version)
                    + "; this jrnn reads version " + FORMAT_VERSION);
        }
        try {
            int size = Integer.parseInt(f[2].substring("size=".length()));
            if (size < 0) {
                throw new NumberFormatException();
            }
            return size;
        } catch (NumberFormatException e) {
            throw new FileFormatException(source, 1, "the header's " + quote(f[2]) + " is not a non-negative whole number");
        }
    }

    static String escape(String token) {
        StringBuilder sb = null;
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            String rep = switch (c) {
                case '\\' -> "\\\\";
                case '\t' -> "\\t";
                case '\n' -> "\\n";
                case '\r' -> "\\r";
                default -> null;
            };
            if (rep != null && sb == null) {
                sb = new StringBuilder(token.length() + 8).append(token, 0, i);
            }
            if (sb != null) {
                if (rep != null) {
                    sb.append(rep);
                } else {
                    sb.append(c);
                }
            }
        }
        return sb == null ? token : sb.toString();
    }

    private static String unescape(String s, String source, long lineNo) throws FileFormatException {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (i + 1 >= s.length()) {
                throw new FileFormatException(source, lineNo, "the token ends with a lone backslash (write \\\\ for a backslash)");
            }
            char e = s.charAt(++i);
            switch (e) {
                case '\\' -> sb.append('\\');
                case 't' -> sb.append('\t');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                default -> throw new FileFormatException(source, lineNo, "unknown escape \\" + e + " at column " + i
                        + "; only \\\\, \\t, \\n and \\r are allowed");
            }
        }
        return sb.toString();
    }

    /**
     * A SHA-256 (hex) of the {@link #toText() file form}: equal vocabularies have equal fingerprints, so a
     * checkpoint can store it and refuse to run with a different vocabulary.
     */
    public String fingerprint() {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(toText().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Vocabulary v && tokens.equals(v.tokens) && Arrays.equals(specialIds, v.specialIds)
                && Arrays.equals(counts, v.counts);
    }

    @Override
    public int hashCode() {
        return tokens.hashCode() * 31 + Arrays.hashCode(counts);
    }

    /** A short description: size, specials and the first few words. */
    @Override
    public String toString() {
        List<String> w = words();
        List<String> head = w.subList(0, Math.min(8, w.size()));
        return "Vocabulary(size=" + size() + ", specials=" + tokens.subList(0, specialCount) + ", words=" + head
                + (w.size() > head.size() ? " +" + (w.size() - head.size()) + " more" : "") + ")";
    }

    static String quote(String s) {
        return "'" + Printable.of(escape(s)) + "'";                     // a message must not carry terminal controls
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    /** Compares strings by Unicode code point (for BMP-only strings the same as {@link String#compareTo}). */
    static final Comparator<String> CODE_POINT_ORDER = (a, b) -> {
        int i = 0, j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i), cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    };

    /**
     * Counts a corpus and builds a {@link Vocabulary}. Defaults: {@code minFreq=1}, {@code maxSize} unlimited,
     * specials {@code <pad>, <unk>, <eos>}. Options may be set before or after adding tokens.
     */
    public static final class Builder {
        private final Map<String, long[]> counts = new HashMap<>();
        private final EnumSet<SpecialToken> specials = EnumSet.copyOf(defaultSpecials());
        private int minFreq = 1;
        private int maxSize = Integer.MAX_VALUE;
        private long tokensSeen;

        private Builder() {}

        /** Keep only tokens counted at least {@code n} times ({@code n >= 1}; default 1). */
        public Builder minFreq(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("Vocabulary.Builder.minFreq: must be at least 1, got " + n);
            }
            this.minFreq = n;
            return this;
        }

        /**
         * At most {@code n} ids in all, <b>specials included</b> (Keras {@code num_words} style): the
         * {@code n - specials} most frequent words are kept. Must be at least the number of specials.
         */
        public Builder maxSize(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("Vocabulary.Builder.maxSize: must be positive, got " + n);
            }
            this.maxSize = n;
            return this;
        }

        /** Exactly these specials (any order; ids follow the fixed order pad, unk, eos, bos); none for an empty argument list. */
        public Builder specials(SpecialToken... which) {
            specials.clear();
            specials.addAll(Arrays.asList(which));
            return this;
        }

        /** Adds or removes {@code <bos>} (off by default). */
        public Builder bos(boolean on) {
            if (on) {
                specials.add(SpecialToken.BOS);
            } else {
                specials.remove(SpecialToken.BOS);
            }
            return this;
        }

        /** Counts one token. */
        public Builder add(String token) {
            return add(token, 1);
        }

        /** Counts {@code token} {@code times} times (e.g. to merge counts made elsewhere). */
        public Builder add(String token, long times) {
            Objects.requireNonNull(token, "token");
            if (times < 0) {
                throw new IllegalArgumentException("Vocabulary.Builder.add: times must be >= 0, got " + times);
            }
            if (token.isEmpty()) {
                throw new IllegalArgumentException("Vocabulary.Builder.add: empty token; a tokenizer never produces one");
            }
            counts.computeIfAbsent(token, t -> new long[1])[0] += times;
            tokensSeen += times;
            return this;
        }

        /** Counts every token of {@code tokens}. */
        public Builder addAll(Iterable<String> tokens) {
            for (String t : tokens) {
                add(t);
            }
            return this;
        }

        /** Counts every token of every text of {@code texts}, as {@code tokenizer} splits them. */
        public Builder addTexts(Collection<String> texts, Tokenizer tokenizer) {
            for (String text : texts) {
                addAll(tokenizer.tokenize(text));
            }
            return this;
        }

        /** How many tokens have been counted so far (with repeats). */
        public long tokensSeen() { return tokensSeen; }

        /** How many distinct tokens have been counted so far. */
        public int distinctTokens() { return counts.size(); }

        /**
         * The vocabulary: specials, then the words counted at least {@code minFreq} times, by count
         * (descending), ties in code point order, cut at {@code maxSize} ids.
         *
         * @throws IllegalArgumentException when {@code maxSize} is smaller than the number of specials
         */
        public Vocabulary build() {
            if (maxSize < specials.size()) {
                throw new IllegalArgumentException("Vocabulary.Builder: maxSize=" + maxSize + " leaves no room for the "
                        + specials.size() + " special tokens " + specials + "; maxSize counts the specials (Keras num_words style)");
            }
            List<Map.Entry<String, long[]>> kept = new ArrayList<>();
            for (Map.Entry<String, long[]> e : counts.entrySet()) {
                boolean isActiveSpecial = SpecialToken.ofToken(e.getKey()).map(specials::contains).orElse(false);
                if (!isActiveSpecial && e.getValue()[0] >= minFreq) {
                    kept.add(e);
                }
            }
            kept.sort((a, b) -> {
                int c = Long.compare(b.getValue()[0], a.getValue()[0]);
                return c != 0 ? c : CODE_POINT_ORDER.compare(a.getKey(), b.getKey());
            });
            int n = (int) Math.min(kept.size(), (long) maxSize - specials.size());
            List<String> words = new ArrayList<>(n);
            long[] c = new long[n];
            for (int i = 0; i < n; i++) {
                words.add(kept.get(i).getKey());
                c[i] = kept.get(i).getValue()[0];
            }
            return new Vocabulary(EnumSet.copyOf(specials), words, c);
        }
    }
}
