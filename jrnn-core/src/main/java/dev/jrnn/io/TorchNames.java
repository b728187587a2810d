package dev.jrnn.io;

import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.nn.Module;
import dev.jrnn.nn.rnn.TttLinearCell;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Shapes;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PyTorch's names for recurrent parameters ({@code weight_ih_l0}, {@code bias_hh_l1_reverse}, ...): building
 * and parsing them, the shapes PyTorch gives them, and checking a loaded state dict against the expected names
 * and shapes with every problem listed in one message.
 *
 * <p>For layer {@code k} of a recurrent layer with {@code G} gate blocks ({@link #GATES_RNN 1} for a simple RNN,
 * {@link #GATES_GRU 3} for a GRU, {@link #GATES_LSTM 4} for an LSTM), hidden size {@code H}, input size
 * {@code I} and {@code D} directions (1, or 2 when bidirectional):
 * <pre>
 *   weight_ih_l{k}[_reverse]  [G*H, I]     (layer 0)   [G*H, D*H]   (layers above)
 *   weight_hh_l{k}[_reverse]  [G*H, H]
 *   bias_ih_l{k}[_reverse]    [G*H]
 *   bias_hh_l{k}[_reverse]    [G*H]
 *   weight_hr_l{k}[_reverse]  [P, H]       (LSTM with proj_size P &gt; 0 only)
 * </pre>
 * in PyTorch's order: layer by layer, forward direction before reverse, then weight_ih, weight_hh, bias_ih,
 * bias_hh, weight_hr. With a projection {@code weight_hh} is {@code [G*H, P]} and the layers above read
 * {@code D*P} features.
 */
public final class TorchNames {
    /** Gate blocks of a simple (Elman) RNN. */
    public static final int GATES_RNN = 1;
    /** Gate blocks of a GRU (r, z, n). */
    public static final int GATES_GRU = 3;
    /** Gate blocks of an LSTM (i, f, g, o). */
    public static final int GATES_LSTM = 4;

    private static final Pattern NAME = Pattern.compile("(weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)_l(0|[1-9][0-9]{0,8})(_reverse)?");

    private TorchNames() {}

    /** The kinds of recurrent parameters. */
    public enum Kind {
        /** Input-to-hidden weights, {@code [G*H, input]}. */
        WEIGHT_IH("weight_ih"),
        /** Hidden-to-hidden weights, {@code [G*H, H]}. */
        WEIGHT_HH("weight_hh"),
        /** Input-to-hidden bias, {@code [G*H]}. */
        BIAS_IH("bias_ih"),
        /** Hidden-to-hidden bias, {@code [G*H]}. */
        BIAS_HH("bias_hh"),
        /** LSTM projection ({@code proj_size} P), {@code [P, H]}. */
        WEIGHT_HR("weight_hr");

        private final String stem;

        Kind(String stem) {
            this.stem = stem;
        }

        /** The name stem: {@code weight_ih}, {@code weight_hh}, {@code bias_ih}, {@code bias_hh} or {@code weight_hr}. */
        public String stem() { return stem; }

        static Kind ofStem(String stem) {
            for (Kind k : values()) {
                if (k.stem.equals(stem)) return k;
            }
            throw new IllegalArgumentException(stem);
        }
    }

    /**
     * A parsed recurrent parameter name.
     *
     * @param kind    which parameter
     * @param layer   the layer index, {@code >= 0}
     * @param reverse whether it belongs to the reverse direction of a bidirectional layer
     */
    public record Name(Kind kind, int layer, boolean reverse) {
        /** Checks the fields. */
        public Name {
            Objects.requireNonNull(kind, "kind");
            if (layer < 0) {
                throw new IllegalArgumentException("TorchNames: layer index must be >= 0, got " + layer);
            }
        }

        /** The PyTorch name, e.g. {@code weight_ih_l0_reverse}. */
        @Override
        public String toString() {
            return kind.stem + "_l" + layer + (reverse ? "_reverse" : "");
        }
    }

    /**
     * The PyTorch name of a recurrent parameter.
     *
     * @param kind    which parameter
     * @param layer   layer index, {@code >= 0}
     * @param reverse the reverse direction of a bidirectional layer
     * @return e.g. {@code bias_hh_l1_reverse}
     */
    public static String name(Kind kind, int layer, boolean reverse) {
        return new Name(kind, layer, reverse).toString();
    }

    /**
     * {@code weight_ih_l{layer}[_reverse]}.
     *
     * @param layer layer index
     * @param reverse reverse direction
     * @return the name
     */
    public static String weightIh(int layer, boolean reverse) { return name(Kind.WEIGHT_IH, layer, reverse); }

    /**
     * {@code weight_hh_l{layer}[_reverse]}.
     *
     * @param layer layer index
     * @param reverse reverse direction
     * @return the name
     */
    public static String weightHh(int layer, boolean reverse) { return name(Kind.WEIGHT_HH, layer, reverse); }

    /**
     * {@code bias_ih_l{layer}[_reverse]}.
     *
     * @param layer layer index
     * @param reverse reverse direction
     * @return the name
     */
    public static String biasIh(int layer, boolean reverse) { return name(Kind.BIAS_IH, layer, reverse); }

    /**
     * {@code bias_hh_l{layer}[_reverse]}.
     *
     * @param layer layer index
     * @param reverse reverse direction
     * @return the name
     */
    public static String biasHh(int layer, boolean reverse) { return name(Kind.BIAS_HH, layer, reverse); }

    /**
     * {@code weight_hr_l{layer}[_reverse]}: an LSTM's projection {@code [P, H]}.
     *
     * @param layer   layer index
     * @param reverse reverse direction
     * @return the name
     */
    public static String weightHr(int layer, boolean reverse) { return name(Kind.WEIGHT_HR, layer, reverse); }

    /**
     * Parses a recurrent parameter name (exactly, without any module prefix; see {@link #stripPrefix}).
     *
     * @param name a name such as {@code weight_hh_l2_reverse}
     * @return the parsed name, or empty when {@code name} is not a recurrent parameter name (leading zeros in the
     *         layer index, as in {@code l01}, are not PyTorch names and are rejected)
     */
    public static Optional<Name> parse(String name) {
        if (name == null) return Optional.empty();
        Matcher m = NAME.matcher(name);
        if (!m.matches()) return Optional.empty();
        return Optional.of(new Name(Kind.ofStem(m.group(1)), Integer.parseInt(m.group(2)), m.group(3) != null));
    }

    /**
     * The parameter names of a recurrent layer in PyTorch's order ({@code _flat_weights_names}).
     *
     * @param numLayers     number of stacked layers, {@code >= 1}
     * @param bidirectional whether each layer has a reverse direction
     * @param bias          whether the layer has biases
     * @return the names, layer by layer, forward before reverse
     */
    public static List<String> recurrentNames(int numLayers, boolean bidirectional, boolean bias) {
        return recurrentNames(numLayers, bidirectional, bias, false);
    }

    /**
     * As {@link #recurrentNames(int, boolean, boolean)}, with {@code weight_hr_l{k}[_reverse]} after the biases of
     * each layer-direction when {@code projection} (an LSTM with {@code proj_size > 0}).
     *
     * @param numLayers     number of stacked layers, {@code >= 1}
     * @param bidirectional whether each layer has a reverse direction
     * @param bias          whether the layer has biases
     * @param projection    whether each layer-direction has a projection
     * @return the names, layer by layer, forward before reverse
     */
    public static List<String> recurrentNames(int numLayers, boolean bidirectional, boolean bias, boolean projection) {
        if (numLayers < 1) {
            throw new IllegalArgumentException("TorchNames.recurrentNames: numLayers must be >= 1, got " + numLayers);
        }
        List<String> out = new ArrayList<>();
        for (int k = 0; k < numLayers; k++) {
            for (int dir = 0; dir < (bidirectional ? 2 : 1); dir++) {
                boolean rev = dir == 1;
                out.add(weightIh(k, rev));
                out.add(weightHh(k, rev));
                if (bias) {
                    out.add(biasIh(k, rev));
                    out.add(biasHh(k, rev));
                }
                if (projection) {
                    out.add(weightHr(k, rev));
                }
            }
        }
        return out;
    }

    /**
     * The shape of everything a stock layer of {@code cell} holds: {@link #recurrentShapes(int, int, int, int,
     * boolean, boolean)} with {@code G = cell.gates()}, without {@code weight_hh}/{@code bias_hh} for the scan
     * cells ({@code MIN_GRU}, {@code MIN_LSTM}, {@code MLSTM}), whose gates read the input only; an {@code MLSTM}
     * (one head, as the models build it) adds {@code weight_gate_l{k} [2, I_k]} and {@code bias_gate_l{k} [2]}
     * after each layer-direction's {@code bias_ih}.
     *
     * @param cell          the cell type
     * @param inputSize     features per time step of the layer-0 input
     * @param hiddenSize    hidden units per direction
     * @param numLayers     stacked layers
     * @param bidirectional whether each layer has a reverse direction
     * @param bias          whether the layer has biases
     * @return names (PyTorch order) to shapes
     */
    public static Map<String, int[]> recurrentShapes(CellType cell, int inputSize, int hiddenSize,
                                                     int numLayers, boolean bidirectional, boolean bias) {
        return recurrentShapes(cell, inputSize, hiddenSize, numLayers, bidirectional, bias,
                cell == CellType.TTT_LINEAR ? TttLinearCell.defaultHeads(hiddenSize) : 1);
    }

    /**
     * As {@link #recurrentShapes(CellType, int, int, int, boolean, boolean)}, with the head count of a
     * {@code TTT_LINEAR} layer (ignored for the other cells): after every {@code weight_ih}/{@code bias_ih}, per
     * layer-direction {@code ttt_lr_weight [n, I_k]}, {@code ttt_lr_bias [n]}, {@code ttt_w0 [n, d, d]},
     * {@code ttt_norm_weight [n, d]}, {@code ttt_norm_bias [n, d]}, {@code weight_ho [H, H]}, {@code bias_ho [H]}
     * ({@code d = H/n}; biases only with bias), the order in which {@code TttLinear} registers them.
     */
    public static Map<String, int[]> recurrentShapes(CellType cell, int inputSize, int hiddenSize,
                                                     int numLayers, boolean bidirectional, boolean bias, int heads) {
        Map<String, int[]> out = recurrentShapes(cell.gates(), inputSize, hiddenSize, numLayers, bidirectional, bias);
        if (!cell.hasRecurrentWeights()) {
            out.keySet().removeIf(n -> {
                Kind k = parse(n).orElseThrow().kind();
                return k == Kind.WEIGHT_HH || k == Kind.BIAS_HH;
            });
        }
        if (cell == CellType.MLSTM) {   // + weight_gate_l{k} [2, I_k], bias_gate_l{k} [2]: one head
            Map<String, int[]> withGates = new LinkedHashMap<>();
            out.forEach((n, s) -> {
                withGates.put(n, s);
                Name p = parse(n).orElseThrow();
                String suffix = "_l" + p.layer() + (p.reverse() ? "_reverse" : "");
                if (p.kind() == (bias ? Kind.BIAS_IH : Kind.WEIGHT_IH)) {   // after the layer-direction's last entry
                    int[] w = out.get(weightIh(p.layer(), p.reverse()));
                    withGates.put("weight_gate" + suffix, new int[] {2, w[1]});
                    if (bias) {
                        withGates.put("bias_gate" + suffix, new int[] {2});
                    }
                }
            });
            return withGates;
        }
        if (cell == CellType.TTT_LINEAR) {
            if (heads < 1 || hiddenSize % heads != 0) {
                throw new IllegalArgumentException("TorchNames.recurrentShapes: TTT_LINEAR heads must divide hiddenSize="
                        + hiddenSize + ", got " + heads);
            }
            int d = hiddenSize / heads, dirs = bidirectional ? 2 : 1;
            for (int k = 0; k < numLayers; k++) {
                for (int r = 0; r < dirs; r++) {
                    String s = "_l" + k + (r == 1 ? "_reverse" : "");
                    int in = k == 0 ? inputSize : hiddenSize * dirs;
                    out.put("ttt_lr_weight" + s, new int[] {heads, in});
                    if (bias) out.put("ttt_lr_bias" + s, new int[] {heads});
                    out.put("ttt_w0" + s, new int[] {heads, d, d});
                    out.put("ttt_norm_weight" + s, new int[] {heads, d});
                    out.put("ttt_norm_bias" + s, new int[] {heads, d});
                    out.put("weight_ho" + s, new int[] {hiddenSize, hiddenSize});
                    if (bias) out.put("bias_ho" + s, new int[] {hiddenSize});
                }
            }
        }
        return out;
    }

    /**
     * The shape of everything a recurrent layer holds.
     *
     * @param gates         gate blocks: {@link #GATES_RNN}, {@link #GATES_GRU} or {@link #GATES_LSTM}
     * @param inputSize     features per time step of the layer-0 input
     * @param hiddenSize    hidden units per direction
     * @param numLayers     stacked layers
     * @param bidirectional whether each layer has a reverse direction
     * @param bias          whether the layer has biases
     * @return names (PyTorch order) to shapes
     */
    public static Map<String, int[]> recurrentShapes(int gates, int inputSize, int hiddenSize, int numLayers,
                                                     boolean bidirectional, boolean bias) {
        return recurrentShapes(gates, inputSize, hiddenSize, numLayers, bidirectional, bias, 0);
    }

    /**
     * As {@link #recurrentShapes(int, int, int, int, boolean, boolean)} for an LSTM with {@code proj_size}
     * {@code projSize} (0 for none): {@code weight_hh [G*H, P]}, {@code weight_hr [P, H]}, layers above 0 read
     * {@code D*P}.
     *
     * @param gates         gate blocks
     * @param inputSize     features per time step of the layer-0 input
     * @param hiddenSize    hidden units per direction
     * @param numLayers     stacked layers
     * @param bidirectional whether each layer has a reverse direction
     * @param bias          whether the layer has biases
     * @param projSize      PyTorch's {@code proj_size}, 0 for none
     * @return names (PyTorch order) to shapes
     */
    public static Map<String, int[]> recurrentShapes(int gates, int inputSize, int hiddenSize, int numLayers,
                                                     boolean bidirectional, boolean bias, int projSize) {
        if (projSize < 0 || projSize > 0 && (gates != GATES_LSTM || projSize >= hiddenSize)) {
            throw new IllegalArgumentException("TorchNames.recurrentShapes: projSize must be 0, or for an LSTM in 1.."
                    + (hiddenSize - 1) + ", got projSize=" + projSize + " with gates=" + gates);
        }
        if (gates < 1 || inputSize < 1 || hiddenSize < 1) {
            throw new IllegalArgumentException("TorchNames.recurrentShapes: gates, inputSize and hiddenSize must be >= 1,"
                    + " got gates=" + gates + ", inputSize=" + inputSize + ", hiddenSize=" + hiddenSize);
        }
        int gh = gates * hiddenSize;
        int dirs = bidirectional ? 2 : 1;
        int r = projSize > 0 ? projSize : hiddenSize;   // the features of h
        Map<String, int[]> out = new LinkedHashMap<>();
        for (String n : recurrentNames(numLayers, bidirectional, bias, projSize > 0)) {
            Name p = parse(n).orElseThrow();
            switch (p.kind()) {
                case WEIGHT_IH: out.put(n, new int[] {gh, p.layer() == 0 ? inputSize : dirs * r}); break;
                case WEIGHT_HH: out.put(n, new int[] {gh, r}); break;
                case WEIGHT_HR: out.put(n, new int[] {projSize, hiddenSize}); break;
                default: out.put(n, new int[] {gh});
            }
        }
        return out;
    }

    /**
     * The configuration of a PyTorch recurrent layer, as read off its state dict by {@link #infer}.
     *
     * @param gates         gate blocks (1, 3 or 4)
     * @param inputSize     features per time step of the layer-0 input
     * @param hiddenSize    hidden units per direction
     * @param numLayers     stacked layers
     * @param bidirectional whether there is a reverse direction
     * @param bias          whether there are biases
     * @param projSize      an LSTM's {@code proj_size} (0 for none)
     */
    public record RecurrentSpec(int gates, int inputSize, int hiddenSize, int numLayers, boolean bidirectional,
                                boolean bias, int projSize) {
        /**
         * A configuration without a projection.
         *
         * @param gates         gate blocks (1, 3 or 4)
         * @param inputSize     features per time step of the layer-0 input
         * @param hiddenSize    hidden units per direction
         * @param numLayers     stacked layers
         * @param bidirectional whether there is a reverse direction
         * @param bias          whether there are biases
         */
        public RecurrentSpec(int gates, int inputSize, int hiddenSize, int numLayers, boolean bidirectional,
                             boolean bias) {
            this(gates, inputSize, hiddenSize, numLayers, bidirectional, bias, 0);
        }

        /**
         * The names and shapes this configuration holds; see {@link TorchNames#recurrentShapes}.
         *
         * @return them
         */
        public Map<String, int[]> shapes() {
            return recurrentShapes(gates, inputSize, hiddenSize, numLayers, bidirectional, bias, projSize);
        }
    }

    /**
     * Reads a recurrent layer's configuration off its PyTorch state dict (names without prefix), then checks that
     * the state dict holds exactly the names and shapes of that configuration.
     *
     * @param state the parameters, e.g. from {@link Safetensors#read} after {@link #stripPrefix}
     * @param gates gate blocks of the expected cell: {@link #GATES_RNN}, {@link #GATES_GRU} or {@link #GATES_LSTM}
     * @return the configuration
     * @throws IllegalArgumentException listing every missing, unexpected or misshapen parameter
     */
    public static RecurrentSpec infer(Map<String, NdArray> state, int gates) {
        NdArray wih = state.get(weightIh(0, false));
        NdArray whh = state.get(weightHh(0, false));
        if (wih == null || whh == null || wih.rank() != 2 || whh.rank() != 2) {
            throw new IllegalArgumentException("TorchNames.infer: need 2-D " + weightIh(0, false) + " and "
                    + weightHh(0, false) + " to read the sizes from, found " + describe(state));
        }
        NdArray whr = state.get(weightHr(0, false));
        if (whr != null) {
            return inferProjected(state, gates, wih, whh, whr);
        }
        int hidden = whh.dim(1);
        if (hidden < 1 || whh.dim(0) != gates * hidden) {
            throw new IllegalArgumentException("TorchNames.infer: " + weightHh(0, false) + " has shape "
                    + Shapes.str(whh.shape()) + ", expected [" + gates + "*H, H] for a cell with " + gates
                    + " gate block(s) (" + gateHint(gates) + "); is this the right cell type?");
        }
        Layout l = layout(state);
        RecurrentSpec spec = new RecurrentSpec(gates, wih.dim(1), hidden, l.layers(), l.reverse(), l.bias());
        check("TorchNames.infer (" + spec + ")", spec.shapes(), state);
        return spec;
    }

    /** {@link #infer} for a state dict with {@code weight_hr_l0 [P, H]}: an LSTM with {@code proj_size = P}. */
    private static RecurrentSpec inferProjected(Map<String, NdArray> state, int gates, NdArray wih, NdArray whh,
                                                NdArray whr) {
        if (gates != GATES_LSTM || whr.rank() != 2) {
            throw new IllegalArgumentException("TorchNames.infer: " + weightHr(0, false) + " " + Shapes.str(whr.shape())
                    + " is an LSTM projection [proj_size, H], but the expected cell has " + gates + " gate block(s) ("
                    + gateHint(gates) + "); only an LSTM has weight_hr");
        }
        int proj = whr.dim(0), hidden = whr.dim(1);
        if (proj < 1 || hidden <= proj || whh.dim(0) != gates * hidden || whh.dim(1) != proj) {
            throw new IllegalArgumentException("TorchNames.infer: " + weightHr(0, false) + " has shape "
                    + Shapes.str(whr.shape()) + " and " + weightHh(0, false) + " " + Shapes.str(whh.shape())
                    + "; a projected LSTM has weight_hr [P, H] with 0 < P < H and weight_hh [4*H, P]");
        }
        Layout l = layout(state);
        RecurrentSpec spec = new RecurrentSpec(gates, wih.dim(1), hidden, l.layers(), l.reverse(), l.bias(), proj);
        check("TorchNames.infer (" + spec + ")", spec.shapes(), state);
        return spec;
    }

    /** What the names of a state dict say: how many layers, whether a reverse direction and biases. */
    private record Layout(int layers, boolean reverse, boolean bias) {}

    private static Layout layout(Map<String, NdArray> state) {
        int layers = 0;
        boolean reverse = false, bias = false;
        for (String n : state.keySet()) {
            Optional<Name> p = parse(n);
            if (p.isPresent()) {
                layers = Math.max(layers, p.get().layer() + 1);
                reverse |= p.get().reverse();
                bias |= p.get().kind() == Kind.BIAS_IH || p.get().kind() == Kind.BIAS_HH;
            }
        }
        return new Layout(layers, reverse, bias);
    }

    private static String gateHint(int gates) {
        switch (gates) {
            case GATES_RNN: return "simple RNN";
            case GATES_GRU: return "GRU";
            case GATES_LSTM: return "LSTM";
            default: return "custom";
        }
    }

    private static String describe(Map<String, NdArray> state) {
        StringBuilder sb = new StringBuilder("{");
        int i = 0;
        for (Map.Entry<String, NdArray> e : state.entrySet()) {
            if (i++ > 0) sb.append(", ");
            if (i > 12) {
                sb.append("... ").append(state.size() - 12).append(" more");
                break;
            }
            sb.append(e.getKey()).append(' ').append(e.getValue() == null ? "null" : Shapes.str(e.getValue().shape()));
        }
        return sb.append('}').toString();
    }

    /**
     * The shapes of a state dict (or of a module's {@link Module#stateDict()}), for {@link #check}.
     *
     * @param state parameters by name
     * @return the same names (same order) mapped to shapes
     */
    public static Map<String, int[]> shapesOf(Map<String, NdArray> state) {
        Map<String, int[]> out = new LinkedHashMap<>();
        state.forEach((n, a) -> out.put(n, a.shape()));
        return out;
    }

    /**
     * The shapes a module expects, i.e. {@code shapesOf(module.stateDict())}.
     *
     * @param module any module
     * @return its parameter names mapped to shapes
     */
    public static Map<String, int[]> shapesOf(Module module) {
        return shapesOf(module.stateDict());
    }

    /**
     * Compares a state dict with the expected names and shapes.
     *
     * @param expected names to shapes
     * @param actual   the loaded parameters
     * @return the problems (missing names, unexpected names, shape mismatches), empty when everything matches
     */
    public static List<String> problems(Map<String, int[]> expected, Map<String, NdArray> actual) {
        List<String> problems = new ArrayList<>();
        TreeSet<String> missing = new TreeSet<>(expected.keySet());
        missing.removeAll(actual.keySet());
        TreeSet<String> unexpected = new TreeSet<>(actual.keySet());
        unexpected.removeAll(expected.keySet());
        if (!missing.isEmpty()) problems.add("missing: " + missing);
        if (!unexpected.isEmpty()) {
            String hint = "";
            for (String u : unexpected) {
                int dot = u.lastIndexOf('.');
                if (dot > 0 && missing.contains(u.substring(dot + 1))) {
                    hint = " (names look prefixed with '" + u.substring(0, dot + 1)
                            + "'; remove the prefix with TorchNames.stripPrefix)";
                    break;
                }
            }
            problems.add("unexpected: " + unexpected + hint);
        }
        expected.forEach((n, shape) -> {
            NdArray v = actual.get(n);
            if (actual.containsKey(n) && v == null) {
                problems.add(n + " is null");
            } else if (v != null && !Arrays.equals(v.shape(), shape)) {
                problems.add(n + " has shape " + Shapes.str(v.shape()) + ", expected " + Shapes.str(shape));
            }
        });
        return problems;
    }

    /**
     * Checks a state dict against the expected names and shapes, in the same form as
     * {@link Module#loadStateDict}.
     *
     * @param context  what is being loaded, first in the message (e.g. a file name)
     * @param expected names to shapes
     * @param actual   the loaded parameters
     * @throws IllegalArgumentException listing all missing names, unexpected names and shape mismatches at once
     */
    public static void check(String context, Map<String, int[]> expected, Map<String, NdArray> actual) {
        List<String> problems = problems(expected, actual);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(context + ": " + String.join("; ", problems));
        }
    }

    /**
     * The entries whose names start with {@code prefix}, with the prefix removed (e.g. {@code "rnn."} turns
     * {@code rnn.weight_ih_l0} into {@code weight_ih_l0}). Other entries are left out.
     *
     * @param state  parameters by name
     * @param prefix the prefix, usually ending in a dot
     * @return a new map, same order
     */
    public static Map<String, NdArray> stripPrefix(Map<String, NdArray> state, String prefix) {
        Map<String, NdArray> out = new LinkedHashMap<>();
        state.forEach((n, a) -> {
            if (n.startsWith(prefix)) out.put(n.substring(prefix.length()), a);
        });
        return out;
    }

    /**
     * The same entries with {@code prefix} put before every name.
     *
     * @param state  parameters by name
     * @param prefix the prefix, usually ending in a dot
     * @return a new map, same order
     */
    public static Map<String, NdArray> addPrefix(Map<String, NdArray> state, String prefix) {
        Map<String, NdArray> out = new LinkedHashMap<>();
        state.forEach((n, a) -> out.put(prefix + n, a));
        return out;
    }
}
