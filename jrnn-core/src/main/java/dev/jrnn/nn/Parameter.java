package dev.jrnn.nn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.NdArray;

/**
 * A trainable tensor owned by a {@link Module}: a leaf that requires a gradient unless
 * {@linkplain #freeze() frozen}. Optimizers update its {@link #data()} in place.
 */
public class Parameter extends Tensor {
    /** A trainable parameter over {@code data}. */
    public Parameter(NdArray data) {
        super(data, true);
    }

    /** Stops gradient collection (the optimizer then leaves it as it is); returns this. */
    public Parameter freeze() {
        setRequiresGrad(false);
        zeroGrad();
        return this;
    }

    /** Resumes gradient collection; returns this. */
    public Parameter unfreeze() {
        setRequiresGrad(true);
        return this;
    }

    /** True when frozen. */
    public boolean isFrozen() {
        return !requiresGrad();
    }
}
