package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;

/**
 * What a stock recurrent layer ({@link SimpleRnn}, {@link Lstm}, {@link Gru}) returns, as PyTorch's
 * {@code output, h_n} (and {@code c_n}).
 *
 * @param output the top layer's output at every step, {@code [B, T, D·H]} ({@code [T, B, D·H]} when not
 *               batch-first); with two directions the features are {@code [forward | reverse]}, both aligned
 *               to the input's time order; zero at steps past each sequence's length
 * @param hN     the final hidden state of every layer and direction, {@code [L·D, B, H]}, ordered layer 0
 *               forward, layer 0 reverse, layer 1 forward, ... (the reverse direction's final state is after
 *               it has read step 0)
 * @param cN     the final cell state {@code [L·D, B, H]} for {@link Lstm}, else null
 * @param full   the whole final state when it has more than {@code h} and {@code c} ({@link SLstmState},
 *               {@link MLstmState} of the xLSTM layers, tensors {@code [L·D, B, ·]}), else null
 */
public record RnnOutput(Tensor output, Tensor hN, Tensor cN, RnnState full) {
    /** The output of a layer whose state is {@code h} (and {@code c}). */
    public RnnOutput(Tensor output, Tensor hN, Tensor cN) {
        this(output, hN, cN, null);
    }

    /**
     * The final state as an initial state for the next call, {@link RnnBase#forwardFrom} ({@link HiddenState} over
     * {@code hN}, {@link LstmState} over {@code hN, cN}, or the xLSTM layers' {@code full} state); {@code detach()}
     * it between truncated-BPTT chunks.
     */
    public RnnState state() {
        if (full != null) {
            return full;
        }
        return cN == null ? new HiddenState(hN) : new LstmState(hN, cN);
    }
}
