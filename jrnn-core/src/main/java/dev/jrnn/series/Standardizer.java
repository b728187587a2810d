package dev.jrnn.series;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Per-column standardisation, {@code z = (x − mean) / std}, with the statistics of the training rows only (so the
 * held-out tail does not leak into them), stored with the model so that forecasts use the same scale (scikit-learn's
 * {@code StandardScaler}). {@code std} is the population standard deviation; a constant column gets {@code std = 1}
 * (it is only shifted), so nothing is divided by zero. A column is found by name in constant time, so a table of
 * 200,000 columns is standardised in time linear in its size.
 */
public final class Standardizer {
    private final List<String> columns;
    private final double[] mean;
    private final double[] std;
    private final Map<String, Integer> index = new HashMap<>();

    /**
     * Validates and copies.
     *
     * @param columns the column names, distinct
     * @param mean    the mean of each column
     * @param std     the standard deviation of each column, &gt; 0
     */
    public Standardizer(List<String> columns, double[] mean, double[] std) {
        this.columns = List.copyOf(columns);
        this.mean = mean.clone();
        this.std = std.clone();
        if (mean.length != columns.size() || std.length != columns.size()) {
            throw new IllegalArgumentException("Standardizer: " + columns.size() + " columns but " + mean.length + " means and "
                    + std.length + " standard deviations");
        }
        for (int i = 0; i < this.columns.size(); i++) {
            Integer before = index.putIfAbsent(this.columns.get(i), i);
            if (before != null) {
                throw new IllegalArgumentException("Standardizer: column name '" + this.columns.get(i) + "' repeats (columns "
                        + (before + 1) + " and " + (i + 1) + ")");
            }
        }
        for (int i = 0; i < std.length; i++) {
            if (!Double.isFinite(mean[i]) || !(std[i] > 0) || Double.isInfinite(std[i])) {
                throw new IllegalArgumentException("Standardizer: column '" + columns.get(i) + "' needs a finite mean and a "
                        + "finite std > 0, got " + mean[i] + " and " + std[i]);
            }
        }
    }

    /**
     * The statistics of rows {@code [fromRow, toRow)} of each named column.
     *
     * @throws java.io.IOException when a column is missing or not numeric ({@link TimeSeries#column})
     */
    public static Standardizer fit(TimeSeries series, List<String> columns, int fromRow, int toRow) throws java.io.IOException {
        Objects.requireNonNull(series, "series");
        if (fromRow < 0 || toRow > series.rows() || toRow - fromRow < 1) {
            throw new IllegalArgumentException("Standardizer.fit: rows [" + fromRow + ", " + toRow + ") of a table of "
                    + series.rows());
        }
        List<String> names = new ArrayList<>(new java.util.LinkedHashSet<>(columns));
        double[] mean = new double[names.size()], std = new double[names.size()];
        for (int i = 0; i < names.size(); i++) {
            int c = series.column(names.get(i));
            double sum = 0;
            for (int r = fromRow; r < toRow; r++) sum += series.value(r, c);
            double m = sum / (toRow - fromRow), sq = 0;
            for (int r = fromRow; r < toRow; r++) sq += (series.value(r, c) - m) * (series.value(r, c) - m);
            double s = Math.sqrt(sq / (toRow - fromRow));
            mean[i] = m;
            std[i] = s > 1e-12 * Math.max(1, Math.abs(m)) ? s : 1;      // a constant column is only shifted
        }
        return new Standardizer(names, mean, std);
    }

    /** The column names, in order (unmodifiable). */
    public List<String> columns() {
        return columns;
    }

    /** The mean of each column (a copy). */
    public double[] mean() {
        return mean.clone();
    }

    /** The standard deviation of each column (a copy). */
    public double[] std() {
        return std.clone();
    }

    /** The position of {@code column} in {@link #columns()}, or -1. */
    public int indexOf(String column) {
        Integer i = index.get(column);
        return i == null ? -1 : i;
    }

    private int index(String column) {
        Integer i = index.get(column);
        if (i == null) {
            throw new IllegalArgumentException("Standardizer: no statistics for column '" + column + "' (has " + columns.size()
                    + " columns" + (columns.size() <= 20 ? ": " + columns : "") + ")");
        }
        return i;
    }

    /** {@code (x − mean) / std} of a column. */
    public double scale(String column, double x) {
        int i = index(column);
        return (x - mean[i]) / std[i];
    }

    /** {@code z · std + mean} of a column: back to the data's units. */
    public double unscale(String column, double z) {
        int i = index(column);
        return z * std[i] + mean[i];
    }

    /** The statistics by column, in order: {@code name -> {mean, std}}. */
    public Map<String, double[]> asMap() {
        Map<String, double[]> out = new java.util.LinkedHashMap<>();
        for (int i = 0; i < columns.size(); i++) out.put(columns.get(i), new double[] {mean[i], std[i]});
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Standardizer s && columns.equals(s.columns) && java.util.Arrays.equals(mean, s.mean)
                && java.util.Arrays.equals(std, s.std);
    }

    @Override
    public int hashCode() {
        return columns.hashCode() * 31 + java.util.Arrays.hashCode(mean) * 17 + java.util.Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++) {
            parts.add(String.format(java.util.Locale.ROOT, "%s: mean %.6g, std %.6g", columns.get(i), mean[i], std[i]));
        }
        return "Standardizer(" + String.join("; ", parts) + ")";
    }
}
