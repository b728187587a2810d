package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.Rng;

/**
 * A multi-layer, optionally bidirectional Elman RNN matching {@code torch.nn.RNN}. For each layer and
 * direction, at each step (see {@link SimpleRnnCell}):
 * <pre>
 * h' = act(W_ih x + b_ih + W_hh h + b_hh),    act = tanh (default) or relu ({@code nonlinearity})
 * </pre>
 * Parameters {@code weight_ih_l{k}[_reverse] [H, I_k]}, {@code weight_hh_l{k}[_reverse] [H, H]}, biases
 * {@code [H]}; shapes and paths as in {@link RnnBase}.
 */
public final class SimpleRnn extends RnnBase {
    /** A layer with the given configuration ({@code mode} RNN_TANH or RNN_RELU), parameters drawn from {@code rng}. */
    public SimpleRnn(RnnConfig config, DType dtype, Rng rng) {
        super(config, dtype, rng, CellType.RNN_TANH, CellType.RNN_RELU);
    }

    /** The options: required sizes here, everything else on the builder. */
    public static RnnBase.Builder<SimpleRnn> builder(int inputSize, int hiddenSize) {
        return new RnnBase.Builder<>("SimpleRnn", CellType.RNN_TANH, inputSize, hiddenSize,
                (b, c) -> new SimpleRnn(c, b.dtype(), b.rng()));
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
    public SimpleRnnCell cell(int layer, boolean reverse) {
        return (SimpleRnnCell) super.cell(layer, reverse);
    }

    @Override
    public SimpleRnn path(Path path) {
        super.path(path);
        return this;
    }
}
