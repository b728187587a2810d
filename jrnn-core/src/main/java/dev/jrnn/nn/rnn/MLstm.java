package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.Rng;

/**
 * A multi-layer, optionally bidirectional mLSTM (Beck et al. 2024, xLSTM): for each layer and direction a
 * {@code d × d} matrix memory per head, updated by the covariance rule (see {@link MLstmCell} for the equations):
 * <pre>
 * C_t = f' C_{t−1} + i' v_t k_tᵀ      n_t = f' n_{t−1} + i' k_t      h_t = o_t ⊙ C_t q_t / max(|n_tᵀ q_t|, e^{−m_t})
 * </pre>
 * Every gate reads {@code x_t} alone, so {@link RnnBase.Path#FAST} (the default, for training) computes a whole
 * sequence in the parallel, attention-like form ({@link MLstmKernels}); {@link RnnBase.Path#READABLE} and
 * {@link #cell} step the recurrent form with O(1) state (inference, generation). Both give the same values and
 * gradients. Parameters, per layer-direction: {@code weight_ih_l{k}[_reverse] [4H, I_k]} and {@code bias_ih_l{k}
 * [4H]} (row blocks q, k, v, o), {@code weight_gate_l{k}[_reverse] [2·heads, I_k]} and {@code bias_gate_l{k} [2·heads]}
 * (input-gate rows, then forget-gate rows, one per head); no {@code weight_hh}. The state is an {@link MLstmState}
 * ({@link RnnOutput#state()}, {@link #forwardFrom}); {@link RnnOutput#hN()} is its {@code h}. Stacking,
 * bidirectional, lengths and dropout as in {@link RnnBase}; the models built by cell type use one head.
 */
public final class MLstm extends RnnBase {
    /** A layer with the given configuration ({@code mode} MLSTM) and heads (dividing H), parameters drawn from {@code rng}. */
    public MLstm(RnnConfig config, int heads, DType dtype, Rng rng) {
        super(config, heads, dtype, rng, CellType.MLSTM);
    }

    /** The options: required sizes here, everything else (including {@code heads}) on the builder. */
    public static RnnBase.Builder<MLstm> builder(int inputSize, int hiddenSize) {
        return new RnnBase.Builder<>("MLstm", CellType.MLSTM, inputSize, hiddenSize,
                (b, c) -> new MLstm(c, b.heads(), b.dtype(), b.rng()));
    }

    /** From a zero state, all sequences of full length. {@code x}: {@code [B, T, I]} (batch-first). */
    public RnnOutput forward(Tensor x) {
        return forwardFrom(x, null, null);
    }

    /** The recurrent cell of one layer-direction, over this layer's parameters. */
    @Override
    public MLstmCell cell(int layer, boolean reverse) {
        return (MLstmCell) super.cell(layer, reverse);
    }

    @Override
    public MLstm path(Path path) {
        super.path(path);
        return this;
    }
}
