package dev.jrnn.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Splits text into words. Exactly what it does, in order:
 * <ol>
 *   <li><b>Lines.</b> With {@code bos} or {@code eos} on, the text is cut into lines (at {@code \n},
 *       {@code \r\n} or {@code \r}); every line that yields at least one token is wrapped as
 *       {@code [<bos>] tokens [<eos>]} (Ng's course: "EOS at the end of each sentence", PTB style: one sentence
 *       per line). Lines without tokens add nothing. With both off, a line break is just whitespace.</li>
 *   <li><b>Whitespace.</b> A line is cut into chunks at every Unicode whitespace or space character
 *       ({@link Character#isWhitespace} or {@link Character#isSpaceChar}, so no-break spaces too).</li>
 *   <li><b>Specials.</b> With {@code keepSpecials} (default on) a chunk that is exactly {@code <pad>},
 *       {@code <unk>}, {@code <eos>} or {@code <bos>} is one token as it is (corpora such as PTB already contain
 *       {@code <unk>}).</li>
 *   <li><b>Case.</b> With {@code lowerCase} (default on) the chunk is lower-cased with {@link Locale#ROOT}.</li>
 *   <li><b>Punctuation</b>, by {@link Punctuation mode}:
 *     <ul>
 *       <li>{@link Punctuation#FILTER} (default): every code point in {@code filters} (default
 *           {@link #KERAS_FILTERS}, the characters Keras' {@code Tokenizer} removes; the apostrophe is not
 *           one of them, so {@code "don't"} stays whole) separates tokens and is dropped, exactly as Keras'
 *           {@code text_to_word_sequence} replaces them with the split character;</li>
 *       <li>{@link Punctuation#SPLIT}: every Unicode punctuation or symbol code point (general categories
 *           P* and S*, so emoji too) becomes a token of its own, except <em>joiners</em>: an apostrophe
 *           ({@code '} or U+2019) or hyphen between two letters or digits ({@code don't}, {@code e-mail}), and a
 *           {@code .} or {@code ,} between two digits ({@code 3.14}, {@code 1,000}) stay inside the word;</li>
 *       <li>{@link Punctuation#KEEP}: nothing more; tokens are the whitespace-separated chunks.</li>
 *     </ul></li>
 * </ol>
 * Empty tokens are never produced. Differences from Keras' defaults: Keras splits on the single character
 * {@code ' '} (and, through its filters, on tab and newline), this tokenizer on all whitespace; Keras'
 * lower-casing uses Python's {@code str.lower}, this one Java's root-locale rules (the same for nearly all text).
 *
 * <p>{@link #detokenize} joins tokens with single spaces, drops {@code <pad>}, and, for the specials this
 * tokenizer makes itself, writes a line break for {@code <eos>} (and before a {@code <bos>} that does not start
 * a line) and drops {@code <bos>}. Spacing, case and filtered characters are lost, but tokenizing again gives
 * the same tokens: {@code tokenize(detokenize(tokenize(s))).equals(tokenize(s))} (except for texts that
 * contain {@code <pad>} itself, or a literal {@code <bos>}/{@code <eos>} while that option is on).
 *
 * <pre>{@code
 * WordTokenizer.keras().tokenize("Hello, World! Don't panic.")   // [hello, world, don't, panic]
 * WordTokenizer.builder().punctuation(Punctuation.SPLIT).eos(true).build()
 *     .tokenize("Hello, world!\nIt costs 3.50.")   // [hello, ",", world, !, <eos>, it, costs, 3.50, ., <eos>]
 * }</pre>
 */
public final class WordTokenizer implements Tokenizer {
    /** The characters Keras' {@code Tokenizer} filters by default: {@code !"#$%&()*+,-./:;<=>?@[\]^_`{|}~}, tab and newline. */
    public static final String KERAS_FILTERS = "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n";

    /** What happens to punctuation; see the class documentation. */
    public enum Punctuation {
        /** The {@code filters} characters separate tokens and are dropped (Keras). */
        FILTER,
        /** Punctuation and symbols become tokens of their own; apostrophes, hyphens, decimal points inside words stay. */
        SPLIT,
        /** Punctuation stays where it is; tokens are whitespace-separated chunks. */
        KEEP
    }

    private final boolean lowerCase;
    private final Punctuation punctuation;
    private final String filters;
    private final int[] filterCodePoints;          // sorted, for FILTER
    private final boolean keepSpecials;
    private final boolean bos;
    private final boolean eos;

    private WordTokenizer(Builder b) {
        this.lowerCase = b.lowerCase;
        this.punctuation = b.punctuation;
        this.filters = b.filters;
        this.filterCodePoints = b.filters.codePoints().distinct().sorted().toArray();
        this.keepSpecials = b.keepSpecials;
        this.bos = b.bos;
        this.eos = b.eos;
    }

    /** Keras' defaults: lower-case, drop {@link #KERAS_FILTERS}, no {@code <bos>}/{@code <eos>}. */
    public static WordTokenizer keras() {
        return builder().build();
    }

    /** A builder, starting from the defaults (those of {@link #keras()}). */
    public static Builder builder() {
        return new Builder();
    }

    /** The tokens of {@code text}; see the class documentation for the exact rules. */
    @Override
    public List<String> tokenize(String text) {
        Objects.requireNonNull(text, "text");
        List<String> out = new ArrayList<>();
        if (!bos && !eos) {
            addTokens(text, out);
            return out;
        }
        for (String line : text.split("\r\n|\r|\n", -1)) {
            int start = out.size();
            if (bos) {
                out.add(SpecialToken.BOS.token());
            }
            int before = out.size();
            addTokens(line, out);
            if (out.size() == before) {
                out.subList(start, out.size()).clear();     // an empty line adds nothing, not "<bos> <eos>"
                continue;
            }
            if (eos) {
                out.add(SpecialToken.EOS.token());
            }
        }
        return out;
    }

    private void addTokens(String line, List<String> out) {
        int n = line.length();
        int i = 0;
        while (i < n) {
            while (i < n && isSpace(line.codePointAt(i))) {
                i += Character.charCount(line.codePointAt(i));
            }
            int start = i;
            while (i < n && !isSpace(line.codePointAt(i))) {
                i += Character.charCount(line.codePointAt(i));
            }
            if (i > start) {
                addChunk(line.substring(start, i), out);
            }
        }
    }

    private void addChunk(String chunk, List<String> out) {
        if (keepSpecials && SpecialToken.ofToken(chunk).isPresent()) {
            out.add(chunk);
            return;
        }
        String s = lowerCase ? chunk.toLowerCase(Locale.ROOT) : chunk;
        switch (punctuation) {
            case KEEP -> out.add(s);
            case FILTER -> {
                StringBuilder word = new StringBuilder();
                for (int i = 0; i < s.length(); ) {
                    int cp = s.codePointAt(i);
                    i += Character.charCount(cp);
                    if (Arrays.binarySearch(filterCodePoints, cp) >= 0) {
                        flush(word, out);
                    } else {
                        word.appendCodePoint(cp);
                    }
                }
                flush(word, out);
            }
            case SPLIT -> {
                int[] cps = s.codePoints().toArray();
                StringBuilder word = new StringBuilder();
                for (int k = 0; k < cps.length; k++) {
                    int cp = cps[k];
                    if (!isPunctuationOrSymbol(cp)) {
                        word.appendCodePoint(cp);
                    } else if (k > 0 && k + 1 < cps.length && isJoiner(cp, cps[k - 1], cps[k + 1])) {
                        word.appendCodePoint(cp);                    // don't, e-mail, 3.14 stay whole
                    } else {
                        flush(word, out);
                        out.add(new String(Character.toChars(cp)));
                    }
                }
                flush(word, out);
            }
        }
    }

    private static void flush(StringBuilder word, List<String> out) {
        if (word.length() > 0) {
            out.add(word.toString());
            word.setLength(0);
        }
    }

    private static boolean isSpace(int cp) {
        return Character.isWhitespace(cp) || Character.isSpaceChar(cp);
    }

    private static boolean isJoiner(int cp, int prev, int next) {
        if (cp == '\'' || cp == '\u2019' || cp == '-') {
            return Character.isLetterOrDigit(prev) && Character.isLetterOrDigit(next);
        }
        if (cp == '.' || cp == ',') {
            return Character.isDigit(prev) && Character.isDigit(next);
        }
        return false;
    }

    private static boolean isPunctuationOrSymbol(int cp) {
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION, Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL,
                 Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL -> true;
            default -> false;
        };
    }

    /**
     * Joins {@code tokens} with single spaces. {@code <pad>} is dropped. When this tokenizer makes {@code <eos>}
     * ({@code eos} on) an {@code <eos>} becomes a line break; when it makes {@code <bos>} a {@code <bos>} is
     * dropped, starting a new line if the current one has text. Otherwise (the option off) these tokens came
     * from the text itself and are written as they are, as is {@code <unk>}.
     */
    @Override
    public String detokenize(List<String> tokens) {
        StringBuilder sb = new StringBuilder();
        boolean lineStart = true;
        for (String t : tokens) {
            SpecialToken special = SpecialToken.ofToken(t).orElse(null);
            if (special == SpecialToken.PAD) {
                continue;
            }
            if ((special == SpecialToken.EOS && eos) || (special == SpecialToken.BOS && bos && !lineStart)) {
                sb.append('\n');
                lineStart = true;
                continue;
            }
            if (special == SpecialToken.BOS && bos) {
                continue;
            }
            if (!lineStart) {
                sb.append(' ');
            }
            sb.append(t);
            lineStart = false;
        }
        return sb.toString();
    }

    /** Whether chunks are lower-cased. */
    public boolean lowerCase() { return lowerCase; }

    /** The punctuation mode. */
    public Punctuation punctuation() { return punctuation; }

    /** The characters {@link Punctuation#FILTER} drops. */
    public String filters() { return filters; }

    /** Whether literal {@code <pad>}, {@code <unk>}, {@code <eos>}, {@code <bos>} chunks are kept whole. */
    public boolean keepSpecials() { return keepSpecials; }

    /** Whether each line starts with {@code <bos>}. */
    public boolean bos() { return bos; }

    /** Whether each line ends with {@code <eos>}. */
    public boolean eos() { return eos; }

    @Override
    public String toString() {
        return "WordTokenizer(lowerCase=" + lowerCase + ", punctuation=" + punctuation
                + (punctuation == Punctuation.FILTER && !filters.equals(KERAS_FILTERS) ? ", filters=" + quote(filters) : "")
                + ", keepSpecials=" + keepSpecials + ", bos=" + bos + ", eos=" + eos + ")";
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\t", "\\t").replace("\n", "\\n") + "\"";
    }

    /**
     * Options of a {@link WordTokenizer}. Defaults (Keras'): {@code lowerCase=true},
     * {@code punctuation=FILTER}, {@code filters=KERAS_FILTERS}, {@code keepSpecials=true}, {@code bos=false},
     * {@code eos=false}.
     */
    public static final class Builder {
        private boolean lowerCase = true;
        private Punctuation punctuation = Punctuation.FILTER;
        private String filters = KERAS_FILTERS;
        private boolean keepSpecials = true;
        private boolean bos;
        private boolean eos;

        private Builder() {}

        /** Lower-case every chunk ({@link Locale#ROOT}). */
        public Builder lowerCase(boolean on) { this.lowerCase = on; return this; }

        /** How punctuation is treated. */
        public Builder punctuation(Punctuation mode) { this.punctuation = Objects.requireNonNull(mode, "mode"); return this; }

        /** The characters {@link Punctuation#FILTER} drops (each code point of the string is one filter). */
        public Builder filters(String chars) { this.filters = Objects.requireNonNull(chars, "chars"); return this; }

        /** Keep chunks that are exactly a special token ({@code <unk>} etc.) whole and unchanged. */
        public Builder keepSpecials(boolean on) { this.keepSpecials = on; return this; }

        /** Start each non-empty line with {@code <bos>}. */
        public Builder bos(boolean on) { this.bos = on; return this; }

        /** End each non-empty line with {@code <eos>}. */
        public Builder eos(boolean on) { this.eos = on; return this; }

        /** The tokenizer. */
        public WordTokenizer build() { return new WordTokenizer(this); }
    }
}
