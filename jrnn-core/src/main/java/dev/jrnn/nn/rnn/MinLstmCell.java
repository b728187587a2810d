package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.Rng;

/**
 * One step of minLSTM (Feng et al. 2024): an LSTM without output gate or cell/hidden split, whose gates read
 * {@code x_t} only and whose forget and input gates are normalised to sum to one, so that training can run as
 * a scan over time ({@link MinLstm}, {@link ScanKernels}); this cell is the sequential form (inference with
 * O(1) state, and the reference the scan is tested against).
 * <pre>
 * f_t = σ(W_if x_t + b_if)        i_t = σ(W_ii x_t + b_ii)        h̃_t = g(W_ih x_t + b_ih)
 * f'_t = f_t / (f_t + i_t)        i'_t = i_t / (f_t + i_t)
 * h_t = f'_t ⊙ h_{t−1} + i'_t ⊙ h̃_t
 * </pre>
 * with {@code g(v) = v + ½} for {@code v > 0}, {@code σ(v)} otherwise (as {@link MinGruCell}). Layout:
 * {@code weight_ih [3H, I]}, {@code bias_ih [3H]}, row blocks (f, i, h); no {@code weight_hh}. Shapes:
 * {@code x [B, I]}, state {@code h [B, H]}.
 */
public final class MinLstmCell extends StandardCell<HiddenState> {
    private MinLstmCell(Parameter weightIh, Parameter biasIh) {
        super("MinLstmCell", 3, weightIh, biasIh);
    }

    private MinLstmCell(Parameter[] p) {
        this(p[0], p[1]);
    }

    /** A float32 cell with bias, parameters drawn from {@code rng} ({@code U(±1/sqrt(H))}). */
    public MinLstmCell(int inputSize, int hiddenSize, Rng rng) {
        this(inputSize, hiddenSize, true, DType.FLOAT32, rng);
    }

    /** A cell with or without bias, of the given dtype, parameters drawn from {@code rng} (weight first). */
    public MinLstmCell(int inputSize, int hiddenSize, boolean bias, DType dtype, Rng rng) {
        this(MinGruCell.fresh("MinLstmCell", 3, inputSize, hiddenSize, bias, dtype, rng));
    }

    /** A cell over existing parameters: {@code weight_ih [3H, I]}, {@code bias_ih [3H]} or null. */
    public static MinLstmCell over(Parameter weightIh, Parameter biasIh) {
        return new MinLstmCell(weightIh, biasIh);
    }

    @Override
    public HiddenState step(Tensor x, HiddenState s) {                 // x: [B, I]; s.h: [B, H]
        checkStep(x, s);
        Tensor[] gate = affine(x, weightIh, biasIh).chunk(3, 1);         // [B, H] each: f, i, h̃ — from x_t alone
        Tensor f = gate[0].sigmoid(), i = gate[1].sigmoid();
        Tensor hTilde = MinGruCell.g(gate[2]);
        Tensor sum = f.add(i);
        Tensor fN = f.div(sum), iN = i.div(sum);                         // f' + i' = 1
        return new HiddenState(fN.mul(s.h()).add(iN.mul(hTilde)));     // h = f' ⊙ h_prev + i' ⊙ h̃
    }

    @Override
    public HiddenState zeroState(int batch, DType dtype) {
        return new HiddenState(zeros(batch, dtype));
    }
}
