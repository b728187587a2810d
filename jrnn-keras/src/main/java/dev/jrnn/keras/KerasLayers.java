package dev.jrnn.keras;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.io.Json;
import dev.jrnn.io.KerasImport;
import dev.jrnn.nn.Dropout;
import dev.jrnn.nn.Module;
import dev.jrnn.nn.Parameter;
import dev.jrnn.nn.rnn.Bidirectional;
import dev.jrnn.nn.rnn.BidirectionalResult;
import dev.jrnn.nn.rnn.GruVariant;
import dev.jrnn.nn.rnn.MergeMode;
import dev.jrnn.nn.rnn.Recurrent;
import dev.jrnn.nn.rnn.RecurrentResult;
import dev.jrnn.nn.rnn.RnnState;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds a {@link KerasModel} from a {@link KerasFile}: reads the graph out of the configuration, then turns each
 * Keras layer into a jrnn module with its weights (converted by {@link KerasImport}) and checks every weight's shape
 * against the configuration before it is used.
 */
final class KerasLayers {
    /** The layer classes jrnn runs, for messages. */
    static final List<String> SUPPORTED = List.of("InputLayer", "Embedding", "Masking", "SimpleRNN", "LSTM", "GRU",
            "Bidirectional", "Dense", "Activation", "Dropout", "Flatten", "Concatenate", "Add");

    private KerasLayers() {}

    /** A tensor flowing along the graph, with the valid length of each sequence when a mask travels with it. */
    record Value(Tensor x, int[] lengths) {}

    /** Output {@code index} of layer {@code layer}. */
    record Ref(String layer, int index) {}

    /** One layer's computation: its inputs (one per inbound tensor) to its outputs. */
    interface Fn {
        List<Value> apply(List<Value> in, boolean training);
    }

    /** A layer of the graph: its name and class, what it computes, its module (parameters) and its inputs. */
    record Node(String name, String className, Fn layer, Module module, List<Ref> inbound) {}

    /** One layer's configuration with the file it came from, for typed reads and messages. */
    record Layer(KerasFile file, String name, String className, Map<String, Object> cfg) {
        String where() {
            return file.source() + ": layer '" + name + "' (" + className + ")";
        }

        KerasException error(String what) {
            return new KerasException(where() + ": " + what);
        }

        Object get(String... keys) {
            for (String k : keys) {
                Object v = cfg.get(k);
                if (v != null && v != Json.NULL) return v;
            }
            return null;
        }

        int integer(String... keys) throws KerasException {
            Object v = get(keys);
            if (!(v instanceof BigInteger b) || b.bitLength() > 31 || b.signum() <= 0) {
                throw error("expected a positive integer for " + String.join(" / ", keys) + ", found " + v);
            }
            return b.intValue();
        }

        boolean flag(boolean fallback, String... keys) throws KerasException {
            Object v = get(keys);
            if (v == null) return fallback;
            if (!(v instanceof Boolean b)) throw error("expected true or false for " + keys[0] + ", found " + v);
            return b;
        }

        String text(String fallback, String... keys) throws KerasException {
            Object v = get(keys);
            if (v == null) return fallback;
            if (v instanceof Map<?, ?> m && m.get("class_name") instanceof String s) return s;   // serialised function
            if (!(v instanceof String s)) throw error("expected a string for " + keys[0] + ", found " + v);
            return s;
        }

        KerasActivation activation(String fallback, String... keys) throws KerasException {
            String a = text(fallback, keys);
            KerasActivation act = KerasActivation.byName(a, file.isKeras3());
            if (act == null) {
                throw error(keys[0] + " '" + a + "' is not supported; supported: " + KerasActivation.SUPPORTED);
            }
            return act;
        }
    }

    // ------------------------------------------------------------------ graph

    static KerasModel build(KerasFile file, DType dtype) throws KerasException {
        Map<String, Object> root = file.config();
        String cls = String.valueOf(root.get("class_name"));
        Object config = root.get("config");
        List<Node> nodes = new ArrayList<>();
        List<Ref> inputs = new ArrayList<>(), outputs = new ArrayList<>();
        Set<String> used = new HashSet<>();
        if (cls.equals("Sequential")) {
            List<Map<String, Object>> layers = layerList(file, config instanceof Map<?, ?> m ? m.get("layers") : config);
            String previous = null;
            for (int i = 0; i < layers.size(); i++) {
                Layer l = layer(file, layers.get(i));
                if (i == 0) {
                    previous = l.className().equals("InputLayer") ? l.name() : "input";
                    inputs.add(new Ref(previous, 0));
                    nodes.add(new Node(previous, "InputLayer", (in, t) -> in, null, List.of()));
                    if (l.className().equals("InputLayer")) continue;
                }
                nodes.add(node(l, List.of(new Ref(previous, 0)), dtype, used));
                previous = l.name();
            }
            if (previous == null) throw new KerasException(file.source() + ": the Sequential model has no layers");
            outputs.add(new Ref(previous, 0));
        } else if (cls.equals("Model") || cls.equals("Functional")) {
            if (!(config instanceof Map<?, ?> cm)) throw new KerasException(file.source() + ": " + cls + " config is not an object");
            for (Map<String, Object> raw : layerList(file, cm.get("layers"))) {
                Layer l = layer(file, raw);
                List<Ref> inbound = inbound(l, raw.get("inbound_nodes"));
                if (inbound.isEmpty()) {
                    if (!l.className().equals("InputLayer")) {
                        throw l.error("has no inbound nodes but is not an InputLayer");
                    }
                    nodes.add(new Node(l.name(), "InputLayer", (in, t) -> in, null, List.of()));
                } else {
                    nodes.add(node(l, inbound, dtype, used));
                }
            }
            inputs.addAll(refs(file, "input_layers", cm.get("input_layers")));
            outputs.addAll(refs(file, "output_layers", cm.get("output_layers")));
        } else {
            throw new KerasException(file.source() + ": model class '" + cls + "' is not supported; supported: Sequential,"
                    + " Model / Functional (a graph of single-use layers)");
        }
        Set<String> names = new HashSet<>();
        for (Node n : nodes) names.add(n.name());
        for (Ref r : outputs) {
            if (!names.contains(r.layer())) throw new KerasException(file.source() + ": output layer " + r.layer() + " is not in the model");
        }
        for (String w : file.layersWithWeights()) {
            if (!file.weights(w).isEmpty() && !used.contains(w)) {
                throw new KerasException(file.source() + ": the weights file has weights for layer '" + w
                        + "', which the model config does not use (a config from another model?)");
            }
        }
        return new KerasModel(file.source(), nodes, inputs, outputs);
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> layerList(KerasFile file, Object v) throws KerasException {
        if (!(v instanceof List<?> list)) throw new KerasException(file.source() + ": the model config has no list of layers");
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof Map)) throw new KerasException(file.source() + ": a layer entry is not an object: " + o);
            out.add((Map<String, Object>) o);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static Layer layer(KerasFile file, Map<String, Object> raw) throws KerasException {
        Object cls = raw.get("class_name"), cfg = raw.get("config");
        if (!(cls instanceof String c) || !(cfg instanceof Map)) {
            throw new KerasException(file.source() + ": a layer entry lacks class_name or config (keys " + raw.keySet() + ")");
        }
        Map<String, Object> m = (Map<String, Object>) cfg;
        Object name = m.containsKey("name") ? m.get("name") : raw.get("name");
        if (!(name instanceof String n)) throw new KerasException(file.source() + ": a " + c + " layer has no name");
        return new Layer(file, n, c, m);
    }

    /** Keras 2 {@code [[["in", 0, 0, {}], ...]]} or Keras 3 {@code [{"args": [...keras_history...]}]}. */
    private static List<Ref> inbound(Layer l, Object v) throws KerasException {
        if (v == null || v == Json.NULL || (v instanceof List<?> e && e.isEmpty())) return List.of();
        if (!(v instanceof List<?> calls)) throw l.error("inbound_nodes is not a list");
        if (calls.size() != 1) {
            throw l.error("is called " + calls.size() + " times (a shared layer); jrnn supports layers used once");
        }
        List<Ref> out = new ArrayList<>();
        Object call = calls.get(0);
        if (call instanceof Map<?, ?> m) {
            collectHistory(l, m.get("args"), out);
        } else if (call instanceof List<?> tensors) {
            for (Object t : tensors) out.add(ref(l, t));
        } else {
            throw l.error("cannot read inbound_nodes entry " + call);
        }
        if (out.isEmpty()) throw l.error("inbound_nodes names no input tensor");
        return out;
    }

    private static void collectHistory(Layer l, Object v, List<Ref> out) throws KerasException {
        if (v instanceof Map<?, ?> m) {
            if ("__keras_tensor__".equals(m.get("class_name")) && m.get("config") instanceof Map<?, ?> c) {
                out.add(ref(l, c.get("keras_history")));
            } else {
                for (Object o : m.values()) collectHistory(l, o, out);
            }
        } else if (v instanceof List<?> list) {
            for (Object o : list) collectHistory(l, o, out);
        }
    }

    /** {@code ["layer", nodeIndex, tensorIndex, ...]}. */
    private static Ref ref(Layer l, Object v) throws KerasException {
        if (!(v instanceof List<?> t) || t.size() < 3 || !(t.get(0) instanceof String name)
                || !(t.get(1) instanceof BigInteger node) || !(t.get(2) instanceof BigInteger index)) {
            throw l.error("cannot read the inbound tensor " + v + "; expected [layer, node_index, tensor_index]");
        }
        if (node.signum() != 0) throw l.error("reads node " + node + " of layer " + name + " (a shared layer); jrnn supports layers used once");
        return new Ref(name, index.intValueExact());
    }

    private static List<Ref> refs(KerasFile file, String key, Object v) throws KerasException {
        if (!(v instanceof List<?> list) || list.isEmpty()) throw new KerasException(file.source() + ": the model config has no " + key);
        Layer model = new Layer(file, "(model)", "Model", Map.of());
        if (list.get(0) instanceof String) return List.of(ref(model, list));   // Keras 3 writes a single one flat
        List<Ref> out = new ArrayList<>();
        for (Object o : list) out.add(ref(model, o));
        return out;
    }

    // ------------------------------------------------------------------ layers

    private static Node node(Layer l, List<Ref> inbound, DType dtype, Set<String> used) throws KerasException {
        List<NdArray> w = l.file().weights(l.name());
        List<String> names = l.file().weightNames(l.name());
        used.add(l.name());
        boolean many = l.className().equals("Concatenate") || l.className().equals("Add");
        if (!many && inbound.size() != 1) throw l.error("has " + inbound.size() + " inputs, expected 1");
        switch (l.className()) {
            case "InputLayer":
                return new Node(l.name(), l.className(), (in, t) -> in, null, inbound);
            case "Dropout": case "SpatialDropout1D": {
                Object rate = l.get("rate", "p");
                double p = rate instanceof BigDecimal d ? d.doubleValue() : rate instanceof BigInteger b ? b.doubleValue() : 0;
                Dropout d = new Dropout(p, new Rng(0x5eedL));
                return new Node(l.name(), l.className(), (in, t) -> {
                    d.train(t);
                    return List.of(new Value(d.forward(in.get(0).x()), in.get(0).lengths()));
                }, d, inbound);
            }
            case "Activation": {
                KerasActivation a = l.activation("linear", "activation");
                return new Node(l.name(), l.className(), (in, t) -> List.of(new Value(a.apply(in.get(0).x()), in.get(0).lengths())), null, inbound);
            }
            case "Flatten":
                return new Node(l.name(), l.className(), (in, t) -> {
                    Tensor x = in.get(0).x();
                    return List.of(new Value(x.reshape(x.dim(0), -1), null));
                }, null, inbound);
            case "Concatenate": {
                Object axis = l.get("axis");
                int ax = axis instanceof BigInteger b ? b.intValueExact() : -1;
                return new Node(l.name(), l.className(), (in, t) -> {
                    Tensor[] parts = new Tensor[in.size()];
                    for (int i = 0; i < parts.length; i++) parts[i] = in.get(i).x();
                    return List.of(new Value(Tensor.concat(ax < 0 ? parts[0].rank() + ax : ax, parts), in.get(0).lengths()));
                }, null, inbound);
            }
            case "Add":
                return new Node(l.name(), l.className(), (in, t) -> {
                    Tensor s = in.get(0).x();
                    for (int i = 1; i < in.size(); i++) s = s.add(in.get(i).x());
                    return List.of(new Value(s, in.get(0).lengths()));
                }, null, inbound);
            case "Masking":
                return masking(l, inbound);
            case "Dense":
                return dense(l, w, names, dtype, inbound);
            case "Embedding":
                return embedding(l, w, dtype, inbound);
            case "SimpleRNN": case "LSTM": case "GRU": {
                Recurrent<RnnState> r = Recurrent.of(cell(l, w, names, dtype))
                        .returnSequences(l.flag(false, "return_sequences")).goBackwards(l.flag(false, "go_backwards"));
                boolean returnState = l.flag(false, "return_state");
                return new Node(l.name(), l.className(), (in, t) -> {
                    Value v = in.get(0);
                    RecurrentResult<RnnState> res = r.forward(v.x(), v.lengths(), null);
                    List<Value> out = new ArrayList<>();
                    boolean seq = r.isReturnSequences();
                    out.add(new Value(res.output(), seq ? v.lengths() : null));
                    if (returnState) {
                        for (Tensor s : res.state().tensors()) out.add(new Value(s, null));
                    }
                    return out;
                }, r, inbound);
            }
            case "Bidirectional":
                return bidirectional(l, w, names, dtype, inbound);
            default:
                throw l.error("layer class " + l.className() + " is not supported; supported: " + SUPPORTED);
        }
    }

    private static Node masking(Layer l, List<Ref> inbound) throws KerasException {
        double value = maskValue(l, l.get("mask_value"));
        return new Node(l.name(), l.className(), (in, t) -> {
            Tensor x = in.get(0).x();                                                    // [B, T, F]
            if (x.rank() != 3) throw new IllegalArgumentException(l.where() + ": expected input [batch, time, features], got rank " + x.rank());
            int batch = x.dim(0), time = x.dim(1), feat = x.dim(2);
            boolean[][] valid = new boolean[batch][time];
            for (int b = 0; b < batch; b++) {
                for (int s = 0; s < time; s++) {
                    for (int f = 0; f < feat && !valid[b][s]; f++) valid[b][s] = x.data().get(b, s, f) != value;
                }
            }
            return List.of(new Value(x, lengths(l, valid)));
        }, null, inbound);
    }

    private static double maskValue(Layer l, Object v) throws KerasException {
        if (v == null) return 0;
        if (v instanceof BigDecimal d) return d.doubleValue();
        if (v instanceof BigInteger b) return b.doubleValue();
        if (v instanceof Map<?, ?> m && m.get("config") instanceof Map<?, ?> c) {               // Keras 3 __tensor__
            Object val = c.get("value");
            while (val instanceof List<?> list && list.size() == 1) val = list.get(0);
            if (val instanceof BigDecimal || val instanceof BigInteger) return maskValue(l, val);
        }
        throw l.error("mask_value " + v + " is not supported; expected one number");
    }

    /** The lengths a per-step mask stands for; refused unless each sequence's valid steps come first. */
    static int[] lengths(Layer l, boolean[][] valid) {
        int[] len = new int[valid.length];
        boolean full = true;
        for (int b = 0; b < valid.length; b++) {
            int n = 0;
            while (n < valid[b].length && valid[b][n]) n++;
            for (int s = n; s < valid[b].length; s++) {
                if (valid[b][s]) {
                    throw new IllegalArgumentException(l.where() + ": sequence " + b + " has a masked step " + n
                            + " before the unmasked step " + s + "; jrnn supports masks that pad the end of each sequence");
                }
            }
            if (n == 0) {
                throw new IllegalArgumentException(l.where() + ": sequence " + b + " is masked at every step; each sequence"
                        + " needs at least one unmasked step");
            }
            len[b] = n;
            full &= n == valid[b].length;
        }
        return full ? null : len;
    }

    private static Node dense(Layer l, List<NdArray> w, List<String> names, DType dtype, List<Ref> inbound) throws KerasException {
        int units = l.integer("units", "output_dim");
        boolean useBias = l.flag(true, "use_bias", "bias");
        KerasActivation act = l.activation("linear", "activation");
        expectCount(l, w, useBias ? 2 : 1, useBias ? "kernel, bias" : "kernel");
        NdArray kernel = w.get(0);
        if (kernel.rank() != 2 || kernel.dim(1) != units) {
            throw l.error("kernel " + names.get(0) + " has shape " + Arrays.toString(kernel.shape()) + ", expected [input, " + units + "]");
        }
        if (useBias && !w.get(1).hasShape(units)) {
            throw l.error("bias " + names.get(1) + " has shape " + Arrays.toString(w.get(1).shape()) + ", expected [" + units + "]");
        }
        DenseWeights m = new DenseWeights(kernel.to(dtype), useBias ? w.get(1).to(dtype) : null);
        Parameter k = m.kernel, bias = m.bias;
        return new Node(l.name(), l.className(), (in, t) -> {
            Tensor x = in.get(0).x();
            if (x.dim(x.rank() - 1) != k.dim(0)) {
                throw new IllegalArgumentException(l.where() + ": input has " + x.dim(x.rank() - 1) + " features, expected " + k.dim(0));
            }
            Tensor y = x.matmul(k);                                                          // [..., units]
            if (bias != null) y = y.add(bias);
            return List.of(new Value(act.apply(y), in.get(0).lengths()));
        }, m, inbound);
    }

    private static Node embedding(Layer l, List<NdArray> w, DType dtype, List<Ref> inbound) throws KerasException {
        int vocab = l.integer("input_dim"), dim = l.integer("output_dim");
        boolean maskZero = l.flag(false, "mask_zero");
        expectCount(l, w, 1, "embeddings");
        if (!w.get(0).hasShape(vocab, dim)) {
            throw l.error("embeddings have shape " + Arrays.toString(w.get(0).shape()) + ", expected [" + vocab + ", " + dim + "]");
        }
        dev.jrnn.nn.Embedding e = dev.jrnn.nn.Embedding.fromPretrained(w.get(0).to(dtype), false);
        return new Node(l.name(), l.className(), (in, t) -> {
            NdArray ids = in.get(0).x().data();                                               // [B, T] ids as numbers
            if (ids.rank() != 2) throw new IllegalArgumentException(l.where() + ": expected ids [batch, time], got rank " + ids.rank());
            int batch = ids.dim(0), time = ids.dim(1);
            int[] flat = new int[batch * time];
            boolean[][] valid = new boolean[batch][time];
            for (int i = 0; i < flat.length; i++) {
                double v = ids.getFlat(i);
                if (v != Math.rint(v) || v < 0 || v >= vocab) {
                    throw new IllegalArgumentException(l.where() + ": id " + v + " at position " + i + " is not an integer in 0.." + (vocab - 1));
                }
                flat[i] = (int) v;
                valid[i / time][i % time] = !maskZero || flat[i] != 0;
            }
            return List.of(new Value(e.forward(flat, batch, time), maskZero ? lengths(l, valid) : null));
        }, e, inbound);
    }

    private static Node bidirectional(Layer l, List<NdArray> w, List<String> names, DType dtype, List<Ref> inbound) throws KerasException {
        Object inner = l.get("layer");
        if (!(inner instanceof Map<?, ?>)) throw l.error("has no wrapped 'layer' in its config");
        @SuppressWarnings("unchecked")
        Layer sub = layer(l.file(), (Map<String, Object>) inner);
        if (!List.of("SimpleRNN", "LSTM", "GRU").contains(sub.className())) {
            throw l.error("wraps " + sub.className() + "; supported: SimpleRNN, LSTM, GRU");
        }
        if (w.size() % 2 != 0) throw l.error("has " + w.size() + " weights; expected the forward and backward layer's, equally many");
        int half = w.size() / 2;
        Layer fwd = new Layer(l.file(), l.name() + "/forward", sub.className(), sub.cfg());
        Layer bwd = new Layer(l.file(), l.name() + "/backward", sub.className(), sub.cfg());
        KerasCell f = cell(fwd, w.subList(0, half), names.subList(0, half), dtype);
        KerasCell b = cell(bwd, w.subList(half, w.size()), names.subList(half, names.size()), dtype);
        Object mode = l.get("merge_mode");
        MergeMode merge;
        String m = mode == null ? "None" : String.valueOf(mode);
        switch (m) {
            case "concat": merge = MergeMode.CONCAT; break;
            case "sum": merge = MergeMode.SUM; break;
            case "mul": merge = MergeMode.MUL; break;
            case "ave": merge = MergeMode.AVERAGE; break;
            case "None": merge = MergeMode.NONE; break;
            default: throw l.error("merge_mode '" + m + "' is not supported; supported: concat, sum, mul, ave, None");
        }
        if (sub.flag(false, "return_state")) throw l.error("return_state on a Bidirectional layer is not supported");
        if (sub.flag(false, "go_backwards")) throw l.error("a wrapped layer with go_backwards=True is not supported");
        Bidirectional<RnnState> bi = new Bidirectional<>(f, b, merge).returnSequences(sub.flag(false, "return_sequences"));
        return new Node(l.name(), l.className(), (in, t) -> {
            Value v = in.get(0);
            BidirectionalResult<RnnState> r = bi.forward(v.x(), v.lengths(), null, null);
            int[] len = bi.isReturnSequences() ? v.lengths() : null;
            if (merge == MergeMode.NONE) return List.of(new Value(r.forwardOutput(), len), new Value(r.backwardOutput(), len));
            return List.of(new Value(r.output(), len));
        }, bi, inbound);
    }

    /** The cell of a SimpleRNN / LSTM / GRU layer, with its weights converted and checked. */
    private static KerasCell cell(Layer l, List<NdArray> w, List<String> names, DType dtype) throws KerasException {
        if (l.flag(false, "stateful")) throw l.error("stateful=True is not supported (jrnn carries state explicitly)");
        if (l.flag(false, "time_major")) throw l.error("time_major=True is not supported; inputs are [batch, time, features]");
        int units = l.integer("units", "output_dim");
        boolean keras1 = l.file().isKeras1();
        boolean useBias = l.flag(true, "use_bias");
        KerasActivation act = l.activation("tanh", "activation");
        KerasActivation rec = l.activation(l.className().equals("SimpleRNN") ? "tanh" : keras1 ? "hard_sigmoid" : "sigmoid",
                "recurrent_activation", "inner_activation");
        KerasCell.Kind kind;
        int gates;
        String[] keras1Gates;
        switch (l.className()) {
            case "LSTM": kind = KerasCell.Kind.LSTM; gates = 4; keras1Gates = new String[] {"i", "f", "c", "o"}; break;
            case "GRU": kind = KerasCell.Kind.GRU; gates = 3; keras1Gates = new String[] {"z", "r", "h"}; break;
            default: kind = KerasCell.Kind.SIMPLE_RNN; gates = 1; keras1Gates = new String[] {""}; break;
        }
        boolean resetAfter = kind == KerasCell.Kind.GRU && l.flag(false, "reset_after");
        if (w.size() == 3 * gates && gates > 1) {
            w = fuseKeras1(l, w, names, keras1Gates);
        }
        expectCount(l, w, useBias ? 3 : 2, useBias ? "kernel, recurrent_kernel, bias" : "kernel, recurrent_kernel");
        NdArray kernel = w.get(0).to(dtype), rk = w.get(1).to(dtype), bias = useBias ? w.get(2).to(dtype) : null;
        if (rk.rank() != 2 || rk.dim(0) != units) {
            throw l.error("recurrent_kernel has shape " + Arrays.toString(rk.shape()) + ", expected [" + units + ", " + gates * units
                    + "] (units = " + units + ")");
        }
        try {
            KerasImport.TorchWeights tw;
            GruVariant variant = null;
            if (kind == KerasCell.Kind.LSTM) {
                tw = KerasImport.lstm(kernel, rk, bias);
            } else if (kind == KerasCell.Kind.GRU) {
                KerasImport.GruWeights g = KerasImport.gru(kernel, rk, bias, resetAfter);
                tw = g.weights();
                variant = g.variant();
            } else {
                tw = KerasImport.simpleRnn(kernel, rk, bias);
            }
            return new KerasCell(kind, variant, act, rec, tw, useBias);
        } catch (RuntimeException e) {
            throw l.error(e.getMessage());
        }
    }

    /**
     * Keras 1 per-gate weights ({@code W_i, U_i, b_i, W_c, ...}, picked by name) as Keras 2's fused
     * {@code kernel, recurrent_kernel, bias} with gate columns in Keras 2 order.
     */
    private static List<NdArray> fuseKeras1(Layer l, List<NdArray> w, List<String> names, String[] gates) throws KerasException {
        NdArray[][] parts = new NdArray[3][gates.length];
        String[] kinds = {"W", "U", "b"};
        for (int k = 0; k < 3; k++) {
            for (int g = 0; g < gates.length; g++) {
                String suffix = "_" + kinds[k] + "_" + gates[g];
                int found = -1;
                for (int i = 0; i < names.size(); i++) {
                    String n = names.get(i);
                    if (n.endsWith(suffix + ":0") || n.endsWith(suffix)) found = i;
                }
                if (found < 0) throw l.error("Keras 1 weights lack " + suffix.substring(1) + " (found " + names + ")");
                parts[k][g] = w.get(found);
            }
        }
        try {
            return List.of(NdArray.concat(1, parts[0]), NdArray.concat(1, parts[1]), NdArray.concat(0, parts[2]));
        } catch (RuntimeException e) {
            throw l.error("Keras 1 per-gate weights do not fit together: " + e.getMessage());
        }
    }

    private static void expectCount(Layer l, List<NdArray> w, int n, String what) throws KerasException {
        if (w.size() != n) {
            throw l.error("has " + w.size() + " weight arrays in the file, expected " + n + " (" + what + ")"
                    + (w.isEmpty() ? "; the file holds no weights for this layer name" : ""));
        }
    }

    /** A Dense layer's parameters in Keras layout: {@code kernel [in, units]}, {@code bias [units]} or none. */
    private static final class DenseWeights extends Module {
        final Parameter kernel;
        final Parameter bias;

        DenseWeights(NdArray kernel, NdArray bias) {
            this.kernel = registerParameter("kernel", new Parameter(kernel));
            this.bias = bias == null ? null : registerParameter("bias", new Parameter(bias));
        }
    }
}
