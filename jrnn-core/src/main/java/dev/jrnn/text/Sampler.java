package dev.jrnn.text;

import dev.jrnn.tensor.Rng;

import java.util.Arrays;
import java.util.Objects;

/**
 * Picks the next token from a model's logits, as a {@link SamplingConfig} says: temperature, top-k, top-p
 * (nucleus), greedy, and optionally never {@code <unk>}. It knows nothing of models: it maps one vector of
 * logits {@code z} (length {@code V}) to a distribution and draws from it.
 * <pre>
 *   p = softmax(z / temperature)                                  (max-shifted, in double)
 *   keep the top k of p, renormalise; keep the smallest most-probable-first prefix with mass ≥ topP, renormalise
 *   resampleUnk: p[unk] = 0, renormalise (the same law as drawing again whenever &lt;unk&gt; comes up)
 *   greedy: the argmax (ties: the lower id), &lt;unk&gt; excluded when resampling
 * </pre>
 * {@link #distribution} returns that final distribution (one-hot when greedy), so tests can check what
 * {@link #next} draws from.
 *
 * <pre>{@code
 * Sampler s = new Sampler(SamplingConfig.defaults().withTemperature(0.8).withTopK(40));
 * int id = s.next(logits, rng, unkId);        // unkId = LanguageModel.NONE when there is none
 * }</pre>
 */
public final class Sampler {
    /** Cumulative mass within this of {@code topP} counts as reaching it (sums of doubles are not exact). */
    private static final double MASS_TOLERANCE = 1e-12;

    private final SamplingConfig config;

    /** A sampler with the given options. */
    public Sampler(SamplingConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /** The options. */
    public SamplingConfig config() {
        return config;
    }

    /**
     * Draws the next token id.
     *
     * @param logits the model's scores for every token, length {@code V} (not changed)
     * @param rng    the random source (unused when greedy)
     * @param unkId  the {@code <unk>} id, excluded when {@link SamplingConfig#resampleUnk()}; {@link LanguageModel#NONE} for none
     * @return an id in {@code 0..V-1}
     */
    public int next(double[] logits, Rng rng, int unkId) {
        if (config.greedy()) {
            return argmax(logits, banned(unkId, logits.length));
        }
        Objects.requireNonNull(rng, "rng");
        double[] p = distribution(logits, unkId);
        double u = rng.nextDouble();
        double cumulative = 0;
        int last = -1;
        for (int i = 0; i < p.length; i++) {
            if (p[i] > 0) {
                cumulative += p[i];
                last = i;
                if (u < cumulative) return i;
            }
        }
        return last;                                       // u fell in the rounding gap just below 1
    }

    /**
     * The distribution {@link #next} draws from: temperature, top-k, top-p and the {@code <unk>} ban applied,
     * renormalised (one-hot when greedy). Entries outside the kept set are exactly 0.
     *
     * @param logits scores for every token, length {@code V}; {@code -∞} is allowed (a token that can never come),
     *               NaN and {@code +∞} are not
     * @param unkId  the {@code <unk>} id to exclude when resampling, or {@link LanguageModel#NONE}
     * @return probabilities of length {@code V} summing to 1
     * @throws IllegalArgumentException for empty or non-finite logits, or when the ban leaves no token
     */
    public double[] distribution(double[] logits, int unkId) {
        int v = check(logits);
        int banned = banned(unkId, v);
        if (config.greedy()) {
            double[] oneHot = new double[v];
            oneHot[argmax(logits, banned)] = 1;
            return oneHot;
        }
        double[] p = softmax(logits, config.temperature());
        if (config.topK() < v || config.topP() < 1) {
            Integer[] order = new Integer[v];
            for (int i = 0; i < v; i++) order[i] = i;
            Arrays.sort(order, (a, b) -> p[a] != p[b] ? Double.compare(p[b], p[a]) : Integer.compare(a, b));  // most probable first
            int keep = Math.min(config.topK(), v);
            double kept = 0;
            for (int r = 0; r < keep; r++) kept += p[order[r]];
            if (config.topP() < 1) {                       // nucleus within the top k, measured after renormalising it
                double cumulative = 0;
                int r = 0;
                while (r < keep) {
                    cumulative += p[order[r]] / kept;
                    r++;
                    if (cumulative >= config.topP() - MASS_TOLERANCE) break;
                }
                keep = r;
            }
            for (int r = keep; r < v; r++) p[order[r]] = 0;
        }
        if (banned >= 0) {
            double before = p[banned];
            p[banned] = 0;
            if (before > 0 && sum(p) == 0) {               // <unk> was the only candidate: take the best other token
                double[] oneHot = new double[v];
                oneHot[argmax(logits, banned)] = 1;
                return oneHot;
            }
        }
        double total = sum(p);
        for (int i = 0; i < v; i++) p[i] /= total;
        return p;
    }

    /**
     * {@code softmax(z / temperature)} in double, max-shifted so that no logit overflows.
     *
     * @param logits      scores, length {@code V}
     * @param temperature &gt; 0
     * @return probabilities summing to 1
     */
    public static double[] softmax(double[] logits, double temperature) {
        check(logits);
        double max = Double.NEGATIVE_INFINITY;
        for (double z : logits) max = Math.max(max, z);
        double[] p = new double[logits.length];
        double total = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp((logits[i] - max) / temperature);
            total += p[i];
        }
        for (int i = 0; i < p.length; i++) p[i] /= total;
        return p;
    }

    /** {@code log softmax(z)}: {@code z_i − log Σ_j exp z_j}, max-shifted. */
    public static double[] logSoftmax(double[] logits) {
        check(logits);
        double max = Double.NEGATIVE_INFINITY;
        for (double z : logits) max = Math.max(max, z);
        double total = 0;
        for (double z : logits) total += Math.exp(z - max);
        double lse = max + Math.log(total);
        double[] out = new double[logits.length];
        for (int i = 0; i < out.length; i++) out[i] = logits[i] - lse;
        return out;
    }

    /** The index of the largest logit other than {@code banned} (ties: the lower index). */
    static int argmax(double[] logits, int banned) {
        int v = check(logits);
        int best = -1;
        for (int i = 0; i < v; i++) {
            if (i != banned && (best < 0 || logits[i] > logits[best])) best = i;
        }
        if (best < 0) {
            throw new IllegalArgumentException("Sampler: every token is excluded (V = " + v + ", <unk> = " + banned
                    + "); a vocabulary of one <unk> cannot generate anything");
        }
        return best;
    }

    private int banned(int unkId, int v) {
        return config.resampleUnk() && unkId >= 0 && unkId < v ? unkId : -1;
    }

    private static int check(double[] logits) {
        Objects.requireNonNull(logits, "logits");
        if (logits.length == 0) {
            throw new IllegalArgumentException("Sampler: logits are empty (a vocabulary of size 0?)");
        }
        boolean anyFinite = false;
        for (int i = 0; i < logits.length; i++) {
            double z = logits[i];
            if (Double.isNaN(z) || z == Double.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("Sampler: logit " + i + " is " + z
                        + "; the model produced non-finite scores (did training diverge? lower the learning rate or clip)");
            }
            anyFinite |= z != Double.NEGATIVE_INFINITY;
        }
        if (!anyFinite) {
            throw new IllegalArgumentException("Sampler: every logit is -Infinity; no token can be drawn");
        }
        return logits.length;
    }

    private static double sum(double[] p) {
        double s = 0;
        for (double x : p) s += x;
        return s;
    }
}
