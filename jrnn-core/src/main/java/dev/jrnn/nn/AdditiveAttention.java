package dev.jrnn.nn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.Rng;

/**
 * Additive attention (Bahdanau, Cho and Bengio 2015): {@code e_tj = vᵀ tanh(W_q q_t + W_k h_j)}, masked softmax and
 * context as in {@link Attention}. Parameters ({@code torch.nn.Linear} layout, no biases):
 * {@code query.weight [A, Hq]} ({@code W_q}), {@code key.weight [A, Hk]} ({@code W_k}, applied once per memory) and
 * {@code v.weight [1, A]}, all {@code U(±1/sqrt(fan_in))}.
 */
public final class AdditiveAttention extends Attention {
    private final Linear query;
    private final Linear key;
    private final Linear v;

    /**
     * @param querySize     {@code Hq}
     * @param valueSize     {@code Hk}
     * @param attentionSize {@code A}, the width of the hidden layer of the score
     */
    public AdditiveAttention(int querySize, int valueSize, int attentionSize, DType dtype, Rng rng) {
        super(querySize, valueSize);
        if (attentionSize < 1) {
            throw new IllegalArgumentException("AdditiveAttention: attentionSize must be >= 1, got " + attentionSize);
        }
        query = registerModule("query", new Linear(querySize, attentionSize, false, dtype, rng));
        key = registerModule("key", new Linear(valueSize, attentionSize, false, dtype, rng));
        v = registerModule("v", new Linear(attentionSize, 1, false, dtype, rng));
    }

    @Override
    protected Tensor keys(Tensor values) {
        return key.forward(values);                                          // W_k h_j: [B, S, A]
    }

    @Override
    protected Tensor scores(Tensor queries, Memory memory) {
        int b = queries.dim(0), t = queries.dim(1), s = memory.sourceLength(), a = memory.keys().dim(2);
        Tensor q = query.forward(queries).reshape(b, t, 1, a);               // W_q q_t: [B, T, 1, A]
        Tensor k = memory.keys().reshape(b, 1, s, a);                        //          [B, 1, S, A]
        return v.forward(q.add(k).tanh()).reshape(b, t, s);                  // vᵀ tanh(·): [B, T, S]
    }

    @Override
    protected String describe() {
        return "AdditiveAttention(query=" + querySize() + ", value=" + valueSize() + ", attention=" + query.weight().dim(0) + ")";
    }
}
