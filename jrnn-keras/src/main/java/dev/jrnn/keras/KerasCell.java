package dev.jrnn.keras;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.io.KerasImport;
import dev.jrnn.nn.Module;
import dev.jrnn.nn.Parameter;
import dev.jrnn.nn.rnn.GruVariant;
import dev.jrnn.nn.rnn.HiddenState;
import dev.jrnn.nn.rnn.LstmState;
import dev.jrnn.nn.rnn.RecurrentCell;
import dev.jrnn.nn.rnn.RnnState;
import dev.jrnn.tensor.DType;

import java.util.Objects;

/**
 * One step of a Keras recurrent cell, exactly as Keras computes it, with the cell's own {@code activation} ({@code a})
 * and {@code recurrent_activation} ({@code ρ}). Weights are held in PyTorch layout (converted by {@link KerasImport}),
 * rows in PyTorch's gate order; only the biases Keras has exist:
 * <pre>
 * SimpleRNN:              h' = a(W_ih x + b_ih + W_hh h)
 * LSTM (i, f, g, o):      i = ρ(·), f = ρ(·), g = a(·), o = ρ(·) of W_ih x + b_ih + W_hh h (no recurrent bias)
 *                         c' = f ⊙ c + i ⊙ g,   h' = o ⊙ a(c')
 * GRU  (r, z, n):         r = ρ(W_ir x + b_ir + W_hr h [+ b_hr]),  z = ρ(W_iz x + b_iz + W_hz h [+ b_hz])
 *   reset_after=True:     n = a(W_in x + b_in + r ⊙ (W_hn h + b_hn))          (recurrent bias b_hh present)
 *   reset_after=False:    n = a(W_in x + b_in + W_hn (r ⊙ h))                 (no recurrent bias)
 *                         h' = z ⊙ h + (1 − z) ⊙ n
 * </pre>
 * With {@code use_bias=False} there is no bias at all. Shapes: {@code x [B, I]}, {@code h, c [B, H]}. The cell is
 * written with autograd operations, so it also trains; the state is an {@link LstmState} for LSTM and a
 * {@link HiddenState} otherwise.
 */
final class KerasCell extends Module implements RecurrentCell<RnnState> {
    /** The three Keras cells; a GRU carries its variant. */
    enum Kind { SIMPLE_RNN, LSTM, GRU }

    private final Kind kind;
    private final GruVariant variant;
    private final KerasActivation activation;
    private final KerasActivation recurrentActivation;
    private final Parameter weightIh;   // [G·H, I]
    private final Parameter weightHh;   // [G·H, H]
    private final Parameter biasIh;     // [G·H] or null
    private final Parameter biasHh;     // [G·H] (GRU reset_after with bias) or null
    private final int hidden;

    KerasCell(Kind kind, GruVariant variant, KerasActivation activation, KerasActivation recurrentActivation,
              KerasImport.TorchWeights w, boolean useBias) {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.variant = kind == Kind.GRU ? Objects.requireNonNull(variant, "variant") : null;
        this.activation = activation;
        this.recurrentActivation = recurrentActivation;
        this.hidden = w.hiddenSize();
        this.weightIh = registerParameter("weight_ih", new Parameter(w.weightIh()));
        this.weightHh = registerParameter("weight_hh", new Parameter(w.weightHh()));
        this.biasIh = useBias ? registerParameter("bias_ih", new Parameter(w.biasIh())) : null;
        this.biasHh = useBias && variant == GruVariant.RESET_AFTER && kind == Kind.GRU
                ? registerParameter("bias_hh", new Parameter(w.biasHh())) : null;
    }

    @Override
    public int inputSize() { return weightIh.dim(1); }

    @Override
    public int hiddenSize() { return hidden; }

    @Override
    public RnnState step(Tensor x, RnnState state) {
        Tensor h = state.h();                                             // [B, H]
        Tensor xin = x.matmulTransposed(weightIh);                        // [B, G·H]
        if (biasIh != null) xin = xin.add(biasIh);
        switch (kind) {
            case SIMPLE_RNN:
                return new HiddenState(activation.apply(xin.add(h.matmulTransposed(weightHh))));
            case LSTM: {
                Tensor[] z = xin.add(h.matmulTransposed(weightHh)).split(1, hidden, hidden, hidden, hidden);
                Tensor i = recurrentActivation.apply(z[0]), f = recurrentActivation.apply(z[1]);
                Tensor g = activation.apply(z[2]), o = recurrentActivation.apply(z[3]);
                Tensor c = f.mul(((LstmState) state).c()).add(i.mul(g));  // [B, H]
                return new LstmState(o.mul(activation.apply(c)), c);
            }
            default: {
                Tensor[] xs = xin.split(1, hidden, hidden, hidden);        // r, z, n input parts
                Tensor[] ws = weightHh.split(0, hidden, hidden, hidden);   // [H, H] each
                Tensor rh = h.matmulTransposed(ws[0]), zh = h.matmulTransposed(ws[1]);
                if (biasHh != null) {
                    Tensor[] bs = biasHh.split(0, hidden, hidden, hidden);
                    rh = rh.add(bs[0]);
                    zh = zh.add(bs[1]);
                }
                Tensor r = recurrentActivation.apply(xs[0].add(rh));
                Tensor z = recurrentActivation.apply(xs[1].add(zh));
                Tensor inner;
                if (variant == GruVariant.RESET_AFTER) {
                    Tensor nh = h.matmulTransposed(ws[2]);
                    if (biasHh != null) nh = nh.add(biasHh.split(0, hidden, hidden, hidden)[2]);
                    inner = r.mul(nh);                                    // reset after the product
                } else {
                    inner = r.mul(h).matmulTransposed(ws[2]);             // reset before the product
                }
                Tensor n = activation.apply(xs[2].add(inner));
                return new HiddenState(z.mul(h).add(z.rsub(1).mul(n)));
            }
        }
    }

    @Override
    public RnnState zeroState(int batch, DType dtype) {
        Tensor h = Tensor.zeros(dtype, batch, hidden);
        return kind == Kind.LSTM ? new LstmState(h, Tensor.zeros(dtype, batch, hidden)) : new HiddenState(h);
    }

    @Override
    protected String describe() {
        return "KerasCell(" + kind + (variant == null ? "" : " " + variant) + ", activation=" + activation.kerasName()
                + ", recurrent_activation=" + recurrentActivation.kerasName() + ", units=" + hidden + ")";
    }
}
