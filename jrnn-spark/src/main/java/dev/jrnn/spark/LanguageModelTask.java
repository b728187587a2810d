package dev.jrnn.spark;

import dev.jrnn.io.ModelConfig;
import dev.jrnn.io.ModelFileException;
import dev.jrnn.nn.Losses;
import dev.jrnn.text.LanguageModel;
import dev.jrnn.text.LanguageModelConfig;
import dev.jrnn.text.LanguageModelFiles;

import java.util.List;

/**
 * Trains a {@link LanguageModel} on windows of {@code T + 1} tokens (all of one length in a batch): the model reads
 * the first {@code T} from a zero state and predicts the last {@code T}; the loss is the cross-entropy summed over
 * every predicted token.
 */
public final class LanguageModelTask implements TrainingTask<LanguageModel> {
    private static final long serialVersionUID = 1L;
    private final String config;                              // the model section of config.json

    /** A task for language models of this configuration. */
    public LanguageModelTask(LanguageModelConfig config) {
        this.config = LanguageModelFiles.modelSection(config).toJson();
    }

    @Override
    public LanguageModel build() {
        try {
            return new LanguageModel(LanguageModelFiles.modelFrom(ModelConfig.parse(config, "LanguageModelTask")));
        } catch (ModelFileException e) {
            throw new JrnnSparkException("jrnn: " + e.getMessage(), e);
        }
    }

    @Override
    public BatchLoss loss(LanguageModel model, List<TrainingExample> examples, long step) {
        int b = examples.size(), window = examples.get(0).tokens().length, t = window - 1;
        if (t < 1) throw new JrnnSparkException("jrnn: language model windows need at least 2 tokens, found " + window);
        int[] inputs = new int[b * t], targets = new int[b * t];
        for (int i = 0; i < b; i++) {
            int[] w = examples.get(i).tokens();
            if (w.length != window) {
                throw new JrnnSparkException("jrnn: language model windows must all have one length; found " + window
                        + " and " + w.length + " tokens");
            }
            System.arraycopy(w, 0, inputs, i * t, t);
            System.arraycopy(w, 1, targets, i * t, t);
        }
        LanguageModel.Output o = model.forward(inputs, b, t, null);
        return new BatchLoss(Losses.sequenceCrossEntropy(o.logits(), targets, null, Losses.Reduction.SUM), (double) b * t);
    }
}
