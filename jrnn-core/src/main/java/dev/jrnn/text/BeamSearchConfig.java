package dev.jrnn.text;

/**
 * Options of {@link BeamSearch}.
 *
 * <p><b>Length normalisation.</b> Summed log-probabilities favour short outputs (every token multiplies the
 * probability by a factor &lt; 1). Finished hypotheses are therefore ranked by
 * <pre>
 *   score = ln P(y_1 … y_n) / n^α        n = generated tokens, the closing &lt;eos&gt; included
 * </pre>
 * with {@code α = lengthPenalty}: 0 ranks by probability alone, 1 by the mean log-probability per token,
 * values in between (0.6–0.7 is common) compromise. The search itself keeps the {@code beamWidth} best
 * partial hypotheses by their summed log-probability.
 *
 * @param beamWidth     hypotheses kept per step, &gt;= 1 (1 is greedy decoding)
 * @param maxLength     the most tokens a hypothesis may have (its {@code <eos>} not counted), &gt;= 1
 * @param lengthPenalty the exponent {@code α} above, &gt;= 0 (default 0: no normalisation)
 * @param eosId         the token that finishes a hypothesis, or {@link LanguageModel#NONE}: every hypothesis then
 *                      runs to {@code maxLength}
 */
public record BeamSearchConfig(int beamWidth, int maxLength, double lengthPenalty, int eosId) {
    /** Validates every field. */
    public BeamSearchConfig {
        if (beamWidth < 1) {
            throw new IllegalArgumentException("BeamSearchConfig: beamWidth must be >= 1, got " + beamWidth + " (1 = greedy)");
        }
        if (maxLength < 1) {
            throw new IllegalArgumentException("BeamSearchConfig: maxLength must be >= 1, got " + maxLength);
        }
        if (!(lengthPenalty >= 0) || Double.isInfinite(lengthPenalty)) {
            throw new IllegalArgumentException("BeamSearchConfig: lengthPenalty must be finite and >= 0, got " + lengthPenalty
                    + " (0 = none, 1 = mean log-probability per token)");
        }
        if (eosId < LanguageModel.NONE) {
            throw new IllegalArgumentException("BeamSearchConfig: eosId must be a token id or LanguageModel.NONE (-1), got " + eosId);
        }
    }

    /**
     * A beam of the given width, no length normalisation; {@code <eos>} is the model's own (a language model's
     * or a {@link Seq2Seq}'s config supplies it).
     */
    public static BeamSearchConfig of(int beamWidth, int maxLength) {
        return new BeamSearchConfig(beamWidth, maxLength, 0, LanguageModel.NONE);
    }

    /** A copy with length normalisation exponent {@code alpha}. */
    public BeamSearchConfig withLengthPenalty(double alpha) {
        return new BeamSearchConfig(beamWidth, maxLength, alpha, eosId);
    }

    /** A copy that finishes hypotheses at {@code eos} ({@link LanguageModel#NONE}: never). */
    public BeamSearchConfig withEos(int eos) {
        return new BeamSearchConfig(beamWidth, maxLength, lengthPenalty, eos);
    }

    /** The ranking score {@code logP / n^α} of a hypothesis of {@code n} generated tokens. */
    public double score(double logProbability, int n) {
        return lengthPenalty == 0 || n == 0 ? logProbability : logProbability / Math.pow(n, lengthPenalty);
    }
}
