package dev.jrnn.train;

/**
 * The model-specific part of training: the forward pass and the loss of one batch. The {@link Trainer} does
 * everything else (zeroing gradients, backward, clipping, the optimizer step, metrics, validation), so one
 * fit loop serves every model.
 *
 * <pre>{@code
 * ModelStep step = (batch, training) -> {
 *     RnnOutput out = lstm.forward(batch.featureTensor(), null, null, batch.lengths());   // [B, T, H]
 *     Tensor logits = head.forward(lastValidStep(out.output(), batch.lengths()));          // [B, C]
 *     return StepOutput.of(Losses.crossEntropy(logits, batch.labels()), batch.size());
 * };
 * }</pre>
 */
@FunctionalInterface
public interface ModelStep {
    /**
     * Runs the model on one batch and returns its loss (and metrics).
     *
     * @param batch    the padded batch
     * @param training true during training (the trainer then calls {@code backward()} on the loss), false
     *                 during validation (called inside {@code Autograd.noGrad()}, model in eval mode)
     */
    StepOutput apply(Batch batch, boolean training);
}
