package dev.jrnn.optim;

import dev.jrnn.nn.Parameter;

import java.util.List;

/**
 * Updates parameters from their gradients. Lifecycle per training step: {@link #zeroGrad()}, forward,
 * {@code loss.backward()}, optionally clip, {@link #step()}. Frozen parameters and parameters without a
 * gradient are left unchanged.
 */
public abstract class Optimizer {
    /** The parameters this optimizer updates, in a fixed order (its state is indexed by it). */
    protected final List<Parameter> params;

    /** An optimizer over {@code params}. */
    protected Optimizer(List<Parameter> params) {
        if (params == null || params.isEmpty()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": no parameters to optimize");
        }
        this.params = List.copyOf(params);
    }

    /** Applies one update to every parameter that has a gradient. */
    public abstract void step();

    /** Clears every parameter's gradient. */
    public void zeroGrad() {
        for (Parameter p : params) p.zeroGrad();
    }

    /** The parameters, in the optimizer's order. */
    public List<Parameter> parameters() {
        return params;
    }

    /** Checks a hyperparameter is finite and within [min, max]; names it and the optimizer otherwise. */
    protected static double check(String optimizer, String name, double value, double min, double max) {
        if (!Double.isFinite(value) || value < min || value > max) {
            throw new IllegalArgumentException(optimizer + ": " + name + " must be a finite number in [" + min + ", "
                    + max + "], got " + value);
        }
        return value;
    }
}
