package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.Rng;

import java.util.Objects;

/**
 * One GRU step, gate order (r, z, n) as in {@code torch.nn.GRUCell}:
 * <pre>
 * r  = σ(W_ir x + b_ir + W_hr h + b_hr)                  reset gate   (Ng's course: Γ_r)
 * z  = σ(W_iz x + b_iz + W_hz h + b_hz)                  update gate  (z = 1 − Γ_u: z keeps the old state)
 * n  = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))         candidate, {@link GruVariant#RESET_AFTER} (default)
 * n  = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn)         candidate, {@link GruVariant#RESET_BEFORE}
 * h' = (1 − z) ⊙ n + z ⊙ h
 * </pre>
 * Shapes: {@code x [B, I]}, {@code h [B, H]}; {@code weight_ih [3H, I]}, {@code weight_hh [3H, H]},
 * {@code bias_ih, bias_hh [3H]} (optional), row blocks r, z, n. RESET_AFTER equals PyTorch and Keras
 * {@code reset_after=True}; RESET_BEFORE is Cho et al. 2014 and Ng's <i>Sequence Models</i> course
 * ({@code c̃ = tanh(W_c[Γ_r ⊙ c, x] + b_c)}); against Keras {@code reset_after=False}, which has one bias,
 * {@code b_hn} here is simply an extra bias (set it to zero, or fold it into {@code b_in}).
 */
public final class GruCell extends StandardCell<HiddenState> {
    private final GruVariant variant;

    private GruCell(Parameter[] p, GruVariant variant) {
        super("GruCell", 3, p[0], p[1], p[2], p[3]);
        this.variant = Objects.requireNonNull(variant, "variant");
    }

    /** A float32 RESET_AFTER cell with bias, parameters drawn from {@code rng}. */
    public GruCell(int inputSize, int hiddenSize, Rng rng) {
        this(freshParameters("GruCell", 3, inputSize, hiddenSize, true, DType.FLOAT32, rng), GruVariant.RESET_AFTER);
    }

    /** A builder for a cell with fresh parameters; required sizes here, options on the builder. */
    public static Builder builder(int inputSize, int hiddenSize) {
        return new Builder(inputSize, hiddenSize);
    }

    /**
     * A cell over existing parameters ({@code weight_ih [3H, I]}, {@code weight_hh [3H, H]}, biases {@code [3H]}
     * or both null). The cell registers the same objects, so gradients land in them.
     */
    public static GruCell over(Parameter weightIh, Parameter weightHh, Parameter biasIh, Parameter biasHh,
                               GruVariant variant) {
        return new GruCell(new Parameter[] {weightIh, weightHh, biasIh, biasHh}, variant);
    }

    @Override
    public HiddenState step(Tensor x, HiddenState s) {                 // x: [B, I]; s.h: [B, H]
        checkStep(x, s);
        Tensor h = s.h();
        int hs = hiddenSize();
        Tensor[] xg = affine(x, weightIh, biasIh).chunk(3, 1);          // W_i· x + b_i· for r, z, n: [B, H]
        Tensor r, z, n;
        if (variant == GruVariant.RESET_AFTER) {
            Tensor[] hg = affine(h, weightHh, biasHh).chunk(3, 1);      // W_h· h + b_h· for r, z, n
            r = xg[0].add(hg[0]).sigmoid();
            z = xg[1].add(hg[1]).sigmoid();
            n = xg[2].add(r.mul(hg[2])).tanh();                         // r scales W_hn h + b_hn
        } else {
            Tensor[] hg = affine(h, weightHh.slice(0, 0, 2 * hs),
                    biasHh == null ? null : biasHh.slice(0, 0, 2 * hs)).chunk(2, 1);   // r, z blocks only
            r = xg[0].add(hg[0]).sigmoid();
            z = xg[1].add(hg[1]).sigmoid();
            Tensor hn = affine(r.mul(h), weightHh.slice(0, 2 * hs, 3 * hs),
                    biasHh == null ? null : biasHh.slice(0, 2 * hs, 3 * hs));          // W_hn (r ⊙ h) + b_hn
            n = xg[2].add(hn).tanh();
        }
        return new HiddenState(z.rsub(1).mul(n).add(z.mul(h)));         // h' = (1 − z) ⊙ n + z ⊙ h
    }

    @Override
    public HiddenState zeroState(int batch, DType dtype) {
        return new HiddenState(zeros(batch, dtype));
    }

    /** Where the reset gate acts. */
    public GruVariant variant() { return variant; }

    @Override
    protected String describe() {
        return "GruCell(inputSize=" + inputSize() + ", hiddenSize=" + hiddenSize() + ", bias=" + hasBias()
                + ", variant=" + variant + ")";
    }

    /** Options of a fresh {@link GruCell}; defaults: RESET_AFTER, bias, float32, {@code new Rng(0)}. */
    public static final class Builder {
        private final int inputSize;
        private final int hiddenSize;
        private boolean bias = true;
        private GruVariant variant = GruVariant.RESET_AFTER;
        private DType dtype = DType.FLOAT32;
        private Rng rng;

        private Builder(int inputSize, int hiddenSize) {
            this.inputSize = inputSize;
            this.hiddenSize = hiddenSize;
        }

        /** With ({@code true}, the default) or without the biases. */
        public Builder bias(boolean bias) { this.bias = bias; return this; }

        /** Where the reset gate acts (default RESET_AFTER, as PyTorch). */
        public Builder variant(GruVariant variant) { this.variant = Objects.requireNonNull(variant); return this; }

        /** Parameter dtype (default float32). */
        public Builder dtype(DType dtype) { this.dtype = Objects.requireNonNull(dtype); return this; }

        /** Random source for the initial weights (default {@code new Rng(0)}). */
        public Builder rng(Rng rng) { this.rng = Objects.requireNonNull(rng); return this; }

        /** The cell. */
        public GruCell build() {
            return new GruCell(freshParameters("GruCell", 3, inputSize, hiddenSize, bias, dtype,
                    rng == null ? new Rng(0) : rng), variant);
        }
    }
}
