package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Init;
import dev.jrnn.nn.Module;
import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.Rng;
import dev.jrnn.tensor.Shapes;

import java.util.List;

/**
 * Base of the built-in cells, which share PyTorch's parameter layout: {@code G} gate blocks of {@code H}
 * rows each,
 * <pre>
 * weight_ih  [G·H, I]     weight_hh  [G·H, H]     bias_ih  [G·H]     bias_hh  [G·H]
 * </pre>
 * registered under those names (as in {@code torch.nn.LSTMCell}). A gate's pre-activation is
 * {@code W_i· x + b_i· + W_h· h + b_h·}: the two biases add, as in PyTorch. The scan cells
 * ({@link MinGruCell}, {@link MinLstmCell}) have {@code weight_ih} and {@code bias_ih} only.
 *
 * <p>A cell is built either from fresh parameters (initialised {@code U(±1/sqrt(H))}, PyTorch's default)
 * or over existing {@link Parameter}s; the stock layers ({@link Lstm}, {@link Gru}, {@link SimpleRnn}) use
 * the latter, so their readable path runs these cells over the very tensors their fast path reads.
 *
 * @param <S> the state type
 */
public abstract class StandardCell<S extends RnnState> extends Module implements RecurrentCell<S> {
    /** {@code [G·H, I]}. */
    protected final Parameter weightIh;
    /** {@code [G·H, H]}. */
    protected final Parameter weightHh;
    /** {@code [G·H]}, or null for a cell without bias. */
    protected final Parameter biasIh;
    /** {@code [G·H]}, or null for a cell without bias. */
    protected final Parameter biasHh;
    private final int inputSize;
    private final int hiddenSize;
    private final int outputSize;
    private final String name;

    /**
     * Registers the given parameters after checking their shapes against {@code gates}.
     *
     * @param name  the cell's class name for messages
     * @param gates number of row blocks {@code G}
     */
    protected StandardCell(String name, int gates, Parameter weightIh, Parameter weightHh, Parameter biasIh,
                           Parameter biasHh) {
        this(name, gates, weightIh, weightHh, biasIh, biasHh, 0);
    }

    /**
     * As {@link #StandardCell(String, int, Parameter, Parameter, Parameter, Parameter)} for a cell whose state
     * {@code h} has {@code outputSize} features: then {@code weight_hh} is {@code [G·H, outputSize]} and H is read
     * from its rows. {@code outputSize = 0} means {@code h} has H features.
     */
    protected StandardCell(String name, int gates, Parameter weightIh, Parameter weightHh, Parameter biasIh,
                           Parameter biasHh, int outputSize) {
        this.name = name;
        if (weightIh == null || weightHh == null) {
            throw new IllegalArgumentException(name + ": weight_ih and weight_hh are required");
        }
        if ((biasIh == null) != (biasHh == null)) {
            throw new IllegalArgumentException(name + ": give both bias_ih and bias_hh, or neither (a cell without bias)");
        }
        if (outputSize > 0) {
            if (weightHh.rank() != 2 || weightHh.dim(0) % gates != 0 || weightHh.dim(0) == 0
                    || weightHh.dim(1) != outputSize) {
                throw Shapes.mismatch(name, "weight_hh", weightHh.shape(), "[" + gates + "·H, " + outputSize + "] ("
                        + gates + " gate blocks of H rows; columns: the projected h, proj=" + outputSize + ")");
            }
        } else if (weightHh.rank() != 2 || weightHh.dim(0) % gates != 0 || weightHh.dim(0) / gates != weightHh.dim(1)) {
            throw Shapes.mismatch(name, "weight_hh", weightHh.shape(),
                    "[" + gates + "·H, H] (" + gates + " gate blocks of H rows)");
        }
        this.hiddenSize = weightHh.dim(0) / gates;
        this.outputSize = outputSize > 0 ? outputSize : hiddenSize;
        int gh = gates * hiddenSize;
        if (weightIh.rank() != 2 || weightIh.dim(0) != gh) {
            throw Shapes.mismatch(name, "weight_ih", weightIh.shape(), "[" + gh + ", inputSize]");
        }
        this.inputSize = weightIh.dim(1);
        if (biasIh != null) {
            CellChecks.parameter(name, "bias_ih", biasIh, gh);
            CellChecks.parameter(name, "bias_hh", biasHh, gh);
        }
        if (weightIh.dtype() != weightHh.dtype() || (biasIh != null
                && (biasIh.dtype() != weightIh.dtype() || biasHh.dtype() != weightIh.dtype()))) {
            throw new IllegalArgumentException(name + ": all parameters must have one dtype");
        }
        this.weightIh = registerParameter("weight_ih", weightIh);
        this.weightHh = registerParameter("weight_hh", weightHh);
        this.biasIh = biasIh == null ? null : registerParameter("bias_ih", biasIh);
        this.biasHh = biasHh == null ? null : registerParameter("bias_hh", biasHh);
    }

    /**
     * Registers the parameters of a cell whose gates read {@code x} only ({@link MinGruCell}, {@link MinLstmCell}):
     * {@code weight_ih [G·H, I]} and {@code bias_ih [G·H]} (or null); {@link #weightHh()} and {@link #biasHh()}
     * are null.
     *
     * @param name  the cell's class name for messages
     * @param gates number of row blocks {@code G}
     */
    protected StandardCell(String name, int gates, Parameter weightIh, Parameter biasIh) {
        this.name = name;
        if (weightIh == null) {
            throw new IllegalArgumentException(name + ": weight_ih is required");
        }
        if (weightIh.rank() != 2 || weightIh.dim(0) == 0 || weightIh.dim(0) % gates != 0) {
            throw Shapes.mismatch(name, "weight_ih", weightIh.shape(), "[" + gates + "·H, inputSize] (" + gates
                    + " gate blocks of H rows)");
        }
        this.hiddenSize = weightIh.dim(0) / gates;
        this.outputSize = hiddenSize;                                   // no projection for a scan cell
        this.inputSize = weightIh.dim(1);
        if (biasIh != null) {
            CellChecks.parameter(name, "bias_ih", biasIh, gates * hiddenSize);
            if (biasIh.dtype() != weightIh.dtype()) {
                throw new IllegalArgumentException(name + ": all parameters must have one dtype");
            }
        }
        this.weightIh = registerParameter("weight_ih", weightIh);
        this.weightHh = null;
        this.biasIh = biasIh == null ? null : registerParameter("bias_ih", biasIh);
        this.biasHh = null;
    }

    /**
     * Fresh parameters {@code {weight_ih, weight_hh, bias_ih, bias_hh}} (biases null when {@code bias} is
     * false), each {@code U(±1/sqrt(H))}, drawn from {@code rng} in that order.
     */
    protected static Parameter[] freshParameters(String name, int gates, int inputSize, int hiddenSize, boolean bias,
                                                 DType dtype, Rng rng) {
        CellChecks.sizes(name, inputSize, hiddenSize);
        int gh = gates * hiddenSize;
        Parameter wIh = new Parameter(Init.torchDefault(rng, dtype, hiddenSize, gh, inputSize));
        Parameter wHh = new Parameter(Init.torchDefault(rng, dtype, hiddenSize, gh, hiddenSize));
        Parameter bIh = bias ? new Parameter(Init.torchDefault(rng, dtype, hiddenSize, gh)) : null;
        Parameter bHh = bias ? new Parameter(Init.torchDefault(rng, dtype, hiddenSize, gh)) : null;
        return new Parameter[] {wIh, wHh, bIh, bHh};
    }

    /** {@code x Wᵀ + b}, or {@code x Wᵀ} when {@code b} is null: {@code [B, in] -> [B, out]}. */
    protected static Tensor affine(Tensor x, Tensor w, Tensor b) {
        Tensor y = x.matmulTransposed(w);
        return b == null ? y : y.add(b);
    }

    /** Checks {@code x} {@code [B, I]}, its dtype, and every state tensor {@code [B, H]}. */
    protected final void checkStep(Tensor x, RnnState state) {
        String op = name + ".step";
        CellChecks.step(op, x, inputSize, weightIh.dtype(), state);
        List<Tensor> ts = state.tensors();
        for (int k = 0; k < ts.size(); k++) {
            String n = state instanceof LstmState ? (k == 0 ? "state.h" : "state.c") : "state.h";
            if (k == 0 && outputSize != hiddenSize) {   // a projected h: [B, P]
                CellChecks.state(op, n, ts.get(k), x.dim(0), outputSize, "proj", "outputSize (proj_size)");
            } else {
                CellChecks.state(op, n, ts.get(k), x.dim(0), hiddenSize);
            }
        }
    }

    @Override
    public final int inputSize() { return inputSize; }

    @Override
    public final int hiddenSize() { return hiddenSize; }

    @Override
    public final int outputSize() { return outputSize; }

    /** {@code weight_ih} {@code [G·H, I]}. */
    public Parameter weightIh() { return weightIh; }

    /** {@code weight_hh} {@code [G·H, H]}, or null for a cell whose gates read {@code x} only. */
    public Parameter weightHh() { return weightHh; }

    /** {@code bias_ih} {@code [G·H]}, or null without bias. */
    public Parameter biasIh() { return biasIh; }

    /** {@code bias_hh} {@code [G·H]}, or null without bias or without {@code weight_hh}. */
    public Parameter biasHh() { return biasHh; }

    /** Whether the cell has biases. */
    public boolean hasBias() { return biasIh != null; }

    /** The parameters' dtype. */
    public DType dtype() { return weightIh.dtype(); }

    /** A zero tensor {@code [batch, H]}. */
    protected final Tensor zeros(int batch, DType dtype) {
        return Tensor.zeros(dtype, batch, hiddenSize);
    }

    /** A zero tensor {@code [batch, outputSize]}: the initial {@code h}. */
    protected final Tensor zeroOutput(int batch, DType dtype) {
        return Tensor.zeros(dtype, batch, outputSize);
    }

    @Override
    protected String describe() {
        return name + "(inputSize=" + inputSize + ", hiddenSize=" + hiddenSize + ", bias=" + hasBias() + ")";
    }
}
