package dev.jrnn.examples;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Activation;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.Losses;
import dev.jrnn.nn.Module;
import dev.jrnn.nn.rnn.SimpleRnn;
import dev.jrnn.optim.Adam;
import dev.jrnn.optim.GradClip;
import dev.jrnn.optim.NonFiniteGradientException;
import dev.jrnn.optim.Optimizer;
import dev.jrnn.optim.Sgd;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.train.diagnostics.DiagnosticsConfig;
import dev.jrnn.train.diagnostics.DiagnosticsPlots;
import dev.jrnn.train.diagnostics.DiagnosticsReport;
import dev.jrnn.train.diagnostics.GateStats;
import dev.jrnn.train.diagnostics.GradientDiagnostics;
import dev.jrnn.train.diagnostics.GradientProbe;
import dev.jrnn.train.diagnostics.LayerReport;
import dev.jrnn.train.diagnostics.ProbeBatch;
import dev.jrnn.train.diagnostics.SpectralRadius;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Gradient flow on the adding problem (issue 6, item 7), with the library's diagnostics
 * ({@code dev.jrnn.train.diagnostics}, see {@code docs/diagnostics.md}).
 *
 * <p><b>{@code --mode flow}</b> (default): for each recurrent layer, {@code ‖∂L/∂h_t‖} for every step t of one
 * fixed batch, at initialisation or after {@code --train-steps} of Adam (global-norm clip {@code --clip}); the
 * spectral radius of W_hh and gate saturation; one PNG with a line per model. {@code --forget-bias b} adds b
 * to the LSTM's forget-gate bias at initialisation (the usual fix for a closed forget gate). With
 * {@code --record-every N} the training is also recorded every N steps by a {@code GradientDiagnostics} (files
 * and plots under {@code --out/<model>}).
 *
 * <p><b>{@code --mode clipping}</b>: the effect of clipping on an exploding run. A simple RNN ({@code --act tanh}
 * or {@code relu}) whose W_hh is rescaled to spectral radius {@code --rho} (&gt; 1) is trained twice from the same
 * weights on the same batches, with plain SGD (or Adam): once without clipping, once with the global gradient
 * norm clipped at {@code --clip}. Each step's gradient norm before clipping is logged; a non-finite gradient
 * stops a run with the optimizer's {@code NonFiniteGradientException}. One PNG of four panels: the training
 * loss, the gradient norm, ρ(W_hh) over training, and {@code ‖∂L/∂h_t‖} at the last record of each run.
 *
 * <pre>
 * java -cp ... dev.jrnn.examples.GradientFlow [--mode flow] [--models simple,lstm,gru] [--length 100] [--hidden 32]
 *   [--batch 32] [--train-steps 0] [--lr 1e-2] [--clip 1] [--forget-bias 0] [--record-every 0] [--seed 1]
 *   [--png docs/img/gradient-flow.png] [--out runs/examples/gradient-flow]
 * java -cp ... dev.jrnn.examples.GradientFlow --mode clipping [--act tanh] [--rho 2] [--length 50] [--hidden 32]
 *   [--batch 32] [--train-steps 300] [--optimizer sgd] [--lr 0.05] [--clip 1] [--record-every 25] [--seed 1]
 *   [--png docs/img/gradient-clipping.png] [--out runs/examples/gradient-clipping]
 * </pre>
 */
public final class GradientFlow {

    /** The diagnostics of one model on the fixed batch, with a label for the plot. */
    public record Report(String model, DiagnosticsReport diagnostics) {
        /** The first layer's report. */
        public LayerReport layer() {
            return diagnostics.layers().get(0);
        }
    }

    /** One training run of the clipping demo: per-step loss and gradient norm, and where it stopped. */
    public record ClipRun(String name, double clip, double[] loss, double[] gradNorm, int divergedAt, String divergence,
                          double testMse, List<DiagnosticsReport> records) {
        /** Steps completed. */
        public int steps() {
            return loss.length;
        }
    }

    private GradientFlow() {}

    public static void main(String[] argv) throws IOException {
        Args a = new Args(argv);
        if (a.string("mode", "flow").equals("clipping")) {
            runClipping(a);
        } else {
            run(a);
        }
    }

    // ------------------------------------------------------------------ --mode flow

    /** {@code --mode flow}: the diagnostics of each model on one batch, at init or after training. */
    public static List<Report> run(Args a) throws IOException {
        String mode = a.string("mode", "flow");
        if (!mode.equals("flow")) {
            throw new IllegalArgumentException("GradientFlow.run is --mode flow; got --mode " + mode);
        }
        String[] models = a.words("models", "simple,lstm,gru");
        int length = a.integer("length", 100);
        int hidden = a.integer("hidden", 32);
        int batch = a.integer("batch", 32);
        int trainSteps = a.integer("train-steps", 0);
        double lr = a.number("lr", 1e-2);
        double clip = a.number("clip", 1);
        double forgetBias = a.number("forget-bias", 0);
        int recordEvery = a.integer("record-every", 0);
        long seed = a.longValue("seed", 1);
        Path png = a.path("png", Path.of("docs/img/gradient-flow.png"));
        Path out = a.path("out", Path.of("runs/examples/gradient-flow"));
        a.checkAllUsed();

        List<Report> reports = new ArrayList<>();
        AddingProblem.Data probe = AddingProblem.sample(batch, length, new Rng(seed + 99));   // the same batch for every model
        Map<String, double[]> lines = new LinkedHashMap<>();
        for (String kind : models) {
            AddingProblem.Model m = new AddingProblem.Model(kind, hidden, new Rng(seed));
            if (kind.equals("lstm") && forgetBias != 0) {
                NdArray b = m.rnn.biasIh(0, false).data();                 // forget block: rows H..2H-1 (i, f, g, o)
                for (int u = hidden; u < 2 * hidden; u++) b.setFlat(u, b.getFlat(u) + forgetBias);
            }
            GradientDiagnostics diag = recordEvery > 0
                    ? new GradientDiagnostics(out.resolve(kind), recordEvery).log(s -> System.out.println("  " + kind + " " + s))
                    : null;
            if (trainSteps > 0) {
                train(m, length, trainSteps, batch, lr, clip, seed, diag, probe);
            }
            DiagnosticsReport d = GradientProbe.measure(trainSteps, m, m.rnn, probeBatch(m, probe), DiagnosticsConfig.defaults());
            Report r = new Report(kind, d);
            reports.add(r);
            LayerReport l = r.layer();
            System.out.printf(Locale.ROOT, "RESULT gradflow model=%s T=%d |dL/dh_1|=%.3e |dL/dh_T|=%.3e ratio_first_last=%.3e "
                            + "spectral_radius=%.3f (%s block) saturation=%.3f gates=%s loss=%.4f%n", kind, length,
                    l.gradNorm()[0], l.gradNorm()[length - 1], l.firstLastRatio(), l.headlineSpectralRadius(),
                    l.headlineBlock(), l.saturation(), gates(l), d.loss());
            lines.put(String.format(Locale.ROOT, "%s (ρ(W_hh%s) = %.2f)", AddingProblem.label(kind),
                    kind.equals("simple") ? "" : ", " + l.headlineBlock() + " block", l.headlineSpectralRadius()), l.gradNorm());
        }
        XYChart chart = DiagnosticsPlots.gradientNorms("‖∂L/∂h_t‖ per step, adding problem T=" + length
                + (trainSteps > 0 ? ", after " + trainSteps + " training steps" : ", at initialisation")
                + " (mean over " + batch + " sequences)", lines);
        DiagnosticsPlots.save(chart, png);
        System.out.println("wrote " + png);
        return reports;
    }

    /** "i:0.00/0.01,f:..." : per gate the fractions saturated low/high. */
    static String gates(LayerReport l) {
        StringBuilder sb = new StringBuilder();
        for (GateStats g : l.gates()) {
            if (sb.length() > 0) sb.append(',');
            sb.append(String.format(Locale.ROOT, "%s:%.2f/%.2f(mean %.2f)", g.gate(), g.low(), g.high(), g.mean()));
        }
        return sb.toString();
    }

    /** The adding model's loss as a function of its recurrent layer's output. */
    static ProbeBatch probeBatch(AddingProblem.Model m, AddingProblem.Data d) {
        return ProbeBatch.of(d.x(), out -> Losses.mse(m.head.forward(out.hN().select(0, 0)), d.y()));
    }

    /**
     * Trains as {@code AddingProblem.train} does (the same data stream: the 512 validation sequences are drawn
     * first, then one fresh batch per step; Adam, global-norm clip), recording diagnostics on {@code probe}.
     */
    static void train(AddingProblem.Model m, int t, int steps, int batch, double lr, double clip, long seed,
                      GradientDiagnostics diag, AddingProblem.Data probe) {
        Rng data = new Rng(seed * 1000 + t);
        AddingProblem.sample(512, t, data);                                 // AddingProblem.train's validation set
        Adam opt = new Adam(m.parameters(), Adam.Config.adam(lr));
        if (diag != null) diag.maybeRecord(0, m, m.rnn, () -> probeBatch(m, probe));
        for (int step = 1; step <= steps; step++) {
            AddingProblem.Data d = AddingProblem.sample(batch, t, data);
            opt.zeroGrad();
            Tensor loss = Losses.mse(m.predict(d.x()), d.y());
            loss.backward();
            if (clip > 0) GradClip.byGlobalNorm(m.parameters(), clip);
            opt.step();
            if (diag != null) diag.maybeRecord(step, m, m.rnn, () -> probeBatch(m, probe));
        }
    }

    // ------------------------------------------------------------------ --mode clipping

    /** A simple RNN (tanh or relu) → last state → Linear(H, 1). */
    static final class RnnRegressor extends Module {
        final SimpleRnn rnn;
        final Linear head;

        RnnRegressor(String act, int hidden, Rng rng) {
            Activation.Kind kind = switch (act) {
                case "tanh" -> Activation.Kind.TANH;
                case "relu" -> Activation.Kind.RELU;
                default -> throw new IllegalArgumentException("--act must be tanh or relu, got " + act);
            };
            rnn = registerModule("rnn", SimpleRnn.builder(2, hidden).nonlinearity(kind).rng(rng).build());
            head = registerModule("head", new Linear(hidden, 1, rng));
        }

        Tensor predict(Tensor x) {
            return head.forward(rnn.forwardFrom(x, null, null).hN().select(0, 0));
        }

        ProbeBatch probe(AddingProblem.Data d) {
            return ProbeBatch.of(d.x(), out -> Losses.mse(head.forward(out.hN().select(0, 0)), d.y()));
        }
    }

    /** {@code --mode clipping}: the same exploding network trained without and with global-norm clipping. */
    public static List<ClipRun> runClipping(Args a) throws IOException {
        String mode = a.string("mode", "clipping");
        if (!mode.equals("clipping")) {
            throw new IllegalArgumentException("GradientFlow.runClipping is --mode clipping; got --mode " + mode);
        }
        String act = a.string("act", "tanh");
        double rho = a.number("rho", 2);
        int length = a.integer("length", 50);
        int hidden = a.integer("hidden", 32);
        int batch = a.integer("batch", 32);
        int steps = a.integer("train-steps", 300);
        String optimizer = a.string("optimizer", "sgd");
        double lr = a.number("lr", 0.05);
        double clip = a.number("clip", 1);
        int recordEvery = a.integer("record-every", 25);
        long seed = a.longValue("seed", 1);
        Path png = a.path("png", Path.of("docs/img/gradient-clipping.png"));
        Path out = a.path("out", Path.of("runs/examples/gradient-clipping"));
        a.checkAllUsed();
        if (!optimizer.equals("sgd") && !optimizer.equals("adam")) {
            throw new IllegalArgumentException("--optimizer must be sgd or adam, got " + optimizer);
        }

        System.out.printf(Locale.ROOT, "clipping demo: SimpleRNN(%s, %d) with W_hh rescaled to ρ = %s, adding problem T=%d, "
                + "batch %d, %s lr %s, %d steps; without clipping vs global-norm clip %s%n", act, hidden, num(rho), length,
                batch, optimizer, num(lr), steps, num(clip));
        AddingProblem.Data probe = AddingProblem.sample(batch, length, new Rng(seed + 99));
        List<ClipRun> runs = new ArrayList<>();
        for (double c : new double[] {0, clip}) {
            String name = c > 0 ? "clip " + num(c) : "no clipping";
            runs.add(trainClipRun(name, act, rho, length, hidden, batch, steps, optimizer, lr, c, recordEvery, seed, probe,
                    out.resolve(c > 0 ? "clip" : "no-clip")));
        }
        System.out.println();
        System.out.println("| run | steps done | stopped | median ‖g‖ | max ‖g‖ | final train loss | test MSE (1000 seq.) |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (ClipRun r : runs) {
            double[] g = r.gradNorm().clone();
            java.util.Arrays.sort(g);
            System.out.printf(Locale.ROOT, "| %s | %d | %s | %.3g | %.3g | %.4g | %.4g |%n", r.name(), r.steps(),
                    r.divergedAt() > 0 ? "step " + r.divergedAt() + ": " + r.divergence() : "no",
                    g.length == 0 ? Double.NaN : g[g.length / 2], g.length == 0 ? Double.NaN : g[g.length - 1],
                    r.steps() == 0 ? Double.NaN : r.loss()[r.steps() - 1], r.testMse());
            System.out.printf(Locale.ROOT, "RESULT clipping run=\"%s\" steps=%d diverged_at=%d final_loss=%.5g test_mse=%.5g%n",
                    r.name(), r.steps(), r.divergedAt(), r.steps() == 0 ? Double.NaN : r.loss()[r.steps() - 1], r.testMse());
        }
        plotClipping(runs, act, rho, length, clip, optimizer, lr, png);
        System.out.println("wrote " + png);
        return runs;
    }

    static ClipRun trainClipRun(String name, String act, double rho, int length, int hidden, int batch, int steps,
                                String optimizer, double lr, double clip, int recordEvery, long seed,
                                AddingProblem.Data probe, Path out) {
        RnnRegressor m = new RnnRegressor(act, hidden, new Rng(seed));
        SpectralRadius.rescaleTo(m.rnn.weightHh(0, false).data(), rho);      // the exploding initialisation
        Optimizer opt = optimizer.equals("sgd") ? new Sgd(m.parameters(), Sgd.Config.of(lr))
                : new Adam(m.parameters(), Adam.Config.adam(lr));
        opt.nonFinitePolicy(Optimizer.NonFinitePolicy.THROW).names(m.namedParameters());   // messages name the tensor
        GradientDiagnostics diag = new GradientDiagnostics(out, recordEvery);
        diag.maybeRecord(0, m, m.rnn, () -> m.probe(probe));
        Rng data = new Rng(seed * 1000 + length);                           // the same batches for both runs
        List<Double> losses = new ArrayList<>(), norms = new ArrayList<>();
        int diverged = 0, badLosses = 0;
        String why = "";
        for (int step = 1; step <= steps; step++) {
            AddingProblem.Data d = AddingProblem.sample(batch, length, data);
            opt.zeroGrad();
            Tensor loss = Losses.mse(m.predict(d.x()), d.y());
            loss.backward();
            double norm = clip > 0 ? GradClip.byGlobalNorm(m.parameters(), clip) : GradClip.globalNorm(m.parameters());
            try {
                opt.checkedStep(loss.item());                               // refuses NaN/∞ gradients
            } catch (NonFiniteGradientException e) {
                diverged = step;
                why = "NonFiniteGradientException (" + e.parameter() + ", loss " + e.loss() + ")";
                System.out.printf(Locale.ROOT, "  %s: step %d refused: %s%n", name, step, e.getMessage());
                break;
            }
            losses.add(loss.item());
            norms.add(norm);
            badLosses = Double.isFinite(loss.item()) ? 0 : badLosses + 1;
            if (badLosses == 50) {                                          // the loss overflowed (float32) and stays so
                diverged = step;
                why = "loss " + loss.item() + " for 50 steps in a row";
                break;
            }
            if (step % Math.max(1, steps / 10) == 0) {
                System.out.printf(Locale.ROOT, "  %s: step %d  loss %.4g  ‖g‖ before clipping %.3g  ρ(W_hh) %.3f%n", name,
                        step, loss.item(), norm, SpectralRadius.of(m.rnn.weightHh(0, false).data()));
            }
            if (allFinite(m)) {
                diag.maybeRecord(step, m, m.rnn, () -> m.probe(probe));
            }
        }
        double test = Double.NaN;
        if (allFinite(m)) {
            try (var ignored = dev.jrnn.autograd.Autograd.noGrad()) {
                AddingProblem.Data t = AddingProblem.sample(1000, length, new Rng(seed * 7777 + length));
                test = Losses.mse(m.predict(t.x()), t.y()).item();
            }
        }
        return new ClipRun(name, clip, losses.stream().mapToDouble(Double::doubleValue).toArray(),
                norms.stream().mapToDouble(Double::doubleValue).toArray(), diverged, why, test, diag.history());
    }

    /** {@code 0.05} rather than {@code 0.0500000}. */
    static String num(double v) {
        return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    private static boolean allFinite(Module m) {
        return m.parameters().stream().allMatch(p -> p.data().allFinite());
    }

    static void plotClipping(List<ClipRun> runs, String act, double rho, int length, double clip, String optimizer,
                             double lr, Path png) throws IOException {
        String setting = String.format(Locale.ROOT, "SimpleRNN(%s), ρ(W_hh)=%s at init, T=%d, %s lr %s", act, num(rho),
                length, optimizer, num(lr));
        Map<String, double[][]> loss = new LinkedHashMap<>(), norm = new LinkedHashMap<>(), radius = new LinkedHashMap<>();
        Map<String, double[]> flow = new LinkedHashMap<>();
        for (ClipRun r : runs) {
            double[] x = new double[r.steps()];
            for (int i = 0; i < x.length; i++) x[i] = i + 1;
            String label = r.name() + (r.divergedAt() > 0 ? " (stopped at step " + r.divergedAt() + ")" : "");
            loss.put(label, new double[][] {x, r.loss()});
            norm.put(label, new double[][] {x, r.gradNorm()});
            double[][] rr = new double[2][r.records().size()];
            for (int i = 0; i < r.records().size(); i++) {
                rr[0][i] = r.records().get(i).step();
                rr[1][i] = r.records().get(i).layer("l0").headlineSpectralRadius();
            }
            radius.put(r.name(), rr);
            DiagnosticsReport lastFinite = r.records().get(0);   // the last record before a blow-up (∞) or full saturation (0)
            for (DiagnosticsReport d : r.records()) {
                if (java.util.Arrays.stream(d.layer("l0").gradNorm()).allMatch(v -> Double.isFinite(v) && v > 0)) lastFinite = d;
            }
            flow.putIfAbsent("at initialisation", r.records().get(0).layer("l0").gradNorm());
            if (lastFinite.step() > 0) flow.put(r.name() + ", step " + lastFinite.step(), lastFinite.layer("l0").gradNorm());
        }
        XYChart l = DiagnosticsPlots.lines("training loss (MSE), " + setting, "training step", "loss (log scale)", true, loss);
        XYChart n = DiagnosticsPlots.lines("global gradient norm before clipping", "training step",
                "‖∇L‖ (log scale)", true, norm);
        if (clip > 0 && !runs.isEmpty() && runs.get(0).steps() + runs.get(runs.size() - 1).steps() > 0) {
            int last = Math.max(runs.get(0).steps(), runs.get(runs.size() - 1).steps());
            DiagnosticsPlots.addLine(n, "clipping threshold " + num(clip), new double[] {1, Math.max(2, last)},
                    new double[] {clip, clip}).setMarker(SeriesMarkers.NONE);
        }
        XYChart r = DiagnosticsPlots.lines("spectral radius of W_hh over training", "training step", "ρ(W_hh) (log scale)",
                true, radius);
        XYChart f = DiagnosticsPlots.gradientNorms("‖∂L/∂h_t‖ on a fixed batch of " + length + "-step sequences", flow);
        DiagnosticsPlots.saveGrid(List.of(l, n, r, f), 2, 2, png);
    }
}
