package dev.jrnn.train;

import java.util.Arrays;

/**
 * Counts of (true class, predicted class) pairs over a labelled set, and the scores read from them: accuracy, and per
 * class precision, recall and F1 with their unweighted (macro) means.
 *
 * <pre>
 *   precision(c) = n[c][c] / Σ_i n[i][c]    (of the items predicted c, the share that are c)
 *   recall(c)    = n[c][c] / Σ_j n[c][j]    (of the items that are c, the share predicted c)
 *   F1(c)        = 2 · precision · recall / (precision + recall)
 * </pre>
 * A ratio whose denominator is 0 (a class never predicted, or absent from the set) is 0, as scikit-learn's
 * {@code zero_division=0}; the macro means include such classes.
 */
public final class ConfusionMatrix {
    private final long[][] counts;     // [true][predicted]

    private ConfusionMatrix(long[][] counts) {
        this.counts = counts;
    }

    /**
     * The matrix of {@code classes} classes for the pairs {@code (actual[i], predicted[i])}.
     *
     * @throws IllegalArgumentException when the arrays differ in length or a class id is outside {@code 0..classes-1}
     */
    public static ConfusionMatrix of(int classes, int[] actual, int[] predicted) {
        if (classes < 1) throw new IllegalArgumentException("ConfusionMatrix.of: classes must be >= 1, got " + classes);
        if (actual.length != predicted.length) {
            throw new IllegalArgumentException("ConfusionMatrix.of: " + actual.length + " true classes but "
                    + predicted.length + " predictions");
        }
        long[][] n = new long[classes][classes];
        for (int i = 0; i < actual.length; i++) {
            int a = actual[i], p = predicted[i];
            if (a < 0 || a >= classes || p < 0 || p >= classes) {
                throw new IllegalArgumentException("ConfusionMatrix.of: item " + i + " has true class " + a
                        + " and prediction " + p + "; expected ids in 0.." + (classes - 1));
            }
            n[a][p]++;
        }
        return new ConfusionMatrix(n);
    }

    /**
     * The matrix of given counts, {@code [true][predicted]} (copied).
     *
     * @throws IllegalArgumentException when the counts are not square or one is negative
     */
    public static ConfusionMatrix ofCounts(long[][] counts) {
        long[][] n = new long[counts.length][];
        for (int i = 0; i < n.length; i++) {
            if (counts[i].length != counts.length) {
                throw new IllegalArgumentException("ConfusionMatrix.ofCounts: row " + i + " has " + counts[i].length
                        + " counts; expected " + counts.length + " (a square matrix)");
            }
            for (long c : counts[i]) {
                if (c < 0) throw new IllegalArgumentException("ConfusionMatrix.ofCounts: row " + i + " holds a negative count " + c);
            }
            n[i] = counts[i].clone();
        }
        if (n.length < 1) throw new IllegalArgumentException("ConfusionMatrix.ofCounts: no classes");
        return new ConfusionMatrix(n);
    }

    /** Classes (rows and columns). */
    public int classes() {
        return counts.length;
    }

    /** Items whose true class is {@code actual} and whose prediction is {@code predicted}. */
    public long count(int actual, int predicted) {
        return counts[actual][predicted];
    }

    /** A copy of the counts, {@code [true][predicted]}. */
    public long[][] counts() {
        long[][] out = new long[counts.length][];
        for (int i = 0; i < out.length; i++) out[i] = counts[i].clone();
        return out;
    }

    /** All items counted. */
    public long total() {
        long t = 0;
        for (long[] row : counts) t += Arrays.stream(row).sum();
        return t;
    }

    /** Items whose true class is {@code c} (the row sum). */
    public long support(int c) {
        return Arrays.stream(counts[c]).sum();
    }

    /** Items predicted as {@code c} (the column sum). */
    public long predicted(int c) {
        long t = 0;
        for (long[] row : counts) t += row[c];
        return t;
    }

    /** The share of items predicted right (the diagonal over the total); 0 for an empty set. */
    public double accuracy() {
        long right = 0;
        for (int c = 0; c < counts.length; c++) right += counts[c][c];
        return ratio(right, total());
    }

    /** Of the items predicted {@code c}, the share that are {@code c}; 0 when none is predicted {@code c}. */
    public double precision(int c) {
        return ratio(counts[c][c], predicted(c));
    }

    /** Of the items that are {@code c}, the share predicted {@code c}; 0 when none is {@code c}. */
    public double recall(int c) {
        return ratio(counts[c][c], support(c));
    }

    /** The harmonic mean of {@link #precision} and {@link #recall}; 0 when both are 0. */
    public double f1(int c) {
        double p = precision(c), r = recall(c);
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    /** The mean of {@link #precision} over the classes. */
    public double macroPrecision() {
        double s = 0;
        for (int c = 0; c < counts.length; c++) s += precision(c);
        return s / counts.length;
    }

    /** The mean of {@link #recall} over the classes. */
    public double macroRecall() {
        double s = 0;
        for (int c = 0; c < counts.length; c++) s += recall(c);
        return s / counts.length;
    }

    /** The mean of {@link #f1} over the classes (not the F1 of the macro precision and recall). */
    public double macroF1() {
        double s = 0;
        for (int c = 0; c < counts.length; c++) s += f1(c);
        return s / counts.length;
    }

    private static double ratio(long a, long b) {
        return b == 0 ? 0 : a / (double) b;
    }
}
