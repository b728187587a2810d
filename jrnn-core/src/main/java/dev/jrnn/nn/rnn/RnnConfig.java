package dev.jrnn.nn.rnn;

import java.util.Objects;

/**
 * The configuration of a stock recurrent layer ({@link SimpleRnn}, {@link Lstm}, {@link Gru}): the
 * arguments of PyTorch's {@code RNNBase}, validated in one place. Build one with the layers' builders
 * ({@code Lstm.builder(inputSize, hiddenSize)...}), which read required and optional arguments apart.
 *
 * @param mode          the cell: {@code RNN_TANH}, {@code RNN_RELU}, {@code LSTM}, {@code GRU} (or
 *                      {@code GRU_RESET_BEFORE}, jrnn's extension), {@code MIN_GRU} or {@code MIN_LSTM} (the
 *                      scan layers {@link MinGru}, {@link MinLstm}), {@code SLSTM} or {@code MLSTM} (xLSTM,
 *                      {@link SLstm}, {@link MLstm})
 * @param inputSize     features {@code I} of the input {@code x} (required, &gt; 0)
 * @param hiddenSize    features {@code H} of the hidden state (required, &gt; 0)
 * @param numLayers     stacked layers {@code L} (default 1, &gt; 0); layer {@code k > 0} reads layer
 *                      {@code k-1}'s output, so its input size is {@code H · D}
 * @param bias          whether each layer-direction has {@code bias_ih} and {@code bias_hh} (default true)
 * @param batchFirst    input and output are {@code [batch, time, features]} (default <b>true</b> in jrnn;
 *                      PyTorch's default is false) or {@code [time, batch, features]}; {@code h0}/{@code hN}
 *                      are {@code [L·D, batch, H]} either way, as in PyTorch
 * @param dropout       drop probability in {@code [0, 1)} applied to each layer's output except the last,
 *                      in training mode only (default 0)
 * @param bidirectional adds a reverse direction to every layer ({@code D = 2}), default false
 * @param projSize      LSTM only: PyTorch's {@code proj_size} {@code P}, 0 (default) for none, else
 *                      {@code 0 < P < H}; each layer-direction then has {@code weight_hr [P, H]} and
 *                      {@code h = W_hr (o ⊙ tanh c)}, so {@code h0}/{@code hN} and the output have {@code P}
 *                      features per direction and {@code c0}/{@code cN} keep {@code H}
 */
public record RnnConfig(CellType mode, int inputSize, int hiddenSize, int numLayers, boolean bias,
                        boolean batchFirst, double dropout, boolean bidirectional, int projSize) {
    /** Validates every field, naming the layer and the bad value. */
    public RnnConfig {
        Objects.requireNonNull(mode, "mode");
        String name = layerName(mode);
        if (inputSize <= 0) {
            throw new IllegalArgumentException(name + ": inputSize must be positive, got " + inputSize);
        }
        if (hiddenSize <= 0) {
            throw new IllegalArgumentException(name + ": hiddenSize must be positive, got " + hiddenSize);
        }
        if (numLayers <= 0) {
            throw new IllegalArgumentException(name + ": numLayers must be positive, got " + numLayers);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException(name + ": dropout must be in [0, 1), got " + dropout
                    + " (it is the probability of zeroing an element between layers)");
        }
        if (projSize != 0 && mode != CellType.LSTM) {
            throw new IllegalArgumentException(name + ": proj_size=" + projSize + " is an option of Lstm only"
                    + " (as in PyTorch); use 0");
        }
        if (projSize < 0 || projSize >= hiddenSize && projSize != 0) {
            throw new IllegalArgumentException(name + ": proj_size must be 0 (none) or in 1.." + (hiddenSize - 1)
                    + " (less than hiddenSize=" + hiddenSize + ", as in PyTorch), got " + projSize);
        }
    }

    /** A configuration without a projection ({@code projSize = 0}). */
    public RnnConfig(CellType mode, int inputSize, int hiddenSize, int numLayers, boolean bias,
                     boolean batchFirst, double dropout, boolean bidirectional) {
        this(mode, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, 0);
    }

    /** The class name of the stock layer for {@code mode} ({@code SimpleRnn}, {@code Lstm}, {@code Gru}). */
    static String layerName(CellType mode) {
        switch (mode) {
            case LSTM: return "Lstm";
            case RNN_TANH: case RNN_RELU: return "SimpleRnn";
            case MIN_GRU: return "MinGru";
            case MIN_LSTM: return "MinLstm";
            case SLSTM: return "SLstm";
            case MLSTM: return "MLstm";
            case TTT_LINEAR: return "TttLinear";
            default: return "Gru";
        }
    }

    /** {@code D}: 2 when bidirectional, else 1. */
    public int numDirections() {
        return bidirectional ? 2 : 1;
    }

    /** {@code G}: gate blocks per weight matrix (1 for RNN, 2 for minGRU, 3 for GRU and minLSTM, 4 for LSTM). */
    public int gates() {
        return mode.gates();
    }

    /** {@code R}: the features of {@code h} per direction, {@code P} with a projection, else {@code H}. */
    public int stateSize() {
        return projSize > 0 ? projSize : hiddenSize;
    }

    /** The input size of layer {@code k}: {@code I} for layer 0, {@code R · D} above ({@link #stateSize()}). */
    public int layerInputSize(int k) {
        return k == 0 ? inputSize : stateSize() * numDirections();
    }

    /** Output features {@code R · D} ({@code H · D}, or {@code P · D} with a projection). */
    public int outputSize() {
        return stateSize() * numDirections();
    }
}
