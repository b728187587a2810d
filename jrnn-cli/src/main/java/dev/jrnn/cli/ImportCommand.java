package dev.jrnn.cli;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.io.ModelFile;
import dev.jrnn.keras.KerasException;
import dev.jrnn.keras.KerasFile;
import dev.jrnn.keras.KerasModel;
import dev.jrnn.keras.KerasRegressor;
import dev.jrnn.series.ForecastSpec;
import dev.jrnn.series.SequenceRegressor;
import dev.jrnn.series.SequenceRegressorFiles;
import dev.jrnn.series.Standardizer;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code jrnn import keras MODEL OUT_DIR}: a Keras model file as a saved jrnn model. */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Read a Keras model file (Keras 3 .keras, Keras 1/2 full-model .h5, or a weights-only .h5 with "
                + "--architecture) and write it as a jrnn model directory that predict and eval use. The file is read in pure "
                + "Java; every layer is checked, and the saved model is run against the Keras model before the command "
                + "reports success.",
                "Models that map: Sequential([RNN(return_sequences=True) x (L-1), RNN, (Dropout,) Dense(K, linear)]) with "
                        + "SimpleRNN (tanh/relu), LSTM or GRU (tanh, sigmoid gates; reset_after either way), plain or "
                        + "Bidirectional(concat): a sequence regressor whose input columns are --inputs and outputs --targets. "
                        + "Other supported models (hard_sigmoid, Masking, Embedding, several outputs, functional graphs) are "
                        + "checked and run from Java with KerasModel.load but have no saved model kind; the command says "
                        + "which layer does not map. See docs/formats.md, section Keras."},
        footer = {"", "Examples:", "  jrnn import keras model.keras runs/imported",
                "  jrnn import keras weights.h5 runs/imported --architecture model.json --inputs speed,flow --targets flow"})
final class ImportCommand implements Callable<Integer> {
    /** The formats jrnn imports. */
    enum Format { keras }

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FORMAT", description = "The file's format: ${COMPLETION-CANDIDATES}.")
    Format format;

    @Parameters(index = "1", paramLabel = "FILE", description = "The Keras file (.keras or .h5).")
    Path file;

    @Parameters(index = "2", paramLabel = "OUT_DIR", description = "The model directory to write (replaced when it holds a model).")
    Path out;

    @Option(names = "--architecture", paramLabel = "JSON", description = "The architecture (model.to_json()) for a weights-only .h5.")
    Path architecture;

    @Option(names = "--inputs", split = ",", paramLabel = "COL,...", description = "Names of the input columns (default x0, x1, ...).")
    List<String> inputs;

    @Option(names = "--targets", split = ",", paramLabel = "COL,...", description = "Names of the outputs (default y0, y1, ...).")
    List<String> targets;

    @Option(names = "--window", paramLabel = "N", description = "Time steps per forecast (default: the model's input length).")
    Integer window;

    @Override
    public Integer call() throws IOException {
        KerasFile kf = architecture == null ? KerasFile.read(file) : KerasFile.withConfig(Files.readString(architecture), file);
        KerasModel keras = KerasModel.from(kf, DType.FLOAT32);                       // every layer checked and built
        System.out.println(Cli.fmt("read %s (Keras %s): %s, %,d parameters", file, kf.kerasVersion(), describe(keras),
                keras.parameterCount()));
        SequenceRegressor model;
        try {
            model = KerasRegressor.convert(kf);
        } catch (KerasException e) {
            throw new KerasException(e.getMessage() + "; the model itself is supported: KerasModel.load runs it from Java, but"
                    + " it has no saved jrnn model kind", e);
        }
        SequenceRegressor.Config c = model.config();
        int steps = window != null ? window : inputLength(kf);
        Cli.require(spec, steps >= 1, "--window must be >= 1, got " + steps);
        List<String> in = inputs != null ? inputs : names("x", c.inputSize());
        List<String> tg = targets != null ? targets : names("y", c.outputSize());
        Cli.require(spec, in.size() == c.inputSize(), "--inputs names " + in.size() + " columns, the model reads " + c.inputSize() + " features per step");
        Cli.require(spec, tg.size() == c.outputSize(), "--targets names " + tg.size() + " outputs, the model has " + c.outputSize());
        ForecastSpec fs = new ForecastSpec(in, tg, steps, 1);
        List<String> cols = fs.columns();
        double[] zeros = new double[cols.size()], ones = new double[cols.size()];
        Arrays.fill(ones, 1);
        SequenceRegressorFiles.save(out, model, fs, new Standardizer(cols, zeros, ones),          // Keras models see raw values
                ModelFile.Provenance.now("imported from " + file.toAbsolutePath().normalize() + " (Keras " + kf.kerasVersion() + ")",
                        0, 0, 0, Map.of(), "jrnn import keras " + file + " " + out));
        SequenceRegressor saved = SequenceRegressorFiles.load(out).model();
        saved.eval();
        NdArray x = NdArray.rand(new Rng(1), DType.FLOAT32, -1, 1, 4, steps, c.inputSize());
        double err = keras.predict(x).get(0).maxAbsDiff(saved.forward(Tensor.constant(x), null).data());
        if (!(err <= 1e-4)) {
            throw new KerasException(out + ": the saved model differs from the Keras model by " + err + " on a random batch");
        }
        System.out.println(Cli.fmt("wrote %s: sequence_regressor, %s %dx%d%s, inputs %s, outputs %s, window %d",
                out, c.cell(), c.numLayers(), c.hiddenSize(), c.bidirectional() ? " bidirectional" : "", in, tg, steps));
        System.out.println(Cli.fmt("  checked: the saved model and the Keras model agree to %.2g on a random batch", err));
        return 0;
    }

    private static String describe(KerasModel m) {
        List<String> parts = new ArrayList<>();
        m.layers().forEach((name, cls) -> parts.add(cls + " " + name));
        return String.join(" -> ", parts);
    }

    private static List<String> names(String prefix, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(prefix + i);
        return out;
    }

    /** The time dimension of the model's declared input shape, or an error asking for --window. */
    private int inputLength(KerasFile kf) {
        Object cfg = kf.config().get("config");
        Object layers = cfg instanceof Map<?, ?> m ? m.get("layers") : cfg;
        if (layers instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof Map<?, ?> first
                && first.get("config") instanceof Map<?, ?> c) {
            Object shape = c.containsKey("batch_input_shape") ? c.get("batch_input_shape") : c.get("batch_shape");
            if (shape instanceof List<?> s && s.size() == 3 && s.get(1) instanceof BigInteger t) return t.intValueExact();
        }
        Cli.require(spec, false, kf.source() + ": the model does not fix its input length; give --window N");
        return -1;
    }
}
