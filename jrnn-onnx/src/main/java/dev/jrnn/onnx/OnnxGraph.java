package dev.jrnn.onnx;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.jrnn.nn.Module;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * An ONNX model loaded for inference: its initializers decoded and checked, every node's op known to jrnn. Running it
 * evaluates the nodes in file order (ONNX requires a topological order) on {@link OnnxValue}s; the recurrent nodes run
 * on jrnn's layers ({@link RecurrentOps}).
 *
 * <pre>{@code
 * OnnxGraph g = OnnxGraph.load(Path.of("model.onnx"));
 * Map<String, OnnxValue> out = g.run(Map.of("input", OnnxValue.of(x)));   // x: an NdArray
 * NdArray y = out.get(g.outputNames().get(0)).array();
 * }</pre>
 *
 * Every problem is an {@link OnnxException} with one line naming the file and the node (op type and opset) or tensor.
 */
public final class OnnxGraph {
    /** Files larger than this are refused before reading (protobuf messages are limited to 2 GiB). */
    static final long MAX_FILE_BYTES = Integer.MAX_VALUE;

    private final String file;
    private final ModelProto model;
    private final int opset;
    private final Map<String, OnnxValue> initializers = new LinkedHashMap<>();
    private final Map<String, ValueInfoProto> inputs = new LinkedHashMap<>();
    private final List<String> outputs = new ArrayList<>();
    private final Map<String, Module> modules = new LinkedHashMap<>();

    private OnnxGraph(String file, ModelProto model) throws OnnxException {
        this.file = file;
        this.model = model;
        if (!model.hasGraph() || model.getGraph().getNodeCount() == 0 && model.getGraph().getOutputCount() == 0) {
            throw new OnnxException(file + ": has no graph (truncated, empty, or not an ONNX model)");
        }
        int os = -1;
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) os = (int) o.getVersion();
        }
        if (os < 1) {
            throw new OnnxException(file + ": imports no version of the default operator set (opset_import lacks domain \"\")");
        }
        this.opset = os;
        GraphProto g = model.getGraph();
        for (TensorProto t : g.getInitializerList()) {
            initializers.put(t.getName(), OnnxTensors.read(t, file + ": initializer '" + t.getName() + "'"));
        }
        if (g.getSparseInitializerCount() > 0) throw new OnnxException(file + ": sparse initializers are not supported");
        for (ValueInfoProto v : g.getInputList()) {
            if (!initializers.containsKey(v.getName())) inputs.put(v.getName(), v);
        }
        for (ValueInfoProto v : g.getOutputList()) outputs.add(v.getName());
        // Every op known and every operand defined before use: checked now, so that run() fails only on data.
        TreeSet<String> known = new TreeSet<>(initializers.keySet());
        known.addAll(inputs.keySet());
        for (NodeProto n : g.getNodeList()) {
            String domain = n.getDomain();
            if (!domain.isEmpty() && !domain.equals("ai.onnx")) {
                throw new OnnxException(Node.describe(file, n, opset) + ": op domain '" + domain
                        + "' is not supported (jrnn runs the default ONNX domain only)");
            }
            if (!Ops.SUPPORTED.contains(n.getOpType()) && !RecurrentOps.SUPPORTED.contains(n.getOpType())) {
                throw new OnnxException(Node.describe(file, n, opset) + ": op " + n.getOpType()
                        + " is not supported (jrnn runs " + supportedOps() + ")");
            }
            for (String in : n.getInputList()) {
                if (!in.isEmpty() && !known.contains(in)) {
                    throw new OnnxException(Node.describe(file, n, opset) + ": input '" + in
                            + "' is not a graph input, an initializer or the output of an earlier node");
                }
            }
            for (String out : n.getOutputList()) if (!out.isEmpty()) known.add(out);
        }
        for (String out : outputs) {
            if (!known.contains(out)) throw new OnnxException(file + ": graph output '" + out + "' is computed by no node");
        }
    }

    /** Every op type jrnn can run, sorted. */
    public static List<String> supportedOps() {
        TreeSet<String> all = new TreeSet<>(Ops.SUPPORTED);
        all.addAll(RecurrentOps.SUPPORTED);
        return new ArrayList<>(all);
    }

    /** Reads and checks an {@code .onnx} file. */
    public static OnnxGraph load(Path path) throws OnnxException {
        Objects.requireNonNull(path, "path");
        String name = path.toString();
        byte[] bytes;
        try {
            long size = Files.size(path);
            if (size > MAX_FILE_BYTES) {
                throw new OnnxException(name + ": file is " + size + " bytes, over the 2 GiB limit of a protobuf message "
                        + "(models with external data are not supported)");
            }
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new OnnxException(name + ": no such file", e);
        } catch (OnnxException e) {
            throw e;
        } catch (IOException e) {
            throw new OnnxException(name + ": cannot read: " + e.getMessage(), e);
        }
        return parse(bytes, name);
    }

    /** Checks a model held in memory; {@code name} stands for the file in messages. */
    public static OnnxGraph parse(byte[] bytes, String name) throws OnnxException {
        ModelProto m;
        try {
            m = ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            String why = String.valueOf(e.getMessage()).split("\\.\\s", 2)[0];   // protobuf's first sentence
            throw new OnnxException(name + ": not a valid ONNX model (" + bytes.length + " bytes; protobuf: " + why
                    + "); the file is truncated or not an .onnx file", e);
        }
        return new OnnxGraph(name, m);
    }

    /** The protobuf message, for inspection. */
    public ModelProto model() { return model; }

    /** The version of the default operator set the model imports. */
    public int opset() { return opset; }

    /** The names of the graph inputs that must be fed (inputs with an initializer are optional overrides). */
    public List<String> inputNames() { return new ArrayList<>(inputs.keySet()); }

    /** The names of the graph outputs, in order. */
    public List<String> outputNames() { return Collections.unmodifiableList(outputs); }

    /**
     * The jrnn modules that ran the recurrent nodes in the latest {@link #run}, by node name ({@code Lstm}, {@code Gru},
     * {@code SimpleRnn}, or {@code LstmCell} for peepholes; a {@code reverse} node's layer is under {@code name/reverse}).
     * Their parameters are the node's weights in PyTorch's layout.
     */
    public Map<String, Module> recurrentModules() { return Collections.unmodifiableMap(modules); }

    /**
     * A few lines for people: producer, IR version and opset, every graph input and output with its type and shape
     * (named axes are dynamic), the op counts, and each recurrent node's direction, hidden size and layout.
     */
    public String describe() {
        StringBuilder b = new StringBuilder();
        String producer = (model.getProducerName() + " " + model.getProducerVersion()).strip();
        b.append(file).append(": ONNX model, IR version ").append(model.getIrVersion()).append(", opset ").append(opset)
                .append(producer.isEmpty() ? "" : ", producer '" + producer + "'").append('\n');
        for (ValueInfoProto v : model.getGraph().getInputList()) {
            if (!initializers.containsKey(v.getName())) b.append("  input  ").append(typeOf(v)).append('\n');
        }
        for (ValueInfoProto v : model.getGraph().getOutputList()) b.append("  output ").append(typeOf(v)).append('\n');
        Map<String, Integer> ops = new LinkedHashMap<>();
        long weights = 0;
        for (OnnxValue v : initializers.values()) weights += v.size();
        for (NodeProto n : model.getGraph().getNodeList()) ops.merge(n.getOpType(), 1, Integer::sum);
        List<String> parts = new ArrayList<>();
        ops.forEach((op, k) -> parts.add(op + " " + k));
        b.append("  ").append(model.getGraph().getNodeCount()).append(" nodes: ").append(String.join(", ", parts)).append('\n');
        b.append(String.format(java.util.Locale.ROOT, "  %d initializers, %,d values%n", initializers.size(), weights));
        for (NodeProto n : model.getGraph().getNodeList()) {
            if (!RecurrentOps.SUPPORTED.contains(n.getOpType())) continue;
            Node node = new Node(n, file, opset, new OnnxValue[0]);
            try {
                b.append("  ").append(n.getOpType()).append(" '").append(n.getName()).append("': ")
                        .append(node.s("direction", "forward")).append(", hidden_size ").append(node.i("hidden_size", -1))
                        .append(", layout ").append(node.i("layout", 0))
                        .append(n.getOpType().equals("GRU") ? ", linear_before_reset " + node.i("linear_before_reset", 0) : "")
                        .append(node.has("activations") ? ", activations " + node.strings("activations") : "").append('\n');
            } catch (OnnxException e) {
                b.append("  ").append(e.getMessage()).append('\n');
            }
        }
        return b.toString().stripTrailing();
    }

    private static String typeOf(ValueInfoProto v) {
        if (!v.getType().hasTensorType()) return v.getName() + " (not a tensor)";
        var tt = v.getType().getTensorType();
        StringBuilder s = new StringBuilder(v.getName()).append(' ').append(OnnxValue.typeName(tt.getElemType()));
        if (tt.hasShape()) {
            s.append(" [");
            for (int i = 0; i < tt.getShape().getDimCount(); i++) {
                TensorShapeProto.Dimension d = tt.getShape().getDim(i);
                s.append(i > 0 ? ", " : "").append(d.hasDimValue() ? String.valueOf(d.getDimValue())
                        : d.getDimParam().isEmpty() ? "?" : d.getDimParam());
            }
            s.append(']');
        }
        return s.toString();
    }

    /**
     * Evaluates the graph.
     *
     * @param feeds a value for every name in {@link #inputNames()} (and optionally for initializer-backed inputs)
     * @return every graph output by name
     */
    public Map<String, OnnxValue> run(Map<String, OnnxValue> feeds) throws OnnxException {
        Objects.requireNonNull(feeds, "feeds");
        Map<String, OnnxValue> env = new HashMap<>(initializers);
        for (Map.Entry<String, OnnxValue> f : feeds.entrySet()) {
            ValueInfoProto info = inputs.get(f.getKey());
            if (info == null && !initializers.containsKey(f.getKey())) {
                throw new OnnxException(file + ": '" + f.getKey() + "' is not a graph input (inputs: " + inputs.keySet() + ")");
            }
            if (info != null) checkFeed(info, f.getValue());
            env.put(f.getKey(), f.getValue());
        }
        for (String in : inputs.keySet()) {
            if (!env.containsKey(in)) throw new OnnxException(file + ": graph input '" + in + "' was not given a value");
        }
        modules.clear();
        for (NodeProto p : model.getGraph().getNodeList()) {
            OnnxValue[] args = new OnnxValue[p.getInputCount()];
            for (int i = 0; i < args.length; i++) {
                String in = p.getInput(i);
                args[i] = in.isEmpty() ? null : env.get(in);
            }
            Node n = new Node(p, file, opset, args);
            OnnxValue[] res;
            try {
                res = RecurrentOps.SUPPORTED.contains(p.getOpType()) ? RecurrentOps.run(n, modules) : Ops.run(n);
            } catch (IllegalArgumentException | IllegalStateException | IndexOutOfBoundsException e) {
                throw n.fail(String.valueOf(e.getMessage()));   // jrnn's own checks (or an operand no check above caught), with the node
            }
            for (int i = 0; i < p.getOutputCount(); i++) {
                String out = p.getOutput(i);
                if (out.isEmpty()) continue;
                if (i >= res.length) throw n.fail("output " + i + " ('" + out + "') is not computed by jrnn");
                env.put(out, res[i]);
            }
        }
        Map<String, OnnxValue> result = new LinkedHashMap<>();
        for (String out : outputs) result.put(out, env.get(out));
        return result;
    }

    private void checkFeed(ValueInfoProto info, OnnxValue v) throws OnnxException {
        if (!info.getType().hasTensorType()) return;
        var tt = info.getType().getTensorType();
        if (tt.getElemType() != 0 && tt.getElemType() != v.elemType()) {
            throw new OnnxException(file + ": input '" + info.getName() + "' must be " + OnnxValue.typeName(tt.getElemType())
                    + ", found " + v);
        }
        if (!tt.hasShape()) return;
        List<TensorShapeProto.Dimension> dims = tt.getShape().getDimList();
        boolean ok = dims.size() == v.rank();
        for (int i = 0; ok && i < dims.size(); i++) {
            ok = !dims.get(i).hasDimValue() || dims.get(i).getDimValue() == v.shapeRef()[i];
        }
        if (!ok) {
            StringBuilder want = new StringBuilder("[");
            for (int i = 0; i < dims.size(); i++) {
                TensorShapeProto.Dimension d = dims.get(i);
                want.append(i > 0 ? ", " : "").append(d.hasDimValue() ? String.valueOf(d.getDimValue())
                        : d.getDimParam().isEmpty() ? "?" : d.getDimParam());
            }
            throw new OnnxException(file + ": input '" + info.getName() + "' must have shape " + want + "], found " + v);
        }
    }
}
