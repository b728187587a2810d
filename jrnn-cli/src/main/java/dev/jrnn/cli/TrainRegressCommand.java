package dev.jrnn.cli;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.io.ModelConfig;
import dev.jrnn.io.ModelFile;
import dev.jrnn.io.Printable;
import dev.jrnn.nn.Losses;
import dev.jrnn.optim.Optimizer;
import dev.jrnn.series.ForecastSpec;
import dev.jrnn.series.SequenceRegressor;
import dev.jrnn.series.SequenceRegressorFiles;
import dev.jrnn.series.Standardizer;
import dev.jrnn.series.TimeSeries;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code jrnn train regress}: sequence regression and time-series forecasting from a CSV file. Sliding windows of
 * {@code --window} rows of the input columns predict the next {@code --horizon} values of the target columns; every
 * column is standardised with the statistics of the training rows; the last {@code --valid-fraction} of the rows is
 * held out (a tail split: the model is validated on the future, never on the past). The model is a
 * {@link SequenceRegressor} trained by the library's {@link Trainer} on the mean squared error of the standardised
 * targets; MSE and MAE are reported in the data's units, beside the persistence baseline (the last value carried
 * forward). Saved as a model directory ({@link SequenceRegressorFiles}) that {@code jrnn predict} reads.
 */
@Command(name = "regress", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a recurrent forecaster on a CSV file of numeric columns in time order (a header line is "
                + "recognised; text columns such as dates are ignored unless named): windows of --window rows of the "
                + "--inputs columns predict the next --horizon values of the --target columns.",
                "Inputs and targets are standardised with the training rows' mean and std (saved with the model); the "
                        + "last --valid-fraction of the rows is held out. Reports MSE and MAE in the data's units, and the "
                        + "persistence baseline. Writes OUT/model/, OUT/checkpoint.safetensors and OUT/metrics.csv; "
                        + "--resume continues an interrupted run."},
        footer = {"", "Example (hourly data: 24 hours of temperature and humidity predict the",
                "next 3 hours of temperature):",
                "  jrnn train regress --data weather.csv --out runs/weather \\",
                "      --target temp --inputs temp,humidity --window 24 --horizon 3",
                "  jrnn predict runs/weather --input weather.csv"})
final class TrainRegressCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "CSV file, one row per time step (, ; or TAB; .gz is read too).")
    Path data;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory (created if needed).")
    Path out;

    @Option(names = "--header", defaultValue = "auto", paramLabel = "auto|yes|no",
            description = "Whether the first line names the columns; auto: when it holds text (default: ${DEFAULT-VALUE}).")
    TimeSeries.Header header;

    @Option(names = "--target", paramLabel = "COLS",
            description = "Column(s) to predict, by name or 1-based number, comma-separated (default: the last column, which must then hold only numbers and vary).")
    String target;

    @Option(names = "--inputs", paramLabel = "COLS",
            description = "Column(s) read at every step, comma-separated (default: every numeric column, targets included).")
    String inputs;

    @Option(names = "--window", defaultValue = "24", paramLabel = "T", description = "Rows in one input window (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--horizon", defaultValue = "1", paramLabel = "H",
            description = "How many rows after the window are predicted, each target at steps +1..+H (default: ${DEFAULT-VALUE}).")
    int horizon;

    @Option(names = "--valid-fraction", defaultValue = "0.2", paramLabel = "F",
            description = "Share of the rows, at the end, held out for validation; 0 = none (default: ${DEFAULT-VALUE}).")
    double validFraction;

    @Option(names = "--cell", defaultValue = "lstm", paramLabel = "lstm|gru|rnn|mingru|minlstm|ttt-linear", description = "Recurrent cell (default: ${DEFAULT-VALUE}).")
    TrainLmCommand.Cell cell;

    @Option(names = "--layers", defaultValue = "1", paramLabel = "N", description = "Stacked recurrent layers (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--hidden", defaultValue = "64", paramLabel = "H", description = "Hidden units per layer and direction (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--bidirectional", description = "Read each window in both directions.")
    boolean bidirectional;

    @Option(names = "--dropout", defaultValue = "0", paramLabel = "P",
            description = "Dropout between layers and on the final state, in [0, 1) (default: ${DEFAULT-VALUE}).")
    double dropout;

    @CommandLine.Mixin
    OptimizerOptions optim;

    @Option(names = "--lr", paramLabel = "LR", description = "Learning rate (default: 0.001 for adam/adamw, as Keras; 0.01 for sgd).")
    Double lr;

    @Option(names = "--batch", defaultValue = "32", paramLabel = "B", description = "Windows per batch, shuffled every epoch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--epochs", defaultValue = "20", paramLabel = "N", description = "Epochs in all, counting resumed ones (default: ${DEFAULT-VALUE}).")
    int epochs;

    @CommandLine.Mixin
    BudgetOptions budget;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "Seed of the weights, dropout and shuffling (default: ${DEFAULT-VALUE}).")
    long seed;

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
        String text = Cli.readText(data, "--data");
        TimeSeries series = TimeSeries.parse(text, "--data " + data, header);
        int rows = series.rows();
        int cut = rows - (int) Math.round(rows * validFraction);       // rows [cut, rows) are held out
        List<String> targets = target != null ? columns(series, target, "--target") : List.of(defaultTarget(series, cut));
        List<String> ins = inputs != null ? columns(series, inputs, "--inputs") : series.numericNames();
        ForecastSpec fs = new ForecastSpec(ins, targets, window, horizon);

        int trainWindows = Math.max(0, cut - horizon - window + 1);
        if (trainWindows < 1) {
            throw new Cli.Failure(Cli.fmt("--data %s: %d rows, %d of them for training: too few for a window of %d rows and a"
                    + " horizon of %d (lower --window, --horizon or --valid-fraction)", data, rows, cut, window, horizon));
        }
        int firstValidEnd = Math.max(window, cut), lastValidEnd = rows - horizon;
        boolean validating = validFraction > 0;
        if (validating && lastValidEnd < firstValidEnd) {
            throw new Cli.Failure(Cli.fmt("--data %s: the %d held-out rows hold no window with its %d following values (raise"
                    + " --valid-fraction, lower --horizon, or use --valid-fraction 0)", data, rows - cut, horizon));
        }
        Standardizer z = Standardizer.fit(series, fs.columns(), 0, cut);
        SequenceDataset trainSet = fs.dataset(series, z, window, cut - horizon);
        SequenceDataset validSet = validating ? fs.dataset(series, z, firstValidEnd, lastValidEnd) : null;

        double rate = lr != null ? lr : optim.sgd() ? 0.01 : 0.001;
        SequenceRegressor.Config modelConfig = new SequenceRegressor.Config(cell.type, ins.size(), hidden, layers,
                bidirectional, fs.outputSize(), dropout, DType.FLOAT32, seed);
        Cli.requireFits(Cli.fmt("the model (--hidden %d, --layers %d, %d inputs)", hidden, layers, ins.size()),
                SequenceRegressorFiles.expectedShapes(modelConfig));
        SequenceRegressor model = new SequenceRegressor(modelConfig);
        Optimizer opt = optim.build(model.parameters(), rate);
        double[] unit = new double[fs.outputSize()];                     // each output's std: standardised -> data units
        double[] std = z.std();
        for (int k = 0; k < unit.length; k++) unit[k] = std[z.indexOf(targets.get(k % targets.size()))];
        ModelStep step = (b, training) -> {
            Tensor y = model.forward(b.featureTensor(), null);            // [B, K] standardised
            StepOutput r = StepOutput.of(Losses.mse(y, b.targetTensor()), b.size());
            double[] err = errors(y.data(), b.targets(), unit);
            return r.metric("mse", err[0]).metric("mae", err[1]);
        };
        Map<String, String> checks = new LinkedHashMap<>();
        checks.put("data_sha256", TrainerRun.sha256(text));
        ModelConfig settings = TrainerRun.settings(spec, "regress", checks);
        int stepsPerEpoch = (trainSet.size() + batch - 1) / batch;
        Trainer trainer = Trainer.builder(model, opt, step)
                .config(Trainer.Config.of(epochs, batch).withSeed(seed).withClipNorm(optim.clipNorm).withCheckpoints(0, 0)
                        .withEarlyStopping(budget.patience).withProgress(run.show.progress, run.show.logEvery))
                .callback(TrainerRun.callbacks(dir, stepsPerEpoch, run.checkpointEvery))
                .maxSeconds(budget.budgetSeconds()).maxSteps(budget.stepLimit())
                .runConfig(settings.toCompactJson())
                .out(o).build();

        if (inputs == null) warnExcludedInputs(series);
        o.println(Cli.fmt("data: %s: %,d rows x %d columns%s; inputs %s, targets %s; window %d, horizon %d: %,d windows for"
                        + " training (rows 1-%d), %s", data, rows, series.names().size(), series.hasHeader() ? " (with a header)" : "",
                String.join(",", ins), String.join(",", targets), window, horizon, trainSet.size(), cut,
                validating ? Cli.fmt("%,d for validation (rows %d-%d)", validSet.size(), cut + 1, rows) : "no validation"));
        double[] baseline = validating ? persistence(series, fs, firstValidEnd, lastValidEnd) : null;
        if (baseline != null) {
            o.println(Cli.fmt("baseline: the last value carried forward scores valid MSE %.6g, MAE %.6g", baseline[0], baseline[1]));
        }
        o.println(Cli.fmt("model: %s%s %d x %d, dropout %s, %d output%s: %,d parameters; %s lr %s, clip %s, batch %d",
                bidirectional ? "bidirectional " : "", cell.name().toLowerCase(), layers, hidden, dropout, fs.outputSize(),
                fs.outputSize() == 1 ? "" : "s", model.parameterCount(), opt.name(), rate, optim.clipNorm, batch));
        if (run.resume) TrainerRun.resume(trainer, dir.checkpoint(), settings, o);
        TrainerRun.Result r = TrainerRun.fit(trainer, trainSet, validSet, dir, budget.maxSteps, o);

        Map<String, Double> metrics = new LinkedHashMap<>();
        if (!r.interrupted()) {                            // an interrupted run saves at once; the final scores can wait
            Map<String, Double> tr = trainer.evaluate(trainSet);
            metrics.put("train_mse", tr.get("mse"));
            metrics.put("train_mae", tr.get("mae"));
            String line = Cli.fmt("final: train MSE %.6g, MAE %.6g", tr.get("mse"), tr.get("mae"));
            if (validSet != null) {
                Map<String, Double> va = trainer.evaluate(validSet);
                metrics.put("valid_mse", va.get("mse"));
                metrics.put("valid_mae", va.get("mae"));
                metrics.put("persistence_mae", baseline[1]);
                line += Cli.fmt("; valid MSE %.6g, MAE %.6g (persistence MAE %.6g)", va.get("mse"), va.get("mae"), baseline[1]);
            }
            o.println(line);
        }
        Path modelDir = dir.model();
        SequenceRegressorFiles.save(modelDir, model, fs, z, ModelFile.Provenance.now(
                data.toAbsolutePath().normalize().toString(), r.epochs(), r.steps(), r.seconds(), metrics,
                TrainerRun.commandLine(spec)));
        dir.printSaved(o, r.epochs(), r.steps(), r.seconds(), r.finished(), r.interrupted());
        return r.interrupted() ? RunOutput.INTERRUPTED_STATUS : 0;
    }

    /** The columns a flag names (by name or number), as the table's names. */
    private List<String> columns(TimeSeries s, String flag, String what) throws IOException {
        List<String> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String name : flag.split(",", -1)) {
            String n = name.strip();
            Cli.require(spec, !n.isEmpty(), what + " has an empty column name: '" + flag + "'");
            String resolved = s.names().get(s.column(n));
            Cli.require(spec, seen.add(resolved), what + " names column '" + resolved + "' twice");
            out.add(resolved);
        }
        return out;
    }

    /**
     * Without {@code --target}: the last column, always (never another one in its place, which would change what is
     * learnt without a word). It must hold only numbers and vary over the training rows {@code [0, cut)}; otherwise the
     * message says which cell or why, and how to name another target.
     */
    private static String defaultTarget(TimeSeries s, int cut) throws IOException {
        String last = s.names().get(s.names().size() - 1);
        String hint = "; it is the default target (the last column): fix it, or name the target with --target";
        int c;
        try {
            c = s.column(last);
        } catch (IOException e) {
            throw new Cli.Failure(e.getMessage() + hint);
        }
        if (cut >= 2 && s.isConstant(c, 0, cut)) {
            throw new Cli.Failure(Cli.fmt("%s: column '%s' holds %s on every one of the %d training rows, so there is nothing"
                    + " to learn%s", s.source(), last, java.math.BigDecimal.valueOf(s.value(0, c)).stripTrailingZeros()
                    .toPlainString(), cut, hint));
        }
        return last;
    }

    /**
     * Without {@code --inputs} the inputs are every column that holds only numbers, the targets included. Each column
     * left out gets a warning line that says why (its first cell that is not a number), so a bad cell never drops a
     * column silently; printed once the run goes ahead, so that an error stays the only line.
     */
    private static void warnExcludedInputs(TimeSeries s) {
        for (Map.Entry<String, String> e : s.nonNumeric().entrySet()) {
            System.err.println(Printable.of("jrnn: warning: " + s.source() + ": column '" + e.getKey() + "' is not an input ("
                    + e.getValue() + "); name the inputs with --inputs to choose them yourself"));
        }
    }

    /** MSE and MAE in the data's units, from standardised outputs and targets {@code [B, K]}. */
    static double[] errors(NdArray y, NdArray target, double[] unit) {
        double[] p = y.toDoubleArray(), t = target.toDoubleArray();
        double se = 0, ae = 0;
        for (int i = 0; i < p.length; i++) {
            double d = (p[i] - t[i]) * unit[i % unit.length];
            se += d * d;
            ae += Math.abs(d);
        }
        return new double[] {se / p.length, ae / p.length};
    }

    /** MSE and MAE of carrying each target's last value in the window forward, over the windows ending in [first, last]. */
    private static double[] persistence(TimeSeries s, ForecastSpec fs, int first, int last) throws IOException {
        double se = 0, ae = 0;
        long n = 0;
        int[] cols = new int[fs.targets().size()];
        for (int j = 0; j < cols.length; j++) cols[j] = s.column(fs.targets().get(j));
        for (int e = first; e <= last; e++) {
            double[] actual = fs.actual(s, e);
            for (int k = 0; k < actual.length; k++) {
                double d = s.value(e - 1, cols[k % cols.length]) - actual[k];
                se += d * d;
                ae += Math.abs(d);
                n++;
            }
        }
        return new double[] {se / n, ae / n};
    }

    private void validate() {
        Cli.require(spec, window >= 1 && horizon >= 1, "--window and --horizon must be >= 1, got " + window + " and " + horizon);
        Cli.require(spec, validFraction >= 0 && validFraction <= 0.5, "--valid-fraction must be in [0, 0.5], got " + validFraction);
        Cli.require(spec, layers >= 1 && hidden >= 1, "--layers and --hidden must be >= 1, got " + layers + " and " + hidden);
        Cli.sizes(spec, layers, hidden, null);
        Cli.require(spec, dropout >= 0 && dropout < 1, "--dropout must be in [0, 1), got " + dropout);
        Cli.require(spec, lr == null || (lr > 0 && Double.isFinite(lr)), "--lr must be > 0, got " + lr);
        optim.validate(spec);
        Cli.require(spec, batch >= 1, "--batch must be >= 1, got " + batch);
        Cli.require(spec, epochs >= 1, "--epochs must be >= 1, got " + epochs);
        budget.validate(spec);
        Cli.require(spec, run.checkpointEvery >= 0, "--checkpoint-every must be >= 0, got " + run.checkpointEvery);
        run.show.validate(spec);
    }
}
