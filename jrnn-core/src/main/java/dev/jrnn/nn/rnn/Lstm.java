package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.Rng;

/**
 * A multi-layer, optionally bidirectional LSTM matching {@code torch.nn.LSTM}. For each layer and
 * direction, at each step (gate order i, f, g, o; see {@link LstmCell}, {@link LstmGate}):
 * <pre>
 * i = σ(W_ii x + b_ii + W_hi h + b_hi)      f = σ(W_if x + b_if + W_hf h + b_hf)
 * g = tanh(W_ig x + b_ig + W_hg h + b_hg)   o = σ(W_io x + b_io + W_ho h + b_ho)
 * c' = f ⊙ c + i ⊙ g                        h' = o ⊙ tanh(c')
 * </pre>
 * Parameters {@code weight_ih_l{k}[_reverse] [4H, I_k]}, {@code weight_hh_l{k}[_reverse] [4H, H]},
 * {@code bias_ih_l{k}[_reverse]}, {@code bias_hh_l{k}[_reverse] [4H]}; shapes and paths as in {@link RnnBase}.
 * With {@code projSize(P)} ({@code proj_size}) each layer-direction also has {@code weight_hr_l{k}[_reverse] [P, H]}
 * and {@code h' = W_hr (o ⊙ tanh(c'))}: the output, {@code h0} and {@code hN} have {@code P} features per direction,
 * {@code c0}, {@code cN} keep {@code H}, and {@code weight_hh} is {@code [4H, P]}.
 *
 * <pre>{@code
 * Lstm lstm = Lstm.builder(5, 8).numLayers(2).bidirectional(true).rng(new Rng(42)).build();
 * RnnOutput out = lstm.forward(x);       // x: [batch, time, 5]
 * out.output();                          // [batch, time, 16]: forward | reverse
 * out.hN(); out.cN();                    // [4, batch, 8]: l0 fwd, l0 rev, l1 fwd, l1 rev
 * Lstm proj = Lstm.builder(5, 8).projSize(3).build();
 * proj.forward(x).output();              // [batch, time, 3]; cN stays [1, batch, 8]
 * }</pre>
 */
public final class Lstm extends RnnBase {
    /** A layer with the given configuration ({@code mode} LSTM), parameters drawn from {@code rng}. */
    public Lstm(RnnConfig config, DType dtype, Rng rng) {
        super(config, dtype, rng, CellType.LSTM);
    }

    /** The options: required sizes here, everything else on the builder. */
    public static RnnBase.Builder<Lstm> builder(int inputSize, int hiddenSize) {
        return new RnnBase.Builder<>("Lstm", CellType.LSTM, inputSize, hiddenSize,
                (b, c) -> new Lstm(c, b.dtype(), b.rng()));
    }

    /** From zero states, all sequences of full length. {@code x}: {@code [B, T, I]} (batch-first). */
    public RnnOutput forward(Tensor x) {
        return run(x, null, null, null);
    }

    /** From {@code h0}, {@code c0} ({@code [L·D, B, H]}, either may be null for zeros). */
    public RnnOutput forward(Tensor x, Tensor h0, Tensor c0) {
        return run(x, h0, c0, null);
    }

    /** From {@code h0}, {@code c0} (null for zeros), with each sequence's valid length (null for all {@code T}). */
    public RnnOutput forward(Tensor x, Tensor h0, Tensor c0, int[] lengths) {
        return run(x, h0, c0, lengths);
    }

    /** The readable cell of one layer-direction, over this layer's parameters. */
    @Override
    public LstmCell cell(int layer, boolean reverse) {
        return (LstmCell) super.cell(layer, reverse);
    }

    @Override
    public Lstm path(Path path) {
        super.path(path);
        return this;
    }
}
