package dev.jrnn.nn.rnn;

/**
 * The row blocks of an LSTM's {@code weight_ih} {@code [4H, I]}, {@code weight_hh} {@code [4H, H]} and
 * biases {@code [4H]}, top to bottom; identical to {@code torch.nn.LSTM}. Block {@code g} is rows
 * {@code [g.ordinal()·H, (g.ordinal()+1)·H)}.
 */
public enum LstmGate {
    /** Input gate {@code i = σ(W_ii x + b_ii + W_hi h + b_hi)}: how much of the candidate to write. */
    INPUT,
    /** Forget gate {@code f = σ(W_if x + b_if + W_hf h + b_hf)}: how much of the old memory to keep. */
    FORGET,
    /** Candidate {@code g = tanh(W_ig x + b_ig + W_hg h + b_hg)}: the new content (Ng's course: {@code c̃}). */
    CELL,
    /** Output gate {@code o = σ(W_io x + b_io + W_ho h + b_ho)}: how much of {@code tanh(c)} to show. */
    OUTPUT;

    /** First row of this gate's block for hidden size {@code h}. */
    public int start(int h) {
        return ordinal() * h;
    }

    /** One past the last row of this gate's block for hidden size {@code h}. */
    public int end(int h) {
        return (ordinal() + 1) * h;
    }
}
