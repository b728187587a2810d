package dev.jrnn.nn;

import dev.jrnn.autograd.Tensor;

/** A module with one tensor in and one tensor out, so it can be chained in a {@link Sequential}. */
public abstract class Layer extends Module {
    /** Applies the layer. */
    public abstract Tensor forward(Tensor x);
}
