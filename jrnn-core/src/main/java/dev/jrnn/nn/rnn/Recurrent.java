package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Layer;
import dev.jrnn.nn.Module;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Shapes;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Unrolls any {@link RecurrentCell} over a sequence: the layer owns the time loop, masking, reversal,
 * the initial state and {@code returnSequences}; the cell only knows one step.
 * <pre>
 * s_0 = initialState (zeros by default)
 * s_t = cell.step(x_t, s_{t-1})        t = 0 .. T-1   (T-1 .. 0 with goBackwards)
 * y_t = s_t.h()
 * </pre>
 * Sequences at the API are {@code [batch, time, features]} (batch first, as Keras; this is the convention
 * everywhere in jrnn): {@code x} is {@code [B, T, I]} and the output is {@code [B, T, H]} with
 * {@code returnSequences(true)}, else {@code [B, H]} (the last output, which is also the final state's
 * {@code h}).
 *
 * <p><b>Variable lengths.</b> {@link #forward(Tensor, int[], RnnState)} takes a padded batch and each
 * sequence's valid length ({@code 1..T}). At step {@code t} the state of a sequence that has ended is kept,
 * {@code s_t = m_t ⊙ cell(x_t, s_{t-1}) + (1 − m_t) ⊙ s_{t-1}} with {@code m_t = [t < len_b]}, and its output
 * is zero. So each sequence gets exactly the outputs, final state and gradients it would get alone (its
 * padded steps receive zero gradient; padding values must be finite, as {@code 0 · NaN} is NaN).
 *
 * <p><b>goBackwards</b> (Keras semantics): the layer reads each sequence backwards, starting at its last
 * valid step {@code len_b − 1} and ending at step 0. With {@code returnSequences} the outputs are in
 * <em>processing order</em>, as Keras returns them: {@code output[b, k]} is the output after reading
 * {@code x[b, len_b − 1 − k]}, and steps {@code k ≥ len_b} are zero. Use {@link Sequences#reverse} to
 * realign them to the input's time order ({@link Bidirectional} does this for you).
 *
 * <p><b>Stateful stepping.</b> {@link #step(Tensor, RnnState)} runs one step from a given state, and
 * {@link #stateful()} returns a {@link StatefulRunner} that keeps the state between calls (generation,
 * streaming, truncated BPTT); stepping through a sequence gives the same numbers as running it whole.
 *
 * <pre>{@code
 * var lstm = Recurrent.of(new LstmCell(5, 8, rng)).returnSequences(true);
 * RecurrentResult<LstmState> r = lstm.forward(x, lengths, null);   // x: [batch, time, 5]
 * Tensor y = r.output();                                            // [batch, time, 8], zero past lengths
 * Tensor c = r.state().c();                                         // [batch, 8], after each last valid step
 * }</pre>
 *
 * <p>If the cell is a {@link Module} it is registered as the child {@code cell}, so its parameters are
 * this layer's {@code cell.weight_ih}, ...
 *
 * @param <S> the cell's state type
 */
public final class Recurrent<S extends RnnState> extends Layer {
    private final RecurrentCell<S> cell;
    private boolean returnSequences;
    private boolean goBackwards;

    private Recurrent(RecurrentCell<S> cell) {
        this.cell = Objects.requireNonNull(cell, "cell");
        if (cell instanceof Module) {
            registerModule("cell", (Module) cell);
        }
    }

    /** A layer over {@code cell}; by default it returns the last output only and reads forwards. */
    public static <S extends RnnState> Recurrent<S> of(RecurrentCell<S> cell) {
        return new Recurrent<>(cell);
    }

    /** Return the output of every step ({@code [B, T, H]}) instead of the last one ({@code [B, H]}); returns this. */
    public Recurrent<S> returnSequences(boolean on) {
        this.returnSequences = on;
        return this;
    }

    /** Read each sequence from its last valid step back to step 0 (Keras {@code go_backwards}); returns this. */
    public Recurrent<S> goBackwards(boolean on) {
        this.goBackwards = on;
        return this;
    }

    /** Whether the output has every step. */
    public boolean isReturnSequences() { return returnSequences; }

    /** Whether sequences are read backwards. */
    public boolean isGoBackwards() { return goBackwards; }

    /** The cell. */
    public RecurrentCell<S> cell() { return cell; }

    /** The output only, from a zero initial state with every sequence of full length. {@code x}: {@code [B, T, I]}. */
    @Override
    public Tensor forward(Tensor x) {
        return forward(x, null, null).output();
    }

    /** Runs from {@code initialState} (null for zeros) with every sequence of full length. */
    public RecurrentResult<S> forward(Tensor x, S initialState) {
        return forward(x, null, initialState);
    }

    /**
     * Runs the cell over {@code x}.
     *
     * @param x            {@code [B, T, I]}
     * @param lengths      each sequence's valid length in {@code 1..T}, or null for all {@code T}
     * @param initialState the state before the first step (tensors {@code [B, H]}), or null for zeros
     * @return the output ({@code [B, T, H]} or {@code [B, H]}) and the state after each sequence's last valid step
     */
    public RecurrentResult<S> forward(Tensor x, int[] lengths, S initialState) {
        RecurrentResult<S> r = unroll(x, lengths, initialState, goBackwards);
        return returnSequences ? r : new RecurrentResult<>(r.state().h(), r.state());
    }

    /**
     * The loop itself; always returns every step's output {@code [B, T, H]}, in processing order.
     */
    RecurrentResult<S> unroll(Tensor x, int[] lengths, S initialState, boolean backwards) {
        String op = name() + ".forward";
        checkSequence(op, x);
        int batch = x.dim(0), time = x.dim(1);
        Sequences.checkLengths(op, lengths, batch, time);
        S state = initialState == null ? cell.zeroState(batch, x.dtype()) : checkState(op, initialState, batch);
        Tensor[] xs = Sequences.unstack(backwards ? Sequences.reverse(x, lengths) : x, 1);   // T x [B, I]
        int steps = Sequences.maxLength(lengths, time);
        Tensor[] ys = new Tensor[time];
        for (int t = 0; t < steps; t++) {
            S next = cell.step(xs[t], state);
            NdArray m = Sequences.stepMask(lengths, t, batch, x.dtype());   // null while every sequence runs
            if (m == null) {
                state = next;
                ys[t] = next.h();
            } else {
                Tensor keep = Tensor.constant(m);
                state = blend(keep, next, state);                         // ended sequences keep their state
                ys[t] = next.h().mul(keep);                               // ... and output zeros
            }
        }
        for (int t = steps; t < time; t++) {
            ys[t] = Tensor.zeros(x.dtype(), batch, cell.outputSize());     // steps past every length
        }
        return new RecurrentResult<>(Tensor.stack(1, ys), state);        // [B, T, H]
    }

    /** {@code m ⊙ next + (1 − m) ⊙ old} for every tensor of the state. */
    @SuppressWarnings("unchecked")
    private S blend(Tensor m, S next, S old) {
        Tensor notM = Tensor.constant(m.data().affine(-1, 1));
        List<Tensor> a = next.tensors(), b = old.tensors();
        if (a.size() != b.size()) {
            throw new IllegalStateException(name() + ": the cell returned a state with " + a.size()
                    + " tensors from one with " + b.size());
        }
        List<Tensor> out = new ArrayList<>(a.size());
        for (int i = 0; i < a.size(); i++) {
            out.add(a.get(i).mul(m).add(b.get(i).mul(notM)));
        }
        return (S) next.withTensors(out);   // withTensors returns the state's own type (RnnState contract)
    }

    /**
     * One time step from {@code state} (null for zeros), for step-by-step inference. {@code xt} is
     * {@code [B, I]} or {@code [B, 1, I]}; the output has the matching rank ({@code [B, H]} or {@code [B, 1, H]}).
     * Stepping ignores {@code goBackwards}: the caller chooses the order of the steps.
     */
    public RecurrentResult<S> step(Tensor xt, S state) {
        String op = name() + ".step";
        boolean threeD = xt.rank() == 3;
        if (threeD && xt.dim(1) != 1) {
            throw Shapes.mismatch(op, "xt", xt.shape(), "[batch, " + cell.inputSize() + "] or [batch, 1, "
                    + cell.inputSize() + "] (one step); for a whole sequence use forward(x, ...)");
        }
        Tensor x2 = threeD ? xt.reshape(xt.dim(0), xt.dim(2)) : xt;
        if (x2.rank() != 2 || x2.dim(1) != cell.inputSize()) {
            throw Shapes.mismatch(op, "xt", xt.shape(), "[batch, " + cell.inputSize() + "] or [batch, 1, "
                    + cell.inputSize() + "]");
        }
        S s = state == null ? cell.zeroState(x2.dim(0), x2.dtype()) : checkState(op, state, x2.dim(0));
        S next = cell.step(x2, s);
        Tensor y = next.h();
        return new RecurrentResult<>(threeD ? y.reshape(y.dim(0), 1, y.dim(1)) : y, next);
    }

    /** A runner that keeps this layer's state between calls, starting from zeros. */
    public StatefulRunner<S> stateful() {
        return new StatefulRunner<>(this);
    }

    private void checkSequence(String op, Tensor x) {
        if (x == null) {
            throw new IllegalArgumentException(op + ": x is null");
        }
        int in = cell.inputSize();
        if (x.rank() != 3 || x.dim(2) != in || x.dim(1) == 0) {
            String hint = x.rank() == 2
                    ? " For a single step [batch, features] use step(x, state), or reshape to [batch, 1, features]."
                    : x.rank() == 3 && x.dim(1) == 0 ? " A sequence needs at least one step." : "";
            throw Shapes.mismatch(op, "x", x.shape(), "[batch, time, " + in + "] (batch first; " + in
                    + " = the cell's inputSize)." + hint);
        }
    }

    private S checkState(String op, S state, int batch) {
        for (Tensor t : state.tensors()) {
            if (t == null || t.rank() != 2 || t.dim(0) != batch) {
                throw Shapes.mismatch(op, "initialState tensor", t == null ? new int[0] : t.shape(),
                        "[batch=" + batch + ", hidden] (the batch of x)");
            }
        }
        return state;
    }

    private String name() {
        return "Recurrent(" + cell.getClass().getSimpleName() + ")";
    }

    @Override
    protected String describe() {
        return "Recurrent(" + cell + ", returnSequences=" + returnSequences + ", goBackwards=" + goBackwards + ")";
    }

    @Override
    public String toString() {
        return describe();
    }
}
