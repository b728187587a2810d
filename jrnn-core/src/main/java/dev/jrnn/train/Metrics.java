package dev.jrnn.train;

import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Shapes;

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

    private static void sameShape(String op, NdArray a, NdArray b) {
        if (!a.hasShape(b.shape())) {
            throw Shapes.mismatch("Metrics." + op, "target", b.shape(), Shapes.str(a.shape()) + " like the predictions");
        }
    }
}
