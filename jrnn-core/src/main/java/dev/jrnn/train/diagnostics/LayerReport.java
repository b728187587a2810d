package dev.jrnn.train.diagnostics;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one layer-direction of a recurrent network looked like on one batch.
 *
 * <p><b>Gradient norms.</b> {@code gradNorm[t]} (t = 0 .. T−1, in the input's time order, also for a reverse
 * direction) is the mean over the batch of the per-example L2 norm {@code ‖∂L/∂h_t^{(b)}‖₂} (a vector of H
 * values), counting only the examples whose sequence is longer than t (NaN where none is).
 * {@code ∂L/∂h_t} is the <em>total</em> derivative: through this layer's output at t (to the loss or to the
 * layer above) and through {@code h_{t+1}}, as backpropagation through time accumulates it. The loss is what
 * the caller's function returns: with a batch-mean loss each example's gradient carries a factor 1/B.
 * {@code exampleGradNorm[t][b]} holds the per-example values (NaN for padded steps).
 *
 * <p><b>Spectral radius.</b> {@code spectralRadius} maps each square {@code [H, H]} row block of
 * {@code weight_hh} to its ρ (simple RNN: the one block {@code h}; LSTM {@code i, f, g, o}; GRU {@code r, z, n};
 * minimal GRU {@code u, c}), {@code spectralNorm} to its {@code ‖·‖₂}. {@link #headlineBlock()} names the
 * block through which the previous state enters the new content — the whole matrix for a simple RNN, the
 * candidate block ({@code g}, {@code n}, {@code c}) for the gated cells — because that block is the gated
 * cell's own Elman recurrence, comparable to a simple RNN's W_hh. For gated cells ρ alone does not decide
 * whether gradients vanish: the forget/update gates multiply the memory path, see {@link #gates()}.
 *
 * <p>The arrays are the report's own; do not modify them.
 *
 * @param name            the layer-direction, as in parameter names: {@code l0}, {@code l0_reverse}, {@code l1},
 *                        ...; {@code cell} for a {@code Recurrent} layer
 * @param cell            the cell type: {@code rnn_tanh}, {@code rnn_relu}, {@code lstm}, {@code gru},
 *                        {@code gru_reset_before}, {@code minimal_gru}, or a custom cell's class name
 * @param gradNorm        {@code [T]} mean per-example {@code ‖∂L/∂h_t‖₂}
 * @param exampleGradNorm {@code [T][B]} per-example {@code ‖∂L/∂h_t‖₂}
 * @param spectralRadius  ρ per square block of {@code weight_hh} (empty for a cell without one)
 * @param spectralNorm    {@code ‖·‖₂} per square block of {@code weight_hh}
 * @param headlineBlock   the block reported as "the" ρ of this layer, or null
 * @param gates           saturation per gate (empty for a custom cell)
 */
public record LayerReport(String name, String cell, double[] gradNorm, double[][] exampleGradNorm,
                          Map<String, Double> spectralRadius, Map<String, Double> spectralNorm, String headlineBlock,
                          List<GateStats> gates) {
    /** Keeps the maps' order and makes the collections unmodifiable. */
    public LayerReport {
        spectralRadius = Collections.unmodifiableMap(new LinkedHashMap<>(spectralRadius));
        spectralNorm = Collections.unmodifiableMap(new LinkedHashMap<>(spectralNorm));
        gates = List.copyOf(gates);
    }

    /** The sequence length T. */
    public int length() {
        return gradNorm.length;
    }

    /** ρ of the {@link #headlineBlock()}, or NaN when there is none. */
    public double headlineSpectralRadius() {
        Double v = headlineBlock == null ? null : spectralRadius.get(headlineBlock);
        return v == null ? Double.NaN : v;
    }

    /**
     * {@code gradNorm[0] / gradNorm[T−1]}: how much of the gradient at the last step reaches the first
     * (≪ 1: vanishing, ≫ 1: exploding). For a reverse direction, whose last processed step is t = 0, read it
     * the other way round.
     */
    public double firstLastRatio() {
        return gradNorm[0] / gradNorm[gradNorm.length - 1];
    }

    /** The saturation of the gate named {@code gate}, or null. */
    public GateStats gate(String gate) {
        for (GateStats g : gates) if (g.gate().equals(gate)) return g;
        return null;
    }

    /** The fraction of all counted gate activations that are saturated (gates weighted by their counts); NaN if none. */
    public double saturation() {
        double s = 0;
        long n = 0;
        for (GateStats g : gates) {
            if (g.count() > 0) {
                s += g.saturated() * g.count();
                n += g.count();
            }
        }
        return n == 0 ? Double.NaN : s / n;
    }
}
