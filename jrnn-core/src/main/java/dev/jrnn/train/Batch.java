package dev.jrnn.train;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.NdArray;

/**
 * One padded batch of sequences, batch-first. Sequences shorter than {@link #maxLength()} are padded at the
 * end; {@link #mask()} is 1 at valid steps and 0 at padding, {@link #lengths()} holds each valid length (for
 * the {@code lengths} argument of the recurrent layers). Exactly one of {@link #tokens()} and
 * {@link #features()} is set, and the targets that the dataset has.
 *
 * @param indices    the dataset index of each row
 * @param tokens     token ids {@code [B, T]} row-major ({@code B·T} ints, padding = the dataset's pad id), or null
 * @param features   float features {@code [B, T, F]} (zeros at padding), or null
 * @param lengths    the valid length of each row, {@code [B]}
 * @param mask       {@code [B, T]}: 1 at valid steps, 0 at padding (the dataset's dtype)
 * @param labels     one class per sequence {@code [B]} (many-to-one), or null
 * @param stepLabels one class per step {@code [B, T]} row-major, -1 at padding (many-to-many), or null
 * @param targets    float targets per sequence {@code [B, K]} (regression, binary labels), or null
 */
public record Batch(int[] indices, int[] tokens, NdArray features, int[] lengths, NdArray mask, int[] labels,
                    int[] stepLabels, NdArray targets) {

    /** Number of sequences. */
    public int size() {
        return lengths.length;
    }

    /** The padded length {@code T}: the longest sequence in this batch. */
    public int maxLength() {
        return mask.dim(1);
    }

    /** The features as a constant tensor {@code [B, T, F]}. */
    public Tensor featureTensor() {
        if (features == null) {
            throw new IllegalStateException("Batch.featureTensor: this batch holds tokens, not features; use tokens()");
        }
        return Tensor.constant(features);
    }

    /** The targets as a constant tensor {@code [B, K]}. */
    public Tensor targetTensor() {
        if (targets == null) {
            throw new IllegalStateException("Batch.targetTensor: this dataset has no float targets");
        }
        return Tensor.constant(targets);
    }

    /** Number of valid (unmasked) steps. */
    public int validSteps() {
        int n = 0;
        for (int l : lengths) n += l;
        return n;
    }
}
