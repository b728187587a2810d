package dev.jrnn.cli;

import dev.jrnn.infer.ServedRegressor;
import dev.jrnn.infer.ServedTextClassifier;
import dev.jrnn.io.ModelFile;
import dev.jrnn.io.Printable;
import dev.jrnn.nn.Attention;
import dev.jrnn.series.ForecastSpec;
import dev.jrnn.series.SequenceRegressorFiles;
import dev.jrnn.series.TimeSeries;
import dev.jrnn.text.BeamSearchConfig;
import dev.jrnn.text.Seq2Seq;
import dev.jrnn.text.Seq2SeqFiles;
import dev.jrnn.text.TextClassifierFiles;
import dev.jrnn.text.Vocabulary;
import dev.jrnn.train.Plots;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * {@code jrnn predict MODEL}: runs a saved model on inputs from a file or standard input, whatever its kind: a text
 * classifier (the class of every line), an encoder–decoder (the output of every line, greedy or beam search) or a
 * sequence regressor (the forecast after a CSV table). One verb for "apply a trained model", as {@code inspect} is one
 * verb for "describe a saved model": the model directory says what it is, so the user need not.
 *
 * <p>Classifiers and regressors run through the serving API ({@link ServedTextClassifier}, {@link ServedRegressor}:
 * weights packed once, no autograd graph, each text or window for its own length); an encoder–decoder runs through
 * its own decoding methods.
 */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a saved text classifier, seq2seq model or regressor on --input (or standard input).",
                "What it prints depends on the model:",
                "  text classifier (train classify): label<TAB>probability<TAB>text-prefix per line; with --probabilities "
                        + "a header and every class's probability. A labelled TSV (label<TAB>text on every line, or a "
                        + "header naming a text column, as train classify reads) is read by its text column.",
                "  seq2seq (train seq2seq): the output of every line (greedy, or --beam K); with --scores also its "
                        + "log-probability.",
                "  regressor (train regress): CSV: the forecast of the next horizon rows after the table's last row; "
                        + "with --all-windows one forecast per window, beside the true values."},
        footer = {"", "Examples:", "  jrnn predict runs/imdb --input reviews.txt",
                "  echo 'a great film' | jrnn predict runs/imdb --probabilities",
                "  printf 'hello\\nworld\\n' | jrnn predict runs/reverse --beam 4 --scores",
                "  echo hello | jrnn predict runs/reverse --attention-png hello.png",
                "  jrnn predict runs/weather --input weather.csv --all-windows"})
final class PredictCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "A model directory (or a training --out directory holding model/).")
    Path model;

    @Option(names = "--input", paramLabel = "FILE|-", description = "Texts, one per line, or a CSV table (UTF-8; .gz is read too); - or absent: standard input.")
    String input;

    @Option(names = "--probabilities", description = "Classifier: print the probability of every class.")
    boolean probabilities;

    @Option(names = "--prefix", defaultValue = "60", paramLabel = "N",
            description = "Classifier: characters of each text to echo; 0 = none (default: ${DEFAULT-VALUE}).")
    int prefix;

    @Option(names = "--beam", defaultValue = "1", paramLabel = "K", description = "Seq2seq: beam width; 1 = greedy decoding (default: ${DEFAULT-VALUE}).")
    int beam;

    @Option(names = "--max-length", paramLabel = "N", description = "Seq2seq: the most output tokens (default: the model's, saved at training).")
    Integer maxLength;

    @Option(names = "--length-penalty", defaultValue = "0", paramLabel = "A",
            description = "Seq2seq beam search: rank finished outputs by logP / length^A (default: ${DEFAULT-VALUE}).")
    double lengthPenalty;

    @Option(names = "--scores", description = "Seq2seq: also print each output's log-probability.")
    boolean scores;

    @Option(names = "--attention-png", paramLabel = "FILE",
            description = "Seq2seq with attention: also write the attention weights of the first input line's greedy output "
                    + "as a PNG heat map (rows: output tokens, columns: source tokens).")
    Path attentionPng;

    @Option(names = "--all-windows", description = "Regressor: a forecast for every window of the table, beside the true values.")
    boolean allWindows;

    @Option(names = "--header", defaultValue = "auto", paramLabel = "auto|yes|no",
            description = "Regressor: whether the CSV's first line names the columns (default: ${DEFAULT-VALUE}).")
    TimeSeries.Header header;

    private static final List<String> CLASSIFIER = List.of("--probabilities", "--prefix");
    private static final List<String> SEQ2SEQ = List.of("--beam", "--max-length", "--length-penalty", "--scores", "--attention-png");
    private static final List<String> REGRESSOR = List.of("--all-windows", "--header");

    @Override
    public Integer call() throws IOException {
        Cli.require(spec, prefix >= 0, "--prefix must be >= 0, got " + prefix);
        Cli.require(spec, beam >= 1, "--beam must be >= 1, got " + beam);
        Cli.require(spec, maxLength == null || maxLength >= 1, "--max-length must be >= 1, got " + maxLength);
        Cli.require(spec, maxLength == null || maxLength <= Seq2Seq.MAX_LENGTH, "--max-length must be at most "
                + Seq2Seq.MAX_LENGTH + ", got " + maxLength);
        Cli.require(spec, lengthPenalty >= 0 && Double.isFinite(lengthPenalty), "--length-penalty must be >= 0, got " + lengthPenalty);
        Path dir = Cli.modelDir(model);
        String type = ModelFile.open(dir).modelType();
        switch (type) {
            case TextClassifierFiles.MODEL_TYPE:
                onlyFor("a text classifier", CLASSIFIER);
                classify(TextClassifierFiles.load(dir));
                break;
            case Seq2SeqFiles.MODEL_TYPE:
                onlyFor("a seq2seq model", SEQ2SEQ);
                translate(Seq2SeqFiles.load(dir));
                break;
            case SequenceRegressorFiles.MODEL_TYPE:
                onlyFor("a regressor", REGRESSOR);
                forecast(SequenceRegressorFiles.load(dir));
                break;
            default:
                throw new Cli.Failure(dir + ": is a " + type + " model; predict runs a text classifier, a seq2seq model or a"
                        + " regressor (jrnn train classify|seq2seq|regress)");
        }
        System.out.flush();
        return 0;
    }

    /** Refuses options of the other kinds of model, given on the command line. */
    private void onlyFor(String kind, List<String> allowed) {
        CommandLine.ParseResult pr = spec.commandLine().getParseResult();
        for (List<String> group : List.of(CLASSIFIER, SEQ2SEQ, REGRESSOR)) {
            if (group == allowed) continue;
            for (String name : group) {
                Cli.require(spec, !pr.hasMatchedOption(name), name + " does not apply: " + model + " is " + kind);
            }
        }
    }

    private String inputText() throws IOException {
        return input == null || input.equals("-") ? stdin() : Cli.readText(Path.of(input), "--input");
    }

    private List<String> inputLines() throws IOException {
        List<String> lines = new ArrayList<>(List.of(inputText().split("\n", -1)));
        if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) lines.remove(lines.size() - 1);
        return lines;
    }

    // ------------------------------------------------------------------ classifier

    private void classify(TextClassifierFiles.Loaded m) throws IOException {
        List<String> lines = texts(inputLines());
        PrintStream o = System.out;
        List<String> classes = new ArrayList<>();                         // names from the model file: controls escaped
        for (String c : m.classes()) classes.add(Printable.of(c));
        Function<int[][], double[][]> served = Cli.probabilities(m.model());
        if (probabilities) o.println("label\t" + String.join("\t", classes) + "\ttext");
        for (int start = 0; start < lines.size(); start += 256) {
            List<String> chunk = lines.subList(start, Math.min(lines.size(), start + 256));
            int[][] ids = new int[chunk.size()][];
            for (int i = 0; i < ids.length; i++) ids[i] = m.encode(chunk.get(i));
            double[][] p = served.apply(ids);
            for (int i = 0; i < p.length; i++) {
                int best = ServedTextClassifier.predictClass(p[i]);
                StringBuilder b = new StringBuilder(classes.get(best));
                if (probabilities) {
                    for (double v : p[i]) b.append('\t').append(Cli.fmt("%.4f", v));
                } else {
                    b.append('\t').append(Cli.fmt("%.4f", p[i][best]));
                }
                b.append('\t').append(prefix(chunk.get(i)));
                o.println(b);
            }
        }
    }

    /**
     * The texts to classify: the lines themselves, or the text column of a labelled TSV, the file {@code train
     * classify} and {@code eval} read. A TSV is a first line that names a {@code text} column (its other lines give
     * that column; blank ones are skipped), or input whose every non-blank line holds a tab ({@code label<TAB>text}:
     * the part after the first tab).
     */
    static List<String> texts(List<String> lines) {
        if (lines.isEmpty()) return lines;
        String[] head = lines.get(0).split("\t", -1);
        int textCol = -1;
        for (int i = 0; i < head.length && head.length > 1; i++) {
            if (head[i].strip().equalsIgnoreCase("text")) {
                textCol = i;
                break;
            }
        }
        boolean labelled = textCol >= 0 || lines.stream().allMatch(l -> l.isBlank() || l.indexOf('\t') >= 0);
        if (!labelled) return lines;
        int col = Math.max(textCol, 1), columns = textCol >= 0 ? head.length : 2;
        List<String> out = new ArrayList<>(lines.size());
        for (String line : lines.subList(textCol >= 0 ? 1 : 0, lines.size())) {
            if (line.isBlank()) continue;
            String[] f = col == columns - 1 ? line.split("\t", columns) : line.split("\t", -1);
            out.add(col < f.length ? f[col] : "");
        }
        return out;
    }

    private String prefix(String text) {
        String s = text.replace('\t', ' ').replace("\r", "");
        if (s.codePointCount(0, s.length()) <= prefix) return s;
        return s.substring(0, s.offsetByCodePoints(0, prefix)) + "...";
    }

    // ------------------------------------------------------------------ seq2seq

    private void translate(Seq2SeqFiles.Loaded m) throws IOException {
        if (attentionPng != null && m.model().config().attention() == Attention.Type.NONE) {   // before reading the input
            throw new Cli.Failure("--attention-png: " + m.dir() + " has no attention (it was trained with --attention none); "
                    + "there are no weights to draw");
        }
        List<String> lines = inputLines();
        for (int i = 0; i < lines.size(); i++) {                           // before the encoder allocates for them
            String line = lines.get(i);
            int head = 16 * (Seq2Seq.MAX_LENGTH + 1);                     // a head this long is enough to tell, mostly:
            boolean tooLong = m.encode(line.length() > head ? line.substring(0, head) : line).length > Seq2Seq.MAX_LENGTH
                    || (line.length() > head && m.encode(line).length > Seq2Seq.MAX_LENGTH);   // tokens are never built for 10 MB
            if (tooLong) {
                throw new Cli.Failure(Cli.fmt("%s:%d: more than %,d tokens, the most a seq2seq model reads; split the line",
                        input == null || input.equals("-") ? "standard input" : "--input " + input, i + 1, Seq2Seq.MAX_LENGTH));
            }
        }
        PrintStream o = System.out;
        int limit = maxLength != null ? maxLength : m.maxLength();
        if (attentionPng != null) attentionHeatMap(m, lines, limit);
        if (beam == 1 && !scores) {
            Seq2SeqFiles.Loaded withLimit = new Seq2SeqFiles.Loaded(m.model(), m.sourceVocabulary(), m.sourceTokenizer(),
                    m.targetVocabulary(), m.targetTokenizer(), limit, m.provenance(), m.config(), m.dir());
            for (int start = 0; start < lines.size(); start += 256) {
                for (String out : withLimit.greedy(lines.subList(start, Math.min(lines.size(), start + 256)))) {
                    o.println(oneLine(out));
                }
            }
            return;
        }
        BeamSearchConfig config = BeamSearchConfig.of(beam, limit).withLengthPenalty(lengthPenalty);
        for (String line : lines) {
            List<Map.Entry<String, Double>> best = m.beamSearch(line, config);
            String out = best.isEmpty() ? "" : oneLine(best.get(0).getKey());
            o.println(scores ? out + "\t" + (best.isEmpty() ? "" : Cli.fmt("%.4f", best.get(0).getValue())) : out);
        }
    }

    /** The heat map of {@code --attention-png}: the first line with a source token, decoded greedily. */
    private void attentionHeatMap(Seq2SeqFiles.Loaded m, List<String> lines, int limit) throws IOException {
        int[] source = new int[0];
        String text = "";
        for (String line : lines) {
            source = m.encode(line);
            text = line;
            if (source.length > 0) break;
        }
        if (source.length == 0) throw new Cli.Failure("--attention-png: the input has no line with a source token to decode");
        Seq2Seq.Alignment a = m.model().align(source, limit);
        if (a.output().length == 0) {
            throw new Cli.Failure("--attention-png: the output of '" + oneLine(text) + "' is empty; no rows to draw");
        }
        Path parent = attentionPng.toAbsolutePath().getParent();
        if (parent != null) java.nio.file.Files.createDirectories(parent);
        Plots.heatMap(m.model().config().attention().cliName() + " attention: " + oneLine(text), labels(m.sourceVocabulary(), source),
                labels(m.targetVocabulary(), a.output()), a.weights(), attentionPng);
        System.err.println("wrote " + attentionPng);
    }

    /** Each token as {@code position:token}, so that repeated tokens stay distinct on the axis. */
    private static List<String> labels(Vocabulary v, int[] ids) {
        List<String> out = new ArrayList<>(ids.length);
        for (int i = 0; i < ids.length; i++) out.add(i + ":" + oneLine(v.token(ids[i])));
        return out;
    }

    /** An output on one line: line breaks and tabs in it shown escaped, and any other control character. */
    private static String oneLine(String s) {
        return Printable.of(s.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r"));
    }

    // ------------------------------------------------------------------ regressor

    private void forecast(SequenceRegressorFiles.Loaded m) throws IOException {
        String where = input == null || input.equals("-") ? "standard input" : "--input " + input;
        TimeSeries s = TimeSeries.parse(inputText(), where, header);
        ForecastSpec fs = m.spec();
        if (s.rows() < fs.window()) {
            throw new Cli.Failure(where + ": has " + s.rows() + " rows; the model reads windows of " + fs.window()
                    + " (columns " + String.join(", ", fs.inputs()) + ")");
        }
        PrintStream o = System.out;
        Function<float[][][], double[][]> served = Cli.predictions(m.model());
        if (!allWindows) {
            double[] y = forecast(m, served, s, new int[] {s.rows()})[0];
            o.println(Printable.of("step," + String.join(",", fs.targets())));     // column names come from the file
            for (int h = 0; h < fs.horizon(); h++) {
                StringBuilder b = new StringBuilder("+" + (h + 1));
                for (int j = 0; j < fs.targets().size(); j++) b.append(',').append(Cli.fmt("%.6g", y[h * fs.targets().size() + j]));
                o.println(b);
            }
            return;
        }
        StringBuilder head = new StringBuilder("row");
        for (int k = 0; k < fs.outputSize(); k++) head.append(',').append(fs.outputName(k));
        for (int k = 0; k < fs.outputSize(); k++) head.append(",actual ").append(fs.outputName(k));
        o.println(Printable.of(head.toString()));
        for (int start = fs.window(); start <= s.rows(); start += 1024) {
            int end = Math.min(s.rows(), start + 1023);
            int[] ends = new int[end - start + 1];
            for (int i = 0; i < ends.length; i++) ends[i] = start + i;
            double[][] y = forecast(m, served, s, ends);
            for (int i = 0; i < ends.length; i++) {
                StringBuilder b = new StringBuilder(Integer.toString(ends[i] + 1));     // the 1-based row predicted first
                for (double v : y[i]) b.append(',').append(Cli.fmt("%.6g", v));
                for (double v : fs.actual(s, ends[i])) b.append(',').append(Double.isNaN(v) ? "" : Cli.fmt("%.6g", v));
                o.println(b);
            }
        }
    }

    /**
     * {@link SequenceRegressorFiles.Loaded#forecast(TimeSeries, int[])} through {@code served}: the served copy of the
     * model, or the model's own {@code predict} for a cell the packed kernels do not run ({@link Cli#packable}).
     */
    static double[][] forecast(SequenceRegressorFiles.Loaded m, Function<float[][][], double[][]> served, TimeSeries s,
                               int[] ends)
            throws IOException {
        float[][][] windows = new float[ends.length][][];
        for (int i = 0; i < ends.length; i++) windows[i] = m.spec().window(s, m.standardizer(), ends[i]);
        double[][] y = served.apply(windows);
        for (int i = 0; i < y.length; i++) y[i] = m.spec().unscale(m.standardizer(), y[i]);
        return y;
    }

    private static String stdin() throws IOException {
        byte[] bytes = System.in.readAllBytes();
        try {
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            if (!s.isEmpty() && s.charAt(0) == '\uFEFF') s = s.substring(1);
            return s.replace("\r\n", "\n");
        } catch (CharacterCodingException e) {
            throw new Cli.Failure("standard input: not UTF-8 text");
        }
    }
}
