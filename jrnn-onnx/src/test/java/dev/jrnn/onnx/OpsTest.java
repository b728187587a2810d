package dev.jrnn.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.jrnn.onnx.GraphBuilder.attr;
import static dev.jrnn.onnx.GraphBuilder.attrInts;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The non-recurrent operators on hand-computed values, in the opset variants exporters use. */
class OpsTest {
    /** One node over constant inputs (initializers named in0, in1, ...), run at {@code opset}; its first output. */
    private static OnnxValue run(String op, int opset, AttributeProto[] attrs, Object... inputs) throws OnnxException {
        GraphBuilder g = new GraphBuilder("t");
        List<String> names = new ArrayList<>();
        for (int i = 0; i < inputs.length; i++) {
            String n = "in" + i;
            if (inputs[i] == null) {
                names.add("");
            } else if (inputs[i] instanceof NdArray) {
                names.add(g.weight(n, (NdArray) inputs[i]));
            } else {
                names.add(g.longs(n, (long[]) inputs[i]));
            }
        }
        g.node(op, "y", names.toArray(new String[0]), attrs);
        g.output("y", 0);
        return OnnxGraph.parse(g.build("", opset).toByteArray(), "t.onnx").run(Map.of()).get("y");
    }

    private static AttributeProto[] a(AttributeProto... x) {
        return x;
    }

    private static NdArray range(int... shape) {
        return NdArray.arange(DType.FLOAT32, OnnxValue.count(shape)).reshape(shape);
    }

    private static void assertValues(OnnxValue v, int[] shape, double... values) {
        assertArrayEquals(shape, v.shape());
        double[] got = new double[v.size()];
        for (int i = 0; i < got.length; i++) got[i] = v.getFlat(i);
        assertArrayEquals(values, got, 1e-6);
    }

    @Test
    void sliceWithNegativeStepsAndHugeEnds() throws Exception {
        assertValues(run("Slice", 13, a(), range(10), new long[] {-1}, new long[] {Long.MIN_VALUE}, new long[] {0}, new long[] {-3}),
                new int[] {4}, 9, 6, 3, 0);
        assertValues(run("Slice", 13, a(), range(2, 4), new long[] {1}, new long[] {Long.MAX_VALUE}, new long[] {-1}),
                new int[] {2, 3}, 1, 2, 3, 5, 6, 7);
        assertValues(run("Slice", 9, a(attrInts("starts", 1), attrInts("ends", 3), attrInts("axes", 1)), range(2, 4)),
                new int[] {2, 2}, 1, 2, 5, 6);
    }

    @Test
    void gatherOnAnyAxisWithNegativeIndices() throws Exception {
        assertValues(run("Gather", 13, a(attr("axis", 1)), range(2, 3), new long[] {-1, 0}), new int[] {2, 2}, 2, 0, 5, 3);
        OnnxValue rows = run("Gather", 9, a(), range(4, 2), new long[] {3, 3, 1});
        assertValues(rows, new int[] {3, 2}, 6, 7, 6, 7, 2, 3);
        OnnxException e = assertThrows(OnnxException.class, () -> run("Gather", 13, a(), range(4, 2), new long[] {4}));
        assertEquals("t.onnx: node 'Gather_0' (Gather, opset 13): index 4 is out of range for axis 0 of size 4 (data float[4, 2])",
                e.getMessage());
    }

    @Test
    void shapesReshapeSqueezeUnsqueezeFlattenTranspose() throws Exception {
        assertArrayEquals(new int[] {2, 12}, run("Reshape", 14, a(), range(2, 3, 4), new long[] {0, -1}).shape());
        assertArrayEquals(new int[] {1, 3, 1}, run("Unsqueeze", 11, a(attrInts("axes", 0, -1)), range(3)).shape());
        assertArrayEquals(new int[] {1, 3, 1}, run("Unsqueeze", 13, a(), range(3), new long[] {0, 2}).shape());
        assertArrayEquals(new int[] {3}, run("Squeeze", 13, a(), range(1, 3, 1)).shape());
        assertArrayEquals(new int[] {3, 1}, run("Squeeze", 9, a(attrInts("axes", 0)), range(1, 3, 1)).shape());
        assertArrayEquals(new int[] {2, 12}, run("Flatten", 13, a(), range(2, 3, 4)).shape());
        assertValues(run("Transpose", 13, a(), range(2, 3)), new int[] {3, 2}, 0, 3, 1, 4, 2, 5);
        assertValues(run("Transpose", 13, a(attrInts("perm", 1, 0, 2)), range(2, 2, 2)), new int[] {2, 2, 2}, 0, 1, 4, 5, 2, 3, 6, 7);
        assertValues(run("Shape", 15, a(attr("start", 1)), range(2, 3, 4)), new int[] {2}, 3, 4);
        assertValues(run("Expand", 13, a(), range(3, 1), new long[] {2, 1, 2}), new int[] {2, 3, 2}, 0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2);
    }

    @Test
    void concatAndIntegerArithmetic() throws Exception {
        OnnxValue c = run("Concat", 13, a(attr("axis", 0)), new long[] {1, 2}, new long[] {-1});
        assertEquals(OnnxValue.INT64, c.elemType());
        assertValues(c, new int[] {3}, 1, 2, -1);
        assertValues(run("Concat", 13, a(attr("axis", -1)), range(2, 1), range(2, 2)), new int[] {2, 3}, 0, 0, 1, 1, 2, 3);
        assertValues(run("Div", 13, a(), new long[] {7, -7}, new long[] {2}), new int[] {2}, 3, -3);
        assertValues(run("Mul", 13, a(), new long[] {3, 4}, new long[] {5, 6}), new int[] {2}, 15, 24);
    }

    @Test
    void matmulGemmAndSoftmax() throws Exception {
        assertValues(run("MatMul", 13, a(), range(2), range(2, 3)), new int[] {3}, 3, 4, 5);
        assertValues(run("MatMul", 13, a(), range(2, 3), range(3)), new int[] {2}, 5, 14);
        assertValues(run("MatMul", 13, a(), range(3), range(3)), new int[] {}, 5);
        assertValues(run("MatMul", 13, a(), range(2, 1, 2), range(2, 2)), new int[] {2, 1, 2}, 2, 3, 6, 11);
        OnnxException e = assertThrows(OnnxException.class, () -> run("Gemm", 13, a(GraphBuilder.attr("alpha", 2L)),
                range(2, 2), range(2, 2)));
        assertEquals("t.onnx: node 'Gemm_0' (Gemm, opset 13): attribute alpha must be a float, found INT", e.getMessage());
    }

    @Test
    void gemmWithAlphaBetaAndTransposeThenSoftmax() throws Exception {
        AttributeProto alpha = AttributeProto.newBuilder().setName("alpha").setType(AttributeProto.AttributeType.FLOAT).setF(2).build();
        AttributeProto beta = AttributeProto.newBuilder().setName("beta").setType(AttributeProto.AttributeType.FLOAT).setF(0.5f).build();
        // Aᵀ = [[0, 2], [1, 3]], B = [[0, 1], [2, 3]]: AᵀB = [[4, 6], [6, 10]]; 2·AᵀB + 0.5·[1, 2]
        assertValues(run("Gemm", 13, a(attr("transA", 1), alpha, beta), range(2, 2), range(2, 2), NdArray.vector(1, 2)),
                new int[] {2, 2}, 8.5, 13, 12.5, 21);
        softmaxOverTheRightAxes();
    }

    private static void softmaxOverTheRightAxes() throws Exception {
        NdArray x = NdArray.of(new float[] {0, 1, 2, 3}, 1, 2, 2);
        double e1 = Math.exp(1), z4 = 1 + e1 + Math.exp(2) + Math.exp(3);
        // opset 11, axis 1: over the flattened trailing axes (all four values)
        assertValues(run("Softmax", 11, a(attr("axis", 1)), x), new int[] {1, 2, 2},
                1 / z4, e1 / z4, Math.exp(2) / z4, Math.exp(3) / z4);
        // opset 13, default axis -1: over the last axis only
        double p0 = 1 / (1 + e1);
        assertValues(run("Softmax", 13, a(), x), new int[] {1, 2, 2}, p0, 1 - p0, p0, 1 - p0);
        assertValues(run("LogSoftmax", 13, a(), x), new int[] {1, 2, 2}, Math.log(p0), Math.log(1 - p0), Math.log(p0), Math.log(1 - p0));
    }

    @Test
    void castConstantsAndConstantOfShape() throws Exception {
        OnnxValue i = run("Cast", 13, a(attr("to", OnnxValue.INT32)), NdArray.vector(-1.7f, 2.9f));
        assertEquals(OnnxValue.INT32, i.elemType());
        assertValues(i, new int[] {2}, -1, 2);
        assertValues(run("Cast", 13, a(attr("to", OnnxValue.FLOAT)), new long[] {3, -4}), new int[] {2}, 3, -4);
        TensorProto seven = OnnxTensors.writeLongs("v", new long[] {7}, 1);
        AttributeProto value = AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR).setT(seven).build();
        OnnxValue filled = run("ConstantOfShape", 9, a(value), new long[] {2, 2});
        assertEquals(OnnxValue.INT64, filled.elemType());
        assertValues(filled, new int[] {2, 2}, 7, 7, 7, 7);
        assertValues(run("ConstantOfShape", 9, a(), new long[] {3}), new int[] {3}, 0, 0, 0);
        assertValues(run("Constant", 13, a(GraphBuilder.attrInts("value_ints", 4, 5))), new int[] {2}, 4, 5);
        OnnxException e = assertThrows(OnnxException.class, () -> run("ConstantOfShape", 9, a(), new long[] {1 << 20, 1 << 20}));
        assertEquals("t.onnx: node 'ConstantOfShape_0' (ConstantOfShape, opset 9): input [1048576, 1048576] asks for more than "
                + "268435456 elements (damaged shape?)", e.getMessage());
    }
}
