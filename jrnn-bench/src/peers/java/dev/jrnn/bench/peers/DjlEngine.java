package dev.jrnn.bench.peers;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.recurrent.RNN;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.jrnn.bench.BenchData;
import dev.jrnn.bench.Workload;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PyTorch (libtorch CPU) through DJL's PyTorch engine. The model is written with DJL's functional ops, which are
 * libtorch's own: {@code torch::embedding}, {@code torch::rnn_tanh / lstm / gru} (the same ops
 * {@code torch.nn.RNN/LSTM/GRU} call, batch-first, weights in PyTorch's layout [w_ih, w_hh, b_ih, b_hh] per
 * layer), {@code torch::linear}; autograd through DJL's GradientCollector (libtorch's autograd); the update by
 * DJL's Sgd / Adam optimizers (in-place libtorch ops). Parameters and data are the shared ones of BenchData.
 *
 * <p>Threads: {@code -Dai.djl.pytorch.num_threads} (intra-op) and {@code -Dai.djl.pytorch.num_interop_threads},
 * set by run-peers.sh to 2 and 1; {@code OMP_NUM_THREADS=2}.
 */
public final class DjlEngine implements dev.jrnn.bench.Engine {
    private final Engine engine = Engine.getEngine("PyTorch");
    private final NDManager root = NDManager.newBaseManager("PyTorch");

    @Override
    public String name() { return "pytorch"; }

    @Override
    public String describe() {
        return "PyTorch " + engine.getVersion() + " (CPU) via DJL " + Engine.getDjlVersion()
                + ", intra-op threads " + System.getProperty("ai.djl.pytorch.num_threads", "default")
                + ", inter-op threads " + System.getProperty("ai.djl.pytorch.num_interop_threads", "default");
    }

    @Override
    public Step prepare(Workload w, BenchData d) {
        NDManager m = root.newSubManager();
        Map<String, NDArray> p = new LinkedHashMap<>();
        d.params.forEach((k, v) -> {
            NDArray a = m.create(v.values(), new Shape(toLong(v.shape())));
            if (w.training) a.setRequiresGradient(true);
            p.put(k, a);
        });
        List<NDArray> rnnParams = new ArrayList<>();
        p.forEach((k, v) -> { if (k.startsWith("rnn.")) rnnParams.add(v); });
        int B = w.batch, T = w.time, H = w.hidden;
        NDArray x = d.x == null ? null : m.create(d.x, new Shape(B, T, w.input));
        NDArray y = d.y == null ? null : m.create(d.y, new Shape(B, T, H));
        NDArray ids = d.ids == null ? null : m.create(toLong(d.ids), new Shape(B, T));
        NDArray targets = d.targets == null ? null : m.create(toLong(d.targets), new Shape((long) B * T, 1));
        NDArray labels = d.labels == null ? null : m.create(d.labels, new Shape(B, 1));
        NDArray h0 = m.zeros(new Shape(w.layers, B, H));
        NDArray c0 = m.zeros(new Shape(w.layers, B, H));
        Optimizer opt = w == Workload.W6
                ? Optimizer.adam().optLearningRateTracker(Tracker.fixed(d.lr)).build()
                : Optimizer.sgd().setLearningRateTracker(Tracker.fixed(d.lr)).build();

        // the forward pass: the loss (training) or the output (inference)
        Forward fwd = training -> {
            NDArray in = x;
            if (ids != null) {
                in = ids.getNDArrayInternal().embedding(ids, p.get("emb.weight"), SparseFormat.DENSE).head();
            }
            NDList out = switch (w.cell) {
                case RNN -> in.getNDArrayInternal().rnn(in, h0, new NDList(rnnParams), true, w.layers,
                        RNN.Activation.TANH, 0, training, false, true);
                case LSTM -> in.getNDArrayInternal().lstm(in, new NDList(h0, c0), new NDList(rnnParams), true,
                        w.layers, 0, training, false, true);
                case GRU -> in.getNDArrayInternal().gru(in, h0, new NDList(rnnParams), true, w.layers, 0, training,
                        false, true);
            };
            NDArray h = out.head();                                            // [B, T, H]
            switch (w) {
                case W5: {
                    NDArray logits = h.getNDArrayInternal().linear(h, p.get("fc.weight"), p.get("fc.bias")).head();
                    NDArray logp = logits.reshape(-1, Workload.CHARS).logSoftmax(1);
                    return logp.gather(targets, 1).mean().neg();               // softmax CE, mean over B·T
                }
                case W6: {
                    NDArray last = h.get(":, " + (T - 1) + ", :");             // [B, H]
                    NDArray z = last.getNDArrayInternal().linear(last, p.get("fc.weight"), p.get("fc.bias")).head();
                    // BCE with logits: max(z,0) - z·y + log(1 + e^{-|z|}), mean
                    return z.maximum(0).sub(z.mul(labels)).add(z.abs().neg().exp().add(1).log()).mean();
                }
                default:
                    return w.training ? h.sub(y).square().mean() : h;
            }
        };
        return new Step() {
            private boolean first = true;

            @Override
            public double run() {
                if (first) {
                    // the optimizer makes its state (Adam's moments) on the first update: outside any NDScope,
                    // which would free it at its end; this step's temporaries stay with the workload's manager
                    first = false;
                    return train();
                }
                try (NDScope scope = new NDScope()) {
                    return train();
                }
            }

            private double train() {
                {
                    if (!w.training) {
                        return fwd.apply(false).sum().getFloat();
                    }
                    float loss;
                    try (GradientCollector gc = engine.newGradientCollector()) {
                        NDArray l = fwd.apply(true);
                        gc.backward(l);
                        loss = l.getFloat();
                    }
                    for (Map.Entry<String, NDArray> e : p.entrySet()) {
                        NDArray g = e.getValue().getGradient();
                        opt.update(e.getKey(), e.getValue(), g);
                        g.subi(g);                                             // zero for the next step
                    }
                    return loss;
                }
            }

            @Override
            public double loss() {
                try (NDScope scope = new NDScope()) {
                    NDArray out = fwd.apply(false);
                    return w.training ? out.getFloat() : out.sum().getFloat();
                }
            }

            @Override
            public void close() {
                m.close();
            }
        };
    }

    @FunctionalInterface
    private interface Forward {
        NDArray apply(boolean training);
    }

    private static long[] toLong(int[] a) {
        long[] o = new long[a.length];
        for (int i = 0; i < a.length; i++) o[i] = a[i];
        return o;
    }

}
