package dev.jrnn.series;

import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.autograd.Autograd;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Dropout;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.Module;
import dev.jrnn.nn.rnn.RnnBase;
import dev.jrnn.nn.rnn.RnnConfig;
import dev.jrnn.nn.rnn.RnnOutput;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;

import java.util.Objects;

/**
 * A recurrent sequence regressor (many-to-one with real outputs), the model of time-series forecasting:
 * <pre>
 *   h = RNN(x_1 … x_T)              x_t: [F] features of step t; LSTM, GRU or simple RNN, numLayers stacked,
 *                                   optionally bidirectional; dropout between layers (training only)
 *   y = W_o dropout(h) + b_o        Linear(D·H, K) on the top layer's final state (both directions)
 * </pre>
 * In Keras terms: {@code Sequential([LSTM(H, return_sequences=True), …, LSTM(H), Dropout(p), Dense(K)])}; in
 * PyTorch's, {@code nn.LSTM(F, H, num_layers=L, dropout=p, batch_first=True)} followed by {@code nn.Linear(H, K)}
 * on {@code h_n[-1]}. The loss is the caller's (mean squared error on standardised targets in {@code jrnn train
 * regress}); inputs and outputs are whatever scale the caller feeds (see {@link Standardizer}).
 *
 * <p>Children: {@code rnn}, {@code output}; parameter names are PyTorch's ({@code rnn.weight_ih_l0},
 * {@code output.weight}, ...). The dropout before the output layer draws its masks from {@link #dropoutRng()}, which
 * a trainer can checkpoint; the recurrent layer's own between-layer dropout keeps its generator inside. Saving and
 * loading, with the column names, window and normalisation: {@link SequenceRegressorFiles}.
 */
public final class SequenceRegressor extends Module {

    /**
     * The architecture.
     *
     * @param cell          LSTM, GRU (or GRU_RESET_BEFORE), RNN_TANH, RNN_RELU, MIN_GRU, MIN_LSTM, SLSTM or MLSTM
     * @param inputSize     {@code F}, features per step
     * @param hiddenSize    {@code H}, per direction
     * @param numLayers     stacked recurrent layers
     * @param bidirectional add a reverse direction to every layer
     * @param outputSize    {@code K}, real outputs (e.g. horizon × target columns)
     * @param dropout       in {@code [0, 1)}: between recurrent layers and on the final state, training only
     * @param dtype         FLOAT32 or FLOAT64
     * @param seed          seed of the initial weights and of dropout
     */
    public record Config(CellType cell, int inputSize, int hiddenSize, int numLayers, boolean bidirectional,
                         int outputSize, double dropout, DType dtype, long seed) {
        /** Validates every field, naming it. */
        public Config {
            Objects.requireNonNull(cell, "cell");
            Objects.requireNonNull(dtype, "dtype");
            if (inputSize < 1 || hiddenSize < 1 || numLayers < 1 || outputSize < 1) {
                throw new IllegalArgumentException("SequenceRegressor.Config: inputSize, hiddenSize, numLayers and outputSize"
                        + " must be >= 1, got " + inputSize + ", " + hiddenSize + ", " + numLayers + ", " + outputSize);
            }
            if (!(dropout >= 0 && dropout < 1)) {
                throw new IllegalArgumentException("SequenceRegressor.Config: dropout must be in [0, 1), got " + dropout);
            }
        }

        /** One LSTM layer, unidirectional, no dropout, FLOAT32, seed 1. */
        public static Config of(int inputSize, int hiddenSize, int outputSize) {
            return new Config(CellType.LSTM, inputSize, hiddenSize, 1, false, outputSize, 0, DType.FLOAT32, 1);
        }

        /** With another cell. */
        public Config withCell(CellType c) {
            return new Config(c, inputSize, hiddenSize, numLayers, bidirectional, outputSize, dropout, dtype, seed);
        }

        /** With {@code n} layers. */
        public Config withLayers(int n) {
            return new Config(cell, inputSize, hiddenSize, n, bidirectional, outputSize, dropout, dtype, seed);
        }

        /** Bidirectional or not. */
        public Config withBidirectional(boolean on) {
            return new Config(cell, inputSize, hiddenSize, numLayers, on, outputSize, dropout, dtype, seed);
        }

        /** With dropout {@code p}. */
        public Config withDropout(double p) {
            return new Config(cell, inputSize, hiddenSize, numLayers, bidirectional, outputSize, p, dtype, seed);
        }

        /** With a dtype. */
        public Config withDType(DType d) {
            return new Config(cell, inputSize, hiddenSize, numLayers, bidirectional, outputSize, dropout, d, seed);
        }

        /** With a seed. */
        public Config withSeed(long s) {
            return new Config(cell, inputSize, hiddenSize, numLayers, bidirectional, outputSize, dropout, dtype, s);
        }

        /** {@code D}: 2 when bidirectional, else 1. */
        public int directions() {
            return bidirectional ? 2 : 1;
        }
    }

    private final Config config;
    private final RnnBase rnn;
    private final Linear output;
    private final Dropout dropout;
    private final Rng dropoutRng;

    /** A fresh model, weights drawn from {@code new Rng(config.seed())}. */
    public SequenceRegressor(Config config) {
        this.config = Objects.requireNonNull(config, "config");
        Rng rng = new Rng(config.seed());
        RnnConfig rc = new RnnConfig(config.cell(), config.inputSize(), config.hiddenSize(), config.numLayers(), true, true,
                config.dropout(), config.bidirectional());
        rnn = registerModule("rnn", RnnBase.create(rc, config.dtype(), rng));
        output = registerModule("output", new Linear(config.directions() * config.hiddenSize(), config.outputSize(), true,
                config.dtype(), rng));
        dropoutRng = new Rng(rng.nextLong());
        dropout = registerModule("dropout", new Dropout(config.dropout(), dropoutRng));
    }

    /** The configuration. */
    public Config config() { return config; }

    /** The recurrent layers. */
    public RnnBase rnn() { return rnn; }

    /** The output layer {@code D·H -> K}. */
    public Linear output() { return output; }

    /** The generator of the dropout masks before the output layer (register it with a trainer to checkpoint it). */
    public Rng dropoutRng() { return dropoutRng; }

    /**
     * The outputs of a batch of sequences.
     *
     * @param x       {@code [B, T, F]}
     * @param lengths the valid length of each row ({@code 1..T}), or null when every row has {@code T} steps
     * @return {@code [B, K]}
     */
    public Tensor forward(Tensor x, int[] lengths) {
        Objects.requireNonNull(x, "x");
        if (x.rank() != 3 || x.dim(2) != config.inputSize()) {
            throw new IllegalArgumentException("SequenceRegressor.forward: x has shape " + java.util.Arrays.toString(x.shape())
                    + ", expected [batch, time, " + config.inputSize() + "] (inputSize " + config.inputSize() + ")");
        }
        RnnOutput out = rnn.forwardFrom(x, null, lengths);                      // hN [L·D, B, H]
        Tensor h = finalState(out.hN());                                        // [B, D·H]
        return output.forward(dropout.forward(h));                             // [B, K]
    }

    /** The top layer's final state, both directions concatenated: {@code [B, D·H]}. */
    private Tensor finalState(Tensor hN) {
        int l = config.numLayers();
        if (!config.bidirectional()) return hN.select(0, l - 1);
        return Tensor.concat(1, hN.select(0, 2 * (l - 1)), hN.select(0, 2 * l - 1));
    }

    /**
     * The outputs of many windows of equal length, in evaluation mode without a graph, 256 at a time.
     *
     * @param windows {@code N} windows of {@code T} steps of {@code F} features
     * @return {@code N} rows of {@code K} outputs
     */
    public double[][] predict(float[][][] windows) {
        Objects.requireNonNull(windows, "windows");
        double[][] out = new double[windows.length][];
        if (windows.length == 0) return out;
        int t = windows[0].length, f = config.inputSize(), k = config.outputSize();
        boolean wasTraining = isTraining();
        eval();
        try (Autograd.Scope ignored = Autograd.noGrad()) {
            for (int start = 0; start < windows.length; start += 256) {
                int b = Math.min(256, windows.length - start);
                NdArray x = NdArray.zeros(config.dtype(), b, t, f);
                for (int i = 0; i < b; i++) {
                    float[][] w = windows[start + i];
                    if (w.length != t) {
                        throw new IllegalArgumentException("SequenceRegressor.predict: window " + (start + i) + " has "
                                + w.length + " steps, window 0 has " + t);
                    }
                    for (int s = 0; s < t; s++) {
                        if (w[s].length != f) {
                            throw new IllegalArgumentException("SequenceRegressor.predict: window " + (start + i) + " step "
                                    + s + " has " + w[s].length + " features, expected " + f);
                        }
                        for (int j = 0; j < f; j++) x.setFlat(((i * t) + s) * f + j, w[s][j]);
                    }
                }
                double[] y = forward(Tensor.constant(x), null).data().toDoubleArray();   // [b, K]
                for (int i = 0; i < b; i++) out[start + i] = java.util.Arrays.copyOfRange(y, i * k, (i + 1) * k);
            }
        } finally {
            train(wasTraining);
        }
        return out;
    }

    @Override
    protected String describe() {
        return "SequenceRegressor(" + config + ")";
    }
}
