package dev.jrnn.text;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.AdditiveAttention;
import dev.jrnn.nn.Attention;
import dev.jrnn.nn.Dropout;
import dev.jrnn.nn.Embedding;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.Losses;
import dev.jrnn.nn.Module;
import dev.jrnn.nn.MultiplicativeAttention;
import dev.jrnn.nn.rnn.RnnBase;
import dev.jrnn.nn.rnn.RnnOutput;
import dev.jrnn.nn.rnn.RnnState;
import dev.jrnn.optim.GradClip;
import dev.jrnn.optim.Optimizer;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.train.diagnostics.ProbeBatch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * An encoder–decoder for sequence-to-sequence tasks whose input and output lengths differ (seeds 002 and 004,
 * "many-to-many, T_x ≠ T_y"; Sutskever et al. 2014, Cho et al. 2014):
 * <pre>
 *   encoder:  s_t = RNN_enc(E_src[x_t], s_{t−1}),  s_0 = 0          reads the whole source x_1 … x_{T_x}
 *   decoder:  h_0 = s_{T_x}                                       the source's summary initialises the decoder
 *             h_t = RNN_dec(E_tgt[y_{t−1}], h_{t−1}),  y_0 = &lt;bos&gt;
 *             P(y_t | y_{&lt;t}, x) = softmax(W_o h_t + b_o)[y_t]     up to and including &lt;eos&gt;
 * </pre>
 * Without attention ({@link Attention.Type#NONE}) the encoder's final state (every layer's {@code h}, and {@code c}
 * for an LSTM) is all the decoder knows of the source. With attention the decoder also reads the encoder's top-layer
 * outputs {@code H = h_1 … h_{T_x}} at every step, masked by the source lengths ({@link Attention}):
 * <pre>
 *   Bahdanau:  c_t = Attend_additive(s_{t−1}, H)                  s_{t−1}: the decoder's top-layer h before step t
 *              s_t = RNN_dec([E_tgt[y_{t−1}]; c_t], s_{t−1})       the context joins the decoder's input
 *              P(y_t | …) = softmax(W_o s_t + b_o)
 *   Luong:     h_t = RNN_dec(E_tgt[y_{t−1}], h_{t−1})
 *              c_t = Attend_dot|general(h_t, H)
 *              h̃_t = tanh(W_c [c_t; h_t])                          the attentional hidden state (no input feeding)
 *              P(y_t | …) = softmax(W_o h̃_t + b_o)
 * </pre>
 * Children: {@code source_embedding}, {@code encoder}, {@code target_embedding}, {@code decoder}, {@code output};
 * with attention also {@code attention} and (Luong) {@code combine} ({@code W_c}, {@code [H, 2H]}, no bias). The
 * weights of one decoding are returned by {@link #align}.
 *
 * <p><b>Training</b> uses teacher forcing: the decoder reads {@code <bos>, y_1 … y_n} (the true previous
 * tokens, not its own guesses) and is scored on {@code y_1 … y_n, <eos>}; a batch is padded to its longest
 * target and the per-step cross-entropy is masked ({@link Losses#sequenceCrossEntropy}), so padding adds
 * nothing. Sources are padded too and run with their lengths, so each encoder state is taken at its own
 * last token. <b>Inference</b> feeds the decoder its own outputs: {@link #greedy} (batched) or
 * {@link #beamSearch}. <b>Saving and loading</b> with both vocabularies and tokenizers: {@link Seq2SeqFiles}.
 *
 * <pre>{@code
 * var model = new Seq2Seq(Seq2SeqConfig.of(12, 13, 16, 64, BOS, EOS));
 * var adam = new Adam(model.parameters(), Adam.Config.adam(0.01));
 * double loss = model.trainBatch(sources, targets, adam, 1.0);
 * int[] out = model.greedy(source, 10);
 * }</pre>
 */
public final class Seq2Seq extends Module {
    /**
     * The longest source or target, in tokens, that the command line and saved models accept (10,000): memory for
     * training grows with batch × length × hidden size, and without attention nothing much of a longer source
     * reaches the decoder anyway. Longer text is refused with its file and line before anything is allocated.
     */
    public static final int MAX_LENGTH = 10_000;

    private final Seq2SeqConfig config;
    private final Embedding sourceEmbedding;
    private final RnnBase encoder;
    private final Embedding targetEmbedding;
    private final RnnBase decoder;
    private final Linear output;
    private final Attention attention;   // null without attention
    private final Linear combine;        // W_c of Luong attention, else null
    private final Dropout dropout;
    private final Rng dropoutRng;

    /** A fresh model, weights drawn from {@code new Rng(config.seed())}. */
    public Seq2Seq(Seq2SeqConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        Rng rng = new Rng(config.seed());
        int e = config.embeddingDim(), h = config.hiddenSize();
        sourceEmbedding = registerModule("source_embedding",
                Embedding.builder(config.sourceVocabSize(), e).dtype(config.dtype()).rng(rng).build());
        encoder = registerModule("encoder", LanguageModel.newRecurrent(config.cell(), e, h, config.numLayers(),
                config.dropout(), config.dtype(), rng));
        targetEmbedding = registerModule("target_embedding",
                Embedding.builder(config.targetVocabSize(), e).dtype(config.dtype()).rng(rng).build());
        Attention.Type type = config.attention();
        int decoderInput = type == Attention.Type.BAHDANAU ? e + h : e;     // Bahdanau: [E y; c]
        decoder = registerModule("decoder", LanguageModel.newRecurrent(config.cell(), decoderInput, h, config.numLayers(),
                config.dropout(), config.dtype(), rng));
        output = registerModule("output", new Linear(h, config.targetVocabSize(), true, config.dtype(), rng));
        attention = switch (type) {
            case NONE -> null;
            case BAHDANAU -> registerModule("attention", new AdditiveAttention(h, h, h, config.dtype(), rng));
            case LUONG_DOT, LUONG_GENERAL -> registerModule("attention",
                    new MultiplicativeAttention(h, h, type == Attention.Type.LUONG_GENERAL, config.dtype(), rng));
        };
        boolean luong = type == Attention.Type.LUONG_DOT || type == Attention.Type.LUONG_GENERAL;
        combine = luong ? registerModule("combine", new Linear(2 * h, h, false, config.dtype(), rng)) : null;
        dropoutRng = new Rng(rng.nextLong());
        dropout = registerModule("dropout", new Dropout(config.dropout(), dropoutRng));
    }

    /** The configuration. */
    public Seq2SeqConfig config() { return config; }

    /**
     * The generator of the dropout masks on the embeddings and before the output layer (register it with a trainer
     * to checkpoint it; the recurrent layers' between-layer dropout keeps its generator inside).
     */
    public Rng dropoutRng() { return dropoutRng; }

    // ------------------------------------------------------------------ encoder

    /**
     * Reads a batch of sources (padded inside, run with their lengths).
     *
     * @param sources one or more id sequences, each of length &gt;= 1
     * @return the encoder's final state, {@code [L, B, H]} tensors, taken at each source's last token
     */
    public RnnState encode(List<int[]> sources) {
        return encodeAll(sources).state();
    }

    /** The encoder's final state and, with attention, its prepared outputs. */
    private record Encoded(RnnState state, Attention.Memory memory) {}

    private Encoded encodeAll(List<int[]> sources) {
        Padded src = pad("sources", sources, 0);
        Tensor x = dropout.forward(sourceEmbedding.forward(src.ids, src.batch, src.time));   // [B, Tx, E]
        RnnOutput out = encoder.forwardFrom(x, null, src.lengths);                          // [B, Tx, H], [L, B, H]
        return new Encoded(out.state(), attention == null ? null : attention.memory(out.output(), src.lengths));
    }

    /**
     * The decoder's logits {@code [B, T, V]}, its state after the last step and, with attention, the weights
     * {@code [B, T, S]} (else null).
     */
    private record Decoded(Tensor logits, RnnState state, Tensor weights) {}

    /** The decoder from {@code state} over {@code tokens} {@code [B, T]}, attending over {@code memory} (null without attention). */
    private Decoded decode(int[] tokens, int batch, int time, RnnState state, int[] lengths, Attention.Memory memory) {
        Tensor y = dropout.forward(targetEmbedding.forward(tokens, batch, time));           // [B, T, E]
        if (attention == null) {
            RnnOutput out = decoder.forwardFrom(y, state, lengths);                          // [B, T, H]
            return new Decoded(output.forward(dropout.forward(out.output())), out.state(), null);   // [B, T, V]
        }
        if (combine != null) {                                   // Luong: every step's query is known, attend all at once
            RnnOutput out = decoder.forwardFrom(y, state, lengths);                          // h_t: [B, T, H]
            Attention.Result a = attention.attend(out.output(), memory);                    // c_t: [B, T, H]
            Tensor attentional = combine.forward(Tensor.concat(2, a.context(), out.output())).tanh();   // h̃_t
            return new Decoded(output.forward(dropout.forward(attentional)), out.state(), a.weights());
        }
        int h = config.hiddenSize();                             // Bahdanau: the query is the state before the step
        Tensor[] outs = new Tensor[time], weights = new Tensor[time];
        for (int t = 0; t < time; t++) {
            Tensor query = state.h().select(0, config.numLayers() - 1).reshape(batch, 1, h);   // s_{t−1}: [B, 1, H]
            Attention.Result a = attention.attend(query, memory);                           // c_t: [B, 1, H]
            RnnOutput out = decoder.forwardFrom(Tensor.concat(2, y.slice(1, t, t + 1), a.context()), state, null);
            state = out.state();                     // past a target's end the state runs on; those steps are not scored
            outs[t] = out.output();                                                          // s_t: [B, 1, H]
            weights[t] = a.weights();
        }
        Tensor s = time == 1 ? outs[0] : Tensor.concat(1, outs);
        return new Decoded(output.forward(dropout.forward(s)), state,
                time == 1 ? weights[0] : Tensor.concat(1, weights));
    }

    // ------------------------------------------------------------------ training

    /**
     * Teacher-forced logits: the decoder reads {@code <bos>, y_1 … y_n} from the encoder's state.
     *
     * @param sources the inputs
     * @param targets the outputs, one per source (may be empty: then only {@code <eos>} is predicted)
     * @return {@code [B, T, V]} with {@code T = max n + 1}; row {@code [b, t]} scores target token {@code t}
     *         ({@code <eos>} at {@code t = n_b}); rows past that are padding
     */
    public Tensor teacherForcedLogits(List<int[]> sources, List<int[]> targets) {
        checkPairs(sources, targets);
        Encoded enc = encodeAll(sources);
        Padded in = decoderInputs(targets);
        return decode(in.ids, in.batch, in.time, enc.state(), in.lengths, enc.memory()).logits();
    }

    /**
     * The mean cross-entropy per target token (each {@code <eos>} included, padding excluded) under teacher forcing.
     *
     * @return a scalar tensor, attached to the graph
     */
    public Tensor loss(List<int[]> sources, List<int[]> targets) {
        return tokenLoss(teacherForcedLogits(sources, targets), targets);
    }

    /** {@link #loss} from teacher-forced logits {@code [B, T, V]}. */
    private Tensor tokenLoss(Tensor logits, List<int[]> targets) {
        int batch = logits.dim(0), time = logits.dim(1);
        int[] gold = new int[batch * time];
        NdArray mask = NdArray.zeros(config.dtype(), batch, time);
        for (int b = 0; b < batch; b++) {
            int[] y = targets.get(b);
            for (int t = 0; t < time; t++) {
                boolean valid = t <= y.length;                                               // y_1 … y_n, then <eos>
                gold[b * time + t] = !valid ? -1 : t < y.length ? y[t] : config.eosId();
                if (valid) mask.setFlat(b * time + t, 1);
            }
        }
        return Losses.sequenceCrossEntropy(logits, gold, mask);
    }

    /** The encoder, an {@link RnnBase} over the embedded sources (for diagnostics). */
    public RnnBase encoder() { return encoder; }

    /**
     * A gradient-flow probe of the encoder on one batch of pairs ({@link dev.jrnn.train.diagnostics.GradientDiagnostics}):
     * its input the embedded sources (no dropout) with their lengths, and the rest of the model as the loss (attention
     * over the probed encoder outputs, the teacher-forced decoder from the probed final state, {@link #loss}'s
     * cross-entropy), so {@code ‖∂L/∂h_j‖} is the gradient that reaches each source position.
     */
    public ProbeBatch probe(List<int[]> sources, List<int[]> targets) {
        checkPairs(sources, targets);
        Padded src = pad("sources", sources, 0);
        Tensor x = sourceEmbedding.forward(src.ids, src.batch, src.time);                   // [B, Tx, E]
        return ProbeBatch.of(x, src.lengths, out -> {
            Attention.Memory memory = attention == null ? null : attention.memory(out.output(), src.lengths);
            Padded in = decoderInputs(targets);
            return tokenLoss(decode(in.ids, in.batch, in.time, out.state(), in.lengths, memory).logits(), targets);
        });
    }

    /**
     * One update on one batch, read top to bottom: zero the gradients, teacher-forced loss, backward, clip, step.
     *
     * @param optimizer an optimizer over {@link #parameters()}
     * @param clipNorm  global gradient-norm limit (0: none)
     * @return the batch's loss before the update
     */
    public double trainBatch(List<int[]> sources, List<int[]> targets, Optimizer optimizer, double clipNorm) {
        train(true);
        optimizer.zeroGrad();
        Tensor loss = loss(sources, targets);
        loss.backward();
        if (clipNorm > 0) {
            GradClip.byGlobalNorm(optimizer.parameters(), clipNorm);
        }
        optimizer.checkedStep(loss.item());
        return loss.item();
    }

    /**
     * {@code ln P(target, <eos> | source)} by the chain rule over the decoder's steps (evaluation mode).
     */
    public double logProbability(int[] source, int[] target) {
        double[][] rows = LanguageModel.inference(this, () ->
                LanguageModel.rows(teacherForcedLogits(List.of(source), List.of(target))));
        double sum = 0;
        for (int t = 0; t <= target.length; t++) {
            sum += Sampler.logSoftmax(rows[t])[t < target.length ? target[t] : config.eosId()];
        }
        return sum;
    }

    // ------------------------------------------------------------------ inference

    /**
     * Greedy decoding of a batch: the decoder feeds back its most probable token (ties: the lower id) until
     * {@code <eos>} or {@code maxLength} tokens, all sources at once (evaluation mode, no graph).
     *
     * @return one output per source, without {@code <eos>}
     */
    public List<int[]> greedy(List<int[]> sources, int maxLength) {
        return greedy(sources, maxLength, null);
    }

    /** Greedy decoding; with {@code weights} non-null (and attention) each step's {@code [B, S]} weights are added to it. */
    private List<int[]> greedy(List<int[]> sources, int maxLength, List<double[]> weights) {
        if (maxLength < 1) {
            throw new IllegalArgumentException("Seq2Seq.greedy: maxLength must be >= 1, got " + maxLength);
        }
        return LanguageModel.inference(this, () -> {
            int batch = sources.size();
            Encoded enc = encodeAll(sources);
            RnnState state = enc.state();
            int[] tokens = new int[batch];
            Arrays.fill(tokens, config.bosId());
            boolean[] done = new boolean[batch];
            List<List<Integer>> out = new ArrayList<>();
            for (int b = 0; b < batch; b++) out.add(new ArrayList<>());
            int finished = 0;
            for (int t = 0; t < maxLength && finished < batch; t++) {
                Decoded o = decode(tokens, batch, 1, state, null, enc.memory());           // one step, all rows
                state = o.state();
                if (weights != null && o.weights() != null) weights.add(o.weights().data().toDoubleArray());
                double[][] rows = LanguageModel.rows(o.logits());                           // [B][V]
                for (int b = 0; b < batch; b++) {
                    if (done[b]) continue;
                    tokens[b] = Sampler.argmax(rows[b], -1);
                    if (tokens[b] == config.eosId()) {
                        done[b] = true;
                        finished++;
                    } else {
                        out.get(b).add(tokens[b]);
                    }
                }
            }
            List<int[]> result = new ArrayList<>(batch);
            for (List<Integer> o : out) result.add(o.stream().mapToInt(Integer::intValue).toArray());
            return result;
        });
    }

    /** Greedy decoding of one source; see {@link #greedy(List, int)}. */
    public int[] greedy(int[] source, int maxLength) {
        return greedy(List.of(source), maxLength).get(0);
    }

    /**
     * The greedy output of one source and where the decoder looked for each of its tokens.
     *
     * @param output  the greedy output, without {@code <eos>}
     * @param weights {@code [output.length][source.length]}: row {@code t} is the attention distribution used to
     *                produce output token {@code t} (each row sums to 1)
     */
    public record Alignment(int[] output, double[][] weights) {}

    /**
     * Greedy decoding of one source with its attention weights ({@code [T_out × T_in]}), for inspection and heat maps
     * ({@code dev.jrnn.train.Plots#heatMap}).
     *
     * @throws IllegalStateException when this model has no attention
     */
    public Alignment align(int[] source, int maxLength) {
        Objects.requireNonNull(source, "source");
        if (attention == null) {
            throw new IllegalStateException("Seq2Seq.align: this model has no attention (attention=none); train it with "
                    + "bahdanau, luong-dot or luong-general to see where it looks");
        }
        List<double[]> steps = new ArrayList<>();
        int[] out = greedy(List.of(source), maxLength, steps).get(0);
        double[][] w = new double[out.length][];
        for (int t = 0; t < out.length; t++) w[t] = steps.get(t);                // [1, 1, S] per step
        return new Alignment(out, w);
    }

    /**
     * Beam search for the most probable outputs of one source ({@link BeamSearch}); the beam's hypotheses run as
     * one decoder batch per step. {@code <eos>} is the config's unless {@code beam} names one.
     *
     * @return the hypotheses, best score first
     */
    public List<BeamSearch.Hypothesis> beamSearch(int[] source, BeamSearchConfig beam) {
        return BeamSearch.search(decoderModel(source), beam.eosId() == LanguageModel.NONE ? beam.withEos(config.eosId()) : beam);
    }

    /**
     * The decoder conditioned on {@code source}, as a {@link BeamSearch.Model}: its start is the state after
     * encoding the source and reading {@code <bos>}. Each call runs in evaluation mode without a graph.
     */
    public BeamSearch.Model<RnnState> decoderModel(int[] source) {
        Objects.requireNonNull(source, "source");
        return new BeamSearch.Model<>() {
            private Attention.Memory memory;   // the source's, prepared by start()

            @Override
            public BeamSearch.Step<RnnState> start() {
                return LanguageModel.inference(Seq2Seq.this, () -> {
                    Encoded enc = encodeAll(List.of(source));
                    memory = enc.memory();
                    Decoded o = decode(new int[] {config.bosId()}, 1, 1, enc.state(), null, memory);
                    return LanguageModel.steps(LanguageModel.rows(o.logits()), o.state(), 1).get(0);
                });
            }

            @Override
            public List<BeamSearch.Step<RnnState>> advance(List<RnnState> states, int[] tokens) {
                return LanguageModel.inference(Seq2Seq.this, () -> {
                    Attention.Memory m = memory == null ? null : memory.repeat(tokens.length);   // one copy per hypothesis
                    Decoded o = decode(tokens, tokens.length, 1, LanguageModel.concatStates(states), null, m);
                    return LanguageModel.steps(LanguageModel.rows(o.logits()), o.state(), tokens.length);
                });
            }
        };
    }

    /**
     * The fraction of sources whose greedy output equals the target exactly.
     *
     * @param maxLength the decoding limit (at least the longest target, so that a right answer is possible)
     */
    public double exactMatch(List<int[]> sources, List<int[]> targets, int maxLength) {
        checkPairs(sources, targets);
        List<int[]> got = greedy(sources, maxLength);
        int right = 0;
        for (int i = 0; i < got.size(); i++) right += Arrays.equals(got.get(i), targets.get(i)) ? 1 : 0;
        return (double) right / got.size();
    }

    @Override
    protected String describe() {
        return "Seq2Seq(" + config + ")";
    }

    // ------------------------------------------------------------------ padding

    /** A padded batch: ids {@code [B, T]} row-major and each row's valid length. */
    private record Padded(int[] ids, int batch, int time, int[] lengths) {}

    /** The decoder's inputs {@code <bos>, y_1 … y_n}, padded with {@code <eos>} (never read: the lengths stop it). */
    private Padded decoderInputs(List<int[]> targets) {
        List<int[]> in = new ArrayList<>(targets.size());
        for (int[] y : targets) {
            int[] x = new int[y.length + 1];
            x[0] = config.bosId();
            System.arraycopy(y, 0, x, 1, y.length);
            in.add(x);
        }
        return pad("targets", in, config.eosId());
    }

    private static Padded pad(String what, List<int[]> seqs, int padId) {
        Objects.requireNonNull(seqs, what);
        if (seqs.isEmpty()) {
            throw new IllegalArgumentException("Seq2Seq: no " + what + " given");
        }
        int batch = seqs.size(), time = 0;
        int[] lengths = new int[batch];
        for (int b = 0; b < batch; b++) {
            int[] s = Objects.requireNonNull(seqs.get(b), what + "[" + b + "]");
            if (s.length == 0) {
                throw new IllegalArgumentException("Seq2Seq: " + what + "[" + b + "] is empty; every source needs at least one token");
            }
            lengths[b] = s.length;
            time = Math.max(time, s.length);
        }
        int[] ids = new int[batch * time];
        Arrays.fill(ids, padId);
        for (int b = 0; b < batch; b++) System.arraycopy(seqs.get(b), 0, ids, b * time, lengths[b]);
        return new Padded(ids, batch, time, lengths);
    }

    private static void checkPairs(List<int[]> sources, List<int[]> targets) {
        Objects.requireNonNull(sources, "sources");
        Objects.requireNonNull(targets, "targets");
        if (sources.size() != targets.size()) {
            throw new IllegalArgumentException("Seq2Seq: " + sources.size() + " sources but " + targets.size()
                    + " targets; they come in pairs");
        }
    }
}
