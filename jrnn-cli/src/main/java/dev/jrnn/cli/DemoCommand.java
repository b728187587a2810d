package dev.jrnn.cli;

import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.autograd.Autograd;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.io.ModelFile;
import dev.jrnn.nn.Activation;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.Losses;
import dev.jrnn.nn.Sequential;
import dev.jrnn.optim.Adam;
import dev.jrnn.optim.Optimizer;
import dev.jrnn.optim.Sgd;
import dev.jrnn.tensor.Blas;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.text.LanguageModel;
import dev.jrnn.text.LanguageModelConfig;
import dev.jrnn.text.LanguageModelFiles;
import dev.jrnn.text.SamplingConfig;
import dev.jrnn.text.WordTokenizer;
import dev.jrnn.optim.DivergedException;
import dev.jrnn.train.Callback;
import dev.jrnn.train.StepSource;
import dev.jrnn.train.Trainer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The README's main job: a character-level LSTM learns to write like Shakespeare. It trains on <i>Coriolanus</i>
 * (shipped in the jar, see {@code resources/dev/jrnn/cli/demo/README.md}) for about a minute with a progress bar
 * (plain lines when the output is not a terminal), printing the validation bits per character and a short sample
 * after every epoch, then prints samples of the trained model. {@code --spirals} runs the earlier demo, a
 * perceptron on two interleaved spirals.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a character-level LSTM on Shakespeare's Coriolanus (shipped with jrnn) for about a minute, "
                + "then print samples of what it learned.",
                "The last 10% of the play is held out; the demo reports its bits per character after every epoch."},
        footer = {"", "Examples:", "  jrnn demo", "  jrnn demo --seconds 300 --hidden 512 --out runs/demo",
                "  jrnn demo --spirals        (the earlier demo: a perceptron on two spirals)"})
final class DemoCommand implements Callable<Integer> {
    /** The corpus, a classpath resource. */
    static final String TEXT = "/dev/jrnn/cli/demo/coriolanus.txt";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--seconds", defaultValue = "60", paramLabel = "S", description = "Training time (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--hidden", defaultValue = "256", paramLabel = "H", description = "LSTM units (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--layers", defaultValue = "1", paramLabel = "N", description = "LSTM layers (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--embedding", defaultValue = "32", paramLabel = "E", description = "Character vector size (default: ${DEFAULT-VALUE}).")
    int embedding;

    @Option(names = "--batch", defaultValue = "32", paramLabel = "B", description = "Parallel rows (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--bptt", defaultValue = "64", paramLabel = "T", description = "Truncated BPTT length (default: ${DEFAULT-VALUE}).")
    int bptt;

    @Option(names = "--dropout", defaultValue = "0.2", paramLabel = "P",
            description = "Dropout on the character vectors and the LSTM output, in [0, 1) (default: ${DEFAULT-VALUE}).")
    double dropout;

    @Option(names = "--lr", defaultValue = "0.005", paramLabel = "LR", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "Seed of the weights and the samples (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--samples", defaultValue = "3", paramLabel = "N", description = "Samples printed at the end (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--length", defaultValue = "300", paramLabel = "N", description = "Characters per sample (default: ${DEFAULT-VALUE}).")
    int length;

    @Option(names = "--temperature", defaultValue = "0.7", paramLabel = "T", description = "Sampling temperature (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--text", paramLabel = "FILE", description = "Train on this text instead of Coriolanus.")
    Path text;

    @Option(names = "--out", paramLabel = "DIR", description = "Also save the trained model there (for jrnn sample / eval / inspect).")
    Path out;

    @Option(names = "--overwrite", description = "Let --out replace a directory that is not empty (a model saved before).")
    boolean overwrite;

    @CommandLine.Mixin
    ProgressOptions show;

    @Option(names = "--spirals", description = "Run the earlier demo instead: a perceptron learns two interleaved spirals.")
    boolean spirals;

    @Override
    public Integer call() throws IOException {
        if (spirals) {
            return SpiralsDemo.run(400, 64, 600, 50, 0.05, 0.99, 7, System.out) >= 0.99 ? 0 : 1;
        }
        Cli.require(spec, seconds > 0, "--seconds must be > 0, got " + seconds);
        Cli.require(spec, hidden >= 1 && layers >= 1 && embedding >= 1 && batch >= 1 && bptt >= 1,
                "--hidden, --layers, --embedding, --batch and --bptt must be >= 1");
        Cli.require(spec, lr > 0, "--lr must be > 0, got " + lr);
        Cli.require(spec, dropout >= 0 && dropout < 1, "--dropout must be in [0, 1), got " + dropout);
        Cli.require(spec, samples >= 0 && length >= 1, "--samples must be >= 0 and --length >= 1");
        Cli.require(spec, temperature > 0, "--temperature must be > 0, got " + temperature);
        if (out != null) RunOutput.checkModelTarget(spec, out, overwrite);       // refuse before a minute of training
        String corpus = text == null ? Cli.readResource(TEXT) : Cli.readText(text, "--text");
        String name = text == null ? "Shakespeare's Coriolanus" : text.toString();
        return CharLstmDemo.run(new CharLstmDemo.Settings(corpus, name, seconds, hidden, layers, embedding, batch, bptt, dropout,
                lr, seed, samples, length, temperature, out, show.progress), System.out);
    }

    /** The char-LSTM demo, separate from option parsing so tests can run it small. */
    static final class CharLstmDemo {
        private CharLstmDemo() {}

        /** Everything the demo needs. */
        record Settings(String text, String name, double seconds, int hidden, int layers, int embedding, int batch, int bptt,
                        double dropout, double lr, long seed, int samples, int length, double temperature, Path out,
                        Trainer.ProgressMode progress) {}

        /** Trains, samples, prints; returns the exit status. */
        static int run(Settings s, PrintStream o) throws IOException {
            LmData d = LmData.prepare(s.name(), s.text(), null, 0.1, LmData.Level.CHAR, false, 1, 0,
                    WordTokenizer.Punctuation.SPLIT);
            LanguageModelConfig config = LanguageModelConfig.of(d.vocabulary().size(), s.embedding(), s.hidden())
                    .withCell(CellType.LSTM).withLayers(s.layers()).withDropout(s.dropout()).withSeed(s.seed())
                    .withSpecials(d.startId(), d.eosId(), d.vocabulary().unkId());
            LanguageModel lm = new LanguageModel(config);
            Optimizer opt = new Adam(lm.parameters(), Adam.Config.adam(s.lr()));
            int rows = Math.max(1, Math.min(s.batch(), d.train().length / 2));
            StepSource trainSteps = lm.steps(d.train(), rows, s.bptt());
            StepSource validSteps = d.valid().length < 2 ? null : lm.steps(d.valid(), Math.min(rows, d.valid().length / 2), s.bptt());
            Rng peekRng = new Rng(s.seed() + 1000);
            SamplingConfig peek = SamplingConfig.defaults().withTemperature(s.temperature()).withMaxLength(72).withResampleUnk(true);
            Trainer trainer = Trainer.builder(lm, opt)
                    .config(Trainer.Config.of(Integer.MAX_VALUE, rows).withClipNorm(5.0).withCheckpoints(0, 0)
                            .withProgress(s.progress(), 0).withLanguageModelMetrics(true))
                    .maxSeconds(s.seconds()).logEverySeconds(10).out(o)
                    .callback(new Callback() {
                        @Override
                        public void onEpochEnd(Trainer t, int epoch, Map<String, Double> row) {
                            o.println("    sample: " + Cli.oneLine(d.vocabulary().decode(
                                    lm.generate(new int[0], peek, peekRng).tokens(), d.tokenizer())));
                        }
                    })
                    .build();

            Blas.backend();                                  // load the BLAS now, so that its log line comes first
            o.println(Cli.fmt("jrnn demo: a character-level LSTM learns to write like Shakespeare, trained for %s s.", fmtSeconds(s.seconds())));
            o.println(Cli.fmt("text:  %s: %,d characters to learn from, the last %,d held out to validate; %d distinct characters",
                    s.name(), d.train().length, d.valid().length, d.vocabulary().size() - 1));
            o.println(Cli.fmt("model: LSTM %s%d, character vectors of %d%s: %,d parameters; Adam lr %s, gradient norm clipped at 5,"
                            + " %d rows x %d characters per step (%d steps per epoch), BLAS %s",
                    s.layers() > 1 ? s.layers() + " layers of " : "", s.hidden(), s.embedding(),
                    s.dropout() > 0 ? ", dropout " + s.dropout() : "", lm.parameterCount(), s.lr(),
                    rows, s.bptt(), trainSteps.steps(), Blas.backend()));
            o.println(Cli.fmt("A model that knows nothing needs log2(%d) = %.2f bits per character; watch it drop.",
                    d.vocabulary().size(), Math.log(d.vocabulary().size()) / Math.log(2)));
            long t0 = System.nanoTime();
            try {
                trainer.fit(trainSteps, validSteps);
            } catch (DivergedException e) {
                throw new Cli.Failure(RunOutput.seen(e) + ". Nothing was saved. Lower --lr (now " + s.lr() + ").");
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            long steps = trainer.globalStep();
            Map<String, Double> last = trainer.lastRow() == null ? Map.of() : trainer.lastRow();

            o.println();
            o.println(Cli.fmt("Trained %d steps in %.0f s (%.1f steps/s).", steps, seconds, steps / seconds)
                    + (!last.containsKey("val_loss") ? "" : Cli.fmt(" Validation: %.3f bits per character (perplexity %.2f).",
                    last.get("val_bpc"), last.get("val_ppl"))));
            SamplingConfig sampling = SamplingConfig.defaults().withTemperature(s.temperature()).withMaxLength(s.length())
                    .withResampleUnk(true);
            Rng rng = new Rng(s.seed());
            for (int i = 0; i < s.samples(); i++) {
                o.println();
                o.println(Cli.fmt("--- sample %d of %d (temperature %s) ---", i + 1, s.samples(), s.temperature()));
                int[] ids = lm.generate(new int[0], sampling, rng).tokens();
                o.println(d.vocabulary().decode(ids, d.tokenizer()).strip());
            }
            if (s.out() != null) {
                Map<String, Double> metrics = new LinkedHashMap<>();
                metrics.put("train_loss", last.getOrDefault("train_loss", Double.NaN));
                if (last.containsKey("val_loss")) {
                    metrics.put("valid_loss", last.get("val_loss"));
                    metrics.put("valid_bits_per_char", last.get("val_bpc"));
                }
                if (s.out().getParent() != null) Files.createDirectories(s.out().toAbsolutePath().getParent());
                LanguageModelFiles.save(s.out(), lm, d.vocabulary(), d.tokenizer(), ModelFile.Provenance.now(s.name(),
                        trainer.epoch(), steps, seconds, metrics, "jrnn demo"));
                o.println();
                o.println("saved the model to " + s.out() + " (try: ./jrnn sample " + s.out() + " --seed-text 'MENENIUS:')");
            }
            return 0;
        }

        private static String fmtSeconds(double s) {
            return s == Math.rint(s) ? Long.toString((long) s) : Double.toString(s);
        }
    }

    /** The demo itself, separate from option parsing so tests can run it small. */
    static final class SpiralsDemo {
        private SpiralsDemo() {}

        /** Trains and returns the final training accuracy. */
        static double run(int points, int hidden, int epochs, int batch, double lr, double target, long seed, PrintStream out) {
            Rng rng = new Rng(seed);
            int n = 2 * points;
            float[] xs = new float[n * 2];
            int[] ys = new int[n];
            for (int i = 0; i < points; i++) {
                double r = (double) i / points * 5 + 0.5;           // radius grows with the angle
                double a = (double) i / points * 3 * Math.PI;       // one and a half turns
                for (int cls = 0; cls < 2; cls++) {
                    int k = 2 * i + cls;
                    double sign = cls == 0 ? 1 : -1;                // the second spiral is the first rotated by pi
                    xs[2 * k] = (float) (sign * r * Math.cos(a) / 3 + 0.02 * rng.nextGaussian());
                    xs[2 * k + 1] = (float) (sign * r * Math.sin(a) / 3 + 0.02 * rng.nextGaussian());
                    ys[k] = cls;
                }
            }
            Sequential model = new Sequential(
                    new Linear(2, hidden, rng), new Activation(Activation.Kind.TANH),
                    new Linear(hidden, hidden, rng), new Activation(Activation.Kind.TANH),
                    new Linear(hidden, 2, rng));
            Sgd opt = new Sgd(model.parameters(), new Sgd.Config(lr, 0.9, false, 0));
            out.printf("jrnn demo: two spirals, %d points, MLP 2-%d-%d-2 (%d parameters), SGD lr=%s momentum=0.9, BLAS=%s%n",
                    n, hidden, hidden, model.parameterCount(), lr, Blas.backend());
            NdArray all = NdArray.of(xs, n, 2);
            int[] order = new int[n];
            for (int i = 0; i < n; i++) order[i] = i;
            long start = System.nanoTime();
            double acc = 0;
            for (int epoch = 1; epoch <= epochs; epoch++) {
                rng.shuffle(order);
                double lossSum = 0;
                int batches = 0;
                for (int b0 = 0; b0 < n; b0 += batch) {
                    int m = Math.min(batch, n - b0);
                    float[] bx = new float[m * 2];
                    int[] by = new int[m];
                    for (int j = 0; j < m; j++) {
                        int k = order[b0 + j];
                        bx[2 * j] = xs[2 * k];
                        bx[2 * j + 1] = xs[2 * k + 1];
                        by[j] = ys[k];
                    }
                    opt.zeroGrad();
                    Tensor loss = Losses.crossEntropy(model.forward(Tensor.of(bx, m, 2)), by);
                    loss.backward();
                    opt.step();
                    lossSum += loss.item();
                    batches++;
                }
                acc = accuracy(model, all, ys);
                if (epoch == 1 || epoch % 25 == 0 || acc >= target) {
                    out.printf("epoch %4d  loss %.4f  train accuracy %6.2f%%  (%.1f s)%n",
                            epoch, lossSum / batches, 100 * acc, (System.nanoTime() - start) / 1e9);
                }
                if (acc >= target) {
                    break;
                }
            }
            out.printf("%s: training accuracy %.2f%% (target %.0f%%)%n", acc >= target ? "learned" : "did not reach target",
                    100 * acc, 100 * target);
            return acc;
        }

        private static double accuracy(Sequential model, NdArray x, int[] ys) {
            try (var scope = Autograd.noGrad()) {
                int[] pred = model.forward(Tensor.constant(x)).data().argmax(1);
                int ok = 0;
                for (int i = 0; i < ys.length; i++) ok += pred[i] == ys[i] ? 1 : 0;
                return (double) ok / ys.length;
            }
        }
    }
}
