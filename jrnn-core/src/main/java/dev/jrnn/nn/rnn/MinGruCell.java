package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Init;
import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.Rng;

import java.util.Objects;

/**
 * One step of minGRU (Feng et al. 2024, "Were RNNs All We Needed?"): a GRU whose gate and candidate read
 * {@code x_t} only, so that training can run as a scan over time ({@link MinGru}, {@link ScanKernels}); this
 * cell is the sequential form, for inference with O(1) state and as the reference the scan is tested against.
 * <pre>
 * z_t = σ(W_iz x_t + b_iz)                 update gate
 * h̃_t = g(W_ih x_t + b_ih)                 candidate, g(v) = v + ½ for v &gt; 0, σ(v) otherwise (g &gt; 0)
 * h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h̃_t
 * </pre>
 * {@code g} keeps {@code h̃} positive, which the log-space scan needs (the paper's log-space variant). Layout:
 * {@code weight_ih [2H, I]}, {@code bias_ih [2H]}, row blocks (z, h); there is no {@code weight_hh}. Not to be
 * confused with {@link MinimalGruCell}, Ng's one-gate GRU, whose gates do read {@code h_{t−1}}.
 * Shapes: {@code x [B, I]}, state {@code h [B, H]}.
 */
public final class MinGruCell extends StandardCell<HiddenState> {
    private MinGruCell(Parameter weightIh, Parameter biasIh) {
        super("MinGruCell", 2, weightIh, biasIh);
    }

    /** A float32 cell with bias, parameters drawn from {@code rng} ({@code U(±1/sqrt(H))}). */
    public MinGruCell(int inputSize, int hiddenSize, Rng rng) {
        this(inputSize, hiddenSize, true, DType.FLOAT32, rng);
    }

    /** A cell with or without bias, of the given dtype, parameters drawn from {@code rng} (weight first). */
    public MinGruCell(int inputSize, int hiddenSize, boolean bias, DType dtype, Rng rng) {
        this(fresh("MinGruCell", 2, inputSize, hiddenSize, bias, dtype, rng));
    }

    private MinGruCell(Parameter[] p) {
        this(p[0], p[1]);
    }

    /** A cell over existing parameters: {@code weight_ih [2H, I]}, {@code bias_ih [2H]} or null. */
    public static MinGruCell over(Parameter weightIh, Parameter biasIh) {
        return new MinGruCell(weightIh, biasIh);
    }

    @Override
    public HiddenState step(Tensor x, HiddenState s) {                 // x: [B, I]; s.h: [B, H]
        checkStep(x, s);
        Tensor[] gate = affine(x, weightIh, biasIh).chunk(2, 1);         // [B, H] each: z, h̃ — from x_t alone
        Tensor z = gate[0].sigmoid();
        Tensor hTilde = g(gate[1]);
        return new HiddenState(z.rsub(1).mul(s.h()).add(z.mul(hTilde)));   // h = (1 − z) ⊙ h_prev + z ⊙ h̃
    }

    @Override
    public HiddenState zeroState(int batch, DType dtype) {
        return new HiddenState(zeros(batch, dtype));
    }

    /** {@code g(v) = relu(v) + σ(min(v, 0))}: {@code v + ½} for {@code v > 0}, {@code σ(v)} otherwise. */
    static Tensor g(Tensor v) {
        Tensor pos = v.relu();
        return pos.add(v.sub(pos).sigmoid());                            // v − relu(v) = min(v, 0)
    }

    /** {@code {weight_ih [G·H, I], bias_ih [G·H] or null}} of a fresh scan cell, each {@code U(±1/sqrt(H))}, in that order. */
    static Parameter[] fresh(String name, int gates, int inputSize, int hiddenSize, boolean bias, DType dtype, Rng rng) {
        CellChecks.sizes(name, inputSize, hiddenSize);
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(rng, "rng");
        int gh = gates * hiddenSize;
        Parameter w = new Parameter(Init.torchDefault(rng, dtype, hiddenSize, gh, inputSize));
        Parameter b = bias ? new Parameter(Init.torchDefault(rng, dtype, hiddenSize, gh)) : null;
        return new Parameter[] {w, b};
    }
}
