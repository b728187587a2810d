package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.NdArray;

/** The few functions the xLSTM cells share ({@link SLstmCell}, {@link MLstmCell}, {@link MLstmKernels}). */
final class XLstmMath {
    private XLstmMath() {}

    /** {@code log σ(v) = min(v, 0) − log(1 + e^{−|v|})}, finite for every finite {@code v} (log σ(v) itself underflows). */
    static Tensor logSigmoid(Tensor v) {
        Tensor negPart = v.sub(v.relu());                                 // min(v, 0)
        return negPart.sub(v.abs().neg().exp().add(1).log());
    }

    /**
     * {@code max(a, floor)} elementwise, the gradient passing to {@code a} where {@code a > floor}; {@code floor} is
     * a constant (it broadcasts against {@code a}).
     */
    static Tensor atLeast(Tensor a, NdArray floor) {
        Tensor f = Tensor.constant(floor);
        return a.sub(f).relu().add(f);
    }

    /**
     * The stabiliser update {@code m_t = max(log f_t + m_{t−1}, ĩ_t)} on values: the stabiliser cancels out of
     * every output ({@code h} is a ratio of two quantities both scaled by {@code e^{−m}}), so it is a constant to
     * autograd and the gradients stay exact.
     */
    static NdArray stabiliser(Tensor logF, NdArray mPrev, Tensor iTilde) {
        return logF.data().add(mPrev).maximum(iTilde.data());
    }
}
