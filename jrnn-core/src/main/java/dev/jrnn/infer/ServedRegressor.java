package dev.jrnn.infer;

import dev.jrnn.series.SequenceRegressor;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A {@link SequenceRegressor} frozen for serving: recurrent layers ({@link PackedRnn}) and output layer copied
 * once. Immutable and thread-safe: every {@link #predict} call works in its own memory. It computes what
 * {@link SequenceRegressor#predict} computes, to rounding; windows may have different lengths here.
 */
public final class ServedRegressor {
    private final SequenceRegressor.Config config;
    private final PackedRnn rnn;
    private final PackedLinear output;

    private ServedRegressor(SequenceRegressor model) {
        this.config = model.config();
        this.rnn = PackedRnn.of(model.rnn());
        this.output = new PackedLinear(model.output());
    }

    /** Copies and packs {@code model}'s weights (their current values). */
    public static ServedRegressor of(SequenceRegressor model) {
        return new ServedRegressor(Objects.requireNonNull(model, "model"));
    }

    /** The model's configuration. */
    public SequenceRegressor.Config config() { return config; }

    /**
     * The outputs of every window, all of them in one batch.
     *
     * @param windows {@code N} windows of {@code T_n ≥ 1} steps of {@code F} features each
     * @return {@code N} rows of {@code K} outputs
     */
    public double[][] predict(float[][][] windows) {
        Objects.requireNonNull(windows, "windows");
        if (windows.length == 0) return new double[0][];
        int f = config.inputSize();
        DType dtype = rnn.dtype();
        List<NdArray> seqs = new ArrayList<>(windows.length);
        for (int i = 0; i < windows.length; i++) {
            float[][] w = windows[i];
            if (w == null || w.length == 0) {
                throw new IllegalArgumentException("ServedRegressor.predict: window " + i + " has no steps");
            }
            NdArray x = NdArray.zeros(dtype, w.length, f);
            for (int s = 0; s < w.length; s++) {
                if (w[s].length != f) {
                    throw new IllegalArgumentException("ServedRegressor.predict: window " + i + " step " + s + " has "
                            + w[s].length + " features, expected " + f + " (inputSize)");
                }
                for (int j = 0; j < f; j++) x.setFlat(s * f + j, w[s][j]);
            }
            seqs.add(x);
        }
        return output.applyToFinalStates(rnn, rnn.run(seqs));
    }
}
