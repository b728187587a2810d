package dev.jrnn.train;

import dev.jrnn.io.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * PNG plots of the metrics per epoch, drawn with XChart in headless mode: {@code loss.png} (training and
 * validation loss), one {@code NAME.png} per other metric (training and validation together) and
 * {@code lr.png}. Each file is written atomically. Also a heat map of any matrix ({@link #heatMap}), such as the
 * attention weights of an encoder–decoder.
 */
public final class Plots {
    private Plots() {}

    /**
     * Writes the plots of {@code history} into {@code dir} (created if needed).
     *
     * @return the files written
     * @throws IOException when a file cannot be written
     */
    public static List<Path> write(History history, Path dir) throws IOException {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");   // no display needed, also on servers
        }
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        double[] epochs = history.values("epoch");
        if (epochs.length == 0) {
            return written;
        }
        Set<String> metrics = new LinkedHashSet<>();
        for (String c : history.columns()) {
            if (c.startsWith("train_")) metrics.add(c.substring(6));
            else if (c.startsWith("val_")) metrics.add(c.substring(4));
        }
        for (String m : metrics) {
            XYChart chart = new XYChartBuilder().width(800).height(500).title(m + " per epoch").xAxisTitle("epoch")
                    .yAxisTitle(m).build();
            for (String prefix : new String[] {"train_", "val_"}) {
                double[] y = history.values(prefix + m);
                if (anyFinite(y)) chart.addSeries(prefix + m, epochs, y);
            }
            written.add(save(chart, dir.resolve(safe(m) + ".png")));
        }
        XYChart lr = new XYChartBuilder().width(800).height(500).title("learning rate").xAxisTitle("epoch")
                .yAxisTitle("lr").build();
        lr.addSeries("lr", epochs, history.values("lr"));
        written.add(save(lr, dir.resolve("lr.png")));
        return written;
    }

    /**
     * Writes {@code values} {@code [rows][columns]} as a PNG heat map, row 0 at the top (as a matrix is printed),
     * from white at the smallest value to dark blue at the largest.
     *
     * @param title       the chart's title
     * @param columnLabels one label per column (the x axis), e.g. the source tokens
     * @param rowLabels    one label per row (the y axis), e.g. the output tokens
     * @param png          the file to write (atomically); its directory must exist
     * @return {@code png}
     * @throws IllegalArgumentException when the matrix is empty, ragged, or the labels do not match its size
     */
    public static Path heatMap(String title, List<String> columnLabels, List<String> rowLabels, double[][] values, Path png)
            throws IOException {
        if (values.length == 0 || values[0].length == 0) {
            throw new IllegalArgumentException("Plots.heatMap: the matrix is empty; nothing to draw");
        }
        int rows = values.length, cols = values[0].length;
        if (rowLabels.size() != rows || columnLabels.size() != cols) {
            throw new IllegalArgumentException("Plots.heatMap: a " + rows + " x " + cols + " matrix needs " + rows
                    + " row labels and " + cols + " column labels, got " + rowLabels.size() + " and " + columnLabels.size());
        }
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        List<Number[]> cells = new ArrayList<>(rows * cols);
        double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        for (int r = 0; r < rows; r++) {
            if (values[r].length != cols) {
                throw new IllegalArgumentException("Plots.heatMap: row " + r + " has " + values[r].length
                        + " values, row 0 has " + cols);
            }
            for (int c = 0; c < cols; c++) {
                cells.add(new Number[] {c, rows - 1 - r, values[r][c]});     // XChart's y axis grows upwards
                min = Math.min(min, values[r][c]);
                max = Math.max(max, values[r][c]);
            }
        }
        List<String> yLabels = new ArrayList<>(rowLabels);
        java.util.Collections.reverse(yLabels);
        int cell = Math.max(10, Math.min(40, 900 / Math.max(rows, cols)));                   // square cells
        HeatMapChart chart = new HeatMapChartBuilder().width(Math.max(640, cols * cell + 260)).height(rows * cell + 200)
                .title(title).build();
        chart.getStyler().setRangeColors(new java.awt.Color[] {java.awt.Color.WHITE, new java.awt.Color(8, 48, 107)});
        chart.getStyler().setMin(min).setMax(max > min ? max : min + 1);
        chart.getStyler().setShowValue(false);
        chart.getStyler().setXAxisLabelRotation(90);                                            // long label rows stay readable
        chart.getStyler().setHeatMapDecimalValueFormatter(v -> String.format(java.util.Locale.ROOT, "%.3g", v));
        chart.addSeries("weights", columnLabels, yLabels, cells);
        AtomicFiles.write(png, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
        return png;
    }

    /** As {@link #write(History, Path)}, but a failure (no fonts on a bare server...) is reported, not thrown. */
    static void write(History history, Path dir, Progress progress) {
        try {
            write(history, dir);
        } catch (IOException | RuntimeException | LinkageError e) {
            progress.line("plots skipped: " + e);
        }
    }

    private static Path save(XYChart chart, Path file) throws IOException {
        AtomicFiles.write(file, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
        return file;
    }

    private static boolean anyFinite(double[] y) {
        for (double v : y) if (Double.isFinite(v)) return true;
        return false;
    }

    private static String safe(String name) {
        return name.replaceAll("[^A-Za-z0-9_.-]", "_");
    }
}
