package dev.jrnn.cli;

import dev.jrnn.io.ModelFile;
import dev.jrnn.io.Printable;
import dev.jrnn.io.Safetensors;
import dev.jrnn.onnx.OnnxGraph;
import dev.jrnn.series.ForecastSpec;
import dev.jrnn.series.SequenceRegressor;
import dev.jrnn.series.SequenceRegressorFiles;
import dev.jrnn.text.LanguageModelConfig;
import dev.jrnn.text.LanguageModelFiles;
import dev.jrnn.text.Seq2SeqConfig;
import dev.jrnn.text.Seq2SeqFiles;
import dev.jrnn.text.TextClassifier;
import dev.jrnn.text.TextClassifierFiles;
import dev.jrnn.text.Vocabulary;
import dev.jrnn.tensor.NdArray;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code jrnn inspect PATH}: what a saved model (or any safetensors file, e.g. a checkpoint) holds. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Summarise a saved model (language model, text classifier, seq2seq, regressor): type, layers, "
                + "every parameter's shape and count, vocabularies, tokenizers, columns and normalisation, "
                + "and provenance (jrnn version, date, training data, epochs, final metrics). The whole model is "
                + "validated first.",
                "A .safetensors file (a checkpoint, a weights file) is listed tensor by tensor with its metadata.",
                "An .onnx file is read and checked as jrnn's ONNX import does (every op supported, every tensor's size), "
                        + "then summarised: opset, inputs and outputs, op counts, recurrent nodes."},
        footer = {"", "Examples:", "  jrnn inspect runs/shakespeare/model", "  jrnn inspect runs/shakespeare/checkpoint.safetensors",
                "  jrnn inspect runs/weather", "  jrnn inspect model.onnx"})
final class InspectCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PATH", description = "A model directory (or a training --out directory), a .safetensors file, or an .onnx file.")
    Path path;

    @Override
    public Integer call() throws IOException {
        if (Files.isRegularFile(path) && path.getFileName().toString().endsWith(".onnx")) {
            System.out.println(OnnxGraph.load(path).describe());
            return 0;
        }
        if (Files.isRegularFile(path)) {
            safetensors(path);
            return 0;
        }
        Path dir = Cli.modelDir(path);
        ModelFile file = ModelFile.open(dir);
        if (LanguageModelFiles.MODEL_TYPE.equals(file.modelType())) {
            languageModel(LanguageModelFiles.load(dir));
        } else if (TextClassifierFiles.MODEL_TYPE.equals(file.modelType())) {
            classifier(TextClassifierFiles.load(dir));
        } else if (Seq2SeqFiles.MODEL_TYPE.equals(file.modelType())) {
            seq2seq(Seq2SeqFiles.load(dir));
        } else if (SequenceRegressorFiles.MODEL_TYPE.equals(file.modelType())) {
            regressor(SequenceRegressorFiles.load(dir));
        } else {
            print(dir + ": " + file.modelType() + " (format version " + ModelFile.VERSION
                    + "; jrnn has no loader for this type, shown as stored)");
            print(file.config().toJson());
            weights(file.weightsHeader());
        }
        return 0;
    }

    private static void classifier(TextClassifierFiles.Loaded m) {
        TextClassifier.Config c = m.model().config();
        print(m.dir() + ": text classifier (jrnn model format version " + ModelFile.VERSION + ")");
        print(Cli.fmt("  %s%s, %d layer%s of %d, embedding %d, vocabulary %,d, dropout %s, %s, seed %d",
                c.bidirectional() ? "bidirectional " : "", c.cell(), c.numLayers(), c.numLayers() == 1 ? "" : "s",
                c.hiddenSize(), c.embeddingDim(), c.vocabSize(), c.dropout(), c.dtype(), c.seed()));
        print("  classes: " + String.join(", ", m.classes()));
        print("  input: " + (m.maxLen() == 0 ? "every token" : "the last " + m.maxLen() + " tokens"));
        print("  tokenizer: " + m.tokenizer());
        Vocabulary v = m.vocabulary();
        List<String> first = new ArrayList<>();
        for (String w : v.words().subList(0, Math.min(12, v.words().size()))) first.add(show(w));
        print(Cli.fmt("  vocabulary: %,d tokens (specials %s); most frequent: %s", v.size(), v.specials(),
                String.join(" ", first)));
        parametersAndProvenance(m.model().stateDict(), m.provenance());
    }

    private static void seq2seq(Seq2SeqFiles.Loaded m) {
        Seq2SeqConfig c = m.model().config();
        print(m.dir() + ": seq2seq encoder-decoder (jrnn model format version " + ModelFile.VERSION + ")");
        print(Cli.fmt("  %s encoder and decoder, %d layer%s of %d, embedding %d, dropout %s, %s, seed %d, attention %s",
                c.cell(), c.numLayers(), c.numLayers() == 1 ? "" : "s", c.hiddenSize(), c.embeddingDim(), c.dropout(),
                c.dtype(), c.seed(), c.attention().cliName()));
        print("  decoding: at most " + m.maxLength() + " target tokens; <bos> " + id(m.targetVocabulary(), c.bosId())
                + ", <eos> " + id(m.targetVocabulary(), c.eosId()));
        vocabulary("source", m.sourceVocabulary(), m.sourceTokenizer().toString());
        vocabulary("target", m.targetVocabulary(), m.targetTokenizer().toString());
        parametersAndProvenance(m.model().stateDict(), m.provenance());
    }

    private static void vocabulary(String side, Vocabulary v, String tokenizer) {
        List<String> first = new ArrayList<>();
        for (String w : v.words().subList(0, Math.min(12, v.words().size()))) first.add(show(w));
        print(Cli.fmt("  %s: %s; %,d tokens (specials %s); most frequent: %s", side, tokenizer, v.size(),
                v.specials(), String.join(" ", first)));
    }

    private static void regressor(SequenceRegressorFiles.Loaded m) {
        SequenceRegressor.Config c = m.model().config();
        ForecastSpec fs = m.spec();
        print(m.dir() + ": sequence regressor (jrnn model format version " + ModelFile.VERSION + ")");
        print(Cli.fmt("  %s%s, %d layer%s of %d, %d input%s, %d output%s, dropout %s, %s, seed %d",
                c.bidirectional() ? "bidirectional " : "", c.cell(), c.numLayers(), c.numLayers() == 1 ? "" : "s",
                c.hiddenSize(), c.inputSize(), c.inputSize() == 1 ? "" : "s", c.outputSize(), c.outputSize() == 1 ? "" : "s",
                c.dropout(), c.dtype(), c.seed()));
        print(Cli.fmt("  reads windows of %d rows of %s; predicts the next %d row%s of %s", fs.window(),
                String.join(", ", fs.inputs()), fs.horizon(), fs.horizon() == 1 ? "" : "s", String.join(", ", fs.targets())));
        print("  normalisation (training rows):");
        m.standardizer().asMap().forEach((col, ms) -> print(Cli.fmt("    %-12s mean %.6g, std %.6g", col, ms[0], ms[1])));
        parametersAndProvenance(m.model().stateDict(), m.provenance());
    }

    private static void languageModel(LanguageModelFiles.Loaded m) throws IOException {
        LanguageModelConfig c = m.model().config();
        print(m.dir() + ": language model (jrnn model format version " + ModelFile.VERSION + ")");
        print(Cli.fmt("  %s, %d layer%s of %d, embedding %d, vocabulary %,d, dropout %s, %s, seed %d",
                c.cell(), c.numLayers(), c.numLayers() == 1 ? "" : "s", c.hiddenSize(), c.embeddingDim(), c.vocabSize(),
                c.dropout(), c.dtype(), c.seed()));
        Vocabulary v = m.vocabulary();
        if (v != null) {
            print("  tokenizer: " + m.tokenizer());
            List<String> first = new ArrayList<>();
            for (String w : v.words().subList(0, Math.min(12, v.words().size()))) first.add(show(w));
            print(Cli.fmt("  vocabulary: %,d tokens (specials %s); most frequent: %s", v.size(), v.specials(),
                    String.join(" ", first)));
            print(Cli.fmt("  special ids: start %s, <eos> %s, <unk> %s", id(v, c.startId()), id(v, c.eosId()),
                    id(v, c.unkId())));
        } else {
            print("  no vocabulary: the model reads and writes token ids");
        }
        parametersAndProvenance(m.model().stateDict(), m.provenance());
    }

    private static void parametersAndProvenance(Map<String, NdArray> state, ModelFile.Provenance p) {
        print("  parameters:");
        long total = 0;
        int width = "total".length();                                     // never 0: "%-0s" is not a format
        for (String n : state.keySet()) width = Math.max(width, n.length());
        for (Map.Entry<String, NdArray> e : state.entrySet()) {
            NdArray a = e.getValue();
            total += a.size();
            print(Cli.fmt("    %-" + width + "s  %-12s %,12d", e.getKey(), shape(a.shape()), a.size()));
        }
        print(Cli.fmt("    %-" + width + "s  %-12s %,12d", "total", "", total));
        if (p != null) {
            print("  provenance:");
            print("    written by jrnn " + p.jrnnVersion() + " on " + p.created());
            if (p.trainingData() != null) {
                print(Cli.fmt("    trained on %s: %d epoch%s, %,d steps, %s", p.trainingData(), p.epochs(),
                        p.epochs() == 1 ? "" : "s", p.steps(), Double.isNaN(p.seconds()) ? "time unknown" : Cli.clock(p.seconds())));
            }
            if (!p.finalMetrics().isEmpty()) {
                List<String> ms = new ArrayList<>();
                p.finalMetrics().forEach((k, val) -> ms.add(k + " " + Cli.fmt("%.4f", val)));
                print("    final metrics: " + String.join(", ", ms));
            }
            if (p.command() != null) print("    command: " + p.command());
        }
    }

    private static String id(Vocabulary v, int id) {
        return id < 0 ? "none" : id + " " + show(v.token(id));
    }

    private static String show(String token) {
        return "'" + token.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r") + "'";
    }

    private static void safetensors(Path p) throws IOException {
        Safetensors.Header h = Safetensors.readHeader(p);
        print(Cli.fmt("%s: safetensors, %,d tensors, %,d bytes", p, h.tensors().size(), Files.size(p)));
        if (!h.metadata().isEmpty()) {
            print("  metadata:");
            h.metadata().forEach((k, v) -> {
                String one = v.replace("\n", "\\n");
                print("    " + k + ": " + (one.length() > 100 ? one.substring(0, 100) + "... (" + v.length() + " chars)" : one));
            });
        }
        weights(h);
    }

    private static void weights(Safetensors.Header h) {
        print("  tensors:");
        int width = "total".length();                                     // never 0: "%-0s" is not a format
        for (Safetensors.TensorInfo t : h.tensors()) width = Math.max(width, t.name().length());
        long total = 0;
        for (Safetensors.TensorInfo t : h.tensors()) {
            total += t.elementCount();
            print(Cli.fmt("    %-" + width + "s  %-4s %-14s %,12d", t.name(), t.dtype(), t.shape(), t.elementCount()));
        }
        print(Cli.fmt("    %-" + width + "s  %-4s %-14s %,12d", "total", "", "", total));
    }

    /**
     * Prints one line of the summary. Names, metadata, tokens and provenance come from the file, so control
     * characters are escaped ({@link Printable}): an ANSI sequence in a tensor name is shown, never obeyed.
     */
    private static void print(String lines) {
        for (String line : lines.split("\n", -1)) System.out.println(Printable.of(line));
    }

    private static String shape(int[] s) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < s.length; i++) b.append(i > 0 ? ", " : "").append(s[i]);
        return b.append(']').toString();
    }
}
