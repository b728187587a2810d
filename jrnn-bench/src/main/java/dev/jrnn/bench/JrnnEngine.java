package dev.jrnn.bench;

import dev.jrnn.autograd.Autograd;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.infer.PackedRnn;
import dev.jrnn.optim.Adam;
import dev.jrnn.optim.Optimizer;
import dev.jrnn.optim.Sgd;
import dev.jrnn.tensor.Blas;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;

import java.util.ArrayList;
import java.util.List;

/**
 * jrnn: training on the stock layers' fused fast path ({@code RnnKernels}), Blas through OpenBLAS; inference
 * (W4) through the serving API ({@link PackedRnn}, weights packed once when the model is loaded, outside the
 * timed step). {@code jrnn-fused} runs inference the way it ran before the serving API, the fused kernels under
 * {@code Autograd.noGrad()}, for a before/after in one table.
 */
public final class JrnnEngine implements Engine {
    private final boolean serving;

    /** {@code serving}: inference through {@link PackedRnn} ("jrnn"), else through the fused kernels ("jrnn-fused"). */
    public JrnnEngine(boolean serving) {
        this.serving = serving;
    }

    @Override
    public String name() { return serving ? "jrnn" : "jrnn-fused"; }

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
        if (serving && !w.training && w.layers == 1 && m.emb == null) {
            return servingStep(m, w, d);
        }
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

    /** W4 through {@link PackedRnn#run}: the batch split into its sequences once, the checksum as before. */
    private static Step servingStep(JrnnModel m, Workload w, BenchData d) {
        PackedRnn model = PackedRnn.of(m.rnn);
        int per = w.time * w.input;
        List<NdArray> seqs = new ArrayList<>();
        for (int b = 0; b < w.batch; b++) {
            float[] x = new float[per];
            System.arraycopy(d.x, b * per, x, 0, per);
            seqs.add(NdArray.of(x, w.time, w.input));
        }
        return new Step() {
            @Override
            public double run() {
                double sum = 0;
                for (NdArray o : model.run(seqs).outputs()) {
                    for (float v : o.floatData()) sum += v;
                }
                return sum;
            }

            @Override
            public double loss() {
                return run();
            }
        };
    }
}
