package dev.jrnn.examples;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Losses;
import dev.jrnn.nn.rnn.HiddenState;
import dev.jrnn.nn.rnn.LstmCell;
import dev.jrnn.nn.rnn.LstmState;
import dev.jrnn.nn.rnn.StandardCell;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Gradient-flow diagnostics (issue 6, item 7) on the adding problem: ‖∂L/∂h_t‖ for every step t, the spectral
 * radius of W_hh, and gate saturation. (Here in the examples for now; it belongs in the library, e.g.
 * {@code dev.jrnn.train.diagnostics}, with a {@code train --diagnose} CLI switch.)
 *
 * <p>How ∂L/∂h_t is read: the layer's first cell is stepped by hand (the readable path, same parameters);
 * after each step a zero leaf {@code p_t} (requires grad) is added to h_t and the sum is what the next step
 * reads, so {@code ∂L/∂p_t = ∂L/∂h_t} lands in {@code p_t.grad()} after one backward pass.
 *
 * <pre>
 * java -cp ... dev.jrnn.examples.GradientFlow [--models simple,lstm,gru] [--length 100] [--hidden 32]
 *   [--batch 32] [--train-steps 0] [--seed 1] [--png docs/img/gradient-flow.png]
 * </pre>
 */
public final class GradientFlow {

    /** Diagnostics of one model on one batch. */
    public record Report(String model, double[] gradNorm, double spectralRadius, double saturation, double loss) {}

    private GradientFlow() {}

    /**
     * Estimate of the spectral radius ρ(W) (largest |eigenvalue|) of a square {@code [H, H]} matrix by power
     * iteration, read as Gelfand's formula ρ = lim ‖W^k v‖^{1/k} (the geometric mean growth over the last half of
     * the iterations), which also converges when the dominant eigenvalues are a complex pair.
     */
    public static double spectralRadius(float[] w, int h, int iterations, long seed) {
        Rng rng = new Rng(seed);
        double[] v = new double[h];
        for (int i = 0; i < h; i++) v[i] = rng.nextGaussian();
        normalize(v);
        double logSum = 0;
        int counted = 0;
        for (int k = 0; k < iterations; k++) {
            double[] u = new double[h];
            for (int i = 0; i < h; i++) {
                double s = 0;
                for (int j = 0; j < h; j++) s += w[i * h + j] * v[j];
                u[i] = s;
            }
            double n = normalize(u);
            if (n == 0) return 0;
            if (k >= iterations / 2) {
                logSum += Math.log(n);
                counted++;
            }
            v = u;
        }
        return Math.exp(logSum / counted);
    }

    private static double normalize(double[] v) {
        double s = 0;
        for (double x : v) s += x * x;
        s = Math.sqrt(s);
        if (s > 0) for (int i = 0; i < v.length; i++) v[i] /= s;
        return s;
    }

    /** Runs {@code m} step by step on {@code d} with a probe on every h_t; returns the diagnostics. */
    @SuppressWarnings("unchecked")
    public static Report diagnose(AddingProblem.Model m, AddingProblem.Data d) {
        StandardCell<?> cell = m.rnn.cell(0, false);
        int b = d.x().dim(0), t = d.x().dim(1), h = m.rnn.config().hiddenSize();
        Tensor[] probes = new Tensor[t];
        float[][] hs = new float[t][];                  // h_t values, for the gate statistics
        Tensor hLast;
        long saturated = 0, total = 0;
        float[] whh = m.rnn.weightHh(0, false).data().toFloatArray();
        if (cell instanceof LstmCell lstm) {
            LstmState s = lstm.zeroState(b, d.x().dtype());
            for (int k = 0; k < t; k++) {
                s = lstm.step(d.x().select(1, k), s);
                hs[k] = s.h().data().toFloatArray();
                probes[k] = Tensor.variable(NdArray.zeros(d.x().dtype(), b, h));
                s = new LstmState(s.h().add(probes[k]), s.c());
            }
            hLast = s.h();
        } else {
            StandardCell<HiddenState> c = (StandardCell<HiddenState>) cell;
            HiddenState s = c.zeroState(b, d.x().dtype());
            for (int k = 0; k < t; k++) {
                s = c.step(d.x().select(1, k), s);
                probes[k] = Tensor.variable(NdArray.zeros(d.x().dtype(), b, h));
                float[] hv = s.h().data().toFloatArray();
                hs[k] = hv;
                if (m.kind.equals("simple")) {          // tanh units near ±1 pass (almost) no gradient
                    for (float v : hv) if (Math.abs(v) > 0.95f) saturated++;
                    total += hv.length;
                }
                s = new HiddenState(s.h().add(probes[k]));
            }
            hLast = s.h();
        }
        if (!m.kind.equals("simple")) {                 // gates: σ(z) < 0.05 or > 0.95 over every step
            float[] wih = m.rnn.weightIh(0, false).data().toFloatArray();
            float[] bih = m.rnn.biasIh(0, false).data().toFloatArray(), bhh = m.rnn.biasHh(0, false).data().toFloatArray();
            int gates = m.kind.equals("lstm") ? 4 : 3;
            float[] x = d.x().data().toFloatArray();
            // each step's gate pre-activations from x_t and the recorded h_{t-1} (GRU: r and z need no reset)
            for (int k = 0; k < t; k++) {
                for (int bi = 0; bi < b; bi++) {
                    for (int g = 0; g < gates; g++) {
                        if ((m.kind.equals("lstm") && g == 2) || (m.kind.equals("gru") && g == 2)) continue;   // tanh blocks
                        for (int u = 0; u < h; u++) {
                            int row = g * h + u;
                            double z = bih[row] + bhh[row];
                            for (int i = 0; i < 2; i++) z += wih[row * 2 + i] * x[(bi * t + k) * 2 + i];
                            if (k > 0) for (int j = 0; j < h; j++) z += whh[row * h + j] * hPrev(hs, k, bi, j, h);
                            double sg = 1 / (1 + Math.exp(-z));
                            if (sg < 0.05 || sg > 0.95) saturated++;
                            total++;
                        }
                    }
                }
            }
        }
        Tensor loss = Losses.mse(m.head.forward(hLast), d.y());
        loss.backward();
        double[] norms = new double[t];
        for (int k = 0; k < t; k++) {
            NdArray g = probes[k].grad();
            double s = 0;
            if (g != null) for (float v : g.toFloatArray()) s += (double) v * v;
            norms[k] = Math.sqrt(s) / b;   // per sequence (the loss is a batch mean)
        }
        double rho = spectralRadius(m.kind.equals("simple") ? whh
                : java.util.Arrays.copyOfRange(whh, 2 * h * h, 3 * h * h), h, 200, 7);
        return new Report(m.kind, norms, rho, total == 0 ? 0 : saturated / (double) total, loss.item());
    }

    private static double hPrev(float[][] hs, int k, int bi, int j, int h) {
        float[] prev = hs[k - 1];
        return prev == null ? 0 : prev[bi * h + j];
    }

    public static void main(String[] argv) throws IOException {
        run(new Args(argv));
    }

    public static List<Report> run(Args a) throws IOException {
        String[] models = a.words("models", "simple,lstm,gru");
        int length = a.integer("length", 100);
        int hidden = a.integer("hidden", 32);
        int batch = a.integer("batch", 32);
        int trainSteps = a.integer("train-steps", 0);
        long seed = a.longValue("seed", 1);
        Path png = a.path("png", Path.of("docs/img/gradient-flow.png"));
        a.checkAllUsed();
        List<Report> reports = new ArrayList<>();
        AddingProblem.Data d = AddingProblem.sample(batch, length, new Rng(seed + 99));
        XYChart chart = new XYChartBuilder().width(800).height(500)
                .title("‖∂L/∂h_t‖ per step, adding problem T=" + length + (trainSteps > 0 ? " after " + trainSteps
                        + " training steps" : " at initialisation"))
                .xAxisTitle("step t").yAxisTitle("‖∂L/∂h_t‖ (log)").build();
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
        for (String kind : models) {
            AddingProblem.Model m = new AddingProblem.Model(kind, hidden, new Rng(seed));
            if (trainSteps > 0) {
                AddingProblem.train(m, length, trainSteps, batch, 1e-2, 1, 0, 64, seed, 0);
            }
            Report r = diagnose(m, d);
            reports.add(r);
            double ratio = r.gradNorm[0] / r.gradNorm[length - 1];
            System.out.printf(Locale.ROOT, "RESULT gradflow model=%s T=%d |dL/dh_1|=%.3e |dL/dh_T|=%.3e ratio_first_last=%.3e "
                            + "spectral_radius=%.3f saturation=%.3f loss=%.4f%n", kind, length, r.gradNorm[0],
                    r.gradNorm[length - 1], ratio, r.spectralRadius, r.saturation, r.loss);
            double[] ts = new double[length], ys = new double[length];
            for (int k = 0; k < length; k++) {
                ts[k] = k + 1;
                ys[k] = Math.max(1e-30, r.gradNorm[k]);
            }
            chart.addSeries(String.format(Locale.ROOT, "%s (ρ(W_hh%s)=%.2f)", AddingProblem.label(kind),
                    kind.equals("simple") ? "" : kind.equals("lstm") ? ", g block" : ", n block", r.spectralRadius), ts, ys)
                    .setMarker(SeriesMarkers.NONE);
        }
        Files.createDirectories(png.toAbsolutePath().getParent());
        BitmapEncoder.saveBitmap(chart, png.toString().replaceAll("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
        System.out.println("wrote " + png);
        return reports;
    }
}
