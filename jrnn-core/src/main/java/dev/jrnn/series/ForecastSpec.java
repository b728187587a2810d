package dev.jrnn.series;

import dev.jrnn.train.SequenceDataset;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;

/**
 * What a forecaster reads and predicts: sliding windows of {@code window} consecutive rows of the {@code inputs}
 * columns, each followed by the next {@code horizon} values of the {@code targets} columns.
 * <pre>
 *   window ending at row e:   x = rows e−window … e−1 of the inputs     [window, |inputs|]   (standardised)
 *                             y = rows e … e+horizon−1 of the targets   [horizon · |targets|] (standardised),
 *                                 step-major: y[h·|targets| + j] = target j at row e+h
 * </pre>
 * A target may also be an input (autoregressive forecasting: the past of the series predicts its future).
 *
 * @param inputs  the columns read at every step, distinct, &gt;= 1
 * @param targets the columns predicted, distinct, &gt;= 1
 * @param window  the rows of one input window, &gt;= 1
 * @param horizon how many rows after the window are predicted, &gt;= 1
 */
public record ForecastSpec(List<String> inputs, List<String> targets, int window, int horizon) {
    /** Validates and copies. */
    public ForecastSpec {
        inputs = List.copyOf(inputs);
        targets = List.copyOf(targets);
        if (inputs.isEmpty() || targets.isEmpty()) {
            throw new IllegalArgumentException("ForecastSpec: needs at least one input and one target column, got " + inputs
                    + " and " + targets);
        }
        if (new LinkedHashSet<>(inputs).size() != inputs.size() || new LinkedHashSet<>(targets).size() != targets.size()) {
            throw new IllegalArgumentException("ForecastSpec: a column is named twice in " + inputs + " or " + targets);
        }
        if (window < 1 || horizon < 1) {
            throw new IllegalArgumentException("ForecastSpec: window and horizon must be >= 1, got " + window + " and " + horizon);
        }
    }

    /** {@code K = horizon · |targets|}: the model's outputs. */
    public int outputSize() {
        return horizon * targets.size();
    }

    /** The name of output {@code k}: {@code TARGET@+STEP}, e.g. {@code temp@+1}. */
    public String outputName(int k) {
        return targets.get(k % targets.size()) + "@+" + (k / targets.size() + 1);
    }

    /** Every column used, inputs first, then the targets that are not inputs. */
    public List<String> columns() {
        LinkedHashSet<String> all = new LinkedHashSet<>(inputs);
        all.addAll(targets);
        return List.copyOf(all);
    }

    /** How many windows with known targets a table of {@code rows} rows holds (ends {@code window … rows−horizon}). */
    public int windows(int rows) {
        return Math.max(0, rows - horizon - window + 1);
    }

    /**
     * The windows ending at rows {@code firstEnd … lastEnd} (inclusive) with their targets, standardised, as a
     * dataset for {@link dev.jrnn.train.Trainer}.
     *
     * @throws IOException when a column is missing or not numeric
     */
    public SequenceDataset dataset(TimeSeries s, Standardizer z, int firstEnd, int lastEnd) throws IOException {
        if (firstEnd < window || lastEnd + horizon > s.rows() || lastEnd < firstEnd) {
            throw new IllegalArgumentException("ForecastSpec.dataset: window ends " + firstEnd + ".." + lastEnd
                    + " do not fit a table of " + s.rows() + " rows with window " + window + " and horizon " + horizon);
        }
        int[] in = resolve(s, inputs), out = resolve(s, targets);
        List<float[][]> xs = new ArrayList<>(lastEnd - firstEnd + 1);
        float[][] ys = new float[lastEnd - firstEnd + 1][];
        for (int e = firstEnd; e <= lastEnd; e++) {
            xs.add(window(s, z, in, e));
            float[] y = new float[outputSize()];
            for (int h = 0; h < horizon; h++) {
                for (int j = 0; j < targets.size(); j++) {
                    y[h * targets.size() + j] = (float) z.scale(targets.get(j), s.value(e + h, out[j]));
                }
            }
            ys[e - firstEnd] = y;
        }
        return SequenceDataset.ofFeatures(xs, ys);
    }

    /**
     * The standardised input window ending at row {@code end} (rows {@code end−window … end−1}).
     *
     * @throws IOException when a column is missing or not numeric
     */
    public float[][] window(TimeSeries s, Standardizer z, int end) throws IOException {
        if (end < window || end > s.rows()) {
            throw new IllegalArgumentException("ForecastSpec.window: a window of " + window + " rows cannot end at row " + end
                    + " of a table of " + s.rows());
        }
        return window(s, z, resolve(s, inputs), end);
    }

    private float[][] window(TimeSeries s, Standardizer z, int[] in, int end) {
        float[][] x = new float[window][inputs.size()];
        for (int t = 0; t < window; t++) {
            for (int j = 0; j < inputs.size(); j++) {
                x[t][j] = (float) z.scale(inputs.get(j), s.value(end - window + t, in[j]));
            }
        }
        return x;
    }

    /**
     * The true target values after the window ending at {@code end}, in the data's units, step-major like the model's
     * outputs; NaN past the end of the table.
     */
    public double[] actual(TimeSeries s, int end) throws IOException {
        int[] out = resolve(s, targets);
        double[] y = new double[outputSize()];
        for (int h = 0; h < horizon; h++) {
            for (int j = 0; j < targets.size(); j++) {
                y[h * targets.size() + j] = end + h < s.rows() ? s.value(end + h, out[j]) : Double.NaN;
            }
        }
        return y;
    }

    /**
     * The persistence forecast after the window ending at {@code end}: each target's last value in the window (row
     * {@code end−1}) carried forward to every step of the horizon, step-major like the model's outputs, in the data's
     * units. The baseline a forecaster must beat.
     *
     * @throws IOException when a target column is missing or not numeric
     */
    public double[] persistence(TimeSeries s, int end) throws IOException {
        if (end < 1 || end > s.rows()) {
            throw new IllegalArgumentException("ForecastSpec.persistence: no row before row " + end + " of a table of "
                    + s.rows());
        }
        int[] out = resolve(s, targets);
        double[] y = new double[outputSize()];
        for (int k = 0; k < y.length; k++) y[k] = s.value(end - 1, out[k % targets.size()]);
        return y;
    }

    /** Standardised outputs back in the data's units. */
    public double[] unscale(Standardizer z, double[] outputs) {
        if (outputs.length != outputSize()) {
            throw new IllegalArgumentException("ForecastSpec.unscale: " + outputs.length + " outputs, expected " + outputSize());
        }
        double[] y = new double[outputs.length];
        for (int k = 0; k < y.length; k++) y[k] = z.unscale(targets.get(k % targets.size()), outputs[k]);
        return y;
    }

    private static int[] resolve(TimeSeries s, List<String> names) throws IOException {
        int[] out = new int[names.size()];
        for (int i = 0; i < out.length; i++) out[i] = s.column(Objects.requireNonNull(names.get(i)));
        return out;
    }
}
