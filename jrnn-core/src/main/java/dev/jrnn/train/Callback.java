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
     * Before the optimizer applies step {@code step}, once its loss and gradients have passed the divergence check
     * ({@link Divergence}; not called for a step that is skipped or fails). Nothing of the run has changed since step
     * {@code step - 1} ended, and this step's sane loss shows that its weights have not diverged: the place to write
     * the periodic checkpoint of step {@code step - 1} ({@link Trainer#saveCheckpoint(java.nio.file.Path)} writes
     * exactly that state here), so that a run that diverges keeps a good one.
     *
     * @param step  the 1-based number of the step about to be applied
     * @param loss  its loss
     * @param norm  the global gradient norm before clipping
     */
    default void beforeStep(Trainer trainer, long step, double loss, double norm) {}

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
