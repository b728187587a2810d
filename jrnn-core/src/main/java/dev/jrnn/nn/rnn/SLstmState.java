package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;

import java.util.List;

/**
 * The state of an sLSTM cell ({@link SLstmCell}): hidden {@code h}, cell {@code c}, normaliser {@code n} and
 * stabiliser {@code m}, each {@code [batch, hidden]} for one cell ({@code [L·D, batch, hidden]} for a stacked
 * layer's final state, {@link SLstm}). {@code c} and {@code n} are kept divided by {@code exp(m)}, so they stay
 * finite under exponential gates; {@code h = o ⊙ c / n} does not depend on {@code m}.
 *
 * @param h the hidden state, the step's output
 * @param c the stabilised cell state {@code c_t e^{−m_t}}
 * @param n the stabilised normaliser {@code n_t e^{−m_t}}
 * @param m the stabiliser (a running maximum of log gate values; never differentiated)
 */
public record SLstmState(Tensor h, Tensor c, Tensor n, Tensor m) implements RnnState {
    /** Checks that all four tensors are present. */
    public SLstmState {
        if (h == null || c == null || n == null || m == null) {
            throw new IllegalArgumentException("SLstmState: h, c, n and m must all be given (got h=" + given(h)
                    + ", c=" + given(c) + ", n=" + given(n) + ", m=" + given(m) + ")");
        }
    }

    static String given(Tensor t) {
        return t == null ? "null" : "a tensor";
    }

    @Override
    public List<Tensor> tensors() {
        return List.of(h, c, n, m);
    }

    @Override
    public SLstmState withTensors(List<Tensor> tensors) {
        RnnState.checkCount("SLstmState", tensors, 4);
        return new SLstmState(tensors.get(0), tensors.get(1), tensors.get(2), tensors.get(3));
    }

    @Override
    public SLstmState detach() {
        return new SLstmState(h.detach(), c.detach(), n.detach(), m.detach());
    }
}
