package dev.jrnn.examples;

import dev.jrnn.autograd.Autograd;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.Losses;
import dev.jrnn.nn.Module;
import dev.jrnn.nn.rnn.RnnBase;
import dev.jrnn.optim.Adam;
import dev.jrnn.optim.GradClip;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.train.diagnostics.DiagnosticsPlots;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The copy task (Hochreiter &amp; Schmidhuber 1997; in this form Arjovsky, Shah &amp; Bengio 2016): remember K
 * symbols over a delay of T steps. Each sequence has {@code T + 2K} steps:
 * <pre>
 * input   s_1 … s_K   blank × (T−1)   delimiter   blank × K
 * target  blank × (T + K)                          s_1 … s_K
 * </pre>
 * with the symbols drawn uniformly from an alphabet of A ({@code --alphabet}, default 8); inputs are one-hot over
 * {@code A + 2} values (blank, the A symbols, the delimiter), outputs a softmax over {@code A + 1} (blank and the
 * symbols). The model is a recurrent layer returning every step, then {@code Linear(H, A + 1)} on each step,
 * trained with the mean cross-entropy over all steps.
 *
 * <p><b>Baseline:</b> a model with no memory outputs blank for the first T + K steps and a uniform guess over
 * the alphabet for the last K, which costs {@code K·log(A) / (T + 2K)} nats per step (0.693 for K=10, A=8, T=10)
 * and recalls 1/A of the symbols. <b>Solved</b> = at least 99% of the K recalled symbols right (argmax) on
 * {@code --test} held-out sequences. Training stops early once the recall accuracy on 256 validation sequences
 * reaches {@code --stop-accuracy} (default 0.998, a margin above 0.99 so that a lucky validation batch does not
 * stop a model that then misses 99% on the test set).
 *
 * <pre>
 * java -cp ... dev.jrnn.examples.CopyTask [--models simple,lstm,gru] [--delays 10,20,50,100] [--k 10] [--alphabet 8]
 *   [--hidden 64] [--batch 32] [--steps 3000] [--lr 1e-2] [--clip 1] [--forget-bias 0] [--eval-every 100]
 *   [--stop-accuracy 0.998] [--test 1000] [--seed 1] [--log-every 500] [--png docs/img/copy-task.png] [--csv runs/examples/copy.csv]
 * </pre>
 */
public final class CopyTask {
    /** Held-out recall accuracy needed to count a delay as solved. */
    public static final double SOLVED_ACCURACY = 0.99;

    /**
     * A batch: {@code x [B, T + 2K, A + 2]} one-hot, {@code targets} the class of every step ({@code B·(T + 2K)},
     * row-major).
     */
    public record Data(Tensor x, int[] targets, int k, int delay) {
        /** Steps per sequence, {@code T + 2K}. */
        public int length() {
            return delay + 2 * k;
        }
    }

    /** One (model, T) cell of the table. */
    public record Cell(String model, int delay, double recallAccuracy, double testLoss, double baseline, int steps,
                       double seconds, boolean solved) {
        /** Test loss / baseline loss. */
        public double lossRatio() {
            return testLoss / baseline;
        }
    }

    private CopyTask() {}

    /** The memoryless predictor's cross-entropy per step: {@code K·log(A) / (T + 2K)}. */
    public static double baseline(int k, int delay, int alphabet) {
        return k * Math.log(alphabet) / (delay + 2.0 * k);
    }

    /** Draws {@code n} sequences. */
    public static Data sample(int n, int k, int delay, int alphabet, Rng rng) {
        if (k < 1 || delay < 1 || alphabet < 2) {
            throw new IllegalArgumentException("CopyTask.sample: need k >= 1, delay >= 1, alphabet >= 2; got k=" + k
                    + ", delay=" + delay + ", alphabet=" + alphabet);
        }
        int len = delay + 2 * k, vocab = alphabet + 2, delimiter = alphabet + 1;
        float[] x = new float[n * len * vocab];
        int[] y = new int[n * len];                                         // 0 = blank
        for (int b = 0; b < n; b++) {
            int[] input = new int[len];
            for (int i = 0; i < k; i++) {
                int s = 1 + rng.nextInt(alphabet);
                input[i] = s;
                y[b * len + delay + k + i] = s;                             // recalled after the delimiter
            }
            input[delay + k - 1] = delimiter;                               // after T−1 blanks
            for (int t = 0; t < len; t++) x[(b * len + t) * vocab + input[t]] = 1;
        }
        return new Data(Tensor.constant(NdArray.of(x, n, len, vocab)), y, k, delay);
    }

    /** Recurrent layer (every step) → {@code Linear(H, A + 1)} per step. */
    public static final class Model extends Module {
        public final RnnBase rnn;
        public final Linear head;
        public final String kind;

        /** {@code kind}: simple, lstm, gru, mingru, minlstm, slstm, mlstm or ttt-linear. */
        public Model(String kind, int alphabet, int hidden, Rng rng) {
            this.kind = kind;
            rnn = registerModule("rnn", ImdbSentiment.recurrent(kind, alphabet + 2, hidden, 1, false, rng));
            head = registerModule("head", new Linear(hidden, alphabet + 1, rng));
        }

        /** {@code [B, T + 2K, A + 1]}. */
        public Tensor logits(Tensor x) {
            return head.forward(rnn.forwardFrom(x, null, null).output());
        }
    }

    /** Mean cross-entropy over all steps and the fraction of recalled symbols that are right, without gradients. */
    public static double[] evaluate(Model m, Data d) {
        try (Autograd.Scope ignored = Autograd.noGrad()) {
            Tensor logits = m.logits(d.x());
            double loss = Losses.sequenceCrossEntropy(logits, d.targets(), null).item();
            int n = d.x().dim(0), len = d.length(), classes = logits.dim(2);
            NdArray l = logits.data();
            long right = 0;
            for (int b = 0; b < n; b++) {
                for (int t = len - d.k(); t < len; t++) {
                    int best = 0;
                    for (int c = 1; c < classes; c++) {
                        if (l.get(b, t, c) > l.get(b, t, best)) best = c;
                    }
                    if (best == d.targets()[b * len + t]) right++;
                }
            }
            return new double[] {loss, right / (double) (n * d.k())};
        }
    }

    /** Trains one model on delay {@code delay}; prints a line every {@code logEvery} steps (0: never). */
    public static Cell train(Model m, int k, int delay, int alphabet, int maxSteps, int batch, double lr, double clip,
                             int evalEvery, double stopAccuracy, int test, long seed, int logEvery) {
        Rng data = new Rng(seed * 1000 + delay);
        Data val = sample(256, k, delay, alphabet, data);
        Adam opt = new Adam(m.parameters(), Adam.Config.adam(lr));
        double base = baseline(k, delay, alphabet);
        long t0 = System.nanoTime();
        int step = 0;
        for (; step < maxSteps; step++) {
            Data d = sample(batch, k, delay, alphabet, data);
            opt.zeroGrad();
            Tensor loss = Losses.sequenceCrossEntropy(m.logits(d.x()), d.targets(), null);
            loss.backward();
            if (clip > 0) {
                GradClip.byGlobalNorm(m.parameters(), clip);
            }
            opt.step();
            if ((step + 1) % evalEvery == 0) {
                double[] v = evaluate(m, val);
                if (logEvery > 0 && (step + 1) % logEvery == 0) {
                    System.out.printf(Locale.ROOT, "  %s T=%d step %d  train %.4f  val %.4f (%.3f× baseline)  recall %.3f  (%.1f s)%n",
                            m.kind, delay, step + 1, loss.item(), v[0], v[0] / base, v[1], (System.nanoTime() - t0) / 1e9);
                }
                if (v[1] >= stopAccuracy) {
                    step++;
                    break;
                }
            }
        }
        double[] r = evaluate(m, sample(test, k, delay, alphabet, new Rng(seed * 7777 + delay)));
        double sec = (System.nanoTime() - t0) / 1e9;
        return new Cell(m.kind, delay, r[1], r[0], base, step, sec, r[1] >= SOLVED_ACCURACY);
    }

    public static void main(String[] argv) throws IOException {
        run(new Args(argv));
    }

    /** Runs the sweep (every model, every delay); see the class comment for the options. */
    public static List<Cell> run(Args a) throws IOException {
        String[] models = a.words("models", "simple,lstm,gru");
        int[] delays = a.ints("delays", new int[] {10, 20, 50, 100});
        int k = a.integer("k", 10);
        int alphabet = a.integer("alphabet", 8);
        int hidden = a.integer("hidden", 64);
        int batch = a.integer("batch", 32);
        int steps = a.integer("steps", 3000);
        double lr = a.number("lr", 1e-2);
        double clip = a.number("clip", 1);
        double forgetBias = a.number("forget-bias", 0);
        int evalEvery = a.integer("eval-every", 100);
        double stopAccuracy = a.number("stop-accuracy", 0.998);
        int test = a.integer("test", 1000);
        long seed = a.longValue("seed", 1);
        int logEvery = a.integer("log-every", 500);
        Path png = a.path("png", Path.of("docs/img/copy-task.png"));
        Path csv = a.path("csv", Path.of("runs/examples/copy.csv"));
        a.checkAllUsed();
        if (evalEvery < 1) {
            throw new IllegalArgumentException("--eval-every must be at least 1, got " + evalEvery);
        }

        System.out.printf(Locale.ROOT, "copy task: K=%d symbols of %d, delays %s; solved = recall accuracy >= %.0f%% on %d "
                        + "held-out sequences; hidden %d, batch %d, <= %d steps, Adam lr %g, clip %g%n", k, alphabet,
                java.util.Arrays.toString(delays), 100 * SOLVED_ACCURACY, test, hidden, batch, steps, lr, clip);
        List<Cell> cells = new ArrayList<>();
        for (String kind : models) {
            for (int t : delays) {
                Model m = new Model(kind, alphabet, hidden, new Rng(seed));
                if (kind.equals("lstm") && forgetBias != 0) {
                    NdArray b = m.rnn.biasIh(0, false).data();             // forget block: rows H..2H-1 (i, f, g, o)
                    for (int u = hidden; u < 2 * hidden; u++) b.setFlat(u, b.getFlat(u) + forgetBias);
                }
                Cell c = train(m, k, t, alphabet, steps, batch, lr, clip, evalEvery, stopAccuracy, test, seed, logEvery);
                cells.add(c);
                System.out.printf(Locale.ROOT, "RESULT copy model=%s T=%d recall=%.4f test_loss=%.5f baseline=%.5f ratio=%.3f "
                                + "solved=%s steps=%d time=%.1fs%n", kind, t, c.recallAccuracy, c.testLoss, c.baseline,
                        c.lossRatio(), c.solved, c.steps, c.seconds);
            }
        }
        System.out.println(table(cells, models, delays, alphabet));
        if (csv != null) {
            Files.createDirectories(csv.toAbsolutePath().getParent());
            StringBuilder sb = new StringBuilder("model,T,recall_accuracy,test_loss,baseline,loss_ratio,solved,steps,seconds\n");
            for (Cell c : cells) {
                sb.append(String.format(Locale.ROOT, "%s,%d,%.5f,%.6f,%.6f,%.4f,%s,%d,%.1f%n", c.model, c.delay,
                        c.recallAccuracy, c.testLoss, c.baseline, c.lossRatio(), c.solved, c.steps, c.seconds));
            }
            Files.writeString(csv, sb.toString());
        }
        plot(cells, models, alphabet, png);
        System.out.println("wrote " + png);
        return cells;
    }

    /** Markdown: one row per model, recall accuracy (loss / baseline) per T, bold when solved, and the longest solved T. */
    public static String table(List<Cell> cells, String[] models, int[] delays, int alphabet) {
        StringBuilder sb = new StringBuilder("| model |");
        for (int t : delays) sb.append(" T=").append(t).append(" |");
        sb.append(" longest solved T |\n|---|");
        for (int ignored : delays) sb.append("---|");
        sb.append("---|\n");
        for (String m : models) {
            sb.append("| ").append(AddingProblem.label(m)).append(" |");
            int longest = 0;
            for (int t : delays) {
                Cell c = cells.stream().filter(x -> x.model.equals(m) && x.delay == t).findFirst().orElse(null);
                if (c == null) {
                    sb.append(" – |");
                    continue;
                }
                String r = String.format(Locale.ROOT, "%.3f (%.3f×)", c.recallAccuracy, c.lossRatio());
                sb.append(' ').append(c.solved ? "**" + r + "**" : r).append(" |");
                if (c.solved) longest = Math.max(longest, t);
            }
            sb.append(' ').append(longest == 0 ? "none" : String.valueOf(longest)).append(" |\n");
        }
        sb.append(String.format(Locale.ROOT, "(recall accuracy on held-out sequences; chance %.3f; in brackets test loss / "
                + "memoryless baseline)%n", 1.0 / alphabet));
        return sb.toString();
    }

    static void plot(List<Cell> cells, String[] models, int alphabet, Path png) throws IOException {
        XYChart chart = DiagnosticsPlots.chart("Copy task: recall accuracy on held-out sequences vs delay T",
                "delay T", "recall accuracy", false);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.05);
        double minT = Double.MAX_VALUE, maxT = 0;
        for (String m : models) {
            List<Double> x = new ArrayList<>(), y = new ArrayList<>();
            for (Cell c : cells) {
                if (c.model.equals(m)) {
                    x.add((double) c.delay);
                    y.add(c.recallAccuracy);
                    minT = Math.min(minT, c.delay);
                    maxT = Math.max(maxT, c.delay);
                }
            }
            if (!x.isEmpty()) {
                chart.addSeries(AddingProblem.label(m), x, y).setMarker(SeriesMarkers.CIRCLE);
            }
        }
        if (maxT > 0) {
            double hi = Math.max(maxT, minT * 1.01);
            chart.addSeries("solved: 0.99", new double[] {minT, hi}, new double[] {SOLVED_ACCURACY, SOLVED_ACCURACY})
                    .setMarker(SeriesMarkers.NONE).setLineStyle(SeriesLines.DASH_DASH);
            chart.addSeries(String.format(Locale.ROOT, "chance: 1/%d", alphabet), new double[] {minT, hi},
                    new double[] {1.0 / alphabet, 1.0 / alphabet}).setMarker(SeriesMarkers.NONE)
                    .setLineStyle(SeriesLines.DOT_DOT);
        }
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideE);
        DiagnosticsPlots.save(chart, png);
    }
}
