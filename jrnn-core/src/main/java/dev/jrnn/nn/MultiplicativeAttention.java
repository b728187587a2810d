package dev.jrnn.nn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.Rng;

/**
 * Multiplicative attention (Luong, Pham and Manning 2015): {@code dot}, {@code e_tj = q_tᵀ h_j} (no parameters;
 * needs {@code Hq = Hk}), or {@code general}, {@code e_tj = q_tᵀ W_a h_j} with {@code weight [Hq, Hk]}
 * ({@code W_a}, {@code U(±1/sqrt(Hk))}, applied to the memory once). Masked softmax and context as in
 * {@link Attention}.
 */
public final class MultiplicativeAttention extends Attention {
    private final Linear weight;   // W_a as a bias-free Linear(Hk -> Hq), or null for dot

    /**
     * @param general whether to learn {@code W_a} ({@code general}); {@code false} is {@code dot}
     */
    public MultiplicativeAttention(int querySize, int valueSize, boolean general, DType dtype, Rng rng) {
        super(querySize, valueSize);
        if (!general && querySize != valueSize) {
            throw new IllegalArgumentException("MultiplicativeAttention (dot): the query size " + querySize
                    + " must equal the value size " + valueSize + "; use general for different sizes");
        }
        weight = general ? new Linear(valueSize, querySize, false, dtype, rng) : null;
        if (general) registerParameter("weight", weight.weight());
    }

    /** Whether this is {@code general} ({@code W_a} learnt) rather than {@code dot}. */
    public boolean general() { return weight != null; }

    @Override
    protected Tensor keys(Tensor values) {
        return weight == null ? values : weight.forward(values);            // W_a h_j: [B, S, Hq]
    }

    @Override
    protected Tensor scores(Tensor queries, Memory memory) {
        return queries.matmul(memory.keys().transpose(1, 2));               // q_tᵀ (W_a) h_j: [B, T, S]
    }

    @Override
    protected String describe() {
        return "MultiplicativeAttention(" + (general() ? "general" : "dot") + ", query=" + querySize() + ", value=" + valueSize() + ")";
    }
}
