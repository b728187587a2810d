package dev.jrnn.nn;

import dev.jrnn.autograd.Tensor;

import java.util.Locale;

/** An elementwise (or, for softmax, last-axis) activation as a layer. */
public final class Activation extends Layer {
    /** The available functions. */
    public enum Kind {
        /** Hyperbolic tangent. */
        TANH,
        /** Logistic sigmoid. */
        SIGMOID,
        /** Rectified linear unit. */
        RELU,
        /** Exponential linear unit with alpha 1. */
        ELU,
        /** Softmax over the last axis. */
        SOFTMAX,
        /** Log-softmax over the last axis. */
        LOG_SOFTMAX,
        /** Identity. */
        LINEAR
    }

    private final Kind kind;

    /** An activation layer of the given kind. */
    public Activation(Kind kind) {
        if (kind == null) {
            throw new IllegalArgumentException("Activation: kind is null; use Activation.Kind.LINEAR for the identity");
        }
        this.kind = kind;
    }

    /** Parses {@code tanh}, {@code sigmoid}, {@code relu}, {@code elu}, {@code softmax}, {@code log_softmax}, {@code linear}. */
    public static Kind parse(String name) {
        try {
            return Kind.valueOf(name.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("unknown activation '" + name
                    + "': expected one of tanh, sigmoid, relu, elu, softmax, log_softmax, linear", e);
        }
    }

    /** Applies {@code kind} to {@code x}. */
    public static Tensor apply(Kind kind, Tensor x) {
        switch (kind) {
            case TANH: return x.tanh();
            case SIGMOID: return x.sigmoid();
            case RELU: return x.relu();
            case ELU: return x.elu(1.0);
            case SOFTMAX: return x.softmax(-1);
            case LOG_SOFTMAX: return x.logSoftmax(-1);
            case LINEAR: return x;
            default: throw new AssertionError(kind);
        }
    }

    /** The function. */
    public Kind kind() { return kind; }

    @Override
    public Tensor forward(Tensor x) {
        return apply(kind, x);
    }

    @Override
    protected String describe() {
        return kind.name().charAt(0) + kind.name().substring(1).toLowerCase(Locale.ROOT) + "()";
    }
}
