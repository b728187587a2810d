package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;

/**
 * One step of sLSTM (Beck et al. 2024, "xLSTM: Extended Long Short-Term Memory"): an LSTM with an exponential
 * input gate, a sigmoid forget gate, a normaliser state and a stabiliser, with memory mixing through the
 * recurrent weights. Gate order (i, f, z, o), the row blocks of {@code weight_ih [4H, I]} and
 * {@code weight_hh [4H, H]}:
 * <pre>
 * ĩ = W_ii x + b_ii + W_hi h + b_hi      f̃ = W_if x + b_if + W_hf h + b_hf
 * z = tanh(W_iz x + b_iz + W_hz h + b_hz)    o = σ(W_io x + b_io + W_ho h + b_ho)
 * log f = log σ(f̃)                                        sigmoid forget gate
 * m_t = max(log f + m_{t−1}, ĩ)                           stabiliser (log i = ĩ: exponential input gate)
 * i' = exp(ĩ − m_t)           f' = exp(log f + m_{t−1} − m_t)
 * c_t = f' ⊙ c_{t−1} + i' ⊙ z                              n_t = f' ⊙ n_{t−1} + i'
 * h_t = o ⊙ c_t / n_t
 * </pre>
 * {@code c} and {@code n} are the paper's cell and normaliser divided by {@code e^{m_t}}, so they stay finite
 * however large {@code exp(ĩ)} grows; {@code h} is their ratio, which {@code m} cancels out of, so {@code m} is
 * computed on values and never differentiated (the gradients stay exact). The zero state has {@code m = 0}.
 *
 * <p>Memory mixing: the paper's sLSTM mixes through block-diagonal recurrent weights, one block per head; this
 * cell has a single head, so {@code weight_hh} is dense (every unit reads every unit of {@code h_{t−1}}). The
 * layout is an LSTM's, so the biases add as in PyTorch. Shapes: {@code x [B, I]}, state {@link SLstmState}
 * tensors {@code [B, H]}.
 */
public final class SLstmCell extends StandardCell<SLstmState> {
    private SLstmCell(Parameter weightIh, Parameter weightHh, Parameter biasIh, Parameter biasHh) {
        super("SLstmCell", 4, weightIh, weightHh, biasIh, biasHh);
    }

    private SLstmCell(Parameter[] p) {
        this(p[0], p[1], p[2], p[3]);
    }

    /** A float32 cell with bias, parameters drawn from {@code rng} ({@code U(±1/sqrt(H))}). */
    public SLstmCell(int inputSize, int hiddenSize, Rng rng) {
        this(inputSize, hiddenSize, true, DType.FLOAT32, rng);
    }

    /** A cell with or without bias, of the given dtype, parameters drawn from {@code rng} (PyTorch's order). */
    public SLstmCell(int inputSize, int hiddenSize, boolean bias, DType dtype, Rng rng) {
        this(freshParameters("SLstmCell", 4, inputSize, hiddenSize, bias, dtype, rng));
    }

    /** A cell over existing parameters: {@code weight_ih [4H, I]}, {@code weight_hh [4H, H]}, biases {@code [4H]} or null. */
    public static SLstmCell over(Parameter weightIh, Parameter weightHh, Parameter biasIh, Parameter biasHh) {
        return new SLstmCell(weightIh, weightHh, biasIh, biasHh);
    }

    @Override
    public SLstmState step(Tensor x, SLstmState s) {                   // x: [B, I]; s.h, s.c, s.n, s.m: [B, H]
        checkStep(x, s);
        Tensor pre = affine(x, weightIh, biasIh).add(affine(s.h(), weightHh, biasHh));   // [B, 4H]
        Tensor[] gate = pre.chunk(4, 1);                                 // ĩ, f̃, z̃, õ
        Tensor iTilde = gate[0];
        Tensor logF = XLstmMath.logSigmoid(gate[1]);
        Tensor z = gate[2].tanh(), o = gate[3].sigmoid();
        NdArray m = XLstmMath.stabiliser(logF, s.m().data(), iTilde);    // a constant: h does not depend on it
        Tensor mT = Tensor.constant(m);
        Tensor i = iTilde.sub(mT).exp();                                 // i' = exp(ĩ − m_t) ≤ 1
        Tensor f = logF.add(s.m()).sub(mT).exp();                        // f' = exp(log f + m_{t−1} − m_t) ≤ 1
        Tensor c = f.mul(s.c()).add(i.mul(z));
        Tensor n = f.mul(s.n()).add(i);                                  // > 0: one of f', i' is 1 after step 1
        return new SLstmState(o.mul(c.div(n)), c, n, mT);
    }

    @Override
    public SLstmState zeroState(int batch, DType dtype) {
        Tensor z = zeros(batch, dtype);
        return new SLstmState(z, z, z, z);
    }
}
