package dev.jrnn.train.diagnostics;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Module;
import dev.jrnn.nn.rnn.Recurrent;
import dev.jrnn.nn.rnn.RecurrentResult;
import dev.jrnn.nn.rnn.RnnBase;
import dev.jrnn.nn.rnn.RnnState;
import org.knowm.xchart.XYChart;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Records gradient-flow diagnostics during training: every {@code everySteps} steps it measures a recurrent
 * layer on one batch ({@link GradientProbe}), keeps the report (step → {@link DiagnosticsReport}) and, when it
 * has an output folder, appends it to the files there and redraws the plots.
 *
 * <pre>{@code
 * GradientDiagnostics diag = new GradientDiagnostics(Path.of("runs/diag"), 100);   // every 100 steps
 * for (int step = 1; step <= steps; step++) {
 *     ... forward, backward, clip, opt.step() ...
 *     diag.maybeRecord(step, model, model.rnn,
 *             () -> ProbeBatch.of(probe.x(), out -> Losses.mse(model.head.forward(out.hN().select(0, 0)), probe.y())));
 * }
 * }</pre>
 * The batch supplier is called only when a record is due. Measuring leaves the model's gradients and training
 * mode as they were ({@link GradientProbe}), so it may sit anywhere in the loop. Use the same batch at every
 * record, so that curves differ by the model and not by the data.
 *
 * <p><b>Files</b> in the output folder (both started afresh by the constructor, appended at each record, so a
 * run that dies keeps its history):
 * <pre>
 * diagnostics.jsonl        one JSON object per record ({@link DiagnosticsReport#toJson()})
 * diagnostics.csv          long format: step,layer,metric,index,value ({@link DiagnosticsReport#toCsv()})
 * grad-norm-{layer}.png    ‖∂L/∂h_t‖ against t, log scale, one line per recorded step (at most 8, evenly spaced)
 * spectral-radius.png      ρ of each weight_hh block of each layer against the training step
 * saturation.png           saturated fraction of each gate of each layer against the training step
 * </pre>
 * The plots are redrawn at every record (turn that off with {@link #plotEveryRecord(boolean)} and call
 * {@link #writePlots()} at the end). A plot that cannot be drawn (no fonts on a bare server...) is reported
 * through {@link #log(Consumer)} and skipped; the JSONL and CSV are always written.
 */
public final class GradientDiagnostics {
    /** The most lines in a {@code grad-norm} plot. */
    public static final int MAX_LINES = 8;

    private final Path outDir;
    private final int everySteps;
    private final List<DiagnosticsReport> history = new ArrayList<>();
    private DiagnosticsConfig config = DiagnosticsConfig.defaults();
    private boolean plotEveryRecord = true;
    private Consumer<String> log = s -> { };

    /**
     * A recorder measuring every {@code everySteps} steps (at steps 0, N, 2N, ...).
     *
     * @param outDir where to write the files (created; its {@code diagnostics.jsonl} and {@code .csv} are
     *               started afresh), or null to keep the history in memory only
     * @throws UncheckedIOException when the folder or files cannot be created
     */
    public GradientDiagnostics(Path outDir, int everySteps) {
        if (everySteps < 1) {
            throw new IllegalArgumentException("GradientDiagnostics: everySteps must be at least 1, got " + everySteps);
        }
        this.outDir = outDir;
        this.everySteps = everySteps;
        if (outDir != null) {
            try {
                Files.createDirectories(outDir);
                Files.writeString(jsonl(), "", StandardCharsets.UTF_8);
                Files.writeString(csv(), DiagnosticsReport.CSV_HEADER + "\n", StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("GradientDiagnostics: cannot create the files in " + outDir, e);
            }
        }
    }

    /** Power-iteration length and saturation thresholds (default {@link DiagnosticsConfig#defaults()}); returns this. */
    public GradientDiagnostics config(DiagnosticsConfig config) {
        this.config = java.util.Objects.requireNonNull(config, "config");
        return this;
    }

    /** Whether every record redraws the PNGs (default true); returns this. */
    public GradientDiagnostics plotEveryRecord(boolean on) {
        this.plotEveryRecord = on;
        return this;
    }

    /** Where each record's {@link DiagnosticsReport#summary()} (and any plotting problem) is sent; default nowhere. */
    public GradientDiagnostics log(Consumer<String> sink) {
        this.log = java.util.Objects.requireNonNull(sink, "sink");
        return this;
    }

    /** The output folder, or null. */
    public Path outDir() { return outDir; }

    /** Records are due at multiples of this. */
    public int everySteps() { return everySteps; }

    /** Whether a record is due at {@code step} (a multiple of {@link #everySteps()}, 0 included). */
    public boolean due(long step) {
        return step % everySteps == 0;
    }

    /**
     * Measures {@code rnn} when a record is due at {@code step}; otherwise does nothing (and never calls
     * {@code batch}).
     *
     * @param model the whole model (its gradients and mode are kept); null for {@code rnn} alone
     * @return the new report, or null when none was due
     */
    public DiagnosticsReport maybeRecord(long step, Module model, RnnBase rnn, Supplier<ProbeBatch> batch) {
        return due(step) ? record(step, model, rnn, batch.get()) : null;
    }

    /** As {@link #maybeRecord(long, Module, RnnBase, Supplier)} for a model that is {@code rnn} alone. */
    public DiagnosticsReport maybeRecord(long step, RnnBase rnn, Supplier<ProbeBatch> batch) {
        return maybeRecord(step, rnn, rnn, batch);
    }

    /** Measures {@code rnn} now, whatever the step, and records the report. */
    public DiagnosticsReport record(long step, Module model, RnnBase rnn, ProbeBatch batch) {
        return add(GradientProbe.measure(step, model, rnn, batch, config));
    }

    /** Measures a {@code Recurrent} layer now (see {@link GradientProbe}) and records the report. */
    public <S extends RnnState> DiagnosticsReport record(long step, Module model, Recurrent<S> layer, Tensor x,
                                                         int[] lengths, Function<RecurrentResult<S>, Tensor> loss) {
        return add(GradientProbe.measure(step, model, layer, x, lengths, null, loss, config));
    }

    /** Records a report measured elsewhere: keeps it, appends it to the files, redraws the plots. */
    public DiagnosticsReport add(DiagnosticsReport report) {
        history.add(report);
        log.accept(report.summary());
        if (outDir != null) {
            try {
                Files.writeString(jsonl(), report.toJson() + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
                Files.writeString(csv(), report.toCsv(), StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException("GradientDiagnostics: cannot append to " + outDir, e);
            }
            if (plotEveryRecord) {
                writePlotsQuietly();
            }
        }
        return report;
    }

    /** The reports so far, in recording order (unmodifiable view). */
    public List<DiagnosticsReport> history() {
        return Collections.unmodifiableList(history);
    }

    /** The latest report, or null. */
    public DiagnosticsReport last() {
        return history.isEmpty() ? null : history.get(history.size() - 1);
    }

    /**
     * Draws the plots into the output folder (see the class comment).
     *
     * @return the files written (none without an output folder or a record)
     * @throws IOException when a file cannot be written
     */
    public List<Path> writePlots() throws IOException {
        List<Path> out = new ArrayList<>();
        if (outDir == null || history.isEmpty()) {
            return out;
        }
        for (String layer : layerNames()) {
            out.add(DiagnosticsPlots.save(gradNormChart(layer), outDir.resolve("grad-norm-" + layer + ".png")));
        }
        out.add(DiagnosticsPlots.save(spectralChart(), outDir.resolve("spectral-radius.png")));
        out.add(DiagnosticsPlots.save(saturationChart(), outDir.resolve("saturation.png")));
        out.removeIf(java.util.Objects::isNull);
        return out;
    }

    private void writePlotsQuietly() {
        try {
            writePlots();
        } catch (IOException | RuntimeException | LinkageError e) {
            log.accept("diagnostics plots skipped: " + e);
        }
    }

    /** {@code ‖∂L/∂h_t‖} of one layer, one line per recorded step (at most {@link #MAX_LINES}, evenly spaced). */
    public XYChart gradNormChart(String layer) {
        Map<String, double[]> lines = new LinkedHashMap<>();
        for (int i : evenlySpaced(history.size(), MAX_LINES)) {
            DiagnosticsReport r = history.get(i);
            for (LayerReport l : r.layers()) {
                if (l.name().equals(layer)) lines.put("step " + r.step(), l.gradNorm());
            }
        }
        String cell = history.get(history.size() - 1).layer(layer).cell();
        return DiagnosticsPlots.gradientNorms("‖∂L/∂h_t‖ per time step, layer " + layer + " (" + cell + ")", lines);
    }

    /** ρ of every weight_hh block of every layer against the training step. */
    public XYChart spectralChart() {
        Map<String, double[][]> series = new LinkedHashMap<>();
        for (String layer : layerNames()) {
            LayerReport first = lastWith(layer);
            for (String block : first.spectralRadius().keySet()) {
                series.put(layer + " " + block, over(r -> {
                    Double v = r.layer(layer).spectralRadius().get(block);
                    return v == null ? Double.NaN : v;
                }, layer));
            }
        }
        return DiagnosticsPlots.lines("spectral radius ρ of each W_hh block over training", "training step",
                "ρ (largest |eigenvalue|)", false, series);
    }

    /** The saturated fraction of every gate of every layer against the training step. */
    public XYChart saturationChart() {
        Map<String, double[][]> series = new LinkedHashMap<>();
        for (String layer : layerNames()) {
            for (GateStats g : lastWith(layer).gates()) {
                series.put(String.format(Locale.ROOT, "%s %s (%s)", layer, g.gate(), g.activation()), over(r -> {
                    GateStats s = r.layer(layer).gate(g.gate());
                    return s == null ? Double.NaN : s.saturated();
                }, layer));
            }
        }
        XYChart c = DiagnosticsPlots.lines("saturated fraction of each gate over training", "training step",
                "saturated: σ ∉ [" + config.sigmoidLow() + ", " + config.sigmoidHigh() + "], |tanh| > " + config.tanhLimit()
                        + ", relu = 0", false, series);
        c.getStyler().setYAxisDecimalPattern("0.00");
        return c;
    }

    private double[][] over(java.util.function.ToDoubleFunction<DiagnosticsReport> f, String layer) {
        List<double[]> pts = new ArrayList<>();
        for (DiagnosticsReport r : history) {
            if (r.layers().stream().anyMatch(l -> l.name().equals(layer))) pts.add(new double[] {r.step(), f.applyAsDouble(r)});
        }
        double[][] xy = new double[2][pts.size()];
        for (int i = 0; i < pts.size(); i++) {
            xy[0][i] = pts.get(i)[0];
            xy[1][i] = pts.get(i)[1];
        }
        return xy;
    }

    private LayerReport lastWith(String layer) {
        for (int i = history.size() - 1; i >= 0; i--) {
            for (LayerReport l : history.get(i).layers()) if (l.name().equals(layer)) return l;
        }
        throw new IllegalStateException("no record of layer " + layer);
    }

    private List<String> layerNames() {
        List<String> names = new ArrayList<>();
        for (DiagnosticsReport r : history) {
            for (LayerReport l : r.layers()) if (!names.contains(l.name())) names.add(l.name());
        }
        return names;
    }

    /** Up to {@code k} indices of {@code 0..n-1}, evenly spaced, first and last included. */
    static List<Integer> evenlySpaced(int n, int k) {
        List<Integer> out = new ArrayList<>();
        if (n <= k) {
            for (int i = 0; i < n; i++) out.add(i);
            return out;
        }
        for (int j = 0; j < k; j++) {
            int i = (int) Math.round(j * (n - 1) / (double) (k - 1));
            if (out.isEmpty() || out.get(out.size() - 1) != i) out.add(i);
        }
        return out;
    }

    private Path jsonl() { return outDir.resolve("diagnostics.jsonl"); }

    private Path csv() { return outDir.resolve("diagnostics.csv"); }
}
