package dev.jrnn.cli;

import dev.jrnn.io.ModelConfig;
import dev.jrnn.io.ModelFile;
import dev.jrnn.io.ModelFileException;
import dev.jrnn.nn.rnn.RnnKernels;
import dev.jrnn.nn.Init;
import dev.jrnn.nn.Parameter;
import dev.jrnn.optim.Adam;
import dev.jrnn.optim.LrSchedule;
import dev.jrnn.optim.Optimizer;
import dev.jrnn.optim.Sgd;
import dev.jrnn.text.LanguageModel;
import dev.jrnn.text.LanguageModelConfig;
import dev.jrnn.text.LanguageModelFiles;
import dev.jrnn.text.WordTokenizer;
import dev.jrnn.tensor.Rng;
import dev.jrnn.train.Checkpoint;
import dev.jrnn.train.diagnostics.GradientDiagnostics;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code jrnn train lm}: a language model on a text file, saved as a model directory ({@code OUT/model}), with a
 * checkpoint ({@code OUT/checkpoint.safetensors}) to resume from and the per-epoch metrics ({@code OUT/metrics.csv}).
 */
@Command(name = "lm", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a char- or word-level language model on a text file (UTF-8, or gzipped).",
                "Writes OUT/model/ (config.json, weights.safetensors, vocab.txt), OUT/checkpoint.safetensors and "
                        + "OUT/metrics.csv. Run the same command with --resume to continue an interrupted run."},
        footer = {"", "Example:",
                "  jrnn train lm --data input.txt --out runs/shakespeare --minutes 10",
                "  jrnn train lm --data input.txt --out runs/shakespeare --minutes 10 --resume",
                "  jrnn sample runs/shakespeare --seed-text 'ROMEO:' --length 400"})
final class TrainLmCommand implements Callable<Integer> {
    /** The recurrent cell, as the flag spells it. */
    enum Cell {
        LSTM(RnnKernels.CellType.LSTM), GRU(RnnKernels.CellType.GRU), RNN(RnnKernels.CellType.RNN_TANH),
        MINGRU(RnnKernels.CellType.MIN_GRU), MINLSTM(RnnKernels.CellType.MIN_LSTM);
        final RnnKernels.CellType type;

        Cell(RnnKernels.CellType type) { this.type = type; }
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Training text (UTF-8; .gz is read too).")
    Path data;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory (created if needed).")
    Path out;

    @Option(names = "--valid", paramLabel = "FILE", description = "Validation text (default: the last --valid-fraction of --data).")
    Path valid;

    @Option(names = "--valid-fraction", defaultValue = "0.05", paramLabel = "F",
            description = "Share of --data held out for validation when --valid is not given (default: ${DEFAULT-VALUE}).")
    double validFraction;

    @Option(names = "--level", defaultValue = "char", paramLabel = "char|word",
            description = "Token level: char, or word (punctuation split off, <eos> at line ends) (default: ${DEFAULT-VALUE}).")
    LmData.Level level;

    @Option(names = "--punctuation", defaultValue = "split", paramLabel = "split|keep",
            description = "Word level: split punctuation marks off as tokens, or keep whitespace-separated tokens as they are "
                    + "(use keep for pre-tokenized corpora such as PTB) (default: ${DEFAULT-VALUE}).")
    WordTokenizer.Punctuation punctuation;

    @Option(names = "--lowercase", description = "Lower-case the text first.")
    boolean lowercase;

    @Option(names = "--min-freq", defaultValue = "1", paramLabel = "N",
            description = "Keep tokens seen at least N times; rarer ones become <unk> (default: ${DEFAULT-VALUE}).")
    int minFreq;

    @Option(names = "--max-vocab", defaultValue = "0", paramLabel = "N",
            description = "At most N ids, specials included, most frequent first (default: 0 = no limit).")
    int maxVocab;

    @Option(names = "--cell", defaultValue = "lstm", paramLabel = "lstm|gru|rnn|mingru|minlstm", description = "Recurrent cell (default: ${DEFAULT-VALUE}).")
    Cell cell;

    @Option(names = "--layers", defaultValue = "1", paramLabel = "N", description = "Stacked recurrent layers (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--hidden", defaultValue = "256", paramLabel = "H", description = "Hidden units per layer (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--embedding", paramLabel = "E", description = "Token vector size (default: 32 for char, 128 for word).")
    Integer embedding;

    @Option(names = "--dropout", defaultValue = "0", paramLabel = "P",
            description = "Dropout on embeddings, between layers and before the output, in [0, 1) (default: ${DEFAULT-VALUE}).")
    double dropout;

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

    @Option(names = "--minutes", paramLabel = "M", description = "Time budget of this invocation; stops after the step that exceeds it.")
    Double minutes;

    @Option(names = "--max-steps", paramLabel = "N", description = "Stop after N steps in all, counting resumed ones.")
    Long maxSteps;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "Seed of the initial weights and dropout (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--checkpoint-every", defaultValue = "200", paramLabel = "N",
            description = "Write OUT/checkpoint.safetensors every N steps, and after every epoch; 0 = epochs only (default: ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--resume", description = "Continue the run in --out from its checkpoint (same data and settings).")
    boolean resume;

    @Option(names = "--diagnose", paramLabel = "N",
            description = "Every N steps (and before the first), record gradient-flow diagnostics on the first training chunk: "
                    + "the norm of dL/dh_t for every step t, the spectral radius of each W_hh, gate saturation; written to "
                    + "OUT/diagnostics/ (diagnostics.jsonl, .csv, PNG plots; started afresh by a resumed run).")
    Integer diagnose;

    @Option(names = "--progress", defaultValue = "auto", paramLabel = "auto|bar|lines|none",
            description = "Progress: a bar on a terminal, lines elsewhere (default: ${DEFAULT-VALUE}).")
    LmTraining.ProgressMode progress;

    @Option(names = "--log-every", defaultValue = "100", paramLabel = "N", description = "In lines mode, a line every N steps (default: ${DEFAULT-VALUE}).")
    int logEvery;

    @Override
    public Integer call() throws IOException {
        validate();
        PrintStream o = System.out;
        Path ckpt = out.resolve("checkpoint.safetensors");
        if (resume && !Files.isRegularFile(ckpt)) {
            throw new Cli.Failure(out + ": no checkpoint.safetensors to resume from (start without --resume)");
        }
        if (!resume && Files.exists(ckpt)) {
            throw new Cli.Failure(out + " already holds a run (checkpoint.safetensors): add --resume to continue it, or"
                    + " choose another --out");
        }
        String text = Cli.readText(data, "--data");
        String validText = valid == null ? null : Cli.readText(valid, "--valid");
        LmData d = LmData.prepare(data.toString(), text, validText, validFraction, level, lowercase, minFreq, maxVocab, punctuation);
        int e = embedding != null ? embedding : level == LmData.Level.CHAR ? 32 : 128;
        double rate = lr != null ? lr : optim.sgd() ? 1.0 : 0.002;
        LanguageModelConfig config = LanguageModelConfig.of(d.vocabulary().size(), e, hidden).withCell(cell.type)
                .withLayers(layers).withDropout(dropout).withSeed(seed)
                .withSpecials(d.startId(), d.eosId(), d.vocabulary().unkId());
        LanguageModel lm = new LanguageModel(config);
        if (initUniform != null) {
            Rng rng = new Rng(seed ^ 0x5DEECE66DL);
            for (Parameter p : lm.parameters()) p.data().copyFrom(Init.uniform(rng, p.data().dtype(), initUniform, p.data().shape()));
        }
        Optimizer opt = optim.build(lm.parameters(), rate);
        ModelConfig run = runConfig(d, text, config, rate);

        Files.createDirectories(out);
        int totalEpochs = epochs != null ? epochs : minutes != null || maxSteps != null ? 0 : 10;
        LmTraining.Loop loop = new LmTraining.Loop(batch, bptt, optim.clipNorm, totalEpochs, minutes == null ? 0 : minutes * 60,
                maxSteps == null ? 0 : maxSteps, checkpointEvery, logEvery, 0, progress,
                lrDecay == 1 ? null : LrSchedule.decayAfter(rate, lrDecayAfter, lrDecay));
        LmTraining training = new LmTraining(lm, opt, d.train(), d.valid(), loop, o, d.unit(), out, run.toCompactJson());
        if (diagnose != null) {
            training.diagnose(new GradientDiagnostics(out.resolve("diagnostics"), diagnose).log(s -> o.println("diagnostics: " + s)));
        }

        o.println(Cli.fmt("data: %s: %,d %s tokens for training, %,d for validation%s; vocabulary %,d", data,
                d.train().length, d.unit(), d.valid().length,
                d.validUnknown() > 0 ? Cli.fmt(" (%,d of them <unk>)", d.validUnknown()) : "", d.vocabulary().size()));
        o.println(Cli.fmt("model: %s %d x %d, embedding %d, dropout %s: %,d parameters; %s lr %s, clip %s, batch %d x bptt %d"
                        + " = %d steps/epoch", cell.name().toLowerCase(), layers, hidden, e, dropout, lm.parameterCount(),
                opt.name(), rate, optim.clipNorm, training.rows(), bptt, training.stepsPerEpoch()));
        if (resume) {
            Checkpoint c = Checkpoint.read(ckpt);
            List<String> diffs = differences(LmTraining.checkpointConfig(c, ckpt), run);
            if (!diffs.isEmpty()) {
                throw new Cli.Failure(ckpt + " was written by a different run: " + String.join("; ", diffs)
                        + " (use the same data and settings, or another --out)");
            }
            training.resumeFrom(c, ckpt);
            o.println("resuming from " + ckpt + " (" + LmTraining.position(c) + ")");
        }
        LmTraining.Result r = training.run();

        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("train_loss", r.trainNll());
        metrics.put("train_bits_per_" + d.unit(), r.trainNll() / Math.log(2));
        if (r.valid() != null) {
            metrics.put("valid_loss", r.valid().meanNll());
            metrics.put("valid_bits_per_" + d.unit(), r.valid().bitsPerToken());
            metrics.put("valid_perplexity", r.valid().perplexity());
        }
        Path modelDir = out.resolve("model");
        LanguageModelFiles.save(modelDir, lm, d.vocabulary(), d.tokenizer(), ModelFile.Provenance.now(
                data.toAbsolutePath().normalize().toString(), r.epochs(), r.steps(), r.seconds(), metrics,
                "jrnn " + String.join(" ", spec.commandLine().getParseResult().originalArgs())));
        o.println(Cli.fmt("saved %s (%d epochs, %d steps, %.0fs)%s", modelDir, r.epochs(), r.steps(), r.seconds(),
                r.finished() ? "" : "; continue with the same command and --resume"));
        return 0;
    }

    private void validate() {
        Cli.require(spec, validFraction >= 0 && validFraction <= 0.5, "--valid-fraction must be in [0, 0.5], got " + validFraction);
        Cli.require(spec, minFreq >= 1, "--min-freq must be >= 1, got " + minFreq);
        Cli.require(spec, maxVocab == 0 || maxVocab >= 2, "--max-vocab must be 0 (no limit) or >= 2, got " + maxVocab);
        Cli.require(spec, layers >= 1 && hidden >= 1, "--layers and --hidden must be >= 1, got " + layers + " and " + hidden);
        Cli.require(spec, embedding == null || embedding >= 1, "--embedding must be >= 1, got " + embedding);
        Cli.require(spec, dropout >= 0 && dropout < 1, "--dropout must be in [0, 1), got " + dropout);
        Cli.require(spec, lr == null || (lr > 0 && Double.isFinite(lr)), "--lr must be > 0, got " + lr);
        Cli.require(spec, lrDecay > 0 && lrDecay <= 1, "--lr-decay must be in (0, 1], got " + lrDecay);
        Cli.require(spec, lrDecayAfter >= 0, "--lr-decay-after must be >= 0, got " + lrDecayAfter);
        Cli.require(spec, initUniform == null || (initUniform > 0 && Double.isFinite(initUniform)),
                "--init-uniform must be > 0, got " + initUniform);
        optim.validate(spec);
        Cli.require(spec, bptt >= 1 && batch >= 1, "--bptt and --batch must be >= 1, got " + bptt + " and " + batch);
        Cli.require(spec, epochs == null || epochs >= 1, "--epochs must be >= 1, got " + epochs);
        Cli.require(spec, minutes == null || minutes > 0, "--minutes must be > 0, got " + minutes);
        Cli.require(spec, maxSteps == null || maxSteps >= 1, "--max-steps must be >= 1, got " + maxSteps);
        Cli.require(spec, diagnose == null || diagnose >= 1, "--diagnose must be >= 1 (steps between records), got " + diagnose);
        Cli.require(spec, checkpointEvery >= 0 && logEvery >= 0, "--checkpoint-every and --log-every must be >= 0");
    }

    /** Everything that must be the same for {@code --resume} to continue a run, as JSON. */
    private ModelConfig runConfig(LmData d, String text, LanguageModelConfig config, double rate) {
        return ModelConfig.builder()
                .put("task", "lm")
                .put("data_sha256", ModelFile.sha256(text.getBytes(StandardCharsets.UTF_8)))
                .put("valid", valid == null ? null : valid.toString())
                .put("valid_fraction", validFraction)
                .put("level", level.name().toLowerCase())
                .putAll(punctuation == WordTokenizer.Punctuation.SPLIT ? ModelConfig.builder().build()
                        : ModelConfig.builder().put("punctuation", punctuation.name().toLowerCase()).build())
                .put("lowercase", lowercase).put("min_freq", (long) minFreq).put("max_vocab", (long) maxVocab)
                .put("vocabulary_fingerprint", d.vocabulary().fingerprint())
                .put("model", LanguageModelFiles.modelSection(config))
                .put("optimizer", optim.kind.name().toLowerCase()).put("lr", rate).put("momentum", optim.momentum)
                .put("weight_decay", optim.weightDecay).put("clip_norm", optim.clipNorm).put("bptt", (long) bptt).put("batch", (long) batch)
                .build();
    }

    /** The settings that differ between a checkpoint's run and this one, in flag terms. */
    static List<String> differences(ModelConfig saved, ModelConfig now) throws ModelFileException {
        List<String> out = new ArrayList<>();
        for (String key : now.keys()) {
            Object a = saved.get(key), b = now.get(key);
            if (a instanceof ModelConfig && b instanceof ModelConfig) {
                ModelConfig ma = (ModelConfig) a, mb = (ModelConfig) b;
                for (String k : mb.keys()) {
                    if (!java.util.Objects.equals(ma.get(k), mb.get(k))) {
                        out.add(k + " was " + ma.get(k) + ", now " + mb.get(k));
                    }
                }
            } else if (!java.util.Objects.equals(a, b)) {
                String what = key.equals("data_sha256") ? "the --data text differs"
                        : key.equals("vocabulary_fingerprint") ? "the vocabulary differs"
                        : "--" + key.replace('_', '-') + " was " + a + ", now " + b;
                if (!out.contains(what)) out.add(what);
            }
        }
        return out;
    }
}
