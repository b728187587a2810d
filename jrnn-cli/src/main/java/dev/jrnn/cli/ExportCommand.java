package dev.jrnn.cli;

import dev.jrnn.onnx.OnnxExport;
import dev.jrnn.onnx.OnnxGraph;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code jrnn export MODEL_DIR --format onnx OUT.onnx}: a saved model as an ONNX graph. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Write a saved model (language model, text classifier, sequence regressor) as an ONNX file that "
                + "ONNX Runtime and other ONNX tools run: one standard LSTM/GRU/RNN operator per layer, the embedding as "
                + "Gather, the output layer as Gemm or MatMul+Add, batch and sequence length free (dynamic axes). "
                + "The file is read back and checked before the command reports success.",
                "Inputs and outputs: a language model takes input_ids [batch, sequence] and h0 (and c0) [layers, batch, "
                        + "hidden] and returns logits, hn (and cn); a classifier takes input_ids and lengths [batch] and "
                        + "returns logits and probabilities; a regressor takes x [batch, sequence, features] in the data's "
                        + "units and lengths, and returns y in the data's units. See docs/formats.md, section ONNX."},
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
        String summary = OnnxExport.export(dir, out);
        OnnxGraph check = OnnxGraph.load(out);                 // what we wrote must read back
        System.out.println("wrote " + summary);
        System.out.println("  inputs: " + String.join(", ", check.inputNames()) + "; outputs: "
                + String.join(", ", check.outputNames()) + "; batch and sequence axes are dynamic");
        return 0;
    }
}
