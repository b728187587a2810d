package dev.jrnn.nn.rnn;

/**
 * The recurrent cell types every model, layer factory ({@link RnnBase#create}) and command line ({@code --cell}) speaks
 * of; for the stock cells the number of gates G is the row-block count of {@code weight_ih}. The fused kernels
 * ({@link RnnKernels}) run the classic cells; the scan cells run in {@link ScanKernels}, the xLSTM cells and TTT-Linear
 * as their own layers.
 */
public enum CellType {
    /** Elman RNN with tanh, G = 1. */
    RNN_TANH(1, "h"),
    /** Elman RNN with ReLU, G = 1 (the derivative at 0 is taken as 0). */
    RNN_RELU(1, "h"),
    /** LSTM, G = 4, row blocks i, f, g, o. */
    LSTM(4, "i, f, g, o"),
    /** GRU as in PyTorch (reset gate after {@code W_hn h + b_hn}), G = 3, row blocks r, z, n. */
    GRU(3, "r, z, n"),
    /** GRU with the reset gate before the product, {@code W_hn (r ⊙ h)} (Cho 2014; Keras reset_after=False), G = 3. */
    GRU_RESET_BEFORE(3, "r, z, n"),
    /**
     * minGRU (Feng et al. 2024), G = 2, row blocks z, h: gates from {@code x} alone, no {@code weight_hh}; runs
     * as a log-space scan over time ({@link ScanKernels}), not here.
     */
    MIN_GRU(2, "z, h"),
    /** minLSTM (Feng et al. 2024), G = 3, row blocks f, i, h: as {@link #MIN_GRU}, with two gates normalised to sum to 1. */
    MIN_LSTM(3, "f, i, h"),
    /**
     * sLSTM (Beck et al. 2024, xLSTM), G = 4, row blocks i, f, z, o: exponential input gate, normaliser and
     * stabiliser states ({@link SLstmCell}); runs its cell step by step ({@link SLstm}), not here.
     */
    SLSTM(4, "i, f, z, o"),
    /**
     * mLSTM (Beck et al. 2024, xLSTM), G = 4, row blocks q, k, v, o, plus {@code weight_gate} for the per-head
     * input and forget gates; gates from {@code x} alone, no {@code weight_hh}; runs in parallel form
     * ({@link MLstmKernels}), not here.
     */
    MLSTM(4, "q, k, v, o"),
    /**
     * TTT-Linear (Sun et al. 2024), {@code weight_ih} row blocks k, v, q (G = 3), no {@code weight_hh}: the hidden
     * state is a linear model trained per token ({@link TttLinearCell}); runs as its cell, not here.
     */
    TTT_LINEAR(3, "k, v, q");

    private final int gates;
    private final String blocks;

    CellType(int gates, String blocks) {
        this.gates = gates;
        this.blocks = blocks;
    }

    /** G: how many row blocks of H rows the weights and biases have. */
    public int gates() { return gates; }

    /**
     * Whether the gates read {@code h_{t-1}} ({@code weight_hh}, {@code bias_hh}); false for the scan cells
     * {@link #MIN_GRU} and {@link #MIN_LSTM}, which have only {@code weight_ih} and {@code bias_ih}, and for
     * {@link #MLSTM} (its gates read {@code x} alone), and for {@link #TTT_LINEAR}, whose recurrence is its fast
     * weights (see {@link TttLinearCell}).
     */
    public boolean hasRecurrentWeights() {
        return this != MIN_GRU && this != MIN_LSTM && this != MLSTM && this != TTT_LINEAR;
    }

    /** Whether this is an xLSTM cell ({@link #SLSTM}, {@link #MLSTM}), whose state is (h, c, n, m). */
    public boolean isXlstm() { return this == SLSTM || this == MLSTM; }

    /**
     * Whether {@code dev.jrnn.infer.PackedRnn} runs this cell; the xLSTM cells and TTT-Linear run through their
     * layers' own step instead.
     */
    public boolean isPackable() { return !isXlstm() && this != TTT_LINEAR; }

    /** The row blocks, top to bottom, e.g. {@code "i, f, g, o"}. */
    public String blocks() { return blocks; }
}
