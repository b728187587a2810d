package dev.jrnn.cli;

import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.io.ModelConfig;
import dev.jrnn.io.ModelFile;
import dev.jrnn.nn.Init;
import dev.jrnn.nn.Parameter;
import dev.jrnn.optim.LrSchedule;
import dev.jrnn.optim.Optimizer;
import dev.jrnn.text.LanguageModel;
import dev.jrnn.text.LanguageModelConfig;
import dev.jrnn.text.LanguageModelFiles;
import dev.jrnn.text.WordTokenizer;
import dev.jrnn.tensor.Rng;
import dev.jrnn.train.Callback;
import dev.jrnn.train.StepSource;
import dev.jrnn.train.Trainer;
import dev.jrnn.train.TruncatedBptt;
import dev.jrnn.train.diagnostics.GradientDiagnostics;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code jrnn train lm}: a language model on a text file, saved as a model directory ({@code OUT/model}), with a
 * checkpoint ({@code OUT/checkpoint.safetensors}) to resume from and the per-epoch metrics ({@code OUT/metrics.csv}).
 */
@Command(name = "lm", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a char- or word-level language model on a text file (UTF-8, or gzipped). Word level: "
                + "<eos> at line ends. Without --valid, the last --valid-fraction of the text is held out.",
                "Writes OUT/model/ (config.json, weights.safetensors, vocab.txt), OUT/checkpoint.safetensors and "
                        + "OUT/metrics.csv. Run the same command with --resume to continue an interrupted run."},
        footer = {"", "Example:",
                "  jrnn train lm --data input.txt --out runs/shakespeare --minutes 10",
                "  jrnn train lm --data input.txt --out runs/shakespeare --minutes 10 --resume",
                "  jrnn sample runs/shakespeare --seed-text 'ROMEO:' --length 400"})
final class TrainLmCommand implements Callable<Integer> {
    /** The recurrent cell, as the flag spells it ({@code --cell}, in {@link ModelShapeOptions}). */
    enum Cell {
        LSTM(CellType.LSTM), GRU(CellType.GRU), RNN(CellType.RNN_TANH),
        MINGRU(CellType.MIN_GRU), MINLSTM(CellType.MIN_LSTM),
        SLSTM(CellType.SLSTM), MLSTM(CellType.MLSTM),
        TTT_LINEAR(CellType.TTT_LINEAR);
        final CellType type;

        Cell(CellType type) { this.type = type; }

        /** As the flag spells it: {@code lstm}, ..., {@code ttt-linear} (picocli matches this as well as the name). */
        @Override
        public String toString() { return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'); }
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    DataOptions files = new DataOptions(0.05);

    @CommandLine.Mixin
    VocabularyOptions vocabFlags = new VocabularyOptions(LmData.Level.CHAR, 0);

    @Option(names = "--punctuation", defaultValue = "split", paramLabel = "split|keep",
            description = "Word level: split punctuation marks off as tokens, or keep whitespace-separated tokens as they are "
                    + "(use keep for pre-tokenized corpora such as PTB) (default: ${DEFAULT-VALUE}).")
    WordTokenizer.Punctuation punctuation;

    @Option(names = "--lowercase", description = "Lower-case the text first.")
    boolean lowercase;

    @CommandLine.Mixin
    ModelShapeOptions shape = new ModelShapeOptions(256);

    @Option(names = "--embedding", paramLabel = "E", description = "Token vector size (default: 32 for char, 128 for word).")
    Integer embedding;

    @CommandLine.Mixin
    OptimizerOptions optim;

    @Option(names = "--lr", paramLabel = "LR", description = "Learning rate (default: 0.002 for adam/adamw, 1.0 for sgd).")
    Double lr;

    @Option(names = "--lr-decay", defaultValue = "1", paramLabel = "G",
            description = "Multiply the learning rate by G after every epoch past --lr-decay-after (default: ${DEFAULT-VALUE} = constant). "
                    + "The schedule may be changed when resuming: the rate of the current epoch is set from it.")
    double lrDecay;

    @Option(names = "--lr-decay-after", defaultValue = "0", paramLabel = "N",
            description = "Epochs at the initial learning rate before --lr-decay starts; Zaremba et al.'s PTB schedule is "
                    + "--lr 1 --lr-decay 0.5 --lr-decay-after 4 (default: ${DEFAULT-VALUE}).")
    int lrDecayAfter;

    @Option(names = "--init-uniform", paramLabel = "A",
            description = "Initialise every weight and bias from U(-A, A) (Zaremba et al.: 0.1) instead of the layers' defaults.")
    Double initUniform;

    @Option(names = "--bptt", defaultValue = "64", paramLabel = "T",
            description = "Truncated BPTT length: steps per chunk, how far back gradients reach (default: ${DEFAULT-VALUE}).")
    int bptt;

    @Option(names = "--batch", defaultValue = "32", paramLabel = "B",
            description = "Parallel rows the text is cut into (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--epochs", paramLabel = "N",
            description = "Epochs in all, counting resumed ones (default: 10, or no limit with --minutes or --max-steps).")
    Integer epochs;

    @CommandLine.Mixin
    BudgetOptions budget;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "Seed of the initial weights and dropout (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--diagnose", paramLabel = "N",
            description = "Every N steps (and before the first), record gradient-flow diagnostics on the first training chunk: "
                    + "the norm of dL/dh_t for every step t, the spectral radius of each W_hh, gate saturation; written to "
                    + "OUT/diagnostics/ (diagnostics.jsonl, .csv, PNG plots; started afresh by a resumed run).")
    Integer diagnose;

    @CommandLine.Mixin
    CheckpointOptions run;

    @Override
    public Integer call() throws IOException {
        validate();
        PrintStream o = System.out;
        try (RunOutput dir = RunOutput.open(spec, files.out, run.resume, run.overwrite, o)) {
            return train(dir, o);
        }
    }

    /** Everything after the checks, with {@code --out} locked. */
    private int train(RunOutput dir, PrintStream o) throws IOException {
        Path ckpt = dir.checkpoint();
        String text = Cli.readText(files.data, "--data");
        String validText = files.valid == null ? null : Cli.readText(files.valid, "--valid");
        LmData d = LmData.prepare(files.data.toString(), text, validText, files.validFraction, vocabFlags.level, lowercase, vocabFlags.minFreq, vocabFlags.maxVocab, punctuation);
        int e = embedding != null ? embedding : vocabFlags.level == LmData.Level.CHAR ? 32 : 128;
        double rate = lr != null ? lr : optim.sgd() ? 1.0 : 0.002;
        LanguageModelConfig config = LanguageModelConfig.of(d.vocabulary().size(), e, shape.hidden).withCell(shape.cell.type)
                .withLayers(shape.layers).withDropout(shape.dropout).withSeed(seed)
                .withSpecials(d.startId(), d.eosId(), d.vocabulary().unkId());
        Cli.requireFits(Cli.fmt("the model (--hidden %d, --layers %d, --embedding %d, %,d tokens)", shape.hidden, shape.layers, e,
                d.vocabulary().size()), LanguageModelFiles.expectedShapes(config));
        LanguageModel lm = new LanguageModel(config);
        if (initUniform != null) {
            Rng rng = new Rng(seed ^ 0x5DEECE66DL);
            for (Parameter p : lm.parameters()) p.data().copyFrom(Init.uniform(rng, p.data().dtype(), initUniform, p.data().shape()));
        }
        Optimizer opt = optim.build(lm.parameters(), rate);
        ModelConfig settings = TrainerRun.settings(spec, "lm", Map.of("data_sha256", TrainerRun.sha256(text),
                "vocabulary_fingerprint", d.vocabulary().fingerprint()));

        int rows = Math.max(1, Math.min(batch, d.train().length / 2));
        if (rows < batch) {
            o.println(Cli.fmt("note: the training text has only %d tokens; using %d rows instead of --batch %d",
                    d.train().length, rows, batch));
        }
        StepSource trainSteps = lm.steps(d.train(), rows, bptt);
        StepSource validSteps = d.valid().length < 2 ? null : lm.steps(d.valid(), Math.min(rows, d.valid().length / 2), bptt);
        int totalEpochs = epochs != null ? epochs : budget.limited() ? Integer.MAX_VALUE : 10;
        Trainer.Builder builder = Trainer.builder(lm, opt)
                .config(Trainer.Config.of(totalEpochs, rows).withSeed(seed).withClipNorm(optim.clipNorm).withCheckpoints(0, 0)
                        .withEarlyStopping(budget.patience).withProgress(run.show.progress, run.show.logEvery)
                        .withLanguageModelMetrics(true))
                .callback(TrainerRun.callbacks(dir, trainSteps.steps(), run.checkpointEvery))
                .maxSeconds(budget.budgetSeconds()).maxSteps(budget.stepLimit())
                .runConfig(settings.toCompactJson()).out(o);
        if (lrDecay != 1) builder.schedule(LrSchedule.decayAfter(rate, lrDecayAfter, lrDecay));
        if (diagnose != null) {
            GradientDiagnostics g = new GradientDiagnostics(files.out.resolve("diagnostics"), diagnose)
                    .log(s -> o.println("diagnostics: " + s));
            TruncatedBptt.Chunk first = new TruncatedBptt(d.train(), rows, bptt).chunk(0);   // the same batch every time
            builder.callback(new Callback() {
                @Override
                public void onEpochStart(Trainer t, int epoch) {
                    if (t.globalStep() == 0) g.maybeRecord(0, lm, lm.rnn(), () -> lm.probe(first));
                }

                @Override
                public void onBatchEnd(Trainer t, long step, double loss, double norm) {
                    g.maybeRecord(step, lm, lm.rnn(), () -> lm.probe(first));
                }
            });
        }
        Trainer trainer = builder.build();

        o.println(Cli.fmt("data: %s: %,d %s tokens for training, %,d for validation%s; vocabulary %,d", files.data,
                d.train().length, d.unit(), d.valid().length,
                d.validUnknown() > 0 ? Cli.fmt(" (%,d of them <unk>)", d.validUnknown()) : "", d.vocabulary().size()));
        o.println(Cli.fmt("model: %s %d x %d, embedding %d, dropout %s: %,d parameters; %s lr %s, clip %s, batch %d x bptt %d"
                        + " = %d steps/epoch", shape.cellName(), shape.layers, shape.hidden, e, shape.dropout, lm.parameterCount(),
                opt.name(), rate, optim.clipNorm, rows, bptt, trainSteps.steps()));
        if (run.resume) TrainerRun.resume(trainer, dir.checkpoint(), settings, o);
        TrainerRun.Result r = TrainerRun.fit(trainer, trainSteps, validSteps, dir, budget.maxSteps, o);

        Map<String, Double> last = trainer.lastRow() == null ? Map.of() : trainer.lastRow();
        Map<String, Double> metrics = new LinkedHashMap<>();
        double trainNll = last.getOrDefault("train_loss", Double.NaN);
        metrics.put("train_loss", trainNll);
        metrics.put("train_bits_per_" + d.unit(), trainNll / Math.log(2));
        if (last.containsKey("val_loss")) {
            metrics.put("valid_loss", last.get("val_loss"));
            metrics.put("valid_bits_per_" + d.unit(), last.get("val_bpc"));
            metrics.put("valid_perplexity", last.get("val_ppl"));
            if (last.containsKey("val_fraction")) metrics.put("valid_fraction_scored", last.get("val_fraction"));
        }
        Path modelDir = dir.model();
        LanguageModelFiles.save(modelDir, lm, d.vocabulary(), d.tokenizer(), ModelFile.Provenance.now(
                files.data.toAbsolutePath().normalize().toString(), r.epochs(), r.steps(), r.seconds(), metrics,
                TrainerRun.commandLine(spec)));
        dir.printSaved(o, r.epochs(), r.steps(), r.seconds(), r.finished(), r.interrupted());
        return r.interrupted() ? RunOutput.INTERRUPTED_STATUS : 0;
    }

    private void validate() {
        files.validate(spec);
        vocabFlags.validate(spec, 1);
        shape.validate(spec, embedding);
        Cli.require(spec, lr == null || (lr > 0 && Double.isFinite(lr)), "--lr must be > 0, got " + lr);
        Cli.require(spec, lrDecay > 0 && lrDecay <= 1, "--lr-decay must be in (0, 1], got " + lrDecay);
        Cli.require(spec, lrDecayAfter >= 0, "--lr-decay-after must be >= 0, got " + lrDecayAfter);
        Cli.require(spec, initUniform == null || (initUniform > 0 && Double.isFinite(initUniform)),
                "--init-uniform must be > 0, got " + initUniform);
        optim.validate(spec);
        Cli.require(spec, bptt >= 1 && batch >= 1, "--bptt and --batch must be >= 1, got " + bptt + " and " + batch);
        Cli.require(spec, epochs == null || epochs >= 1, "--epochs must be >= 1, got " + epochs);
        budget.validate(spec);
        Cli.require(spec, diagnose == null || diagnose >= 1, "--diagnose must be >= 1 (steps between records), got " + diagnose);
        Cli.require(spec, run.checkpointEvery >= 0, "--checkpoint-every must be >= 0, got " + run.checkpointEvery);
        run.show.validate(spec);
    }
}
