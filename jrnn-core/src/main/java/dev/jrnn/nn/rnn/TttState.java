package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;

import java.util.List;

/**
 * The state of a {@link TttLinearCell}: its last output and its hidden state, which is itself a linear model
 * (the "fast weights" {@code W}, one {@code [d, d]} matrix per head), with what mini-batch TTT needs besides.
 *
 * @param h      the last output {@code [batch, H]} (the cell does not read it back)
 * @param w      the fast weights {@code W_t}, {@code [batch, heads·d·d]} (head-major, then row-major {@code [d, d]})
 * @param wStart {@code W} at the start of the current mini-batch, {@code [batch, heads·d·d]}: the point at which
 *               every gradient of the mini-batch is taken
 * @param step   how many tokens of the current mini-batch have been read ({@code 0 .. b−1})
 */
public record TttState(Tensor h, Tensor w, Tensor wStart, int step) implements RnnState {
    /** Checks that every tensor is present and the step is not negative. */
    public TttState {
        if (h == null || w == null || wStart == null) {
            throw new IllegalArgumentException("TttState: h, w and wStart are required");
        }
        if (step < 0) {
            throw new IllegalArgumentException("TttState: step must be >= 0, got " + step);
        }
    }

    /** A state at a mini-batch boundary: {@code wStart = w}, {@code step = 0}. */
    public static TttState atBoundary(Tensor h, Tensor w) {
        return new TttState(h, w, w, 0);
    }

    @Override
    public List<Tensor> tensors() {
        return List.of(h, w, wStart);
    }

    @Override
    public TttState withTensors(List<Tensor> tensors) {
        RnnState.checkCount("TttState", tensors, 3);
        return new TttState(tensors.get(0), tensors.get(1), tensors.get(2), step);
    }

    @Override
    public TttState detach() {
        return new TttState(h.detach(), w.detach(), wStart.detach(), step);
    }
}
