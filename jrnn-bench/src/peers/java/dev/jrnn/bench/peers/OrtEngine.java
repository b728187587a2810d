package dev.jrnn.bench.peers;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.ByteString;
import dev.jrnn.bench.BenchData;
import dev.jrnn.bench.Workload;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * ONNX Runtime (CPU, Java API) on the inference workloads W4: the shared LSTM weights written into a small ONNX
 * model here ({@link #lstmModel}: {@code Transpose} of the batch-first input, then one ONNX {@code LSTM} node),
 * run by an {@link OrtSession} with all graph optimisations. ONNX's LSTM takes its gate blocks in the order
 * i, o, f, c where PyTorch (and jrnn) store i, f, g, o, and one bias {@code B = [W_b; R_b]}; the model's output is
 * checked against jrnn's by RnnBench's forward cross-check (the sum of every output).
 *
 * <p>Threads: intra-op {@code -Djrnn.bench.ort.threads} (default {@code OMP_NUM_THREADS}, else 2), inter-op 1;
 * ORT's own thread pool with its default spinning.
 */
public final class OrtEngine implements dev.jrnn.bench.Engine {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final int threads = Integer.getInteger("jrnn.bench.ort.threads",
            System.getenv("OMP_NUM_THREADS") == null ? 2 : Integer.parseInt(System.getenv("OMP_NUM_THREADS")));

    @Override
    public String name() { return "ort"; }

    @Override
    public String describe() {
        return "ONNX Runtime " + env.getVersion() + " (CPU, Java API), intra-op threads " + threads + ", inter-op 1";
    }

    @Override
    public String unsupported(Workload w) {
        return w.training || w.layers != 1 || w.cell != Workload.Cell.LSTM
                ? "benchmarked on LSTM inference (W4) only: ONNX Runtime's Java API does not train" : null;
    }

    @Override
    public Step prepare(Workload w, BenchData d) throws Exception {
        OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
        opts.setIntraOpNumThreads(threads);
        opts.setInterOpNumThreads(1);
        opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        OrtSession session = env.createSession(lstmModel(w, d).toByteArray(), opts);
        OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(d.x), new long[] {w.batch, w.time, w.input});
        return new Step() {
            @Override
            public double run() throws Exception {
                try (OrtSession.Result r = session.run(Map.of("x", x))) {
                    FloatBuffer y = ((OnnxTensor) r.get(0)).getFloatBuffer();   // [T, 1, B, H]
                    double sum = 0;
                    while (y.hasRemaining()) sum += y.get();
                    return sum;
                }
            }

            @Override
            public double loss() throws Exception {
                return run();
            }

            @Override
            public void close() throws Exception {
                x.close();
                session.close();
                opts.close();
            }
        };
    }

    /**
     * The ONNX model of W4: {@code x [B, T, I]} → Transpose → {@code [T, B, I]} → LSTM(hidden H, weights of
     * {@code d}) → {@code y [T, 1, B, H]}. Opset 14, float32.
     */
    static OnnxMl.ModelProto lstmModel(Workload w, BenchData d) {
        int h = w.hidden, in = w.input;
        float[] wih = d.param("rnn.weight_ih_l0").values(), whh = d.param("rnn.weight_hh_l0").values();
        float[] bih = d.param("rnn.bias_ih_l0").values(), bhh = d.param("rnn.bias_hh_l0").values();
        float[] b = new float[8 * h];
        System.arraycopy(gatesIofc(bih, h, 1), 0, b, 0, 4 * h);
        System.arraycopy(gatesIofc(bhh, h, 1), 0, b, 4 * h, 4 * h);
        OnnxMl.GraphProto graph = OnnxMl.GraphProto.newBuilder()
                .setName("w4_lstm")
                .addInput(value("x", w.batch, w.time, in))
                .addOutput(value("y", w.time, 1, w.batch, h))
                .addInitializer(tensor("W", gatesIofc(wih, h, in), 1, 4 * h, in))
                .addInitializer(tensor("R", gatesIofc(whh, h, h), 1, 4 * h, h))
                .addInitializer(tensor("B", b, 1, 8 * h))
                .addNode(OnnxMl.NodeProto.newBuilder().setOpType("Transpose").setName("to_time_major")
                        .addInput("x").addOutput("xt").addAttribute(OnnxMl.AttributeProto.newBuilder().setName("perm")
                                .setType(OnnxMl.AttributeProto.AttributeType.INTS).addInts(1).addInts(0).addInts(2)))
                .addNode(OnnxMl.NodeProto.newBuilder().setOpType("LSTM").setName("lstm")
                        .addInput("xt").addInput("W").addInput("R").addInput("B").addOutput("y")
                        .addAttribute(OnnxMl.AttributeProto.newBuilder().setName("hidden_size")
                                .setType(OnnxMl.AttributeProto.AttributeType.INT).setI(h)))
                .build();
        return OnnxMl.ModelProto.newBuilder()
                .setIrVersion(8)
                .setProducerName("jrnn-bench")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(14))
                .setGraph(graph)
                .build();
    }

    /** PyTorch's gate row blocks (i, f, g, o), each {@code [H, cols]}, reordered to ONNX's (i, o, f, c). */
    static float[] gatesIofc(float[] torch, int h, int cols) {
        int[] from = {0, 3, 1, 2};
        float[] out = new float[torch.length];
        for (int g = 0; g < 4; g++) {
            System.arraycopy(torch, from[g] * h * cols, out, g * h * cols, h * cols);
        }
        return out;
    }

    private static OnnxMl.TensorProto tensor(String name, float[] values, long... dims) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).setRawData(ByteString.copyFrom(raw));
        for (long dim : dims) t.addDims(dim);
        return t.build();
    }

    private static OnnxMl.ValueInfoProto value(String name, long... dims) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
        for (long dim : dims) shape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(dim));
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).setShape(shape))).build();
    }
}
