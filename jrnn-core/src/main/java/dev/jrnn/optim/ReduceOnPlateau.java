package dev.jrnn.optim;

/**
 * Lowers the learning rate when a monitored metric stops improving (Keras's ReduceLROnPlateau,
 * PyTorch's ReduceLROnPlateau in {@code mode='min'} with a relative threshold).
 *
 * <p>Call {@link #update(double, double)} once per epoch with the metric (lower is better, e.g. the
 * validation loss) and the current rate; it returns the rate to use next.
 */
public final class ReduceOnPlateau {
    private final double factor;
    private final int patience;
    private final double minLr;
    private final double threshold;
    private double best = Double.POSITIVE_INFINITY;
    private int badEpochs;

    /**
     * @param factor    multiplier applied on a plateau, in (0, 1)
     * @param patience  epochs without improvement tolerated before reducing, &gt;= 0
     * @param minLr     lower bound on the rate, &gt;= 0
     * @param threshold relative improvement that counts ({@code metric < best * (1 - threshold)}), &gt;= 0
     */
    public ReduceOnPlateau(double factor, int patience, double minLr, double threshold) {
        if (!(factor > 0 && factor < 1) || patience < 0 || !(minLr >= 0) || !(threshold >= 0)) {
            throw new IllegalArgumentException("ReduceOnPlateau: needs 0 < factor < 1, patience >= 0, minLr >= 0, "
                    + "threshold >= 0; got factor=" + factor + ", patience=" + patience + ", minLr=" + minLr
                    + ", threshold=" + threshold);
        }
        this.factor = factor;
        this.patience = patience;
        this.minLr = minLr;
        this.threshold = threshold;
    }

    /** Records one epoch's metric and returns the learning rate for the next epoch. */
    public double update(double metric, double currentLr) {
        if (metric < best * (1 - threshold) || best == Double.POSITIVE_INFINITY && Double.isFinite(metric)) {
            best = metric;
            badEpochs = 0;
            return currentLr;
        }
        if (++badEpochs > patience) {
            badEpochs = 0;
            return Math.max(minLr, currentLr * factor);
        }
        return currentLr;
    }

    /** Epochs without improvement since the last improvement or reduction. */
    public int badEpochs() {
        return badEpochs;
    }

    /**
     * Restores the counters saved from {@link #best()} and {@link #badEpochs()} (checkpoints use this, so a
     * resumed run reduces the rate at the same epoch as the uninterrupted one).
     */
    public void restore(double best, int badEpochs) {
        if (Double.isNaN(best) || badEpochs < 0) {
            throw new IllegalArgumentException("ReduceOnPlateau.restore: needs a best metric that is not NaN and "
                    + "badEpochs >= 0; got best=" + best + ", badEpochs=" + badEpochs);
        }
        this.best = best;
        this.badEpochs = badEpochs;
    }

    /** The best metric seen so far. */
    public double best() {
        return best;
    }
}
