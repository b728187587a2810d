package dev.jrnn.cli;

import dev.jrnn.text.CharTokenizer;
import dev.jrnn.text.LanguageModel;
import dev.jrnn.text.SpecialToken;
import dev.jrnn.text.Tokenizer;
import dev.jrnn.text.Vocabulary;
import dev.jrnn.text.WordTokenizer;

import java.util.List;

/**
 * A corpus made ready for a language model: the tokenizer, the vocabulary (built from the training part only) and
 * the training and validation token streams.
 *
 * @param source     where the text came from (a path or a resource name), for provenance
 * @param level      char or word
 * @param tokenizer  how text was split
 * @param vocabulary the tokens of the training part (plus {@code <unk>}, and {@code <eos>} at word level)
 * @param train      the training ids
 * @param valid      the validation ids (may be empty)
 * @param validUnknown how many validation tokens were not in the vocabulary (mapped to {@code <unk>})
 */
record LmData(String source, Level level, Tokenizer tokenizer, Vocabulary vocabulary, int[] train, int[] valid,
              long validUnknown) {
    /** Token level. */
    enum Level {
        CHAR, WORD;

        @Override
        public String toString() {                 // as the flag spells it, in help texts' defaults
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * Tokenizes and splits a corpus.
     *
     * @param source        a name for provenance
     * @param text          the training text
     * @param validText     a separate validation text, or null to hold out the end of {@code text}
     * @param validFraction the share of {@code text}'s tokens held out when {@code validText} is null, in [0, 0.5]
     * @param level         char or word
     * @param lowerCase     lower-case the text first
     * @param minFreq       keep tokens seen at least this often
     * @param maxVocab      at most this many ids, specials included (0: no limit)
     * @param punctuation   at word level, SPLIT (punctuation marks become tokens) or KEEP (whitespace-separated
     *                      tokens, as PTB's prepared files need); ignored at char level
     */
    static LmData prepare(String source, String text, String validText, double validFraction, Level level,
                          boolean lowerCase, int minFreq, int maxVocab, WordTokenizer.Punctuation punctuation) {
        Tokenizer tok = level == Level.CHAR
                ? CharTokenizer.builder().lowerCase(lowerCase).build()
                // one sentence per line, each ended by <eos>; with SPLIT punctuation marks are tokens: samples keep their commas
                : WordTokenizer.builder().lowerCase(lowerCase).punctuation(punctuation).eos(true).build();
        List<String> tokens = tok.tokenize(text);
        List<String> trainTokens = tokens, validTokens = List.of();
        if (validText != null) {
            validTokens = tok.tokenize(validText);
        } else if (validFraction > 0) {
            int cut = (int) Math.round(tokens.size() * (1 - validFraction));
            trainTokens = tokens.subList(0, cut);
            validTokens = tokens.subList(cut, tokens.size());
        }
        if (trainTokens.size() < 3) {
            throw new Cli.Failure(source + ": only " + trainTokens.size() + " " + level.name().toLowerCase() + " tokens to train on;"
                    + " a language model needs a longer text");
        }
        Vocabulary.Builder vb = Vocabulary.builder().minFreq(minFreq);
        if (level == Level.CHAR) vb.specials(SpecialToken.UNK);      // no <pad>, no <eos>: a char stream has neither
        else vb.specials(SpecialToken.UNK, SpecialToken.EOS);
        if (maxVocab > 0) vb.maxSize(maxVocab);
        Vocabulary vocab = vb.addAll(trainTokens).build();
        if (vocab.size() < 2) {
            throw new Cli.Failure(source + ": the vocabulary has " + vocab.size() + " token(s); a language model needs >= 2");
        }
        long unknown = 0;
        int[] valid = vocab.encode(validTokens);
        for (int id : valid) if (id == vocab.unkId()) unknown++;
        return new LmData(source, level, tok, vocab, vocab.encode(trainTokens), valid, unknown);
    }

    /**
     * The model's start input: the line break for a char model (so sampling "from nothing" starts a line), the
     * {@code <eos>} of the previous sentence for a word model (PTB's convention).
     */
    int startId() {
        if (level == Level.WORD) return vocabulary.eosId();
        int nl = vocabulary.indexOf("\n");
        return nl >= 0 ? nl : LanguageModel.NONE;
    }

    /** {@code <eos>} (word level), else none. */
    int eosId() {
        return level == Level.WORD ? vocabulary.eosId() : LanguageModel.NONE;
    }

    /** What one token is called in messages: {@code char} or {@code word}. */
    String unit() {
        return level == Level.CHAR ? "char" : "word";
    }
}
