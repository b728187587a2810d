package dev.jrnn.series;

import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.io.ModelConfig;
import dev.jrnn.io.ModelFile;
import dev.jrnn.io.ModelFileException;
import dev.jrnn.io.TorchNames;
import dev.jrnn.tensor.DType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A {@link SequenceRegressor} saved as a model directory ({@link ModelFile}: {@code config.json},
 * {@code weights.safetensors}) with what it needs to forecast from a table: the input and target columns, the window
 * and horizon ({@link ForecastSpec}) and the normalisation statistics ({@link Standardizer}).
 *
 * <pre>{@code
 * SequenceRegressorFiles.save(dir, model, spec, standardizer, ModelFile.Provenance.now("weather.csv", 20, 900, 31.0,
 *         Map.of("valid_mae", 0.41), "jrnn train regress ..."));
 * SequenceRegressorFiles.Loaded m = SequenceRegressorFiles.load(dir);
 * double[] next = m.forecast(TimeSeries.read(csv, TimeSeries.Header.AUTO));     // after the table's last row
 * }</pre>
 *
 * <p>The sections of {@code config.json} ({@code model_type = "sequence_regressor"}):
 * <pre>
 * "model":         {"cell": "LSTM", "input_size": 2, "hidden_size": 32, "num_layers": 1, "bidirectional": false,
 *                   "output_size": 3, "dropout": 0.0, "dtype": "FLOAT32", "seed": 1}
 * "series":        {"inputs": ["temp", "humidity"], "targets": ["temp"], "window": 24, "horizon": 3}
 * "normalization": {"temp": {"mean": 11.2, "std": 4.1}, "humidity": {"mean": 0.71, "std": 0.12}}
 * "weights":       {"file": "weights.safetensors", "names": "pytorch", "dtype": "F32", "parameters": 4611}
 * "provenance":    {...}
 * </pre>
 * {@link #load} checks everything before it builds the model: the container, every field, that the model's
 * {@code input_size} is the number of inputs and its {@code output_size} is {@code horizon × targets}, that every
 * column has its statistics (finite mean, std &gt; 0), and every weight name and shape.
 */
public final class SequenceRegressorFiles {
    /** The {@code model_type} of a sequence regressor. */
    public static final String MODEL_TYPE = "sequence_regressor";

    private SequenceRegressorFiles() {}

    /**
     * A loaded regressor with its columns and scale.
     *
     * @param model        the model, weights loaded, in evaluation mode
     * @param spec         the columns, window and horizon
     * @param standardizer the statistics of every column in {@code spec}
     * @param provenance   where it came from, or null
     * @param config       {@code config.json} as read
     * @param dir          the model directory
     */
    public record Loaded(SequenceRegressor model, ForecastSpec spec, Standardizer standardizer,
                         ModelFile.Provenance provenance, ModelConfig config, Path dir) {
        /**
         * The forecasts after the windows ending at rows {@code ends} (each in {@code window … rows}), in the data's
         * units, step-major ({@link ForecastSpec#outputName}).
         *
         * @throws IOException when the table lacks a column the model reads, or it is not numeric
         */
        public double[][] forecast(TimeSeries series, int[] ends) throws IOException {
            float[][][] windows = new float[ends.length][][];
            for (int i = 0; i < ends.length; i++) windows[i] = spec.window(series, standardizer, ends[i]);
            double[][] out = model.predict(windows);
            for (int i = 0; i < out.length; i++) out[i] = spec.unscale(standardizer, out[i]);
            return out;
        }

        /** The forecast after the table's last row (the next {@code horizon} rows). */
        public double[] forecast(TimeSeries series) throws IOException {
            if (series.rows() < spec.window()) {
                throw new IOException(series.source() + ": has " + series.rows() + " rows; the model reads windows of "
                        + spec.window());
            }
            return forecast(series, new int[] {series.rows()})[0];
        }
    }

    // ------------------------------------------------------------------ saving

    /**
     * Saves a regressor as a model directory, atomically (see {@link ModelFile#write}).
     *
     * @param dir          the directory to create (or replace, when it holds a model)
     * @param model        the model; {@code inputSize} must be {@code spec.inputs().size()} and {@code outputSize}
     *                     {@code spec.outputSize()}
     * @param spec         the columns, window and horizon
     * @param standardizer statistics for every column of {@code spec}
     * @param provenance   where the model came from
     */
    public static void save(Path dir, SequenceRegressor model, ForecastSpec spec, Standardizer standardizer,
                            ModelFile.Provenance provenance) throws IOException {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(standardizer, "standardizer");
        Objects.requireNonNull(provenance, "provenance");
        SequenceRegressor.Config c = model.config();
        String bad = fitProblem(c, spec, standardizer);
        if (bad != null) throw new IllegalArgumentException("SequenceRegressorFiles.save: " + bad);
        ModelConfig.Builder norm = ModelConfig.builder();
        double[] mean = standardizer.mean(), std = standardizer.std();    // copies: once, not once per column
        for (String col : spec.columns()) {
            int i = standardizer.indexOf(col);
            norm.put(col, ModelConfig.builder().put("mean", mean[i]).put("std", std[i]).build());
        }
        ModelConfig config = ModelConfig.builder()
                .put("model_type", MODEL_TYPE)
                .put("model", modelSection(c))
                .put("series", ModelConfig.builder().putStrings("inputs", spec.inputs()).putStrings("targets", spec.targets())
                        .put("window", (long) spec.window()).put("horizon", (long) spec.horizon()).build())
                .put("normalization", norm.build())
                .put("weights", ModelConfig.builder().put("file", ModelFile.WEIGHTS_FILE).put("names", "pytorch")
                        .put("dtype", c.dtype() == DType.FLOAT64 ? "F64" : "F32").put("parameters", model.parameterCount()).build())
                .put("provenance", provenance.toConfig())
                .build();
        ModelFile.write(dir, config, model.stateDict(), Map.of());
    }

    /** What does not fit between a model, its spec and its statistics, or null. */
    private static String fitProblem(SequenceRegressor.Config c, ForecastSpec spec, Standardizer z) {
        if (c.inputSize() != spec.inputs().size()) {
            return "the model reads " + c.inputSize() + " features per step, but there are " + spec.inputs().size()
                    + " input columns " + spec.inputs();
        }
        if (c.outputSize() != spec.outputSize()) {
            return "the model has " + c.outputSize() + " outputs, but horizon " + spec.horizon() + " x "
                    + spec.targets().size() + " target column(s) is " + spec.outputSize();
        }
        for (String col : spec.columns()) {
            if (z.indexOf(col) < 0) return "no normalisation statistics for column '" + col + "'";
        }
        return null;
    }

    /** The {@code model} section: every field of the config. */
    public static ModelConfig modelSection(SequenceRegressor.Config c) {
        return ModelConfig.builder()
                .put("cell", c.cell().name()).put("input_size", (long) c.inputSize()).put("hidden_size", (long) c.hiddenSize())
                .put("num_layers", (long) c.numLayers()).put("bidirectional", c.bidirectional())
                .put("output_size", (long) c.outputSize()).put("dropout", c.dropout()).put("dtype", c.dtype().name())
                .put("seed", c.seed()).build();
    }

    /**
     * Reads the {@code model} section back.
     *
     * @throws ModelFileException naming the field that is missing, of the wrong type, or out of range
     */
    public static SequenceRegressor.Config modelFrom(ModelConfig m) throws ModelFileException {
        CellType cell = m.getEnum("cell", CellType.class);
        int in = m.getSize("input_size"), h = m.getSize("hidden_size"), l = m.getLayers("num_layers");
        boolean bi = m.getBoolean("bidirectional");
        int out = m.getSize("output_size");
        double dropout = m.getDouble("dropout");
        DType dtype = m.getEnum("dtype", DType.class);
        long seed = m.getLong("seed");
        try {
            return new SequenceRegressor.Config(cell, in, h, l, bi, out, dropout, dtype, seed);
        } catch (IllegalArgumentException ex) {
            throw new ModelFileException(m.source() + ": section 'model' is not a valid sequence regressor: " + ex.getMessage(), ex);
        }
    }

    /**
     * The parameter names and shapes a regressor of this config has: the recurrent layers under PyTorch's names
     * ({@code rnn.weight_ih_l0 [G·H, F]}, ...), {@code output.weight [K, D·H]}, {@code output.bias [K]}.
     */
    public static Map<String, int[]> expectedShapes(SequenceRegressor.Config c) {
        Map<String, int[]> out = new LinkedHashMap<>();
        TorchNames.recurrentShapes(c.cell(), c.inputSize(), c.hiddenSize(), c.numLayers(), c.bidirectional(), true)
                .forEach((n, s) -> out.put("rnn." + n, s));
        out.put("output.weight", new int[] {c.outputSize(), c.directions() * c.hiddenSize()});
        out.put("output.bias", new int[] {c.outputSize()});
        return out;
    }

    // ------------------------------------------------------------------ loading

    /**
     * Loads a model directory written by {@link #save}, checking everything first (see the class comment).
     *
     * @throws ModelFileException naming the file and the problem
     * @throws IOException        when a file cannot be read
     */
    public static Loaded load(Path dir) throws IOException {
        ModelFile file = ModelFile.open(dir, MODEL_TYPE);
        ModelConfig config = file.config();
        SequenceRegressor.Config mc = modelFrom(config.getObject("model"));
        ModelConfig s = config.getObject("series");
        List<String> inputs = strings(s, "inputs"), targets = strings(s, "targets");
        int window = s.getInt("window"), horizon = s.getInt("horizon");
        if (window < 1) throw s.fieldError("window", "must be >= 1, found " + window);
        if (horizon < 1) throw s.fieldError("horizon", "must be >= 1, found " + horizon);
        ForecastSpec spec;
        try {
            spec = new ForecastSpec(inputs, targets, window, horizon);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(s.source() + ": section 'series' is not valid: " + e.getMessage(), e);
        }
        if (mc.inputSize() != inputs.size()) {
            throw config.getObject("model").fieldError("input_size", "is " + mc.inputSize() + ", but series.inputs names "
                    + inputs.size() + " column(s) " + inputs);
        }
        if (mc.outputSize() != spec.outputSize()) {
            throw config.getObject("model").fieldError("output_size", "is " + mc.outputSize() + ", but series.horizon "
                    + horizon + " x " + targets.size() + " target(s) is " + spec.outputSize());
        }
        ModelConfig norm = config.getObject("normalization");
        List<String> cols = spec.columns();
        double[] mean = new double[cols.size()], std = new double[cols.size()];
        for (int i = 0; i < cols.size(); i++) {
            if (!norm.has(cols.get(i))) {
                throw norm.fieldError(cols.get(i), "is missing (every input and target column needs its mean and std)");
            }
            ModelConfig col = norm.getObject(cols.get(i));
            mean[i] = col.getDouble("mean");
            std[i] = col.getDouble("std");
            if (!Double.isFinite(mean[i])) throw col.fieldError("mean", "must be a finite number, found " + mean[i]);
            if (!(std[i] > 0) || Double.isInfinite(std[i])) throw col.fieldError("std", "must be a finite number > 0, found " + std[i]);
        }
        Standardizer z = new Standardizer(cols, mean, std);
        ModelFile.Provenance provenance = file.provenance();
        file.checkLayerCount(config.getObject("model"), "num_layers", mc.numLayers());
        file.checkWeights(expectedShapes(mc));

        SequenceRegressor model = new SequenceRegressor(mc);
        model.loadStateDict(file.readWeights(mc.dtype()));
        model.eval();
        return new Loaded(model, spec, z, provenance, config, dir);
    }

    private static List<String> strings(ModelConfig c, String key) throws ModelFileException {
        Object raw = c.get(key);
        if (raw == null) throw c.fieldError(key, "is missing");
        if (!(raw instanceof List)) throw c.fieldError(key, "must be a list of column names, found " + kind(raw));
        List<String> out = new ArrayList<>();
        for (Object o : (List<?>) raw) {
            if (!(o instanceof String) || ((String) o).isEmpty()) {
                throw c.fieldError(key, "must hold non-empty column names only, found " + kind(o));
            }
            out.add((String) o);
        }
        return out;
    }

    private static String kind(Object o) {
        if (o instanceof String) return "the string \"" + o + "\"";
        if (o instanceof Number) return "the number " + o;
        if (o instanceof Boolean) return o.toString();
        if (o instanceof ModelConfig) return "an object";
        if (o instanceof List) return "a list";
        return "null";
    }
}
