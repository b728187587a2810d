package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Init;
import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.tensor.Shapes;

import java.util.Objects;

/**
 * One step of mLSTM (Beck et al. 2024, "xLSTM"): a matrix memory per head, updated by the covariance rule, with
 * an exponential input gate, a sigmoid forget gate (both one scalar per head) and a stabiliser. Every gate reads
 * {@code x_t} alone (no recurrent weights), so a whole sequence can also be computed in parallel
 * ({@link MLstmKernels}, the fast path of {@link MLstm}); this cell is the recurrent form, for inference with
 * O(1) state and as the reference the parallel form is tested against. With {@code NH} heads of
 * {@code d = H / NH} units, for each head (vectors of {@code d}, scalars per head):
 * <pre>
 * q = W_q x + b_q      k = (W_k x + b_k) / √d      v = W_v x + b_v      o = σ(W_o x + b_o)
 * ĩ = w_i x + b_i      log f = log σ(w_f x + b_f)                          (exponential input gate: log i = ĩ)
 * m_t = max(log f + m_{t−1}, ĩ)      i' = exp(ĩ − m_t)      f' = exp(log f + m_{t−1} − m_t)
 * C_t = f' C_{t−1} + i' v kᵀ          n_t = f' n_{t−1} + i' k
 * h_t = o ⊙ C_t q / max(|n_tᵀ q|, exp(−m_t))
 * </pre>
 * {@code C} and {@code n} are the paper's divided by {@code e^{m_t}}, so {@code max(|n_tᵀ q|, exp(−m_t))} is the
 * paper's {@code max(|n_tᵀ q|, 1)} scaled alike and {@code h} does not depend on {@code m} (computed on values,
 * never differentiated). The zero state has {@code m = 0}.
 *
 * <p>Parameters: {@code weight_ih [4H, I]} and {@code bias_ih [4H]}, row blocks (q, k, v, o); {@code weight_gate
 * [2·NH, I]} and {@code bias_gate [2·NH]}, rows ĩ of heads 0..NH−1, then f̃ of heads 0..NH−1. Head {@code j} owns
 * units {@code j·d .. (j+1)·d − 1} of q, k, v, o and h. Shapes: {@code x [B, I]}, state {@link MLstmState}.
 */
public final class MLstmCell extends StandardCell<MLstmState> {
    private final Parameter weightGate;
    private final Parameter biasGate;
    private final int heads;
    private final int headSize;

    private MLstmCell(Parameter weightIh, Parameter biasIh, Parameter weightGate, Parameter biasGate, int heads) {
        super("MLstmCell", 4, weightIh, biasIh);
        int h = hiddenSize();
        if (heads <= 0 || h % heads != 0) {
            throw new IllegalArgumentException("MLstmCell: heads must divide hiddenSize=" + h + ", got heads=" + heads);
        }
        this.heads = heads;
        this.headSize = h / heads;
        Objects.requireNonNull(weightGate, "weight_gate");
        if (weightGate.rank() != 2 || weightGate.dim(0) != 2 * heads || weightGate.dim(1) != inputSize()) {
            throw Shapes.mismatch("MLstmCell", "weight_gate", weightGate.shape(), "[2·heads=" + 2 * heads + ", inputSize="
                    + inputSize() + "] (rows: input gate per head, then forget gate per head)");
        }
        if ((biasIh == null) != (biasGate == null)) {
            throw new IllegalArgumentException("MLstmCell: give both bias_ih and bias_gate, or neither (a cell without bias)");
        }
        if (biasGate != null) {
            CellChecks.parameter("MLstmCell", "bias_gate", biasGate, 2 * heads);
        }
        if (weightGate.dtype() != weightIh.dtype() || (biasGate != null && biasGate.dtype() != weightIh.dtype())) {
            throw new IllegalArgumentException("MLstmCell: all parameters must have one dtype");
        }
        this.weightGate = registerParameter("weight_gate", weightGate);
        this.biasGate = biasGate == null ? null : registerParameter("bias_gate", biasGate);
    }

    private MLstmCell(Parameter[] p, int heads) {
        this(p[0], p[1], p[2], p[3], heads);
    }

    /** A float32 cell with bias and one head, parameters drawn from {@code rng} ({@code U(±1/sqrt(H))}). */
    public MLstmCell(int inputSize, int hiddenSize, Rng rng) {
        this(inputSize, hiddenSize, 1, true, DType.FLOAT32, rng);
    }

    /**
     * A cell with {@code heads} heads (dividing {@code hiddenSize}), with or without bias, of the given dtype,
     * parameters drawn from {@code rng} in the order weight_ih, bias_ih, weight_gate, bias_gate.
     */
    public MLstmCell(int inputSize, int hiddenSize, int heads, boolean bias, DType dtype, Rng rng) {
        this(fresh(inputSize, hiddenSize, heads, bias, dtype, rng), heads);
    }

    /**
     * A cell over existing parameters: {@code weight_ih [4H, I]}, {@code bias_ih [4H]} or null,
     * {@code weight_gate [2·heads, I]}, {@code bias_gate [2·heads]} or null.
     */
    public static MLstmCell over(Parameter weightIh, Parameter biasIh, Parameter weightGate, Parameter biasGate, int heads) {
        return new MLstmCell(weightIh, biasIh, weightGate, biasGate, heads);
    }

    /** {@code {weight_ih, bias_ih, weight_gate, bias_gate}} of a fresh cell (biases null without bias), {@code U(±1/sqrt(H))}. */
    static Parameter[] fresh(int inputSize, int hiddenSize, int heads, boolean bias, DType dtype, Rng rng) {
        Parameter[] qkvo = MinGruCell.fresh("MLstmCell", 4, inputSize, hiddenSize, bias, dtype, rng);
        Parameter wg = new Parameter(Init.torchDefault(rng, dtype, hiddenSize, 2 * heads, inputSize));
        Parameter bg = bias ? new Parameter(Init.torchDefault(rng, dtype, hiddenSize, 2 * heads)) : null;
        return new Parameter[] {qkvo[0], qkvo[1], wg, bg};
    }

    /** {@code NH}: heads, each with its own {@code d × d} memory. */
    public int heads() { return heads; }

    /** {@code d = H / NH}: units per head. */
    public int headSize() { return headSize; }

    /** {@code weight_gate [2·NH, I]}: input-gate rows, then forget-gate rows. */
    public Parameter weightGate() { return weightGate; }

    /** {@code bias_gate [2·NH]}, or null without bias. */
    public Parameter biasGate() { return biasGate; }

    @Override
    public MLstmState step(Tensor x, MLstmState s) {                   // x: [B, I]
        checkState(x, s);
        int b = x.dim(0), nh = heads, d = headSize;
        Tensor[] p = affine(x, weightIh, biasIh).chunk(4, 1);            // [B, H] each: q, k, v, o
        Tensor q = p[0].reshape(b, nh, d);
        Tensor k = p[1].mul(1 / Math.sqrt(d)).reshape(b, nh, d);
        Tensor v = p[2].reshape(b, nh, d);
        Tensor o = p[3].sigmoid();
        Tensor[] g = affine(x, weightGate, biasGate).chunk(2, 1);        // [B, NH] each: ĩ, f̃
        Tensor iTilde = g[0], logF = XLstmMath.logSigmoid(g[1]);
        NdArray m = XLstmMath.stabiliser(logF, s.m().data(), iTilde);    // [B, NH], a constant
        Tensor mT = Tensor.constant(m);
        Tensor i = iTilde.sub(mT).exp().reshape(b, nh, 1);               // i' per head
        Tensor f = logF.add(s.m()).sub(mT).exp().reshape(b, nh, 1);      // f' per head
        Tensor cPrev = s.c().reshape(b, nh, d, d);
        Tensor vkT = v.reshape(b, nh, d, 1).mul(k.reshape(b, nh, 1, d));      // [B, NH, d, d]: v kᵀ
        Tensor c = f.reshape(b, nh, 1, 1).mul(cPrev).add(i.reshape(b, nh, 1, 1).mul(vkT));
        Tensor n = f.mul(s.n().reshape(b, nh, d)).add(i.mul(k));              // [B, NH, d]
        Tensor num = c.mul(q.reshape(b, nh, 1, d)).sum(3, false);             // [B, NH, d]: C q
        Tensor nq = n.mul(q).sum(2, false).abs();                             // [B, NH]: |nᵀ q|
        Tensor den = XLstmMath.atLeast(nq, m.neg().exp());                    // max(|nᵀ q|, e^{−m})
        Tensor hTilde = num.div(den.reshape(b, nh, 1)).reshape(b, nh * d);
        return new MLstmState(o.mul(hTilde), c.reshape(b, nh * d * d), n.reshape(b, nh * d), mT);
    }

    private void checkState(Tensor x, MLstmState s) {
        String op = "MLstmCell.step";
        CellChecks.step(op, x, inputSize(), weightIh.dtype(), s);
        int b = x.dim(0);
        CellChecks.state(op, "state.h", s.h(), b, hiddenSize());
        CellChecks.state(op, "state.c", s.c(), b, heads * headSize * headSize, "heads·d·d", "heads and headSize");
        CellChecks.state(op, "state.n", s.n(), b, hiddenSize());
        CellChecks.state(op, "state.m", s.m(), b, heads, "heads", "heads");
    }

    @Override
    public MLstmState zeroState(int batch, DType dtype) {
        return new MLstmState(Tensor.zeros(dtype, batch, hiddenSize()), Tensor.zeros(dtype, batch, heads * headSize * headSize),
                Tensor.zeros(dtype, batch, hiddenSize()), Tensor.zeros(dtype, batch, heads));
    }

    @Override
    protected String describe() {
        return "MLstmCell(" + inputSize() + ", " + hiddenSize() + ", heads=" + heads + ", bias=" + hasBias() + ")";
    }
}
