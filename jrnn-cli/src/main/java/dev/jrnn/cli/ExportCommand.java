package dev.jrnn.cli;

import dev.jrnn.onnx.OnnxExport;
import dev.jrnn.onnx.OnnxGraph;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code jrnn export MODEL_DIR --format onnx OUT.onnx}: a saved model as an ONNX graph. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Write a saved model (language model, text classifier, sequence regressor, seq2seq) as an ONNX file that "
                + "ONNX Runtime and other ONNX tools run: one standard LSTM/GRU/RNN operator per layer, the embedding as "
                + "Gather, the output layer as Gemm or MatMul+Add, batch and sequence length free (dynamic axes). "
                + "The file is read back and checked before the command reports success.",
                "Inputs and outputs: a language model takes input_ids [batch, sequence] and h0 (and c0) [layers, batch, "
                        + "hidden] and returns logits, hn (and cn); a classifier takes input_ids and lengths [batch] and "
                        + "returns logits and probabilities; a regressor takes x [batch, sequence, features] in the data's "
                        + "units and lengths, and returns y in the data's units. A seq2seq model becomes two files, NAME-encoder.onnx "
                        + "(source ids and lengths in, h (and c) out) and NAME-decoder.onnx (a step graph like the "
                        + "language model's). See docs/formats.md, section ONNX."},
        footer = {"", "Examples:", "  jrnn export runs/shakespeare/model --format onnx shakespeare.onnx",
                "  jrnn export runs/imdb --format onnx imdb.onnx"})
final class ExportCommand implements Callable<Integer> {
    /** The formats jrnn writes. */
    enum Format { ONNX }

    @Parameters(index = "0", paramLabel = "MODEL_DIR", description = "A saved model directory (or a training --out directory).")
    Path model;

    @Parameters(index = "1", paramLabel = "OUT", description = "The file to write (replaced atomically when it exists).")
    Path out;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "onnx",
            description = "Output format: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    Format format;

    @Override
    public Integer call() throws IOException {
        Path dir = Cli.modelDir(model);
        for (Path f : OnnxExport.export(dir, out)) {
            OnnxGraph check = OnnxGraph.load(f);                 // what we wrote must read back
            var g = check.model().getGraph();
            System.out.println(Cli.fmt("wrote %s: %s, %d nodes (%s), %,d bytes, opset %d", f, g.getName(), g.getNodeCount(),
                    opCounts(g), Files.size(f), check.opset()));
            System.out.println("  inputs: " + String.join(", ", check.inputNames()) + "; outputs: "
                    + String.join(", ", check.outputNames()) + "; batch and sequence axes are dynamic");
        }
        return 0;
    }

    /** {@code LSTM 2, Gather 1, ...}: the op types in the order they first appear. */
    private static String opCounts(ai.onnx.proto.OnnxMl.GraphProto g) {
        java.util.Map<String, Integer> n = new java.util.LinkedHashMap<>();
        g.getNodeList().forEach(p -> n.merge(p.getOpType(), 1, Integer::sum));
        java.util.List<String> parts = new java.util.ArrayList<>();
        n.forEach((op, k) -> parts.add(op + " " + k));
        return String.join(", ", parts);
    }
}
