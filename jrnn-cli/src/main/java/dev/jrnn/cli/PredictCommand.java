package dev.jrnn.cli;

import dev.jrnn.text.TextClassifierFiles;
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
import java.util.concurrent.Callable;

/** {@code jrnn predict MODEL}: the class of every line of a text, with a saved text classifier. */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Classify text with a model saved by 'jrnn train classify': one text per line, from --input or "
                + "standard input.",
                "Prints label<TAB>probability<TAB>text-prefix per line, or with --probabilities a header line and "
                        + "label<TAB>p(class 1)<TAB>...<TAB>text-prefix."},
        footer = {"", "Examples:", "  jrnn predict runs/imdb --input reviews.txt",
                "  echo 'a great film' | jrnn predict runs/imdb --probabilities"})
final class PredictCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "A classifier directory (or a training --out directory holding model/).")
    Path model;

    @Option(names = "--input", paramLabel = "FILE|-", description = "Texts, one per line (UTF-8; .gz is read too); - or absent: standard input.")
    String input;

    @Option(names = "--probabilities", description = "Print the probability of every class.")
    boolean probabilities;

    @Option(names = "--prefix", defaultValue = "60", paramLabel = "N",
            description = "Characters of each text to echo; 0 = none (default: ${DEFAULT-VALUE}).")
    int prefix;

    @Override
    public Integer call() throws IOException {
        Cli.require(spec, prefix >= 0, "--prefix must be >= 0, got " + prefix);
        Path dir = Cli.modelDir(model);
        String type = dev.jrnn.io.ModelFile.open(dir).modelType();
        if (!TextClassifierFiles.MODEL_TYPE.equals(type)) {
            throw new Cli.Failure(dir + ": is a " + type + " model; predict needs a text classifier (jrnn train classify)");
        }
        TextClassifierFiles.Loaded m = TextClassifierFiles.load(dir);
        String text = input == null || input.equals("-") ? stdin() : Cli.readText(Path.of(input), "--input");
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) lines.remove(lines.size() - 1);
        PrintStream o = System.out;
        List<String> classes = m.classes();
        if (probabilities) o.println("label\t" + String.join("\t", classes) + "\ttext");
        for (int start = 0; start < lines.size(); start += 256) {
            List<String> chunk = lines.subList(start, Math.min(lines.size(), start + 256));
            double[][] p = m.predictProbabilities(chunk);
            for (int i = 0; i < p.length; i++) {
                int best = 0;
                for (int c = 1; c < p[i].length; c++) if (p[i][c] > p[i][best]) best = c;
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
        o.flush();
        return 0;
    }

    private String prefix(String text) {
        String s = text.replace('\t', ' ').replace("\r", "");
        if (s.codePointCount(0, s.length()) <= prefix) return s;
        return s.substring(0, s.offsetByCodePoints(0, prefix)) + "...";
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
