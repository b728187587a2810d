package dev.jrnn.optim;

import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.NdArray;

import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent, as {@code torch.optim.SGD}:
 * <pre>
 *   g = grad + weightDecay * p
 *   v = momentum * v + g                 (v = g on the first step)
 *   p = p - lr * (nesterov ? g + momentum * v : v)     (plain SGD when momentum = 0)
 * </pre>
 */
public final class Sgd extends Optimizer {
    /**
     * Hyperparameters.
     *
     * @param lr          learning rate, &gt; 0
     * @param momentum    momentum factor in [0, 1); 0 for plain SGD
     * @param nesterov    Nesterov momentum (needs momentum &gt; 0)
     * @param weightDecay L2 penalty added to the gradient, &gt;= 0
     */
    public record Config(double lr, double momentum, boolean nesterov, double weightDecay) {
        /** Validates every field. */
        public Config {
            check("Sgd", "lr", lr, Double.MIN_VALUE, Double.MAX_VALUE);
            check("Sgd", "momentum", momentum, 0, 0.999999);
            check("Sgd", "weightDecay", weightDecay, 0, Double.MAX_VALUE);
            if (nesterov && momentum == 0) {
                throw new IllegalArgumentException("Sgd: nesterov needs momentum > 0");
            }
        }

        /** Plain SGD with learning rate {@code lr}. */
        public static Config of(double lr) {
            return new Config(lr, 0, false, 0);
        }
    }

    private final Config config;
    private final NdArray[] velocity;

    /** SGD over {@code params}. */
    public Sgd(List<Parameter> params, Config config) {
        super(params, config.lr());
        this.config = config;
        this.velocity = new NdArray[this.params.size()];
    }

    /** Plain SGD with learning rate {@code lr}. */
    public Sgd(List<Parameter> params, double lr) {
        this(params, Config.of(lr));
    }

    /** The configuration. */
    @Override
    public Config config() { return config; }

    /** State slot {@code momentum_buffer} (PyTorch's name): the velocity {@code v}, created on the first step. */
    @Override
    protected Map<String, NdArray[]> slots() {
        return Map.of("momentum_buffer", velocity);
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
            if (config.weightDecay() != 0) {
                g = g.copy().axpyInPlace(config.weightDecay(), p.data());
            }
            NdArray update = g;
            if (config.momentum() != 0) {
                if (velocity[i] == null) {
                    velocity[i] = g.copy();
                } else {
                    velocity[i].mulInPlace(config.momentum()).addInPlace(g);
                }
                update = config.nesterov() ? g.copy().axpyInPlace(config.momentum(), velocity[i]) : velocity[i];
            }
            p.data().axpyInPlace(-lr, update);
        }
    }
}
