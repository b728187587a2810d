package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.Rng;

/**
 * A multi-layer, optionally bidirectional TTT-Linear layer (Sun et al. 2024): for each layer and direction the
 * hidden state is a linear model {@code W} per head, trained on every token by one gradient step of a
 * reconstruction loss, and read through the test view (equations, simplifications and mini-batch TTT in
 * {@link TttLinearCell}). Both paths run the cell, sequentially, one autograd graph per token: the outer
 * gradient flows through every inner update. Stacking, bidirectional, lengths and dropout as in {@link RnnBase}.
 *
 * <p><b>Parameters</b>, for layer {@code k} and suffix {@code _l{k}[_reverse]}: {@code weight_ih [3H, I_k]} and
 * {@code bias_ih [3H]} (row blocks k, v, q) registered by {@link RnnBase}, then per layer-direction
 * {@code ttt_lr_weight [n, I_k]}, {@code ttt_lr_bias [n]}, {@code ttt_w0 [n, d, d]}, {@code ttt_norm_weight [n, d]},
 * {@code ttt_norm_bias [n, d]}, {@code weight_ho [H, H]}, {@code bias_ho [H]} (biases only with bias), {@code n}
 * heads of {@code d = H/n} features.
 *
 * <p><b>State.</b> {@code hN [L·D, B, H]} is each layer-direction's last output; {@code cN [L·D, B, n·d·d]} its fast
 * weights {@code W} after the last valid step ({@link RnnOutput#state()} carries both, as {@link LstmState},
 * {@code c} being {@code W}). {@code c0} null starts every sequence from the learned {@code W_0}; {@code h0} is
 * accepted and only returned back where no step runs, as the cell never reads its last output. A call always
 * starts a new mini-batch, so a state passed from one call to the next continues exactly when each call's length is
 * a multiple of {@code b} (always with {@code b = 1}, the default of {@link RnnBase#create}).
 */
public final class TttLinear extends RnnBase {
    private final int heads;
    private final int miniBatch;

    /**
     * A layer with the given configuration ({@code mode} TTT_LINEAR), parameters drawn from {@code rng}.
     *
     * @param heads     {@code n}, dividing {@code hiddenSize} ({@link TttLinearCell#defaultHeads} is a default)
     * @param miniBatch the TTT mini-batch size {@code b} (1: online gradient descent, one update per token)
     */
    public TttLinear(RnnConfig config, int heads, int miniBatch, DType dtype, Rng rng) {
        super(config, dtype, rng, CellType.TTT_LINEAR);
        this.heads = heads;
        this.miniBatch = miniBatch;
        int dirs = config.numDirections();
        for (int k = 0; k < config.numLayers(); k++) {
            for (int d = 0; d < dirs; d++) {
                boolean rev = d == 1;
                String suffix = "_l" + k + (rev ? "_reverse" : "");
                TttLinearCell.Extras e = TttLinearCell.freshExtras(config.layerInputSize(k), config.hiddenSize(), heads,
                        config.bias(), dtype, rng);
                e.named().forEach((name, p) -> registerParameter(name + suffix, p));
                setCell(k * dirs + d, TttLinearCell.over(weightIh(k, rev), biasIh(k, rev), e, heads, miniBatch));
            }
        }
    }

    /** The options: required sizes here, everything else on the builder (heads: {@link TttLinearCell#defaultHeads}, b = 1). */
    public static RnnBase.Builder<TttLinear> builder(int inputSize, int hiddenSize) {
        return builder(inputSize, hiddenSize, TttLinearCell.defaultHeads(hiddenSize), 1);
    }

    /** The options with {@code heads} and the TTT mini-batch size {@code b} chosen. */
    public static RnnBase.Builder<TttLinear> builder(int inputSize, int hiddenSize, int heads, int miniBatch) {
        return new RnnBase.Builder<>("TttLinear", CellType.TTT_LINEAR, inputSize, hiddenSize,
                (b, c) -> new TttLinear(c, heads, miniBatch, b.dtype(), b.rng()));
    }

    /** Heads {@code n} per layer-direction. */
    public int heads() { return heads; }

    /** The TTT mini-batch size {@code b}. */
    public int miniBatch() { return miniBatch; }

    /** From {@code W_0}, all sequences of full length. {@code x}: {@code [B, T, I]} (batch-first). */
    public RnnOutput forward(Tensor x) {
        return run(x, null, null, null);
    }

    /**
     * From given fast weights {@code w0} ({@code [L·D, B, n·d·d]}, null for the learned {@code W_0}), with each
     * sequence's valid length (null for all {@code T}).
     */
    public RnnOutput forward(Tensor x, Tensor w0, int[] lengths) {
        return run(x, null, w0, lengths);
    }

    /** The sequential cell of one layer-direction, over this layer's parameters. */
    @Override
    public TttLinearCell cell(int layer, boolean reverse) {
        return (TttLinearCell) super.cell(layer, reverse);
    }

    @Override
    public TttLinear path(Path path) {
        super.path(path);
        return this;
    }

    /** Both paths unroll the cell: the inner loop has no fused kernel. */
    @Override
    protected RnnKernels.Result direction(Tensor x, Tensor h0, Tensor c0, int i, int[] lengths, boolean reverse) {
        int dirs = config().numDirections();
        TttLinearCell cell = cell(i / dirs, i % dirs == 1);
        int batch = x.dim(0);
        Tensor h = h0 != null ? h0 : Tensor.zeros(x.dtype(), batch, config().hiddenSize());
        Tensor w = c0 != null ? c0 : cell.initialWeights(batch, x.dtype());
        RecurrentResult<TttState> r = Recurrent.of(cell).unroll(x, lengths, TttState.atBoundary(h, w), reverse);
        return new RnnKernels.Result(aligned(r.output(), lengths, reverse), r.state().h(), r.state().w());
    }

    @Override
    protected int secondStateSize() {
        int d = config().hiddenSize() / heads;
        return heads * d * d;
    }

    @Override
    protected String describe() {
        String s = super.describe();
        return s.substring(0, s.length() - 1) + ", heads=" + heads + ", miniBatch=" + miniBatch + ")";
    }
}
