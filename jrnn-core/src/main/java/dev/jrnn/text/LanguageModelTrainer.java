package dev.jrnn.text;

import dev.jrnn.nn.rnn.RnnState;
import dev.jrnn.optim.Optimizer;
import dev.jrnn.train.TruncatedBptt;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Trains a {@link LanguageModel} on one long token stream with truncated backpropagation through time, as
 * Zaremba et al. (2014) and PyTorch's word-language-model example: the stream is cut into {@code batchSize}
 * parallel rows, read side by side in chunks of {@code bpttLength} steps; the recurrent state flows from chunk
 * to chunk with its graph cut ({@link TruncatedBptt}), and starts from zeros at every epoch. Each chunk is one
 * update: forward, mean cross-entropy, backward, global-norm clipping, optimizer step (SGD, Adam, ... — any
 * {@link Optimizer} over {@code model.parameters()}).
 *
 * <pre>
 * for epoch in 1..epochs (or until maxSeconds):
 *   model.train(true);  state = zeros
 *   for chunk in stream:  loss = CE(model(chunk.inputs, state), chunk.targets);  backward;  clip;  step;  state = state.detach()
 *   evaluate the validation stream (perplexity, bits per token);  report
 * </pre>
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
     * @param maxSeconds stop after the epoch during which this much time has passed (0: no limit)
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

        /** A copy that stops after the epoch in which {@code seconds} have passed (0: no limit). */
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
        TruncatedBptt stream = new TruncatedBptt(train, config.batchSize(), config.bpttLength());
        long start = System.nanoTime();
        List<Epoch> log = new ArrayList<>();
        for (int epoch = 1; epoch <= config.epochs(); epoch++) {
            model.train(true);
            TruncatedBptt.Summary<RnnState> s = stream.run(model::chunkLoss, null, optimizer, config.clipNorm());
            LanguageModel.Evaluation valid = validation == null ? null
                    : model.evaluate(validation, config.batchSize(), config.bpttLength());
            double seconds = (System.nanoTime() - start) / 1e9;
            Epoch e = new Epoch(epoch, s.meanLoss(), valid, s.chunks(), s.skipped(), seconds);
            log.add(e);
            onEpoch.accept(e);
            if (config.maxSeconds() > 0 && seconds >= config.maxSeconds()) break;
        }
        model.train(true);
        return log;
    }
}
