package dev.jrnn.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One token per Unicode code point (so a character outside the Basic Multilingual Plane, e.g. an emoji, is
 * one token, not two UTF-16 halves), as char-rnn and min-char-rnn read text. Newlines, spaces and
 * punctuation are tokens like any other.
 *
 * <p>Options (all off by default; {@link #builder()}):
 * <ul>
 *   <li>{@code lowerCase}: lower-case the text first ({@link Locale#ROOT}); then detokenizing is no longer
 *       lossless;</li>
 *   <li>{@code bos} / {@code eos}: put {@code <bos>} before / {@code <eos>} after the whole text;</li>
 *   <li>{@code unknownAs}: the text {@link #detokenize} writes for {@code <unk>} (default U+FFFD, the
 *       replacement character). Whether unknown characters become {@code <unk>} at all is the
 *       vocabulary's choice: one with {@link SpecialToken#UNK} maps them to it, one without refuses them.</li>
 * </ul>
 *
 * <p>Round trip: without {@code lowerCase}, {@code detokenize(tokenize(s)).equals(s)} for every string
 * {@code s} (unpaired surrogates included, which stay one token each).
 */
public final class CharTokenizer implements Tokenizer {
    private final boolean lowerCase;
    private final boolean bos;
    private final boolean eos;
    private final String unknownAs;

    private CharTokenizer(Builder b) {
        this.lowerCase = b.lowerCase;
        this.bos = b.bos;
        this.eos = b.eos;
        this.unknownAs = b.unknownAs;
    }

    /** The plain tokenizer: code points, no lower-casing, no {@code <bos>}/{@code <eos>}. */
    public CharTokenizer() {
        this(new Builder());
    }

    /** A builder for the options. */
    public static Builder builder() {
        return new Builder();
    }

    /** One token per code point of {@code text} (lower-cased first if asked), wrapped in {@code <bos>}/{@code <eos>} if asked. */
    @Override
    public List<String> tokenize(String text) {
        Objects.requireNonNull(text, "text");
        String s = lowerCase ? text.toLowerCase(Locale.ROOT) : text;
        List<String> out = new ArrayList<>(s.length() + 2);
        if (bos) {
            out.add(SpecialToken.BOS.token());
        }
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int n = Character.charCount(cp);
            out.add(s.substring(i, i + n));
            i += n;
        }
        if (eos) {
            out.add(SpecialToken.EOS.token());
        }
        return out;
    }

    /**
     * Concatenates {@code tokens}: {@code <pad>}, {@code <bos>} and {@code <eos>} are dropped, {@code <unk>}
     * becomes the {@code unknownAs} text, every other token is written as it is.
     */
    @Override
    public String detokenize(List<String> tokens) {
        StringBuilder sb = new StringBuilder(tokens.size());
        for (String t : tokens) {
            SpecialToken special = SpecialToken.ofToken(t).orElse(null);
            if (special == null) {
                sb.append(t);
            } else if (special == SpecialToken.UNK) {
                sb.append(unknownAs);
            }
        }
        return sb.toString();
    }

    /** Whether text is lower-cased before splitting. */
    public boolean lowerCase() { return lowerCase; }

    /** Whether {@link #tokenize} starts with {@code <bos>}. */
    public boolean bos() { return bos; }

    /** Whether {@link #tokenize} ends with {@code <eos>}. */
    public boolean eos() { return eos; }

    /** What {@link #detokenize} writes for {@code <unk>}. */
    public String unknownAs() { return unknownAs; }

    @Override
    public String toString() {
        return "CharTokenizer(lowerCase=" + lowerCase + ", bos=" + bos + ", eos=" + eos + ")";
    }

    /** Options of a {@link CharTokenizer}; every option is off by default. */
    public static final class Builder {
        private boolean lowerCase;
        private boolean bos;
        private boolean eos;
        private String unknownAs = "\uFFFD";

        private Builder() {}

        /** Lower-case the text ({@link Locale#ROOT}) before splitting it. */
        public Builder lowerCase(boolean on) { this.lowerCase = on; return this; }

        /** Start every tokenized text with {@code <bos>}. */
        public Builder bos(boolean on) { this.bos = on; return this; }

        /** End every tokenized text with {@code <eos>}. */
        public Builder eos(boolean on) { this.eos = on; return this; }

        /** The text written for {@code <unk>} when detokenizing (default U+FFFD; {@code ""} drops it). */
        public Builder unknownAs(String text) { this.unknownAs = Objects.requireNonNull(text, "text"); return this; }

        /** The tokenizer. */
        public CharTokenizer build() { return new CharTokenizer(this); }
    }
}
