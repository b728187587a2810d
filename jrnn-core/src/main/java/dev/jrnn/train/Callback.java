package dev.jrnn.train;

import java.util.Map;

/**
 * User hooks into the {@link Trainer}'s loop. Every method has an empty default; implement the ones needed.
 * A callback may call {@link Trainer#requestStop()} to end training after the current batch.
 */
public interface Callback {
    /** Before the first batch of {@code epoch} (0-based). */
    default void onEpochStart(Trainer trainer, int epoch) {}

    /**
     * After each optimizer step (or skipped step).
     *
     * @param step  the global number of batches processed so far (1-based)
     * @param loss  this batch's loss
     * @param norm  the global gradient norm before clipping (NaN when not computed)
     */
    default void onBatchEnd(Trainer trainer, long step, double loss, double norm) {}

    /** After validation and logging of {@code epoch}, with every metric of that epoch by name. */
    default void onEpochEnd(Trainer trainer, int epoch, Map<String, Double> metrics) {}
}
