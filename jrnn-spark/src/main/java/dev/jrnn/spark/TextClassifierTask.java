package dev.jrnn.spark;

import dev.jrnn.io.ModelConfig;
import dev.jrnn.io.ModelFileException;
import dev.jrnn.nn.Losses;
import dev.jrnn.text.TextClassifier;
import dev.jrnn.text.TextClassifierFiles;

import java.util.Arrays;
import java.util.List;

/**
 * Trains a {@link TextClassifier}: examples are token ids and a class; the loss is the summed cross-entropy of the
 * batch, padded with the pad id to its longest sequence (the classifier reads each sequence up to its length, so
 * the padding does not change the result).
 */
public final class TextClassifierTask implements TrainingTask<TextClassifier> {
    private static final long serialVersionUID = 1L;
    private final String config;                              // the model section of config.json

    /** A task for classifiers of this configuration. */
    public TextClassifierTask(TextClassifier.Config config) {
        this.config = TextClassifierFiles.modelSection(config).toJson();
    }

    @Override
    public TextClassifier build() {
        try {
            return new TextClassifier(TextClassifierFiles.modelFrom(ModelConfig.parse(config, "TextClassifierTask")));
        } catch (ModelFileException e) {
            throw new JrnnSparkException("jrnn: " + e.getMessage(), e);
        }
    }

    @Override
    public BatchLoss loss(TextClassifier model, List<TrainingExample> examples, long step) {
        int b = examples.size(), t = 1;
        for (TrainingExample e : examples) t = Math.max(t, e.tokens().length);
        int[] flat = new int[b * t], lengths = new int[b], labels = new int[b];
        Arrays.fill(flat, Math.max(0, model.config().padId()));
        for (int i = 0; i < b; i++) {
            TrainingExample e = examples.get(i);
            if (e.label() < 0 || e.label() >= model.config().numClasses()) {
                throw new JrnnSparkException("jrnn: a training example has label " + e.label() + "; the classifier has classes 0.."
                        + (model.config().numClasses() - 1));
            }
            System.arraycopy(e.tokens(), 0, flat, i * t, e.tokens().length);
            lengths[i] = e.tokens().length;
            labels[i] = e.label();
        }
        // the mean over the batch times its size: the summed loss, whose gradients add up across partitions
        return new BatchLoss(Losses.crossEntropy(model.logits(flat, b, t, lengths), labels).mul(b), b);
    }
}
