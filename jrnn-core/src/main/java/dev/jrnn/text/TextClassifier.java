package dev.jrnn.text;

import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Dropout;
import dev.jrnn.nn.Embedding;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.Module;
import dev.jrnn.nn.rnn.RnnBase;
import dev.jrnn.nn.rnn.RnnConfig;
import dev.jrnn.nn.rnn.RnnOutput;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.Rng;

import java.util.Objects;

/**
 * A recurrent text classifier (many-to-one):
 * <pre>
 *   x_t = E[w_t]                              Embedding(V, E), the pad id's row is zero
 *   h   = RNN(x_1 … x_n)                      LSTM, GRU or simple RNN, numLayers stacked, optionally bidirectional,
 *                                             run over each sequence's valid length only
 *   z   = W_o [h→ ; h←] + b_o                 Linear(D·H, C) on the top layer's final state (both directions)
 *   P(class | text) = softmax(z)
 * </pre>
 * Dropout (the config's {@code dropout}) acts on the embeddings, between recurrent layers and on the final state,
 * in training mode only. Children: {@code embedding}, {@code rnn}, {@code output}; parameter names are PyTorch's
 * ({@code rnn.weight_ih_l0_reverse}, {@code output.weight}, ...). Saving and loading: {@link TextClassifierFiles}.
 */
public final class TextClassifier extends Module {

    /**
     * The architecture.
     *
     * @param cell          LSTM, GRU (or GRU_RESET_BEFORE), RNN_TANH, RNN_RELU, MIN_GRU, MIN_LSTM, SLSTM or MLSTM
     * @param vocabSize     {@code V}, rows of the embedding
     * @param embeddingDim  {@code E}
     * @param hiddenSize    {@code H}, per direction
     * @param numLayers     stacked recurrent layers
     * @param bidirectional add a reverse direction to every layer
     * @param numClasses    {@code C} &gt;= 2
     * @param dropout       in {@code [0, 1)}
     * @param dtype         FLOAT32 or FLOAT64
     * @param seed          seed of the initial weights and of dropout
     * @param padId         the padding id in {@code 0..V-1} (its embedding row stays zero), or -1 for none
     */
    public record Config(CellType cell, int vocabSize, int embeddingDim, int hiddenSize, int numLayers,
                         boolean bidirectional, int numClasses, double dropout, DType dtype, long seed, int padId) {
        /** Validates every field. */
        public Config {
            Objects.requireNonNull(cell, "cell");
            Objects.requireNonNull(dtype, "dtype");
            if (vocabSize < 1 || embeddingDim < 1 || hiddenSize < 1 || numLayers < 1) {
                throw new IllegalArgumentException("TextClassifier.Config: vocabSize, embeddingDim, hiddenSize and numLayers"
                        + " must be >= 1, got " + vocabSize + ", " + embeddingDim + ", " + hiddenSize + ", " + numLayers);
            }
            if (numClasses < 2) {
                throw new IllegalArgumentException("TextClassifier.Config: numClasses must be >= 2, got " + numClasses);
            }
            if (!(dropout >= 0 && dropout < 1)) {
                throw new IllegalArgumentException("TextClassifier.Config: dropout must be in [0, 1), got " + dropout);
            }
            if (padId < -1 || padId >= vocabSize) {
                throw new IllegalArgumentException("TextClassifier.Config: padId must be -1 or in 0.." + (vocabSize - 1)
                        + ", got " + padId);
            }
        }

        /** An LSTM of one layer, unidirectional, no dropout, FLOAT32, seed 1, pad id 0. */
        public static Config of(int vocabSize, int embeddingDim, int hiddenSize, int numClasses) {
            return new Config(CellType.LSTM, vocabSize, embeddingDim, hiddenSize, 1, false, numClasses, 0,
                    DType.FLOAT32, 1, 0);
        }

        /** With another cell. */
        public Config withCell(CellType c) {
            return new Config(c, vocabSize, embeddingDim, hiddenSize, numLayers, bidirectional, numClasses, dropout, dtype, seed, padId);
        }

        /** With {@code n} layers. */
        public Config withLayers(int n) {
            return new Config(cell, vocabSize, embeddingDim, hiddenSize, n, bidirectional, numClasses, dropout, dtype, seed, padId);
        }

        /** Bidirectional or not. */
        public Config withBidirectional(boolean on) {
            return new Config(cell, vocabSize, embeddingDim, hiddenSize, numLayers, on, numClasses, dropout, dtype, seed, padId);
        }

        /** With dropout {@code p}. */
        public Config withDropout(double p) {
            return new Config(cell, vocabSize, embeddingDim, hiddenSize, numLayers, bidirectional, numClasses, p, dtype, seed, padId);
        }

        /** With a seed. */
        public Config withSeed(long s) {
            return new Config(cell, vocabSize, embeddingDim, hiddenSize, numLayers, bidirectional, numClasses, dropout, dtype, s, padId);
        }

        /** With a pad id (-1: none). */
        public Config withPadId(int id) {
            return new Config(cell, vocabSize, embeddingDim, hiddenSize, numLayers, bidirectional, numClasses, dropout, dtype, seed, id);
        }

        /** With a dtype. */
        public Config withDType(DType d) {
            return new Config(cell, vocabSize, embeddingDim, hiddenSize, numLayers, bidirectional, numClasses, dropout, d, seed, padId);
        }

        /** {@code D}: 2 when bidirectional, else 1. */
        public int directions() {
            return bidirectional ? 2 : 1;
        }
    }

    private final Config config;
    private final Embedding embedding;
    private final RnnBase rnn;
    private final Linear output;
    private final Dropout dropout;

    /** A fresh classifier, weights drawn from {@code new Rng(config.seed())}. */
    public TextClassifier(Config config) {
        this.config = Objects.requireNonNull(config, "config");
        Rng rng = new Rng(config.seed());
        Embedding.Builder eb = Embedding.builder(config.vocabSize(), config.embeddingDim()).dtype(config.dtype()).rng(rng);
        if (config.padId() >= 0) eb.paddingIdx(config.padId());
        embedding = registerModule("embedding", eb.build());
        RnnConfig rc = new RnnConfig(config.cell(), config.embeddingDim(), config.hiddenSize(), config.numLayers(), true, true,
                config.dropout(), config.bidirectional());
        rnn = registerModule("rnn", RnnBase.create(rc, config.dtype(), rng));
        output = registerModule("output", new Linear(config.directions() * config.hiddenSize(), config.numClasses(), true,
                config.dtype(), rng));
        dropout = registerModule("dropout", new Dropout(config.dropout(), new Rng(rng.nextLong())));
    }

    /** The configuration. */
    public Config config() { return config; }

    /** The token table {@code [V, E]}. */
    public Embedding embedding() { return embedding; }

    /** The recurrent layers. */
    public RnnBase rnn() { return rnn; }

    /** The classification head {@code D·H -> C}. */
    public Linear output() { return output; }

    /**
     * The class logits of a padded batch.
     *
     * @param ids     {@code B·T} ids, row-major; steps past a row's length are ignored (use the pad id there)
     * @param batch   {@code B}
     * @param time    {@code T}
     * @param lengths the valid length of each row, {@code 1..T}
     * @return {@code [B, C]}
     */
    public Tensor logits(int[] ids, int batch, int time, int[] lengths) {
        Objects.requireNonNull(ids, "ids");
        Objects.requireNonNull(lengths, "lengths");
        if (batch < 1 || time < 1 || ids.length != batch * time || lengths.length != batch) {
            throw new IllegalArgumentException("TextClassifier.logits: " + ids.length + " ids and " + lengths.length
                    + " lengths do not make a batch of " + batch + " sequences of " + time + " steps");
        }
        Tensor x = dropout.forward(embedding.forward(ids, batch, time));       // [B, T, E]
        RnnOutput out = rnn.forwardFrom(x, null, lengths);                      // hN [L·D, B, H]
        Tensor h = finalState(out.hN());
        return output.forward(dropout.forward(h));                             // [B, C]
    }

    /** The top layer's final state, both directions concatenated: {@code [B, D·H]}. */
    private Tensor finalState(Tensor hN) {
        int l = config.numLayers();
        if (!config.bidirectional()) return hN.select(0, l - 1);
        return Tensor.concat(1, hN.select(0, 2 * (l - 1)), hN.select(0, 2 * l - 1));
    }

    /**
     * The class probabilities of every sequence, in evaluation mode without a graph (batches of 64, padded with the
     * pad id, or 0 when there is none). An empty sequence is read as one pad token.
     *
     * @param ids one id sequence per text
     * @return {@code ids.length} rows of {@code C} probabilities
     */
    public double[][] predictProbabilities(int[][] ids) {
        Objects.requireNonNull(ids, "ids");
        double[][] out = new double[ids.length][];
        int pad = Math.max(0, config.padId());
        for (int start = 0; start < ids.length; start += 64) {
            int b = Math.min(64, ids.length - start);
            int t = 1;
            for (int i = 0; i < b; i++) t = Math.max(t, ids[start + i].length);
            int[] flat = new int[b * t];
            java.util.Arrays.fill(flat, pad);
            int[] lengths = new int[b];
            for (int i = 0; i < b; i++) {
                int[] row = ids[start + i];
                for (int id : row) {
                    if (id < 0 || id >= config.vocabSize()) {
                        throw new IllegalArgumentException("TextClassifier.predictProbabilities: id " + id + " of sequence "
                                + (start + i) + " is out of range 0.." + (config.vocabSize() - 1));
                    }
                }
                System.arraycopy(row, 0, flat, i * t, row.length);
                lengths[i] = Math.max(1, row.length);
            }
            final int tt = t;
            double[][] rows = LanguageModel.inference(this, () -> LanguageModel.rows(logits(flat, b, tt, lengths).softmax(1)));
            System.arraycopy(rows, 0, out, start, b);
        }
        return out;
    }

    @Override
    protected String describe() {
        return "TextClassifier(" + config + ")";
    }
}
