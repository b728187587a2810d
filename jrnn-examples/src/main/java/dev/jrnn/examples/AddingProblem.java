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
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The adding problem (Hochreiter &amp; Schmidhuber 1997; Le et al. 2015): each step carries a value
 * {@code U(0,1)} and a marker; exactly two markers are 1, one in each half of the sequence; the target is the
 * sum of the two marked values. Predicting 1.0 always gives MSE = Var(U+U) = 1/6 ≈ 0.167; a length T counts as
 * <em>solved</em> when the test MSE is below 10% of that (0.0167).
 *
 * <p>For each recurrent layer (tanh SimpleRNN, LSTM, GRU) and each T: a fresh model, trained on freshly drawn
 * batches with Adam and global-norm clipping, for at most {@code --steps} steps (stopping early once the
 * validation MSE is below {@code --stop-mse}), then tested on {@code --test} new sequences. The recurrent layer
 * starts as PyTorch's does, or as Keras' with {@code --init keras} ({@link RnnBase#initKeras}: orthogonal recurrent
 * kernels, LSTM forget-gate bias 1).
 *
 * <pre>
 * java -cp ... dev.jrnn.examples.AddingProblem [--models simple,lstm,gru] [--lengths 10,20,50,100,200,400]
 *   [--hidden 64] [--batch 64] [--steps 1500] [--lr 3e-3] [--clip 1] [--test 1000] [--seed 1] [--forget-bias B]
 *   [--init torch|keras]
 *   [--png docs/img/adding-memory.png] [--csv runs/examples/adding.csv]
 * </pre>
 */
public final class AddingProblem {
    /** MSE of always predicting 1.0: Var(U1 + U2) = 2/12. */
    public static final double TRIVIAL_MSE = 1.0 / 6;
    /** Solved below 10% of the trivial predictor's MSE. */
    public static final double SOLVED_MSE = 0.1 * TRIVIAL_MSE;

    /** A batch: {@code x [B, T, 2]} (value, marker), {@code y [B, 1]}. */
    public record Data(Tensor x, Tensor y) {}

    /** One (model, T) cell of the table. */
    public record Cell(String model, int length, double testMse, int steps, double seconds, boolean solved) {
        public double ratio() { return testMse / TRIVIAL_MSE; }
    }

    private AddingProblem() {}

    /** Draws {@code n} sequences of length {@code t}. */
    public static Data sample(int n, int t, Rng rng) {
        float[] x = new float[n * t * 2];
        float[] y = new float[n];
        for (int b = 0; b < n; b++) {
            int i = rng.nextInt(Math.max(1, t / 2));
            int j = t / 2 + rng.nextInt(t - t / 2);
            double sum = 0;
            for (int s = 0; s < t; s++) {
                float v = (float) rng.nextDouble();
                x[(b * t + s) * 2] = v;
                if (s == i || s == j) {
                    x[(b * t + s) * 2 + 1] = 1;
                    sum += v;
                }
            }
            y[b] = (float) sum;
        }
        return new Data(Tensor.constant(NdArray.of(x, n, t, 2)), Tensor.constant(NdArray.of(y, n, 1)));
    }

    /** Recurrent layer → last hidden state → Linear(hidden, 1). */
    public static final class Model extends Module {
        public final RnnBase rnn;
        public final Linear head;
        public final String kind;

        public Model(String kind, int hidden, Rng rng) {
            this.kind = kind;
            rnn = registerModule("rnn", ImdbSentiment.recurrent(kind, 2, hidden, 1, false, rng));
            head = registerModule("head", new Linear(hidden, 1, rng));
        }

        /**
         * Sets the LSTM forget gates' bias to {@code value} in every layer (the {@code f} block of {@code bias_ih},
         * PyTorch's gate order i, f, g, o; {@code bias_hh}'s block to 0), Jozefowicz et al. 2015's remedy for an LSTM
         * that forgets from the start. Only for {@code lstm}.
         */
        public Model forgetBias(double value) {
            if (!kind.equals("lstm")) throw new IllegalArgumentException("--forget-bias is for lstm, not " + kind);
            int h = head.weight().dim(1);
            rnn.namedParameters().forEach((name, p) -> {
                if (name.startsWith("bias_ih") || name.startsWith("bias_hh")) {
                    for (int i = h; i < 2 * h; i++) p.data().setFlat(i, name.startsWith("bias_ih") ? value : 0);
                }
            });
            return this;
        }

        public Tensor predict(Tensor x) {
            return head.forward(rnn.forwardFrom(x, null, null).hN().select(0, 0));
        }
    }

    public static double mse(Model m, Data d) {
        try (Autograd.Scope ignored = Autograd.noGrad()) {
            return Losses.mse(m.predict(d.x()), d.y()).item();
        }
    }

    /** Trains one model on length {@code t}; prints a line every {@code logEvery} steps (0: never). */
    public static Cell train(Model m, int t, int maxSteps, int batch, double lr, double clip, double stopMse, int test,
                             long seed, int logEvery) {
        Rng data = new Rng(seed * 1000 + t);
        Data val = sample(512, t, data);
        Adam opt = new Adam(m.parameters(), Adam.Config.adam(lr));
        long t0 = System.nanoTime();
        int step = 0;
        for (; step < maxSteps; step++) {
            Data d = sample(batch, t, data);
            opt.zeroGrad();
            Tensor loss = Losses.mse(m.predict(d.x()), d.y());
            loss.backward();
            if (clip > 0) {
                GradClip.byGlobalNorm(m.parameters(), clip);
            }
            opt.step();
            if ((step + 1) % 100 == 0) {
                double v = mse(m, val);
                if (logEvery > 0 && (step + 1) % logEvery == 0) {
                    System.out.printf(Locale.ROOT, "  %s T=%d step %d  train_mse %.4f  val_mse %.4f  (%.1f s)%n", m.kind, t,
                            step + 1, loss.item(), v, (System.nanoTime() - t0) / 1e9);
                }
                if (v < stopMse) {
                    step++;
                    break;
                }
            }
        }
        double testMse = mse(m, sample(test, t, new Rng(seed * 7777 + t)));
        double sec = (System.nanoTime() - t0) / 1e9;
        return new Cell(m.kind, t, testMse, step, sec, testMse < SOLVED_MSE);
    }

    public static void main(String[] argv) throws IOException {
        run(new Args(argv));
    }

    public static List<Cell> run(Args a) throws IOException {
        String[] models = a.words("models", "simple,lstm,gru");
        int[] lengths = a.ints("lengths", new int[] {10, 20, 50, 100, 200, 400});
        int hidden = a.integer("hidden", 64);
        int batch = a.integer("batch", 64);
        int steps = a.integer("steps", 1500);
        double lr = a.number("lr", 3e-3);
        double clip = a.number("clip", 1);
        double stop = a.number("stop-mse", 0.005);
        String forgetBias = a.string("forget-bias", "");
        boolean kerasInit = ImdbSentiment.kerasInit(a);
        int test = a.integer("test", 1000);
        long seed = a.longValue("seed", 1);
        int logEvery = a.integer("log-every", 500);
        Path png = a.path("png", Path.of("docs/img/adding-memory.png"));
        Path csv = a.path("csv", Path.of("runs/examples/adding.csv"));
        a.checkAllUsed();

        System.out.printf(Locale.ROOT, "adding problem: trivial MSE %.4f, solved below %.4f; hidden %d, batch %d, "
                + "<= %d steps, Adam lr %g, clip %g, %s initialisation%n", TRIVIAL_MSE, SOLVED_MSE, hidden, batch, steps,
                lr, clip, kerasInit ? "keras" : "torch");
        List<Cell> cells = new ArrayList<>();
        for (String kind : models) {
            boolean failedBefore = false;
            for (int t : lengths) {
                Model m = new Model(kind, hidden, new Rng(seed));
                if (kerasInit) ImdbSentiment.initKeras(m.rnn, seed);
                if (!forgetBias.isEmpty()) m.forgetBias(Double.parseDouble(forgetBias));
                Cell c = train(m, t, steps, batch, lr, clip, stop, test, seed, logEvery);
                cells.add(c);
                System.out.printf(Locale.ROOT, "RESULT adding model=%s T=%d test_mse=%.5f ratio=%.3f solved=%s steps=%d "
                        + "time=%.1fs%n", kind, t, c.testMse, c.ratio(), c.solved, c.steps, c.seconds);
                failedBefore |= !c.solved;
            }
        }
        System.out.println(table(cells, models, lengths));
        if (csv != null) {
            Files.createDirectories(csv.toAbsolutePath().getParent());
            StringBuilder sb = new StringBuilder("model,T,test_mse,ratio,solved,steps,seconds\n");
            for (Cell c : cells) {
                sb.append(String.format(Locale.ROOT, "%s,%d,%.6f,%.4f,%s,%d,%.1f%n", c.model, c.length, c.testMse, c.ratio(),
                        c.solved, c.steps, c.seconds));
            }
            Files.writeString(csv, sb.toString());
        }
        plot(cells, models, png);
        System.out.println("wrote " + png);
        return cells;
    }

    /** Markdown: one row per model, test MSE / trivial MSE per T (bold when solved), and the longest solved T. */
    public static String table(List<Cell> cells, String[] models, int[] lengths) {
        StringBuilder sb = new StringBuilder("| model |");
        for (int t : lengths) sb.append(" T=").append(t).append(" |");
        sb.append(" longest solved T |\n|---|");
        for (int ignored : lengths) sb.append("---|");
        sb.append("---|\n");
        for (String m : models) {
            sb.append("| ").append(m).append(" |");
            int longest = 0;
            for (int t : lengths) {
                Cell c = cells.stream().filter(x -> x.model.equals(m) && x.length == t).findFirst().orElse(null);
                if (c == null) {
                    sb.append(" – |");
                    continue;
                }
                String r = String.format(Locale.ROOT, "%.3f", c.ratio());
                sb.append(' ').append(c.solved ? "**" + r + "**" : r).append(" |");
                if (c.solved) longest = Math.max(longest, t);
            }
            sb.append(' ').append(longest == 0 ? "none" : String.valueOf(longest)).append(" |\n");
        }
        return sb.toString();
    }

    static void plot(List<Cell> cells, String[] models, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(800).height(500)
                .title("Adding problem: test MSE / trivial MSE (0.167) vs sequence length")
                .xAxisTitle("sequence length T").yAxisTitle("test MSE / 0.167 (log)").build();
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
        double minT = Double.MAX_VALUE, maxT = 0;
        for (String m : models) {
            List<Double> x = new ArrayList<>(), y = new ArrayList<>();
            for (Cell c : cells) {
                if (c.model.equals(m)) {
                    x.add((double) c.length);
                    y.add(Math.max(1e-4, c.ratio()));
                    minT = Math.min(minT, c.length);
                    maxT = Math.max(maxT, c.length);
                }
            }
            if (!x.isEmpty()) {
                chart.addSeries(label(m), x, y).setMarker(SeriesMarkers.CIRCLE);
            }
        }
        if (maxT > 0) {
            chart.addSeries("solved below 0.1", new double[] {minT, maxT}, new double[] {0.1, 0.1})
                    .setMarker(SeriesMarkers.NONE);
        }
        Files.createDirectories(png.toAbsolutePath().getParent());
        BitmapEncoder.saveBitmap(chart, png.toString().replaceAll("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
    }

    static String label(String kind) {
        return switch (kind) {
            case "simple" -> "SimpleRNN (tanh)";
            case "lstm" -> "LSTM";
            case "gru" -> "GRU";
            case "mingru" -> "minGRU";
            case "minlstm" -> "minLSTM";
            case "slstm" -> "sLSTM";
            case "mlstm" -> "mLSTM";
            case "ttt-linear" -> "TTT-Linear";
            default -> kind;
        };
    }

    static Map<String, String> labels() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String k : new String[] {"simple", "lstm", "gru", "mingru", "minlstm", "slstm", "mlstm", "ttt-linear"}) m.put(k, label(k));
        return m;
    }
}
