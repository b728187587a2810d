package dev.jrnn.train;

import dev.jrnn.autograd.Autograd;
import dev.jrnn.io.AtomicFiles;
import dev.jrnn.io.DirectoryLock;
import dev.jrnn.io.Safetensors;
import dev.jrnn.nn.Module;
import dev.jrnn.optim.GradClip;
import dev.jrnn.optim.LrSchedule;
import dev.jrnn.optim.Optimizer;
import dev.jrnn.optim.ReduceOnPlateau;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The fit loop, for any model: the model-specific forward pass and loss come from a {@link ModelStep}; the
 * trainer does the rest, in this order, each epoch:
 * <ol>
 *   <li>set the learning rate from the {@link LrSchedule} (if any);</li>
 *   <li>draw the epoch's batch order from the seeded generator (shuffled, optionally bucketed by length);</li>
 *   <li>for every batch: zero the gradients, forward + loss ({@link ModelStep}), backward, clip
 *       ({@link Config#clipValue()}, {@link Config#clipNorm()}), the divergence check ({@link Divergence}: a loss
 *       that is not finite or exploded stops the run), the checkpoint of the previous step when one is due (every
 *       {@link Config#checkpointEverySteps()} steps: written only now that this loss shows its weights sane) and
 *       {@link Callback#beforeStep}, check that every gradient is finite and step ({@link Optimizer#checkedStep}),
 *       accumulate the metrics, show progress, call the callbacks;</li>
 *   <li>validate (model in eval mode, no graph);</li>
 *   <li>log the epoch's row (console, {@code metrics.csv}, {@code metrics.jsonl}, {@code plots/});
 *       {@link ReduceOnPlateau}; early stopping; checkpoint; callbacks.</li>
 * </ol>
 *
 * <p>Files, all in the output directory when one is set: {@code metrics.csv}, {@code metrics.jsonl} (rewritten
 * atomically after each epoch), {@code checkpoint.safetensors} (the latest checkpoint, see {@link Checkpoint}),
 * {@code model.safetensors} (the final parameters) and, with XChart on the class path, PNG plots in
 * {@code plots/}.
 *
 * <p>Determinism: with a fixed seed, on one thread, two runs give the same bits, and a run resumed from a
 * checkpoint ({@link #resumeFrom(Path)}) continues exactly as the uninterrupted one would have. Every random
 * generator the model uses (e.g. dropout's) must be registered with {@link Builder#rng(String, Rng)} for that.
 *
 * <pre>{@code
 * Trainer trainer = Trainer.builder(model, new Adam(model.parameters(), Adam.Config.adam(1e-3)), step)
 *         .config(Trainer.Config.of(10, 32).withClipNorm(1.0).withEarlyStopping(3))
 *         .outputDir(Path.of("runs/parity"))
 *         .build();
 * History history = trainer.fit(train, validation);
 * }</pre>
 */
public final class Trainer {

    /** How progress is shown during an epoch. */
    public enum ProgressMode {
        /** A bar when printing to the standard output and that is a terminal (right on every JDK), lines otherwise. */
        AUTO,
        /** Always a bar redrawn in place. */
        BAR,
        /** Plain log lines every {@link Config#logEverySteps()} steps. */
        LINES,
        /** Only the one summary line per epoch ({@code none} is accepted as an alias on the command line). */
        QUIET
    }

    /**
     * Every setting of the fit loop, in one place.
     *
     * @param epochs                number of epochs, &gt;= 1
     * @param batchSize             sequences per batch, &gt;= 1
     * @param bucketBatches         batches per length bucket ({@link SequenceDataset#epochOrder}); 0 = no bucketing
     * @param shuffle               shuffle the training data every epoch (with the seeded generator)
     * @param seed                  seed of the shuffling generator
     * @param clipNorm              rescale all gradients together to this global L2 norm when larger
     *                              ({@link GradClip#byGlobalNorm}); 0 = off (Pascanu et al. 2013; 1 to 5 for RNNs)
     * @param clipValue             clamp every gradient element to [-clipValue, clipValue] first; 0 = off
     * @param skipNonFinite         skip (and count) steps whose gradients are NaN/infinite instead of failing
     * @param earlyStoppingPatience stop after this many epochs without improvement of {@code monitor}; 0 = off
     * @param minDelta              the smallest decrease of {@code monitor} that counts as an improvement, &gt;= 0
     * @param monitor               the metric watched by early stopping and {@link ReduceOnPlateau}; null means
     *                              {@code val_loss}, or {@code train_loss} without validation. Lower is better,
     *                              except for accuracies and F1 scores ({@link #higherIsBetter}), as Keras' {@code
     *                              mode="auto"}
     * @param restoreBest           with early stopping: put back the parameters of the best epoch when {@code fit}
     *                              ends (early or after the last epoch; not after {@link #requestStop()})
     * @param checkpointEveryEpochs write {@code checkpoint.safetensors} every this many epochs; 0 = never
     * @param checkpointEverySteps  also write it every this many optimizer steps (mid-epoch); 0 = never
     * @param progress              how progress is shown
     * @param logEverySteps         in {@link ProgressMode#LINES}, a line every this many steps; 0 = none
     * @param languageModel         the loss is a mean negative log-likelihood per token: also report
     *                              perplexity ({@code train_ppl}, {@code val_ppl}) and bits per character
     *                              ({@code train_bpc}, {@code val_bpc})
     */
    public record Config(int epochs, int batchSize, int bucketBatches, boolean shuffle, long seed, double clipNorm,
                         double clipValue, boolean skipNonFinite, int earlyStoppingPatience, double minDelta,
                         String monitor, boolean restoreBest, int checkpointEveryEpochs, int checkpointEverySteps,
                         ProgressMode progress, int logEverySteps, boolean languageModel) {
        /** Validates every field. */
        public Config {
            if (epochs < 1 || batchSize < 1 || bucketBatches < 0 || earlyStoppingPatience < 0 || checkpointEveryEpochs < 0
                    || checkpointEverySteps < 0 || logEverySteps < 0) {
                throw new IllegalArgumentException("Trainer.Config: needs epochs >= 1, batchSize >= 1 and bucketBatches, "
                        + "earlyStoppingPatience, checkpointEvery*, logEverySteps >= 0; got " + this);
            }
            if (!(clipNorm >= 0) || !(clipValue >= 0) || !(minDelta >= 0) || Double.isInfinite(clipNorm)
                    || Double.isInfinite(clipValue)) {
                throw new IllegalArgumentException("Trainer.Config: clipNorm, clipValue and minDelta must be finite "
                        + "numbers >= 0 (0 = off); got clipNorm=" + clipNorm + ", clipValue=" + clipValue
                        + ", minDelta=" + minDelta);
            }
            Objects.requireNonNull(progress, "progress");
        }

        /**
         * Defaults: shuffled, seed 42, no bucketing, no clipping, non-finite gradients fail, no early stopping,
         * a checkpoint every epoch (when there is an output directory), progress {@link ProgressMode#AUTO} with a
         * line every 50 steps.
         */
        public static Config of(int epochs, int batchSize) {
            return new Config(epochs, batchSize, 0, true, 42, 0, 0, false, 0, 0, null, true, 1, 0,
                    ProgressMode.AUTO, 50, false);
        }

        /** With the given number of epochs. */
        public Config withEpochs(int n) {
            return with(f -> f.epochs = n);
        }

        /** With global-norm clipping at {@code maxNorm} (0 = off). */
        public Config withClipNorm(double maxNorm) {
            return with(f -> f.clipNorm = maxNorm);
        }

        /** With element-wise clipping at {@code limit} (0 = off). */
        public Config withClipValue(double limit) {
            return with(f -> f.clipValue = limit);
        }

        /** With the given shuffling seed. */
        public Config withSeed(long s) {
            return with(f -> f.seed = s);
        }

        /** With bucketing by length over groups of {@code batches} batches (0 = off). */
        public Config withBucketing(int batches) {
            return with(f -> f.bucketBatches = batches);
        }

        /** Skipping (true) or failing on (false) non-finite gradients. */
        public Config withSkipNonFinite(boolean skip) {
            return with(f -> f.skipNonFinite = skip);
        }

        /** With early stopping after {@code patience} epochs without improvement (0 = off). */
        public Config withEarlyStopping(int patience) {
            return with(f -> f.earlyStoppingPatience = patience);
        }

        /**
         * Watching {@code metric} for early stopping and plateaus: lower is better, except for the metrics
         * {@link Trainer#higherIsBetter} names (accuracies, F1).
         */
        public Config withMonitor(String metric) {
            return with(f -> f.monitor = metric);
        }

        /** Checkpointing every {@code epochsBetween} epochs and every {@code stepsBetween} steps (0 = off). */
        public Config withCheckpoints(int epochsBetween, int stepsBetween) {
            return with(f -> {
                f.checkpointEveryEpochs = epochsBetween;
                f.checkpointEverySteps = stepsBetween;
            });
        }

        /** With the given progress display and line interval. */
        public Config withProgress(ProgressMode mode, int everySteps) {
            return with(f -> {
                f.progress = mode;
                f.logEverySteps = everySteps;
            });
        }

        /** Reporting perplexity and bits per character from the loss (language models). */
        public Config withLanguageModelMetrics(boolean on) {
            return with(f -> f.languageModel = on);
        }

        /** A copy with {@code change} applied to its fields, validated again by the canonical constructor. */
        private Config with(java.util.function.Consumer<Fields> change) {
            Fields f = new Fields(this);
            change.accept(f);
            return f.config();
        }

        /** The fields of a {@link Config}, open for one wither to change: every field is named once here, not per wither. */
        private static final class Fields {
            int epochs, batchSize, bucketBatches, earlyStoppingPatience, checkpointEveryEpochs, checkpointEverySteps,
                    logEverySteps;
            boolean shuffle, skipNonFinite, restoreBest, languageModel;
            long seed;
            double clipNorm, clipValue, minDelta;
            String monitor;
            ProgressMode progress;

            Fields(Config c) {
                epochs = c.epochs; batchSize = c.batchSize; bucketBatches = c.bucketBatches; shuffle = c.shuffle;
                seed = c.seed; clipNorm = c.clipNorm; clipValue = c.clipValue; skipNonFinite = c.skipNonFinite;
                earlyStoppingPatience = c.earlyStoppingPatience; minDelta = c.minDelta; monitor = c.monitor;
                restoreBest = c.restoreBest; checkpointEveryEpochs = c.checkpointEveryEpochs;
                checkpointEverySteps = c.checkpointEverySteps; progress = c.progress; logEverySteps = c.logEverySteps;
                languageModel = c.languageModel;
            }

            Config config() {
                return new Config(epochs, batchSize, bucketBatches, shuffle, seed, clipNorm, clipValue, skipNonFinite,
                        earlyStoppingPatience, minDelta, monitor, restoreBest, checkpointEveryEpochs, checkpointEverySteps,
                        progress, logEverySteps, languageModel);
            }
        }
    }

    /** The largest step count a checkpoint may hold: counts are stored as float64 too, exact up to 2^53. */
    static final long MAX_STEPS = 1L << 53;

    /** The checkpoint file name in the output directory. */
    public static final String CHECKPOINT_FILE = "checkpoint.safetensors";
    /** The final parameters' file name in the output directory. */
    public static final String MODEL_FILE = "model.safetensors";
    /** The CSV metrics log's file name. */
    public static final String CSV_FILE = "metrics.csv";
    /** The JSON-lines metrics log's file name. */
    public static final String JSONL_FILE = "metrics.jsonl";

    private final Module model;
    private final Optimizer optimizer;
    private final ModelStep step;
    private final Config config;
    private final Path outputDir;
    private final LrSchedule schedule;
    private final ReduceOnPlateau plateau;
    private final List<Callback> callbacks;
    private final Map<String, Rng> rngs;
    private final Rng shuffleRng;
    private final PrintStream out;
    private final String runConfigJson;
    private final double maxSeconds;
    private final long maxSteps;
    private final double logEverySeconds;

    // where the run stands (all saved in checkpoints)
    private History history = new History();
    private int epoch;                 // the epoch being (or next to be) trained, 0-based
    private int batchInEpoch;          // the next batch of that epoch
    private long epochRngState;        // the shuffling generator's state when the epoch's order was drawn
    private long globalStep;           // batches processed (stepped or skipped)
    private Meter trainMeter = new Meter();
    private double bestMonitor = Double.POSITIVE_INFINITY;
    private int badEpochs;
    private boolean resumed;
    private volatile boolean stopRequested;
    private Divergence divergence = new Divergence();
    private boolean stepCheckpointDue;     // a step checkpoint waits for the next step's loss (see fit)
    private Map<String, NdArray> bestWeights;
    private Map<String, NdArray> carriedOnResume = Map.of();
    private StepSource currentTrain;           // the source being trained on, for the carried state of a checkpoint
    private Progress progress;                 // the running fit's display   // a resumed epoch's carried state (truncated BPTT)
    private String stopReason;                 // why the last fit stopped before its epochs were done, or null
    private Map<String, Double> finalRow;      // a mid-epoch stop's row (partial epoch, its validation), or null
    private double validationSeconds = Double.NaN;   // the last whole validation's time, for the time budget
    private double validationSpent;            // seconds this fit spent validating
    private double firstStepSeconds;           // this fit's first step (JIT warm-up included), left out of the step time
    private double validFraction = 1;          // the share of the validation data the last validation scored

    private Trainer(Builder b) {
        this.model = b.model;
        this.optimizer = b.optimizer;
        this.step = b.step;
        this.config = b.config;
        this.outputDir = b.outputDir;
        this.schedule = b.schedule;
        this.plateau = b.plateau;
        this.callbacks = List.copyOf(b.callbacks);
        this.rngs = new LinkedHashMap<>(b.rngs);
        this.out = b.out;
        this.runConfigJson = b.runConfigJson;
        this.maxSeconds = b.maxSeconds;
        this.maxSteps = b.maxSteps;
        this.logEverySeconds = b.logEverySeconds;
        model.generators().forEach((n, r) -> {                 // dropout masks: every stacked layer's too
            if (!rngs.containsValue(r)) rngs.put("model." + n, r);
        });
        this.shuffleRng = new Rng(config.seed());
        this.epochRngState = shuffleRng.state();
        if (schedule != null && plateau != null) {
            throw new IllegalArgumentException("Trainer: use an LrSchedule or a ReduceOnPlateau, not both (the schedule "
                    + "would overwrite the plateau's reductions every epoch)");
        }
        optimizer.names(model.namedParameters());   // names in state keys and error messages; fails if not the model's
        optimizer.nonFinitePolicy(config.skipNonFinite() ? Optimizer.NonFinitePolicy.SKIP : Optimizer.NonFinitePolicy.THROW);
    }

    /**
     * A builder; the model, its optimizer and the model step are required.
     *
     * @param model     the model (its parameters are checkpointed by name)
     * @param optimizer an optimizer over the model's parameters
     * @param step      forward pass and loss of one batch
     */
    public static Builder builder(Module model, Optimizer optimizer, ModelStep step) {
        return new Builder(model, optimizer, Objects.requireNonNull(step, "step"));
    }

    /**
     * A builder for runs over {@link StepSource}s ({@link #fit(StepSource, StepSource)}), which bring their own step.
     *
     * @param model     the model (its parameters are checkpointed by name)
     * @param optimizer an optimizer over the model's parameters
     */
    public static Builder builder(Module model, Optimizer optimizer) {
        return new Builder(model, optimizer, null);
    }

    /** Options of a {@link Trainer}; only the constructor arguments of {@link #builder} are required. */
    public static final class Builder {
        private final Module model;
        private final Optimizer optimizer;
        private final ModelStep step;
        private Config config = Config.of(1, 32);
        private Path outputDir;
        private LrSchedule schedule;
        private ReduceOnPlateau plateau;
        private final List<Callback> callbacks = new ArrayList<>();
        private final Map<String, Rng> rngs = new LinkedHashMap<>();
        private PrintStream out = System.out;
        private String runConfigJson = "{}";
        private double maxSeconds;
        private long maxSteps;
        private double logEverySeconds;

        private Builder(Module model, Optimizer optimizer, ModelStep step) {
            this.model = Objects.requireNonNull(model, "model");
            this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
            this.step = step;
        }

        /**
         * A time budget for each {@link #fit} call, validation included (0 = none): training stops when another step
         * and the last validation would no longer fit, and a validation still running when the budget is out ends
         * there, scored on the part done.
         */
        public Builder maxSeconds(double seconds) {
            if (!(seconds >= 0) || Double.isInfinite(seconds)) {
                throw new IllegalArgumentException("Trainer.Builder.maxSeconds: needs a finite number >= 0 (0 = none), got " + seconds);
            }
            this.maxSeconds = seconds;
            return this;
        }

        /** Stops once this many steps are done in all, counting those before a resume (0 = no limit). */
        public Builder maxSteps(long steps) {
            if (steps < 0) throw new IllegalArgumentException("Trainer.Builder.maxSteps: needs >= 0 (0 = none), got " + steps);
            this.maxSteps = steps;
            return this;
        }

        /** In {@link ProgressMode#LINES}, also a line at least this often (0 = by steps only). */
        public Builder logEverySeconds(double seconds) {
            this.logEverySeconds = Math.max(0, seconds);
            return this;
        }

        /** The loop's settings (default {@code Config.of(1, 32)}). */
        public Builder config(Config c) { this.config = Objects.requireNonNull(c); return this; }

        /** Where logs, checkpoints, plots and the final model go (created if needed); null for no files. */
        public Builder outputDir(Path dir) { this.outputDir = dir; return this; }

        /** A learning rate per epoch, applied at the start of every epoch. */
        public Builder schedule(LrSchedule s) { this.schedule = s; return this; }

        /** Lowers the learning rate when {@link Config#monitor()} stops improving (checked every epoch). */
        public Builder plateau(ReduceOnPlateau p) { this.plateau = p; return this; }

        /** Adds a user callback. */
        public Builder callback(Callback c) { this.callbacks.add(Objects.requireNonNull(c)); return this; }

        /**
         * Registers a generator the model draws from outside its modules, so checkpoints save and restore its state
         * (the model's own {@link Module#generators()}, dropout's in every layer, are registered by themselves).
         */
        public Builder rng(String name, Rng rng) {
            if (name == null || name.isEmpty() || name.equals("shuffle") || name.startsWith("model.")) {
                throw new IllegalArgumentException("Trainer.Builder.rng: needs a name other than 'shuffle', got " + name);
            }
            this.rngs.put(name, Objects.requireNonNull(rng));
            return this;
        }

        /** Where progress and epoch summaries are printed (default {@code System.out}; null for silence). */
        public Builder out(PrintStream out) { this.out = out; return this; }

        /** A JSON text describing the run (model options, data...), stored in every checkpoint as {@code config}. */
        public Builder runConfig(String json) { this.runConfigJson = Objects.requireNonNull(json); return this; }

        /** The trainer. */
        public Trainer build() { return new Trainer(this); }
    }

    // ------------------------------------------------------------------ the loop

    /**
     * Trains on {@code train}, validating on {@code validation} after every epoch, until {@link Config#epochs()}
     * epochs are done, early stopping triggers or a callback calls {@link #requestStop()}. After
     * {@link #resumeFrom(Path)} it continues where the checkpoint left off.
     *
     * @param train      the training data
     * @param validation the validation data, or null
     * @return the metrics of every epoch (including those before a resume)
     * @throws IOException when a log or checkpoint cannot be written, or another run holds the output directory
     *         ({@link DirectoryLock.Busy}; the directory is locked for the whole call, and temporary files that a run
     *         killed mid-write left in it are removed first)
     * @throws dev.jrnn.optim.DivergedException when the loss is not finite or exploded ({@link Divergence}); the
     *         model file is then not written
     * @throws dev.jrnn.optim.NonFiniteGradientException when a gradient is not finite and
     *         {@link Config#skipNonFinite()} is off
     */
    public History fit(SequenceDataset train, SequenceDataset validation) throws IOException {
        if (step == null) {
            throw new IllegalStateException("Trainer.fit: datasets need a ModelStep (Trainer.builder(model, optimizer, step)); "
                    + "without one, pass StepSources to fit(StepSource, StepSource)");
        }
        return fit(StepSource.batches(train, step, config.batchSize(), config.bucketBatches()),
                validation == null ? null : StepSource.batches(validation, step, config.batchSize(), 0));
    }

    /**
     * Trains on the steps of {@code train} (shuffled batches, truncated-BPTT chunks...), validating on
     * {@code validation} after every epoch, until {@link Config#epochs()} epochs are done, early stopping triggers,
     * the time budget or step limit is reached ({@link Builder#maxSeconds}, {@link Builder#maxSteps}) or
     * {@link #requestStop()} is called. After {@link #resumeFrom(Path)} it continues where the checkpoint left off.
     * The same exceptions as {@link #fit(SequenceDataset, SequenceDataset)}.
     *
     * @param train      the training steps
     * @param validation the validation steps, or null
     * @return the metrics of every completed epoch (including those before a resume)
     */
    public History fit(StepSource train, StepSource validation) throws IOException {
        Objects.requireNonNull(train, "train");
        if (outputDir == null) {
            return fitUnlocked(train, validation);
        }
        try (DirectoryLock ignored = DirectoryLock.acquire(outputDir)) {          // one writer per output directory
            AtomicFiles.removeTemporaryFiles(outputDir);                          // left by a run killed mid-write
            return fitUnlocked(train, validation);
        }
    }

    private History fitUnlocked(StepSource train, StepSource validation) throws IOException {
        long started = System.nanoTime();
        progress = new Progress(out, config.progress(), config.logEverySteps(), logEverySeconds, config.languageModel());
        currentTrain = train;
        progress.line(String.format(Locale.ROOT, "training %d parameters on %s%s%s%s", model.parameterCount(),
                train.describe(), validation == null ? "" : ", validating on " + validation.describe(),
                outputDir == null ? "" : "; files in " + outputDir,
                resumed ? "; resuming at epoch " + (epoch + 1) + " step " + (batchInEpoch + 1) : ""));
        stopRequested = false;
        stopReason = null;
        finalRow = null;
        validationSeconds = Double.NaN;
        validationSpent = 0;
        divergence = new Divergence();                          // the explosion rule's reference: this call's first loss
        stepCheckpointDue = false;
        long firstStep = globalStep;
        if (maxSteps > 0 && globalStep >= maxSteps) stopReason = "step limit reached";
        while (epoch < config.epochs() && stopReason == null && !stopRequested) {
            if (schedule != null) {
                optimizer.setLr(schedule.lr(epoch));
            }
            if (!resumed) {                                     // a fresh epoch: draw its order from the generator now
                epochRngState = shuffleRng.state();
                batchInEpoch = 0;
                trainMeter = new Meter();
                carriedOnResume = Map.of();
            }
            resumed = false;
            shuffleRng.setState(epochRngState);
            train.startEpoch(config.shuffle() ? shuffleRng : null);
            try {
                train.restoreCarried(carriedOnResume);          // where a resumed epoch stopped (truncated BPTT)
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Trainer.fit: the checkpoint's carried state does not fit this data: "
                        + e.getMessage(), e);
            }
            carriedOnResume = Map.of();
            int steps = train.steps();
            for (Callback c : callbacks) c.onEpochStart(this, epoch);
            model.train(true);
            long epochStarted = System.nanoTime();
            int firstBatch = batchInEpoch;
            if (firstBatch > steps) {
                throw new IllegalArgumentException("Trainer.fit: the checkpoint resumes at step " + firstBatch
                        + " of epoch " + (epoch + 1) + ", which has only " + steps + " steps; was the data changed?");
            }
            progress.startEpoch(epoch, config.epochs(), steps, firstBatch);
            while (batchInEpoch < steps && stopReason == null && !stopRequested) {
                optimizer.zeroGrad();
                StepOutput result = train.step(batchInEpoch, true);          // forward and loss
                double loss = result.loss().item();
                result.loss().backward();                                    // gradients
                double norm = clip();                                        // global norm before clipping
                if (!config.skipNonFinite() || Double.isFinite(loss) && Double.isFinite(norm)) {
                    divergence.check(globalStep + 1, loss, norm);            // NaN or exploded: stop before the update
                }
                if (Double.isFinite(loss) && Double.isFinite(norm)) {
                    if (stepCheckpointDue) saveCheckpoint();                 // the last step's, its weights proven sane
                    for (Callback c : callbacks) c.beforeStep(this, globalStep + 1, loss, norm);
                }
                stepCheckpointDue = false;
                boolean stepped = optimizer.checkedStep(loss);               // NaN/Inf check, then the update
                if (stepped) {
                    trainMeter.add(result);
                    trainMeter.add("grad_norm", norm, 1);
                }
                batchInEpoch++;
                globalStep++;
                progress.update(batchInEpoch, trainMeter.mean("loss"));
                for (Callback c : callbacks) c.onBatchEnd(this, globalStep, loss, norm);
                // mid-epoch (resumes at batchInEpoch); written before the next step is applied, once its loss has shown
                // these weights sane, so that a run that diverges keeps a good checkpoint
                stepCheckpointDue = outputDir != null && config.checkpointEverySteps() > 0
                        && globalStep % config.checkpointEverySteps() == 0 && batchInEpoch < steps;
                stopReason = budgetReached(started, firstStep, validation, batchInEpoch == steps);
            }
            if (stepCheckpointDue) {
                saveCheckpoint();                                            // stopped right after a checkpoint step
                stepCheckpointDue = false;
            }
            if (batchInEpoch < steps) {                                      // stopped mid-epoch
                if (stopReason != null) {                                    // by a budget: score what there is
                    double seconds = (System.nanoTime() - epochStarted) / 1e9;
                    finalRow = epochRow(validation, seconds, started);
                    finalRow.put("epoch", epoch + (double) batchInEpoch / steps);
                    progress.endEpoch(summary(finalRow, seconds, batchInEpoch - firstBatch)
                            + String.format(Locale.ROOT, "  (%s after %d of %d steps)", stopReason, batchInEpoch, steps));
                    writeLogs();
                }
                break;
            }
            double seconds = (System.nanoTime() - epochStarted) / 1e9;
            Map<String, Double> row = epochRow(validation, seconds, started);
            history.add(row);
            progress.endEpoch(summary(row, seconds, steps - firstBatch));
            writeLogs();
            double monitored = signed(row.getOrDefault(monitorName(validation), Double.NaN));
            if (plateau != null && Double.isFinite(monitored)) {
                optimizer.setLr(plateau.update(monitored, optimizer.lr()));
            }
            boolean stop = earlyStopping(monitored);
            epoch++;
            batchInEpoch = 0;
            epochRngState = shuffleRng.state();
            trainMeter = new Meter();
            if (outputDir != null && config.checkpointEveryEpochs() > 0 && epoch % config.checkpointEveryEpochs() == 0) {
                saveCheckpoint();
            }
            for (Callback c : callbacks) c.onEpochEnd(this, epoch - 1, row);
            if (stop) {
                history.markStoppedEarly();
                progress.line("early stopping: " + monitorName(validation) + " has not improved for "
                        + config.earlyStoppingPatience() + " epochs (best " + signed(bestMonitor) + ")");
                break;
            }
        }
        if (stopRequested && stopReason == null) stopReason = "interrupted";
        if (bestWeights != null && config.restoreBest() && !stopRequested) {
            model.loadStateDict(bestWeights);                                // the best epoch's, on validation
            progress.line(String.format(Locale.ROOT, "restored the parameters of the best epoch (%s %.4f)",
                    monitorName(validation), signed(bestMonitor)));
        }
        if (outputDir != null) {
            Divergence.requireFinite(model, globalStep);
            Safetensors.write(outputDir.resolve(MODEL_FILE), model.stateDict(), Map.of("format", "jrnn-weights"));
            Plots.write(history, outputDir.resolve("plots"), progress);
        }
        return history;
    }

    /**
     * Whether a budget ends the run after this step: the step limit, or a time budget that would not fit another step
     * and the last validation (and the epoch-end one when the epoch just ended). Until a validation has been timed, it
     * is estimated as half a step per validation chunk, the step time measured without this fit's first step (the
     * JIT warm-up); after the first step alone only another step has to fit.
     *
     * @return the reason, or null to go on
     */
    private String budgetReached(long started, long firstStep, StepSource validation, boolean epochEnds) {
        if (maxSteps > 0 && globalStep >= maxSteps) return "step limit reached";
        if (maxSeconds <= 0) return null;
        double elapsed = (System.nanoTime() - started) / 1e9;
        long done = globalStep - firstStep;
        if (done == 1) firstStepSeconds = elapsed - validationSpent;
        // the first step carries the JIT warm-up (often many times a later step): estimate from the later ones, and
        // after the first step alone keep no validation reserve, which it would overstate by as much
        double perStep = done > 1 ? (elapsed - validationSpent - firstStepSeconds) / (done - 1) : elapsed - validationSpent;
        double reserve = validation == null ? 0 : !Double.isNaN(validationSeconds) ? validationSeconds
                : done <= 1 ? 0 : 0.5 * perStep * validation.steps();   // a forward costs about a third of a step: be safe
        double need = perStep + reserve + (epochEnds ? reserve : 0);
        return elapsed + need >= maxSeconds ? "time budget reached" : null;
    }

    /** Applies the configured clipping; returns the global gradient norm before clipping. */
    private double clip() {
        if (config.clipValue() > 0) {
            GradClip.byValue(optimizer.parameters(), config.clipValue());
        }
        return config.clipNorm() > 0 ? GradClip.byGlobalNorm(optimizer.parameters(), config.clipNorm())
                : GradClip.globalNorm(optimizer.parameters());
    }

    /** The epoch's row: counters, training means, then validation means (within the time budget). */
    private Map<String, Double> epochRow(StepSource validation, double seconds, long started) {
        Map<String, Double> row = new LinkedHashMap<>();
        row.put("epoch", (double) (epoch + 1));
        row.put("step", (double) optimizer.steps());
        row.put("lr", optimizer.lr());
        row.put("time_s", seconds);
        row.put("skipped", (double) optimizer.skippedSteps());
        trainMeter.means().forEach((k, v) -> row.put("train_" + k, v));
        if (config.languageModel()) {
            addLanguageModelMetrics(row, "train_");
        }
        if (validation != null && !stopRequested) {
            long t0 = System.nanoTime();
            double deadline = maxSeconds > 0 ? started + maxSeconds * 1e9 : Double.POSITIVE_INFINITY;
            Map<String, Double> v = evaluate(validation, deadline);
            double took = (System.nanoTime() - t0) / 1e9;
            validationSpent += took;
            validationSeconds = took / validFraction;                     // the whole pass's time
            divergence.checkLoss(globalStep, "the validation loss", v.getOrDefault("loss", Double.NaN));
            v.forEach((k, x) -> row.put("val_" + k, x));
            if (config.languageModel()) {
                addLanguageModelMetrics(row, "val_");
            }
            if (validFraction < 1) row.put("val_fraction", validFraction);
        }
        return row;
    }

    private static void addLanguageModelMetrics(Map<String, Double> row, String prefix) {
        double nll = row.getOrDefault(prefix + "loss", Double.NaN);
        row.put(prefix + "ppl", Metrics.perplexity(nll));
        row.put(prefix + "bpc", Metrics.bitsPerCharacter(nll));
    }

    /**
     * The loss and metrics on {@code data}, in order, with the model in evaluation mode and no graph recorded;
     * the model is put back in training mode afterwards.
     *
     * @return weighted means by name ({@code loss} and the step's metrics)
     */
    public Map<String, Double> evaluate(SequenceDataset data) {
        if (step == null) throw new IllegalStateException("Trainer.evaluate: no ModelStep; use evaluate(StepSource)");
        return evaluate(StepSource.batches(data, step, config.batchSize(), 0));
    }

    /** {@link #evaluate(SequenceDataset)} over the steps of any source (one epoch of it, in order). */
    public Map<String, Double> evaluate(StepSource data) {
        return evaluate(data, Double.POSITIVE_INFINITY);
    }

    /** Evaluates until {@code deadline} ({@link System#nanoTime()}); the share done goes to {@link #validFraction}. */
    private Map<String, Double> evaluate(StepSource data, double deadline) {
        Meter meter = new Meter();
        model.eval();
        data.startEpoch(null);
        int steps = data.steps(), done = 0;
        long t0 = System.nanoTime();
        try (Autograd.Scope ignored = Autograd.noGrad()) {
            while (done < steps && (done == 0 || System.nanoTime() < deadline && !stopRequested)) {
                meter.add(data.step(done, false));
                done++;
                if (steps > 1 && progress != null) progress.validating(done, steps, (System.nanoTime() - t0) / 1e9);
            }
        } finally {
            model.train(true);
        }
        validFraction = (double) done / steps;
        return meter.means();
    }

    private String monitorName(StepSource validation) {
        if (config.monitor() != null) {
            return config.monitor();
        }
        return validation != null ? "val_loss" : "train_loss";
    }

    /**
     * Whether a larger value of {@code metric} is better, as Keras' {@code mode="auto"} decides it from the name: an
     * accuracy ({@code acc}, {@code accuracy}, or ending in {@code _acc}/{@code _accuracy}, e.g. {@code val_acc},
     * {@code token_accuracy}), an F1 score ({@code f1}, {@code _f1}) or {@code exact_match}, with or without a
     * {@code train_}/{@code val_} prefix. Everything else (losses, perplexity, bits per character, errors) is
     * better lower.
     */
    public static boolean higherIsBetter(String metric) {
        String m = metric.toLowerCase(Locale.ROOT).replaceFirst("^(train_|val_)", "");
        return m.equals("acc") || m.equals("accuracy") || m.endsWith("_acc") || m.endsWith("_accuracy")
                || m.equals("f1") || m.endsWith("_f1") || m.equals("exact_match");
    }

    /** The monitored value with its sign set so that lower is better (the counters compare that way). */
    private double signed(double v) {
        return config.monitor() != null && higherIsBetter(config.monitor()) ? -v : v;
    }

    /** Updates the early-stopping counters; true when training should stop. */
    private boolean earlyStopping(double monitored) {
        if (config.earlyStoppingPatience() == 0 && plateau == null) {
            return false;
        }
        if (monitored < bestMonitor - config.minDelta()) {
            bestMonitor = monitored;
            badEpochs = 0;
            if (config.restoreBest() && config.earlyStoppingPatience() > 0) {
                bestWeights = new LinkedHashMap<>();
                model.stateDict().forEach((n, v) -> bestWeights.put(n, v.copy()));
            }
            return false;
        }
        badEpochs++;
        return config.earlyStoppingPatience() > 0 && badEpochs >= config.earlyStoppingPatience();
    }

    private String summary(Map<String, Double> row, double seconds, int batches) {
        int e = (int) Math.ceil(row.get("epoch"));
        StringBuilder sb = new StringBuilder(config.epochs() == Integer.MAX_VALUE ? "epoch " + e
                : String.format(Locale.ROOT, "epoch %d/%d", e, config.epochs()));
        row.forEach((k, v) -> {
            if (k.startsWith("train_") || k.startsWith("val_")) {
                sb.append(String.format(Locale.ROOT, "  %s %.4f", k, v));
            }
        });
        sb.append(String.format(Locale.ROOT, "  lr %.3g  %.1f steps/s  %.1fs", row.get("lr"),
                seconds > 0 ? batches / seconds : 0, seconds));
        if (optimizer.skippedSteps() > 0) {
            sb.append("  skipped ").append(optimizer.skippedSteps()).append(" non-finite steps");
        }
        return sb.toString();
    }

    private boolean showBar() {
        return switch (config.progress()) {
            case BAR -> true;
            case AUTO -> System.console() != null && out == System.out;
            default -> false;
        };
    }

    private void writeLogs() throws IOException {
        if (outputDir == null) {
            return;
        }
        History h = historyWithFinalRow();
        AtomicFiles.write(outputDir.resolve(CSV_FILE), h.toCsv().getBytes(StandardCharsets.UTF_8));
        AtomicFiles.write(outputDir.resolve(JSONL_FILE), h.toJsonLines().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Asks the loop to stop after the current batch (from a callback, or from another thread, e.g. a shutdown hook on
     * Ctrl-C). {@link #fit} then returns as after the last epoch: with the model file written when there is an output
     * directory; a caller that wants a checkpoint of where it stopped writes it with {@link #saveCheckpoint}.
     */
    public void requestStop() {
        stopRequested = true;
    }

    /** Whether {@link #requestStop()} was called during the current (or last) {@link #fit}. */
    public boolean stopRequested() {
        return stopRequested;
    }

    // ------------------------------------------------------------------ checkpoints

    /**
     * Writes {@code checkpoint.safetensors} in the output directory now (atomically; see {@link Checkpoint}).
     *
     * @throws IllegalStateException when no output directory is set
     */
    public void saveCheckpoint() throws IOException {
        if (outputDir == null) {
            throw new IllegalStateException("Trainer.saveCheckpoint: no output directory; set Builder.outputDir");
        }
        saveCheckpoint(outputDir.resolve(CHECKPOINT_FILE));
    }

    /** Writes a checkpoint of the run as it stands to {@code path} (atomically). */
    public void saveCheckpoint(Path path) throws IOException {
        saveCheckpoint(path, Map.of());
    }

    /**
     * Writes a checkpoint of the run as it stands to {@code path} (atomically), with extra metadata (e.g.
     * {@code stopped = interrupted}); the extra keys must not be the trainer's own.
     */
    public void saveCheckpoint(Path path, Map<String, String> extra) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("epoch", Integer.toString(epoch));
        meta.put("batch", Integer.toString(batchInEpoch));
        meta.put("step", Long.toString(globalStep));
        meta.put("rng.shuffle", Long.toString(epochRngState));
        rngs.forEach((n, r) -> meta.put("rng." + n, Long.toString(r.state())));
        meta.put("meter", trainMeter.encode());
        meta.put("early.best", Double.toString(bestMonitor));
        meta.put("early.bad", Integer.toString(badEpochs));
        if (plateau != null) {
            meta.put("plateau.best", Double.toString(plateau.best()));
            meta.put("plateau.bad", Integer.toString(plateau.badEpochs()));
        }
        meta.put("history", history.toCsv());
        meta.put("trainer", config.toString());
        meta.put("optimizer.config", optimizer.toString());
        meta.put("config", runConfigJson);
        extra.forEach((k, v) -> {
            if (meta.putIfAbsent(k, v) != null) {
                throw new IllegalArgumentException("Trainer.saveCheckpoint: metadata key '" + k + "' is the trainer's own");
            }
        });
        Map<String, NdArray> carried = batchInEpoch == 0 ? Map.of()                 // an epoch starts from zeros
                : currentTrain != null ? currentTrain.carried() : carriedOnResume;
        Checkpoint.write(path, model, optimizer, meta, carried);
    }

    /**
     * Restores the model, the optimizer, every registered generator, the data position and the history from a
     * checkpoint; the next {@link #fit} continues from there exactly. Everything is validated before anything
     * is changed.
     *
     * @throws IOException              when the file is missing or damaged
     * @throws IllegalArgumentException when it does not fit this model, optimizer or trainer
     */
    public void resumeFrom(Path path) throws IOException {
        Checkpoint cp = Checkpoint.read(path);
        // read and range-check every value first, so that a bad one changes nothing; every epoch has at least one
        // batch, so neither the epoch nor the batch within it can exceed the step count (exact in float64 to 2^53)
        long cpStep = cp.getLong("step", 0, MAX_STEPS);
        int cpEpoch = cp.getInt("epoch", 0, (int) Math.min(cpStep, Integer.MAX_VALUE - 1));
        int cpBatch = cp.getInt("batch", 0, (int) Math.min(cpStep, Integer.MAX_VALUE - 1));
        long cpShuffle = cp.getLong("rng.shuffle");              // SplitMix64: every long is a valid state
        Map<String, Long> cpRngs = new LinkedHashMap<>();
        for (String n : rngs.keySet()) {
            cpRngs.put(n, cp.getLong("rng." + n));
        }
        Meter meter;
        History h;
        try {
            meter = Meter.decode(cp.get("meter"));
            h = History.fromCsv(cp.get("history"));
        } catch (IllegalArgumentException e) {                 // NumberFormatException included
            throw new IllegalArgumentException("checkpoint " + path + ": " + e.getMessage(), e);
        }
        if (h.epochs() != cpEpoch) {
            throw cp.outOfRange("history", h.epochs() + " rows", "exactly one row per completed epoch (" + cpEpoch + ")");
        }
        double best = cp.getDouble("early.best", Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
        int bad = cp.getInt("early.bad", 0, cpEpoch);
        double plateauBest = plateau == null ? 0 : cp.getDouble("plateau.best", Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
        int plateauBad = plateau == null ? 0 : cp.getInt("plateau.bad", 0, cpEpoch);
        Map<String, NdArray> carried = cp.carried();
        if (!carried.isEmpty() && cpBatch == 0) {
            throw cp.outOfRange("state", carried.size() + " tensor(s)", "none at the start of an epoch");
        }
        cp.restore(model, optimizer);                  // validates names and shapes before copying
        epoch = cpEpoch;
        batchInEpoch = cpBatch;
        globalStep = cpStep;
        epochRngState = cpShuffle;
        shuffleRng.setState(cpShuffle);
        cpRngs.forEach((n, s) -> rngs.get(n).setState(s));
        trainMeter = meter;
        bestMonitor = best;
        badEpochs = bad;
        history = h;
        carriedOnResume = carried;                     // checked against the step source when fit starts
        if (plateau != null) {
            plateau.restore(plateauBest, plateauBad);
        }
        resumed = true;
    }

    // ------------------------------------------------------------------ accessors

    /** The settings. */
    public Config config() { return config; }

    /** The model. */
    public Module model() { return model; }

    /** The optimizer. */
    public Optimizer optimizer() { return optimizer; }

    /** The metrics so far. */
    public History history() { return history; }

    /** The 0-based epoch being trained (or next to be). */
    public int epoch() { return epoch; }

    /** Why the last {@link #fit} stopped before its epochs were done (a budget, {@code interrupted}), or null. */
    public String stopReason() { return stopReason; }

    /**
     * The row of a run that a budget stopped mid-epoch: the partial epoch's training means and its validation (also
     * the last row of {@code metrics.csv}); null when the last fit ended at an epoch's end.
     */
    public Map<String, Double> finalRow() { return finalRow; }

    /**
     * The metrics of every completed epoch and, after a run stopped mid-epoch by a budget, its {@link #finalRow()}:
     * what {@code metrics.csv} holds.
     */
    public History historyWithFinalRow() {
        if (finalRow == null) return history;
        History h = History.fromCsv(history.toCsv());
        h.add(finalRow);
        return h;
    }

    /** The last row: {@link #finalRow()} when there is one, else the last completed epoch's (null before any). */
    public Map<String, Double> lastRow() {
        return finalRow != null ? finalRow : history.epochs() == 0 ? null : history.last();
    }

    /** Steps processed so far (stepped or skipped), over all epochs. */
    public long globalStep() { return globalStep; }

    /** Weighted running means of the loss and metrics. */
    static final class Meter {
        private final Map<String, double[]> sums = new LinkedHashMap<>();   // name -> {sum of value·weight, sum of weight}

        void add(StepOutput o) {
            add("loss", o.loss().item(), o.weight());
            o.metrics().forEach((n, v) -> add(n, v.value(), v.weight()));
        }

        void add(String name, double value, double weight) {
            double[] s = sums.computeIfAbsent(name, k -> new double[2]);
            s[0] += value * weight;
            s[1] += weight;
        }

        double mean(String name) {
            double[] s = sums.get(name);
            return s == null || s[1] == 0 ? Double.NaN : s[0] / s[1];
        }

        Map<String, Double> means() {
            Map<String, Double> out = new LinkedHashMap<>();
            sums.keySet().forEach(k -> out.put(k, mean(k)));
            return out;
        }

        /** {@code name=sum:weight;...} with exact decimals, for checkpoints. */
        String encode() {
            StringBuilder sb = new StringBuilder();
            sums.forEach((k, s) -> sb.append(k).append('=').append(s[0]).append(':').append(s[1]).append(';'));
            return sb.toString();
        }

        static Meter decode(String text) {
            Meter m = new Meter();
            for (String part : text.split(";")) {
                if (part.isEmpty()) continue;
                int eq = part.lastIndexOf('='), colon = part.lastIndexOf(':');
                if (eq < 0 || colon < eq) {
                    throw new IllegalArgumentException("malformed metadata 'meter' entry '" + part + "'");
                }
                double sum = Double.parseDouble(part.substring(eq + 1, colon));
                double weight = Double.parseDouble(part.substring(colon + 1));
                if (!Double.isFinite(sum) || !(weight >= 0) || Double.isInfinite(weight)) {
                    throw new IllegalArgumentException("metadata 'meter' entry '" + part + "' is outside the allowed "
                            + "range (a finite sum and a finite weight >= 0)");
                }
                m.sums.put(part.substring(0, eq), new double[] {sum, weight});
            }
            return m;
        }
    }
}
