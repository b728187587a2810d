package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Activation;
import dev.jrnn.nn.Dropout;
import dev.jrnn.nn.Init;
import dev.jrnn.nn.Layer;
import dev.jrnn.nn.Module;
import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.tensor.Shapes;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;

/**
 * Base of the stock recurrent layers {@link SimpleRnn}, {@link Lstm} and {@link Gru}, which match
 * {@code torch.nn.RNN}, {@code torch.nn.LSTM} and {@code torch.nn.GRU}: the same configuration
 * ({@link RnnConfig}), the same parameter names, shapes, gate order and initialisation, the same
 * outputs; of the scan layers {@link MinGru} and {@link MinLstm}, which have the same options and names
 * but only {@code weight_ih} and {@code bias_ih} (their gates read {@code x} alone); of the xLSTM layers
 * {@link SLstm} (an LSTM's parameters) and {@link MLstm} ({@code weight_ih}, {@code bias_ih} and
 * {@code weight_gate_l{k}}, {@code bias_gate_l{k}} for its per-head gates), whose state is an {@link SLstmState}
 * or {@link MLstmState} ({@link RnnOutput#state()}, {@link #forwardFrom}); and of {@link TttLinear},
 * whose {@code weight_ih} holds its three views and which adds parameters of its own.
 *
 * <p><b>Parameters</b>, for layer {@code k} and direction suffix {@code ""} or {@code "_reverse"}, registered
 * in PyTorch's order (layer 0 forward, layer 0 reverse, layer 1 forward, ...), each {@code U(±1/sqrt(H))}:
 * <pre>
 * weight_ih_l{k}{suffix}  [G·H, I_k]     I_0 = inputSize, I_k = H·D for k &gt; 0
 * weight_hh_l{k}{suffix}  [G·H, H]
 * bias_ih_l{k}{suffix}    [G·H]          (with bias)
 * bias_hh_l{k}{suffix}    [G·H]          (with bias)
 * weight_hr_l{k}{suffix}  [P, H]         (LSTM with projSize P &gt; 0; then weight_hh is [4H, P], I_k = P·D)
 * </pre>
 * so {@link #stateDict()} has exactly the keys of PyTorch's {@code state_dict()} and loads its values.
 *
 * <p><b>Forward.</b> {@code x} is {@code [B, T, I]} (or {@code [T, B, I]} with {@code batchFirst(false)}),
 * {@code h0} (and {@code c0}) {@code [L·D, B, H]} or null for zeros, {@code lengths} each sequence's valid
 * length or null. Layer {@code k} runs both directions over its input, the forward direction reading
 * {@code t = 0 .. len−1}, the reverse direction {@code t = len−1 .. 0}; their outputs are concatenated on
 * features (forward first), dropout is applied in training mode, and the result feeds layer {@code k+1}.
 * The result is an {@link RnnOutput}: {@code output [B, T, D·H]}, {@code hN [L·D, B, H]}, {@code cN}.
 * With a projection ({@code projSize = P}) {@code h0}, {@code hN} and the output have {@code P} features per
 * direction where they had {@code H}; {@code c0} and {@code cN} keep {@code H}.
 *
 * <p><b>Two paths, one set of parameters.</b> {@link Path#FAST} (the default) runs each layer-direction
 * as one fused op ({@link RnnKernels#run}, or {@link ScanKernels#run} for the scan layers); {@link Path#READABLE}
 * runs the cells ({@link SimpleRnnCell},
 * {@link LstmCell}, {@link GruCell}) built over the very same {@link Parameter} objects, unrolled by
 * {@link Recurrent}. Both give the same outputs and gradients (tested against each other).
 */
public abstract class RnnBase extends Module {
    /** Which implementation {@code forward} runs; both read the same parameters. */
    public enum Path {
        /** One fused op per layer and direction, with a hand-derived backward ({@link RnnKernels}). */
        FAST,
        /** The cells, one autograd op per equation, unrolled by {@link Recurrent}: the reference. */
        READABLE
    }

    private final RnnConfig config;
    private final Parameter[][] weights;                 // [k·D + d] -> {w_ih, w_hh, b_ih, b_hh, w_hr, w_gate, b_gate}
    private final List<StandardCell<?>> cells = new ArrayList<>();
    private final Dropout dropout;
    private final int heads;
    private Path path = Path.FAST;
    private ScanKernels.Form scanForm = ScanKernels.Form.LOG_SPACE;

    /**
     * Registers fresh parameters, drawn from {@code rng} in registration order.
     *
     * @param expected the modes this subclass accepts (for the error message)
     */
    protected RnnBase(RnnConfig config, DType dtype, Rng rng, CellType... expected) {
        this(config, 1, dtype, rng, expected);
    }

    /**
     * As {@link #RnnBase(RnnConfig, DType, Rng, CellType...)}, for a layer with {@code heads} heads
     * ({@link MLstm}: {@code weight_gate_l{k} [2·heads, I_k]}; 1 for every other layer).
     */
    protected RnnBase(RnnConfig config, int heads, DType dtype, Rng rng, CellType... expected) {
        this.config = Objects.requireNonNull(config, "config");
        this.heads = heads;
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(rng, "rng");
        if (!List.of(expected).contains(config.mode())) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": config.mode is " + config.mode()
                    + ", expected one of " + List.of(expected));
        }
        int h = config.hiddenSize(), gh = config.gates() * h, dirs = config.numDirections(), r = config.stateSize();
        boolean mlstm = config.mode() == CellType.MLSTM;
        if (heads <= 0 || h % heads != 0 || (heads != 1 && !mlstm)) {
            throw new IllegalArgumentException(name() + ": heads must be 1" + (mlstm ? " or a divisor of hiddenSize="
                    + h : " (only MLstm has heads)") + ", got " + heads);
        }
        weights = new Parameter[config.numLayers() * dirs][];
        for (int k = 0; k < config.numLayers(); k++) {
            for (int d = 0; d < dirs; d++) {
                String suffix = "_l" + k + (d == 1 ? "_reverse" : "");
                boolean recurrent = config.mode().hasRecurrentWeights();   // false: a scan layer, x-only gates
                Parameter[] p = new Parameter[7];
                p[0] = registerParameter("weight_ih" + suffix,
                        new Parameter(Init.torchDefault(rng, dtype, h, gh, config.layerInputSize(k))));
                if (recurrent) {
                    p[1] = registerParameter("weight_hh" + suffix, new Parameter(Init.torchDefault(rng, dtype, h, gh, r)));
                }
                if (config.bias()) {
                    p[2] = registerParameter("bias_ih" + suffix, new Parameter(Init.torchDefault(rng, dtype, h, gh)));
                    if (recurrent) {
                        p[3] = registerParameter("bias_hh" + suffix, new Parameter(Init.torchDefault(rng, dtype, h, gh)));
                    }
                }
                if (config.projSize() > 0) {   // after the biases: PyTorch's registration order
                    p[4] = registerParameter("weight_hr" + suffix, new Parameter(Init.torchDefault(rng, dtype, h, r, h)));
                }
                if (mlstm) {                   // mLSTM's input and forget gates, one row per head each
                    p[5] = registerParameter("weight_gate" + suffix, new Parameter(
                            Init.torchDefault(rng, dtype, h, 2 * heads, config.layerInputSize(k))));
                    if (config.bias()) {
                        p[6] = registerParameter("bias_gate" + suffix, new Parameter(Init.torchDefault(rng, dtype, h, 2 * heads)));
                    }
                }
                weights[k * dirs + d] = p;
                cells.add(cellOver(config.mode(), p, heads));
            }
        }
        this.dropout = new Dropout(config.dropout(), new Rng(rng.nextLong()));
    }

    /** The dropout between stacked layers draws its masks from its own generator (not a registered child). */
    @Override
    protected java.util.Map<String, Rng> ownGenerators() {
        java.util.Map<String, Rng> g = dropout.generators();
        return g.isEmpty() ? java.util.Map.of() : java.util.Map.of("dropout", g.get(""));
    }

    /**
     * A fresh stock layer for {@code config.mode()}: {@link Lstm}, {@link Gru}, {@link SimpleRnn}, {@link MinGru},
     * {@link MinLstm}, {@link SLstm} or {@link MLstm} (one head), parameters drawn from {@code rng}. The models that take a cell type by name build their
     * recurrent layers here.
     */
    public static RnnBase create(RnnConfig config, DType dtype, Rng rng) {
        switch (config.mode()) {
            case LSTM: return new Lstm(config, dtype, rng);
            case GRU: case GRU_RESET_BEFORE: return new Gru(config, dtype, rng);
            case MIN_GRU: return new MinGru(config, dtype, rng);
            case MIN_LSTM: return new MinLstm(config, dtype, rng);
            case SLSTM: return new SLstm(config, dtype, rng);
            case MLSTM: return new MLstm(config, 1, dtype, rng);
            case TTT_LINEAR: return new TttLinear(config, TttLinearCell.defaultHeads(config.hiddenSize()), 1, dtype, rng);
            default: return new SimpleRnn(config, dtype, rng);
        }
    }

    /** The readable cell over one layer-direction's parameters (not registered: the parameters already are). */
    private static StandardCell<?> cellOver(CellType mode, Parameter[] p, int heads) {
        switch (mode) {
            case LSTM: return p[4] == null ? LstmCell.over(p[0], p[1], p[2], p[3])
                    : LstmCell.projected(p[0], p[1], p[2], p[3], p[4]);
            case GRU: return GruCell.over(p[0], p[1], p[2], p[3], GruVariant.RESET_AFTER);
            case GRU_RESET_BEFORE: return GruCell.over(p[0], p[1], p[2], p[3], GruVariant.RESET_BEFORE);
            case RNN_RELU: return SimpleRnnCell.over(p[0], p[1], p[2], p[3], Activation.Kind.RELU);
            case MIN_GRU: return MinGruCell.over(p[0], p[2]);
            case MIN_LSTM: return MinLstmCell.over(p[0], p[2]);
            case SLSTM: return SLstmCell.over(p[0], p[1], p[2], p[3]);
            case MLSTM: return MLstmCell.over(p[0], p[2], p[5], p[6], heads);
            case TTT_LINEAR: return null;                                    // TttLinear sets its cells (setCell)
            default: return SimpleRnnCell.over(p[0], p[1], p[2], p[3], Activation.Kind.TANH);
        }
    }

    /** Replaces the cell of layer-direction {@code i} (a subclass whose cells need more than these parameters). */
    protected final void setCell(int i, StandardCell<?> cell) {
        cells.set(i, Objects.requireNonNull(cell, "cell"));
    }

    /** The configuration. */
    public RnnConfig config() { return config; }

    /** The path {@code forward} runs (default {@link Path#FAST}). */
    public Path path() { return path; }

    /** Chooses the path {@code forward} runs; returns this. */
    public RnnBase path(Path path) {
        this.path = Objects.requireNonNull(path, "path");
        return this;
    }

    /** How the fast path of a scan layer ({@link MinGru}, {@link MinLstm}) evaluates its scan (default log space). */
    public ScanKernels.Form scanForm() { return scanForm; }

    /**
     * Chooses how the fast path of a scan layer evaluates its scan: {@link ScanKernels.Form#LOG_SPACE} (default) or
     * {@link ScanKernels.Form#LINEAR} (the same values, fewer exponentials); ignored by the other layers. Returns this.
     */
    public RnnBase scanForm(ScanKernels.Form form) {
        this.scanForm = Objects.requireNonNull(form, "form");
        return this;
    }

    /**
     * Re-initialises the weights as Keras' recurrent layers do by default, for users who compare with Keras or follow
     * its recipes (PyTorch's {@code U(±1/sqrt(H))} for every tensor stays the default of the builders): each
     * layer-direction's {@code weight_ih} ({@code kernel}) Glorot-uniform over fan-in {@code I_layer} and fan-out
     * {@code G·H}; {@code weight_hh} ({@code recurrent_kernel}) {@link Init#orthogonal} as one {@code [G·H, H]}
     * matrix (its columns orthonormal: Keras' {@code [H, G·H]} kernel with orthonormal rows, transposed); biases
     * zero, except an LSTM's forget gate in {@code bias_ih}, 1 (Keras' {@code unit_forget_bias}); an LSTM
     * projection {@code weight_hr} Glorot-uniform. Draws from {@code rng} in a fixed order, so a seed gives one
     * model. Returns this.
     *
     * @throws IllegalArgumentException for a layer Keras has no counterpart of (minGRU, minLSTM, sLSTM, mLSTM,
     *                                  TTT-Linear)
     */
    public RnnBase initKeras(Rng rng) {
        Objects.requireNonNull(rng, "rng");
        CellType mode = config.mode();
        if (!mode.isPackable() || mode == CellType.MIN_GRU || mode == CellType.MIN_LSTM) {
            throw new IllegalArgumentException(name() + ".initKeras: Keras has no " + mode + " layer to follow; "
                    + "Keras initialisation is defined for SimpleRnn, Lstm and Gru");
        }
        final int H = config.hiddenSize(), gh = mode.gates() * H;
        for (int k = 0; k < config.numLayers(); k++) {
            for (int d = 0; d < config.numDirections(); d++) {
                boolean rev = d == 1;
                DType dtype = weightIh(k, rev).data().dtype();
                int in = config.layerInputSize(k);
                weightIh(k, rev).data().copyFrom(Init.glorotUniform(rng, dtype, in, gh, gh, in));
                Parameter whh = weightHh(k, rev);
                whh.data().copyFrom(Init.orthogonal(rng, dtype, 1, gh, whh.data().dim(1)));
                Parameter whr = weightHr(k, rev);
                if (whr != null) {
                    whr.data().copyFrom(Init.glorotUniform(rng, dtype, H, whr.data().dim(0), whr.data().dim(0), H));
                }
                for (Parameter b : new Parameter[] {biasIh(k, rev), biasHh(k, rev)}) {
                    if (b != null) b.data().copyFrom(NdArray.zeros(dtype, gh));
                }
                if (mode == CellType.LSTM && biasIh(k, rev) != null) {
                    for (int j = H; j < 2 * H; j++) biasIh(k, rev).data().setFlat(j, 1);
                }
            }
        }
        return this;
    }

    /** {@code weight_ih_l{layer}[_reverse]} {@code [G·H, I_layer]}. */
    public Parameter weightIh(int layer, boolean reverse) { return weights(layer, reverse)[0]; }

    /** {@code weight_hh_l{layer}[_reverse]} {@code [G·H, H]}, or null for a scan layer ({@link MinGru}, {@link MinLstm}). */
    public Parameter weightHh(int layer, boolean reverse) { return weights(layer, reverse)[1]; }

    /** {@code bias_ih_l{layer}[_reverse]} {@code [G·H]}, or null without bias. */
    public Parameter biasIh(int layer, boolean reverse) { return weights(layer, reverse)[2]; }

    /** {@code bias_hh_l{layer}[_reverse]} {@code [G·H]}, or null without bias or for a scan layer. */
    public Parameter biasHh(int layer, boolean reverse) { return weights(layer, reverse)[3]; }

    /** {@code weight_hr_l{layer}[_reverse]} {@code [P, H]}, or null without a projection. */
    public Parameter weightHr(int layer, boolean reverse) { return weights(layer, reverse)[4]; }

    /** {@code weight_gate_l{layer}[_reverse]} {@code [2·heads, I_layer]} of an {@link MLstm}, else null. */
    public Parameter weightGate(int layer, boolean reverse) { return weights(layer, reverse)[5]; }

    /** {@code bias_gate_l{layer}[_reverse]} {@code [2·heads]} of an {@link MLstm} with bias, else null. */
    public Parameter biasGate(int layer, boolean reverse) { return weights(layer, reverse)[6]; }

    /** Heads of an {@link MLstm} (each with its own matrix memory); 1 for every other layer. */
    public int heads() { return heads; }

    /**
     * The readable cell of one layer-direction, over the layer's own parameters: step it by hand (for
     * example to generate one token at a time from a trained layer) and it computes what the layer does.
     */
    public StandardCell<?> cell(int layer, boolean reverse) {
        return cells.get(index(layer, reverse));
    }

    private Parameter[] weights(int layer, boolean reverse) {
        return weights[index(layer, reverse)];
    }

    private int index(int layer, boolean reverse) {
        if (layer < 0 || layer >= config.numLayers()) {
            throw new IndexOutOfBoundsException(name() + ": layer " + layer + " is out of range 0.." + (config.numLayers() - 1));
        }
        if (reverse && !config.bidirectional()) {
            throw new IllegalArgumentException(name() + ": there is no reverse direction (bidirectional=false)");
        }
        return layer * config.numDirections() + (reverse ? 1 : 0);
    }

    /**
     * Runs the layer from an initial state: null for zeros, a {@link HiddenState} over {@code h0}
     * {@code [L·D, B, H]}, or (for {@link Lstm}) an {@link LstmState} over {@code h0, c0}; for example the
     * previous call's {@link RnnOutput#state()}. (A name of its own, so that {@code forward(x, null, lengths)} on a
     * subclass is never ambiguous.)
     */
    public RnnOutput forwardFrom(Tensor x, RnnState initialState, int[] lengths) {
        if (config.mode().isXlstm()) {
            return runXlstm(x, initialState, lengths);
        }
        if (initialState == null) {
            return run(x, null, null, lengths);
        }
        if (initialState instanceof LstmState) {
            LstmState s = (LstmState) initialState;
            return run(x, s.h(), s.c(), lengths);
        }
        if (initialState instanceof HiddenState) {
            return run(x, initialState.h(), null, lengths);
        }
        throw new IllegalArgumentException(name() + ".forwardFrom: initialState must be a HiddenState or LstmState over "
                + "[numLayers·directions, batch, hidden] tensors, got " + initialState.getClass().getSimpleName());
    }

    /**
     * The whole computation, shared by the subclasses' {@code forward} methods.
     *
     * @param x       {@code [B, T, I]} (or {@code [T, B, I]} when not batch-first)
     * @param h0      {@code [L·D, B, H]} or null for zeros
     * @param c0      {@code [L·D, B, H]} or null for zeros; LSTM only
     * @param lengths valid lengths {@code 1..T}, one per sequence, or null
     */
    protected final RnnOutput run(Tensor x, Tensor h0, Tensor c0, int[] lengths) {
        String op = name() + ".forward";
        if (config.mode().isXlstm()) {
            if (h0 != null || c0 != null) {
                throw new IllegalArgumentException(op + ": an xLSTM layer's state is (h, c, n, m); pass an "
                        + (config.mode() == CellType.SLSTM ? "SLstmState" : "MLstmState")
                        + " to forwardFrom instead of h0/c0");
            }
            return runXlstm(x, null, lengths);
        }
        boolean twoStates = config.mode() == CellType.LSTM || config.mode() == CellType.TTT_LINEAR;
        checkInput(op, x);
        Tensor in = config.batchFirst() ? x : x.transpose(0, 1);          // [B, T, I] inside
        int batch = in.dim(0), time = in.dim(1);
        Sequences.checkLengths(op, lengths, batch, time);
        checkState(op, "h0", h0, batch, x);
        if (c0 != null && !twoStates) {
            throw new IllegalArgumentException(op + ": c0 is for Lstm only (and TttLinear, whose c0 is its fast weights);"
                    + " this layer's state is h alone");
        }
        checkState(op, "c0", c0, batch, x);
        dropout.train(isTraining());
        int dirs = config.numDirections(), layers = config.numLayers();
        List<Tensor> hs = new ArrayList<>(), cs = new ArrayList<>();
        for (int k = 0; k < layers; k++) {
            Tensor[] outs = new Tensor[dirs];
            for (int d = 0; d < dirs; d++) {
                int i = k * dirs + d;
                Tensor hi = h0 == null ? null : h0.select(0, i);            // [B, H]
                Tensor ci = c0 == null ? null : c0.select(0, i);
                RnnKernels.Result r = direction(in, hi, ci, i, lengths, d == 1);
                outs[d] = r.output();                                        // [B, T, H], input time order
                hs.add(r.h());
                if (twoStates) {
                    cs.add(r.c());
                }
            }
            in = dirs == 1 ? outs[0] : Tensor.concat(2, outs);              // [B, T, D·H]: forward | reverse
            if (k < layers - 1) {
                in = dropout.forward(in);                                    // between layers, training only
            }
        }
        Tensor output = config.batchFirst() ? in : in.transpose(0, 1);
        Tensor hN = Tensor.stack(0, hs.toArray(new Tensor[0]));             // [L·D, B, H]
        Tensor cN = twoStates ? Tensor.stack(0, cs.toArray(new Tensor[0])) : null;
        return new RnnOutput(output, hN, cN);
    }

    /**
     * {@link #run} for the xLSTM layers, whose state has four tensors: {@code init} is null or an
     * {@link SLstmState}/{@link MLstmState} over {@code [L·D, B, ·]} tensors, and so is the result's state.
     */
    private RnnOutput runXlstm(Tensor x, RnnState init, int[] lengths) {
        String op = name() + ".forward";
        boolean slstm = config.mode() == CellType.SLSTM;
        checkInput(op, x);
        Tensor in = config.batchFirst() ? x : x.transpose(0, 1);          // [B, T, I] inside
        int batch = in.dim(0), time = in.dim(1), dirs = config.numDirections(), layers = config.numLayers();
        Sequences.checkLengths(op, lengths, batch, time);
        if (init != null && !(slstm ? init instanceof SLstmState : init instanceof MLstmState)) {
            throw new IllegalArgumentException(op + ": initialState must be an " + (slstm ? "SLstmState" : "MLstmState")
                    + " over [numLayers·directions, batch, ·] tensors, got " + init.getClass().getSimpleName());
        }
        int h = config.hiddenSize(), d = h / heads;
        int[] widths = slstm ? new int[] {h, h, h, h} : new int[] {h, heads * d * d, h, heads};
        String[] names = {"h", "c", "n", "m"};
        if (init != null) {
            for (int j = 0; j < 4; j++) {
                Tensor t = init.tensors().get(j);
                int ld = layers * dirs;
                if (t.rank() != 3 || t.dim(0) != ld || t.dim(1) != batch || t.dim(2) != widths[j]) {
                    throw Shapes.mismatch(op, "initialState." + names[j], t.shape(), "[numLayers·directions=" + ld
                            + ", batch=" + batch + ", " + widths[j] + "]");
                }
                if (t.dtype() != x.dtype()) {
                    throw new IllegalArgumentException(op + ": initialState." + names[j] + " is " + t.dtype()
                            + " but x is " + x.dtype());
                }
            }
        }
        dropout.train(isTraining());
        List<List<Tensor>> finals = new ArrayList<>();
        for (int k = 0; k < layers; k++) {
            Tensor[] outs = new Tensor[dirs];
            for (int dir = 0; dir < dirs; dir++) {
                int i = k * dirs + dir;
                List<Tensor> s0 = new ArrayList<>();
                if (init != null) {
                    for (Tensor t : init.tensors()) s0.add(t.select(0, i));   // [B, ·]
                }
                RnnState cellInit = init == null ? null : slstm ? new SLstmState(s0.get(0), s0.get(1), s0.get(2), s0.get(3))
                        : new MLstmState(s0.get(0), s0.get(1), s0.get(2), s0.get(3));
                RnnState last;
                if (!slstm && path == Path.FAST) {                            // mLSTM: the parallel form
                    Parameter[] p = weights[i];
                    MLstmKernels.Result r = MLstmKernels.run(in, (MLstmState) cellInit, p[0], p[2], p[5], p[6], heads,
                            lengths, dir == 1);
                    outs[dir] = r.output();
                    last = r.state();
                } else {                                                      // sLSTM (both paths), mLSTM readable
                    RecurrentResult<?> r = unrollXlstm(cells.get(i), in, cellInit, lengths, dir == 1);
                    outs[dir] = aligned(r.output(), lengths, dir == 1);
                    last = r.state();
                }
                finals.add(last.tensors());
            }
            in = dirs == 1 ? outs[0] : Tensor.concat(2, outs);              // [B, T, D·H]
            if (k < layers - 1) {
                in = dropout.forward(in);
            }
        }
        Tensor output = config.batchFirst() ? in : in.transpose(0, 1);
        List<Tensor> stacked = new ArrayList<>();
        for (int j = 0; j < 4; j++) {
            Tensor[] parts = new Tensor[finals.size()];
            for (int i = 0; i < parts.length; i++) parts[i] = finals.get(i).get(j);
            stacked.add(Tensor.stack(0, parts));                             // [L·D, B, ·]
        }
        RnnState state = slstm ? new SLstmState(stacked.get(0), stacked.get(1), stacked.get(2), stacked.get(3))
                : new MLstmState(stacked.get(0), stacked.get(1), stacked.get(2), stacked.get(3));
        return new RnnOutput(output, stacked.get(0), null, state);
    }

    private static RecurrentResult<?> unrollXlstm(StandardCell<?> cell, Tensor x, RnnState init, int[] lengths,
                                                  boolean reverse) {
        if (cell instanceof SLstmCell sc) {
            return Recurrent.of(sc).unroll(x, lengths, (SLstmState) init, reverse);
        }
        return Recurrent.of((MLstmCell) cell).unroll(x, lengths, (MLstmState) init, reverse);
    }

    /**
     * One layer-direction over {@code x [B, T, I_k]}: {@link Path#FAST} or {@link Path#READABLE}. {@code i} is the
     * layer-direction index {@code k·D + d}; outputs in input time order.
     */
    protected RnnKernels.Result direction(Tensor x, Tensor h0, Tensor c0, int i, int[] lengths, boolean reverse) {
        return path == Path.FAST ? fast(x, h0, c0, i, lengths, reverse) : readable(x, h0, c0, i, lengths, reverse);
    }

    /** The width of {@code c0}/{@code cN}: {@code H} (the LSTM cell state); {@link TttLinear}: its fast weights. */
    protected int secondStateSize() {
        return config.hiddenSize();
    }

    private RnnKernels.Result fast(Tensor x, Tensor h0, Tensor c0, int i, int[] lengths, boolean reverse) {
        Parameter[] p = weights[i];
        if (!config.mode().hasRecurrentWeights()) {
            return ScanKernels.run(config.mode(), x, h0, p[0], p[2], lengths, reverse, scanForm);   // one product, then a scan
        }
        return RnnKernels.run(config.mode(), x, h0, c0, p[0], p[1], p[2], p[3], p[4], lengths, reverse);
    }

    private RnnKernels.Result readable(Tensor x, Tensor h0, Tensor c0, int i, int[] lengths, boolean reverse) {
        StandardCell<?> cell = cells.get(i);
        int batch = x.dim(0);
        Tensor h = h0 != null ? h0 : Tensor.zeros(x.dtype(), batch, config.stateSize());
        if (cell instanceof LstmCell) {
            Tensor c = c0 != null ? c0 : Tensor.zeros(x.dtype(), batch, config.hiddenSize());
            RecurrentResult<LstmState> r = Recurrent.of((LstmCell) cell).unroll(x, lengths, new LstmState(h, c), reverse);
            return new RnnKernels.Result(aligned(r.output(), lengths, reverse), r.state().h(), r.state().c());
        }
        @SuppressWarnings("unchecked")
        StandardCell<HiddenState> hc = (StandardCell<HiddenState>) cell;   // every other stock cell has a HiddenState
        RecurrentResult<HiddenState> r = Recurrent.of(hc).unroll(x, lengths, new HiddenState(h), reverse);
        return new RnnKernels.Result(aligned(r.output(), lengths, reverse), r.state().h(), null);
    }

    /** A backwards pass's outputs come in processing order; PyTorch returns them in the input's time order. */
    static Tensor aligned(Tensor out, int[] lengths, boolean reverse) {
        return reverse ? Sequences.reverse(out, lengths) : out;
    }

    private void checkInput(String op, Tensor x) {
        if (x == null) {
            throw new IllegalArgumentException(op + ": x is null");
        }
        String layout = config.batchFirst() ? "[batch, time, " : "[time, batch, ";
        if (x.rank() != 3 || x.dim(2) != config.inputSize() || x.dim(0) == 0 || x.dim(1) == 0) {
            String hint = x.rank() == 2 ? " An unbatched sequence [time, features] needs a batch axis: reshape it to "
                    + (config.batchFirst() ? "[1, time, features]." : "[time, 1, features].") : "";
            throw Shapes.mismatch(op, "x", x.shape(), layout + config.inputSize() + "] (inputSize="
                    + config.inputSize() + ", batchFirst=" + config.batchFirst() + ")." + hint);
        }
    }

    private void checkState(String op, String name, Tensor s, int batch, Tensor x) {
        if (s == null) {
            return;
        }
        int ld = config.numLayers() * config.numDirections();
        boolean projected = name.equals("h0") && config.projSize() > 0;   // h has proj_size features, c keeps H
        int features = projected ? config.projSize() : name.equals("c0") ? secondStateSize() : config.hiddenSize();
        if (s.rank() != 3 || s.dim(0) != ld || s.dim(1) != batch || s.dim(2) != features) {
            throw Shapes.mismatch(op, name, s.shape(), "[numLayers·directions=" + ld + ", batch=" + batch
                    + (projected ? ", proj_size=" : name.equals("c0") && features != config.hiddenSize() ? ", state=" : ", hidden=") + features + "] (" + name
                    + " is never batch-first, as in PyTorch)");
        }
        if (s.dtype() != x.dtype()) {
            throw new IllegalArgumentException(op + ": " + name + " is " + s.dtype() + " but x is " + x.dtype());
        }
    }

    /** The subclass's name, for messages. */
    protected final String name() {
        return RnnConfig.layerName(config.mode());
    }

    /**
     * This layer as a {@link Layer} for a {@code Sequential}: {@code x -> output} ({@code [B, T, D·H]}) with
     * {@code returnSequences}, else the output at the last step ({@code [B, D·H]}; with two directions the
     * reverse half there has read only the last step: for a summary of the whole sequence use
     * {@link RnnOutput#hN()}). The adapter registers this layer's parameters under the same names and
     * passes its training mode on.
     */
    public Layer asLayer(boolean returnSequences) {
        return new AsLayer(this, returnSequences);
    }

    @Override
    protected String describe() {
        RnnConfig c = config;
        return name() + "(" + c.inputSize() + ", " + c.hiddenSize() + (heads > 1 ? ", heads=" + heads : "")
                + (c.mode() == CellType.RNN_RELU ? ", nonlinearity=relu" : "")
                + (c.mode() == CellType.GRU_RESET_BEFORE ? ", variant=RESET_BEFORE" : "")
                + ", numLayers=" + c.numLayers() + ", bias=" + c.bias() + ", batchFirst=" + c.batchFirst()
                + ", dropout=" + c.dropout() + ", bidirectional=" + c.bidirectional()
                + (c.projSize() > 0 ? ", projSize=" + c.projSize() : "") + ", path=" + path + ")";
    }

    /** The {@link Layer} view of a stock layer ({@link #asLayer}). */
    public static final class AsLayer extends Layer {
        private final RnnBase rnn;
        private final boolean returnSequences;

        AsLayer(RnnBase rnn, boolean returnSequences) {
            this.rnn = rnn;
            this.returnSequences = returnSequences;
            rnn.namedParameters().forEach(this::registerParameter);   // PyTorch names, not "rnn.weight_ih_l0"
        }

        /** The recurrent layer it runs. */
        public RnnBase rnn() { return rnn; }

        /** True when it returns every step's output, false for the last step's only. */
        public boolean returnSequences() { return returnSequences; }

        @Override
        public Tensor forward(Tensor x) {
            rnn.train(isTraining());
            Tensor out = rnn.run(x, null, null, null).output();
            if (returnSequences) {
                return out;
            }
            return rnn.config.batchFirst() ? out.select(1, out.dim(1) - 1) : out.select(0, out.dim(0) - 1);
        }

        @Override
        protected String describe() {
            String d = rnn.describe();
            return d.substring(0, d.length() - 1) + ", returnSequences=" + returnSequences + ")";
        }
    }

    /**
     * A layer from {@code torch.nn.RNNBase}'s constructor arguments, with PyTorch's defaults, so that code ported
     * from PyTorch reads the same tensors the same way:
     * {@code RnnBase.torch("LSTM", 10, 20).numLayers(2).bidirectional(true).build()} is
     * {@code nn.LSTM(10, 20, num_layers=2, bidirectional=True)}. In particular {@code batch_first} starts
     * <b>false</b> here ({@code x} is {@code [time, batch, features]}), unlike the layers' own builders, which default
     * to batch-first; a sequence-first tensor read as batch-first is silently wrong whenever {@code T == B}.
     *
     * @param mode       PyTorch's mode name: {@code "LSTM"}, {@code "GRU"}, {@code "RNN_TANH"} or {@code "RNN_RELU"}
     * @param inputSize  {@code input_size}
     * @param hiddenSize {@code hidden_size}
     * @return a builder with {@code num_layers=1, bias=True, batch_first=False, dropout=0, bidirectional=False}
     * @throws IllegalArgumentException naming the mode and the accepted ones
     */
    public static Builder<? extends RnnBase> torch(String mode, int inputSize, int hiddenSize) {
        Builder<? extends RnnBase> b;
        switch (mode) {
            case "LSTM": b = Lstm.builder(inputSize, hiddenSize); break;
            case "GRU": b = Gru.builder(inputSize, hiddenSize); break;
            case "RNN_TANH": b = SimpleRnn.builder(inputSize, hiddenSize); break;
            case "RNN_RELU": b = SimpleRnn.builder(inputSize, hiddenSize).nonlinearity(Activation.Kind.RELU); break;
            default:
                throw new IllegalArgumentException("RnnBase.torch: mode '" + mode + "' is not one of PyTorch's RNNBase modes"
                        + " LSTM, GRU, RNN_TANH, RNN_RELU");
        }
        return b.batchFirst(false);
    }

    /**
     * Options of a stock layer: the required sizes go to {@code builder(inputSize, hiddenSize)}, everything
     * else has a default here. {@code build()} validates everything (see {@link RnnConfig}).
     *
     * @param <L> the layer built
     */
    public static final class Builder<L extends RnnBase> {
        private final BiFunction<Builder<L>, RnnConfig, L> factory;
        private final String layer;
        private final int inputSize;
        private final int hiddenSize;
        private CellType mode;
        private int numLayers = 1;
        private boolean bias = true;
        private boolean batchFirst = true;
        private double dropout;
        private boolean bidirectional;
        private int projSize;
        private DType dtype = DType.FLOAT32;
        private Rng rng;
        private Path path = Path.FAST;
        private int heads = 1;

        Builder(String layer, CellType mode, int inputSize, int hiddenSize,
                BiFunction<Builder<L>, RnnConfig, L> factory) {
            this.layer = layer;
            this.mode = mode;
            this.inputSize = inputSize;
            this.hiddenSize = hiddenSize;
            this.factory = factory;
        }

        /** Stacked layers {@code L} (default 1). */
        public Builder<L> numLayers(int n) { this.numLayers = n; return this; }

        /** With ({@code true}, the default) or without {@code bias_ih}/{@code bias_hh}. */
        public Builder<L> bias(boolean on) { this.bias = on; return this; }

        /**
         * {@code true} (jrnn's default): {@code x} and {@code output} are {@code [batch, time, features]};
         * {@code false}: {@code [time, batch, features]}, PyTorch's default.
         */
        public Builder<L> batchFirst(boolean on) { this.batchFirst = on; return this; }

        /** Dropout probability in [0, 1) between layers, in training mode only (default 0). */
        public Builder<L> dropout(double p) { this.dropout = p; return this; }

        /** Adds a reverse direction to every layer (default false). */
        public Builder<L> bidirectional(boolean on) { this.bidirectional = on; return this; }

        /** Parameter dtype (default float32). */
        public Builder<L> dtype(DType dtype) { this.dtype = Objects.requireNonNull(dtype); return this; }

        /** Random source for the initial weights and the dropout masks (default {@code new Rng(0)}). */
        public Builder<L> rng(Rng rng) { this.rng = Objects.requireNonNull(rng); return this; }

        /** The path {@code forward} runs (default {@link Path#FAST}). */
        public Builder<L> path(Path path) { this.path = Objects.requireNonNull(path); return this; }

        /** {@link SimpleRnn} only: {@code TANH} (default) or {@code RELU}, as PyTorch's {@code nonlinearity}. */
        public Builder<L> nonlinearity(Activation.Kind kind) {
            if (mode != CellType.RNN_TANH && mode != CellType.RNN_RELU) {
                throw new IllegalStateException(layer + ": nonlinearity is an option of SimpleRnn only");
            }
            if (kind != Activation.Kind.TANH && kind != Activation.Kind.RELU) {
                throw new IllegalArgumentException("SimpleRnn: nonlinearity must be TANH or RELU (as torch.nn.RNN), got "
                        + kind + "; for any other activation use SimpleRnnCell with Recurrent");
            }
            this.mode = kind == Activation.Kind.RELU ? CellType.RNN_RELU : CellType.RNN_TANH;
            return this;
        }

        /**
         * PyTorch's {@code proj_size} (default 0, no projection): an {@link Lstm} with {@code 0 < p < hiddenSize}
         * projects each layer-direction's output with {@code weight_hr_l{k} [p, H]} (see {@link RnnConfig}); any
         * other layer accepts only 0. Checked by {@link #build()}.
         */
        public Builder<L> projSize(int p) { this.projSize = p; return this; }

        /** {@link Gru} only: {@link GruVariant#RESET_AFTER} (default, PyTorch) or {@link GruVariant#RESET_BEFORE}. */
        public Builder<L> variant(GruVariant variant) {
            if (mode != CellType.GRU && mode != CellType.GRU_RESET_BEFORE) {
                throw new IllegalStateException(layer + ": variant is an option of Gru only");
            }
            this.mode = variant == GruVariant.RESET_BEFORE ? CellType.GRU_RESET_BEFORE : CellType.GRU;
            return this;
        }

        /**
         * {@link MLstm} only: heads (default 1), each with its own {@code d × d} matrix memory, {@code d = H / heads};
         * must divide {@code hiddenSize}. Checked by {@link #build()}.
         */
        public Builder<L> heads(int n) {
            if (mode != CellType.MLSTM) {
                throw new IllegalStateException(layer + ": heads is an option of MLstm only");
            }
            this.heads = n;
            return this;
        }

        int heads() { return heads; }

        /** The validated configuration these options describe. */
        public RnnConfig config() {
            return new RnnConfig(mode, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, projSize);
        }

        DType dtype() { return dtype; }

        Rng rng() { return rng == null ? new Rng(0) : rng; }

        /** The layer. */
        public L build() {
            L l = factory.apply(this, config());
            l.path(path);
            return l;
        }
    }
}
