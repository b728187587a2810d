package dev.jrnn.nn;

import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;

/** Weight initialisers. Layers take an explicit {@link Rng}, so the same seed builds the same model. */
public final class Init {
    private Init() {}

    /** {@code U(-bound, bound)}. */
    public static NdArray uniform(Rng rng, DType dtype, double bound, int... shape) {
        return NdArray.rand(rng, dtype, -bound, bound, shape);
    }

    /**
     * PyTorch's default for {@code nn.Linear} and the recurrent layers: {@code U(-1/sqrt(fanIn), 1/sqrt(fanIn))}
     * (for recurrent layers {@code fanIn} is the hidden size).
     */
    public static NdArray torchDefault(Rng rng, DType dtype, int fanIn, int... shape) {
        return uniform(rng, dtype, fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0, shape);
    }

    /** Glorot/Xavier uniform: {@code U(±sqrt(6 / (fanIn + fanOut)))}, Keras's default kernel initialiser. */
    public static NdArray glorotUniform(Rng rng, DType dtype, int fanIn, int fanOut, int... shape) {
        return uniform(rng, dtype, Math.sqrt(6.0 / (fanIn + fanOut)), shape);
    }
}
