package dev.jrnn.optim;

/**
 * A learning rate as a function of the epoch (or step) number, counted from 0. Schedules compose:
 * {@code LrSchedule.cosine(0.01, 50, 0).withWarmup(5)}. For a schedule that reacts to a metric see
 * {@link ReduceOnPlateau}.
 */
@FunctionalInterface
public interface LrSchedule {
    /** The learning rate to use at {@code epoch} (0-based). */
    double lr(int epoch);

    /** A constant rate. */
    static LrSchedule constant(double lr) {
        check("constant", "lr", lr);
        return epoch -> lr;
    }

    /** Step decay: {@code base * gamma^floor(epoch / stepSize)} (PyTorch's StepLR). */
    static LrSchedule step(double base, int stepSize, double gamma) {
        check("step", "base", base);
        check("step", "gamma", gamma);
        if (stepSize < 1) {
            throw new IllegalArgumentException("LrSchedule.step: stepSize must be >= 1, got " + stepSize);
        }
        return epoch -> base * Math.pow(gamma, Math.floorDiv(epoch, stepSize));
    }

    /** Exponential decay: {@code base * gamma^epoch} (PyTorch's ExponentialLR). */
    static LrSchedule exponential(double base, double gamma) {
        check("exponential", "base", base);
        check("exponential", "gamma", gamma);
        return epoch -> base * Math.pow(gamma, epoch);
    }

    /**
     * Constant {@code base} for the first {@code keepEpochs} epochs, then multiplied by {@code gamma} each
     * epoch: Zaremba et al.'s schedule for the PTB language model (lr 1, halved after epoch 4).
     */
    static LrSchedule decayAfter(double base, int keepEpochs, double gamma) {
        check("decayAfter", "base", base);
        check("decayAfter", "gamma", gamma);
        if (keepEpochs < 0) {
            throw new IllegalArgumentException("LrSchedule.decayAfter: keepEpochs must be >= 0, got " + keepEpochs);
        }
        return epoch -> base * Math.pow(gamma, Math.max(0, epoch - keepEpochs + 1));
    }

    /** Cosine annealing from {@code base} to {@code min} over {@code period} epochs, then {@code min}. */
    static LrSchedule cosine(double base, int period, double min) {
        check("cosine", "base", base);
        if (!(min >= 0 && min <= base) || period < 1) {
            throw new IllegalArgumentException("LrSchedule.cosine: needs period >= 1 and 0 <= min <= base, got period="
                    + period + ", min=" + min + ", base=" + base);
        }
        return epoch -> epoch >= period ? min : min + (base - min) * (1 + Math.cos(Math.PI * epoch / period)) / 2;
    }

    /** This schedule scaled by a linear warm-up: {@code (epoch + 1) / warmup} for the first {@code warmup} epochs. */
    default LrSchedule withWarmup(int warmup) {
        if (warmup < 0) {
            throw new IllegalArgumentException("LrSchedule.withWarmup: warmup must be >= 0, got " + warmup);
        }
        return epoch -> lr(epoch) * (epoch < warmup ? (epoch + 1.0) / warmup : 1.0);
    }

    private static void check(String schedule, String name, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("LrSchedule." + schedule + ": " + name + " must be a finite number > 0, got " + v);
        }
    }
}
