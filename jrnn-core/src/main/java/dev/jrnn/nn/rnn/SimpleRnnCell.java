package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Activation;
import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.Rng;

import java.util.Locale;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The basic (Elman) recurrent cell, one step of {@code torch.nn.RNN} / Keras {@code SimpleRNNCell}:
 * <pre>
 * h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
 * </pre>
 * which is Ng's (<i>Sequence Models</i>) {@code a_t = g(W_aa a_{t-1} + W_ax x_t + b_a)} with {@code W_ax = weight_ih},
 * {@code W_aa = weight_hh} and {@code b_a = bias_ih + bias_hh}. The activation {@code act} is tanh by
 * default, or relu, or any {@link Activation.Kind}, or any function of a tensor. Shapes: {@code x}
 * {@code [B, I]}, {@code h} {@code [B, H]}; parameters {@code weight_ih [H, I]}, {@code weight_hh [H, H]},
 * {@code bias_ih [H]}, {@code bias_hh [H]} (optional).
 *
 * <pre>{@code
 * var cell = SimpleRnnCell.builder(4, 3).activation(Activation.Kind.RELU).bias(false).rng(rng).build();
 * HiddenState h1 = cell.step(x, cell.zeroState(batch, DType.FLOAT32));
 * }</pre>
 */
public final class SimpleRnnCell extends StandardCell<HiddenState> {
    private final UnaryOperator<Tensor> activation;
    private final String activationName;

    private SimpleRnnCell(Parameter[] p, String activationName, UnaryOperator<Tensor> activation) {
        super("SimpleRnnCell", 1, p[0], p[1], p[2], p[3]);
        this.activationName = Objects.requireNonNull(activationName, "activation name");
        this.activation = Objects.requireNonNull(activation, "activation");
    }

    /** A float32 tanh cell with bias, parameters drawn from {@code rng}. */
    public SimpleRnnCell(int inputSize, int hiddenSize, Rng rng) {
        this(freshParameters("SimpleRnnCell", 1, inputSize, hiddenSize, true, DType.FLOAT32, rng), "tanh", Tensor::tanh);
    }

    /** A builder for a cell with fresh parameters; required sizes here, options on the builder. */
    public static Builder builder(int inputSize, int hiddenSize) {
        return new Builder(inputSize, hiddenSize);
    }

    /**
     * A cell over existing parameters ({@code weight_ih [H, I]}, {@code weight_hh [H, H]}, biases {@code [H]}
     * or both null); the cell registers the same objects, so gradients land in them.
     */
    public static SimpleRnnCell over(Parameter weightIh, Parameter weightHh, Parameter biasIh, Parameter biasHh,
                                     Activation.Kind activation) {
        return new SimpleRnnCell(new Parameter[] {weightIh, weightHh, biasIh, biasHh}, name(activation),
                x -> Activation.apply(activation, x));
    }

    private static String name(Activation.Kind kind) {
        return kind.name().toLowerCase(Locale.ROOT);
    }

    /** {@code h' = act(W_ih x + b_ih + W_hh h + b_hh)}. */
    @Override
    public HiddenState step(Tensor x, HiddenState s) {                  // x: [B, I]; s.h: [B, H]
        checkStep(x, s);
        Tensor z = affine(x, weightIh, biasIh).add(affine(s.h(), weightHh, biasHh));   // [B, H]
        return new HiddenState(activation.apply(z));
    }

    @Override
    public HiddenState zeroState(int batch, DType dtype) {
        return new HiddenState(zeros(batch, dtype));
    }

    /** The activation's name ({@code tanh}, {@code relu}, or the name given with a custom function). */
    public String activationName() { return activationName; }

    @Override
    protected String describe() {
        return "SimpleRnnCell(inputSize=" + inputSize() + ", hiddenSize=" + hiddenSize() + ", activation="
                + activationName + ", bias=" + hasBias() + ")";
    }

    /** Options of a fresh {@link SimpleRnnCell}; defaults: tanh, bias, float32, {@code new Rng(0)}. */
    public static final class Builder {
        private final int inputSize;
        private final int hiddenSize;
        private boolean bias = true;
        private DType dtype = DType.FLOAT32;
        private Rng rng;
        private String activationName = "tanh";
        private UnaryOperator<Tensor> activation = Tensor::tanh;

        private Builder(int inputSize, int hiddenSize) {
            this.inputSize = inputSize;
            this.hiddenSize = hiddenSize;
        }

        /** With ({@code true}, the default) or without the biases. */
        public Builder bias(boolean bias) { this.bias = bias; return this; }

        /** Parameter dtype (default float32). */
        public Builder dtype(DType dtype) { this.dtype = Objects.requireNonNull(dtype); return this; }

        /** Random source for the initial weights (default {@code new Rng(0)}). */
        public Builder rng(Rng rng) { this.rng = Objects.requireNonNull(rng); return this; }

        /** One of the stock activations (tanh, relu, sigmoid, ...). */
        public Builder activation(Activation.Kind kind) {
            Objects.requireNonNull(kind);
            this.activationName = name(kind);
            this.activation = x -> Activation.apply(kind, x);
            return this;
        }

        /** Any elementwise function of a tensor, written with differentiable ops; {@code name} is for printing. */
        public Builder activation(String name, UnaryOperator<Tensor> f) {
            this.activationName = Objects.requireNonNull(name);
            this.activation = Objects.requireNonNull(f);
            return this;
        }

        /** The cell. */
        public SimpleRnnCell build() {
            return new SimpleRnnCell(freshParameters("SimpleRnnCell", 1, inputSize, hiddenSize, bias, dtype,
                    rng == null ? new Rng(0) : rng), activationName, activation);
        }
    }
}
