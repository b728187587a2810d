package dev.jrnn.text;

import dev.jrnn.optim.Optimizer;
import dev.jrnn.train.Callback;
import dev.jrnn.train.StepSource;
import dev.jrnn.train.Trainer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A short way to train a {@link LanguageModel} on one long token stream with truncated backpropagation through time,
 * as Zaremba et al. (2014) and PyTorch's word-language-model example: a thin adapter over the one fit loop,
 * {@link Trainer} over {@link LanguageModel#steps} (the stream cut into {@code batchSize} parallel rows, read side by
 * side in chunks of {@code bpttLength} steps, the recurrent state carried from chunk to chunk with its graph cut and
 * from zeros at every epoch). Use the {@link Trainer} directly for checkpoints, early stopping, files and progress.
 *
 * <pre>{@code
 * var trainer = new LanguageModelTrainer(LanguageModelTrainer.Config.of(16, 32, 20).withClipNorm(5));
 * List<LanguageModelTrainer.Epoch> log = trainer.fit(lm, new Adam(lm.parameters(), Adam.Config.adam(0.01)), train, valid);
 * }</pre>
 */
public final class LanguageModelTrainer {
    /**
     * Training options.
     *
     * @param batchSize  parallel rows {@code B} the stream is cut into, &gt;= 1
     * @param bpttLength steps per chunk {@code k}: how far back gradients reach, &gt;= 1
     * @param epochs     passes over the stream, &gt;= 1
     * @param clipNorm   global gradient-norm limit per update (0: no clipping); Zaremba et al. use 5
     * @param maxSeconds a time budget, validation included ({@link Trainer.Builder#maxSeconds}; 0: no limit)
     */
    public record Config(int batchSize, int bpttLength, int epochs, double clipNorm, double maxSeconds) {
        /** Validates every field. */
        public Config {
            if (batchSize < 1 || bpttLength < 1 || epochs < 1) {
                throw new IllegalArgumentException("LanguageModelTrainer.Config: batchSize, bpttLength and epochs must be >= 1, got "
                        + batchSize + ", " + bpttLength + ", " + epochs);
            }
            if (!(clipNorm >= 0) || !(maxSeconds >= 0)) {
                throw new IllegalArgumentException("LanguageModelTrainer.Config: clipNorm and maxSeconds must be >= 0 (0 = off), got "
                        + clipNorm + ", " + maxSeconds);
            }
        }

        /** The given sizes, clipping at global norm 5, no time limit. */
        public static Config of(int batchSize, int bpttLength, int epochs) {
            return new Config(batchSize, bpttLength, epochs, 5.0, 0);
        }

        /** A copy with another clipping limit (0: off). */
        public Config withClipNorm(double maxNorm) {
            return new Config(batchSize, bpttLength, epochs, maxNorm, maxSeconds);
        }

        /** A copy with a time budget of {@code seconds}, validation included (0: no limit). */
        public Config withMaxSeconds(double seconds) {
            return new Config(batchSize, bpttLength, epochs, clipNorm, seconds);
        }
    }

    /**
     * What one epoch did.
     *
     * @param epoch      1-based
     * @param trainNll   the mean training cross-entropy (nats per token, dropout on)
     * @param validation the validation stream's evaluation, or null without one
     * @param updates    optimizer steps taken
     * @param skipped    updates skipped for non-finite gradients (under {@link Optimizer.NonFinitePolicy#SKIP})
     * @param seconds    time since {@link #fit} began
     */
    public record Epoch(int epoch, double trainNll, LanguageModel.Evaluation validation, int updates, long skipped,
                        double seconds) {
        /** {@code exp(trainNll)}. */
        public double trainPerplexity() { return Math.exp(trainNll); }

        @Override
        public String toString() {
            String s = String.format("epoch %d  train ppl %.3f (%.3f bits/token)", epoch, trainPerplexity(), trainNll / Math.log(2));
            if (validation != null) {
                s += String.format("  valid ppl %.3f (%.3f bits/token)", validation.perplexity(), validation.bitsPerToken());
            }
            return s + String.format("  %d updates  %.1fs", updates, seconds);
        }
    }

    private final Config config;
    private Consumer<Epoch> onEpoch = e -> { };

    /** A trainer with the given options. */
    public LanguageModelTrainer(Config config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /** Called after every epoch (e.g. {@code System.out::println}); returns this. */
    public LanguageModelTrainer onEpoch(Consumer<Epoch> callback) {
        this.onEpoch = Objects.requireNonNull(callback, "callback");
        return this;
    }

    /**
     * Trains {@code model} on {@code train}, evaluating {@code validation} after each epoch.
     *
     * @param model      the model (left in training mode)
     * @param optimizer  an optimizer over {@code model.parameters()}
     * @param train      the training token stream
     * @param validation a held-out stream evaluated with the same batch size and chunk length, or null
     * @return one entry per epoch run
     */
    public List<Epoch> fit(LanguageModel model, Optimizer optimizer, int[] train, int[] validation) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(optimizer, "optimizer");
        StepSource trainSteps = model.steps(train, config.batchSize(), config.bpttLength());
        StepSource validSteps = validation == null ? null : model.steps(validation, config.batchSize(), config.bpttLength());
        long validTokens = validation == null ? 0 : (long) config.batchSize() * (validation.length / config.batchSize() - 1);
        List<Epoch> log = new ArrayList<>();
        long start = System.nanoTime();
        Trainer trainer = Trainer.builder(model, optimizer)
                .config(Trainer.Config.of(config.epochs(), config.batchSize()).withClipNorm(config.clipNorm())
                        .withSkipNonFinite(optimizer.nonFinitePolicy() == Optimizer.NonFinitePolicy.SKIP)
                        .withLanguageModelMetrics(true).withProgress(Trainer.ProgressMode.QUIET, 0))
                .maxSeconds(config.maxSeconds())
                .out(null)
                .callback(new Callback() {
                    private long skippedBefore = optimizer.skippedSteps();

                    @Override
                    public void onEpochEnd(Trainer t, int epoch, Map<String, Double> row) {
                        LanguageModel.Evaluation valid = row.containsKey("val_loss")
                                ? new LanguageModel.Evaluation(row.get("val_loss"), validTokens) : null;
                        Epoch e = new Epoch(epoch + 1, row.get("train_loss"), valid, trainSteps.steps(),
                                optimizer.skippedSteps() - skippedBefore, (System.nanoTime() - start) / 1e9);
                        skippedBefore = optimizer.skippedSteps();
                        log.add(e);
                        onEpoch.accept(e);
                    }
                })
                .build();
        try {
            trainer.fit(trainSteps, validSteps);
        } catch (IOException e) {
            throw new UncheckedIOException(e);                  // cannot happen: no output directory
        }
        model.train(true);
        return log;
    }
}
