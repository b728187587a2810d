package dev.jrnn.nn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.tensor.Shapes;

import java.util.Objects;

/**
 * A lookup table from token ids to vectors, as {@code torch.nn.Embedding} (the embedding layer of Bengio et al. 2003: a
 * table {@code [N, n]} whose row {@code i} is word {@code i}'s vector, trained end to end):
 * <pre>
 * y[p] = weight[ids[p]]          ids: any shape S of ints in 0..V-1  ->  y: S + [dim]
 * dL/dweight[v] = Σ_{p : ids[p] = v} dL/dy[p]
 * </pre>
 * {@code weight} is {@code [vocabSize, dim]}, initialised {@code N(0, 1)} as in PyTorch, or given
 * ({@link #fromPretrained}); it may be frozen (pre-trained vectors that stay fixed). With a
 * {@code paddingIdx}, that row is zero at initialisation and never receives a gradient, so padding tokens
 * map to a constant vector.
 *
 * <pre>{@code
 * var emb = Embedding.builder(10_000, 64).paddingIdx(0).rng(rng).build();
 * Tensor x = emb.forward(ids, batch, time);          // int[batch·time] -> [batch, time, 64]
 * }</pre>
 */
public class Embedding extends Layer {
    private final int vocabSize;
    private final int dim;
    private final Parameter weight;
    private final int paddingIdx;                       // -1: none

    private Embedding(NdArray table, int paddingIdx, boolean frozen) {
        this.vocabSize = table.dim(0);
        this.dim = table.dim(1);
        this.paddingIdx = paddingIdx;
        this.weight = registerParameter("weight", new Parameter(table));
        if (frozen) {
            weight.freeze();
        }
    }

    /** A trainable float32 table {@code [vocabSize, dim]} initialised {@code N(0, 1)} from {@code rng}, no padding index. */
    public Embedding(int vocabSize, int dim, Rng rng) {
        this(builder(vocabSize, dim).rng(Objects.requireNonNull(rng, "rng")).table(), -1, false);
    }

    /** A builder: required sizes here, options on the builder. */
    public static Builder builder(int vocabSize, int dim) {
        return new Builder(vocabSize, dim);
    }

    /**
     * A table over a copy of {@code weights} {@code [vocabSize, dim]} (e.g. pre-trained GloVe or word2vec
     * vectors), frozen or trainable.
     */
    public static Embedding fromPretrained(NdArray weights, boolean freeze) {
        return fromPretrained(weights, freeze, null);
    }

    /**
     * As {@link #fromPretrained(NdArray, boolean)}, with a padding index (null for none) whose row receives no
     * gradient. As in PyTorch's {@code from_pretrained}, that row keeps the given values (it is not zeroed).
     */
    public static Embedding fromPretrained(NdArray weights, boolean freeze, Integer paddingIdx) {
        Objects.requireNonNull(weights, "weights");
        if (weights.rank() != 2 || weights.dim(0) == 0 || weights.dim(1) == 0) {
            throw Shapes.mismatch("Embedding.fromPretrained", "weights", weights.shape(), "[vocabSize, dim], both > 0");
        }
        int pad = paddingIdx == null ? -1 : normalisePadding(paddingIdx, weights.dim(0));
        return new Embedding(weights.copy(), pad, freeze);
    }

    private static int normalisePadding(int paddingIdx, int vocabSize) {
        if (paddingIdx < -vocabSize || paddingIdx >= vocabSize) {
            throw new IllegalArgumentException("Embedding: paddingIdx " + paddingIdx + " is out of range for vocabSize="
                    + vocabSize + " (valid: " + (-vocabSize) + ".." + (vocabSize - 1) + ", negative counts from the end)");
        }
        return paddingIdx < 0 ? paddingIdx + vocabSize : paddingIdx;
    }

    /**
     * Looks up {@code ids} (row-major, of the given {@code shape}, e.g. {@code [batch, time]}):
     * returns {@code shape + [dim]}.
     *
     * @throws IndexOutOfBoundsException naming the id, its position and the vocabulary size, for an id outside {@code 0..V-1}
     */
    public Tensor forward(int[] ids, int... shape) {
        Objects.requireNonNull(ids, "ids");
        if (shape.length == 0) {
            shape = new int[] {ids.length};
        }
        if (Shapes.size(shape) != ids.length) {
            throw new IllegalArgumentException("Embedding.forward: shape " + Shapes.str(shape) + " holds "
                    + Shapes.size(shape) + " ids, but " + ids.length + " were given");
        }
        for (int p = 0; p < ids.length; p++) {
            if (ids[p] < 0 || ids[p] >= vocabSize) {
                throw new IndexOutOfBoundsException("Embedding.forward: id " + ids[p] + " at position "
                        + Shapes.str(position(p, shape)) + " is out of range for vocabSize=" + vocabSize
                        + " (valid ids 0.." + (vocabSize - 1) + "); is the vocabulary the one this layer was built for?");
            }
        }
        int[] idx = ids.clone();                                     // the backward must see the ids of this call
        int[] outShape = shape.clone();
        NdArray y = weight.data().take(idx, outShape);               // [shape..., dim]
        int pad = paddingIdx;
        return Tensor.custom("embedding", y, g -> {
            NdArray dW = weight.data().zerosLike().indexAddInPlace(idx, g);   // rows add up per id
            if (pad >= 0) {
                for (int j = 0; j < dim; j++) dW.setFlat(pad * dim + j, 0);  // the padding row never learns
            }
            return new NdArray[] {dW};
        }, weight);
    }

    /**
     * Looks up ids given as a tensor of whole numbers (any shape {@code S}, e.g. {@code [batch, time]}), so
     * the layer can stand first in a {@code Sequential}: returns {@code S + [dim]}.
     */
    @Override
    public Tensor forward(Tensor ids) {
        NdArray a = ids.data();
        int[] out = new int[a.size()];
        for (int p = 0; p < out.length; p++) {
            double v = a.getFlat(p);
            if (v != Math.rint(v)) {
                throw new IllegalArgumentException("Embedding.forward: ids must be whole numbers, got " + v + " at position "
                        + Shapes.str(position(p, a.shape())));
            }
            out[p] = (int) v;
        }
        return forward(out, a.shape());
    }

    private static int[] position(int flat, int[] shape) {
        int[] pos = new int[shape.length];
        for (int i = shape.length - 1; i >= 0; i--) {
            pos[i] = shape[i] == 0 ? 0 : flat % shape[i];
            flat = shape[i] == 0 ? 0 : flat / shape[i];
        }
        return pos;
    }

    /** The table {@code [vocabSize, dim]}. */
    public Parameter weight() { return weight; }

    /** Number of rows {@code V}. */
    public int vocabSize() { return vocabSize; }

    /** Vector size. */
    public int dim() { return dim; }

    /** The padding row, or -1 for none. */
    public int paddingIdx() { return paddingIdx; }

    /** Stops training the table; returns this. */
    public Embedding freeze() {
        weight.freeze();
        return this;
    }

    /** Resumes training the table; returns this. */
    public Embedding unfreeze() {
        weight.unfreeze();
        return this;
    }

    @Override
    protected String describe() {
        return "Embedding(" + vocabSize + ", " + dim + (paddingIdx >= 0 ? ", paddingIdx=" + paddingIdx : "")
                + (weight.isFrozen() ? ", frozen" : "") + ")";
    }

    /** Options of a fresh {@link Embedding}; defaults: float32, trainable, no padding index, {@code new Rng(0)}. */
    public static final class Builder {
        private final int vocabSize;
        private final int dim;
        private Integer paddingIdx;
        private boolean frozen;
        private DType dtype = DType.FLOAT32;
        private Rng rng;

        private Builder(int vocabSize, int dim) {
            if (vocabSize <= 0 || dim <= 0) {
                throw new IllegalArgumentException("Embedding: vocabSize and dim must be positive, got vocabSize="
                        + vocabSize + ", dim=" + dim);
            }
            this.vocabSize = vocabSize;
            this.dim = dim;
        }

        /** The id whose row is zero and never learns (negative counts from the end, as in PyTorch). */
        public Builder paddingIdx(int idx) {
            normalisePadding(idx, vocabSize);
            this.paddingIdx = idx;
            return this;
        }

        /** Builds the table frozen (no gradient). */
        public Builder frozen(boolean on) { this.frozen = on; return this; }

        /** Table dtype (default float32). */
        public Builder dtype(DType dtype) { this.dtype = Objects.requireNonNull(dtype); return this; }

        /** Random source for the initial table (default {@code new Rng(0)}). */
        public Builder rng(Rng rng) { this.rng = Objects.requireNonNull(rng); return this; }

        private NdArray table() {
            return NdArray.randn(rng == null ? new Rng(0) : rng, dtype, 0, 1, vocabSize, dim);
        }

        /** The layer. */
        public Embedding build() {
            NdArray t = table();
            int pad = paddingIdx == null ? -1 : normalisePadding(paddingIdx, vocabSize);
            if (pad >= 0) {
                for (int j = 0; j < dim; j++) t.setFlat(pad * dim + j, 0);   // padding starts at zero
            }
            return new Embedding(t, pad, frozen);
        }
    }
}
