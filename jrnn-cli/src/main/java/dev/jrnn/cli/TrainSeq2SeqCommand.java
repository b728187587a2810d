package dev.jrnn.cli;

import dev.jrnn.io.ModelConfig;
import dev.jrnn.io.ModelFile;
import dev.jrnn.nn.Attention;
import dev.jrnn.optim.Optimizer;
import dev.jrnn.text.CharTokenizer;
import dev.jrnn.text.Seq2Seq;
import dev.jrnn.text.Seq2SeqConfig;
import dev.jrnn.text.Seq2SeqFiles;
import dev.jrnn.text.SpecialToken;
import dev.jrnn.text.Tokenizer;
import dev.jrnn.text.Vocabulary;
import dev.jrnn.text.WordTokenizer;
import dev.jrnn.train.Callback;
import dev.jrnn.train.ModelStep;
import dev.jrnn.train.SequenceDataset;
import dev.jrnn.train.StepOutput;
import dev.jrnn.train.Trainer;
import dev.jrnn.train.diagnostics.GradientDiagnostics;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code jrnn train seq2seq}: an encoder–decoder ({@link Seq2Seq}) on a TSV file of {@code source<TAB>target} pairs,
 * trained with teacher forcing by the library's {@link Trainer}, validated after every epoch with its loss and the
 * exact-match accuracy of greedy decoding, saved as a model directory ({@link Seq2SeqFiles}) that
 * {@code jrnn predict} reads. Checkpoints and {@code --resume}: {@link TrainerRun}.
 */
@Command(name = "seq2seq", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train an encoder-decoder (LSTM/GRU/RNN encoder, its final state starting the decoder, optional "
                + "attention over the encoder's outputs, teacher forcing) on a TSV file with source<TAB>target per line "
                + "(UTF-8, or gzipped), char-level by default. "
                + "Without --valid, --valid-fraction of the pairs, drawn with --seed, is held out.",
                "After every epoch: the validation loss and the exact-match accuracy of greedy decoding. Writes OUT/model/ "
                        + "(config.json, weights.safetensors, source_vocab.txt, target_vocab.txt), "
                        + "OUT/checkpoint.safetensors and OUT/metrics.csv; --resume continues an interrupted run."},
        footer = {"", "Example (learn to reverse words):",
                "  jrnn train seq2seq --data reverse.tsv --out runs/reverse --epochs 20 --attention luong-general",
                "  echo hello | jrnn predict runs/reverse --beam 4",
                "  echo hello | jrnn predict runs/reverse --attention-png hello.png"})
final class TrainSeq2SeqCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    DataOptions files = new DataOptions(0.1);

    @CommandLine.Mixin
    VocabularyOptions vocabFlags = new VocabularyOptions(LmData.Level.CHAR, 0);

    @Option(names = "--lowercase", description = "Lower-case both sides first.")
    boolean lowercase;

    @CommandLine.Mixin
    ModelShapeOptions shape = new ModelShapeOptions(128);

    @Option(names = "--attention", defaultValue = "none", paramLabel = "none|bahdanau|luong-dot|luong-general",
            converter = AttentionConverter.class,
            description = "How the decoder reads the encoder's outputs: none (only its final state), bahdanau (additive, the "
                    + "context joins the decoder input), luong-dot or luong-general (multiplicative, tanh(W_c[c; h]) feeds the "
                    + "output) (default: ${DEFAULT-VALUE}).")
    Attention.Type attention;

    /** Reads {@code luong-dot} and friends ({@link Attention.Type#parse}). */
    static final class AttentionConverter implements CommandLine.ITypeConverter<Attention.Type> {
        @Override
        public Attention.Type convert(String value) {
            try {
                return Attention.Type.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    @Option(names = "--embedding", paramLabel = "E", description = "Token vector size on both sides (default: 32 for char, 64 for word).")
    Integer embedding;

    @CommandLine.Mixin
    OptimizerOptions optim;

    @Option(names = "--lr", paramLabel = "LR", description = "Learning rate (default: 0.002 for adam/adamw, 0.5 for sgd).")
    Double lr;

    @Option(names = "--batch", defaultValue = "32", paramLabel = "B", description = "Pairs per batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--epochs", defaultValue = "10", paramLabel = "N", description = "Epochs in all, counting resumed ones (default: ${DEFAULT-VALUE}).")
    int epochs;

    @CommandLine.Mixin
    BudgetOptions budget;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S",
            description = "Seed of the weights, dropout, shuffling and the validation split (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--max-length", paramLabel = "N",
            description = "Decoding limit in target tokens, saved with the model (default: 1.5 x the longest training target + 2).")
    Integer maxLength;

    @Option(names = "--examples", defaultValue = "3", paramLabel = "N",
            description = "Validation pairs to show decoded at the end (default: ${DEFAULT-VALUE}).")
    int examples;

    @CommandLine.Mixin
    CheckpointOptions run;

    @Option(names = "--diagnose", paramLabel = "N",
            description = "Every N steps, record the encoder's gradient flow on the first training batch (||dL/dh_j|| per "
                    + "source position, spectral radius, gate saturation) to <out>/diagnostics (docs/diagnostics.md).")
    Integer diagnose;


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
        Path data = files.data, valid = files.valid;                      // the shared flags by their names
        double validFraction = files.validFraction, dropout = shape.dropout;
        LmData.Level level = vocabFlags.level;
        int minFreq = vocabFlags.minFreq, maxVocab = vocabFlags.maxVocab, layers = shape.layers, hidden = shape.hidden;
        TrainLmCommand.Cell cell = shape.cell;
        PairData all = PairData.read(data, "--data");
        PairData train = all, validation = null;
        if (valid != null) {
            validation = PairData.read(valid, "--valid");
        } else {
            int[][] split = TrainerRun.heldOut(all.size(), validFraction, seed);
            if (split != null) {
                train = all.subset(split[0]);
                validation = all.subset(split[1]);
            }
        }
        Tokenizer tok = level == LmData.Level.CHAR ? CharTokenizer.builder().lowerCase(lowercase).build()
                : WordTokenizer.builder().lowerCase(lowercase).punctuation(WordTokenizer.Punctuation.SPLIT).build();
        Vocabulary.Builder sb = Vocabulary.builder().specials(SpecialToken.UNK).minFreq(minFreq);
        Vocabulary.Builder tb = Vocabulary.builder().specials(SpecialToken.UNK, SpecialToken.EOS, SpecialToken.BOS).minFreq(minFreq);
        if (maxVocab > 0) {
            sb.maxSize(maxVocab);
            tb.maxSize(maxVocab);
        }
        Vocabulary sourceVocab = sb.addTexts(train.sources(), tok).build();
        Vocabulary targetVocab = tb.addTexts(train.targets(), tok).build();

        // every pair as ids; the dataset's label of a pair is its index here, so the step finds the target
        List<int[]> sources = new ArrayList<>(), targets = new ArrayList<>();
        encode(train, tok, sourceVocab, targetVocab, sources, targets);
        int nTrain = sources.size();
        if (validation != null) encode(validation, tok, sourceVocab, targetVocab, sources, targets);
        int longest = 0;
        for (int i = 0; i < nTrain; i++) longest = Math.max(longest, targets.get(i).length);
        int limit = maxLength != null ? maxLength : (int) Math.ceil(1.5 * longest) + 2;
        SequenceDataset trainSet = dataset(sources, 0, nTrain);
        SequenceDataset validSet = validation == null ? null : dataset(sources, nTrain, sources.size());

        int e = embedding != null ? embedding : level == LmData.Level.CHAR ? 32 : 64;
        double rate = lr != null ? lr : optim.sgd() ? 0.5 : 0.002;
        Seq2SeqConfig modelConfig = new Seq2SeqConfig(cell.type, sourceVocab.size(), targetVocab.size(), e, hidden, layers,
                dropout, dev.jrnn.tensor.DType.FLOAT32, seed, targetVocab.bosId(), targetVocab.eosId(), attention);
        Cli.requireFits(Cli.fmt("the model (--hidden %d, --layers %d, --embedding %d)", hidden, layers, e),
                Seq2SeqFiles.expectedShapes(modelConfig));
        Seq2Seq model = new Seq2Seq(modelConfig);
        Optimizer opt = optim.build(model.parameters(), rate);
        ModelStep step = (b, training) -> {
            List<int[]> src = new ArrayList<>(b.size()), tgt = new ArrayList<>(b.size());
            int tokens = 0;
            for (int id : b.labels()) {
                src.add(sources.get(id));
                tgt.add(targets.get(id));
                tokens += targets.get(id).length + 1;                      // each target and its <eos>
            }
            StepOutput r = StepOutput.of(model.loss(src, tgt), tokens);
            if (!training) {                                               // validation: greedy decoding, exact match
                List<int[]> got = model.greedy(src, limit);
                int right = 0;
                for (int i = 0; i < got.size(); i++) right += Arrays.equals(got.get(i), tgt.get(i)) ? 1 : 0;
                r.metric("exact_match", (double) right / got.size(), got.size());
            }
            return r;
        };
        Map<String, String> checks = new LinkedHashMap<>();
        checks.put("data_sha256", all.sha256());
        if (valid != null) checks.put("valid_sha256", validation.sha256());
        checks.put("source_vocabulary_fingerprint", sourceVocab.fingerprint());
        checks.put("target_vocabulary_fingerprint", targetVocab.fingerprint());
        ModelConfig settings = TrainerRun.settings(spec, "seq2seq", checks);
        int stepsPerEpoch = (trainSet.size() + batch - 1) / batch;
        Trainer.Builder builder = Trainer.builder(model, opt, step)
                .config(Trainer.Config.of(epochs, batch).withSeed(seed).withClipNorm(optim.clipNorm).withCheckpoints(0, 0)
                        .withEarlyStopping(budget.patience).withProgress(run.show.progress, run.show.logEvery))
                .callback(TrainerRun.callbacks(dir, stepsPerEpoch, run.checkpointEvery))
                .maxSeconds(budget.budgetSeconds()).maxSteps(budget.stepLimit())
                .runConfig(settings.toCompactJson())
                .out(o);
        if (diagnose != null) {
            GradientDiagnostics g = new GradientDiagnostics(files.out.resolve("diagnostics"), diagnose)
                    .log(s -> o.println("diagnostics: " + s));
            int n = Math.min(batch, nTrain);                               // the same batch every time: the first pairs
            List<int[]> src = sources.subList(0, n), tgt = targets.subList(0, n);
            builder.callback(new Callback() {
                @Override
                public void onEpochStart(Trainer t, int epoch) {
                    if (t.globalStep() == 0) g.maybeRecord(0, model, model.encoder(), () -> model.probe(src, tgt));
                }

                @Override
                public void onBatchEnd(Trainer t, long step, double loss, double norm) {
                    g.maybeRecord(step, model, model.encoder(), () -> model.probe(src, tgt));
                }
            });
        }
        Trainer trainer = builder.build();

        o.println(Cli.fmt("data: %s: %,d pairs for training, %s; %s vocabularies: source %,d, target %,d; longest target %d"
                        + " tokens (decoding limit %d)", data, nTrain,
                validation == null ? "no validation" : Cli.fmt("%,d for validation", validation.size()),
                level.name().toLowerCase(), sourceVocab.size(), targetVocab.size(), longest, limit));
        o.println(Cli.fmt("model: %s encoder-decoder %d x %d, embedding %d, dropout %s, attention %s: %,d parameters; %s lr %s,"
                        + " clip %s, batch %d", cell.name().toLowerCase(), layers, hidden, e, dropout, attention.cliName(),
                model.parameterCount(), opt.name(),
                rate, optim.clipNorm, batch));
        if (run.resume) TrainerRun.resume(trainer, dir.checkpoint(), settings, o);
        TrainerRun.Result r = TrainerRun.fit(trainer, trainSet, validSet, dir, budget.maxSteps, o);

        Map<String, Double> metrics = new LinkedHashMap<>();
        if (trainer.history().epochs() > 0) metrics.put("train_loss", trainer.history().last().get("train_loss"));
        if (validSet != null && !r.interrupted()) {       // an interrupted run saves at once; the final scores can wait
            Map<String, Double> v = trainer.evaluate(validSet);
            metrics.put("valid_loss", v.get("loss"));
            metrics.put("valid_exact_match", v.get("exact_match"));
            o.println(Cli.fmt("validation: loss %.4f per target token, exact match %.4f (greedy, %,d pairs)", v.get("loss"),
                    v.get("exact_match"), validSet.size()));
            showExamples(o, model, sources, targets, nTrain, sourceVocab, targetVocab, tok, limit, validation);
        }
        Path modelDir = dir.model();
        Seq2SeqFiles.save(modelDir, model, sourceVocab, tok, targetVocab, tok, limit, ModelFile.Provenance.now(
                data.toAbsolutePath().normalize().toString(), r.epochs(), r.steps(), r.seconds(), metrics,
                TrainerRun.commandLine(spec)));
        dir.printSaved(o, r.epochs(), r.steps(), r.seconds(), r.finished(), r.interrupted());
        return r.interrupted() ? RunOutput.INTERRUPTED_STATUS : 0;
    }

    /** Appends every pair's ids; a source without tokens fails with its line. */
    private static void encode(PairData d, Tokenizer tok, Vocabulary sv, Vocabulary tv, List<int[]> sources, List<int[]> targets) {
        for (int i = 0; i < d.size(); i++) {
            int[] s = sv.encode(d.sources().get(i), tok);
            if (s.length == 0) {
                throw new Cli.Failure(d.source() + ":" + d.lines().get(i) + ": the source has no tokens (the encoder needs one)");
            }
            int[] t = tv.encode(d.targets().get(i), tok);
            if (Math.max(s.length, t.length) > Seq2Seq.MAX_LENGTH) {
                throw new Cli.Failure(Cli.fmt("%s:%d: the %s has %,d tokens, more than the %,d a seq2seq pair may have"
                                + " (memory grows with the longest pair in a batch); split or drop the pair", d.source(),
                        d.lines().get(i), s.length >= t.length ? "source" : "target", Math.max(s.length, t.length),
                        Seq2Seq.MAX_LENGTH));
            }
            sources.add(s);
            targets.add(t);
        }
    }

    /** Pairs {@code from … to-1} as a dataset whose label is the pair's index. */
    private static SequenceDataset dataset(List<int[]> sources, int from, int to) {
        int[] ids = new int[to - from];
        for (int i = 0; i < ids.length; i++) ids[i] = from + i;
        return SequenceDataset.ofTokens(sources.subList(from, to), ids);
    }

    private void showExamples(PrintStream o, Seq2Seq model, List<int[]> sources, List<int[]> targets, int nTrain,
                              Vocabulary sv, Vocabulary tv, Tokenizer tok, int limit, PairData validation) {
        int n = Math.min(examples, sources.size() - nTrain);
        if (n <= 0) return;
        List<int[]> got = model.greedy(sources.subList(nTrain, nTrain + n), limit);
        for (int i = 0; i < n; i++) {
            String want = tv.decode(targets.get(nTrain + i), tok), have = tv.decode(got.get(i), tok);
            o.println("  " + quote(validation.sources().get(i)) + " -> " + quote(have)
                    + (Arrays.equals(got.get(i), targets.get(nTrain + i)) ? "  (right)" : "  (expected " + quote(want) + ")"));
        }
    }

    private static String quote(String s) {
        return "'" + s.replace("\n", "\\n").replace("\t", "\\t") + "'";
    }

    private void validate() {
        files.validate(spec);
        vocabFlags.validate(spec, 3);
        shape.validate(spec, embedding);
        Cli.require(spec, lr == null || (lr > 0 && Double.isFinite(lr)), "--lr must be > 0, got " + lr);
        optim.validate(spec);
        Cli.require(spec, batch >= 1, "--batch must be >= 1, got " + batch);
        Cli.require(spec, epochs >= 1, "--epochs must be >= 1, got " + epochs);
        budget.validate(spec);
        Cli.require(spec, maxLength == null || maxLength >= 1, "--max-length must be >= 1, got " + maxLength);
        Cli.require(spec, maxLength == null || maxLength <= Seq2Seq.MAX_LENGTH, "--max-length must be at most "
                + Seq2Seq.MAX_LENGTH + ", got " + maxLength);
        Cli.require(spec, examples >= 0, "--examples must be >= 0, got " + examples);
        Cli.require(spec, diagnose == null || diagnose >= 1, "--diagnose must be >= 1 (steps between records), got " + diagnose);
        Cli.require(spec, run.checkpointEvery >= 0, "--checkpoint-every must be >= 0, got " + run.checkpointEvery);
        run.show.validate(spec);
    }
}
