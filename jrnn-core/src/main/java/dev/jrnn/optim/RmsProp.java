package dev.jrnn.optim;

import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.NdArray;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * RMSprop (Hinton's lecture 6e), as {@code torch.optim.RMSprop} without centering:
 * <pre>
 *   g = grad + weightDecay * p
 *   s = alpha * s + (1 - alpha) * g^2
 *   b = momentum * b + g / (sqrt(s) + eps)        (b = g / (sqrt(s) + eps) when momentum = 0)
 *   p = p - lr * b
 * </pre>
 */
public final class RmsProp extends Optimizer {
    /**
     * Hyperparameters.
     *
     * @param lr          learning rate, &gt; 0 (PyTorch default 0.01, Keras 0.001)
     * @param alpha       decay of the squared-gradient average, in [0, 1) (PyTorch 0.99, Keras rho 0.9)
     * @param eps         added to the denominator, &gt; 0
     * @param momentum    momentum factor in [0, 1)
     * @param weightDecay L2 penalty, &gt;= 0
     */
    public record Config(double lr, double alpha, double eps, double momentum, double weightDecay) {
        /** Validates every field. */
        public Config {
            check("RmsProp", "lr", lr, Double.MIN_VALUE, Double.MAX_VALUE);
            check("RmsProp", "alpha", alpha, 0, 0.999999999);
            check("RmsProp", "eps", eps, Double.MIN_VALUE, 1);
            check("RmsProp", "momentum", momentum, 0, 0.999999);
            check("RmsProp", "weightDecay", weightDecay, 0, Double.MAX_VALUE);
        }

        /** PyTorch's defaults with the given learning rate. */
        public static Config of(double lr) {
            return new Config(lr, 0.99, 1e-8, 0, 0);
        }
    }

    private final Config config;
    private final NdArray[] square;
    private final NdArray[] buf;

    /** RMSprop over {@code params}. */
    public RmsProp(List<Parameter> params, Config config) {
        super(params, config.lr());
        this.config = config;
        this.square = new NdArray[this.params.size()];
        this.buf = new NdArray[this.params.size()];
    }

    /** The configuration. */
    @Override
    public Config config() { return config; }

    /** State slots {@code square_avg} (s) and {@code momentum_buffer} (b), PyTorch's names; created on the first step. */
    @Override
    protected Map<String, NdArray[]> slots() {
        Map<String, NdArray[]> out = new LinkedHashMap<>();
        out.put("square_avg", square);
        out.put("momentum_buffer", buf);
        return out;
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
            if (square[i] == null) {
                square[i] = g.zerosLike();
                buf[i] = g.zerosLike();
            }
            NdArray w = p.data(), s = square[i], b = buf[i];
            for (int k = 0; k < w.size(); k++) {
                double gk = g.getFlat(k) + config.weightDecay() * w.getFlat(k);
                double sk = config.alpha() * s.getFlat(k) + (1 - config.alpha()) * gk * gk;
                s.setFlat(k, sk);
                double step = gk / (Math.sqrt(sk) + config.eps());
                if (config.momentum() > 0) {
                    step += config.momentum() * b.getFlat(k);
                    b.setFlat(k, step);
                }
                w.setFlat(k, w.getFlat(k) - lr * step);
            }
        }
    }
}
