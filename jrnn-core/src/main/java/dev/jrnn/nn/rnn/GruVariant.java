package dev.jrnn.nn.rnn;

/**
 * Where a GRU's reset gate {@code r} acts on the previous state.
 *
 * <pre>
 * RESET_AFTER:  n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))    torch.nn.GRU, Keras reset_after=True
 * RESET_BEFORE: n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn)    Cho et al. 2014, Keras reset_after=False
 * </pre>
 */
public enum GruVariant {
    /** The reset gate scales the recurrent projection {@code W_hn h + b_hn} (PyTorch, cuDNN). */
    RESET_AFTER,
    /** The reset gate scales the previous state before its projection (the original GRU: Cho et al. 2014, eq. 5-8). */
    RESET_BEFORE
}
