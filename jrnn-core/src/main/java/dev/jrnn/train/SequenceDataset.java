package dev.jrnn.train;

import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * An in-memory dataset of variable-length sequences with labels, and its batching: padding with masks and
 * lengths, shuffling with a seeded {@link Rng}, and bucketing by length (so that a batch holds sequences of
 * similar length and little compute is spent on padding).
 *
 * <p>Sequences are either token ids ({@code int[]}, one per step) or float feature vectors
 * ({@code float[T][F]}); targets are one class per sequence (many-to-one), one class per step (many-to-many,
 * e.g. tagging or language modelling) or a float vector per sequence (regression, binary labels).
 *
 * <pre>{@code
 * SequenceDataset data = SequenceDataset.ofTokens(sequences, labels).withPad(0);
 * for (int[] rows : data.epochOrder(32, rng, 8)) {   // shuffled, bucketed by length
 *     Batch b = data.batch(rows);                     // b.tokens(): [32, T], b.mask(): [32, T]
 * }</pre>
 * }
 */
public final class SequenceDataset {
    private final List<int[]> tokens;        // or null
    private final List<float[][]> features;  // or null
    private final int[] labels;              // or null
    private final List<int[]> stepLabels;    // or null
    private final float[][] targets;         // or null
    private final int featureSize;
    private final int padToken;
    private final DType dtype;

    private SequenceDataset(List<int[]> tokens, List<float[][]> features, int[] labels, List<int[]> stepLabels,
                            float[][] targets, int padToken, DType dtype) {
        this.tokens = tokens;
        this.features = features;
        this.labels = labels;
        this.stepLabels = stepLabels;
        this.targets = targets;
        this.padToken = padToken;
        this.dtype = dtype;
        int n = size();
        if (n == 0) {
            throw new IllegalArgumentException("SequenceDataset: no sequences");
        }
        checkCount("labels", labels == null ? -1 : labels.length, n);
        checkCount("stepLabels", stepLabels == null ? -1 : stepLabels.size(), n);
        checkCount("targets", targets == null ? -1 : targets.length, n);
        int f = -1;
        for (int i = 0; i < n; i++) {
            int len = length(i);
            if (len < 1) {
                throw new IllegalArgumentException("SequenceDataset: sequence " + i + " is empty; every sequence needs >= 1 step");
            }
            if (features != null) {
                for (float[] step : features.get(i)) {
                    if (f < 0) f = step.length;
                    if (step.length != f) {
                        throw new IllegalArgumentException("SequenceDataset: sequence " + i + " has a step of " + step.length
                                + " features, sequence 0 has " + f + "; all steps need the same feature size");
                    }
                }
            }
            if (stepLabels != null && stepLabels.get(i).length != len) {
                throw new IllegalArgumentException("SequenceDataset: sequence " + i + " has " + len + " steps but "
                        + stepLabels.get(i).length + " step labels");
            }
            if (targets != null && targets[i].length != targets[0].length) {
                throw new IllegalArgumentException("SequenceDataset: target " + i + " has " + targets[i].length
                        + " values, target 0 has " + targets[0].length);
            }
        }
        this.featureSize = f;
    }

    private static void checkCount(String what, int count, int n) {
        if (count >= 0 && count != n) {
            throw new IllegalArgumentException("SequenceDataset: " + count + " " + what + " for " + n + " sequences");
        }
    }

    /** Token sequences with one class per sequence (many-to-one classification). */
    public static SequenceDataset ofTokens(List<int[]> sequences, int[] labels) {
        return new SequenceDataset(List.copyOf(sequences), null, labels.clone(), null, null, 0, DType.FLOAT32);
    }

    /** Token sequences with one class per step (many-to-many: tagging, language modelling). */
    public static SequenceDataset ofTokenSteps(List<int[]> sequences, List<int[]> stepLabels) {
        return new SequenceDataset(List.copyOf(sequences), null, null, List.copyOf(stepLabels), null, 0, DType.FLOAT32);
    }

    /** Feature sequences ({@code float[T][F]} each) with one class per sequence. */
    public static SequenceDataset ofFeatures(List<float[][]> sequences, int[] labels) {
        return new SequenceDataset(null, List.copyOf(sequences), labels.clone(), null, null, 0, DType.FLOAT32);
    }

    /** Feature sequences with a float target vector per sequence (regression; binary labels as 0/1). */
    public static SequenceDataset ofFeatures(List<float[][]> sequences, float[][] targets) {
        return new SequenceDataset(null, List.copyOf(sequences), null, null, targets.clone(), 0, DType.FLOAT32);
    }

    /** The same data with padding token {@code pad} (default 0) in token batches. */
    public SequenceDataset withPad(int pad) {
        return new SequenceDataset(tokens, features, labels, stepLabels, targets, pad, dtype);
    }

    /** The same data producing batches of {@code dtype} (features, masks, targets; default float32). */
    public SequenceDataset withDType(DType dtype) {
        return new SequenceDataset(tokens, features, labels, stepLabels, targets, padToken, dtype);
    }

    /** Number of sequences. */
    public int size() {
        return tokens != null ? tokens.size() : features.size();
    }

    /** The length of sequence {@code i}. */
    public int length(int i) {
        return tokens != null ? tokens.get(i).length : features.get(i).length;
    }

    /** The feature size {@code F} of a feature dataset, -1 for tokens. */
    public int featureSize() {
        return featureSize;
    }

    /** The class of sequence {@code i} (many-to-one datasets). */
    public int label(int i) {
        if (labels == null) {
            throw new IllegalStateException("SequenceDataset.label: this dataset has no per-sequence labels");
        }
        return labels[i];
    }

    /** The first {@code n} sequences as one dataset and the rest as another (e.g. train/validation). */
    public SequenceDataset[] split(int n) {
        if (n < 1 || n >= size()) {
            throw new IllegalArgumentException("SequenceDataset.split: n must be in [1, " + (size() - 1) + "], got " + n);
        }
        return new SequenceDataset[] {slice(0, n), slice(n, size())};
    }

    private SequenceDataset slice(int from, int to) {
        return new SequenceDataset(tokens == null ? null : tokens.subList(from, to),
                features == null ? null : features.subList(from, to),
                labels == null ? null : Arrays.copyOfRange(labels, from, to),
                stepLabels == null ? null : stepLabels.subList(from, to),
                targets == null ? null : Arrays.copyOfRange(targets, from, to), padToken, dtype);
    }

    /**
     * The batches of one epoch, as lists of dataset indices.
     *
     * <ol>
     *   <li>All indices, shuffled with {@code rng} (kept in order when {@code rng} is null).</li>
     *   <li>With bucketing ({@code bucketBatches > 0}): the shuffled indices are cut into groups of
     *       {@code bucketBatches · batchSize}, each group is sorted by length (stable), so that each batch
     *       holds sequences of similar length while the epoch stays random.</li>
     *   <li>Cut into batches of {@code batchSize} (the last may be smaller); with bucketing and an
     *       {@code rng}, the order of the batches is shuffled too.</li>
     * </ol>
     * The result depends only on the data and the generator's state, so a checkpoint that stores the state
     * before this call can rebuild the same epoch.
     *
     * @param batchSize     sequences per batch, &gt;= 1
     * @param rng           the shuffling generator (advanced by this call), or null for the stored order
     * @param bucketBatches batches per length bucket; 0 for no bucketing
     */
    public List<int[]> epochOrder(int batchSize, Rng rng, int bucketBatches) {
        if (batchSize < 1 || bucketBatches < 0) {
            throw new IllegalArgumentException("SequenceDataset.epochOrder: needs batchSize >= 1 and bucketBatches >= 0, got "
                    + batchSize + " and " + bucketBatches);
        }
        int n = size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        if (rng != null) {
            rng.shuffle(order);
        }
        if (bucketBatches > 0) {
            int group = bucketBatches * batchSize;
            for (int start = 0; start < n; start += group) {
                Integer[] g = new Integer[Math.min(group, n - start)];
                for (int k = 0; k < g.length; k++) g[k] = order[start + k];
                Arrays.sort(g, Comparator.comparingInt(this::length));   // stable: ties keep the shuffled order
                for (int k = 0; k < g.length; k++) order[start + k] = g[k];
            }
        }
        List<int[]> batches = new ArrayList<>();
        for (int start = 0; start < n; start += batchSize) {
            batches.add(Arrays.copyOfRange(order, start, Math.min(n, start + batchSize)));
        }
        if (bucketBatches > 0 && rng != null) {
            for (int i = batches.size() - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int[] t = batches.get(i);
                batches.set(i, batches.get(j));
                batches.set(j, t);
            }
        }
        return batches;
    }

    /**
     * The sequences {@code rows} as one padded batch: padded at the end to the longest among them, with
     * lengths and a 0/1 mask.
     */
    public Batch batch(int[] rows) {
        int b = rows.length;
        if (b == 0) {
            throw new IllegalArgumentException("SequenceDataset.batch: no rows");
        }
        int[] lengths = new int[b];
        int t = 0;
        for (int r = 0; r < b; r++) {
            if (rows[r] < 0 || rows[r] >= size()) {
                throw new IndexOutOfBoundsException("SequenceDataset.batch: row " + rows[r] + " of a dataset of " + size());
            }
            lengths[r] = length(rows[r]);
            t = Math.max(t, lengths[r]);
        }
        NdArray mask = NdArray.zeros(dtype, b, t);
        int[] tok = null;
        NdArray feat = null;
        if (tokens != null) {
            tok = new int[b * t];
            Arrays.fill(tok, padToken);
        } else {
            feat = NdArray.zeros(dtype, b, t, featureSize);
        }
        int[] steps = stepLabels == null ? null : new int[b * t];
        if (steps != null) Arrays.fill(steps, -1);
        for (int r = 0; r < b; r++) {
            int i = rows[r];
            for (int s = 0; s < lengths[r]; s++) {
                mask.setFlat(r * t + s, 1);
                if (tok != null) {
                    tok[r * t + s] = tokens.get(i)[s];
                } else {
                    float[] x = features.get(i)[s];
                    for (int k = 0; k < featureSize; k++) feat.setFlat((r * t + s) * featureSize + k, x[k]);
                }
                if (steps != null) steps[r * t + s] = stepLabels.get(i)[s];
            }
        }
        int[] lab = null;
        if (labels != null) {
            lab = new int[b];
            for (int r = 0; r < b; r++) lab[r] = labels[rows[r]];
        }
        NdArray tg = null;
        if (targets != null) {
            int k = targets[0].length;
            tg = NdArray.zeros(dtype, b, k);
            for (int r = 0; r < b; r++) {
                for (int j = 0; j < k; j++) tg.setFlat(r * k + j, targets[rows[r]][j]);
            }
        }
        return new Batch(rows.clone(), tok, feat, lengths, mask, lab, steps, tg);
    }
}
