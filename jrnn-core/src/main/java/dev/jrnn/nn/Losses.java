package dev.jrnn.nn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Shapes;

import java.util.Arrays;

/**
 * Loss functions. All return the mean over elements (or over rows for cross-entropy), as PyTorch's
 * default {@code reduction='mean'}.
 */
public final class Losses {
    private Losses() {}

    /** Mean squared error {@code mean((pred - target)^2)}; shapes must match. */
    public static Tensor mse(Tensor pred, Tensor target) {
        if (!Arrays.equals(pred.shape(), target.shape())) {
            throw Shapes.mismatch("Losses.mse", "target", target.shape(), Shapes.str(pred.shape()) + " like pred");
        }
        return pred.sub(target).square().mean();
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
}
