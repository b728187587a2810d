package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Init;
import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.tensor.Shapes;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One step of TTT-Linear (Sun et al. 2024, "Learning to (Learn at Test Time): RNNs with Expressive Hidden
 * States"): the hidden state is a linear model {@code W} (one {@code [d, d]} matrix per head), and each token
 * trains it by one gradient step of a self-supervised reconstruction loss. Per head, with row vectors:
 * <pre>
 * k_t = θ_K x_t     v_t = θ_V x_t     q_t = θ_Q x_t              training, label and test views (weight_ih, bias_ih)
 * η_t = σ(θ_lr x_t + b_lr) / d                                  inner learning rate, one per head (base η = 1)
 * f(u; W) = u + LN(u W)                                          LN over the d features, with γ, β per head
 * ℓ(W; x_t) = ‖f(k_t; W) − v_t‖²                                 reconstruction loss
 * G_t = ∇_W ℓ(W_s; x_t)                                          taken at W_s, the W of the mini-batch start
 * W_t = W_{t−1} − η_t G_t                                        W_s ← W_t after the b-th token of a mini-batch
 * z_t = f(q_t; W_t)          h_t = θ_O z_t + b_O                output: test view through the updated model
 * </pre>
 * Mini-batch TTT (the paper's section 2.5): every gradient of a mini-batch of {@code b} tokens is taken at the
 * mini-batch's starting {@code W_s}, and the output at token {@code t} uses {@code W_s − Σ_{s<j≤t} η_j G_j}, so
 * the model stays causal; {@code b = 1} is plain online gradient descent, {@code W_t = W_{t−1} − η_t ∇ℓ(W_{t−1}; x_t)}.
 *
 * <p>The inner gradient is written out (no second-order autograd is needed): with {@code z = kW},
 * {@code ẑ = (z − μ)/σ}, {@code y = γ ⊙ ẑ + β}, {@code g_y = 2 (y + k − v)}, {@code g_ẑ = γ ⊙ g_y},
 * <pre>
 * ∂ℓ/∂z = (g_ẑ − mean(g_ẑ) − ẑ ⊙ mean(g_ẑ ⊙ ẑ)) / σ          ∂ℓ/∂W = kᵀ (∂ℓ/∂z)      (an outer product, [d, d])
 * </pre>
 * ({@link #innerGradient}, checked against central differences of {@link #innerLoss}). It is built from autograd
 * ops, so the outer gradient (to θ_K, θ_V, θ_Q, θ_lr, γ, β, W_0, θ_O) flows through every inner update.
 *
 * <p>Simplifications against the paper, on purpose: no bias in {@code f}, no learnable token-index scaling of
 * η inside a mini-batch, no output gate or post-norm; the base learning rate is fixed at 1.
 *
 * <p>Parameters (names as registered here; the layer {@link TttLinear} adds the suffix {@code _l{k}[_reverse]}):
 * <pre>
 * weight_ih        [3H, I]    row blocks k, v, q (θ_K, θ_V, θ_Q)        bias_ih   [3H]   (with bias)
 * ttt_lr_weight    [n, I]     θ_lr, one row per head                     ttt_lr_bias [n]  (with bias)
 * ttt_w0           [n, d, d]  W_0, the initial fast weights (learned)
 * ttt_norm_weight  [n, d]     γ of the inner LayerNorm                   ttt_norm_bias [n, d]   β
 * weight_ho        [H, H]     θ_O, the output projection                bias_ho   [H]    (with bias)
 * </pre>
 * with {@code n} heads of {@code d} features ({@code H = n·d}). Shapes: {@code x [B, I]}; state {@link TttState}.
 */
public final class TttLinearCell extends StandardCell<TttState> {
    /** The variance floor of the inner LayerNorm. */
    public static final double LN_EPS = 1e-6;

    private final int heads;
    private final int headSize;
    private final int miniBatch;
    private final Parameter lrWeight;
    private final Parameter lrBias;
    private final Parameter w0;
    private final Parameter normWeight;
    private final Parameter normBias;
    private final Parameter weightHo;
    private final Parameter biasHo;

    /**
     * The parameters a TTT-Linear cell has beyond {@code weight_ih} and {@code bias_ih}; biases null without bias.
     *
     * @param lrWeight   {@code ttt_lr_weight [n, I]}
     * @param lrBias     {@code ttt_lr_bias [n]} or null
     * @param w0         {@code ttt_w0 [n, d, d]}
     * @param normWeight {@code ttt_norm_weight [n, d]}
     * @param normBias   {@code ttt_norm_bias [n, d]}
     * @param weightHo   {@code weight_ho [H, H]}
     * @param biasHo     {@code bias_ho [H]} or null
     */
    public record Extras(Parameter lrWeight, Parameter lrBias, Parameter w0, Parameter normWeight, Parameter normBias,
                         Parameter weightHo, Parameter biasHo) {
        /** Name (without layer suffix) to parameter, in registration order; absent biases are left out. */
        public Map<String, Parameter> named() {
            Map<String, Parameter> m = new LinkedHashMap<>();
            m.put("ttt_lr_weight", lrWeight);
            if (lrBias != null) m.put("ttt_lr_bias", lrBias);
            m.put("ttt_w0", w0);
            m.put("ttt_norm_weight", normWeight);
            m.put("ttt_norm_bias", normBias);
            m.put("weight_ho", weightHo);
            if (biasHo != null) m.put("bias_ho", biasHo);
            return m;
        }
    }

    private TttLinearCell(Parameter weightIh, Parameter biasIh, Extras e, int heads, int miniBatch) {
        super("TttLinearCell", 3, weightIh, biasIh);
        String name = "TttLinearCell";
        int h = hiddenSize(), in = inputSize();
        if (heads < 1 || h % heads != 0) {
            throw new IllegalArgumentException(name + ": heads must divide hiddenSize=" + h + ", got " + heads);
        }
        if (miniBatch < 1) {
            throw new IllegalArgumentException(name + ": miniBatch (TTT mini-batch size b) must be >= 1, got " + miniBatch);
        }
        if ((biasIh == null) != (e.lrBias() == null) || (biasIh == null) != (e.biasHo() == null)) {
            throw new IllegalArgumentException(name + ": give bias_ih, ttt_lr_bias and bias_ho, or none of them");
        }
        this.heads = heads;
        this.headSize = h / heads;
        this.miniBatch = miniBatch;
        int d = headSize;
        CellChecks.parameter(name, "ttt_lr_weight", e.lrWeight(), heads, in);
        CellChecks.parameter(name, "ttt_w0", e.w0(), heads, d, d);
        CellChecks.parameter(name, "ttt_norm_weight", e.normWeight(), heads, d);
        CellChecks.parameter(name, "ttt_norm_bias", e.normBias(), heads, d);
        CellChecks.parameter(name, "weight_ho", e.weightHo(), h, h);
        if (e.lrBias() != null) {
            CellChecks.parameter(name, "ttt_lr_bias", e.lrBias(), heads);
            CellChecks.parameter(name, "bias_ho", e.biasHo(), h);
        }
        for (Parameter p : e.named().values()) {
            if (p.dtype() != weightIh.dtype()) {
                throw new IllegalArgumentException(name + ": all parameters must have one dtype; weight_ih is "
                        + weightIh.dtype() + ", another is " + p.dtype());
            }
        }
        e.named().forEach(this::registerParameter);
        this.lrWeight = e.lrWeight();
        this.lrBias = e.lrBias();
        this.w0 = e.w0();
        this.normWeight = e.normWeight();
        this.normBias = e.normBias();
        this.weightHo = e.weightHo();
        this.biasHo = e.biasHo();
    }

    /**
     * A fresh cell of the given dtype, parameters drawn from {@code rng}: {@code weight_ih}, {@code bias_ih},
     * then as {@link #freshExtras}.
     */
    public TttLinearCell(int inputSize, int hiddenSize, int heads, int miniBatch, boolean bias, DType dtype, Rng rng) {
        this(MinGruCell.fresh("TttLinearCell", 3, inputSize, hiddenSize, bias, dtype, rng), heads, miniBatch, bias, dtype, rng);
    }

    private TttLinearCell(Parameter[] p, int heads, int miniBatch, boolean bias, DType dtype, Rng rng) {
        this(p[0], p[1], freshExtras(p[0].dim(1), p[0].dim(0) / 3, heads, bias, dtype, rng), heads, miniBatch);
    }

    /** A cell over existing parameters (the layer {@link TttLinear} builds its cells so). */
    public static TttLinearCell over(Parameter weightIh, Parameter biasIh, Extras extras, int heads, int miniBatch) {
        return new TttLinearCell(weightIh, biasIh, Objects.requireNonNull(extras, "extras"), heads, miniBatch);
    }

    /**
     * Fresh extra parameters, drawn from {@code rng} in this order: {@code ttt_lr_weight U(±1/sqrt(I))},
     * {@code ttt_w0 N(0, 0.02)} (the paper's initialisation), {@code weight_ho}, {@code bias_ho U(±1/sqrt(H))};
     * {@code ttt_lr_bias = 0} (so {@code η = ½/d} at the start), {@code γ = 1}, {@code β = 0}.
     */
    public static Extras freshExtras(int inputSize, int hiddenSize, int heads, boolean bias, DType dtype, Rng rng) {
        CellChecks.sizes("TttLinearCell", inputSize, hiddenSize);
        if (heads < 1 || hiddenSize % heads != 0) {
            throw new IllegalArgumentException("TttLinearCell: heads must divide hiddenSize=" + hiddenSize + ", got " + heads);
        }
        int d = hiddenSize / heads;
        Parameter lrW = new Parameter(Init.torchDefault(rng, dtype, inputSize, heads, inputSize));
        Parameter lrB = bias ? new Parameter(NdArray.zeros(dtype, heads)) : null;
        Parameter w0 = new Parameter(NdArray.randn(rng, dtype, 0, 0.02, heads, d, d));
        Parameter gamma = new Parameter(NdArray.ones(dtype, heads, d));
        Parameter beta = new Parameter(NdArray.zeros(dtype, heads, d));
        Parameter wO = new Parameter(Init.torchDefault(rng, dtype, hiddenSize, hiddenSize, hiddenSize));
        Parameter bO = bias ? new Parameter(Init.torchDefault(rng, dtype, hiddenSize, hiddenSize)) : null;
        return new Extras(lrW, lrB, w0, gamma, beta, wO, bO);
    }

    /**
     * The default head count for a hidden size: heads of {@code d} features, {@code d} the largest divisor of
     * {@code H} in {@code 2..16} ({@code W} is {@code d × d} per head), or one head of {@code H} when there is none.
     */
    public static int defaultHeads(int hiddenSize) {
        for (int d = Math.min(16, hiddenSize); d >= 2; d--) {
            if (hiddenSize % d == 0) {
                return hiddenSize / d;
            }
        }
        return 1;
    }

    /** Heads {@code n}. */
    public int heads() { return heads; }

    /** Features per head {@code d} ({@code H / n}). */
    public int headSize() { return headSize; }

    /** The TTT mini-batch size {@code b} (1: online). */
    public int miniBatch() { return miniBatch; }

    /** The fast weights' width per batch row, {@code n·d·d}: the second dimension of {@link TttState#w()}. */
    public int stateSize() { return heads * headSize * headSize; }

    /** {@code ttt_w0 [n, d, d]}. */
    public Parameter w0() { return w0; }

    /** The extra parameters, as given. */
    public Extras extras() { return new Extras(lrWeight, lrBias, w0, normWeight, normBias, weightHo, biasHo); }

    @Override
    public TttState step(Tensor x, TttState s) {                                  // x: [B, I]
        checkTttStep(x, s);
        int batch = x.dim(0), n = heads, d = headSize;
        Tensor[] view = affine(x, weightIh, biasIh).chunk(3, 1);                  // [B, H] each: k, v, q
        Tensor k = view[0].reshape(batch, n, d), v = view[1].reshape(batch, n, d), q = view[2].reshape(batch, n, d);
        Tensor eta = affine(x, lrWeight, lrBias).sigmoid().mul(1.0 / d);          // [B, n]: η_t = σ(θ_lr x + b_lr) / d
        Tensor wStart = s.wStart().reshape(batch, n, d, d);
        Tensor update = innerGradient(k, v, wStart, normWeight, normBias, eta.reshape(batch, n, 1));   // η_t G_t, G_t at W_s
        Tensor w = s.w().reshape(batch, n, d, d).sub(update);                     // W_t = W_{t−1} − η_t G_t
        Tensor z = f(q, w, normWeight, normBias).reshape(batch, n * d);           // z_t = f(q_t; W_t)
        Tensor h = affine(z, weightHo, biasHo);                                   // h_t = θ_O z_t + b_O
        Tensor wFlat = w.reshape(batch, n * d * d);
        int step = s.step() + 1;
        return step == miniBatch ? TttState.atBoundary(h, wFlat)                 // mini-batch ends: W_s ← W_t
                : new TttState(h, wFlat, s.wStart(), step);
    }

    /** Zero output, {@code W = W_0} for every row, at a mini-batch boundary. */
    @Override
    public TttState zeroState(int batch, DType dtype) {
        return TttState.atBoundary(zeros(batch, dtype), initialWeights(batch, dtype));
    }

    /** {@code W_0} repeated for {@code batch} rows, {@code [batch, n·d·d]}, attached to {@code ttt_w0}'s gradient. */
    public Tensor initialWeights(int batch, DType dtype) {
        return Tensor.zeros(dtype, batch, stateSize()).add(w0.reshape(1, stateSize()));
    }

    /**
     * {@code u W}: {@code u [B, n, d]}, {@code W [B, n, d, d]} → {@code [B, n, d]}, {@code (uW)_j = Σ_i u_i W_ij}: one
     * {@code [1, d] × [d, d]} product per row and head (batched matmul, no broadcast temporaries).
     */
    static Tensor apply(Tensor u, Tensor w) {
        int[] s = u.shape();
        return u.reshape(s[0], s[1], 1, s[2]).matmul(w).reshape(s);
    }

    /** The inner LayerNorm over the last axis: {@code {ẑ, σ}} with {@code ẑ = (z − μ)/σ}, {@code σ = sqrt(var + ε)}. */
    private static Tensor[] normalise(Tensor z) {
        Tensor c = z.sub(z.mean(2, true));
        Tensor sigma = c.square().mean(2, true).add(LN_EPS).sqrt();               // [B, n, 1]
        return new Tensor[] {c.div(sigma), sigma};
    }

    /** {@code f(u; W) = u + LN(u W)} with {@code γ, β [n, d]}. */
    static Tensor f(Tensor u, Tensor w, Tensor gamma, Tensor beta) {
        return u.add(normalise(apply(u, w))[0].mul(gamma).add(beta));
    }

    /** The reconstruction loss {@code ℓ(W) = Σ ‖f(k; W) − v‖²} over batch and heads (for the tests). */
    static Tensor innerLoss(Tensor k, Tensor v, Tensor w, Tensor gamma, Tensor beta) {
        return f(k, w, gamma, beta).sub(v).square().sum();
    }

    /** {@code ∇_W ℓ(W; k, v)} written out (class comment), {@code [B, n, d, d]}, as differentiable autograd ops. */
    static Tensor innerGradient(Tensor k, Tensor v, Tensor w, Tensor gamma, Tensor beta) {
        return innerGradient(k, v, w, gamma, beta, null);
    }

    /** {@code scale ⊙ ∇_W ℓ}, {@code scale [B, n, 1]} (e.g. η) applied to {@code ∂ℓ/∂z} before the outer product, or null. */
    static Tensor innerGradient(Tensor k, Tensor v, Tensor w, Tensor gamma, Tensor beta, Tensor scale) {
        Tensor[] ln = normalise(apply(k, w));
        Tensor zHat = ln[0], sigma = ln[1];
        Tensor gy = zHat.mul(gamma).add(beta).add(k).sub(v).mul(2);               // ∂ℓ/∂f = 2 (f(k) − v)
        Tensor gzHat = gy.mul(gamma);
        Tensor gz = gzHat.sub(gzHat.mean(2, true)).sub(zHat.mul(gzHat.mul(zHat).mean(2, true))).div(sigma);   // LN backward
        if (scale != null) {
            gz = gz.mul(scale);                                                   // η ∂ℓ/∂z: d values per head, not d²
        }
        int[] s = k.shape();
        return k.reshape(s[0], s[1], s[2], 1).matmul(gz.reshape(s[0], s[1], 1, s[2]));   // kᵀ g_z: outer product per head
    }

    private void checkTttStep(Tensor x, TttState s) {
        String op = "TttLinearCell.step";
        CellChecks.step(op, x, inputSize(), weightIh.dtype(), s);
        CellChecks.state(op, "state.h", s.h(), x.dim(0), hiddenSize());
        for (Tensor t : new Tensor[] {s.w(), s.wStart()}) {
            if (t.rank() != 2 || t.dim(0) != x.dim(0) || t.dim(1) != stateSize()) {
                throw Shapes.mismatch(op, "state.w", t.shape(), "[batch=" + x.dim(0) + ", heads·d·d=" + stateSize()
                        + "] (heads=" + heads + ", d=" + headSize + ")");
            }
        }
        if (s.step() >= miniBatch) {
            throw new IllegalArgumentException(op + ": state.step is " + s.step() + ", expected 0.." + (miniBatch - 1)
                    + " (mini-batch size b=" + miniBatch + ")");
        }
    }

    @Override
    protected String describe() {
        return "TttLinearCell(inputSize=" + inputSize() + ", hiddenSize=" + hiddenSize() + ", heads=" + heads
                + ", miniBatch=" + miniBatch + ", bias=" + hasBias() + ")";
    }
}
