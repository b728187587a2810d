package dev.jrnn.bench;

import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.Rng;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The data and initial parameters of one workload, shared by every engine so that all compute the same thing:
 * inputs drawn from a fixed seed, parameters those of a jrnn model built from the same seed (PyTorch's layouts and
 * names: {@code emb.weight [V, E]}, {@code rnn.weight_ih_l0 [G·H, I]}, {@code rnn.weight_hh_l0 [G·H, H]},
 * {@code rnn.bias_ih_l0}, {@code rnn.bias_hh_l0 [G·H]}, ..., {@code fc.weight [out, H]}, {@code fc.bias [out]}).
 */
public final class BenchData {
    /** A parameter's values (row-major) and shape. */
    public record Param(float[] values, int[] shape) {}

    public final Workload w;
    public final long seed;
    /** W1–W4: inputs {@code [B, T, I]} row-major. */
    public final float[] x;
    /** W1–W3: MSE targets {@code [B, T, H]}. */
    public final float[] y;
    /** W5, W6: token ids {@code [B, T]}. */
    public final int[] ids;
    /** W5: the next-character targets {@code [B·T]} (row-major over [B, T]). */
    public final int[] targets;
    /** W6: binary labels {@code [B]} (0 or 1). */
    public final float[] labels;
    /** Initial parameters by name, in state_dict order. */
    public final Map<String, Param> params;
    /** Learning rate of the optimizer (SGD, or Adam for W6). */
    public final float lr;

    private BenchData(Workload w, long seed) {
        this.w = w;
        this.seed = seed;
        Rng rng = new Rng(seed);
        int B = w.batch, T = w.time;
        boolean tokens = w == Workload.W5 || w == Workload.W6;
        x = tokens ? null : uniform(rng, B * T * w.input);
        y = w.training && !tokens ? uniform(rng, B * T * w.hidden) : null;
        int vocab = w == Workload.W5 ? Workload.CHARS : Workload.WORDS;
        ids = tokens ? randomInts(rng, B * T, vocab) : null;
        targets = w == Workload.W5 ? randomInts(rng, B * T, Workload.CHARS) : null;
        float[] lab = null;
        if (w == Workload.W6) {
            lab = new float[B];
            for (int b = 0; b < B; b++) lab[b] = rng.nextInt(2);
        }
        labels = lab;
        lr = w == Workload.W6 ? 1e-3f : 0.01f;
        JrnnModel model = new JrnnModel(w, new Rng(seed + 1));
        params = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            params.put(e.getKey(), new Param(e.getValue().data().toFloatArray(), e.getValue().shape()));
        }
    }

    /** The data of {@code w} from {@code seed}. */
    public static BenchData of(Workload w, long seed) {
        return new BenchData(w, seed);
    }

    /** A parameter by name. */
    public Param param(String name) {
        Param p = params.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no parameter " + name + " in " + params.keySet());
        }
        return p;
    }

    private static float[] uniform(Rng rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (2 * rng.nextDouble() - 1);
        return a;
    }

    private static int[] randomInts(Rng rng, int n, int bound) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = rng.nextInt(bound);
        return a;
    }
}
