package dev.jrnn.optim;

/**
 * A gradient held NaN or an infinity: the usual symptom of exploding gradients in recurrent networks
 * (the product of many Jacobians grows without bound). Thrown by {@link Optimizer#checkedStep(double)} before
 * any parameter is changed; the message names the step, the loss, the first parameter whose gradient is not
 * finite and what to try.
 */
public class NonFiniteGradientException extends DivergedException {
    private static final long serialVersionUID = 1L;

    private final double loss;
    private final String parameter;

    /**
     * @param step      the 1-based number of the step that was refused
     * @param loss      the loss of that step (may be NaN itself)
     * @param parameter the name of the first parameter with a non-finite gradient
     * @param detail    what is wrong with it, e.g. "3 NaN and 0 infinite of 12 elements"
     * @param lr        the learning rate in use, for the advice
     */
    public NonFiniteGradientException(long step, double loss, String parameter, String detail, double lr) {
        super(step, "step " + step + ": the gradient of '" + parameter + "' is not finite (" + detail + "); loss " + loss
                + ". Gradients exploded: clip them (--clip-norm 1.0, i.e. GradClip.byGlobalNorm) or lower the learning "
                + "rate (now " + lr + "); to skip such steps instead, set Optimizer.NonFinitePolicy.SKIP.");
        this.loss = loss;
        this.parameter = parameter;
    }

    /** The loss of the refused step. */
    public double loss() { return loss; }

    /** The name of the first parameter whose gradient is not finite. */
    public String parameter() { return parameter; }
}
