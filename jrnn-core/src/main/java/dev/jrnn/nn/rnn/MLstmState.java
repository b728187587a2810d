package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;

import java.util.List;

/**
 * The state of an mLSTM cell ({@link MLstmCell}) with {@code NH} heads of {@code d = H / NH} units: the hidden
 * output {@code h [batch, H]}, the matrix memory {@code c [batch, NH·d·d]} (head {@code j}'s {@code d × d} matrix
 * {@code C_j}, row-major, at {@code j·d·d}), the normaliser {@code n [batch, H]} (head {@code j}'s {@code n_j} at
 * {@code j·d}) and the stabiliser {@code m [batch, NH]}. Every tensor is two-dimensional, so {@link Recurrent}
 * masks it like any other state; a stacked layer's final state ({@link MLstm}) has {@code L·D} in front.
 * {@code c} and {@code n} are kept divided by {@code exp(m)}; {@code h} does not depend on {@code m}.
 *
 * @param h the hidden state, the step's output
 * @param c the stabilised matrix memories {@code C_t e^{−m_t}}, flattened per head
 * @param n the stabilised normalisers {@code n_t e^{−m_t}}
 * @param m the stabilisers, one per head (never differentiated)
 */
public record MLstmState(Tensor h, Tensor c, Tensor n, Tensor m) implements RnnState {
    /** Checks that all four tensors are present. */
    public MLstmState {
        if (h == null || c == null || n == null || m == null) {
            throw new IllegalArgumentException("MLstmState: h, c, n and m must all be given (got h="
                    + SLstmState.given(h) + ", c=" + SLstmState.given(c) + ", n=" + SLstmState.given(n)
                    + ", m=" + SLstmState.given(m) + ")");
        }
    }

    @Override
    public List<Tensor> tensors() {
        return List.of(h, c, n, m);
    }

    @Override
    public MLstmState withTensors(List<Tensor> tensors) {
        RnnState.checkCount("MLstmState", tensors, 4);
        return new MLstmState(tensors.get(0), tensors.get(1), tensors.get(2), tensors.get(3));
    }

    @Override
    public MLstmState detach() {
        return new MLstmState(h.detach(), c.detach(), n.detach(), m.detach());
    }
}
