package dev.jrnn.train.diagnostics;

/**
 * Settings of a measurement: how long the power iteration runs and where saturation starts.
 *
 * @param powerIterations iterations of {@link SpectralRadius} per block (default 500; at least 2)
 * @param sigmoidLow      a sigmoid gate below this counts as saturated low (default 0.05)
 * @param sigmoidHigh     a sigmoid gate above this counts as saturated high (default 0.95)
 * @param tanhLimit       a tanh unit with {@code |tanh| >} this counts as saturated (default 0.95)
 * @param seed            seed of the power iteration's start vector (default 7)
 */
public record DiagnosticsConfig(int powerIterations, double sigmoidLow, double sigmoidHigh, double tanhLimit, long seed) {
    /** Validates the values. */
    public DiagnosticsConfig {
        if (powerIterations < 2) {
            throw new IllegalArgumentException("DiagnosticsConfig: powerIterations must be at least 2, got " + powerIterations);
        }
        if (!(sigmoidLow > 0 && sigmoidLow < sigmoidHigh && sigmoidHigh < 1)) {
            throw new IllegalArgumentException("DiagnosticsConfig: need 0 < sigmoidLow < sigmoidHigh < 1, got "
                    + sigmoidLow + " and " + sigmoidHigh);
        }
        if (!(tanhLimit > 0 && tanhLimit < 1)) {
            throw new IllegalArgumentException("DiagnosticsConfig: tanhLimit must be in (0, 1), got " + tanhLimit);
        }
    }

    /** 500 iterations; sigmoid saturated outside [0.05, 0.95]; tanh saturated where |tanh| &gt; 0.95; seed 7. */
    public static DiagnosticsConfig defaults() {
        return new DiagnosticsConfig(SpectralRadius.DEFAULT_ITERATIONS, 0.05, 0.95, 0.95, SpectralRadius.DEFAULT_SEED);
    }
}
