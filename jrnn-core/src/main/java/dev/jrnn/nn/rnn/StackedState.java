package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The state of a {@link StackedCell}: one state per layer, bottom layer first. Its output {@link #h()}
 * is the top layer's.
 *
 * @param layers the per-layer states, bottom first
 */
public record StackedState(List<RnnState> layers) implements RnnState {
    /** Copies the list; it must be non-empty. */
    public StackedState {
        if (layers == null || layers.isEmpty()) {
            throw new IllegalArgumentException("StackedState: needs at least one layer state");
        }
        layers = List.copyOf(layers);
    }

    /** The state of layer {@code k} (0 is the bottom). */
    public RnnState layer(int k) {
        return layers.get(k);
    }

    /** The top layer's hidden state. */
    @Override
    public Tensor h() {
        return layers.get(layers.size() - 1).h();
    }

    /** All layers' tensors, bottom layer first, each layer in its own order. */
    @Override
    public List<Tensor> tensors() {
        List<Tensor> out = new ArrayList<>();
        for (RnnState s : layers) out.addAll(s.tensors());
        return out;
    }

    @Override
    public StackedState withTensors(List<Tensor> tensors) {
        int n = 0;
        for (RnnState s : layers) n += s.tensors().size();
        RnnState.checkCount("StackedState", tensors, n);
        List<RnnState> out = new ArrayList<>();
        int at = 0;
        for (RnnState s : layers) {
            int k = s.tensors().size();
            out.add(s.withTensors(tensors.subList(at, at + k)));
            at += k;
        }
        return new StackedState(out);
    }

    @Override
    public StackedState detach() {
        List<RnnState> out = new ArrayList<>();
        for (RnnState s : layers) out.add(s.detach());
        return new StackedState(out);
    }
}
