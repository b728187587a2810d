package dev.jrnn.train.diagnostics;

/**
 * Saturation of one gate (or one block of units) of a recurrent layer over a batch and every valid time step.
 * A saturated unit passes almost no gradient: {@code σ'(z) = σ(1 − σ) < 0.0475} outside [0.05, 0.95] and
 * {@code tanh'(z) = 1 − tanh² < 0.0975} where {@code |tanh| > 0.95}. Saturation is not always bad: an LSTM
 * forget gate (or a GRU update gate) held near 1 is exactly how a cell keeps its memory, so read
 * {@link #low()} and {@link #high()} separately, with the gate's {@link #mean()}.
 *
 * <p>What {@code low} and {@code high} count, by {@link #activation()} (thresholds from
 * {@link DiagnosticsConfig}):
 * <pre>
 * sigmoid  low: σ &lt; sigmoidLow (0.05)     high: σ &gt; sigmoidHigh (0.95)
 * tanh     low: tanh &lt; −tanhLimit (−0.95)  high: tanh &gt; tanhLimit (0.95)
 * relu     low: exactly 0 (inactive)        high: always 0
 * </pre>
 *
 * @param gate       the gate's name: LSTM {@code i, f, g, o} and {@code tanh(c)}; GRU {@code r, z, n};
 *                   minimal GRU {@code u, c}; simple RNN {@code h}
 * @param activation {@code sigmoid}, {@code tanh} or {@code relu}
 * @param count      how many activations were counted (batch × valid steps × units)
 * @param low        fraction of them in the low saturated region
 * @param high       fraction of them in the high saturated region
 * @param mean       their mean value
 */
public record GateStats(String gate, String activation, long count, double low, double high, double mean) {

    /** The fraction saturated on either side, {@code low + high}. */
    public double saturated() {
        return low + high;
    }

    /** Accumulates one gate's activations; package-private helper of {@link GradientProbe}. */
    static final class Counter {
        private final String gate;
        private final String activation;
        private final double lowThreshold;
        private final double highThreshold;
        private long count;
        private long low;
        private long high;
        private double sum;

        Counter(String gate, String activation, DiagnosticsConfig config) {
            this.gate = gate;
            this.activation = activation;
            switch (activation) {
                case "sigmoid" -> {
                    lowThreshold = config.sigmoidLow();
                    highThreshold = config.sigmoidHigh();
                }
                case "tanh" -> {
                    lowThreshold = -config.tanhLimit();
                    highThreshold = config.tanhLimit();
                }
                case "relu" -> {
                    lowThreshold = Double.NaN;                  // counted as "== 0" below
                    highThreshold = Double.POSITIVE_INFINITY;
                }
                default -> throw new IllegalArgumentException("GateStats: unknown activation " + activation);
            }
        }

        /** Counts {@code a[b, u]} ({@code [B, H]}, row-major) for the rows where {@code valid[b]} (all when null). */
        void add(double[] a, int batch, int units, boolean[] valid) {
            boolean relu = activation.equals("relu");
            for (int b = 0; b < batch; b++) {
                if (valid != null && !valid[b]) {
                    continue;
                }
                for (int u = 0; u < units; u++) {
                    double v = a[b * units + u];
                    count++;
                    sum += v;
                    if (relu ? v == 0 : v < lowThreshold) low++;
                    else if (v > highThreshold) high++;
                }
            }
        }

        GateStats stats() {
            return count == 0 ? new GateStats(gate, activation, 0, Double.NaN, Double.NaN, Double.NaN)
                    : new GateStats(gate, activation, count, low / (double) count, high / (double) count, sum / count);
        }
    }
}
