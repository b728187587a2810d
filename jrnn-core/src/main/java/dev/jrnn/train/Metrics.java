package dev.jrnn.train;

import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Shapes;

import java.util.Arrays;
import java.util.List;

/**
 * Evaluation metrics over plain arrays (no gradients). The masks are as in {@link dev.jrnn.nn.Losses}: 0/1
 * weights over the leading axes ({@code [B, T]} for {@code [B, T, C]} logits), null when everything counts.
 * Per-batch values are combined into epoch values by the {@link Trainer} as means weighted by the number of
 * valid elements, so a short last batch counts for what it holds.
 */
public final class Metrics {
    private static final double LN2 = Math.log(2);

    private Metrics() {}

    /**
     * Fraction of rows whose arg-max class equals the label.
     *
     * @param logits {@code [N, C]} or {@code [B, T, C]} scores (any monotone transform of probabilities)
     * @param labels one class per row, {@code N} or {@code B·T} row-major; ignored where the mask is 0
     * @param mask   one weight per row ({@code [N]} or {@code [B, T]}), or null
     * @return the weighted fraction correct in [0, 1]; 0 when no row counts
     */
    public static double accuracy(NdArray logits, int[] labels, NdArray mask) {
        int c = logits.dim(-1);
        int rows = logits.size() / c;
        if (labels.length != rows) {
            throw new IllegalArgumentException("Metrics.accuracy: " + labels.length + " labels for " + rows
                    + " rows of logits " + Shapes.str(logits.shape()));
        }
        checkMask("accuracy", mask, rows);
        double correct = 0, total = 0;
        for (int r = 0; r < rows; r++) {
            double w = mask == null ? 1 : mask.getFlat(r);
            if (w == 0) {
                continue;
            }
            int best = 0;
            for (int k = 1; k < c; k++) {
                if (logits.getFlat(r * c + k) > logits.getFlat(r * c + best)) best = k;
            }
            correct += best == labels[r] ? w : 0;
            total += w;
        }
        return total == 0 ? 0 : correct / total;
    }

    /**
     * Fraction of elements where {@code logit > 0} agrees with {@code target >= 0.5}.
     *
     * @param logits any shape (pre-sigmoid scores)
     * @param targets same shape, 0/1 labels
     * @param mask    weights shaped as {@code logits} or a leading part of it, or null
     */
    public static double binaryAccuracy(NdArray logits, NdArray targets, NdArray mask) {
        sameShape("binaryAccuracy", logits, targets);
        int n = logits.size();
        int inner = mask == null ? 1 : n / Math.max(1, mask.size());
        double correct = 0, total = 0;
        for (int i = 0; i < n; i++) {
            double w = mask == null ? 1 : mask.getFlat(i / inner);
            if (w == 0) {
                continue;
            }
            boolean predicted = logits.getFlat(i) > 0, actual = targets.getFlat(i) >= 0.5;
            correct += predicted == actual ? w : 0;
            total += w;
        }
        return total == 0 ? 0 : correct / total;
    }

    /** Mean squared error over the elements where the mask (as in {@link #binaryAccuracy}) is not 0. */
    public static double mse(NdArray pred, NdArray target, NdArray mask) {
        sameShape("mse", pred, target);
        int n = pred.size();
        int inner = mask == null ? 1 : n / Math.max(1, mask.size());
        double sum = 0, total = 0;
        for (int i = 0; i < n; i++) {
            double w = mask == null ? 1 : mask.getFlat(i / inner);
            double d = pred.getFlat(i) - target.getFlat(i);
            sum += w * d * d;
            total += w;
        }
        return total == 0 ? 0 : sum / total;
    }

    /**
     * The share of decoded sequences equal to their target, token for token.
     *
     * @param predicted one decoded id sequence per item (without an end marker)
     * @param targets   the target of each item (without an end marker)
     * @return in [0, 1]; 0 for no items
     */
    public static double exactMatch(List<int[]> predicted, List<int[]> targets) {
        samePairs("exactMatch", predicted, targets);
        int right = 0;
        for (int i = 0; i < predicted.size(); i++) right += Arrays.equals(predicted.get(i), targets.get(i)) ? 1 : 0;
        return predicted.isEmpty() ? 0 : right / (double) predicted.size();
    }

    /**
     * Token accuracy of decoded sequences: both sequences of an item end with an end marker (as the decoder's
     * {@code <eos>}), and they are compared position by position over the longer one, so a missing or an extra token
     * counts as an error. {@code Σ matching positions / Σ max(|p|, |t|) + 1}: "ab" for "ab" is 3/3, "abc" for "ab"
     * 2/4, "" for "" 1/1.
     *
     * @param predicted one decoded id sequence per item (without an end marker)
     * @param targets   the target of each item (without an end marker)
     * @return in [0, 1]; 0 for no items
     */
    public static double tokenAccuracy(List<int[]> predicted, List<int[]> targets) {
        samePairs("tokenAccuracy", predicted, targets);
        long right = 0, positions = 0;
        for (int i = 0; i < predicted.size(); i++) {
            int[] p = predicted.get(i), t = targets.get(i);
            int common = Math.min(p.length, t.length);
            for (int k = 0; k < common; k++) right += p[k] == t[k] ? 1 : 0;
            right += p.length == t.length ? 1 : 0;                    // the end markers meet at the same position
            positions += Math.max(p.length, t.length) + 1;
        }
        return positions == 0 ? 0 : right / (double) positions;
    }

    /** Mean absolute error {@code Σ|p - y| / n} of two equally long arrays; 0 when empty. */
    public static double mae(double[] predicted, double[] actual) {
        sameLength("mae", predicted, actual);
        double s = 0;
        for (int i = 0; i < predicted.length; i++) s += Math.abs(predicted[i] - actual[i]);
        return predicted.length == 0 ? 0 : s / predicted.length;
    }

    /** Root mean squared error {@code sqrt(Σ(p - y)² / n)} of two equally long arrays; 0 when empty. */
    public static double rmse(double[] predicted, double[] actual) {
        sameLength("rmse", predicted, actual);
        double s = 0;
        for (int i = 0; i < predicted.length; i++) {
            double d = predicted[i] - actual[i];
            s += d * d;
        }
        return predicted.length == 0 ? 0 : Math.sqrt(s / predicted.length);
    }

    /** Perplexity {@code exp(meanNll)} from the mean negative log-likelihood per token in nats. */
    public static double perplexity(double meanNll) {
        return Math.exp(meanNll);
    }

    /** Bits per character {@code meanNll / ln 2} from the mean negative log-likelihood per character in nats. */
    public static double bitsPerCharacter(double meanNll) {
        return meanNll / LN2;
    }

    /** The sum of a mask (the number of valid steps of a 0/1 mask), or {@code rows} when it is null. */
    public static double count(NdArray mask, int rows) {
        if (mask == null) {
            return rows;
        }
        double s = 0;
        for (int i = 0; i < mask.size(); i++) s += mask.getFlat(i);
        return s;
    }

    private static void checkMask(String op, NdArray mask, int rows) {
        if (mask != null && mask.size() != rows) {
            throw new IllegalArgumentException("Metrics." + op + ": mask " + Shapes.str(mask.shape()) + " has "
                    + mask.size() + " weights for " + rows + " rows");
        }
    }

    private static void samePairs(String op, List<int[]> predicted, List<int[]> targets) {
        if (predicted.size() != targets.size()) {
            throw new IllegalArgumentException("Metrics." + op + ": " + predicted.size() + " predictions for "
                    + targets.size() + " targets");
        }
    }

    private static void sameLength(String op, double[] predicted, double[] actual) {
        if (predicted.length != actual.length) {
            throw new IllegalArgumentException("Metrics." + op + ": " + predicted.length + " predictions for "
                    + actual.length + " values");
        }
    }

    private static void sameShape(String op, NdArray a, NdArray b) {
        if (!a.hasShape(b.shape())) {
            throw Shapes.mismatch("Metrics." + op, "target", b.shape(), Shapes.str(a.shape()) + " like the predictions");
        }
    }
}
