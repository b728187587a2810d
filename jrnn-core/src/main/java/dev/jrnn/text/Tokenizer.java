package dev.jrnn.text;

import java.util.List;

/**
 * Splits text into tokens (strings) and joins tokens back into text. A {@link Vocabulary} turns the tokens
 * into ids: {@code vocab.encode(tokenizer.tokenize(text))}, and back: {@code tokenizer.detokenize(vocab.decode(ids))}.
 *
 * <p>Implementations: {@link CharTokenizer} (one token per Unicode code point, lossless) and
 * {@link WordTokenizer} (words and punctuation, lossy about spacing and case).
 */
public interface Tokenizer {
    /** The tokens of {@code text}, in order; never null, possibly empty. */
    List<String> tokenize(String text);

    /**
     * Text for {@code tokens}; each implementation documents how far {@code detokenize(tokenize(s))} gives
     * back {@code s}, and how it renders the {@link SpecialToken special tokens}.
     */
    String detokenize(List<String> tokens);
}
