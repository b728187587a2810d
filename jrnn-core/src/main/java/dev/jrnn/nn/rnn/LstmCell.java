package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Init;
import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.Rng;
import dev.jrnn.tensor.Shapes;

import java.util.Objects;

/**
 * One LSTM step, gate order (i, f, g, o) as in {@code torch.nn.LSTMCell} (see {@link LstmGate}):
 * <pre>
 * i  = σ(W_ii x + b_ii + W_hi h + b_hi [+ p_i ⊙ c])      input gate   (Ng's course: Γ_u)
 * f  = σ(W_if x + b_if + W_hf h + b_hf [+ p_f ⊙ c])      forget gate  (Γ_f / g_f)
 * g  = tanh(W_ig x + b_ig + W_hg h + b_hg)               candidate    (c̃)
 * c' = f ⊙ c + i ⊙ g                                     new memory
 * o  = σ(W_io x + b_io + W_ho h + b_ho [+ p_o ⊙ c'])     output gate  (Γ_o / g_o)
 * h' = o ⊙ tanh(c')                                      output
 * </pre>
 * Shapes: {@code x [B, I]}, {@code h, c [B, H]}; {@code weight_ih [4H, I]}, {@code weight_hh [4H, H]},
 * {@code bias_ih, bias_hh [4H]} (optional), row blocks i, f, g, o.
 *
 * <p><b>Projection</b> ({@code torch.nn.LSTM}'s {@code proj_size = P}, Sak et al. 2014): the output is
 * projected by {@code weight_hr [P, H]},
 * <pre>
 * h' = W_hr (o ⊙ tanh(c'))                               projected output  [B, P]
 * </pre>
 * so {@code h} is {@code [B, P]} ({@link #outputSize()} = P), {@code c} stays {@code [B, H]}, and
 * {@code weight_hh} is {@code [4H, P]} (it reads the projected h).
 *
 * <p>Two options beyond PyTorch:
 * <ul>
 * <li><b>Peephole connections</b> (Gers and Schmidhuber 2000): the bracketed terms above, with the
 *     parameter {@code weight_peephole} {@code [3, H]} whose rows are {@code p_i, p_f, p_o} (this layout is
 *     jrnn's own; it is initialised {@code U(±1/sqrt(H))}). The input and forget gates look at the old
 *     memory {@code c}, the output gate at the new one {@code c'}.</li>
 * <li><b>Forget-gate bias</b>: a value (commonly 1.0, Jozefowicz et al. 2015) added at initialisation to the
 *     forget block of {@code bias_ih}, so the cell starts out remembering.</li>
 * </ul>
 *
 * <pre>{@code
 * var cell = LstmCell.builder(5, 8).peephole(true).forgetBias(1.0).rng(new Rng(7)).build();
 * LstmState s = cell.step(x, cell.zeroState(batch, DType.FLOAT32));   // x: [batch, 5] -> s.h(), s.c(): [batch, 8]
 * }</pre>
 */
public final class LstmCell extends StandardCell<LstmState> {
    private final Parameter weightPeephole;
    private final Parameter weightHr;

    private LstmCell(Parameter[] p, Parameter weightPeephole) {
        this(p, weightPeephole, null);
    }

    private LstmCell(Parameter[] p, Parameter weightPeephole, Parameter weightHr) {
        super("LstmCell", 4, p[0], p[1], p[2], p[3], projRows(weightHr));
        if (weightPeephole != null) {
            if (!weightPeephole.data().hasShape(3, hiddenSize())) {
                throw Shapes.mismatch("LstmCell", "weight_peephole", weightPeephole.shape(),
                        "[3, " + hiddenSize() + "] (rows p_i, p_f, p_o)");
            }
            if (weightPeephole.dtype() != p[0].dtype()) {
                throw new IllegalArgumentException("LstmCell: weight_peephole must have the weights' dtype " + p[0].dtype());
            }
        }
        this.weightPeephole = weightPeephole == null ? null : registerParameter("weight_peephole", weightPeephole);
        if (weightHr != null) {
            if (!weightHr.data().hasShape(outputSize(), hiddenSize())) {
                throw Shapes.mismatch("LstmCell", "weight_hr", weightHr.shape(), "[proj, H] = [" + outputSize() + ", "
                        + hiddenSize() + "] (proj from weight_hh's columns, H from its rows / 4)");
            }
            if (weightHr.dtype() != p[0].dtype()) {
                throw new IllegalArgumentException("LstmCell: weight_hr must have the weights' dtype " + p[0].dtype());
            }
        }
        this.weightHr = weightHr == null ? null : registerParameter("weight_hr", weightHr);
    }

    /** P, the rows of {@code weight_hr [P, H]}, or 0 without one; checked before the weights are. */
    private static int projRows(Parameter weightHr) {
        if (weightHr == null) {
            return 0;
        }
        if (weightHr.rank() != 2 || weightHr.dim(0) < 1) {
            throw Shapes.mismatch("LstmCell", "weight_hr", weightHr.shape(), "[proj, H] (rank 2, proj >= 1)");
        }
        return weightHr.dim(0);
    }

    /** A float32 cell with bias, no peepholes, parameters drawn from {@code rng}. */
    public LstmCell(int inputSize, int hiddenSize, Rng rng) {
        this(freshParameters("LstmCell", 4, inputSize, hiddenSize, true, DType.FLOAT32, rng), null);
    }

    /** A builder for a cell with fresh parameters; required sizes here, options on the builder. */
    public static Builder builder(int inputSize, int hiddenSize) {
        return new Builder(inputSize, hiddenSize);
    }

    /**
     * A cell over existing parameters ({@code weight_ih [4H, I]}, {@code weight_hh [4H, H]}, biases {@code [4H]}
     * or both null), without peepholes. The cell registers the same objects, so gradients land in them.
     */
    public static LstmCell over(Parameter weightIh, Parameter weightHh, Parameter biasIh, Parameter biasHh) {
        return new LstmCell(new Parameter[] {weightIh, weightHh, biasIh, biasHh}, null);
    }

    /** As {@link #over(Parameter, Parameter, Parameter, Parameter)}, with peepholes {@code [3, H]} (rows p_i, p_f, p_o). */
    public static LstmCell over(Parameter weightIh, Parameter weightHh, Parameter biasIh, Parameter biasHh,
                                Parameter weightPeephole) {
        return new LstmCell(new Parameter[] {weightIh, weightHh, biasIh, biasHh},
                Objects.requireNonNull(weightPeephole, "weightPeephole"));
    }

    /**
     * A cell with a projection over existing parameters: {@code weight_ih [4H, I]}, {@code weight_hh [4H, P]},
     * biases {@code [4H]} or both null, {@code weight_hr [P, H]}; no peepholes.
     */
    public static LstmCell projected(Parameter weightIh, Parameter weightHh, Parameter biasIh, Parameter biasHh,
                                     Parameter weightHr) {
        return new LstmCell(new Parameter[] {weightIh, weightHh, biasIh, biasHh}, null,
                Objects.requireNonNull(weightHr, "weightHr"));
    }

    @Override
    public LstmState step(Tensor x, LstmState s) {                     // x: [B, I]; s.h, s.c: [B, H]
        checkStep(x, s);
        Tensor z = affine(x, weightIh, biasIh).add(affine(s.h(), weightHh, biasHh));   // [B, 4H]
        Tensor[] gate = z.chunk(4, 1);                                  // pre-activations of i, f, g, o
        Tensor zi = gate[LstmGate.INPUT.ordinal()], zf = gate[LstmGate.FORGET.ordinal()];
        Tensor zg = gate[LstmGate.CELL.ordinal()], zo = gate[LstmGate.OUTPUT.ordinal()];
        if (weightPeephole != null) {                                   // i and f peek at the old memory
            zi = zi.add(peephole(0).mul(s.c()));
            zf = zf.add(peephole(1).mul(s.c()));
        }
        Tensor i = zi.sigmoid(), f = zf.sigmoid(), g = zg.tanh();
        Tensor c = f.mul(s.c()).add(i.mul(g));                          // c' = f ⊙ c + i ⊙ g
        if (weightPeephole != null) {
            zo = zo.add(peephole(2).mul(c));                            // o peeks at the new memory
        }
        Tensor o = zo.sigmoid();
        Tensor m = o.mul(c.tanh());                                     // o ⊙ tanh(c'): [B, H]
        if (weightHr != null) {
            return new LstmState(m.matmulTransposed(weightHr), c);     // h' = W_hr m: [B, P]
        }
        return new LstmState(m, c);                                     // h' = o ⊙ tanh(c')
    }

    private Tensor peephole(int row) {
        return weightPeephole.select(0, row);                           // [H], broadcast over the batch
    }

    @Override
    public LstmState zeroState(int batch, DType dtype) {
        return new LstmState(zeroOutput(batch, dtype), zeros(batch, dtype));
    }

    /** {@code weight_peephole} {@code [3, H]} (rows p_i, p_f, p_o), or null without peepholes. */
    public Parameter weightPeephole() { return weightPeephole; }

    /** {@code weight_hr} {@code [P, H]}, or null without a projection. */
    public Parameter weightHr() { return weightHr; }

    /** Whether the cell has peephole connections. */
    public boolean hasPeephole() { return weightPeephole != null; }

    @Override
    protected String describe() {
        return "LstmCell(inputSize=" + inputSize() + ", hiddenSize=" + hiddenSize() + ", bias=" + hasBias()
                + ", peephole=" + hasPeephole() + (weightHr == null ? "" : ", projSize=" + outputSize()) + ")";
    }

    /** Options of a fresh {@link LstmCell}; defaults: bias, no peepholes, forget bias 0, float32, {@code new Rng(0)}. */
    public static final class Builder {
        private final int inputSize;
        private final int hiddenSize;
        private boolean bias = true;
        private boolean peephole;
        private double forgetBias;
        private int projSize;
        private DType dtype = DType.FLOAT32;
        private Rng rng;

        private Builder(int inputSize, int hiddenSize) {
            this.inputSize = inputSize;
            this.hiddenSize = hiddenSize;
        }

        /** With ({@code true}, the default) or without the biases. */
        public Builder bias(boolean bias) { this.bias = bias; return this; }

        /**
         * Projects the output to {@code p} features ({@code weight_hr [p, H]}, PyTorch's {@code proj_size});
         * 0 (the default) is no projection. PyTorch requires {@code 0 < p < H}; so does this builder.
         */
        public Builder projSize(int p) {
            if (p < 0 || (p > 0 && p >= hiddenSize)) {
                throw new IllegalArgumentException("LstmCell: projSize must be 0 (none) or in 1.." + (hiddenSize - 1)
                        + " (less than hiddenSize=" + hiddenSize + "), got " + p);
            }
            this.projSize = p;
            return this;
        }

        /** Adds peephole connections ({@code weight_peephole [3, H]}). */
        public Builder peephole(boolean peephole) { this.peephole = peephole; return this; }

        /** A value added to the forget block of {@code bias_ih} after initialisation (e.g. 1.0); needs bias. */
        public Builder forgetBias(double value) {
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException("LstmCell: forgetBias must be finite, got " + value);
            }
            this.forgetBias = value;
            return this;
        }

        /** Parameter dtype (default float32). */
        public Builder dtype(DType dtype) { this.dtype = Objects.requireNonNull(dtype); return this; }

        /** Random source for the initial weights (default {@code new Rng(0)}). */
        public Builder rng(Rng rng) { this.rng = Objects.requireNonNull(rng); return this; }

        /** The cell. */
        public LstmCell build() {
            if (forgetBias != 0 && !bias) {
                throw new IllegalArgumentException("LstmCell: forgetBias=" + forgetBias
                        + " needs a bias; remove bias(false) or the forget bias");
            }
            Rng r = rng == null ? new Rng(0) : rng;
            Parameter[] p = freshParameters("LstmCell", 4, inputSize, hiddenSize, bias, dtype, r);
            Parameter hr = null;
            if (projSize > 0) {   // weight_hh reads the projected h; weight_hr drawn last, as PyTorch registers it
                p[1] = new Parameter(Init.torchDefault(r, dtype, hiddenSize, 4 * hiddenSize, projSize));
                hr = new Parameter(Init.torchDefault(r, dtype, hiddenSize, projSize, hiddenSize));
            }
            Parameter peep = peephole ? new Parameter(Init.torchDefault(r, dtype, hiddenSize, 3, hiddenSize)) : null;
            if (forgetBias != 0) {
                for (int k = LstmGate.FORGET.start(hiddenSize); k < LstmGate.FORGET.end(hiddenSize); k++) {
                    p[2].data().setFlat(k, p[2].data().getFlat(k) + forgetBias);
                }
            }
            return new LstmCell(p, peep, hr);
        }
    }
}
