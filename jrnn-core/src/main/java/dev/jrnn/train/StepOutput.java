package dev.jrnn.train;

import dev.jrnn.autograd.Tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a {@link ModelStep} returns for one batch: the scalar loss to differentiate, the weight of this batch
 * in the epoch mean (e.g. the number of sequences or of valid steps), and any metrics, each with its own
 * weight. The {@link Trainer} reports {@code loss} and every metric as weighted means over the epoch.
 *
 * <pre>{@code
 * return StepOutput.of(loss, batch.size())
 *         .metric("acc", Metrics.accuracy(logits.data(), batch.labels(), null));
 * }</pre>
 */
public final class StepOutput {
    /** A metric's value for one batch and its weight in the epoch mean. */
    public record Value(double value, double weight) {}

    private final Tensor loss;
    private final double weight;
    private final Map<String, Value> metrics = new LinkedHashMap<>();

    private StepOutput(Tensor loss, double weight) {
        if (loss == null || loss.rank() != 0 && loss.data().size() != 1) {
            throw new IllegalArgumentException("StepOutput: the loss must be a scalar tensor, got "
                    + (loss == null ? "null" : java.util.Arrays.toString(loss.shape())));
        }
        if (!(weight > 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("StepOutput: the weight must be a finite number > 0, got " + weight);
        }
        this.loss = loss;
        this.weight = weight;
    }

    /**
     * @param loss   a scalar tensor (the mean loss of the batch)
     * @param weight the batch's weight in the epoch mean, &gt; 0 (e.g. {@code batch.size()})
     */
    public static StepOutput of(Tensor loss, double weight) {
        return new StepOutput(loss, weight);
    }

    /** Adds a metric weighted like the loss; returns this. */
    public StepOutput metric(String name, double value) {
        return metric(name, value, weight);
    }

    /** Adds a metric with its own weight (e.g. the number of valid steps for a per-step accuracy); returns this. */
    public StepOutput metric(String name, double value, double weight) {
        if (name == null || name.isEmpty() || name.equals("loss") || name.contains(",") || name.contains("\"")) {
            throw new IllegalArgumentException("StepOutput.metric: invalid name '" + name
                    + "' (non-empty, not 'loss', no commas or quotes)");
        }
        metrics.put(name, new Value(value, weight));
        return this;
    }

    /** The scalar loss tensor. */
    public Tensor loss() { return loss; }

    /** The batch's weight in the epoch mean of the loss. */
    public double weight() { return weight; }

    /** The metrics by name, in the order added. */
    public Map<String, Value> metrics() { return Collections.unmodifiableMap(metrics); }
}
