package dev.jrnn.text;

import java.util.Optional;

/**
 * The reserved tokens of a {@link Vocabulary}, in their fixed id order: a vocabulary holds a subset of them
 * as ids {@code 0..k-1}, in this order, before every word. With the default subset ({@code PAD, UNK, EOS})
 * the ids are {@code <pad>=0} (as Keras reserves 0 for padding), {@code <unk>=1}, {@code <eos>=2}; adding
 * {@code BOS} gives {@code <bos>=3}.
 */
public enum SpecialToken {
    /** Padding ({@code <pad>}): fills short sequences of a batch; its embedding row is zero and never learns. */
    PAD("<pad>"),
    /** Unknown ({@code <unk>}): every token the vocabulary does not hold (Ng's <i>Sequence Models</i> course: UNK). */
    UNK("<unk>"),
    /** End of sequence ({@code <eos>}): closes a sentence (the course's EOS); a language model learns to emit it. */
    EOS("<eos>"),
    /** Beginning of sequence ({@code <bos>}), optional: a first input for models that need one. */
    BOS("<bos>");

    private final String token;

    SpecialToken(String token) {
        this.token = token;
    }

    /** The token's text, e.g. {@code "<unk>"}. */
    public String token() { return token; }

    /** The role's name as vocabulary files write it: {@code pad}, {@code unk}, {@code eos} or {@code bos}. */
    public String role() { return name().toLowerCase(java.util.Locale.ROOT); }

    /** The special whose {@link #token()} is {@code text}, if any. */
    public static Optional<SpecialToken> ofToken(String text) {
        for (SpecialToken s : values()) {
            if (s.token.equals(text)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** The special whose {@link #role()} is {@code role}, if any. */
    public static Optional<SpecialToken> ofRole(String role) {
        for (SpecialToken s : values()) {
            if (s.role().equals(role)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
