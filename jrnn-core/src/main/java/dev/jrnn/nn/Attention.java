package dev.jrnn.nn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Shapes;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * Attention of decoder queries over a padded batch of encoder outputs (the "memory"), masked by the source lengths:
 * <pre>
 *   e_tj = score(q_t, h_j)                          one score per query t and source position j
 *   α_tj = softmax_j(e_tj + m_j),  m_j = 0 for j &lt; length, −∞ on padding   (so α_tj = 0 exactly there)
 *   c_t  = Σ_j α_tj h_j                              the context vector
 * </pre>
 * The subclasses define {@code score}: {@link AdditiveAttention} (Bahdanau et al. 2015) and
 * {@link MultiplicativeAttention} (Luong et al. 2015, {@code dot} and {@code general}). The memory is prepared once
 * per batch of sources ({@link #memory}: the keys a score needs, such as {@code W_k h_j}, and the mask), then
 * {@link #attend} runs for every decoder step, or for all steps at once when the queries do not depend on the
 * contexts.
 *
 * <pre>{@code
 * Attention att = new MultiplicativeAttention(64, 64, true, DType.FLOAT32, rng);   // Luong general
 * Attention.Memory mem = att.memory(encoderOutputs, lengths);                      // [B, S, 64], one length per row
 * Attention.Result r = att.attend(decoderOutputs, mem);                            // queries [B, T, 64]
 * r.context();   // [B, T, 64]
 * r.weights();   // [B, T, S], rows sum to 1, zero past each source's length
 * }</pre>
 */
public abstract class Attention extends Module {
    /** Which attention an encoder–decoder uses; {@link #cliName()} is its command-line spelling. */
    public enum Type {
        /** No attention: the encoder's final state is all the decoder knows of the source. */
        NONE,
        /** Additive: {@code e_tj = vᵀ tanh(W_q s_{t−1} + W_k h_j)}, queried with the previous decoder state. */
        BAHDANAU,
        /** Dot product: {@code e_tj = h_tᵀ h_j}, queried with the current decoder output. */
        LUONG_DOT,
        /** Bilinear: {@code e_tj = h_tᵀ W_a h_j}, queried with the current decoder output. */
        LUONG_GENERAL;

        /** {@code none}, {@code bahdanau}, {@code luong-dot} or {@code luong-general}. */
        public String cliName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /**
         * The type a command-line spelling names (case-insensitive, {@code -} or {@code _}).
         *
         * @throws IllegalArgumentException naming the allowed spellings
         */
        public static Type parse(String s) {
            String n = Objects.requireNonNull(s, "attention").trim().toUpperCase(Locale.ROOT).replace('-', '_');
            for (Type t : values()) {
                if (t.name().equals(n)) return t;
            }
            throw new IllegalArgumentException("attention must be none, bahdanau, luong-dot or luong-general, got '" + s + "'");
        }
    }

    /**
     * Prepared encoder outputs.
     *
     * @param values  the encoder outputs {@code h_j}, {@code [B, S, Hk]}, averaged into the context
     * @param keys    what the score reads of each {@code h_j} ({@code W_k h_j}, {@code W_a h_j} or {@code h_j}), {@code [B, S, K]}
     * @param mask    {@code [B, 1, S]}: 0 at the valid positions, −∞ on padding (a constant)
     * @param lengths each source's length, {@code 1..S}
     */
    public record Memory(Tensor values, Tensor keys, Tensor mask, int[] lengths) {
        /** The batch size {@code B}. */
        public int batch() { return values.dim(0); }

        /** The padded source length {@code S}. */
        public int sourceLength() { return values.dim(1); }

        /**
         * A memory of one source repeated {@code n} times (for {@code n} hypotheses of a beam search).
         *
         * @throws IllegalArgumentException when this memory holds more than one source
         */
        public Memory repeat(int n) {
            if (batch() != 1) {
                throw new IllegalArgumentException("Attention.Memory.repeat: needs a memory of one source, this one has " + batch());
            }
            if (n == 1) return this;
            Tensor[] v = new Tensor[n], k = new Tensor[n], m = new Tensor[n];
            Arrays.fill(v, values);
            Arrays.fill(k, keys);
            Arrays.fill(m, mask);
            int[] l = new int[n];
            Arrays.fill(l, lengths[0]);
            return new Memory(Tensor.concat(0, v), Tensor.concat(0, k), Tensor.concat(0, m), l);
        }
    }

    /**
     * One attention read.
     *
     * @param context {@code c_t}, {@code [B, T, Hk]}
     * @param weights {@code α_tj}, {@code [B, T, S]}
     */
    public record Result(Tensor context, Tensor weights) {}

    private final int querySize;
    private final int valueSize;

    /**
     * @param querySize {@code Hq}, the features of a query (the decoder's hidden size)
     * @param valueSize {@code Hk}, the features of an encoder output
     */
    protected Attention(int querySize, int valueSize) {
        if (querySize < 1 || valueSize < 1) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": querySize and valueSize must be >= 1, got "
                    + querySize + " and " + valueSize);
        }
        this.querySize = querySize;
        this.valueSize = valueSize;
    }

    /** {@code Hq}. */
    public int querySize() { return querySize; }

    /** {@code Hk}. */
    public int valueSize() { return valueSize; }

    /**
     * Prepares encoder outputs for attention.
     *
     * @param values  {@code [B, S, Hk]}; positions past a row's length are never read
     * @param lengths one valid length {@code 1..S} per row, or null when every row is full
     */
    public final Memory memory(Tensor values, int[] lengths) {
        String op = getClass().getSimpleName() + ".memory";
        Objects.requireNonNull(values, "values");
        if (values.rank() != 3 || values.dim(2) != valueSize || values.dim(0) == 0 || values.dim(1) == 0) {
            throw Shapes.mismatch(op, "values", values.shape(),
                    "[batch, sourceLength, " + valueSize + "] (valueSize=" + valueSize + ")");
        }
        int batch = values.dim(0), s = values.dim(1);
        int[] l = lengths == null ? filled(batch, s) : lengths.clone();
        if (l.length != batch) {
            throw new IllegalArgumentException(op + ": " + l.length + " lengths for a batch of " + batch);
        }
        NdArray mask = NdArray.zeros(values.dtype(), batch, 1, s);
        for (int b = 0; b < batch; b++) {
            if (l[b] < 1 || l[b] > s) {
                throw new IllegalArgumentException(op + ": lengths[" + b + "] is " + l[b] + ", expected 1.." + s
                        + " (every source has at least one position to attend to)");
            }
            for (int j = l[b]; j < s; j++) mask.setFlat(b * s + j, Double.NEGATIVE_INFINITY);
        }
        return new Memory(values, keys(values), Tensor.constant(mask), l);
    }

    /**
     * Attends with queries {@code [B, T, Hq]} ({@code T = 1} for one decoder step) over {@code memory}.
     */
    public final Result attend(Tensor queries, Memory memory) {
        String op = getClass().getSimpleName() + ".attend";
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(queries, "queries");
        if (queries.rank() != 3 || queries.dim(0) != memory.batch() || queries.dim(2) != querySize) {
            throw Shapes.mismatch(op, "queries", queries.shape(),
                    "[batch=" + memory.batch() + ", steps, " + querySize + "] (querySize=" + querySize + ")");
        }
        Tensor alpha = scores(queries, memory).add(memory.mask()).softmax(2);   // [B, T, S], 0 on padding
        return new Result(alpha.matmul(memory.values()), alpha);                // Σ_j α_tj h_j: [B, T, Hk]
    }

    /** What the score reads of the encoder outputs, computed once per memory: {@code [B, S, K]}. */
    protected abstract Tensor keys(Tensor values);

    /** The raw scores {@code e_tj}, {@code [B, T, S]}, before the mask. */
    protected abstract Tensor scores(Tensor queries, Memory memory);

    private static int[] filled(int n, int v) {
        int[] a = new int[n];
        Arrays.fill(a, v);
        return a;
    }
}
