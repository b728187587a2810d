package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The state a recurrent cell carries from one time step to the next: one or more tensors, each
 * {@code [batch, hidden]}.
 *
 * <p>States are typed records ({@link HiddenState}, {@link LstmState}, {@link StackedState}), so code reads
 * {@code state.h()} and {@code state.c()} instead of list positions. The {@link Recurrent} layer still
 * needs to treat every state alike (to blend new and old state under a mask, to detach it between
 * truncated-BPTT chunks); {@link #tensors()} and {@link #withTensors(List)} give it that generic view.
 *
 * <pre>{@code
 * LstmState s = result.state();
 * s = s.detach();            // carry the values into the next chunk, cut the graph (truncated BPTT)
 * }</pre>
 */
public interface RnnState {
    /** The output of the step that produced this state, {@code [batch, hidden]}: the hidden state {@code h}. */
    Tensor h();

    /** Every tensor of the state, in a fixed order (for {@link LstmState}: {@code h, c}). */
    List<Tensor> tensors();

    /**
     * A state of the same type over {@code tensors} (same count, same order as {@link #tensors()}).
     * Implementations return their own type, so a cast back to it is always safe.
     */
    RnnState withTensors(List<Tensor> tensors);

    /** The same values cut from the graph (see {@link Tensor#detach()}), for truncated backpropagation through time. */
    default RnnState detach() {
        List<Tensor> out = new ArrayList<>();
        for (Tensor t : tensors()) out.add(t.detach());
        return withTensors(out);
    }

    /** Checks that {@code tensors} has {@code n} entries, naming the state type otherwise. */
    static void checkCount(String type, List<Tensor> tensors, int n) {
        if (tensors == null || tensors.size() != n) {
            throw new IllegalArgumentException(type + ".withTensors: expected " + n + " tensors, got "
                    + (tensors == null ? "null" : tensors.size()));
        }
    }
}
