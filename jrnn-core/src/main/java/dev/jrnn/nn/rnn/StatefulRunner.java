package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;

/**
 * Keeps a {@link Recurrent} layer's state across calls, for generation, streaming and truncated
 * backpropagation through time. Feeding a sequence one step at a time (or in chunks) gives the same
 * numbers as running it whole.
 *
 * <pre>{@code
 * StatefulRunner<LstmState> run = layer.stateful();
 * for (int t = 0; t < steps; t++) {
 *     Tensor y = run.step(xt);            // xt: [batch, I] -> y: [batch, H]
 *     ...
 * }
 * run.detach();                           // between truncated-BPTT chunks: keep the values, cut the graph
 * }</pre>
 *
 * @param <S> the cell's state type
 */
public final class StatefulRunner<S extends RnnState> {
    private final Recurrent<S> layer;
    private S state;

    StatefulRunner(Recurrent<S> layer) {
        this.layer = layer;
    }

    /** One step: {@code xt} {@code [B, I]} or {@code [B, 1, I]} gives the output {@code [B, H]} or {@code [B, 1, H]}. */
    public Tensor step(Tensor xt) {
        RecurrentResult<S> r = layer.step(xt, state);
        state = r.state();
        return r.output();
    }

    /**
     * A chunk {@code [B, T, I]}, read forwards from the kept state; returns every step's output
     * {@code [B, T, H]} and keeps the final state. Not for a {@code goBackwards} layer (a backwards pass
     * cannot be split into chunks).
     */
    public Tensor run(Tensor x) {
        if (layer.isGoBackwards()) {
            throw new IllegalStateException("StatefulRunner.run: the layer reads backwards (goBackwards); a backwards "
                    + "pass needs the whole sequence, use forward(x, ...) instead");
        }
        RecurrentResult<S> r = layer.unroll(x, null, state, false);
        state = r.state();
        return r.output();
    }

    /** The current state, or null before the first step (meaning zeros). */
    public S state() { return state; }

    /** Replaces the state (null for zeros at the next step). */
    public void setState(S state) { this.state = state; }

    /** Forgets the state: the next step starts from zeros. */
    public void reset() { state = null; }

    /** Keeps the state's values but cuts its graph (truncated BPTT). */
    @SuppressWarnings("unchecked")
    public void detach() {
        if (state != null) {
            state = (S) state.detach();
        }
    }
}
