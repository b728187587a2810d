package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.Rng;

/**
 * A multi-layer, optionally bidirectional minLSTM (Feng et al. 2024): for each layer and direction, at each step
 * (row blocks f, i, h; see {@link MinLstmCell})
 * <pre>
 * f_t = σ(W_if x_t + b_if)      i_t = σ(W_ii x_t + b_ii)      h̃_t = g(W_ih x_t + b_ih)
 * h_t = f_t / (f_t + i_t) ⊙ h_{t−1} + i_t / (f_t + i_t) ⊙ h̃_t
 * </pre>
 * The gates read {@code x_t} only, so {@link RnnBase.Path#FAST} (the default, for training) computes all gates of
 * all steps in one product and runs time as a log-space scan ({@link ScanKernels}); {@link RnnBase.Path#READABLE}
 * and {@link #cell} step sequentially with O(1) state (inference, generation). Parameters, in PyTorch's naming
 * style: {@code weight_ih_l{k}[_reverse] [3H, I_k]} and {@code bias_ih_l{k}[_reverse] [3H]}, no {@code weight_hh}
 * or {@code bias_hh}. Stacking, bidirectional, lengths, dropout and {@code h0} as in {@link RnnBase}.
 */
public final class MinLstm extends RnnBase {
    /** A layer with the given configuration ({@code mode} MIN_LSTM), parameters drawn from {@code rng}. */
    public MinLstm(RnnConfig config, DType dtype, Rng rng) {
        super(config, dtype, rng, CellType.MIN_LSTM);
    }

    /** The options: required sizes here, everything else on the builder. */
    public static RnnBase.Builder<MinLstm> builder(int inputSize, int hiddenSize) {
        return new RnnBase.Builder<>("MinLstm", CellType.MIN_LSTM, inputSize, hiddenSize,
                (b, c) -> new MinLstm(c, b.dtype(), b.rng()));
    }

    /** From a zero state, all sequences of full length. {@code x}: {@code [B, T, I]} (batch-first). */
    public RnnOutput forward(Tensor x) {
        return run(x, null, null, null);
    }

    /** From {@code h0} ({@code [L·D, B, H]}, null for zeros), with each sequence's valid length (null for all {@code T}). */
    public RnnOutput forward(Tensor x, Tensor h0, int[] lengths) {
        return run(x, h0, null, lengths);
    }

    /** The sequential cell of one layer-direction, over this layer's parameters. */
    @Override
    public MinLstmCell cell(int layer, boolean reverse) {
        return (MinLstmCell) super.cell(layer, reverse);
    }

    @Override
    public MinLstm path(Path path) {
        super.path(path);
        return this;
    }
}
