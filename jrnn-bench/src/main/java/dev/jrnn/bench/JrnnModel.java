package dev.jrnn.bench;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Embedding;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.Losses;
import dev.jrnn.nn.Parameter;
import dev.jrnn.nn.rnn.Gru;
import dev.jrnn.nn.rnn.Lstm;
import dev.jrnn.nn.rnn.RnnBase;
import dev.jrnn.nn.rnn.SimpleRnn;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The jrnn model of a workload: [Embedding] → stock recurrent layer(s) (fast path) → [Linear]. */
final class JrnnModel {
    final Workload w;
    final Embedding emb;
    final RnnBase rnn;
    final Linear fc;

    JrnnModel(Workload w, Rng rng) {
        this.w = w;
        emb = switch (w) {
            case W5 -> new Embedding(Workload.CHARS, w.input, rng);
            case W6 -> new Embedding(Workload.WORDS, w.input, rng);
            default -> null;
        };
        rnn = switch (w.cell) {
            case RNN -> SimpleRnn.builder(w.input, w.hidden).numLayers(w.layers).rng(rng).build();
            case LSTM -> Lstm.builder(w.input, w.hidden).numLayers(w.layers).rng(rng).build();
            case GRU -> Gru.builder(w.input, w.hidden).numLayers(w.layers).rng(rng).build();
        };
        fc = switch (w) {
            case W5 -> new Linear(w.hidden, Workload.CHARS, rng);
            case W6 -> new Linear(w.hidden, 1, rng);
            default -> null;
        };
    }

    /** Parameters with PyTorch-style names: emb.weight, rnn.weight_ih_l0, ..., fc.weight, fc.bias. */
    Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        if (emb != null) emb.namedParameters().forEach((k, v) -> out.put("emb." + k, v));
        rnn.namedParameters().forEach((k, v) -> out.put("rnn." + k, v));
        if (fc != null) fc.namedParameters().forEach((k, v) -> out.put("fc." + k, v));
        return out;
    }

    List<Parameter> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** Copies the shared initial parameters in. */
    void load(BenchData d) {
        for (Map.Entry<String, Parameter> e : namedParameters().entrySet()) {
            float[] src = d.param(e.getKey()).values();
            float[] dst = e.getValue().data().floatData();
            System.arraycopy(src, 0, dst, 0, src.length);
        }
    }

    /** The loss of one forward pass (training workloads) or the output (inference). */
    Tensor forward(BenchData d, Tensor x, Tensor y, Tensor labels) {
        switch (w) {
            case W5: {
                Tensor e = emb.forward(d.ids, w.batch, w.time);                 // [B, T, E]
                Tensor h = rnn.forwardFrom(e, null, null).output();                              // [B, T, H]
                return Losses.crossEntropy(fc.forward(h), d.targets);            // [B, T, 65] logits
            }
            case W6: {
                Tensor e = emb.forward(d.ids, w.batch, w.time);
                Tensor h = rnn.forwardFrom(e, null, null).output();                              // [B, T, 64]
                Tensor last = h.select(1, w.time - 1);                           // [B, 64]
                return Losses.binaryCrossEntropyWithLogits(fc.forward(last), labels);   // [B, 1]
            }
            default: {
                Tensor out = rnn.forwardFrom(x, null, null).output();
                return w.training ? Losses.mse(out, y) : out;
            }
        }
    }

    static Tensor constant(float[] a, int... shape) {
        return a == null ? null : Tensor.constant(NdArray.of(a, shape));
    }
}
