package dev.jrnn.train;

import dev.jrnn.nn.Module;
import dev.jrnn.nn.Parameter;
import dev.jrnn.optim.DivergedException;
import dev.jrnn.optim.Optimizer;

import java.util.Locale;
import java.util.Map;

/**
 * The rule that stops a run whose training has diverged, shared by every training loop (the {@link Trainer} and the
 * command line's language-model loop). A step has diverged when
 * <ul>
 *   <li>its gradients' global norm is NaN or infinite (left to {@link Optimizer#checkedStep}, which names the
 *       parameter and, under {@link Optimizer.NonFinitePolicy#SKIP}, skips the step instead), or</li>
 *   <li>its loss is NaN or infinite, or</li>
 *   <li>its loss is more than {@link #EXPLOSION_FACTOR} times the first loss this guard saw (the first step of the
 *       run, or of the resumed part of it) and that first loss was &gt; 0.</li>
 * </ul>
 * Every case throws a {@link DivergedException}. A learning rate far too high (say 1e30) reaches the third case within a few steps while every number is still
 * finite; noisy but healthy training never rises ten-thousand-fold above where it started. Saved parameters are
 * checked separately ({@link #requireFinite}), so that NaN or infinite weights are never written as a model.
 *
 * <pre>{@code
 * Divergence guard = new Divergence();
 * ... loss.backward(); double norm = GradClip.byGlobalNorm(params, 5);
 * guard.check(step + 1, loss.item(), norm);      // throws DivergedException, before the optimizer step
 * }</pre>
 */
public final class Divergence {
    /** How many times the first loss a loss may reach before the run counts as diverged. */
    public static final double EXPLOSION_FACTOR = 1e4;

    private double firstLoss = Double.NaN;

    /** A guard that has seen no step yet. */
    public Divergence() {}

    /**
     * Checks one step, before the optimizer applies it.
     *
     * @param step     the 1-based step, for the message
     * @param loss     the step's loss
     * @param gradNorm the global gradient norm before clipping (always compute it: a non-finite one is left to
     *                 {@link Optimizer#checkedStep}, which must follow)
     * @throws DivergedException naming the step and what diverged
     */
    public void check(long step, double loss, double gradNorm) {
        if (!Double.isFinite(gradNorm)) {
            return;          // Optimizer.checkedStep refuses the step next, naming the parameter (or skips it, if asked)
        }
        if (!Double.isFinite(loss)) {
            throw new DivergedException(step, "training diverged at step " + step + ": the loss is " + loss);
        }
        if (Double.isNaN(firstLoss)) {
            firstLoss = loss;
        } else if (firstLoss > 0 && loss > EXPLOSION_FACTOR * firstLoss) {
            throw new DivergedException(step, "training diverged at step " + step + ": the loss is " + fmt(loss)
                    + ", more than " + fmt(EXPLOSION_FACTOR) + " times the first step's loss " + fmt(firstLoss));
        }
    }

    /**
     * Checks a loss computed outside a step (e.g. on validation data) against the same rule.
     *
     * @param step the steps done so far, for the message
     * @param what what the loss is, for the message ("the validation loss")
     */
    public void checkLoss(long step, String what, double loss) {
        if (!Double.isFinite(loss) || (firstLoss > 0 && loss > EXPLOSION_FACTOR * firstLoss)) {
            throw new DivergedException(step, "training diverged by step " + step + ": " + what + " is " + fmt(loss)
                    + (Double.isFinite(loss) ? ", more than " + fmt(EXPLOSION_FACTOR) + " times the first step's loss "
                    + fmt(firstLoss) : ""));
        }
    }

    /** The first loss seen (the reference of the explosion rule), NaN before the first step. */
    public double firstLoss() { return firstLoss; }

    /**
     * Throws unless every parameter of {@code model} is finite; called before parameters are saved.
     *
     * @param step the steps done so far, for the message
     * @throws DivergedException naming the first parameter holding NaN or an infinity
     */
    public static void requireFinite(Module model, long step) {
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            if (!e.getValue().data().allFinite()) {
                throw new DivergedException(step, "training diverged by step " + step + ": parameter '" + e.getKey()
                        + "' holds NaN or infinite values");
            }
        }
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4g", v);
    }
}
