package dev.jrnn.optim;

import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.NdArray;

import java.util.List;
import java.util.Map;

/**
 * Adagrad (Duchi, Hazan and Singer 2011), as {@code torch.optim.Adagrad} without learning-rate decay:
 * <pre>
 *   g = grad + weightDecay * p
 *   s = s + g^2                         (s starts at initialAccumulator)
 *   p = p - lr * g / (sqrt(s) + eps)
 * </pre>
 */
public final class Adagrad extends Optimizer {
    /**
     * Hyperparameters.
     *
     * @param lr                 learning rate, &gt; 0 (PyTorch default 0.01)
     * @param eps                added to the denominator, &gt; 0 (default 1e-10)
     * @param initialAccumulator starting value of s, &gt;= 0 (PyTorch 0, Keras 0.1)
     * @param weightDecay        L2 penalty, &gt;= 0
     */
    public record Config(double lr, double eps, double initialAccumulator, double weightDecay) {
        /** Validates every field. */
        public Config {
            check("Adagrad", "lr", lr, Double.MIN_VALUE, Double.MAX_VALUE);
            check("Adagrad", "eps", eps, Double.MIN_VALUE, 1);
            check("Adagrad", "initialAccumulator", initialAccumulator, 0, Double.MAX_VALUE);
            check("Adagrad", "weightDecay", weightDecay, 0, Double.MAX_VALUE);
        }

        /** PyTorch's defaults with the given learning rate. */
        public static Config of(double lr) {
            return new Config(lr, 1e-10, 0, 0);
        }
    }

    private final Config config;
    private final NdArray[] sum;

    /** Adagrad over {@code params}. */
    public Adagrad(List<Parameter> params, Config config) {
        super(params, config.lr());
        this.config = config;
        this.sum = new NdArray[this.params.size()];
    }

    /** The configuration. */
    @Override
    public Config config() { return config; }

    /** State slot {@code sum} (s, PyTorch's name), created on the first step. */
    @Override
    protected Map<String, NdArray[]> slots() {
        return Map.of("sum", sum);
    }

    @Override
    protected void update(long t) {
        double lr = lr();
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            NdArray g = p.grad();
            if (g == null || p.isFrozen()) {
                continue;
            }
            if (sum[i] == null) {
                sum[i] = g.zerosLike().fillInPlace(config.initialAccumulator());
            }
            NdArray w = p.data(), s = sum[i];
            for (int k = 0; k < w.size(); k++) {
                double gk = g.getFlat(k) + config.weightDecay() * w.getFlat(k);
                double sk = s.getFlat(k) + gk * gk;
                s.setFlat(k, sk);
                w.setFlat(k, w.getFlat(k) - lr * gk / (Math.sqrt(sk) + config.eps()));
            }
        }
    }
}
