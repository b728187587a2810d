package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;

import java.util.List;

/**
 * The state of a cell with one state vector (simple RNN, GRU, minimal GRU, user cells):
 * {@code h} is {@code [batch, hidden]} and is also the cell's output.
 *
 * @param h the hidden state {@code [batch, hidden]}
 */
public record HiddenState(Tensor h) implements RnnState {
    /** Checks that {@code h} is present. */
    public HiddenState {
        if (h == null) {
            throw new IllegalArgumentException("HiddenState: h is null");
        }
    }

    @Override
    public List<Tensor> tensors() {
        return List.of(h);
    }

    @Override
    public HiddenState withTensors(List<Tensor> tensors) {
        RnnState.checkCount("HiddenState", tensors, 1);
        return new HiddenState(tensors.get(0));
    }

    @Override
    public HiddenState detach() {
        return new HiddenState(h.detach());
    }
}
