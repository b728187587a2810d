package dev.jrnn.text;

/**
 * How a language model picks the next token when it generates text (Ng's
 * <i>Sequence Models</i> course, week 1, "sampling novel sequences"; docs/text-generation.md):
 * the options of {@link Sampler} and of the generation loop in {@link LanguageModel#generate}.
 *
 * <p>The next-token distribution is shaped in this order (the order of Hugging Face's logits processors):
 * <pre>
 *   p_i ∝ exp(z_i / temperature)                  temperature: &lt; 1 sharper, &gt; 1 flatter, → 0 greedy
 *   top-k: keep the k most probable tokens         (ties: the lower id first)
 *   top-p: keep the smallest most-probable-first set whose mass is ≥ p (nucleus sampling)
 *   renormalise, then draw (or, when greedy, take the most probable token)
 * </pre>
 *
 * @param temperature divides the logits before the softmax; &gt; 0 (default 1: the model's own distribution)
 * @param topK        keep only the {@code k} most probable tokens; &gt;= 1 (default {@link #ALL}: no limit)
 * @param topP        nucleus mass in {@code (0, 1]} (default 1: no limit)
 * @param greedy      always take the most probable token (ties: the lower id); the other options but
 *                    {@code resampleUnk} then do not matter
 * @param maxLength   the most tokens to generate (after the seed text); &gt;= 1 (default 100)
 * @param stopAtEos   stop when {@code <eos>} is drawn (default true; needs the model to know its {@code <eos>} id).
 *                    The {@code <eos>} itself is not part of the generated tokens
 * @param resampleUnk never emit {@code <unk>} (default false): a drawn {@code <unk>} is drawn again, which is the
 *                    same as removing it from the distribution and renormalising (the same course: "UNK can be
 *                    resampled, or kept")
 * @param seed        the seed of the random generator, so that the same seed gives the same text (default 0)
 */
public record SamplingConfig(double temperature, int topK, double topP, boolean greedy, int maxLength,
                             boolean stopAtEos, boolean resampleUnk, long seed) {
    /** The {@code topK} that keeps every token. */
    public static final int ALL = Integer.MAX_VALUE;

    /** Validates every field, naming the option, the value and the allowed range. */
    public SamplingConfig {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("SamplingConfig: temperature must be > 0 and finite, got " + temperature
                    + " (for the most probable token use greedy())");
        }
        if (topK < 1) {
            throw new IllegalArgumentException("SamplingConfig: topK must be >= 1, got " + topK
                    + " (use SamplingConfig.ALL for no limit)");
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("SamplingConfig: topP must be in (0, 1], got " + topP + " (1 = no limit)");
        }
        if (maxLength < 1) {
            throw new IllegalArgumentException("SamplingConfig: maxLength must be >= 1, got " + maxLength);
        }
    }

    /** Plain sampling from the model's distribution: temperature 1, no top-k/top-p, 100 tokens, stop at {@code <eos>}, seed 0. */
    public static SamplingConfig defaults() {
        return new SamplingConfig(1.0, ALL, 1.0, false, 100, true, false, 0L);
    }

    /** Greedy decoding: always the most probable token. */
    public static SamplingConfig greedyDecoding() {
        return defaults().withGreedy(true);
    }

    /** A copy with another temperature. */
    public SamplingConfig withTemperature(double t) {
        return new SamplingConfig(t, topK, topP, greedy, maxLength, stopAtEos, resampleUnk, seed);
    }

    /** A copy keeping only the {@code k} most probable tokens. */
    public SamplingConfig withTopK(int k) {
        return new SamplingConfig(temperature, k, topP, greedy, maxLength, stopAtEos, resampleUnk, seed);
    }

    /** A copy with nucleus (top-p) filtering at mass {@code p}. */
    public SamplingConfig withTopP(double p) {
        return new SamplingConfig(temperature, topK, p, greedy, maxLength, stopAtEos, resampleUnk, seed);
    }

    /** A copy that is (or is not) greedy. */
    public SamplingConfig withGreedy(boolean on) {
        return new SamplingConfig(temperature, topK, topP, on, maxLength, stopAtEos, resampleUnk, seed);
    }

    /** A copy with another maximum length. */
    public SamplingConfig withMaxLength(int n) {
        return new SamplingConfig(temperature, topK, topP, greedy, n, stopAtEos, resampleUnk, seed);
    }

    /** A copy that stops (or not) at {@code <eos>}. */
    public SamplingConfig withStopAtEos(boolean on) {
        return new SamplingConfig(temperature, topK, topP, greedy, maxLength, on, resampleUnk, seed);
    }

    /** A copy that never emits (or may emit) {@code <unk>}. */
    public SamplingConfig withResampleUnk(boolean on) {
        return new SamplingConfig(temperature, topK, topP, greedy, maxLength, stopAtEos, on, seed);
    }

    /** A copy with another random seed. */
    public SamplingConfig withSeed(long s) {
        return new SamplingConfig(temperature, topK, topP, greedy, maxLength, stopAtEos, resampleUnk, s);
    }
}
