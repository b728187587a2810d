package dev.jrnn.cli;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.io.ModelConfig;
import dev.jrnn.io.ModelFile;
import dev.jrnn.nn.Losses;
import dev.jrnn.optim.Adam;
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
                + "recognised, as in IMDB's id<TAB>rating<TAB>label<TAB>text).",
                "Writes OUT/model/ (config.json, weights.safetensors, vocab.txt), OUT/checkpoint.safetensors and "
                        + "OUT/metrics.csv. Run the same command with --resume to continue an interrupted run."},
        footer = {"", "Example:",
                "  jrnn train classify --data imdb/train.tsv.gz --valid imdb/test.tsv.gz --out runs/imdb \\",
                "      --max-len 200 --bidirectional --epochs 2",
                "  jrnn train classify ...the same... --epochs 4 --resume",
                "  jrnn predict runs/imdb --input reviews.txt"})
final class TrainClassifyCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Training TSV: label<TAB>text per line (.gz is read too).")
    Path data;

    @Option(names = "--valid", paramLabel = "FILE", description = "Validation TSV in the same format (default: --valid-fraction of --data).")
    Path valid;

    @Option(names = "--valid-fraction", defaultValue = "0", paramLabel = "F",
            description = "Without --valid, hold out this share of --data, drawn with --seed, to validate on (default: ${DEFAULT-VALUE} = none).")
    double validFraction;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory (created if needed).")
    Path out;

    @Option(names = "--level", defaultValue = "word", paramLabel = "char|word",
            description = "Token level: word (lower-cased, punctuation split off) or char (default: ${DEFAULT-VALUE}).")
    LmData.Level level;

    @Option(names = "--vocab-size", defaultValue = "20000", paramLabel = "N",
            description = "At most N ids, <pad> and <unk> included, most frequent first (default: ${DEFAULT-VALUE}).")
    int vocabSize;

    @Option(names = "--max-len", defaultValue = "400", paramLabel = "N",
            description = "Keep the last N tokens of each text; 0 = all (default: ${DEFAULT-VALUE}).")
    int maxLen;

    @Option(names = "--cell", defaultValue = "lstm", paramLabel = "lstm|gru|rnn|mingru|minlstm|ttt-linear", description = "Recurrent cell (default: ${DEFAULT-VALUE}).")
    TrainLmCommand.Cell cell;

    @Option(names = "--layers", defaultValue = "1", paramLabel = "N", description = "Stacked recurrent layers (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--hidden", defaultValue = "128", paramLabel = "H", description = "Hidden units per layer and direction (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--embedding", defaultValue = "64", paramLabel = "E", description = "Token vector size (default: ${DEFAULT-VALUE}).")
    int embedding;

    @Option(names = "--bidirectional", description = "Read each text in both directions.")
    boolean bidirectional;

    @Option(names = "--dropout", defaultValue = "0", paramLabel = "P",
            description = "Dropout on embeddings, between layers and on the final state, in [0, 1) (default: ${DEFAULT-VALUE}).")
    double dropout;

    @Option(names = "--lr", defaultValue = "0.002", paramLabel = "LR", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--batch", defaultValue = "32", paramLabel = "B", description = "Texts per batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--epochs", defaultValue = "5", paramLabel = "N", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "Seed of the weights, dropout and shuffling (default: ${DEFAULT-VALUE}).")
    long seed;

    @CommandLine.Mixin
    BudgetOptions budget;

    @Option(names = "--clip-norm", defaultValue = "5", paramLabel = "N",
            description = "Clip the global gradient norm to N; 0 = off (default: ${DEFAULT-VALUE}).")
    double clipNorm;

    @CommandLine.Mixin
    CheckpointOptions run;

    @Override
    public Integer call() throws IOException {
        validate();
        PrintStream o = System.out;
        try (RunOutput dir = RunOutput.open(spec, out, run.resume, run.overwrite, o)) {
            return train(dir, o);
        }
    }

    /** Everything after the checks, with {@code --out} locked. */
    private int train(RunOutput dir, PrintStream o) throws IOException {
        ClassifyData train = ClassifyData.read(data, "--data");
        ClassifyData validation = valid == null ? null : ClassifyData.read(valid, "--valid");
        int[][] split = valid == null ? TrainerRun.heldOut(train.size(), validFraction, seed) : null;
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

        Tokenizer tok = level == LmData.Level.CHAR ? new CharTokenizer()
                : WordTokenizer.builder().lowerCase(true).punctuation(WordTokenizer.Punctuation.SPLIT).build();
        List<List<String>> trainTokens = new ArrayList<>(train.size());
        Vocabulary.Builder vb = Vocabulary.builder().specials(SpecialToken.PAD, SpecialToken.UNK).maxSize(vocabSize);
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

        TextClassifier.Config modelConfig = TextClassifier.Config.of(vocab.size(), embedding, hidden, classes.size())
                .withCell(cell.type).withLayers(layers).withBidirectional(bidirectional).withDropout(dropout)
                .withSeed(seed).withPadId(vocab.padId());
        Cli.requireFits(Cli.fmt("the model (--hidden %d, --layers %d, --embedding %d)", hidden, layers, embedding),
                TextClassifierFiles.expectedShapes(modelConfig));
        TextClassifier model = new TextClassifier(modelConfig);
        Adam adam = new Adam(model.parameters(), Adam.Config.adam(lr));
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
        Trainer trainer = Trainer.builder(model, adam, step)
                .config(Trainer.Config.of(epochs, batch).withSeed(seed).withClipNorm(clipNorm).withCheckpoints(0, 0)
                        .withEarlyStopping(budget.patience).withProgress(run.show.progress, run.show.logEvery))
                .callback(TrainerRun.callbacks(dir, stepsPerEpoch, run.checkpointEvery))
                .maxSeconds(budget.budgetSeconds()).maxSteps(budget.stepLimit())
                .runConfig(settings.toCompactJson())
                .out(o).build();

        o.println(Cli.fmt("data: %s: %,d texts, classes %s%s; %s vocabulary %,d, max length %s", data, train.size(),
                String.join(", ", classes), validation == null ? "" : Cli.fmt("; validation %,d texts", validation.size()),
                level.name().toLowerCase(), vocab.size(), maxLen == 0 ? "all" : maxLen + " tokens"));
        o.println(Cli.fmt("model: %s%s %d x %d, embedding %d, dropout %s: %,d parameters; adam lr %s, batch %d",
                bidirectional ? "bidirectional " : "", cell.name().toLowerCase(), layers, hidden, embedding, dropout,
                model.parameterCount(), lr, batch));
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
        TextClassifierFiles.save(modelDir, model, classes, maxLen, vocab, tok, ModelFile.Provenance.now(
                data.toAbsolutePath().normalize().toString(), r.epochs(), r.steps(), r.seconds(), metrics,
                TrainerRun.commandLine(spec)));
        if (!r.interrupted()) {
            o.println(Cli.fmt("final accuracy: train %.4f%s (loss %.4f)", metrics.get("train_accuracy"),
                    validSet == null ? "" : Cli.fmt(", valid %.4f", metrics.get("valid_accuracy")),
                    validSet == null ? metrics.get("train_loss") : metrics.get("valid_loss")));
        }
        dir.printSaved(o, r.epochs(), r.steps(), r.seconds(), r.finished(), r.interrupted());
        return r.interrupted() ? RunOutput.INTERRUPTED_STATUS : 0;
    }

    /** A text's ids as the model reads them: the last --max-len, and one pad token for an empty text. */
    private int[] ids(int[] all, Vocabulary vocab) {
        int[] ids = TextClassifierFiles.clip(all, maxLen);
        return ids.length == 0 ? new int[] {vocab.padId()} : ids;
    }

    private void validate() {
        Cli.require(spec, vocabSize >= 3, "--vocab-size must be >= 3 (<pad>, <unk> and a token), got " + vocabSize);
        Cli.require(spec, maxLen >= 0, "--max-len must be >= 0 (0 = all), got " + maxLen);
        Cli.require(spec, layers >= 1 && hidden >= 1, "--layers and --hidden must be >= 1, got " + layers + " and " + hidden);
        Cli.sizes(spec, layers, hidden, embedding);
        Cli.require(spec, embedding >= 1, "--embedding must be >= 1, got " + embedding);
        Cli.require(spec, dropout >= 0 && dropout < 1, "--dropout must be in [0, 1), got " + dropout);
        Cli.require(spec, lr > 0 && Double.isFinite(lr), "--lr must be > 0, got " + lr);
        Cli.require(spec, batch >= 1, "--batch must be >= 1, got " + batch);
        Cli.require(spec, epochs >= 1, "--epochs must be >= 1, got " + epochs);
        budget.validate(spec);
        Cli.require(spec, validFraction >= 0 && validFraction <= 0.5, "--valid-fraction must be in [0, 0.5], got " + validFraction);
        Cli.require(spec, clipNorm >= 0, "--clip-norm must be >= 0 (0 = off), got " + clipNorm);
        Cli.require(spec, run.checkpointEvery >= 0, "--checkpoint-every must be >= 0 (0 = epochs only), got " + run.checkpointEvery);
    }
}
