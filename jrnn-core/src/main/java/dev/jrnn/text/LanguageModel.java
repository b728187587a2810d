package dev.jrnn.text;

import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.autograd.Autograd;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.io.Safetensors;
import dev.jrnn.nn.Dropout;
import dev.jrnn.nn.Embedding;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.Losses;
import dev.jrnn.nn.Module;
import dev.jrnn.nn.rnn.RnnBase;
import dev.jrnn.nn.rnn.TttLinear;
import dev.jrnn.nn.rnn.RnnConfig;
import dev.jrnn.nn.rnn.RnnOutput;
import dev.jrnn.nn.rnn.RnnState;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.nn.rnn.HiddenState;
import dev.jrnn.nn.rnn.LstmState;
import dev.jrnn.nn.rnn.MLstmState;
import dev.jrnn.nn.rnn.SLstmState;
import dev.jrnn.tensor.Shapes;
import dev.jrnn.train.Metrics;
import dev.jrnn.train.StepSource;
import dev.jrnn.train.TruncatedBptt;
import dev.jrnn.train.diagnostics.ProbeBatch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A recurrent language model over token ids (words or characters), the "RNN model" of
 * Ng's <i>Sequence Models</i> course (week 1; docs/text-generation.md):
 * <pre>
 *   x_t = E[y_{t−1}]                         Embedding(V, E); x_1 is the start input (see {@link LanguageModelConfig})
 *   h_t = RNN(x_t, h_{t−1})                  LSTM, GRU or simple RNN; numLayers stacked, state H
 *   z_t = W_o h_t + b_o                      Linear(H, V): the logits of the next token
 *   P(y_t | y_{&lt;t}) = softmax(z_t)[y_t]
 *   P(y_1 … y_T) = Π_t P(y_t | y_{&lt;t})      (chain rule: a sentence's probability is a product of conditionals)
 * </pre>
 * Dropout (the config's {@code dropout}) acts on the embeddings, between recurrent layers and on the top
 * layer's output, in training mode only. Children: {@code embedding}, {@code rnn}, {@code output}; their
 * parameters have PyTorch's names ({@code rnn.weight_ih_l0}, {@code output.weight}, ...).
 *
 * <p>Every method works on int ids; text ↔ ids is a tokenizer's and vocabulary's job. Training is
 * the {@link dev.jrnn.train.Trainer} over {@link #steps} (truncated BPTT over a token stream); scoring is {@link #logProbability} and
 * {@link #evaluate} (perplexity, bits per character); generation is {@link #generate} (sampling: temperature,
 * top-k, top-p, greedy; see {@link SamplingConfig}) and {@link #beamSearch}, both stateful: each new token is
 * one recurrent step from the kept state ({@link Session}), never a rerun of the prefix.
 *
 * <pre>{@code
 * var lm = new LanguageModel(LanguageModelConfig.of(vocab.size(), 32, 128).withSpecials(eos, eos, unk));
 * Trainer.builder(lm, optimizer).config(Trainer.Config.of(10, 32).withClipNorm(5).withLanguageModelMetrics(true)).build()
 *         .fit(lm.steps(trainIds, 32, 35), lm.steps(validIds, 32, 35));
 * double logP = lm.logProbability(ids);                   // ln P(sentence, <eos>)
 * int[] text = lm.generate(seedIds, SamplingConfig.defaults().withTemperature(0.8).withSeed(7)).tokens();
 * }</pre>
 */
public final class LanguageModel extends Module {
    /** "No such token": for the config's special ids, and, as an input id, the zero vector. */
    public static final int NONE = -1;

    private final LanguageModelConfig config;
    private final Embedding embedding;
    private final RnnBase rnn;
    private final Linear output;
    private final Dropout dropout;

    /** A fresh model, weights drawn from {@code new Rng(config.seed())}. */
    public LanguageModel(LanguageModelConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        Rng rng = new Rng(config.seed());
        int v = config.vocabSize(), e = config.embeddingDim(), h = config.hiddenSize();
        embedding = registerModule("embedding", Embedding.builder(v, e).dtype(config.dtype()).rng(rng).build());
        rnn = registerModule("rnn", newRecurrent(config.cell(), e, h, config.numLayers(), config.dropout(), config.dtype(), rng));
        output = registerModule("output", new Linear(h, v, true, config.dtype(), rng));
        dropout = registerModule("dropout", new Dropout(config.dropout(), new Rng(rng.nextLong())));   // no parameters
    }

    /** A stock recurrent layer (batch-first, unidirectional, with biases) for a cell type. */
    static RnnBase newRecurrent(CellType cell, int in, int hidden, int layers, double dropout, DType dtype, Rng rng) {
        return RnnBase.create(new RnnConfig(cell, in, hidden, layers, true, true, dropout, false), dtype, rng);
    }

    /** The configuration. */
    public LanguageModelConfig config() { return config; }

    /** The token table {@code [V, E]}. */
    public Embedding embedding() { return embedding; }

    /** The recurrent layers. */
    public RnnBase rnn() { return rnn; }

    /** The output projection {@code H -> V}. */
    public Linear output() { return output; }

    // ------------------------------------------------------------------ forward

    /**
     * The logits of every step and the state after the last one.
     *
     * @param logits {@code [B, T, V]}: row {@code [b, t]} scores the token that follows input {@code [b, t]}
     * @param state  the recurrent state after step {@code T}, {@code [L, B, H]} tensors (pass it back to continue)
     */
    public record Output(Tensor logits, RnnState state) {}

    /**
     * Runs the model over a batch of id sequences.
     *
     * @param ids   {@code B·T} token ids, row-major ({@code ids[b·T + t]}); {@link #NONE} stands for the zero vector
     * @param batch {@code B}
     * @param time  {@code T}
     * @param state the state to start from ({@code [L, B, H]} tensors, e.g. a previous {@link Output#state()}),
     *              or null for zeros
     * @return the logits {@code [B, T, V]} and the final state (attached to the graph when recording)
     */
    public Output forward(int[] ids, int batch, int time, RnnState state) {
        Objects.requireNonNull(ids, "ids");
        if (batch < 1 || time < 1 || ids.length != batch * time) {
            throw new IllegalArgumentException("LanguageModel.forward: " + ids.length + " ids do not make a batch of "
                    + batch + " sequences of " + time + " steps (expected ids.length = batch·time >= 1)");
        }
        Tensor x = dropout.forward(embed(ids, batch, time));             // [B, T, E]
        RnnOutput out = rnn.forwardFrom(x, state, null);                 // output [B, T, H], state [L, B, H]
        Tensor logits = output.forward(dropout.forward(out.output()));   // [B, T, V]
        return new Output(logits, out.state());
    }

    /** The embeddings of {@code ids}, with the zero vector wherever an id is {@link #NONE}. */
    private Tensor embed(int[] ids, int batch, int time) {
        boolean anyNone = false;
        for (int id : ids) anyNone |= id == NONE;
        if (!anyNone) {
            return embedding.forward(ids, batch, time);                   // [B, T, E]
        }
        int[] safe = ids.clone();
        NdArray keep = NdArray.zeros(config.dtype(), batch, time, 1);
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == NONE) safe[i] = 0;
            else keep.setFlat(i, 1);
        }
        return embedding.forward(safe, batch, time).mul(Tensor.constant(keep));   // zero rows where there is no token
    }

    /**
     * The mean cross-entropy of one truncated-BPTT chunk, from a carried state: the {@link TruncatedBptt.ChunkStep}
     * of this model (what {@link #steps} runs).
     */
    public TruncatedBptt.Result<RnnState> chunkLoss(TruncatedBptt.Chunk chunk, RnnState state) {
        Output o = forward(chunk.inputs(), chunk.batch(), chunk.length(), state);
        return new TruncatedBptt.Result<>(Losses.sequenceCrossEntropy(o.logits(), chunk.targets(), null), o.state());
    }

    /**
     * The training steps of a token stream for the {@link dev.jrnn.train.Trainer}: cut into {@code rows} parallel rows
     * read in chunks of {@code bpttLength} steps, the state carried from chunk to chunk ({@link StepSource#chunks}).
     */
    public StepSource steps(int[] corpus, int rows, int bpttLength) {
        return StepSource.chunks(new TruncatedBptt(corpus, rows, bpttLength), this::chunkLoss, this::stateOf);
    }

    /**
     * This model's recurrent state from its tensors (as {@link RnnState#tensors()} gives them: two for an LSTM,
     * {@code h} and {@code c}; four for sLSTM/mLSTM, {@code h, c, n, m} (mLSTM, one head: {@code c} has
     * {@code hidden²} and {@code m} one feature); one otherwise; each {@code [layers, rows, ·]}), e.g. read back
     * from a checkpoint.
     *
     * @throws IllegalArgumentException when the count or a shape does not fit this model
     */
    public RnnState stateOf(List<Tensor> tensors) {
        CellType cell = config.cell();
        boolean ttt = cell == CellType.TTT_LINEAR;            // h and the fast weights W
        int parts = cell == CellType.LSTM || ttt ? 2 : cell.isXlstm() ? 4 : 1;
        if (tensors.size() != parts) {
            throw new IllegalArgumentException("LanguageModel.stateOf: a " + cell + " state has " + parts
                    + " tensor(s), got " + tensors.size());
        }
        int h = config.hiddenSize();
        int[] widths = cell == CellType.MLSTM ? new int[] {h, h * h, h, 1}          // one head
                : ttt ? new int[] {h, ((TttLinear) rnn).cell(0, false).stateSize()} : new int[] {h, h, h, h};
        for (int i = 0; i < parts; i++) {
            int[] s = tensors.get(i).shape();
            if (s.length != 3 || s[0] != config.numLayers() || s[2] != widths[i]) {
                throw new IllegalArgumentException("LanguageModel.stateOf: expected tensor " + i + " of shape ["
                        + config.numLayers() + ", rows, " + widths[i] + "], got " + Shapes.str(s));
            }
        }
        if (cell == CellType.SLSTM) {
            return new SLstmState(tensors.get(0), tensors.get(1), tensors.get(2), tensors.get(3));
        }
        if (cell == CellType.MLSTM) {
            return new MLstmState(tensors.get(0), tensors.get(1), tensors.get(2), tensors.get(3));
        }
        return parts == 2 ? new LstmState(tensors.get(0), tensors.get(1)) : new HiddenState(tensors.get(0));
    }

    /**
     * A gradient-flow probe on one chunk ({@link dev.jrnn.train.diagnostics.GradientDiagnostics}): the chunk embedded,
     * and this model's cross-entropy on the recurrent layer's output.
     */
    public ProbeBatch probe(TruncatedBptt.Chunk c) {
        Tensor x = embedding.forward(c.inputs(), c.batch(), c.length());
        return ProbeBatch.of(x, out -> Losses.sequenceCrossEntropy(output.forward(out.output()), c.targets(), null));
    }

    // ------------------------------------------------------------------ scoring

    /**
     * Perplexity and bits per token of a held-out stream.
     *
     * @param meanNll the mean negative log-likelihood per predicted token, in nats
     * @param tokens  how many tokens were predicted
     */
    public record Evaluation(double meanNll, long tokens) {
        /** {@code exp(meanNll)}: the model is as unsure as a uniform choice among this many tokens. */
        public double perplexity() { return Metrics.perplexity(meanNll); }

        /** {@code meanNll / ln 2}: bits per token, i.e. bits per character for a char-level model. */
        public double bitsPerToken() { return Metrics.bitsPerCharacter(meanNll); }
    }

    /**
     * Evaluates a token stream the way it is trained: cut into {@code batchSize} parallel rows read in chunks of
     * {@code bpttLength} steps with the state carried across chunks (see {@link TruncatedBptt}), in evaluation
     * mode (no dropout) without recording a graph. Each row's first token is only context and the tail that does
     * not fill a row is dropped, so with {@code batchSize = 1} every token but the first is scored.
     *
     * @return the mean NLL in nats, with perplexity and bits per token
     */
    public Evaluation evaluate(int[] corpus, int batchSize, int bpttLength) {
        return evaluate(corpus, batchSize, bpttLength, (done, total) -> true);
    }

    /** Told after every chunk of an {@link #evaluate(int[], int, int, ChunkProgress) evaluation}; may end it early. */
    @FunctionalInterface
    public interface ChunkProgress {
        /**
         * @param done  chunks scored so far
         * @param total chunks in all
         * @return whether to go on; false ends the evaluation with the chunks scored so far
         */
        boolean chunkDone(int done, int total);
    }

    /**
     * {@link #evaluate(int[], int, int)} that reports after every chunk (for progress output) and can stop early (for a
     * time budget): the result then covers the chunks scored, {@link Evaluation#tokens()} saying how many tokens.
     */
    public Evaluation evaluate(int[] corpus, int batchSize, int bpttLength, ChunkProgress progress) {
        TruncatedBptt stream = new TruncatedBptt(corpus, batchSize, bpttLength);
        return inference(() -> {
            RnnState state = null;
            double nll = 0;
            long tokens = 0;
            for (int i = 0; i < stream.chunks() && (i == 0 || progress.chunkDone(i, stream.chunks())); i++) {
                TruncatedBptt.Chunk c = stream.chunk(i);
                Output o = forward(c.inputs(), c.batch(), c.length(), state);
                nll += Losses.sequenceCrossEntropy(o.logits(), c.targets(), null, Losses.Reduction.SUM).item();
                tokens += (long) c.batch() * c.length();
                state = o.state();
            }
            return new Evaluation(nll / tokens, tokens);
        });
    }

    /**
     * {@code ln P(sentence)} by the chain rule, {@code Σ_t ln P(y_t | start, y_1 … y_{t−1})}, including the
     * closing {@code <eos>} when the model has one (the course ends every training sentence with {@code <eos>}, so
     * the probability of a sentence is that of the sentence <i>and</i> its end). See
     * {@link #logProbability(int[], boolean)}.
     */
    public double logProbability(int[] sentence) {
        return logProbability(sentence, config.eosId() != NONE);
    }

    /**
     * {@code ln P(y_1 … y_n [, <eos>])}: the sum of {@link #stepLogProbabilities}. The first token is conditioned on
     * the start input ({@code <bos>}/{@code <eos>} or the zero vector, see {@link LanguageModelConfig}); the start
     * input itself is given, not scored.
     *
     * @param sentence token ids, may be empty
     * @param withEos  also score {@code P(<eos> | y_1 … y_n)} (the model must have an {@code eosId})
     * @return a natural-log probability, &lt;= 0
     */
    public double logProbability(int[] sentence, boolean withEos) {
        double sum = 0;
        for (double lp : stepLogProbabilities(sentence, withEos)) sum += lp;
        return sum;
    }

    /**
     * {@code ln P(y_t | start, y_{<t})} for every token of the sentence (and the {@code <eos>} after it), in one
     * forward pass (evaluation mode, no graph).
     *
     * @return {@code n} values, or {@code n + 1} with {@code withEos}
     */
    public double[] stepLogProbabilities(int[] sentence, boolean withEos) {
        Objects.requireNonNull(sentence, "sentence");
        if (withEos && config.eosId() == NONE) {
            throw new IllegalStateException("LanguageModel.logProbability: withEos needs the model's eosId "
                    + "(LanguageModelConfig.withSpecials)");
        }
        int n = sentence.length, steps = n + (withEos ? 1 : 0);
        if (steps == 0) return new double[0];
        int[] inputs = new int[steps], targets = new int[steps];
        inputs[0] = config.startId();                                     // NONE: the zero vector
        for (int t = 0; t < n; t++) {
            targets[t] = sentence[t];
            if (t + 1 < steps) inputs[t + 1] = sentence[t];
        }
        if (withEos) targets[n] = config.eosId();
        double[][] logits = inference(() -> rows(forward(inputs, 1, steps, null).logits()));
        double[] out = new double[steps];
        for (int t = 0; t < steps; t++) out[t] = Sampler.logSoftmax(logits[t])[targets[t]];
        return out;
    }

    /**
     * The logits of the token after {@code context}, computed from scratch: the start input and the whole
     * context run again. (A {@link Session} gives the same numbers one step at a time; this is the reference.)
     */
    public double[] nextLogits(int[] context) {
        int[] inputs = new int[context.length + 1];
        inputs[0] = config.startId();
        System.arraycopy(context, 0, inputs, 1, context.length);
        double[][] logits = inference(() -> rows(forward(inputs, 1, inputs.length, null).logits()));
        return logits[logits.length - 1];
    }

    // ------------------------------------------------------------------ generation

    /** A fresh {@link Session}: the start input has been read, {@link Session#logits()} scores the first token. */
    public Session session() {
        return new Session();
    }

    /**
     * Step-by-step generation with a kept state: each {@link #feed} runs only the new tokens from the state
     * left by the previous call (batch 1, evaluation mode, no graph), so generating {@code n} tokens costs
     * {@code n} recurrent steps, not {@code n²/2}.
     */
    public final class Session {
        private RnnState state;
        private double[] logits;
        private int steps;

        private Session() {
            advance(new int[] {config.startId()});
            steps = 0;                                                     // the start input is not a token
        }

        /**
         * Reads {@code tokens} (one forward call over all of them) and returns the logits of the token after them.
         *
         * @param tokens one or more ids in {@code 0..V-1}
         * @return a fresh array of {@code V} logits
         */
        public double[] feed(int... tokens) {
            if (tokens.length == 0) {
                throw new IllegalArgumentException("LanguageModel.Session.feed: no tokens given");
            }
            advance(tokens);
            steps += tokens.length;
            return logits.clone();
        }

        private void advance(int[] tokens) {
            double[][] rows = inference(() -> {
                Output o = forward(tokens, 1, tokens.length, state);
                state = o.state();
                return rows(o.logits());
            });
            logits = rows[rows.length - 1];
        }

        /** The logits of the next token (a copy). */
        public double[] logits() { return logits.clone(); }

        /** The recurrent state after the tokens read so far ({@code [L, 1, H]} tensors). */
        public RnnState state() { return state; }

        /** How many tokens have been fed (the start input not counted). */
        public int steps() { return steps; }
    }

    /**
     * A generated sequence.
     *
     * @param tokens         the new ids (the seed text and a final {@code <eos>} not included)
     * @param logProbability {@code ln P} of the drawn tokens (and of the {@code <eos>} that stopped them) under the
     *                       model's own distribution (temperature 1, no filtering), given the seed
     * @param endedAtEos     whether generation stopped at {@code <eos>} (else it reached {@code maxLength})
     */
    public record Generation(int[] tokens, double logProbability, boolean endedAtEos) {}

    /** {@link #generate(int[], SamplingConfig, Rng)} with {@code new Rng(sampling.seed())}: the same seed gives the same text. */
    public Generation generate(int[] prompt, SamplingConfig sampling) {
        return generate(prompt, sampling, new Rng(sampling.seed()));
    }

    /**
     * Generates a continuation of {@code prompt} (the course's "sampling novel sequences"): read the start input and
     * the prompt, then repeatedly draw a token from the shaped distribution ({@link Sampler}) and feed it back,
     * until {@code <eos>} (when {@link SamplingConfig#stopAtEos()} and the model has an {@code eosId}) or
     * {@link SamplingConfig#maxLength()} tokens. With {@link SamplingConfig#resampleUnk()}, {@code <unk>} is never
     * emitted.
     *
     * @param prompt   the seed ids, possibly empty ("from nothing": only the start input)
     * @param sampling the sampling options
     * @param rng      the random source (advanced by one draw per token, none when greedy)
     * @return the new tokens
     */
    public Generation generate(int[] prompt, SamplingConfig sampling, Rng rng) {
        Objects.requireNonNull(prompt, "prompt");
        Sampler sampler = new Sampler(sampling);
        Session session = session();
        double[] logits = prompt.length == 0 ? session.logits() : session.feed(prompt);
        List<Integer> out = new ArrayList<>();
        double logP = 0;
        boolean eos = false;
        while (out.size() < sampling.maxLength()) {
            int id = sampler.next(logits, rng, config.unkId());
            logP += Sampler.logSoftmax(logits)[id];
            if (sampling.stopAtEos() && id == config.eosId()) {
                eos = true;
                break;
            }
            out.add(id);
            if (out.size() < sampling.maxLength()) {
                logits = session.feed(id);                                 // one step from the kept state
            }
        }
        return new Generation(out.stream().mapToInt(Integer::intValue).toArray(), logP, eos);
    }

    /**
     * The most probable continuations of {@code prompt} by beam search (stateful; the beam's hypotheses run as
     * one batch per step), best first. Stops hypotheses at the model's {@code <eos>} when it has one.
     *
     * @param prompt seed ids, possibly empty
     * @param beam   width, maximum length and length normalisation
     */
    public List<BeamSearch.Hypothesis> beamSearch(int[] prompt, BeamSearchConfig beam) {
        Session session = session();
        double[] first = prompt.length == 0 ? session.logits() : session.feed(prompt);
        RnnState start = session.state();
        BeamSearch.Model<RnnState> model = new BeamSearch.Model<>() {
            @Override
            public BeamSearch.Step<RnnState> start() {
                return new BeamSearch.Step<>(Sampler.logSoftmax(first), start);
            }

            @Override
            public List<BeamSearch.Step<RnnState>> advance(List<RnnState> states, int[] tokens) {
                return inference(() -> {
                    Output o = forward(tokens, tokens.length, 1, concatStates(states));
                    return steps(rows(o.logits()), o.state(), tokens.length);
                });
            }
        };
        return BeamSearch.search(model, beam.eosId() == NONE ? beam.withEos(config.eosId()) : beam);
    }

    // ------------------------------------------------------------------ files

    /**
     * A model read from a file, with the file's metadata (the model's config keys {@code lm.*} and whatever else
     * was saved with it, such as a vocabulary).
     *
     * @param model    the model, weights loaded
     * @param metadata every metadata entry of the file
     */
    public record Loaded(LanguageModel model, Map<String, String> metadata) {}

    /**
     * Saves config and weights as one safetensors file (atomically: temp file, fsync, rename); weight names are the
     * {@link #stateDict()} names, the config is in the metadata ({@link LanguageModelConfig#toMetadata()}).
     *
     * @param path  the file
     * @param extra more metadata to store (e.g. the vocabulary); keys must not start with {@code lm.}
     */
    public void save(Path path, Map<String, String> extra) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>(config.toMetadata());
        for (Map.Entry<String, String> e : extra.entrySet()) {
            if (e.getKey().startsWith("lm.")) {
                throw new IllegalArgumentException("LanguageModel.save: metadata key '" + e.getKey()
                        + "' is reserved (the lm.* keys hold the model config)");
            }
            meta.put(e.getKey(), e.getValue());
        }
        Safetensors.write(path, stateDict(), meta);
    }

    /**
     * Reads a file written by {@link #save}: validates the config, builds the model, loads the weights (every name
     * and shape checked before anything is written).
     */
    public static Loaded load(Path path) throws IOException {
        Safetensors.File f = Safetensors.readWithMetadata(path);
        LanguageModelConfig config;
        try {
            config = LanguageModelConfig.fromMetadata(f.metadata());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
        }
        LanguageModel lm = new LanguageModel(config);
        Map<String, NdArray> weights = new LinkedHashMap<>();
        f.tensors().forEach((k, v) -> weights.put(k, v.dtype() == config.dtype() ? v : v.to(config.dtype())));
        lm.loadStateDict(weights);
        return new Loaded(lm, f.metadata());
    }

    @Override
    protected String describe() {
        return "LanguageModel(" + config + ")";
    }

    // ------------------------------------------------------------------ helpers shared with Seq2Seq

    /** Runs {@code body} in evaluation mode without recording a graph, then restores the mode. */
    <T> T inference(Supplier<T> body) {
        return inference(this, body);
    }

    static <T> T inference(Module m, Supplier<T> body) {
        boolean wasTraining = m.isTraining();
        m.eval();
        try (Autograd.Scope ignored = Autograd.noGrad()) {
            return body.get();
        } finally {
            m.train(wasTraining);
        }
    }

    /** The rows of logits {@code [B, T, V]} (or {@code [N, V]}) as {@code B·T} arrays of {@code V} doubles. */
    static double[][] rows(Tensor logits) {
        double[] flat = logits.data().toDoubleArray();
        int v = logits.dim(-1), n = flat.length / v;
        double[][] out = new double[n][];
        for (int r = 0; r < n; r++) out[r] = Arrays.copyOfRange(flat, r * v, (r + 1) * v);
        return out;
    }

    /** Beam steps from one batched call: row {@code b}'s log-softmax and the state of batch entry {@code b}. */
    static List<BeamSearch.Step<RnnState>> steps(double[][] logitRows, RnnState state, int batch) {
        List<BeamSearch.Step<RnnState>> out = new ArrayList<>(batch);
        for (int b = 0; b < batch; b++) {
            out.add(new BeamSearch.Step<>(Sampler.logSoftmax(logitRows[b]), sliceState(state, b)));
        }
        return out;
    }

    /** States of batch 1 ({@code [L, 1, H]} tensors) joined into one batch ({@code [L, B, H]}). */
    static RnnState concatStates(List<RnnState> states) {
        int parts = states.get(0).tensors().size();
        List<Tensor> joined = new ArrayList<>(parts);
        for (int i = 0; i < parts; i++) {
            Tensor[] pieces = new Tensor[states.size()];
            for (int b = 0; b < pieces.length; b++) pieces[b] = states.get(b).tensors().get(i);
            joined.add(Tensor.concat(1, pieces));
        }
        return states.get(0).withTensors(joined);
    }

    /** Batch entry {@code b} of a state of {@code [L, B, H]} tensors, as {@code [L, 1, H]} tensors. */
    static RnnState sliceState(RnnState state, int b) {
        List<Tensor> parts = new ArrayList<>();
        for (Tensor t : state.tensors()) parts.add(t.slice(1, b, b + 1));
        return state.withTensors(parts);
    }
}
