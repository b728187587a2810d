package dev.jrnn.text;

import java.util.List;
import java.util.Locale;

/**
 * How much of a {@link Vocabulary} a pretrained file covers, as {@link PretrainedEmbeddings#map} found it.
 * Special tokens are not counted: {@code words} is the number of non-special tokens.
 *
 * @param words           non-special tokens of the vocabulary
 * @param found           of those, how many have a pretrained vector (exact match, or lower-cased when asked)
 * @param foundLowercased of {@code found}, how many only by their lower-cased form
 * @param missing         {@code words - found}: the rows initialised as the options say (uniform or zeros)
 * @param missingSample   the first missing words in id order (the most frequent ones), at most the sample size asked for
 * @param tokens          the summed corpus counts of the words (0 when the vocabulary has no counts)
 * @param tokensFound     the summed corpus counts of the words found
 */
public record EmbeddingCoverage(int words, int found, int foundLowercased, int missing, List<String> missingSample,
                                long tokens, long tokensFound) {
    /** Copies the sample. */
    public EmbeddingCoverage {
        missingSample = List.copyOf(missingSample);
    }

    /** {@code found / words}: the share of the vocabulary's words with a pretrained vector (NaN for no words). */
    public double wordCoverage() {
        return words == 0 ? Double.NaN : (double) found / words;
    }

    /**
     * {@code tokensFound / tokens}: the share of the corpus (running text) whose words have a pretrained vector;
     * NaN when the vocabulary carries no counts (e.g. made by {@link Vocabulary#of}).
     */
    public double tokenCoverage() {
        return tokens == 0 ? Double.NaN : (double) tokensFound / tokens;
    }

    /** One line, e.g. {@code "found 2400 of 2445 words (98.2%; 97.1% of corpus tokens), 12 by lower-casing; missing: foo, bar, … (+43 more)"}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append("found ").append(found).append(" of ").append(words).append(" words (")
                .append(String.format(Locale.ROOT, "%.1f%%", 100 * wordCoverage()));
        if (tokens > 0) {
            sb.append(String.format(Locale.ROOT, "; %.1f%% of corpus tokens", 100 * tokenCoverage()));
        }
        sb.append(')');
        if (foundLowercased > 0) {
            sb.append(", ").append(foundLowercased).append(" by lower-casing");
        }
        if (missing > 0) {
            sb.append("; missing: ").append(String.join(", ", missingSample));
            if (missing > missingSample.size()) {
                sb.append(", … (+").append(missing - missingSample.size()).append(" more)");
            }
        }
        return sb.toString();
    }
}
