package dev.jrnn.train;

import dev.jrnn.io.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
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
 * {@code lr.png}. Each file is written atomically.
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
