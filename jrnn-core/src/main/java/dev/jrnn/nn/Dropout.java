package dev.jrnn.nn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;

/**
 * Inverted dropout: in training mode each element is zeroed with probability {@code p} and the survivors
 * are scaled by {@code 1/(1-p)}; in evaluation mode it is the identity.
 */
public class Dropout extends Layer {
    private final double p;
    private final Rng rng;

    /** Dropout with drop probability {@code p} in [0, 1), masks drawn from {@code rng}. */
    public Dropout(double p, Rng rng) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("Dropout: p must be in [0, 1), got " + p);
        }
        if (p > 0 && rng == null) {
            throw new IllegalArgumentException("Dropout: p = " + p + " needs an Rng to draw the masks, got null");
        }
        this.p = p;
        this.rng = rng;
    }

    @Override
    protected java.util.Map<String, Rng> ownGenerators() {
        return p > 0 ? java.util.Map.of("", rng) : java.util.Map.of();
    }

    /** The drop probability. */
    public double p() { return p; }

    @Override
    public Tensor forward(Tensor x) {
        if (!isTraining() || p == 0) {
            return x;
        }
        NdArray mask = x.data().zerosLike();
        double keep = 1 - p;
        for (int i = 0; i < mask.size(); i++) {
            mask.setFlat(i, rng.nextDouble() < keep ? 1 / keep : 0);
        }
        return x.mul(Tensor.constant(mask));
    }

    @Override
    protected String describe() {
        return "Dropout(p=" + p + ")";
    }
}
