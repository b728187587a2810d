package dev.jrnn.keras;

import dev.jrnn.autograd.Tensor;

import java.util.List;

/**
 * The Keras activations jrnn runs, by their Keras names. {@code hard_sigmoid} follows the version that wrote the
 * file: Keras 1/2 use {@code clip(0.2x + 0.5, 0, 1)}, Keras 3 uses {@code relu6(x + 3) / 6 = clip(x/6 + 0.5, 0, 1)}.
 */
enum KerasActivation {
    /** {@code tanh}. */
    TANH("tanh"),
    /** {@code sigmoid}. */
    SIGMOID("sigmoid"),
    /** Keras 1/2 {@code hard_sigmoid}: {@code clip(0.2x + 0.5, 0, 1)}. */
    HARD_SIGMOID_K2("hard_sigmoid"),
    /** Keras 3 {@code hard_sigmoid}: {@code clip(x/6 + 0.5, 0, 1)}. */
    HARD_SIGMOID_K3("hard_sigmoid"),
    /** {@code relu}. */
    RELU("relu"),
    /** {@code linear} (identity; also Keras's {@code None}). */
    LINEAR("linear"),
    /** {@code softmax} over the last axis. */
    SOFTMAX("softmax");

    /** The names accepted, for messages. */
    static final List<String> SUPPORTED = List.of("tanh", "sigmoid", "hard_sigmoid", "relu", "linear", "softmax");

    private final String kerasName;

    KerasActivation(String kerasName) { this.kerasName = kerasName; }

    /** The Keras name. */
    String kerasName() { return kerasName; }

    /**
     * The activation called {@code name} in a file from {@code keras3} or earlier Keras, or null when jrnn has none
     * of that name.
     */
    static KerasActivation byName(String name, boolean keras3) {
        switch (name) {
            case "tanh": return TANH;
            case "sigmoid": return SIGMOID;
            case "hard_sigmoid": return keras3 ? HARD_SIGMOID_K3 : HARD_SIGMOID_K2;
            case "relu": return RELU;
            case "linear": return LINEAR;
            case "softmax": return SOFTMAX;
            default: return null;
        }
    }

    /** Applies the activation elementwise (softmax: over the last axis). */
    Tensor apply(Tensor x) {
        switch (this) {
            case TANH: return x.tanh();
            case SIGMOID: return x.sigmoid();
            case HARD_SIGMOID_K2: return clip01(x.mul(0.2).add(0.5));
            case HARD_SIGMOID_K3: return clip01(x.mul(1.0 / 6).add(0.5));
            case RELU: return x.relu();
            case SOFTMAX: return x.softmax(x.rank() - 1);
            default: return x;
        }
    }

    /** {@code clip(y, 0, 1) = relu(y) − relu(y − 1)}, differentiable almost everywhere. */
    private static Tensor clip01(Tensor y) {
        return y.relu().sub(y.add(-1).relu());
    }
}
