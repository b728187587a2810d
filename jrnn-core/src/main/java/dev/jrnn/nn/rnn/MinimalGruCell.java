package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.Rng;

import java.util.Objects;

/**
 * The simplified GRU of Ng's <i>Sequence Models</i> course (deeplearning.ai, week 1; docs/recurrent.md): one
 * update gate, no reset gate, the memory {@code c} is the output.
 * <pre>
 * Γ_u = σ(W_u [c_{t-1}, x_t] + b_u)
 * c̃_t = tanh(W_c [c_{t-1}, x_t] + b_c)
 * c_t = Γ_u ⊙ c̃_t + (1 − Γ_u) ⊙ c_{t-1}
 * </pre>
 * Layout (jrnn's own choice, in PyTorch's style): the course's {@code W [c_{t-1}, x_t]} is split into its
 * recurrent and input columns, {@code W [c, x] = W_hh c + W_ih x}, with row blocks (u, c):
 * {@code weight_ih [2H, I]}, {@code weight_hh [2H, H]}, {@code bias_ih [2H]}, {@code bias_hh [2H]}. The two
 * biases add: {@code b_u = bias_ih[u] + bias_hh[u]}, {@code b_c = bias_ih[c] + bias_hh[c]}. Note that
 * {@code Γ_u} weighs the <em>new</em> content, the opposite of PyTorch's {@code z}. Shapes: {@code x [B, I]},
 * state {@code c} (= {@link HiddenState#h()}) {@code [B, H]}.
 */
public final class MinimalGruCell extends StandardCell<HiddenState> {
    private MinimalGruCell(Parameter[] p) {
        super("MinimalGruCell", 2, p[0], p[1], p[2], p[3]);
    }

    /** A float32 cell with bias, parameters drawn from {@code rng} ({@code U(±1/sqrt(H))}). */
    public MinimalGruCell(int inputSize, int hiddenSize, Rng rng) {
        this(inputSize, hiddenSize, true, DType.FLOAT32, rng);
    }

    /** A cell with or without bias, of the given dtype, parameters drawn from {@code rng}. */
    public MinimalGruCell(int inputSize, int hiddenSize, boolean bias, DType dtype, Rng rng) {
        this(freshParameters("MinimalGruCell", 2, inputSize, hiddenSize, bias, Objects.requireNonNull(dtype),
                Objects.requireNonNull(rng)));
    }

    /** A cell over existing parameters ({@code weight_ih [2H, I]}, {@code weight_hh [2H, H]}, biases {@code [2H]} or both null). */
    public static MinimalGruCell over(Parameter weightIh, Parameter weightHh, Parameter biasIh, Parameter biasHh) {
        return new MinimalGruCell(new Parameter[] {weightIh, weightHh, biasIh, biasHh});
    }

    @Override
    public HiddenState step(Tensor x, HiddenState s) {                 // x: [B, I]; s.h = c_prev: [B, H]
        checkStep(x, s);
        Tensor cPrev = s.h();
        Tensor[] z = affine(x, weightIh, biasIh).add(affine(cPrev, weightHh, biasHh)).chunk(2, 1);   // W[c, x] + b, blocks u, c
        Tensor gammaU = z[0].sigmoid();                                 // Γ_u: how much new content to write
        Tensor cTilde = z[1].tanh();                                    // c̃
        return new HiddenState(gammaU.mul(cTilde).add(gammaU.rsub(1).mul(cPrev)));   // c = Γ_u ⊙ c̃ + (1 − Γ_u) ⊙ c_prev
    }

    @Override
    public HiddenState zeroState(int batch, DType dtype) {
        return new HiddenState(zeros(batch, dtype));
    }
}
