package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;

import java.util.List;

/**
 * The state of an LSTM cell: the output (hidden) vector {@code h} and the memory (cell) vector
 * {@code c}, both {@code [batch, hidden]}. Only {@code h} is the cell's output; {@code c} carries the
 * memory, {@code h_t = o_t ⊙ tanh(c_t)}.
 *
 * @param h the hidden state {@code [batch, hidden]}
 * @param c the cell (memory) state {@code [batch, hidden]}
 */
public record LstmState(Tensor h, Tensor c) implements RnnState {
    /** Checks that both tensors are present. */
    public LstmState {
        if (h == null || c == null) {
            throw new IllegalArgumentException("LstmState: h and c must both be given (got h=" + (h == null ? "null" : "a tensor")
                    + ", c=" + (c == null ? "null" : "a tensor") + ")");
        }
    }

    @Override
    public List<Tensor> tensors() {
        return List.of(h, c);
    }

    @Override
    public LstmState withTensors(List<Tensor> tensors) {
        RnnState.checkCount("LstmState", tensors, 2);
        return new LstmState(tensors.get(0), tensors.get(1));
    }

    @Override
    public LstmState detach() {
        return new LstmState(h.detach(), c.detach());
    }
}
