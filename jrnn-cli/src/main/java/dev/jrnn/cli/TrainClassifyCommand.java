package dev.jrnn.cli;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.io.ModelConfig;
import dev.jrnn.io.ModelFile;
import dev.jrnn.nn.Losses;
import dev.jrnn.optim.Optimizer;
import dev.jrnn.text.CharTokenizer;
import dev.jrnn.text.SpecialToken;
import dev.jrnn.text.TextClassifier;
import dev.jrnn.text.TextClassifierFiles;
import dev.jrnn.text.Tokenizer;
import dev.jrnn.text.Vocabulary;
import dev.jrnn.text.WordTokenizer;
import dev.jrnn.train.Metrics;
import dev.jrnn.train.ModelStep;
import dev.jrnn.train.SequenceDataset;
import dev.jrnn.train.StepOutput;
import dev.jrnn.train.Trainer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code jrnn train classify}: a recurrent text classifier on a TSV file of labelled texts, saved as a model
 * directory ({@code OUT/model}) that {@code jrnn predict} reads, with a checkpoint to resume from
 * ({@link TrainerRun}).
 */
@Command(name = "classify", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a text classifier (embedding, LSTM/GRU/RNN, linear layer on the final state) on a TSV file "
                + "with label<TAB>text per line (UTF-8, or gzipped; a header line naming 'label' and 'text' columns is "
                + "recognised, as in IMDB's id<TAB>rating<TAB>label<TAB>text). Without --valid, --valid-fraction of the "
                + "lines, drawn with --seed, is held out. Word level: lower-cased.",
                "Writes OUT/model/ (config.json, weights.safetensors, vocab.txt), OUT/checkpoint.safetensors and "
                        + "OUT/metrics.csv. Run the same command with --resume to continue an interrupted run."},
        footer = {"", "Example:",
                "  jrnn train classify --data imdb/train.tsv.gz --valid imdb/test.tsv.gz --out runs/imdb \\",
                "      --truncate 200 --bidirectional --epochs 2",
                "  jrnn train classify ...the same... --epochs 4 --resume",
                "  jrnn predict runs/imdb --input reviews.txt"})
final class TrainClassifyCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    DataOptions files = new DataOptions(0);

    @CommandLine.Mixin
    VocabularyOptions vocabFlags = new VocabularyOptions(LmData.Level.WORD, 20000);

    @Option(names = "--truncate", defaultValue = "400", paramLabel = "N",
            description = "Keep the last N tokens of each text; 0 = all (default: ${DEFAULT-VALUE}).")
    int truncate;

    @CommandLine.Mixin
    ModelShapeOptions shape = new ModelShapeOptions(128);

    @Option(names = "--embedding", defaultValue = "64", paramLabel = "E", description = "Token vector size (default: ${DEFAULT-VALUE}).")
    int embedding;

    @Option(names = "--bidirectional", description = "Read each text in both directions.")
    boolean bidirectional;

    @CommandLine.Mixin
    OptimizerOptions optim;

    @Option(names = "--lr", paramLabel = "LR", description = "Learning rate (default: 0.002 for adam/adamw, 0.1 for sgd).")
    Double lr;

    @Option(names = "--batch", defaultValue = "32", paramLabel = "B", description = "Texts per batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--epochs", defaultValue = "5", paramLabel = "N", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "Seed of the weights, dropout and shuffling (default: ${DEFAULT-VALUE}).")
    long seed;

    @CommandLine.Mixin
    BudgetOptions budget;

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
        ClassifyData train = ClassifyData.read(files.data, "--data");
        ClassifyData validation = files.valid == null ? null : ClassifyData.read(files.valid, "--valid");
        int[][] split = files.valid == null ? TrainerRun.heldOut(train.size(), files.validFraction, seed) : null;
        if (split != null) {
            validation = train.subset(split[1]);
            train = train.subset(split[0]);
        }
        List<String> classes = train.classes();
        if (classes.size() < 2) {
            throw new Cli.Failure(train.source() + ": every line has the label '" + classes.get(0)
                    + "'; a classifier needs at least 2 classes");
        }
        int[] trainLabels = train.classIds(classes);
        int[] validLabels = validation == null ? null : validation.classIds(classes);

        Tokenizer tok = vocabFlags.level == LmData.Level.CHAR ? new CharTokenizer()
                : WordTokenizer.builder().lowerCase(true).punctuation(WordTokenizer.Punctuation.SPLIT).build();
        List<List<String>> trainTokens = new ArrayList<>(train.size());
        Vocabulary.Builder vb = vocabFlags.limit(Vocabulary.builder().specials(SpecialToken.PAD, SpecialToken.UNK));
        for (String t : train.texts()) {
            List<String> toks = tok.tokenize(t);
            trainTokens.add(toks);
            vb.addAll(toks);
        }
        Vocabulary vocab = vb.build();
        List<int[]> trainIds = new ArrayList<>(train.size());
        for (List<String> toks : trainTokens) trainIds.add(ids(vocab.encode(toks), vocab));
        trainTokens = null;
        SequenceDataset trainSet = SequenceDataset.ofTokens(trainIds, trainLabels).withPad(vocab.padId());
        SequenceDataset validSet = null;
        if (validation != null) {
            List<int[]> validIds = new ArrayList<>(validation.size());
            for (String t : validation.texts()) validIds.add(ids(vocab.encode(t, tok), vocab));
            validSet = SequenceDataset.ofTokens(validIds, validLabels).withPad(vocab.padId());
        }

        TextClassifier.Config modelConfig = TextClassifier.Config.of(vocab.size(), embedding, shape.hidden, classes.size())
                .withCell(shape.cell.type).withLayers(shape.layers).withBidirectional(bidirectional).withDropout(shape.dropout)
                .withSeed(seed).withPadId(vocab.padId());
        Cli.requireFits(Cli.fmt("the model (--hidden %d, --layers %d, --embedding %d)", shape.hidden, shape.layers, embedding),
                TextClassifierFiles.expectedShapes(modelConfig));
        TextClassifier model = new TextClassifier(modelConfig);
        double rate = lr != null ? lr : optim.sgd() ? 0.1 : 0.002;
        Optimizer opt = optim.build(model.parameters(), rate);
        Map<String, String> checks = new LinkedHashMap<>();
        checks.put("data_sha256", train.sha256());
        if (validation != null) checks.put("valid_sha256", validation.sha256());
        checks.put("vocabulary_fingerprint", vocab.fingerprint());
        ModelConfig settings = TrainerRun.settings(spec, "classify", checks);
        int stepsPerEpoch = (trainSet.size() + batch - 1) / batch;
        ModelStep step = (b, training) -> {
            Tensor logits = model.logits(b.tokens(), b.size(), b.maxLength(), b.lengths());
            return StepOutput.of(Losses.crossEntropy(logits, b.labels()), b.size())
                    .metric("acc", Metrics.accuracy(logits.data(), b.labels(), null));
        };
        Trainer trainer = Trainer.builder(model, opt, step)
                .config(Trainer.Config.of(epochs, batch).withSeed(seed).withClipNorm(optim.clipNorm).withCheckpoints(0, 0)
                        .withEarlyStopping(budget.patience).withProgress(run.show.progress, run.show.logEvery))
                .callback(TrainerRun.callbacks(dir, stepsPerEpoch, run.checkpointEvery))
                .maxSeconds(budget.budgetSeconds()).maxSteps(budget.stepLimit())
                .runConfig(settings.toCompactJson())
                .out(o).build();

        o.println(Cli.fmt("data: %s: %,d texts, classes %s%s; %s vocabulary %,d, max length %s", files.data, train.size(),
                String.join(", ", classes), validation == null ? "" : Cli.fmt("; validation %,d texts", validation.size()),
                vocabFlags.level.name().toLowerCase(), vocab.size(), truncate == 0 ? "all" : truncate + " tokens"));
        o.println(Cli.fmt("model: %s%s %d x %d, embedding %d, dropout %s: %,d parameters; %s lr %s, clip %s, batch %d",
                bidirectional ? "bidirectional " : "", shape.cellName(), shape.layers, shape.hidden, embedding, shape.dropout,
                model.parameterCount(), opt.name(), rate, optim.clipNorm, batch));
        if (run.resume) TrainerRun.resume(trainer, dir.checkpoint(), settings, o);
        TrainerRun.Result r = TrainerRun.fit(trainer, trainSet, validSet, dir, budget.maxSteps, o);

        Map<String, Double> metrics = new LinkedHashMap<>();
        if (!r.interrupted()) {                            // an interrupted run saves at once; the final scores can wait
            Map<String, Double> tr = trainer.evaluate(trainSet);
            metrics.put("train_loss", tr.get("loss"));
            metrics.put("train_accuracy", tr.get("acc"));
            if (validSet != null) {
                Map<String, Double> va = trainer.evaluate(validSet);
                metrics.put("valid_loss", va.get("loss"));
                metrics.put("valid_accuracy", va.get("acc"));
            }
        }
        Path modelDir = dir.model();
        TextClassifierFiles.save(modelDir, model, classes, truncate, vocab, tok, ModelFile.Provenance.now(
                files.data.toAbsolutePath().normalize().toString(), r.epochs(), r.steps(), r.seconds(), metrics,
                TrainerRun.commandLine(spec)));
        if (!r.interrupted()) {
            o.println(Cli.fmt("final accuracy: train %.4f%s (loss %.4f)", metrics.get("train_accuracy"),
                    validSet == null ? "" : Cli.fmt(", valid %.4f", metrics.get("valid_accuracy")),
                    validSet == null ? metrics.get("train_loss") : metrics.get("valid_loss")));
        }
        dir.printSaved(o, r.epochs(), r.steps(), r.seconds(), r.finished(), r.interrupted());
        return r.interrupted() ? RunOutput.INTERRUPTED_STATUS : 0;
    }

    /** A text's ids as the model reads them: the last --truncate, and one pad token for an empty text. */
    private int[] ids(int[] all, Vocabulary vocab) {
        int[] ids = TextClassifierFiles.clip(all, truncate);
        return ids.length == 0 ? new int[] {vocab.padId()} : ids;
    }

    private void validate() {
        files.validate(spec);
        vocabFlags.validate(spec, 2);
        Cli.require(spec, truncate >= 0, "--truncate must be >= 0 (0 = all), got " + truncate);
        shape.validate(spec, embedding);
        Cli.require(spec, lr == null || (lr > 0 && Double.isFinite(lr)), "--lr must be > 0, got " + lr);
        optim.validate(spec);
        Cli.require(spec, batch >= 1, "--batch must be >= 1, got " + batch);
        Cli.require(spec, epochs >= 1, "--epochs must be >= 1, got " + epochs);
        budget.validate(spec);
        Cli.require(spec, run.checkpointEvery >= 0, "--checkpoint-every must be >= 0 (0 = epochs only), got " + run.checkpointEvery);
        run.show.validate(spec);
    }
}
