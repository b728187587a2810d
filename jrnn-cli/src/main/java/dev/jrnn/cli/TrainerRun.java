package dev.jrnn.cli;

import dev.jrnn.io.AtomicFiles;
import dev.jrnn.io.ModelConfig;
import dev.jrnn.io.ModelFile;
import dev.jrnn.io.ModelFileException;
import dev.jrnn.nn.Parameter;
import dev.jrnn.optim.Adam;
import dev.jrnn.optim.Optimizer;
import dev.jrnn.optim.Sgd;
import dev.jrnn.train.Callback;
import dev.jrnn.train.Checkpoint;
import dev.jrnn.optim.DivergedException;
import dev.jrnn.train.Divergence;
import dev.jrnn.train.History;
import dev.jrnn.train.Plots;
import dev.jrnn.train.SequenceDataset;
import dev.jrnn.train.StepSource;
import dev.jrnn.train.Trainer;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import dev.jrnn.tensor.Rng;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Checkpoints, resuming and stopping for the tasks trained by the library's {@link Trainer} ({@code train classify},
 * {@code train seq2seq}, {@code train regress}), so that each command only builds its data, model and step.
 *
 * <p>Files in {@code --out}: {@code checkpoint.safetensors} (the trainer's {@link Checkpoint}: parameters, optimizer
 * state, epoch, next batch, shuffling generator, running means, history) every {@code --checkpoint-every} steps and
 * after every epoch, and when the run stops; {@code metrics.csv} (one row per epoch, the trainer's columns) after every
 * epoch, and with the final (possibly mid-epoch) validation when the run ends; loss and metric plots in
 * {@code plots/} (PNG). The run's settings ({@link #settings}: every option that shapes the run, and the SHA-256 of the data) are
 * stored in the checkpoint and compared on {@code --resume}, so a resumed run with other settings is refused with
 * the differences named. A resumed run is bit-identical to an uninterrupted one (the model's dropout generators are
 * in the checkpoint, {@link dev.jrnn.nn.Module#generators()}).
 */
final class TrainerRun {
    /** The checkpoint's file name in {@code --out}. */
    static final String CHECKPOINT = RunOutput.CHECKPOINT;
    /** The per-epoch metrics' file name in {@code --out}. */
    static final String METRICS = "metrics.csv";

    /** Options that never shape a run: the output, how long it runs, how it reports. */
    static final Set<String> NOT_SETTINGS = Set.of("--out", "--resume", "--overwrite", "--epochs", "--max-steps", "--checkpoint-every",
            "--progress", "--log-every", "--examples", ConfigFile.OPTION, "--data", "--valid", "--help", "--version",
            "--minutes", "--seconds", "--patience", "--diagnose", "--lr-decay", "--lr-decay-after", "--verbose");

    private TrainerRun() {}

    /**
     * The run's settings for the checkpoint: the task, every option of the command except {@link #NOT_SETTINGS} (by its
     * name without {@code --}, as text), then {@code extra} (data checksums, vocabulary fingerprints...).
     */
    static ModelConfig settings(CommandLine.Model.CommandSpec spec, String task, Map<String, String> extra) {
        ModelConfig.Builder b = ModelConfig.builder().put("task", task);
        for (OptionSpec o : spec.options()) {
            if (NOT_SETTINGS.contains(o.longestName()) || o.usageHelp() || o.versionHelp()) continue;
            Object v = o.getValue();
            b.put(o.longestName().substring(2), v == null ? null : v instanceof Enum ? ((Enum<?>) v).name().toLowerCase()
                    : v.toString());
        }
        extra.forEach(b::put);
        return b.build();
    }

    /** The SHA-256 of a text, for {@link #settings}. */
    static String sha256(String text) {
        return ModelFile.sha256(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The settings that differ between a checkpoint's run and this one, in flag terms. */
    static List<String> differences(ModelConfig saved, ModelConfig now) {
        List<String> out = new ArrayList<>();
        for (String key : now.keys()) {
            Object a = saved.get(key), b = now.get(key);
            if (Objects.equals(a, b)) continue;
            if (key.endsWith("_sha256")) out.add("the --" + key.substring(0, key.length() - "_sha256".length()) + " file differs");
            else if (key.endsWith("_fingerprint")) out.add("the " + key.replace("_fingerprint", "").replace('_', ' ') + " differs");
            else out.add("--" + key + " was " + show(a) + ", now " + show(b));
        }
        for (String key : saved.keys()) {
            if (!now.has(key)) out.add(key + " was " + show(saved.get(key)) + ", now not set");
        }
        return out;
    }

    private static String show(Object v) {
        return v == null || v == ModelConfig.NULL ? "not set" : v.toString();
    }

    /**
     * Continues a run from its checkpoint after checking that its settings are this run's.
     *
     * @throws Cli.Failure naming every difference
     */
    static void resume(Trainer trainer, Path ckpt, ModelConfig now, PrintStream o) throws IOException {
        Checkpoint c = Checkpoint.read(ckpt);
        ModelConfig saved;
        try {
            saved = ModelConfig.parse(c.get("config"), ckpt + " (metadata 'config')");
        } catch (ModelFileException e) {
            throw new Cli.Failure(e.getMessage());
        }
        List<String> diffs = differences(saved, now);
        if (!diffs.isEmpty()) {
            throw new Cli.Failure(ckpt + " was written by a different run: " + String.join("; ", diffs)
                    + " (use the same data and settings, or another --out)");
        }
        trainer.resumeFrom(ckpt);
        o.println(Cli.fmt("resuming from %s (epoch %d, step %d)", ckpt, c.getLong("epoch") + 1, c.getLong("step")));
    }

    /**
     * The callbacks of a run: stop on Ctrl-C/SIGTERM (the step and time budgets are the trainer's own); write the checkpoint of
     * every {@code every}-th step (not at an epoch's last batch, where the epoch-end checkpoint follows) when the next
     * step's loss has passed the divergence check ({@link Callback#beforeStep}), so that a diverging run keeps a good
     * one; after every epoch the checkpoint and {@code metrics.csv}. {@link #fit} writes the checkpoint where the run
     * stops.
     *
     * @param stepsPerEpoch batches per epoch (all epochs have the same number)
     */
    static Callback callbacks(RunOutput out, int stepsPerEpoch, int every) {
        Path ckpt = out.checkpoint(), metrics = out.dir().resolve(METRICS);
        return new Callback() {
            private boolean due;                                 // a checkpoint of the last step waits for the next loss

            @Override
            public void beforeStep(Trainer trainer, long step, double loss, double norm) {
                if (due) save(trainer, ckpt);                    // the last step's state, its weights proven sane
                due = false;
            }

            @Override
            public void onBatchEnd(Trainer trainer, long step, double loss, double norm) {
                if (out.signalled()) trainer.requestStop();     // also when the signal came before fit() began
                due = every > 0 && step % every == 0 && step % stepsPerEpoch != 0;
            }

            @Override
            public void onEpochEnd(Trainer trainer, int epoch, Map<String, Double> row) {
                due = false;
                save(trainer, ckpt);
                try {
                    AtomicFiles.write(metrics, trainer.history().toCsv().getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    throw new UncheckedIOException(metrics + ": " + e.getMessage(), e);
                }
            }
        };
    }

    private static void save(Trainer trainer, Path ckpt) {
        try {
            trainer.saveCheckpoint(ckpt);
        } catch (IOException e) {
            throw new UncheckedIOException(ckpt + ": " + e.getMessage(), e);
        }
    }

    /**
     * What a run did.
     *
     * @param epochs      epochs completed in all
     * @param steps       optimizer steps in all
     * @param seconds     this invocation's training time plus that of the epochs completed before it
     * @param finished    whether every requested epoch is done
     * @param interrupted whether Ctrl-C or SIGTERM stopped it (the command then skips its final evaluation)
     */
    record Result(int epochs, long steps, double seconds, boolean finished, boolean interrupted) {}

    /**
     * Fits (unless the step limit is already reached), then writes the checkpoint of where the run stopped, marked
     * {@code stopped = interrupted} when Ctrl-C or SIGTERM stopped it ({@link RunOutput#stopOnSignal}, active from
     * here on).
     *
     * @throws Cli.Failure when training diverged ({@link RunOutput#diverged}); nothing is saved then
     */
    static Result fit(Trainer trainer, SequenceDataset train, SequenceDataset valid, RunOutput out, Long maxSteps,
                      PrintStream o) throws IOException {
        return fit(trainer, () -> trainer.fit(train, valid), out, maxSteps, o);
    }

    /** {@link #fit(Trainer, SequenceDataset, SequenceDataset, RunOutput, Long, PrintStream)} over step sources. */
    static Result fit(Trainer trainer, StepSource train, StepSource valid, RunOutput out, Long maxSteps, PrintStream o)
            throws IOException {
        return fit(trainer, () -> trainer.fit(train, valid), out, maxSteps, o);
    }

    /** One call of the trainer's fit. */
    private interface FitCall {
        void run() throws IOException;
    }

    private static Result fit(Trainer trainer, FitCall fit, RunOutput out, Long maxSteps, PrintStream o) throws IOException {
        double before = 0;
        for (double s : trainer.history().values("time_s")) before += s;
        long t0 = System.nanoTime();
        out.stopOnSignal(trainer::requestStop, o);
        try {
            if (maxSteps == null || trainer.globalStep() < maxSteps) fit.run();
            Divergence.requireFinite(trainer.model(), trainer.globalStep());
        } catch (DivergedException e) {
            throw out.diverged(e, RunOutput.advice(trainer.optimizer().lr(), trainer.config().clipNorm()));
        }
        double seconds = before + (System.nanoTime() - t0) / 1e9;
        boolean interrupted = out.signalled();
        trainer.saveCheckpoint(out.checkpoint(), interrupted ? Map.of("stopped", "interrupted") : Map.of());
        History h = trainer.historyWithFinalRow();                     // with a mid-epoch stop's final validation
        Path metrics = out.dir().resolve(METRICS);
        AtomicFiles.write(metrics, h.toCsv().getBytes(StandardCharsets.UTF_8));
        if (h.epochs() > 0) {
            try {
                Plots.write(h, out.dir().resolve("plots"));
            } catch (IOException | RuntimeException | LinkageError e) {   // no fonts on a bare server...
                o.println("plots skipped: " + e);
            }
        }
        return new Result(trainer.epoch(), trainer.globalStep(), seconds, trainer.epoch() >= trainer.config().epochs(),
                interrupted);
    }

    /**
     * A validation split drawn with {@code new Rng(seed)} (data files are often sorted: draw, don't cut): the rows
     * {@code {train, valid}}, each in file order, or null when {@code fraction} of {@code n} rows is none or all of them.
     */
    static int[][] heldOut(int n, double fraction, long seed) {
        int held = (int) Math.round(n * fraction);
        if (held < 1 || held >= n) return null;
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        new Rng(seed).shuffle(order);
        int[] v = Arrays.copyOfRange(order, 0, held), t = Arrays.copyOfRange(order, held, n);
        Arrays.sort(v);
        Arrays.sort(t);
        return new int[][] {t, v};
    }

    /** The command line as typed, for provenance. */
    static String commandLine(CommandLine.Model.CommandSpec spec) {
        return "jrnn " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
    }
}
