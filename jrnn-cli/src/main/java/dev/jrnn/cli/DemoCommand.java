package dev.jrnn.cli;

import dev.jrnn.autograd.Autograd;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Activation;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.Losses;
import dev.jrnn.nn.Sequential;
import dev.jrnn.optim.Sgd;
import dev.jrnn.tensor.Blas;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.concurrent.Callable;

/**
 * The README's main job: trains a two-layer perceptron on the two-spirals problem (generated here) and
 * prints the loss and accuracy as it learns.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Train a small network end to end on generated data (two interleaved spirals) and report accuracy.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--points", defaultValue = "400", description = "Points per spiral (default: ${DEFAULT-VALUE}).")
    int points;

    @Option(names = "--hidden", defaultValue = "64", description = "Hidden units per layer (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--epochs", defaultValue = "600", description = "Maximum epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch", defaultValue = "50", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", defaultValue = "0.05", description = "Learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--target", defaultValue = "0.99", description = "Stop when training accuracy reaches this (default: ${DEFAULT-VALUE}).")
    double target;

    @Option(names = "--seed", defaultValue = "7", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        if (points < 2 || hidden < 1 || epochs < 1 || batch < 1) {
            throw new IllegalArgumentException("demo: --points must be >= 2 and --hidden, --epochs, --batch >= 1");
        }
        return SpiralsDemo.run(points, hidden, epochs, batch, lr, target, seed, System.out) >= target ? 0 : 1;
    }

    /** The demo itself, separate from option parsing so tests can run it small. */
    static final class SpiralsDemo {
        private SpiralsDemo() {}

        /** Trains and returns the final training accuracy. */
        static double run(int points, int hidden, int epochs, int batch, double lr, double target, long seed, PrintStream out) {
            Rng rng = new Rng(seed);
            int n = 2 * points;
            float[] xs = new float[n * 2];
            int[] ys = new int[n];
            for (int i = 0; i < points; i++) {
                double r = (double) i / points * 5 + 0.5;           // radius grows with the angle
                double a = (double) i / points * 3 * Math.PI;       // one and a half turns
                for (int cls = 0; cls < 2; cls++) {
                    int k = 2 * i + cls;
                    double sign = cls == 0 ? 1 : -1;                // the second spiral is the first rotated by pi
                    xs[2 * k] = (float) (sign * r * Math.cos(a) / 3 + 0.02 * rng.nextGaussian());
                    xs[2 * k + 1] = (float) (sign * r * Math.sin(a) / 3 + 0.02 * rng.nextGaussian());
                    ys[k] = cls;
                }
            }
            Sequential model = new Sequential(
                    new Linear(2, hidden, rng), new Activation(Activation.Kind.TANH),
                    new Linear(hidden, hidden, rng), new Activation(Activation.Kind.TANH),
                    new Linear(hidden, 2, rng));
            Sgd opt = new Sgd(model.parameters(), new Sgd.Config(lr, 0.9, false, 0));
            out.printf("jrnn demo: two spirals, %d points, MLP 2-%d-%d-2 (%d parameters), SGD lr=%s momentum=0.9, BLAS=%s%n",
                    n, hidden, hidden, model.parameterCount(), lr, Blas.backend());
            NdArray all = NdArray.of(xs, n, 2);
            int[] order = new int[n];
            for (int i = 0; i < n; i++) order[i] = i;
            long start = System.nanoTime();
            double acc = 0;
            for (int epoch = 1; epoch <= epochs; epoch++) {
                rng.shuffle(order);
                double lossSum = 0;
                int batches = 0;
                for (int b0 = 0; b0 < n; b0 += batch) {
                    int m = Math.min(batch, n - b0);
                    float[] bx = new float[m * 2];
                    int[] by = new int[m];
                    for (int j = 0; j < m; j++) {
                        int k = order[b0 + j];
                        bx[2 * j] = xs[2 * k];
                        bx[2 * j + 1] = xs[2 * k + 1];
                        by[j] = ys[k];
                    }
                    opt.zeroGrad();
                    Tensor loss = Losses.crossEntropy(model.forward(Tensor.of(bx, m, 2)), by);
                    loss.backward();
                    opt.step();
                    lossSum += loss.item();
                    batches++;
                }
                acc = accuracy(model, all, ys);
                if (epoch == 1 || epoch % 25 == 0 || acc >= target) {
                    out.printf("epoch %4d  loss %.4f  train accuracy %6.2f%%  (%.1f s)%n",
                            epoch, lossSum / batches, 100 * acc, (System.nanoTime() - start) / 1e9);
                }
                if (acc >= target) {
                    break;
                }
            }
            out.printf("%s: training accuracy %.2f%% (target %.0f%%)%n", acc >= target ? "learned" : "did not reach target",
                    100 * acc, 100 * target);
            return acc;
        }

        private static double accuracy(Sequential model, NdArray x, int[] ys) {
            try (var scope = Autograd.noGrad()) {
                int[] pred = model.forward(Tensor.constant(x)).data().argmax(1);
                int ok = 0;
                for (int i = 0; i < ys.length; i++) ok += pred[i] == ys[i] ? 1 : 0;
                return (double) ok / ys.length;
            }
        }
    }
}
