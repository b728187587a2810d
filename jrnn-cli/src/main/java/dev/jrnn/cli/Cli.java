package dev.jrnn.cli;

import dev.jrnn.infer.ServedRegressor;
import dev.jrnn.infer.ServedTextClassifier;
import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.series.SequenceRegressor;
import dev.jrnn.text.TextClassifier;
import dev.jrnn.io.Gzip;
import dev.jrnn.io.Limits;
import dev.jrnn.io.ModelFile;
import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/** Small helpers shared by the subcommands: argument checks, reading text files, finding a saved model. */
final class Cli {
    private Cli() {}

    /** A failure to report as one line ({@code jrnn: MESSAGE}) with exit status 1. */
    static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message);
        }
    }

    /** A bad option value: reported as one line with exit status 2, like an unknown flag. */
    static CommandLine.ParameterException badValue(CommandLine.Model.CommandSpec spec, String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    /** Throws {@link #badValue} unless {@code ok}. */
    static void require(CommandLine.Model.CommandSpec spec, boolean ok, String message) {
        if (!ok) throw badValue(spec, message);
    }

    /**
     * Refuses sizes above {@link Limits}: {@code --hidden}, {@code --embedding} at most {@link Limits#MAX_SIZE},
     * {@code --layers} at most {@link Limits#MAX_LAYERS} (a null embedding is the default, not checked).
     */
    static void sizes(CommandLine.Model.CommandSpec spec, int layers, int hidden, Integer embedding) {
        require(spec, layers <= Limits.MAX_LAYERS, "--layers must be at most " + Limits.MAX_LAYERS + ", got " + layers);
        require(spec, hidden <= Limits.MAX_SIZE, "--hidden must be at most " + Limits.MAX_SIZE + ", got " + hidden);
        require(spec, embedding == null || embedding <= Limits.MAX_SIZE, "--embedding must be at most " + Limits.MAX_SIZE
                + ", got " + embedding);
    }

    /**
     * Refuses, before it is built, a model to train whose parameters with their gradients and the optimizer's two
     * moments (four float32 copies) do not fit the heap: one line with the parameter count, the memory it needs, the
     * heap's limit and the advice ({@code JRNN_JAVA_OPTS=-Xmx...}), instead of an OutOfMemoryError.
     */
    static void requireFits(String what, Map<String, int[]> shapes) {
        String problem = Limits.modelProblem(what, shapes, 4, 4);
        if (problem != null) throw new Failure(problem);
    }

    /** An existing regular file, or a {@link Failure} naming it. */
    static Path existingFile(Path p, String what) {
        if (!Files.exists(p)) throw new Failure(what + " " + p + ": no such file");
        if (!Files.isRegularFile(p)) throw new Failure(what + " " + p + ": not a regular file");
        if (!Files.isReadable(p)) throw new Failure(what + " " + p + ": not readable (permission denied)");
        return p;
    }

    /**
     * A whole text file, strictly UTF-8 (gzipped when its first bytes say so), with Windows line ends turned into
     * {@code \n}.
     */
    static String readText(Path p, String what) throws IOException {
        existingFile(p, what);
        return decode(Gzip.readAll(p, what + " " + p), what + " " + p);
    }

    /** A classpath resource as text (the demo's corpus). */
    static String readResource(String name) throws IOException {
        try (InputStream in = Cli.class.getResourceAsStream(name)) {
            if (in == null) throw new Failure("resource " + name + " is missing from the jar (a broken build?)");
            return decode(in.readAllBytes(), "resource " + name);
        }
    }

    private static String decode(byte[] bytes, String what) {
        try {
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            if (!s.isEmpty() && s.charAt(0) == '\uFEFF') s = s.substring(1);     // a byte-order mark is not text
            return s.replace("\r\n", "\n");
        } catch (CharacterCodingException e) {
            throw new Failure(what + ": not UTF-8 text");
        }
    }

    /**
     * The model directory for a path given on the command line: the path itself when it holds a
     * {@code config.json}, or its {@code model/} subdirectory (the output directory of {@code jrnn train}).
     */
    static Path modelDir(Path given) {
        if (!Files.exists(given)) throw new Failure(given + ": no such model directory");
        if (ModelFile.isModelDirectory(given)) return given;
        Path inner = given.resolve("model");
        if (ModelFile.isModelDirectory(inner)) return inner;
        return given;                                       // let the loader say what is missing
    }

    /**
     * Whether the serving copies ({@code dev.jrnn.infer}) take this recurrent layer: all but the xLSTM cells and
     * TTT-Linear, which {@code PackedRnn} refuses ({@link dev.jrnn.nn.rnn.CellType#isPackable}); for them,
     * {@code sample}, {@code predict} and {@code eval} run the model's own methods (the same numbers, without the
     * packed kernels) and say so on standard error.
     */
    static boolean packable(dev.jrnn.nn.rnn.RnnBase rnn) {
        dev.jrnn.nn.rnn.CellType cell = rnn.config().mode();
        if (cell.isPackable()) return true;
        String why = cell == dev.jrnn.nn.rnn.CellType.TTT_LINEAR
                ? "their state is a linear model per head, trained at every token" : "their state is (h, c, n, m)";
        System.err.println("note: " + cell.name().toLowerCase(Locale.ROOT).replace('_', '-')
                + " models are not packed for serving (" + why + "); running the model's own step");
        return false;
    }

    /** A classifier's probabilities through its served copy, or its own method when {@link #packable} says no. */
    static Function<int[][], double[][]> probabilities(TextClassifier model) {
        return packable(model.rnn()) ? ServedTextClassifier.of(model)::predictProbabilities : model::predictProbabilities;
    }

    /** A regressor's predictions through its served copy, or its own method when {@link #packable} says no. */
    static Function<float[][][], double[][]> predictions(SequenceRegressor model) {
        return packable(model.rnn()) ? ServedRegressor.of(model)::predict : model::predict;
    }

    /** {@code %.3f} etc. with a dot, whatever the locale. */
    static String fmt(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }

    /** Seconds as {@code m:ss} or {@code h:mm:ss}. */
    static String clock(double seconds) {
        long s = Math.max(0, Math.round(seconds));
        return s >= 3600 ? fmt("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : fmt("%d:%02d", s / 60, s % 60);
    }

    /** A one-line rendering of generated text for progress output: line breaks shown as {@code " / "}. */
    static String oneLine(String s) {
        return s.replace("\n", " / ");
    }
}
