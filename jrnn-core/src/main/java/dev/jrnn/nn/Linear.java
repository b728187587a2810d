package dev.jrnn.nn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.Rng;
import dev.jrnn.tensor.Shapes;

/**
 * Fully connected layer, {@code y = x Wᵀ + b}, applied to the last axis: {@code [..., in] -> [..., out]}.
 * Used on {@code [batch, time, hidden]} it is the per-step output projection {@code o_t = W_ho h_t + b_o}
 * (Keras's {@code TimeDistributed(Dense)}). Parameters as in {@code torch.nn.Linear}: {@code weight}
 * {@code [out, in]}, {@code bias} {@code [out]}, both initialised {@code U(±1/sqrt(in))}.
 */
public class Linear extends Layer {
    private final int in;
    private final int out;
    private final Parameter weight;
    private final Parameter bias;

    /** A float32 layer with bias. */
    public Linear(int in, int out, Rng rng) {
        this(in, out, true, DType.FLOAT32, rng);
    }

    /** A layer of the given dtype, with or without bias. */
    public Linear(int in, int out, boolean bias, DType dtype, Rng rng) {
        if (in <= 0 || out <= 0) {
            throw new IllegalArgumentException("Linear: in and out must be positive, got in=" + in + ", out=" + out);
        }
        this.in = in;
        this.out = out;
        this.weight = registerParameter("weight", new Parameter(Init.torchDefault(rng, dtype, in, out, in)));
        this.bias = bias ? registerParameter("bias", new Parameter(Init.torchDefault(rng, dtype, in, out))) : null;
    }

    /** {@code [out, in]}. */
    public Parameter weight() { return weight; }

    /** {@code [out]}, or null without bias. */
    public Parameter bias() { return bias; }

    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() < 1 || x.dim(-1) != in) {
            throw Shapes.mismatch("Linear(" + in + " -> " + out + ")", "x", x.shape(), "[..., " + in + "]");
        }
        if (x.rank() == 1) {
            return forward(x.reshape(1, in)).reshape(out);   // one feature vector, as torch.nn.Linear
        }
        Tensor y = x.matmulTransposed(weight);   // [..., out]
        return bias == null ? y : y.add(bias);
    }

    @Override
    protected String describe() {
        return "Linear(in=" + in + ", out=" + out + ", bias=" + (bias != null) + ")";
    }
}
