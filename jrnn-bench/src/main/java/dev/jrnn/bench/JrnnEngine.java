package dev.jrnn.bench;

import dev.jrnn.autograd.Autograd;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.optim.Adam;
import dev.jrnn.optim.Optimizer;
import dev.jrnn.optim.Sgd;
import dev.jrnn.tensor.Blas;
import dev.jrnn.tensor.Rng;

/** jrnn: the stock layers on their fused fast path ({@code RnnKernels}), Blas through OpenBLAS. */
public final class JrnnEngine implements Engine {
    @Override
    public String name() { return "jrnn"; }

    @Override
    public String describe() {
        return "jrnn 0.1.0-SNAPSHOT, Blas backend " + Blas.backend() + ", OPENBLAS_NUM_THREADS="
                + System.getenv("OPENBLAS_NUM_THREADS") + ", common pool parallelism "
                + java.util.concurrent.ForkJoinPool.getCommonPoolParallelism();
    }

    @Override
    public Step prepare(Workload w, BenchData d) {
        JrnnModel m = new JrnnModel(w, new Rng(d.seed + 1));
        m.load(d);
        Tensor x = JrnnModel.constant(d.x, w.batch, w.time, w.input);
        Tensor y = JrnnModel.constant(d.y, w.batch, w.time, w.hidden);
        Tensor labels = JrnnModel.constant(d.labels, w.batch, 1);
        Optimizer opt = w == Workload.W6 ? new Adam(m.parameters(), Adam.Config.adam(d.lr))
                : new Sgd(m.parameters(), d.lr);
        return new Step() {
            @Override
            public double run() {
                if (!w.training) {
                    try (var ng = Autograd.noGrad()) {
                        return m.forward(d, x, y, labels).data().sum().item();
                    }
                }
                opt.zeroGrad();
                Tensor loss = m.forward(d, x, y, labels);
                loss.backward();
                opt.step();
                return loss.item();
            }

            @Override
            public double loss() {
                try (var ng = Autograd.noGrad()) {
                    Tensor out = m.forward(d, x, y, labels);
                    return w.training ? out.item() : out.data().sum().item();
                }
            }
        };
    }
}
