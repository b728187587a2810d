package dev.jrnn.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The metrics of every finished epoch, one row per epoch: {@code epoch} (1-based), {@code step} (optimizer
 * steps so far), {@code lr}, {@code time_s}, {@code train_loss}, the model's metrics as {@code train_NAME},
 * and {@code val_loss}, {@code val_NAME} when there is validation data.
 */
public final class History {
    private final List<Map<String, Double>> rows = new ArrayList<>();
    private boolean stoppedEarly;

    /** Appends one epoch's row (copied). */
    void add(Map<String, Double> row) {
        rows.add(Collections.unmodifiableMap(new LinkedHashMap<>(row)));
    }

    void markStoppedEarly() {
        stoppedEarly = true;
    }

    /** Every row, oldest first. */
    public List<Map<String, Double>> rows() {
        return Collections.unmodifiableList(rows);
    }

    /** Number of finished epochs. */
    public int epochs() {
        return rows.size();
    }

    /** The last row; throws when no epoch has finished. */
    public Map<String, Double> last() {
        if (rows.isEmpty()) {
            throw new IllegalStateException("History.last: no epoch has finished");
        }
        return rows.get(rows.size() - 1);
    }

    /** The values of one metric over the epochs (NaN where an epoch lacks it). */
    public double[] values(String name) {
        double[] v = new double[rows.size()];
        for (int i = 0; i < v.length; i++) v[i] = rows.get(i).getOrDefault(name, Double.NaN);
        return v;
    }

    /** Every metric name, in the order first seen. */
    public List<String> columns() {
        Set<String> out = new LinkedHashSet<>();
        for (Map<String, Double> r : rows) out.addAll(r.keySet());
        return List.copyOf(out);
    }

    /** Whether early stopping ended the run. */
    public boolean stoppedEarly() {
        return stoppedEarly;
    }

    /** The rows as CSV: a header of {@link #columns()}, then one line per epoch; missing values are empty. */
    public String toCsv() {
        List<String> cols = columns();
        StringBuilder sb = new StringBuilder(String.join(",", cols)).append('\n');
        for (Map<String, Double> r : rows) {
            for (int i = 0; i < cols.size(); i++) {
                if (i > 0) sb.append(',');
                Double v = r.get(cols.get(i));
                if (v != null) sb.append(format(cols.get(i), v));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** The rows as JSON lines, one object per epoch; non-finite values are written as {@code null}. */
    public String toJsonLines() {
        StringBuilder sb = new StringBuilder();
        for (Map<String, Double> r : rows) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<String, Double> e : r.entrySet()) {
                if (!first) sb.append(',');
                first = false;
                double v = e.getValue();
                sb.append('"').append(e.getKey()).append("\":").append(Double.isFinite(v) ? format(e.getKey(), v) : "null");
            }
            sb.append("}\n");
        }
        return sb.toString();
    }

    /** Integers for the counters, else Java's shortest exact decimal ({@link Double#toString(double)}). */
    private static String format(String column, double v) {
        if ((column.equals("epoch") || column.equals("step") || column.equals("skipped")) && v == Math.rint(v)) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    /** Parses {@link #toCsv()} output back (checkpoints store the history this way). */
    static History fromCsv(String csv) {
        History h = new History();
        String[] lines = csv.split("\n");
        if (lines.length == 0 || lines[0].isEmpty()) {
            return h;
        }
        String[] cols = lines[0].split(",", -1);
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].isEmpty()) continue;
            String[] cells = lines[i].split(",", -1);
            if (cells.length != cols.length) {
                throw new IllegalArgumentException("history line " + i + " has " + cells.length + " cells for "
                        + cols.length + " columns");
            }
            Map<String, Double> row = new LinkedHashMap<>();
            for (int k = 0; k < cols.length; k++) {
                if (!cells[k].isEmpty()) row.put(cols[k], Double.parseDouble(cells[k]));
            }
            h.add(row);
        }
        return h;
    }
}
