package dev.jrnn.optim;

/**
 * Training diverged: a gradient that is not finite ({@link NonFiniteGradientException}, from
 * {@link Optimizer#checkedStep}), a loss that is not finite or exploded ({@code dev.jrnn.train.Divergence}), or
 * parameters that hold NaN or infinities. Thrown before the diverged step changes the parameters where it can be seen
 * in time; the caller must then not save the model as a trained one.
 */
public class DivergedException extends ArithmeticException {
    private static final long serialVersionUID = 1L;

    private final long step;

    /**
     * @param step    the 1-based step at which the divergence was seen (0: before any step)
     * @param message what was seen, one line
     */
    public DivergedException(long step, String message) {
        super(message);
        this.step = step;
    }

    /** The 1-based step at which the divergence was seen (0: before any step). */
    public long step() { return step; }
}
