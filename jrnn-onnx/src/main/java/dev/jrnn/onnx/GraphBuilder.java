package dev.jrnn.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Builds one ONNX graph: initializers, nodes with generated unique output names, typed inputs and outputs whose
 * dimensions are numbers or named (dynamic) axes. Weights are written as float32.
 */
final class GraphBuilder {
    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final Map<String, Integer> perOp = new LinkedHashMap<>();
    private int counter;

    GraphBuilder(String name) {
        graph.setName(name);
    }

    /** A float32 initializer (float64 arrays are narrowed). */
    String weight(String name, NdArray a) {
        graph.addInitializer(OnnxTensors.write(name, a.dtype() == DType.FLOAT32 ? a : a.to(DType.FLOAT32)));
        return name;
    }

    /** A 1-D int64 initializer (axes, shapes, slice bounds). */
    String longs(String name, long... v) {
        graph.addInitializer(OnnxTensors.writeLongs(name, v, v.length));
        return name;
    }

    /** A graph input; each dim is an Integer (fixed) or a String (a named dynamic axis). */
    void input(String name, int elemType, Object... dims) {
        graph.addInput(info(name, elemType, dims));
    }

    /** A graph output, dims as for {@link #input}. */
    void output(String name, int elemType, Object... dims) {
        graph.addOutput(info(name, elemType, dims));
    }

    private static ValueInfoProto info(String name, int elemType, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            TensorShapeProto.Dimension.Builder b = TensorShapeProto.Dimension.newBuilder();
            if (d instanceof Integer) b.setDimValue((Integer) d);
            else b.setDimParam((String) d);
            shape.addDim(b);
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape))).build();
    }

    /** A node with one output; returns the output's name ({@code out}, or a fresh one when {@code out} is null). */
    String node(String op, String out, String[] inputs, AttributeProto... attrs) {
        return nodeN(op, new String[] {out == null ? fresh(op) : out}, inputs, attrs)[0];
    }

    /** A node with several outputs (null entries get fresh names). */
    String[] nodeN(String op, String[] outs, String[] inputs, AttributeProto... attrs) {
        String[] names = outs.clone();
        for (int i = 0; i < names.length; i++) if (names[i] == null) names[i] = fresh(op);
        int k = perOp.merge(op, 1, Integer::sum) - 1;   // nodes are named by op: LSTM_0, LSTM_1, ...
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(op + "_" + k);
        for (String in : inputs) n.addInput(in);
        for (String o : names) n.addOutput(o);
        for (AttributeProto a : attrs) n.addAttribute(a);
        graph.addNode(n);
        return names;
    }

    private String fresh(String op) {
        return op.toLowerCase() + "_" + (counter++);
    }

    static AttributeProto attr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    static AttributeProto attr(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFrom(v, StandardCharsets.UTF_8)).build();
    }

    static AttributeProto attrInts(String name, long... v) {
        AttributeProto.Builder b = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) b.addInts(x);
        return b.build();
    }

    static AttributeProto attrStrings(String name, String... v) {
        AttributeProto.Builder b = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRINGS);
        for (String x : v) b.addStrings(ByteString.copyFrom(x, StandardCharsets.UTF_8));
        return b.build();
    }

    void metadata(String key, String value) {
        metadata.put(key, value);
    }

    /** The model: IR version {@link OnnxExport#IR_VERSION}, default opset {@link OnnxExport#OPSET}. */
    ModelProto build(String doc) {
        return build(doc, OnnxExport.OPSET);
    }

    /** The model importing {@code opset} of the default domain. */
    ModelProto build(String doc, int opset) {
        ModelProto.Builder m = ModelProto.newBuilder().setIrVersion(OnnxExport.IR_VERSION).setProducerName("jrnn")
                .setProducerVersion(dev.jrnn.io.ModelFile.jrnnVersion()).setDocString(doc)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setGraph(graph);
        metadata.forEach((k, v) -> m.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return m.build();
    }
}
