package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Shapes;

/**
 * Operations on padded batches of sequences {@code [batch, time, features]} with per-sequence valid
 * lengths: sequence {@code b} occupies steps {@code 0 .. lengths[b]-1}, the rest is padding. A null
 * {@code lengths} means every sequence has the full length {@code T}.
 */
public final class Sequences {
    private Sequences() {}

    /**
     * Checks {@code lengths} against a batch: one entry per sequence, each in {@code 1..time}.
     *
     * @param op the caller, for the message
     */
    public static void checkLengths(String op, int[] lengths, int batch, int time) {
        if (lengths == null) {
            return;
        }
        if (lengths.length != batch) {
            throw new IllegalArgumentException(op + ": lengths has " + lengths.length + " entries but the batch has "
                    + batch + " sequences; give one length per sequence");
        }
        for (int b = 0; b < batch; b++) {
            if (lengths[b] < 1 || lengths[b] > time) {
                throw new IllegalArgumentException(op + ": lengths[" + b + "] = " + lengths[b] + " is out of range 1.."
                        + time + " (the time axis of x has " + time + " steps)");
            }
        }
    }

    /** The longest length, or {@code time} when {@code lengths} is null. */
    public static int maxLength(int[] lengths, int time) {
        if (lengths == null) {
            return time;
        }
        int m = 0;
        for (int l : lengths) m = Math.max(m, l);
        return m;
    }

    /**
     * The 0/1 mask {@code [batch, 1]} of sequences still running at step {@code t} ({@code t < lengths[b]}),
     * or null when all are (no blending needed).
     */
    public static NdArray stepMask(int[] lengths, int t, int batch, DType dtype) {
        if (lengths == null) {
            return null;
        }
        boolean all = true;
        NdArray m = NdArray.zeros(dtype, batch, 1);
        for (int b = 0; b < batch; b++) {
            if (t < lengths[b]) {
                m.setFlat(b, 1);
            } else {
                all = false;
            }
        }
        return all ? null : m;
    }

    /**
     * The 0/1 mask {@code [batch, time, 1]}: 1 at valid steps, 0 at padding (all ones when {@code lengths}
     * is null).
     */
    public static NdArray mask(int[] lengths, int batch, int time, DType dtype) {
        NdArray m = NdArray.zeros(dtype, batch, time, 1);
        for (int b = 0; b < batch; b++) {
            int len = lengths == null ? time : lengths[b];
            for (int t = 0; t < len; t++) m.setFlat(b * time + t, 1);
        }
        return m;
    }

    /**
     * Reverses each sequence within its valid length: {@code y[b, t] = x[b, len_b - 1 - t]} for
     * {@code t < len_b}, zero past it. Applied twice it restores the valid part, so it both prepares the
     * input of a backwards pass and realigns its outputs to the original time order. Gradients flow back
     * through the same permutation. Shapes: {@code [B, T, F...] -> [B, T, F...]}.
     */
    public static Tensor reverse(Tensor x, int[] lengths) {
        if (x.rank() < 2) {
            throw Shapes.mismatch("Sequences.reverse", "x", x.shape(), "[batch, time, ...]");
        }
        int batch = x.dim(0), time = x.dim(1);
        checkLengths("Sequences.reverse", lengths, batch, time);
        return Tensor.custom("reverseSequences", permute(x.data(), lengths),
                g -> new NdArray[] {permute(g, lengths)}, x);   // a permutation's adjoint is its inverse: itself
    }

    private static NdArray permute(NdArray x, int[] lengths) {
        int batch = x.dim(0), time = x.dim(1);
        int row = x.size() / Math.max(1, batch * time);
        NdArray y = x.zerosLike();
        for (int b = 0; b < batch; b++) {
            int len = lengths == null ? time : lengths[b];
            for (int t = 0; t < len; t++) {
                int src = (b * time + (len - 1 - t)) * row, dst = (b * time + t) * row;
                if (x.dtype() == DType.FLOAT32) {
                    System.arraycopy(x.floatData(), src, y.floatData(), dst, row);
                } else {
                    System.arraycopy(x.doubleData(), src, y.doubleData(), dst, row);
                }
            }
        }
        return y;
    }

    /**
     * The output at each sequence's last valid step, {@code y[b] = x[b, len_b - 1]}:
     * {@code [B, T, F] -> [B, F]} (the last step when {@code lengths} is null).
     */
    public static Tensor lastValid(Tensor x, int[] lengths) {
        if (x.rank() != 3) {
            throw Shapes.mismatch("Sequences.lastValid", "x", x.shape(), "[batch, time, features]");
        }
        int batch = x.dim(0), time = x.dim(1);
        checkLengths("Sequences.lastValid", lengths, batch, time);
        int[] rows = new int[batch];
        for (int b = 0; b < batch; b++) rows[b] = b * time + (lengths == null ? time : lengths[b]) - 1;
        return x.reshape(batch * time, x.dim(2)).take(rows, batch);       // gather rows; gradient adds back
    }

    /**
     * Splits {@code x} along {@code axis} into its slices with that axis removed (the inverse of
     * {@link Tensor#stack}). Done by halving, so the backward pass costs {@code O(size · log n)} rather
     * than the {@code O(size · n)} of {@code n} separate {@code select}s (each of which pads its gradient
     * to the full input).
     */
    public static Tensor[] unstack(Tensor x, int axis) {
        int a = Shapes.axis("Sequences.unstack", axis, x.rank());
        Tensor[] out = new Tensor[x.dim(a)];
        if (out.length > 0) {
            unstackInto(x, a, 0, out);
        }
        return out;
    }

    private static void unstackInto(Tensor x, int axis, int offset, Tensor[] out) {
        int n = x.dim(axis);
        if (n == 1) {
            int[] s = x.shape(), r = new int[s.length - 1];
            for (int i = 0, j = 0; i < s.length; i++) if (i != axis) r[j++] = s[i];
            out[offset] = x.reshape(r);
            return;
        }
        int half = n / 2;
        unstackInto(x.slice(axis, 0, half), axis, offset, out);
        unstackInto(x.slice(axis, half, n), axis, offset + half, out);
    }
}
