package dev.jrnn.optim;

import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.NdArray;

import java.util.List;

/**
 * Gradient clipping in the three forms TensorFlow offers ({@code clip_by_value}, {@code clip_by_norm},
 * {@code clip_by_global_norm}): by value (elementwise), by norm (each
 * tensor on its own) and by global norm (all parameters together, as {@code torch.nn.utils.clip_grad_norm_}).
 * The norm-based forms return the norm before clipping, for logging and for detecting explosions.
 */
public final class GradClip {
    private GradClip() {}

    /** Clamps every gradient element to {@code [-limit, limit]}. */
    public static void byValue(List<Parameter> params, double limit) {
        checkLimit("byValue", limit);
        for (Parameter p : params) {
            if (p.grad() != null) {
                p.grad().clampInPlace(-limit, limit);
            }
        }
    }

    /**
     * Rescales each gradient whose L2 norm exceeds {@code maxNorm} to norm {@code maxNorm}.
     *
     * @return the largest per-tensor norm before clipping (NaN or infinite if any gradient is)
     */
    public static double byNorm(List<Parameter> params, double maxNorm) {
        checkLimit("byNorm", maxNorm);
        double largest = 0;
        for (Parameter p : params) {
            NdArray g = p.grad();
            if (g == null) {
                continue;
            }
            double norm = Math.sqrt(g.sumOfSquares());
            largest = Double.isNaN(norm) || norm > largest ? norm : largest;
            if (norm > maxNorm) {
                g.mulInPlace(maxNorm / (norm + 1e-6));
            }
        }
        return largest;
    }

    /**
     * Rescales all gradients together so that their joint L2 norm is at most {@code maxNorm}
     * ({@code g *= maxNorm / (norm + 1e-6)} when {@code norm > maxNorm}, as PyTorch).
     *
     * @return the global norm before clipping (NaN or infinite if any gradient is; then nothing is changed)
     */
    public static double byGlobalNorm(List<Parameter> params, double maxNorm) {
        checkLimit("byGlobalNorm", maxNorm);
        double norm = globalNorm(params);
        if (Double.isFinite(norm) && norm > maxNorm) {
            double scale = maxNorm / (norm + 1e-6);
            for (Parameter p : params) {
                if (p.grad() != null) {
                    p.grad().mulInPlace(scale);
                }
            }
        }
        return norm;
    }

    /** The L2 norm of all gradients together. */
    public static double globalNorm(List<Parameter> params) {
        double sq = 0;
        for (Parameter p : params) {
            if (p.grad() != null) {
                sq += p.grad().sumOfSquares();
            }
        }
        return Math.sqrt(sq);
    }

    private static void checkLimit(String op, double limit) {
        if (!(limit > 0) || Double.isInfinite(limit)) {
            throw new IllegalArgumentException("GradClip." + op + ": the limit must be a finite number > 0, got " + limit);
        }
    }
}
