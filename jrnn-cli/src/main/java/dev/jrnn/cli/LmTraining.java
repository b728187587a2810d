package dev.jrnn.cli;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.io.AtomicFiles;
import dev.jrnn.io.ModelConfig;
import dev.jrnn.io.ModelFileException;
import dev.jrnn.nn.Losses;
import dev.jrnn.nn.rnn.HiddenState;
import dev.jrnn.nn.rnn.LstmState;
import dev.jrnn.nn.rnn.RnnKernels;
import dev.jrnn.nn.rnn.RnnState;
import dev.jrnn.optim.GradClip;
import dev.jrnn.optim.LrSchedule;
import dev.jrnn.optim.Optimizer;
import dev.jrnn.text.LanguageModel;
import dev.jrnn.text.LanguageModelConfig;
import dev.jrnn.train.Checkpoint;
import dev.jrnn.train.Divergence;
import dev.jrnn.train.TruncatedBptt;
import dev.jrnn.train.diagnostics.GradientDiagnostics;
import dev.jrnn.train.diagnostics.ProbeBatch;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntConsumer;

/**
 * The training loop of {@code jrnn train lm} and {@code jrnn demo}, read top to bottom: truncated BPTT over the
 * token stream (cut into {@code batch} rows read in chunks of {@code bptt} steps, the state carried from chunk to
 * chunk with its graph cut), and for every chunk: zero the gradients, forward, mean cross-entropy, backward, clip
 * the global norm, the divergence check, step, progress, checkpoint every N steps; after every epoch: validation, a summary line, the
 * metrics file, a checkpoint.
 *
 * <p>Unlike {@link dev.jrnn.text.LanguageModelTrainer} (one call per epoch), this loop can stop and resume in the
 * middle of an epoch: a checkpoint holds the model, the optimizer state, the epoch, the next chunk, the step count,
 * the running epoch sums and the carried recurrent state, so a resumed run continues exactly where the interrupted
 * one was (bit for bit without dropout; with dropout the masks are drawn anew, since the model's mask generator
 * cannot be saved). Every number of a checkpoint is range-checked before anything is restored.
 *
 * <p>What stops a run: the epochs, a step limit, a time budget (validation included: training stops when another step
 * and the last validation would no longer fit, and a validation still running when the budget is out ends there,
 * scored on the part done), {@link #requestStop()} (Ctrl-C, SIGTERM: a checkpoint marked {@code stopped = interrupted})
 * or divergence ({@link Divergence}: the run fails, and its diverged weights are never handed back to be saved).
 */
final class LmTraining {
    /** How progress is shown. */
    enum ProgressMode { AUTO, BAR, LINES, NONE }

    /**
     * The loop's options.
     *
     * @param batch           parallel rows of the stream
     * @param bptt            steps per chunk (how far back gradients reach)
     * @param clipNorm        global gradient-norm limit (0: none)
     * @param epochs          epochs in all, counting those of a resumed run (0: no limit; then maxSeconds must be set)
     * @param maxSeconds      the time budget of this invocation, validation included (0: none): training stops when the
     *                        time left would not fit another step and the last validation, and a validation still
     *                        running when the budget is out ends there
     * @param maxSteps        stop after this many steps in all, counting those of a resumed run (0: none)
     * @param checkpointEvery write a checkpoint every this many steps (0: at epoch ends and at the end only)
     * @param logEverySteps   in lines mode, a progress line every this many steps (0: none)
     * @param logEverySeconds in lines mode, a progress line at least this often (0: none)
     * @param progress        bar on a terminal, lines elsewhere, or as forced (NONE: epoch summaries only)
     * @param schedule        the learning rate of each epoch (0-based), set on the optimizer when the epoch starts;
     *                        null keeps the optimizer's rate
     */
    record Loop(int batch, int bptt, double clipNorm, int epochs, double maxSeconds, long maxSteps, int checkpointEvery,
                int logEverySteps, double logEverySeconds, ProgressMode progress, LrSchedule schedule) {}

    /**
     * What the run did.
     *
     * @param epochs    epochs completed in all
     * @param steps     optimizer steps in all
     * @param seconds   training time in all (resumed runs add theirs)
     * @param trainNll  the mean training loss of the last (possibly partial) epoch, nats per token
     * @param valid     the last validation, or null without validation data
     * @param validFraction the share of the validation stream that {@code valid} covers (less than 1 when the time
     *                      budget or an interrupt ended the validation early)
     * @param finished  whether every requested epoch is done (false when the time budget or step limit stopped the run)
     * @param interrupted whether {@link #requestStop()} stopped the run
     */
    record Result(int epochs, long steps, double seconds, double trainNll, LanguageModel.Evaluation valid,
                  double validFraction, boolean finished, boolean interrupted) {}

    /** Why a run stopped early, as the summary line and the checkpoint's {@code stopped} metadata say it. */
    private static final String INTERRUPTED = "interrupted";
    /** The largest step count a checkpoint may hold (the optimizer keeps it in float64, exact to 2^53). */
    private static final long MAX_STEPS = 1L << 53;

    private final LanguageModel model;
    private final Optimizer optimizer;
    private final int[] validIds;
    private final Loop loop;
    private final PrintStream out;
    private final String unit;
    private final Path checkpointPath;
    private final Path metricsPath;
    private final String runConfig;
    private final TruncatedBptt stream;
    private IntConsumer onEpochEnd = e -> { };

    // position; restored by resumeFrom
    private int epoch;                      // 0-based epoch in progress
    private int nextChunk;                  // next chunk within it
    private long step;
    private double secondsBefore;           // training time of earlier invocations
    private double epochNllSum;             // token-weighted sum of the epoch's chunk losses
    private long epochTokens;
    private RnnState carried;
    private GradientDiagnostics diagnostics;
    private final List<String> history = new ArrayList<>();
    private volatile boolean stopRequested;
    private boolean checkpointDue;                     // a periodic checkpoint waits for the next step's loss
    private Divergence divergence = new Divergence();
    private double validationSeconds = Double.NaN;     // how long the last validation of this invocation took
    private double validationSpent;                    // seconds this invocation spent validating
    private double validFraction = 1;                  // the share of the stream the last validation scored

    /**
     * @param model          the model
     * @param optimizer      an optimizer over its parameters (named from {@code model.namedParameters()})
     * @param train          the training stream
     * @param valid          the validation stream, possibly empty
     * @param loop           the options
     * @param out            where progress goes
     * @param unit           {@code char} or {@code word}, for "bits/char"
     * @param outDir         where the checkpoint and metrics go, or null for none
     * @param runConfig      the run's settings as JSON, stored in checkpoints
     */
    LmTraining(LanguageModel model, Optimizer optimizer, int[] train, int[] valid, Loop loop, PrintStream out, String unit,
               Path outDir, String runConfig) {
        this.model = model;
        this.optimizer = optimizer;
        this.validIds = valid;
        this.loop = loop;
        this.out = out;
        this.unit = unit;
        this.checkpointPath = outDir == null ? null : outDir.resolve("checkpoint.safetensors");
        this.metricsPath = outDir == null ? null : outDir.resolve("metrics.csv");
        this.runConfig = runConfig;
        int rows = Math.max(1, Math.min(loop.batch(), train.length / 2));
        if (rows < loop.batch()) {
            out.println(Cli.fmt("note: the training text has only %d tokens; using %d rows instead of --batch %d",
                    train.length, rows, loop.batch()));
        }
        this.stream = new TruncatedBptt(train, rows, loop.bptt());
        optimizer.names(model.namedParameters());
    }

    /** Called with the 1-based epoch number after each epoch's summary (the demo prints a sample there). */
    LmTraining onEpochEnd(IntConsumer hook) {
        this.onEpochEnd = Objects.requireNonNull(hook);
        return this;
    }

    /** Chunks (= steps) per epoch. */
    int stepsPerEpoch() {
        return stream.chunks();
    }

    /** Rows the stream is read in. */
    int rows() {
        return stream.chunk(0).batch();
    }

    // ------------------------------------------------------------------ the loop

    /**
     * Records gradient-flow diagnostics ({@link GradientDiagnostics}) every {@code d.everySteps()} steps, on the first
     * chunk of the training stream (the same batch every time, so the curves differ by the model only).
     */
    LmTraining diagnose(GradientDiagnostics d) {
        this.diagnostics = Objects.requireNonNull(d);
        return this;
    }

    /** The diagnostics' batch: chunk 0, embedded, and the model's cross-entropy on the recurrent layer's output. */
    private ProbeBatch probe() {
        TruncatedBptt.Chunk c = stream.chunk(0);
        Tensor x = model.embedding().forward(c.inputs(), c.batch(), c.length());
        return ProbeBatch.of(x, out -> Losses.sequenceCrossEntropy(model.output().forward(out.output()), c.targets(), null));
    }

    /**
     * Asks the loop to stop at the next step boundary (from another thread: the command's shutdown hook on Ctrl-C or
     * SIGTERM); {@link #run} then writes a checkpoint marked {@code stopped = interrupted} and returns.
     */
    void requestStop() {
        stopRequested = true;
    }

    Result run() throws IOException {
        long start = System.nanoTime();
        long firstStep = step;
        divergence = new Divergence();
        if (diagnostics != null && step == 0) diagnostics.maybeRecord(0, model, model.rnn(), this::probe);
        Progress progress = new Progress(out, loop, stepsPerEpoch(), start);
        LanguageModel.Evaluation valid = null;
        double lastTrainNll = Double.NaN;
        String stopped = null;                                                         // why the run stopped early
        if (loop.maxSteps() > 0 && step >= loop.maxSteps()) stopped = "step limit reached";
        while (stopped == null && (loop.epochs() == 0 || epoch < loop.epochs())) {
            model.train(true);
            if (loop.schedule() != null) optimizer.setLr(loop.schedule().lr(epoch));
            int chunks = stream.chunks();
            while (nextChunk < chunks) {
                TruncatedBptt.Chunk chunk = stream.chunk(nextChunk);
                optimizer.zeroGrad();
                TruncatedBptt.Result<RnnState> r = model.chunkLoss(chunk, carried);   // forward from the carried state
                double loss = r.loss().item();
                r.loss().backward();                                                   // back at most bptt steps
                double norm = loop.clipNorm() > 0 ? GradClip.byGlobalNorm(optimizer.parameters(), loop.clipNorm())
                        : GradClip.globalNorm(optimizer.parameters());
                divergence.check(step + 1, loss, norm);                                // NaN or exploded: stop before the update
                if (checkpointDue && Double.isFinite(norm)) {
                    writeCheckpoint((System.nanoTime() - start) / 1e9, null);          // the weights just proved sane
                }
                checkpointDue = false;
                optimizer.checkedStep(loss, norm);
                carried = r.state().detach();                                          // keep the values, cut the graph
                epochNllSum += loss * chunk.batch() * chunk.length();
                epochTokens += (long) chunk.batch() * chunk.length();
                nextChunk++;
                step++;
                if (diagnostics != null) diagnostics.maybeRecord(step, model, model.rnn(), this::probe);
                double elapsed = (System.nanoTime() - start) / 1e9;
                progress.step(epoch, nextChunk, step, epochNllSum / epochTokens, elapsed);
                // the periodic checkpoint of this step is written during the next one, once the loss of these weights is
                // known to be sane (nothing has changed by then: parameters, optimizer, position and carried state are
                // this step's), so that a run that diverges keeps a good checkpoint; a stop or an epoch end writes at once
                checkpointDue = checkpointPath != null && loop.checkpointEvery() > 0 && step % loop.checkpointEvery() == 0;
                if (loop.maxSeconds() > 0) {            // would another step and the last validation still fit (and the
                    double perStep = (elapsed - validationSpent) / (step - firstStep);    // epoch-end one, if it is next)?
                    double reserve = validationReserve(perStep);
                    double need = perStep + reserve + (nextChunk == chunks ? reserve : 0);
                    if (elapsed + need >= loop.maxSeconds()) stopped = "time budget reached";
                }
                if (loop.maxSteps() > 0 && step >= loop.maxSteps()) stopped = "step limit reached";
                if (stopRequested) stopped = INTERRUPTED;
                if (stopped != null) break;
            }
            lastTrainNll = epochTokens == 0 ? Double.NaN : epochNllSum / epochTokens;
            valid = INTERRUPTED.equals(stopped) ? null : validate(progress, start);
            if (stopRequested) stopped = INTERRUPTED;                                  // during validation
            double elapsed = (System.nanoTime() - start) / 1e9;
            if (stopped != null && nextChunk < chunks) {
                progress.done(summary(epoch + 1, nextChunk, chunks, lastTrainNll, valid, elapsed, stopped + " mid-epoch"));
                if (checkpointPath != null) writeCheckpoint(elapsed, stopped);
                break;
            }
            history.add(Cli.fmt("%d,%d,%.3f,%.6f,%.6f,%s", epoch + 1, step, secondsBefore + elapsed, lastTrainNll,
                    lastTrainNll / Math.log(2), valid == null ? "," : Cli.fmt("%.6f,%.6f", valid.meanNll(), valid.bitsPerToken())));
            progress.done(summary(epoch + 1, chunks, chunks, lastTrainNll, valid, elapsed, null));
            epoch++;
            nextChunk = 0;
            carried = null;                                            // each epoch starts from the zero state
            epochNllSum = 0;
            epochTokens = 0;
            if (checkpointPath != null) {
                writeCheckpoint(elapsed, stopped);
                writeMetrics();
            }
            onEpochEnd.accept(epoch);
            if (stopped != null) break;
        }
        boolean interrupted = INTERRUPTED.equals(stopped);
        if (valid == null && !interrupted) valid = validate(progress, start);         // nothing was left to do (a finished run resumed)
        Divergence.requireFinite(model, step);                                         // never hand diverged weights to be saved
        double seconds = secondsBefore + (System.nanoTime() - start) / 1e9;
        boolean finished = loop.epochs() > 0 && epoch >= loop.epochs();
        return new Result(epoch, step, seconds, lastTrainNll, valid, valid == null ? 0 : validFraction, finished, interrupted);
    }

    /**
     * The validation stream's loss (evaluation mode, same rows and chunk length as training), or null without one.
     * Shows progress while it runs; ends early, scoring the chunks done ({@link #validFraction}), when the time budget
     * is out or a stop is requested. A loss that is not finite or has exploded fails the run ({@link Divergence}).
     */
    private LanguageModel.Evaluation validate(Progress progress, long start) {
        if (validIds.length < 2) return null;
        long t0 = System.nanoTime();
        validFraction = 1;
        LanguageModel.Evaluation e = model.evaluate(validIds, Math.min(rows(), validIds.length / 2), loop.bptt(), (done, total) -> {
            double elapsed = (System.nanoTime() - start) / 1e9;
            progress.validating(done, total, (System.nanoTime() - t0) / 1e9);
            boolean goOn = !stopRequested && (loop.maxSeconds() <= 0 || elapsed < loop.maxSeconds());
            if (!goOn) validFraction = (double) done / total;
            return goOn;
        });
        model.train(true);
        validationSpent += (System.nanoTime() - t0) / 1e9;
        validationSeconds = (System.nanoTime() - t0) / 1e9 / validFraction;           // the whole stream's time
        divergence.checkLoss(step, "the validation loss", e.meanNll());
        return e;
    }

    /**
     * The time to keep free for the final validation under a time budget: the last validation's time, or before the
     * first one an estimate from the training speed (a forward pass over the validation tokens costs about half a
     * training step over as many tokens, on the safe side of the usual third).
     *
     * @param perStep the mean seconds of a training step so far
     */
    private double validationReserve(double perStep) {
        if (validIds.length < 2) return 0;
        if (!Double.isNaN(validationSeconds)) return validationSeconds;
        return 0.5 * perStep * validIds.length / ((double) rows() * loop.bptt());
    }

    private String summary(int epochNo, int done, int chunks, double trainNll, LanguageModel.Evaluation valid, double elapsed,
                           String note) {
        StringBuilder s = new StringBuilder(Cli.fmt("epoch %d%s  step %d  train loss %.4f (%.3f bits/%s)", epochNo,
                done < chunks ? Cli.fmt(" (%d/%d steps)", done, chunks) : "", step, trainNll, trainNll / Math.log(2), unit));
        if (valid != null) {
            s.append(Cli.fmt("  valid loss %.4f (%.3f bits/%s, perplexity %.2f)", valid.meanNll(), valid.bitsPerToken(), unit,
                    valid.perplexity()));
        }
        if (loop.schedule() != null) s.append(Cli.fmt("  lr %.4g", optimizer.lr()));
        s.append(Cli.fmt("  %.1fs", secondsBefore + elapsed));
        if (valid != null && validFraction < 1) {
            s.append(Cli.fmt("  (validation on the first %.0f%% only)", 100 * validFraction));
        }
        if (note != null) s.append("  (").append(note).append(')');
        return s.toString();
    }

    // ------------------------------------------------------------------ checkpoints

    /** Writes the checkpoint; {@code stopped} says why the run stopped early (null: it goes on, or finished). */
    private void writeCheckpoint(double elapsed, String stopped) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("config", runConfig);
        meta.put("epoch", Integer.toString(epoch));
        meta.put("chunk", Integer.toString(nextChunk));
        meta.put("step", Long.toString(step));
        meta.put("seconds", Double.toString(secondsBefore + elapsed));
        meta.put("epoch_nll_sum", Double.toString(epochNllSum));
        meta.put("epoch_tokens", Long.toString(epochTokens));
        meta.put("history", String.join("\n", history));
        if (carried != null) meta.put("state", encodeState(carried));
        if (stopped != null) meta.put("stopped", stopped);
        Checkpoint.write(checkpointPath, model, optimizer, meta);
        checkpointDue = false;
    }

    private void writeMetrics() throws IOException {
        String csv = "epoch,step,seconds,train_nll,train_bits,valid_nll,valid_bits\n" + String.join("\n", history) + "\n";
        AtomicFiles.write(metricsPath, csv.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Restores a checkpoint written by this loop: parameters, optimizer state and position. The caller has checked
     * that the run's settings match ({@link #checkpointConfig}).
     */
    void resumeFrom(Checkpoint c) {
        // every number is range-checked before anything changes: an edited or damaged checkpoint is refused, naming
        // the field; every epoch has exactly stream.chunks() steps, which ties the position's three numbers together
        int chunks = stream.chunks();
        long s = c.getLong("step", 0, MAX_STEPS);
        int e = c.getInt("epoch", 0, (int) Math.min(s / Math.max(1, chunks), Integer.MAX_VALUE - 1));
        int k = c.getInt("chunk", 0, chunks);
        if ((long) e * chunks + k != s) {
            throw c.outOfRange("step", Long.toString(s), "exactly epoch x " + chunks + " + chunk = " + ((long) e * chunks + k));
        }
        double seconds = c.getDouble("seconds", 0, Double.MAX_VALUE);
        long tokens = c.getLong("epoch_tokens", 0, (long) k * rows() * loop.bptt());
        double nllSum = c.getDouble("epoch_nll_sum", 0, Double.MAX_VALUE);
        String h = c.metadata().getOrDefault("history", "");
        List<String> rows = h.isEmpty() ? List.of() : List.of(h.split("\n"));
        if (rows.size() != e) throw c.outOfRange("history", rows.size() + " rows", "one row per completed epoch (" + e + ")");
        String st = c.metadata().get("state");
        RnnState state = st == null ? null : decodeState(c, st);
        c.restore(model, optimizer);
        epoch = e;
        nextChunk = k;
        step = s;
        secondsBefore = seconds;
        epochNllSum = nllSum;
        epochTokens = tokens;
        history.addAll(rows);
        carried = state;
    }

    /** The run settings stored in a checkpoint. */
    static ModelConfig checkpointConfig(Checkpoint c, Path path) throws ModelFileException {
        return ModelConfig.parse(c.get("config"), path + " (metadata 'config')");
    }

    /** Epoch, step and time of a checkpoint, for a message. */
    static String position(Checkpoint c) {
        return Cli.fmt("epoch %d, step %d, %.0fs trained", c.getLong("epoch") + 1, c.getLong("step"), c.getDouble("seconds"));
    }

    /** The carried state's tensors as base64 little-endian floats, one per tensor, separated by commas. */
    private static String encodeState(RnnState s) {
        List<String> parts = new ArrayList<>();
        for (Tensor t : s.tensors()) {
            float[] v = t.data().toFloatArray();
            ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(v);
            int[] shape = t.data().shape();
            parts.add(shape[0] + "x" + shape[1] + "x" + shape[2] + ":" + Base64.getEncoder().encodeToString(b.array()));
        }
        return String.join(",", parts);
    }

    /**
     * The carried state of a checkpoint, checked against this model and stream: one tensor per state part (two for
     * an LSTM), each {@code [layers, rows, hidden]}, every value finite.
     */
    private RnnState decodeState(Checkpoint c, String s) {
        LanguageModelConfig mc = model.config();
        int parts = mc.cell() == RnnKernels.CellType.LSTM ? 2 : 1;
        String expected = parts + " tensor(s) of shape " + mc.numLayers() + "x" + rows() + "x" + mc.hiddenSize()
                + " with finite values";
        List<Tensor> ts = new ArrayList<>();
        try {
            for (String part : s.split(",")) {
                int colon = part.indexOf(':');
                String[] dims = part.substring(0, colon).split("x");
                int[] shape = {Integer.parseInt(dims[0]), Integer.parseInt(dims[1]), Integer.parseInt(dims[2])};
                if (shape[0] != mc.numLayers() || shape[1] != rows() || shape[2] != mc.hiddenSize()) {
                    throw c.outOfRange("state", "a tensor of shape " + dims[0] + "x" + dims[1] + "x" + dims[2], expected);
                }
                byte[] bytes = Base64.getDecoder().decode(part.substring(colon + 1));
                if (bytes.length != 4L * shape[0] * shape[1] * shape[2]) {
                    throw c.outOfRange("state", bytes.length + " bytes for a " + part.substring(0, colon) + " tensor", expected);
                }
                float[] v = new float[bytes.length / 4];
                ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
                for (float x : v) if (!Float.isFinite(x)) throw c.outOfRange("state", "a tensor holding " + x, expected);
                ts.add(Tensor.of(v, shape));
            }
        } catch (IndexOutOfBoundsException | NumberFormatException e) {
            throw c.outOfRange("state", "malformed (" + e.getMessage() + ")", expected);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("checkpoint ")) throw e;
            throw c.outOfRange("state", "malformed (" + e.getMessage() + ")", expected);   // bad base64
        }
        if (ts.size() != parts) throw c.outOfRange("state", ts.size() + " tensor(s)", expected);
        return parts == 2 ? new LstmState(ts.get(0), ts.get(1)) : new HiddenState(ts.get(0));
    }

    // ------------------------------------------------------------------ progress

    /**
     * A bar redrawn in place on a terminal, or plain lines (every N steps or seconds) elsewhere:
     * <pre>
     * bar:   epoch 2/10 [########------------] 41%  loss 1.6234 (2.342 bits/char)  14.2 steps/s  ETA 0:35
     * lines: epoch 2 step 200 (41%)  loss 1.6234 (2.342 bits/char)  14.2 steps/s  0:14 elapsed  ETA 0:35
     * </pre>
     */
    private final class Progress {
        private static final int WIDTH = 20;
        private final PrintStream out;
        private final Loop loop;
        private final boolean bar;
        private final int perEpoch;
        private final long firstStep;
        private double lastLine;
        private double lastValidationLine;
        private boolean barShown;

        Progress(PrintStream out, Loop loop, int perEpoch, long start) {
            this.out = out;
            this.loop = loop;
            this.perEpoch = perEpoch;
            this.firstStep = step;
            ProgressMode m = loop.progress();
            this.bar = m == ProgressMode.BAR || (m == ProgressMode.AUTO && isTerminal());
        }

        /**
         * Whether standard output is a terminal: {@code System.console() != null} on JDK 17-21; from JDK 22 on, where
         * a console exists even when output is redirected, {@code Console.isTerminal()} (called reflectively).
         */
        private static boolean isTerminal() {
            java.io.Console c = System.console();
            if (c == null) return false;
            try {
                return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(c);
            } catch (ReflectiveOperationException e) {
                return true;                                   // JDK < 22: a console means a terminal
            }
        }

        void step(int epoch0, int done, long stepNo, double loss, double elapsed) {
            if (loop.progress() == ProgressMode.NONE) return;
            double rate = (stepNo - firstStep) / Math.max(elapsed, 1e-9);
            double eta = Double.NaN;
            if (loop.epochs() > 0) {
                long left = (long) (loop.epochs() - epoch0) * perEpoch - done;
                eta = left / Math.max(rate, 1e-9);
            }
            if (loop.maxSeconds() > 0) eta = Double.isNaN(eta) ? loop.maxSeconds() - elapsed : Math.min(eta, loop.maxSeconds() - elapsed);
            double frac = loop.maxSeconds() > 0 && loop.epochs() == 0 ? elapsed / loop.maxSeconds() : (double) done / perEpoch;
            frac = Math.max(0, Math.min(1, frac));
            String epochText = loop.epochs() > 0 ? Cli.fmt("epoch %d/%d", epoch0 + 1, loop.epochs()) : Cli.fmt("epoch %d", epoch0 + 1);
            String lossText = Cli.fmt("loss %.4f (%.3f bits/%s)", loss, loss / Math.log(2), unit);
            String etaText = Double.isNaN(eta) ? "?" : Cli.clock(eta);
            if (bar) {
                int filled = (int) Math.round(frac * WIDTH);
                out.print(Cli.fmt("\r%s [%s%s] %3.0f%%  %s  %.1f steps/s  ETA %s ", epochText, "#".repeat(filled),
                        "-".repeat(WIDTH - filled), 100 * frac, lossText, rate, etaText));
                out.flush();
                barShown = true;
            } else {
                boolean byStep = loop.logEverySteps() > 0 && stepNo % loop.logEverySteps() == 0;
                boolean byTime = loop.logEverySeconds() > 0 && elapsed - lastLine >= loop.logEverySeconds();
                if (byStep || byTime) {
                    lastLine = elapsed;
                    out.println(Cli.fmt("%s step %d (%.0f%%)  %s  %.1f steps/s  %s elapsed  ETA %s", epochText, stepNo,
                            100 * frac, lossText, rate, Cli.clock(elapsed), etaText));
                }
            }
        }

        /** During a validation: the bar shows its share; lines mode prints a line every 10 s once it takes longer. */
        void validating(int done, int total, double seconds) {
            if (loop.progress() == ProgressMode.NONE) return;
            double frac = (double) done / total;
            if (done == 1) lastValidationLine = 0;                      // a new validation
            if (bar) {
                int filled = (int) Math.round(frac * WIDTH);
                out.print(Cli.fmt("\rvalidating [%s%s] %3.0f%%  %s elapsed%s", "#".repeat(filled), "-".repeat(WIDTH - filled),
                        100 * frac, Cli.clock(seconds), " ".repeat(40)));
                out.flush();
                barShown = true;
            } else if (seconds - lastValidationLine >= 10) {
                lastValidationLine = seconds;
                out.println(Cli.fmt("validating: %d of %d chunks (%.0f%%), %s elapsed", done, total, 100 * frac,
                        Cli.clock(seconds)));
            }
        }

        void done(String summary) {
            if (barShown) {
                out.print("\r" + " ".repeat(110) + "\r");
                barShown = false;
            }
            out.println(summary);
            out.flush();
        }
    }
}
