package dev.jrnn.nn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Shapes;

import java.util.Arrays;

/**
 * Loss functions. The unmasked ones return the mean over elements (or over rows for cross-entropy), as
 * PyTorch's default {@code reduction='mean'}.
 *
 * <p>The masked ones ({@link #sequenceCrossEntropy}, {@link #maskedMse}, {@link #maskedBinaryCrossEntropyWithLogits})
 * are for padded batches of sequences ({@code [batch, time, ...]}): a mask of 0/1 weights marks the valid
 * steps, padded steps contribute nothing to the loss or the gradient, and the {@link Reduction} says whether
 * the per-step losses are summed or averaged over the valid (unmasked) steps only. The default, {@link Reduction#MEAN},
 * matches PyTorch's {@code ignore_index} behaviour: the mean over the steps that count. When every step is
 * masked the loss is 0 with a zero gradient (PyTorch gives NaN), so an all-padding batch cannot poison training.
 * All are computed in float64 internally and stay finite for logits of any size.
 */
public final class Losses {
    private Losses() {}

    /** How per-element losses are combined into one scalar. */
    public enum Reduction {
        /** The sum over valid (mask &ne; 0) elements, each weighted by its mask value. */
        SUM,
        /** The weighted sum divided by the sum of the mask (the number of valid elements for a 0/1 mask). */
        MEAN
    }

    /** Mean squared error {@code mean((pred - target)^2)}; shapes must match. */
    public static Tensor mse(Tensor pred, Tensor target) {
        if (!Arrays.equals(pred.shape(), target.shape())) {
            throw Shapes.mismatch("Losses.mse", "target", target.shape(), Shapes.str(pred.shape()) + " like pred");
        }
        NdArray p = pred.data(), t = target.data();
        int n = p.size();
        if (p.dtype() != t.dtype() || n == 0) {
            return pred.sub(target).square().mean();
        }
        // One pass forward and one backward instead of sub, square and mean (three passes and two arrays of the
        // prediction's size each way: 19 % of a W1 training step with MSE on 1.6M outputs, JFR). Sums run in double.
        boolean f32 = p.dtype() == DType.FLOAT32;
        double sum = 0;
        if (f32) {
            float[] a = p.floatData(), b = t.floatData();
            for (int i = 0; i < n; i++) {
                double d = a[i] - b[i];
                sum += d * d;
            }
        } else {
            double[] a = p.doubleData(), b = t.doubleData();
            for (int i = 0; i < n; i++) {
                double d = a[i] - b[i];
                sum += d * d;
            }
        }
        return Tensor.custom("mse", NdArray.scalar(p.dtype(), sum / n), g -> {
            double s = 2 * g.item() / n;
            NdArray dp = NdArray.zeros(p.dtype(), p.shape());
            if (f32) {
                float[] a = p.floatData(), b = t.floatData(), d = dp.floatData();
                float sf = (float) s;
                for (int i = 0; i < n; i++) d[i] = sf * (a[i] - b[i]);
            } else {
                double[] a = p.doubleData(), b = t.doubleData(), d = dp.doubleData();
                for (int i = 0; i < n; i++) d[i] = s * (a[i] - b[i]);
            }
            return new NdArray[] {pred.requiresGrad() ? dp : null, target.requiresGrad() ? dp.neg() : null};
        }, pred, target);
    }

    /**
     * Softmax cross-entropy from logits with integer class labels: {@code -mean_i log softmax(logits_i)[y_i]}.
     * {@code logits} is {@code [N, C]} (or {@code [batch, time, C]}, one label per step, flattened
     * row-major); computed through log-softmax, so large logits do not overflow.
     */
    public static Tensor crossEntropy(Tensor logits, int[] labels) {
        if (logits.rank() < 2) {
            throw Shapes.mismatch("Losses.crossEntropy", "logits", logits.shape(), "[N, classes] or [batch, time, classes]");
        }
        int c = logits.dim(-1);
        Tensor flat = logits.rank() == 2 ? logits : logits.reshape(-1, c);
        if (flat.dim(0) != labels.length) {
            throw new IllegalArgumentException("Losses.crossEntropy: " + labels.length + " labels for " + flat.dim(0)
                    + " rows of logits (shape " + Shapes.str(logits.shape()) + ")");
        }
        return flat.logSoftmax(1).pick(labels).mean().neg();
    }

    /**
     * Binary cross-entropy from logits, {@code mean(max(x,0) - x y + log(1 + e^{-|x|}))}: the sigmoid and
     * the log fused so that it is exact for large |x|. Targets in [0, 1], same shape as the logits.
     */
    public static Tensor binaryCrossEntropyWithLogits(Tensor logits, Tensor targets) {
        if (!Arrays.equals(logits.shape(), targets.shape())) {
            throw Shapes.mismatch("Losses.binaryCrossEntropyWithLogits", "targets", targets.shape(),
                    Shapes.str(logits.shape()) + " like logits");
        }
        NdArray x = logits.data(), y = targets.data();
        int n = x.size();
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double xi = x.getFlat(i), yi = y.getFlat(i);
            sum += Math.max(xi, 0) - xi * yi + Math.log1p(Math.exp(-Math.abs(xi)));
        }
        NdArray loss = NdArray.scalar(x.dtype(), sum / n);
        return Tensor.custom("bceWithLogits", loss, g -> {
            double scale = g.item() / n;
            NdArray gx = logits.requiresGrad() ? x.sigmoid().sub(y).mul(scale) : null;   // (σ(x) - y) / n
            NdArray gy = targets.requiresGrad() ? x.mul(-scale) : null;                 // -x / n
            return new NdArray[] {gx, gy};
        }, logits, targets);
    }

    // ------------------------------------------------------------------ masked losses for padded sequences

    /** {@link #sequenceCrossEntropy(Tensor, int[], NdArray, Reduction)} with the mean over valid steps. */
    public static Tensor sequenceCrossEntropy(Tensor logits, int[] targets, NdArray mask) {
        return sequenceCrossEntropy(logits, targets, mask, Reduction.MEAN);
    }

    /**
     * Per-time-step softmax cross-entropy for many-to-many models:
     * <pre>
     *   loss[b, t] = logsumexp(logits[b, t, :]) - logits[b, t, y[b, t]]
     *   SUM:  L = sum_{b,t} m[b, t] loss[b, t]          MEAN: L = SUM / sum_{b,t} m[b, t]
     * </pre>
     * The log-sum-exp is max-shifted, so logits of any size stay finite. The gradient with respect to the
     * logits is {@code m[b,t] (softmax(logits[b,t]) - onehot(y[b,t]))} (divided by {@code sum m} for MEAN).
     *
     * @param logits    {@code [B, T, C]} (or {@code [N, C]} for one step per row), float32 or float64
     * @param targets   the class of every step, {@code B·T} ints row-major ({@code targets[b·T + t]}); each valid
     *                  one in {@code [0, C)}; at masked steps any value (e.g. -1 for padding) is ignored
     * @param mask      {@code [B, T]} weights (0 = padding, 1 = valid), or {@code null} when every step is valid
     * @param reduction {@link Reduction#MEAN} (over valid steps) or {@link Reduction#SUM}
     * @return a scalar tensor of the logits' dtype
     */
    public static Tensor sequenceCrossEntropy(Tensor logits, int[] targets, NdArray mask, Reduction reduction) {
        String op = "Losses.sequenceCrossEntropy";
        if (logits.rank() < 2) {
            throw Shapes.mismatch(op, "logits", logits.shape(), "[batch, time, classes]");
        }
        int c = logits.dim(-1);
        int rows = logits.data().size() / Math.max(c, 1);
        int[] stepShape = Arrays.copyOf(logits.shape(), logits.rank() - 1);
        if (targets.length != rows) {
            throw new IllegalArgumentException(op + ": " + targets.length + " targets for " + rows + " steps (logits "
                    + Shapes.str(logits.shape()) + " need one target per step, " + Shapes.str(stepShape) + " row-major)");
        }
        double[] w = weights(op, mask, stepShape, logits.shape(), rows);
        NdArray x = logits.data();
        for (int r = 0; r < rows; r++) {
            int y = targets[r];
            if (w[r] != 0 && (y < 0 || y >= c)) {
                throw new IllegalArgumentException(op + ": target " + y + " at step " + r + " (row-major) is outside [0, "
                        + c + "); mask padded steps out or fix the vocabulary size");
            }
        }
        int[] tg = targets.clone();   // the caller may refill its buffer before backward
        return x.dtype() == DType.FLOAT32 ? sequenceCrossEntropyF(logits, tg, w, rows, c, reduction)
                : sequenceCrossEntropyD(logits, tg, w, rows, c, reduction);
    }

    /**
     * Float64: log-sum-exp per row in the forward pass, the softmax recomputed in the backward pass (nothing of size
     * {@code rows × classes} kept between them).
     */
    private static Tensor sequenceCrossEntropyD(Tensor logits, int[] tg, double[] w, int rows, int c, Reduction reduction) {
        double[] x = logits.data().doubleData();
        double total = 0, count = 0;
        double[] lse = new double[rows];
        for (int r = 0; r < rows; r++) {
            if (w[r] == 0) continue;
            int o = r * c;
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < c; k++) max = Math.max(max, x[o + k]);
            double z = 0;
            for (int k = 0; k < c; k++) z += Math.exp(x[o + k] - max);
            lse[r] = max + Math.log(z);                              // log sum exp, max-shifted
            total += w[r] * (lse[r] - x[o + tg[r]]);
            count += w[r];
        }
        double scale = scale(reduction, count);
        return Tensor.custom("sequenceCrossEntropy", NdArray.scalar(DType.FLOAT64, total * scale), g -> {
            double[] gx = new double[rows * c];
            double s = g.item() * scale;
            for (int r = 0; r < rows; r++) {
                if (w[r] == 0) continue;
                int o = r * c;
                double sw = s * w[r];
                for (int k = 0; k < c; k++) gx[o + k] = sw * Math.exp(x[o + k] - lse[r]);   // softmax
                gx[o + tg[r]] -= sw;
            }
            return new NdArray[] {NdArray.of(gx, logits.shape())};
        }, logits);
    }

    /**
     * Float32, the language models' case (PTB: 400 rows × 10,000 classes per step): each exponential is taken once,
     * in the forward pass, and the softmax kept for the backward pass, which is then one multiply-add per element.
     * Sums run in double.
     */
    private static Tensor sequenceCrossEntropyF(Tensor logits, int[] tg, double[] w, int rows, int c, Reduction reduction) {
        float[] x = logits.data().floatData();
        float[] p = new float[rows * c];
        double total = 0, count = 0;
        for (int r = 0; r < rows; r++) {
            if (w[r] == 0) continue;
            int o = r * c;
            float max = Float.NEGATIVE_INFINITY;
            for (int k = 0; k < c; k++) max = Math.max(max, x[o + k]);
            double z = 0;
            for (int k = 0; k < c; k++) {
                float e = (float) Math.exp(x[o + k] - max);
                p[o + k] = e;
                z += e;
            }
            float inv = (float) (1 / z);
            for (int k = 0; k < c; k++) p[o + k] *= inv;             // softmax
            total += w[r] * (max + Math.log(z) - x[o + tg[r]]);      // log sum exp - x_y
            count += w[r];
        }
        double scale = scale(reduction, count);
        return Tensor.custom("sequenceCrossEntropy", NdArray.scalar(DType.FLOAT32, total * scale), g -> {
            double s = g.item() * scale;
            float[] gx = new float[rows * c];
            for (int r = 0; r < rows; r++) {
                if (w[r] == 0) continue;
                int o = r * c;
                float sw = (float) (s * w[r]);
                for (int k = 0; k < c; k++) gx[o + k] = sw * p[o + k];
                gx[o + tg[r]] -= sw;
            }
            return new NdArray[] {NdArray.of(gx, logits.shape())};
        }, logits);
    }

    /** {@link #maskedMse(Tensor, Tensor, NdArray, Reduction)} with the mean over valid elements. */
    public static Tensor maskedMse(Tensor pred, Tensor target, NdArray mask) {
        return maskedMse(pred, target, mask, Reduction.MEAN);
    }

    /**
     * Masked squared error {@code sum m (pred - target)^2}, summed or divided by the number of valid elements.
     * A mask of shape {@code [B, T]} for predictions {@code [B, T, F]} covers all {@code F} features of a step
     * (and the mean then divides by {@code F · sum m}).
     *
     * @param pred      predictions, any shape
     * @param target    same shape as {@code pred}
     * @param mask      weights shaped as {@code pred} or as a leading part of it ({@code [B, T]}), or null
     * @param reduction {@link Reduction#MEAN} over valid elements or {@link Reduction#SUM}
     * @return a scalar tensor
     */
    public static Tensor maskedMse(Tensor pred, Tensor target, NdArray mask, Reduction reduction) {
        String op = "Losses.maskedMse";
        if (!Arrays.equals(pred.shape(), target.shape())) {
            throw Shapes.mismatch(op, "target", target.shape(), Shapes.str(pred.shape()) + " like pred");
        }
        NdArray x = pred.data(), y = target.data();
        int n = x.size();
        double[] w = elementWeights(op, mask, pred.shape());
        double total = 0, count = 0;
        for (int i = 0; i < n; i++) {
            if (w[i] != 0) {
                double d = x.getFlat(i) - y.getFlat(i);
                total += w[i] * d * d;
                count += w[i];
            }
        }
        double scale = scale(reduction, count);
        return Tensor.custom("maskedMse", NdArray.scalar(x.dtype(), total * scale), g -> {
            NdArray gp = x.zerosLike();
            double s = g.item() * scale;
            for (int i = 0; i < n; i++) {
                if (w[i] != 0) gp.setFlat(i, 2 * s * w[i] * (x.getFlat(i) - y.getFlat(i)));   // 2 m (p - t)
            }
            return new NdArray[] {pred.requiresGrad() ? gp : null, target.requiresGrad() ? gp.neg() : null};
        }, pred, target);
    }

    /** {@link #maskedBinaryCrossEntropyWithLogits(Tensor, Tensor, NdArray, Reduction)} with the mean over valid elements. */
    public static Tensor maskedBinaryCrossEntropyWithLogits(Tensor logits, Tensor targets, NdArray mask) {
        return maskedBinaryCrossEntropyWithLogits(logits, targets, mask, Reduction.MEAN);
    }

    /**
     * Masked binary cross-entropy from logits, {@code sum m (max(x,0) - x y + log(1 + e^{-|x|}))}, summed or
     * divided by the number of valid elements; exact for large |x|. Gradient {@code m (σ(x) - y)}.
     *
     * @param logits    any shape
     * @param targets   same shape, values in [0, 1]
     * @param mask      weights shaped as {@code logits} or as a leading part of it ({@code [B, T]}), or null
     * @param reduction {@link Reduction#MEAN} over valid elements or {@link Reduction#SUM}
     * @return a scalar tensor
     */
    public static Tensor maskedBinaryCrossEntropyWithLogits(Tensor logits, Tensor targets, NdArray mask,
                                                            Reduction reduction) {
        String op = "Losses.maskedBinaryCrossEntropyWithLogits";
        if (!Arrays.equals(logits.shape(), targets.shape())) {
            throw Shapes.mismatch(op, "targets", targets.shape(), Shapes.str(logits.shape()) + " like logits");
        }
        NdArray x = logits.data(), y = targets.data();
        int n = x.size();
        double[] w = elementWeights(op, mask, logits.shape());
        double total = 0, count = 0;
        for (int i = 0; i < n; i++) {
            if (w[i] != 0) {
                double xi = x.getFlat(i), yi = y.getFlat(i);
                total += w[i] * (Math.max(xi, 0) - xi * yi + Math.log1p(Math.exp(-Math.abs(xi))));
                count += w[i];
            }
        }
        double scale = scale(reduction, count);
        return Tensor.custom("maskedBceWithLogits", NdArray.scalar(x.dtype(), total * scale), g -> {
            NdArray gx = x.zerosLike(), gy = x.zerosLike();
            double s = g.item() * scale;
            for (int i = 0; i < n; i++) {
                if (w[i] != 0) {
                    double xi = x.getFlat(i);
                    double sig = xi >= 0 ? 1 / (1 + Math.exp(-xi)) : Math.exp(xi) / (1 + Math.exp(xi));   // σ(x), no overflow
                    gx.setFlat(i, s * w[i] * (sig - y.getFlat(i)));
                    gy.setFlat(i, -s * w[i] * xi);
                }
            }
            return new NdArray[] {logits.requiresGrad() ? gx : null, targets.requiresGrad() ? gy : null};
        }, logits, targets);
    }

    /** 1 for SUM; 1 / count for MEAN (0 when nothing is valid, so an all-padding batch gives loss 0). */
    private static double scale(Reduction reduction, double count) {
        if (reduction == Reduction.SUM) {
            return 1;
        }
        return count > 0 ? 1 / count : 0;
    }

    /** One weight per step (row of {@code full}); the mask must be shaped {@code stepShape}. */
    private static double[] weights(String op, NdArray mask, int[] stepShape, int[] full, int rows) {
        double[] w = new double[rows];
        if (mask == null) {
            Arrays.fill(w, 1);
            return w;
        }
        if (!mask.hasShape(stepShape)) {
            throw Shapes.mismatch(op, "mask", mask.shape(), Shapes.str(stepShape) + " (one weight per step of logits "
                    + Shapes.str(full) + ")");
        }
        for (int r = 0; r < rows; r++) w[r] = checkWeight(op, mask.getFlat(r), r);
        return w;
    }

    /** One weight per element of {@code shape}; the mask's shape must be {@code shape} or a leading part of it. */
    private static double[] elementWeights(String op, NdArray mask, int[] shape) {
        int n = Shapes.size(shape);
        double[] w = new double[n];
        if (mask == null) {
            Arrays.fill(w, 1);
            return w;
        }
        int[] ms = mask.shape();
        if (ms.length > shape.length || !Arrays.equals(ms, Arrays.copyOf(shape, ms.length))) {
            throw Shapes.mismatch(op, "mask", ms, Shapes.str(shape) + " or a leading part of it (e.g. [batch, time])");
        }
        int inner = n / Math.max(mask.size(), 1);
        for (int i = 0; i < n; i++) w[i] = checkWeight(op, mask.getFlat(i / inner), i / inner);
        return w;
    }

    private static double checkWeight(String op, double v, int index) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(op + ": mask value " + v + " at flat index " + index
                    + " must be a finite weight >= 0 (0 = padding, 1 = valid)");
        }
        return v;
    }
}
