package dev.jrnn.spark;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Module;

import java.io.Serializable;
import java.util.List;

/**
 * What {@link DistributedTrainer} trains: a model every JVM can build identically, and the summed loss of a batch.
 * Implementations are shipped to executors, so they hold configuration only (JSON, numbers), never a model.
 * {@link TextClassifierTask} and {@link LanguageModelTask} are the library's.
 *
 * @param <M> the model type
 */
public interface TrainingTask<M extends Module> extends Serializable {
    /** A fresh model with the initial weights (the same on every JVM: weights drawn from the config's seed). */
    M build();

    /**
     * The summed loss of a batch and how many items it sums over, recorded for {@code backward}.
     *
     * @param model    a replica, in training mode, its parameters set for this step
     * @param examples this partition's share of the step's batch (not empty)
     * @param step     the step (synchronous) or local step (local SGD) this batch belongs to
     */
    BatchLoss loss(M model, List<TrainingExample> examples, long step);

    /**
     * A batch's loss.
     *
     * @param sum    the sum of the per-item losses (a scalar in the graph)
     * @param weight the number of items summed (examples, or predicted tokens)
     */
    record BatchLoss(Tensor sum, double weight) {}
}
