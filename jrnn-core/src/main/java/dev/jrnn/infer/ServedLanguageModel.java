package dev.jrnn.infer;

import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.text.LanguageModel;
import dev.jrnn.text.LanguageModelConfig;
import dev.jrnn.text.Sampler;
import dev.jrnn.text.SamplingConfig;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.IntConsumer;

/**
 * A {@link LanguageModel} frozen for serving next-token scores: the embedding, the recurrent layers
 * ({@link PackedRnn}) and the output projection copied once, shared by any number of threads.
 *
 * <p><b>Thread safety</b>: immutable, like {@link PackedRnn}. Each {@link Session} (one per conversation or
 * request) owns its state and buffers and belongs to one thread at a time; {@link Session#feed} allocates
 * nothing. A session computes what {@link LanguageModel#session()} computes (evaluation mode), to rounding.
 */
public final class ServedLanguageModel {
    private final LanguageModelConfig config;
    private final PackedRnn rnn;
    private final PackedLinear output;
    private final float[] embF;      // [V, E], float32 models
    private final double[] embD;     // [V, E], float64 models

    private ServedLanguageModel(LanguageModel lm) {
        this.config = lm.config();
        this.rnn = PackedRnn.of(lm.rnn());
        this.output = new PackedLinear(lm.output());
        NdArray e = lm.embedding().weight().data();
        this.embF = e.dtype() == DType.FLOAT32 ? e.floatData().clone() : null;
        this.embD = e.dtype() == DType.FLOAT64 ? e.doubleData().clone() : null;
    }

    /** Copies and packs {@code lm}'s weights (their current values). */
    public static ServedLanguageModel of(LanguageModel lm) {
        return new ServedLanguageModel(Objects.requireNonNull(lm, "lm"));
    }

    /** The model's configuration. */
    public LanguageModelConfig config() { return config; }

    /** The recurrent part. */
    public PackedRnn rnn() { return rnn; }

    /** A new session that has read the start input: {@link Session#logits()} scores the first token. */
    public Session openSession() {
        return new Session();
    }

    /**
     * What {@link LanguageModel#generate(int[], SamplingConfig, Rng)} generates, one recurrent step per token:
     * read the start input and the prompt, then draw a token from the shaped distribution ({@link Sampler}) and
     * feed it back, until {@code <eos>} (with {@link SamplingConfig#stopAtEos()}) or
     * {@link SamplingConfig#maxLength()} tokens. The same {@code rng} state gives the same tokens as the source
     * model's method, unless a draw falls within rounding of a boundary between two tokens (the logits agree to
     * rounding, not bit for bit). Thread-safe: each call has its own session.
     *
     * @param prompt   the seed ids, possibly empty
     * @param sampling the sampling options
     * @param rng      the random source, advanced by one draw per token (none when greedy)
     * @return the new tokens, their log-probability under the model's own distribution and whether {@code <eos>}
     *         stopped them
     */
    public LanguageModel.Generation generate(int[] prompt, SamplingConfig sampling, Rng rng) {
        return generate(prompt, sampling, rng, id -> { });
    }

    /**
     * As {@link #generate(int[], SamplingConfig, Rng)}, handing every new token to {@code onToken} as soon as it is
     * drawn (before the next step is computed), so that a caller can show the text while it is generated. The
     * {@code <eos>} that stops a generation is not handed on, as it is not among the returned tokens.
     *
     * @param onToken called once per returned token, in order, on the calling thread
     */
    public LanguageModel.Generation generate(int[] prompt, SamplingConfig sampling, Rng rng, IntConsumer onToken) {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(onToken, "onToken");
        Sampler sampler = new Sampler(sampling);
        Session session = openSession();
        double[] logits = session.logits();
        for (int id : prompt) logits = session.feed(id);
        int[] out = new int[sampling.maxLength()];
        int n = 0;
        double logP = 0;
        boolean eos = false;
        while (n < sampling.maxLength()) {
            int id = sampler.next(logits, rng, config.unkId());
            logP += Sampler.logSoftmax(logits)[id];
            if (sampling.stopAtEos() && id == config.eosId()) {
                eos = true;
                break;
            }
            out[n++] = id;
            onToken.accept(id);
            if (n < sampling.maxLength()) logits = session.feed(id);
        }
        return new LanguageModel.Generation(Arrays.copyOf(out, n), logP, eos);
    }

    /** One sequence of tokens read one at a time; not thread-safe (one thread at a time). */
    public final class Session {
        private final RnnStream stream = rnn.openStream();
        private final int e = config.embeddingDim();
        private final float[] xF = embF == null ? null : new float[e], yF = embF == null ? null : new float[output.out];
        private final double[] xD = embD == null ? null : new double[e];
        private final double[] logits = new double[output.out];
        private long tokens;

        private Session() {
            advance(config.startId());
        }

        /**
         * Reads one token and returns the logits of the next.
         *
         * @param token an id in {@code 0..V-1}
         * @return {@code V} logits in an array owned by this session, overwritten by the next {@code feed}
         */
        public double[] feed(int token) {
            if (token < 0 || token >= config.vocabSize()) {
                throw new IllegalArgumentException("ServedLanguageModel.Session.feed: token " + token
                        + " is out of range 0.." + (config.vocabSize() - 1));
            }
            advance(token);
            tokens++;
            return logits;
        }

        private void advance(int token) {
            if (embF != null) {
                if (token == LanguageModel.NONE) java.util.Arrays.fill(xF, 0f);
                else System.arraycopy(embF, token * e, xF, 0, e);
                output.apply(stream.step(xF), yF, logits);
            } else {
                if (token == LanguageModel.NONE) java.util.Arrays.fill(xD, 0.0);
                else System.arraycopy(embD, token * e, xD, 0, e);
                output.apply(stream.step(xD), logits);
            }
        }

        /** The logits of the next token (the array {@link #feed} returned last). */
        public double[] logits() { return logits; }

        /** Tokens fed so far (the start input not counted). */
        public long tokens() { return tokens; }
    }
}
