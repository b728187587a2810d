package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.Rng;

/**
 * A multi-layer, optionally bidirectional sLSTM (Beck et al. 2024, xLSTM): for each layer and direction, at each
 * step (row blocks i, f, z, o; see {@link SLstmCell})
 * <pre>
 * m_t = max(log σ(f̃) + m_{t−1}, ĩ)     c_t = f' ⊙ c_{t−1} + i' ⊙ tanh(z̃)     n_t = f' ⊙ n_{t−1} + i'
 * h_t = σ(õ) ⊙ c_t / n_t               i' = exp(ĩ − m_t), f' = σ(f̃) exp(m_{t−1} − m_t)
 * </pre>
 * Memory mixing through a dense {@code weight_hh} (one head). Parameters are an LSTM's, in PyTorch's naming style:
 * {@code weight_ih_l{k}[_reverse] [4H, I_k]}, {@code weight_hh_l{k}[_reverse] [4H, H]}, {@code bias_ih_l{k}},
 * {@code bias_hh_l{k}} {@code [4H]}. The gates read {@code h_{t−1}}, so time cannot be parallelised: both
 * {@link RnnBase.Path paths} step the cell ({@link Recurrent}; there is no fused kernel). The state is an
 * {@link SLstmState} ({@link RnnOutput#state()}, {@link #forwardFrom}); {@link RnnOutput#hN()} is its {@code h}.
 * Stacking, bidirectional, lengths and dropout as in {@link RnnBase}.
 */
public final class SLstm extends RnnBase {
    /** A layer with the given configuration ({@code mode} SLSTM), parameters drawn from {@code rng}. */
    public SLstm(RnnConfig config, DType dtype, Rng rng) {
        super(config, dtype, rng, CellType.SLSTM);
    }

    /** The options: required sizes here, everything else on the builder. */
    public static RnnBase.Builder<SLstm> builder(int inputSize, int hiddenSize) {
        return new RnnBase.Builder<>("SLstm", CellType.SLSTM, inputSize, hiddenSize,
                (b, c) -> new SLstm(c, b.dtype(), b.rng()));
    }

    /** From a zero state, all sequences of full length. {@code x}: {@code [B, T, I]} (batch-first). */
    public RnnOutput forward(Tensor x) {
        return forwardFrom(x, null, null);
    }

    /** The sequential cell of one layer-direction, over this layer's parameters. */
    @Override
    public SLstmCell cell(int layer, boolean reverse) {
        return (SLstmCell) super.cell(layer, reverse);
    }

    @Override
    public SLstm path(Path path) {
        super.path(path);
        return this;
    }
}
