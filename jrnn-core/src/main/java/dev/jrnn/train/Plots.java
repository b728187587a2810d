package dev.jrnn.train;

import dev.jrnn.io.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * PNG plots of the metrics per epoch, drawn with XChart in headless mode: {@code loss.png} (training and
 * validation loss), one {@code NAME.png} per other metric (training and validation together) and
 * {@code lr.png}. Each file is written atomically. Also a classifier's confusion matrix ({@link #confusionMatrix}) and
 * a heat map of any matrix ({@link #heatMap}), such as the attention weights of an encoder–decoder.
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
     * A row-normalised confusion matrix as a PNG heat map, drawn with Java2D (headless): cell (true i, predicted j) is
     * shaded by {@code n[i][j] / row total} with that percentage written in it; each row label carries the class's
     * recall and support. Written atomically; the parent directory is created if needed.
     *
     * @param matrix the counts
     * @param labels one name per class, in class order
     * @param title  the line on top
     * @param file   the PNG to write
     * @throws IOException when the file cannot be written
     */
    public static void confusionMatrix(ConfusionMatrix matrix, List<String> labels, String title, Path file)
            throws IOException {
        int n = matrix.classes();
        if (labels.size() != n) {
            throw new IllegalArgumentException("Plots.confusionMatrix: " + labels.size() + " labels for " + n + " classes");
        }
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
        int cell = 40, left = 190, top = 70, right = 30, bottom = 130;
        int w = Math.max(left + n * cell + right, 560), h = top + n * cell + bottom;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString(title, 10, 25);
        Font plain = new Font(Font.SANS_SERIF, Font.PLAIN, 12), small = new Font(Font.SANS_SERIF, Font.PLAIN, 10);
        g.setFont(plain);
        g.drawString("rows: true class (recall, n)   columns: predicted   cells: % of the row", 10, 48);
        for (int i = 0; i < n; i++) {
            long total = matrix.support(i);
            for (int j = 0; j < n; j++) {
                long c = matrix.count(i, j);
                double f = total == 0 ? 0 : c / (double) total;
                int shade = (int) Math.round(255 * (1 - f));
                g.setColor(new Color(shade, shade, 255));
                g.fillRect(left + j * cell, top + i * cell, cell, cell);
                if (c > 0) {
                    g.setColor(f > 0.5 ? Color.WHITE : Color.BLACK);
                    g.setFont(small);
                    String s = String.format(Locale.ROOT, "%.0f", 100 * f);
                    FontMetrics fm = g.getFontMetrics();
                    g.drawString(s, left + j * cell + (cell - fm.stringWidth(s)) / 2, top + i * cell + cell / 2 + 4);
                }
            }
            g.setColor(Color.BLACK);
            g.setFont(plain);
            String lab = String.format(Locale.ROOT, "%s (%.0f%%, n=%d)", labels.get(i), 100 * matrix.recall(i), total);
            FontMetrics fm = g.getFontMetrics();
            g.drawString(lab, left - 6 - fm.stringWidth(lab), top + i * cell + cell / 2 + 4);
        }
        g.setColor(Color.GRAY);
        g.setStroke(new BasicStroke(1));
        g.drawRect(left, top, n * cell, n * cell);
        g.setColor(Color.BLACK);
        AffineTransform saved = g.getTransform();
        for (int j = 0; j < n; j++) {
            g.setTransform(saved);
            g.translate(left + j * cell + cell / 2 + 4, top + n * cell + 6);
            g.rotate(Math.PI / 2);
            g.drawString(labels.get(j), 0, 0);
        }
        g.setTransform(saved);
        g.dispose();
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        AtomicFiles.write(file, out -> ImageIO.write(img, "png", out));
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
