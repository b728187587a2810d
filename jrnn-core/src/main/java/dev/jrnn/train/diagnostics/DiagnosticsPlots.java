package dev.jrnn.train.diagnostics;

import dev.jrnn.io.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * PNG line charts of diagnostics, drawn with XChart in headless mode and written atomically (as
 * {@code dev.jrnn.train.Plots}). Points that a chart cannot show are left out: NaN and infinities always, and
 * values ≤ 0 on a logarithmic axis (a float32 gradient that underflowed to 0, for example).
 *
 * <pre>{@code
 * Map<String, double[]> lines = new LinkedHashMap<>();
 * lines.put("SimpleRNN", simple.layer("l0").gradNorm());
 * lines.put("GRU", gru.layer("l0").gradNorm());
 * DiagnosticsPlots.save(DiagnosticsPlots.gradientNorms("‖∂L/∂h_t‖, T=100", lines), Path.of("flow.png"));
 * }</pre>
 */
public final class DiagnosticsPlots {
    private DiagnosticsPlots() {}

    /**
     * {@code ‖∂L/∂h_t‖} against t (1-based on the axis), logarithmic, one line per entry of {@code series}
     * (a model, a layer or a training step).
     */
    public static XYChart gradientNorms(String title, Map<String, double[]> series) {
        XYChart chart = chart(title, "time step t", "‖∂L/∂h_t‖ (log scale)", true);
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            double[] y = e.getValue();
            double[] x = new double[y.length];
            for (int t = 0; t < y.length; t++) x[t] = t + 1;
            addLine(chart, e.getKey(), x, y);
        }
        return chart;
    }

    /**
     * A chart of several series {@code name -> {x[], y[]}}, for quantities over training (x: the step).
     *
     * @param logY a logarithmic y axis
     */
    public static XYChart lines(String title, String xTitle, String yTitle, boolean logY, Map<String, double[][]> series) {
        XYChart chart = chart(title, xTitle, yTitle, logY);
        for (Map.Entry<String, double[][]> e : series.entrySet()) {
            addLine(chart, e.getKey(), e.getValue()[0], e.getValue()[1]);
        }
        return chart;
    }

    /** An empty 800×500 chart with the legend inside, top left. */
    public static XYChart chart(String title, String xTitle, String yTitle, boolean logY) {
        headless();
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        chart.getStyler().setYAxisLogarithmic(logY);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        chart.getStyler().setLegendBackgroundColor(new java.awt.Color(255, 255, 255, 200));
        chart.getStyler().setXAxisTickMarkSpacingHint(90);               // fewer, readable tick labels
        chart.getStyler().setYAxisLogarithmicDecadeOnly(true);
        chart.getStyler().setPlotGridLinesColor(new java.awt.Color(225, 225, 225));
        chart.getStyler().setPlotGridLinesStroke(new java.awt.BasicStroke(1f));
        return chart;
    }

    /**
     * Adds a line, leaving out the points the chart cannot draw (see the class comment); markers are drawn when
     * there are few points. Returns the series, or null when no point is left (nothing is added then).
     */
    public static XYSeries addLine(XYChart chart, String name, double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("DiagnosticsPlots.addLine: " + x.length + " x values but " + y.length
                    + " y values for '" + name + "'");
        }
        boolean log = chart.getStyler().isYAxisLogarithmic();
        List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
        for (int i = 0; i < y.length; i++) {
            if (Double.isFinite(x[i]) && Double.isFinite(y[i]) && (!log || y[i] > 0)) {
                xs.add(x[i]);
                ys.add(y[i]);
            }
        }
        if (xs.isEmpty()) {
            return null;
        }
        XYSeries s = chart.addSeries(name, xs, ys);
        s.setMarker(xs.size() <= 25 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        return s;
    }

    /** Writes {@code chart} as a PNG (atomically); returns the file, or null when the chart has no series. */
    public static Path save(XYChart chart, Path png) throws IOException {
        if (chart.getSeriesMap().isEmpty()) {
            return null;
        }
        headless();
        AtomicFiles.write(png, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
        return png;
    }

    /** Writes several charts side by side ({@code rows × cols}) into one PNG. */
    public static Path saveGrid(List<XYChart> charts, int rows, int cols, Path png) throws IOException {
        headless();
        AtomicFiles.write(png, out -> BitmapEncoder.saveBitmap(charts, rows, cols, out, BitmapEncoder.BitmapFormat.PNG));
        return png;
    }

    private static void headless() {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");   // no display needed, also on servers
        }
    }
}
