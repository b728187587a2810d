package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Layer;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * Runs a sequence both ways and merges the two (Schuster &amp; Paliwal 1997, the bidirectional RNN,
 * {@code ŷ_t = g(W_y [a→_t, a←_t] + b_y)}; Keras {@code Bidirectional}):
 * <pre>
 * y→_t = forward layer over x_0 .. x_t              (a Recurrent reading forwards)
 * y←_t = backward layer over x_{len−1} .. x_t       (a Recurrent with goBackwards, its outputs realigned)
 * y_t  = merge(y→_t, y←_t)                          CONCAT [y→ | y←], SUM, MUL, AVERAGE, or NONE (both)
 * </pre>
 * The two directions have their own parameters: give two cells, or a factory that makes a fresh one per
 * direction. Sequences are {@code [batch, time, features]}; with lengths, the backward layer starts each
 * sequence at its last valid step and the outputs past a sequence's length are zero. The layers are the
 * children {@code forward_layer} and {@code backward_layer} (Keras's names).
 *
 * <pre>{@code
 * var bi = Bidirectional.of(() -> new GruCell(5, 8, rng), MergeMode.CONCAT).returnSequences(true);
 * Tensor y = bi.forward(x);                  // [batch, time, 16]
 * }</pre>
 *
 * @param <S> the cells' state type
 */
public final class Bidirectional<S extends RnnState> extends Layer {
    private final Recurrent<S> forwardLayer;
    private final Recurrent<S> backwardLayer;
    private final MergeMode mergeMode;
    private boolean returnSequences;

    /** Runs {@code forwardCell} forwards and {@code backwardCell} backwards (two distinct cells, each with its own parameters). */
    public Bidirectional(RecurrentCell<S> forwardCell, RecurrentCell<S> backwardCell, MergeMode mergeMode) {
        Objects.requireNonNull(forwardCell, "forwardCell");
        Objects.requireNonNull(backwardCell, "backwardCell");
        if (forwardCell == backwardCell) {
            throw new IllegalArgumentException("Bidirectional: the two directions need their own cells (and parameters); "
                    + "got the same cell twice. Use Bidirectional.of(() -> new ...Cell(...), mode)");
        }
        if (forwardCell.inputSize() != backwardCell.inputSize()) {
            throw new IllegalArgumentException("Bidirectional: the cells' input sizes differ: " + forwardCell.inputSize()
                    + " forward, " + backwardCell.inputSize() + " backward");
        }
        this.mergeMode = Objects.requireNonNull(mergeMode, "mergeMode");
        if (mergeMode != MergeMode.CONCAT && mergeMode != MergeMode.NONE
                && forwardCell.outputSize() != backwardCell.outputSize()) {
            throw new IllegalArgumentException("Bidirectional: merge mode " + mergeMode + " needs equal output sizes, got "
                    + forwardCell.outputSize() + " and " + backwardCell.outputSize());
        }
        this.forwardLayer = registerModule("forward_layer", Recurrent.of(forwardCell));
        this.backwardLayer = registerModule("backward_layer", Recurrent.of(backwardCell).goBackwards(true));
    }

    /** Two fresh cells from {@code cellFactory} (called twice), one per direction. */
    public static <S extends RnnState> Bidirectional<S> of(Supplier<? extends RecurrentCell<S>> cellFactory,
                                                           MergeMode mergeMode) {
        return new Bidirectional<>(cellFactory.get(), cellFactory.get(), mergeMode);
    }

    /** Return every step ({@code [B, T, ·]}) instead of the last outputs ({@code [B, ·]}); returns this. */
    public Bidirectional<S> returnSequences(boolean on) {
        this.returnSequences = on;
        return this;
    }

    /** Whether the output has every step. */
    public boolean isReturnSequences() { return returnSequences; }

    /** The merge mode. */
    public MergeMode mergeMode() { return mergeMode; }

    /** The forward-reading layer. */
    public Recurrent<S> forwardLayer() { return forwardLayer; }

    /** The backward-reading layer ({@code goBackwards}). */
    public Recurrent<S> backwardLayer() { return backwardLayer; }

    /** The merged output from zero states, all sequences of full length; not for {@link MergeMode#NONE}. */
    @Override
    public Tensor forward(Tensor x) {
        if (mergeMode == MergeMode.NONE) {
            throw new IllegalStateException("Bidirectional.forward(x): merge mode NONE has two outputs; call "
                    + "forward(x, lengths, null, null) and read forwardOutput() and backwardOutput()");
        }
        return forward(x, null, null, null).output();
    }

    /**
     * Runs both directions.
     *
     * @param x             {@code [B, T, I]}
     * @param lengths       valid lengths {@code 1..T} or null
     * @param forwardState  the forward layer's initial state, or null for zeros
     * @param backwardState the backward layer's initial state (before it reads the last valid step), or null
     */
    public BidirectionalResult<S> forward(Tensor x, int[] lengths, S forwardState, S backwardState) {
        RecurrentResult<S> f = forwardLayer.unroll(x, lengths, forwardState, false);      // [B, T, H]
        RecurrentResult<S> b = backwardLayer.unroll(x, lengths, backwardState, true);     // processing order
        Tensor yf, yb;
        if (returnSequences) {
            yf = f.output();
            yb = Sequences.reverse(b.output(), lengths);                                   // realigned to input time
        } else {
            yf = f.state().h();                                                            // last valid output
            yb = b.state().h();                                                            // after reading step 0
        }
        return new BidirectionalResult<>(merge(yf, yb), yf, yb, f.state(), b.state());
    }

    private Tensor merge(Tensor a, Tensor b) {
        switch (mergeMode) {
            case CONCAT: return Tensor.concat(a.rank() - 1, a, b);
            case SUM: return a.add(b);
            case MUL: return a.mul(b);
            case AVERAGE: return a.add(b).mul(0.5);
            case NONE: return null;
            default: throw new AssertionError(mergeMode);
        }
    }

    @Override
    protected String describe() {
        return "Bidirectional(" + forwardLayer.cell() + ", mergeMode=" + mergeMode + ", returnSequences="
                + returnSequences + ")";
    }
}
