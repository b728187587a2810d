package dev.jrnn.cli;

import dev.jrnn.infer.ServedRegressor;
import dev.jrnn.infer.ServedTextClassifier;
import dev.jrnn.io.AtomicFiles;
import dev.jrnn.io.ModelConfig;
import dev.jrnn.io.ModelFile;
import dev.jrnn.io.Printable;
import dev.jrnn.series.ForecastSpec;
import dev.jrnn.series.SequenceRegressorFiles;
import dev.jrnn.series.TimeSeries;
import dev.jrnn.text.LanguageModel;
import dev.jrnn.text.LanguageModelFiles;
import dev.jrnn.text.Seq2Seq;
import dev.jrnn.text.Seq2SeqFiles;
import dev.jrnn.text.TextClassifierFiles;
import dev.jrnn.train.ConfusionMatrix;
import dev.jrnn.train.Metrics;
import dev.jrnn.train.Plots;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * {@code jrnn eval MODEL --data FILE}: scores a saved model of any kind on a labelled file in the format its
 * {@code train} command reads. A language model: loss, perplexity and bits per token; a text classifier: accuracy,
 * per-class precision, recall and F1 with their macro means, and the confusion matrix ({@link ConfusionMatrix}, as a
 * PNG with {@code --out}); an encoder–decoder: exact match and token accuracy of greedy decoding
 * ({@link Metrics#exactMatch}, {@link Metrics#tokenAccuracy}); a regressor: MAE and RMSE in the data's units beside
 * the persistence baseline ({@link ForecastSpec#persistence}) and their ratio. Classifiers and regressors run through
 * the serving API ({@link ServedTextClassifier}, {@link ServedRegressor}), as {@code jrnn predict} does.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Score a saved model on a labelled file, in the format its train command reads.",
                "  language model (train lm): a text file; mean loss (nats per token), perplexity and bits per token, every "
                        + "token but the first scored, the state carried from chunk to chunk as in training.",
                "  text classifier (train classify): a TSV of label<TAB>text (or with a header naming label and text); "
                        + "accuracy, per-class precision, recall and F1, their macro means, and the confusion matrix.",
                "  seq2seq (train seq2seq): a TSV of source<TAB>target; exact match and token accuracy of greedy decoding.",
                "  regressor (train regress): a CSV with the model's columns; MAE and RMSE of every window's forecast, "
                        + "beside the persistence baseline (each target's last value in the window carried forward) and "
                        + "their ratio (< 1: the model beats it).",
                "With --out DIR: DIR/eval.json holds the figures, and for a classifier DIR/confusion.png the matrix."},
        footer = {"", "Examples:", "  jrnn eval runs/shakespeare --data valid.txt",
                "  jrnn eval runs/imdb --data imdb/test.tsv.gz --out runs/imdb/eval",
                "  jrnn eval runs/weather --data weather-2024.csv"})
final class EvalCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "A model directory (or a training --out directory holding model/).")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "The labelled file to score (UTF-8; .gz is read too).")
    Path data;

    @Option(names = "--out", paramLabel = "DIR", description = "Also write DIR/eval.json (and DIR/confusion.png for a classifier).")
    Path out;

    @Option(names = "--batch", defaultValue = "1", paramLabel = "B",
            description = "Language model: parallel rows; > 1 is faster, but each row starts from the zero state (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--bptt", defaultValue = "256", paramLabel = "T", description = "Language model: steps per chunk (default: ${DEFAULT-VALUE}).")
    int bptt;

    @Option(names = "--header", defaultValue = "auto", paramLabel = "auto|yes|no",
            description = "Regressor: whether the CSV's first line names the columns (default: ${DEFAULT-VALUE}).")
    TimeSeries.Header header;

    private static final List<String> LANGUAGE_MODEL = List.of("--batch", "--bptt");
    private static final List<String> REGRESSOR = List.of("--header");
    private static final int CHUNK = 256;                    // texts, pairs or windows per call of the model

    @Override
    public Integer call() throws IOException {
        Cli.require(spec, batch >= 1 && bptt >= 1, "--batch and --bptt must be >= 1, got " + batch + " and " + bptt);
        Path dir = Cli.modelDir(model);
        String type = ModelFile.open(dir).modelType();
        ModelConfig figures;
        switch (type) {
            case LanguageModelFiles.MODEL_TYPE:
                onlyFor("a language model", LANGUAGE_MODEL);
                figures = languageModel(LanguageModelFiles.load(dir));
                break;
            case TextClassifierFiles.MODEL_TYPE:
                onlyFor("a text classifier", List.of());
                figures = classifier(TextClassifierFiles.load(dir));
                break;
            case Seq2SeqFiles.MODEL_TYPE:
                onlyFor("a seq2seq model", List.of());
                figures = seq2seq(Seq2SeqFiles.load(dir));
                break;
            case SequenceRegressorFiles.MODEL_TYPE:
                onlyFor("a regressor", REGRESSOR);
                figures = regressor(SequenceRegressorFiles.load(dir));
                break;
            default:
                throw new Cli.Failure(dir + ": is a " + type + " model; eval scores a language model, a text classifier, a"
                        + " seq2seq model or a regressor (jrnn train lm|classify|seq2seq|regress)");
        }
        if (out != null) {
            Files.createDirectories(out);
            Path json = out.resolve("eval.json");
            AtomicFiles.write(json, (figures.toJson() + "\n").getBytes(StandardCharsets.UTF_8));
            System.out.println("wrote " + json);
        }
        System.out.flush();
        return 0;
    }

    /** Refuses the options of the other kinds of model, given on the command line. */
    private void onlyFor(String kind, List<String> allowed) {
        CommandLine.ParseResult pr = spec.commandLine().getParseResult();
        for (List<String> group : List.of(LANGUAGE_MODEL, REGRESSOR)) {
            if (group == allowed) continue;
            for (String name : group) Cli.require(spec, !pr.hasMatchedOption(name), name + " does not apply: " + model + " is " + kind);
        }
    }

    private ModelConfig.Builder head(Path dir, String kind) {
        return ModelConfig.builder().put("model", dir.toString()).put("model_type", kind)
                .put("data", data.toString());
    }

    // ------------------------------------------------------------------ language model

    private ModelConfig languageModel(LanguageModelFiles.Loaded m) throws IOException {
        String text = Cli.readText(data, "--data");
        int[] ids = m.encode(text);
        if (ids.length / batch < 2) {
            throw new Cli.Failure("--data " + data + ": " + ids.length + " tokens are too few to score with --batch " + batch);
        }
        long unknown = 0;
        int unk = m.vocabulary().unkId();
        for (int id : ids) if (id == unk && unk >= 0) unknown++;
        long t0 = System.nanoTime();
        LanguageModel.Evaluation e = m.model().evaluate(ids, batch, bptt);
        double seconds = (System.nanoTime() - t0) / 1e9;
        String unit = "char".equals(m.config().getObject("tokenizer").getString("type")) ? "char" : "word";
        System.out.println(Cli.fmt("%s on %s: %,d %s tokens scored%s", m.dir(), data, e.tokens(), unit,
                unknown > 0 ? Cli.fmt(" (%,d of %,d tokens not in the vocabulary, scored as <unk>)", unknown, ids.length) : ""));
        System.out.println(Cli.fmt("loss %.4f nats/%s  perplexity %.3f  %.4f bits/%s  (%.1fs)", e.meanNll(), unit,
                e.perplexity(), e.bitsPerToken(), unit, seconds));
        return head(m.dir(), LanguageModelFiles.MODEL_TYPE).put("tokens", e.tokens()).put("unknown_tokens", unknown)
                .put("loss", e.meanNll()).put("perplexity", e.perplexity()).put("bits_per_" + unit, e.bitsPerToken()).build();
    }

    // ------------------------------------------------------------------ text classifier

    private ModelConfig classifier(TextClassifierFiles.Loaded m) throws IOException {
        ClassifyData d = ClassifyData.read(data, "--data");
        List<String> classes = m.classes();
        int[] actual = new int[d.size()];
        for (int i = 0; i < actual.length; i++) {
            actual[i] = classes.indexOf(d.labels().get(i));
            if (actual[i] < 0) {
                throw new Cli.Failure(Printable.of(d.source() + ":" + d.lines().get(i) + ": label '" + d.labels().get(i)
                        + "' is not a class of the model " + m.dir() + " (its classes: " + String.join(", ", classes) + ")"));
            }
        }
        Function<int[][], double[][]> served = Cli.probabilities(m.model());
        int[] predicted = new int[d.size()];
        for (int start = 0; start < d.size(); start += CHUNK) {
            int end = Math.min(d.size(), start + CHUNK);
            int[][] ids = new int[end - start][];
            for (int i = start; i < end; i++) ids[i - start] = m.encode(d.texts().get(i));
            double[][] p = served.apply(ids);
            for (int i = start; i < end; i++) predicted[i] = ServedTextClassifier.predictClass(p[i - start]);
        }
        ConfusionMatrix cm = ConfusionMatrix.of(classes.size(), actual, predicted);
        List<String> names = new ArrayList<>();
        for (String c : classes) names.add(Printable.of(c));       // names come from files: controls escaped
        PrintStream o = System.out;
        o.println(Cli.fmt("%s on %s: %,d texts, %d classes", m.dir(), data, d.size(), classes.size()));
        long right = 0;
        for (int c = 0; c < classes.size(); c++) right += cm.count(c, c);
        o.println(Cli.fmt("accuracy %.4f (%,d of %,d)", cm.accuracy(), right, cm.total()));
        int w = Math.max(5, names.stream().mapToInt(String::length).max().orElse(5));
        o.println(Cli.fmt("%-" + w + "s  %9s  %9s  %9s  %9s", "class", "precision", "recall", "f1", "support"));
        for (int c = 0; c < classes.size(); c++) {
            o.println(Cli.fmt("%-" + w + "s  %9.4f  %9.4f  %9.4f  %9d", names.get(c), cm.precision(c), cm.recall(c), cm.f1(c),
                    cm.support(c)));
        }
        o.println(Cli.fmt("%-" + w + "s  %9.4f  %9.4f  %9.4f  %9d", "macro", cm.macroPrecision(), cm.macroRecall(),
                cm.macroF1(), cm.total()));
        o.println("confusion matrix (rows: true class, columns: predicted):");
        int cw = Math.max(Long.toString(cm.total()).length(), names.stream().mapToInt(String::length).max().orElse(1));
        StringBuilder top = new StringBuilder(" ".repeat(w));
        for (String n : names) top.append("  ").append(Cli.fmt("%" + cw + "s", n));
        o.println(top);
        for (int i = 0; i < classes.size(); i++) {
            StringBuilder row = new StringBuilder(Cli.fmt("%-" + w + "s", names.get(i)));
            for (int j = 0; j < classes.size(); j++) row.append("  ").append(Cli.fmt("%" + cw + "d", cm.count(i, j)));
            o.println(row);
        }
        ModelConfig.Builder perClass = ModelConfig.builder();
        for (int c = 0; c < classes.size(); c++) {
            perClass.put(classes.get(c), ModelConfig.builder().put("precision", cm.precision(c)).put("recall", cm.recall(c))
                    .put("f1", cm.f1(c)).put("support", cm.support(c)).build());
        }
        ModelConfig.Builder matrix = ModelConfig.builder();
        for (int c = 0; c < classes.size(); c++) matrix.putLongs(classes.get(c), cm.counts()[c]);
        if (out != null) {
            Path png = out.resolve("confusion.png");
            Plots.confusionMatrix(cm, names, Cli.fmt("%s on %s: accuracy %.1f%%, macro F1 %.3f", model.toAbsolutePath().normalize().getFileName(),
                    data.getFileName(), 100 * cm.accuracy(), cm.macroF1()), png);
            o.println("wrote " + png);
        }
        return head(m.dir(), TextClassifierFiles.MODEL_TYPE).put("texts", d.size()).put("accuracy", cm.accuracy())
                .put("macro_precision", cm.macroPrecision()).put("macro_recall", cm.macroRecall()).put("macro_f1", cm.macroF1())
                .putStrings("classes", classes).put("per_class", perClass.build())
                .put("confusion_matrix", matrix.build()).build();
    }

    // ------------------------------------------------------------------ seq2seq

    private ModelConfig seq2seq(Seq2SeqFiles.Loaded m) throws IOException {
        PairData d = PairData.read(data, "--data");
        List<int[]> sources = new ArrayList<>(d.size()), targets = new ArrayList<>(d.size());
        long unknown = 0;
        int unk = m.targetVocabulary().unkId();
        for (int i = 0; i < d.size(); i++) {
            int[] s = m.encode(d.sources().get(i));
            String where = d.source() + ":" + d.lines().get(i);
            if (s.length == 0) throw new Cli.Failure(where + ": the source has no tokens (the encoder needs one)");
            if (s.length > Seq2Seq.MAX_LENGTH) {
                throw new Cli.Failure(Cli.fmt("%s: the source has %,d tokens, more than the %,d a seq2seq model reads",
                        where, s.length, Seq2Seq.MAX_LENGTH));
            }
            int[] t = m.targetVocabulary().encode(d.targets().get(i), m.targetTokenizer());
            for (int id : t) if (id == unk && unk >= 0) unknown++;
            sources.add(s);
            targets.add(t);
        }
        List<int[]> got = new ArrayList<>(d.size());
        for (int start = 0; start < d.size(); start += CHUNK) {
            got.addAll(m.model().greedy(sources.subList(start, Math.min(d.size(), start + CHUNK)), m.maxLength()));
        }
        double exact = Metrics.exactMatch(got, targets), tokens = Metrics.tokenAccuracy(got, targets);
        PrintStream o = System.out;
        o.println(Cli.fmt("%s on %s: %,d pairs, greedy decoding (at most %d tokens)%s", m.dir(), data, d.size(), m.maxLength(),
                unknown > 0 ? Cli.fmt("; %,d target tokens are not in the model's vocabulary (never matched)", unknown) : ""));
        o.println(Cli.fmt("exact match %.4f (%,d of %,d)  token accuracy %.4f (per position, <eos> included)", exact,
                Math.round(exact * d.size()), d.size(), tokens));
        return head(m.dir(), Seq2SeqFiles.MODEL_TYPE).put("pairs", d.size()).put("exact_match", exact)
                .put("token_accuracy", tokens).put("unknown_target_tokens", unknown).build();
    }

    // ------------------------------------------------------------------ regressor

    private ModelConfig regressor(SequenceRegressorFiles.Loaded m) throws IOException {
        String source = "--data " + data;
        TimeSeries s = TimeSeries.parse(Cli.readText(data, "--data"), source, header);
        ForecastSpec fs = m.spec();
        int windows = fs.windows(s.rows());
        if (windows < 1) {
            throw new Cli.Failure(Cli.fmt("%s: %d rows; a window of %d rows and its %d following value%s need at least %d",
                    source, s.rows(), fs.window(), fs.horizon(), fs.horizon() == 1 ? "" : "s", fs.window() + fs.horizon()));
        }
        int k = fs.outputSize();
        double[] predicted = new double[windows * k], actual = new double[windows * k], carried = new double[windows * k];
        Function<float[][][], double[][]> served = Cli.predictions(m.model());
        for (int start = 0; start < windows; start += CHUNK) {
            int n = Math.min(windows, start + CHUNK) - start;
            int[] ends = new int[n];
            for (int i = 0; i < n; i++) ends[i] = fs.window() + start + i;
            double[][] y = PredictCommand.forecast(m, served, s, ends);
            for (int i = 0; i < n; i++) {
                int at = (start + i) * k;
                System.arraycopy(y[i], 0, predicted, at, k);
                System.arraycopy(fs.actual(s, ends[i]), 0, actual, at, k);
                System.arraycopy(fs.persistence(s, ends[i]), 0, carried, at, k);
            }
        }
        double mae = Metrics.mae(predicted, actual), rmse = Metrics.rmse(predicted, actual);
        double baseMae = Metrics.mae(carried, actual), baseRmse = Metrics.rmse(carried, actual);
        PrintStream o = System.out;
        o.println(Printable.of(Cli.fmt("%s on %s: %,d windows of %d rows (rows %d-%d predicted), targets %s, horizon %d;"
                        + " errors in the data's units over %,d values", m.dir(), data, windows, fs.window(), fs.window() + 1,
                s.rows(), String.join(",", fs.targets()), fs.horizon(), predicted.length)));
        o.println(Cli.fmt("model        MAE %-12.6g RMSE %.6g", mae, rmse));
        o.println(Cli.fmt("persistence  MAE %-12.6g RMSE %.6g  (each target's last value in the window carried forward)",
                baseMae, baseRmse));
        o.println(Cli.fmt("ratio        MAE %-12s RMSE %s  (model / persistence; below 1 beats it)", ratio(mae, baseMae),
                ratio(rmse, baseRmse)));
        return head(m.dir(), SequenceRegressorFiles.MODEL_TYPE).put("windows", windows).put("values", predicted.length)
                .put("mae", mae).put("rmse", rmse).put("persistence_mae", baseMae).put("persistence_rmse", baseRmse)
                .put("mae_ratio", baseMae == 0 ? Double.NaN : mae / baseMae)
                .put("rmse_ratio", baseRmse == 0 ? Double.NaN : rmse / baseRmse).build();
    }

    /** {@code a / b} to 4 places, or {@code n/a} when the baseline is exact. */
    private static String ratio(double a, double b) {
        return b == 0 ? "n/a" : Cli.fmt("%.4f", a / b);
    }
}
