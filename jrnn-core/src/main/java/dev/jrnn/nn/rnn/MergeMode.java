package dev.jrnn.nn.rnn;

/**
 * How {@link Bidirectional} combines the forward output {@code y→} and the (realigned) backward output
 * {@code y←}, both {@code [..., H]}; as Keras's {@code merge_mode}.
 */
public enum MergeMode {
    /** {@code [y→ | y←]} on the feature axis: {@code [..., 2H]} (the default, and PyTorch's layout). */
    CONCAT,
    /** {@code y→ + y←}. */
    SUM,
    /** {@code y→ ⊙ y←}. */
    MUL,
    /** {@code (y→ + y←) / 2}. */
    AVERAGE,
    /** No merge: both outputs are returned separately ({@link BidirectionalResult#forwardOutput()}, {@link BidirectionalResult#backwardOutput()}). */
    NONE
}
