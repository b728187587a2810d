package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.Rng;

/**
 * A multi-layer, optionally bidirectional GRU matching {@code torch.nn.GRU}. For each layer and
 * direction, at each step (gate order r, z, n; see {@link GruCell}):
 * <pre>
 * r = σ(W_ir x + b_ir + W_hr h + b_hr)      z = σ(W_iz x + b_iz + W_hz h + b_hz)
 * n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
 * h' = (1 − z) ⊙ n + z ⊙ h
 * </pre>
 * With {@code variant(GruVariant.RESET_BEFORE)} (jrnn's extension, Keras {@code reset_after=False}) the
 * candidate is {@code n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn)}. Parameters
 * {@code weight_ih_l{k}[_reverse] [3H, I_k]}, {@code weight_hh_l{k}[_reverse] [3H, H]}, biases {@code [3H]};
 * shapes and paths as in {@link RnnBase}.
 */
public final class Gru extends RnnBase {
    /** A layer with the given configuration ({@code mode} GRU or GRU_RESET_BEFORE), parameters drawn from {@code rng}. */
    public Gru(RnnConfig config, DType dtype, Rng rng) {
        super(config, dtype, rng, CellType.GRU, CellType.GRU_RESET_BEFORE);
    }

    /** The options: required sizes here, everything else on the builder. */
    public static RnnBase.Builder<Gru> builder(int inputSize, int hiddenSize) {
        return new RnnBase.Builder<>("Gru", CellType.GRU, inputSize, hiddenSize,
                (b, c) -> new Gru(c, b.dtype(), b.rng()));
    }

    /** From a zero state, all sequences of full length. {@code x}: {@code [B, T, I]} (batch-first). */
    public RnnOutput forward(Tensor x) {
        return run(x, null, null, null);
    }

    /** From {@code h0} ({@code [L·D, B, H]}, null for zeros). */
    public RnnOutput forward(Tensor x, Tensor h0) {
        return run(x, h0, null, null);
    }

    /** From {@code h0} (null for zeros), with each sequence's valid length (null for all {@code T}). */
    public RnnOutput forward(Tensor x, Tensor h0, int[] lengths) {
        return run(x, h0, null, lengths);
    }

    /** The readable cell of one layer-direction, over this layer's parameters. */
    @Override
    public GruCell cell(int layer, boolean reverse) {
        return (GruCell) super.cell(layer, reverse);
    }

    @Override
    public Gru path(Path path) {
        super.path(path);
        return this;
    }
}
