package dev.jrnn.onnx;

import dev.jrnn.nn.Module;
import dev.jrnn.nn.rnn.Lstm;
import dev.jrnn.nn.rnn.SimpleRnn;
import dev.jrnn.tensor.NdArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Models written by real exporters ({@code ../shared/data/onnx-models}: PyTorch 1.5 and 2.8, CNTK 2.5.1) import and
 * reproduce their reference data.
 */
class RealModelsTest {
    /** NNSplit: uint8 bytes, Cast, Gather embedding, two stacked bidirectional LSTMs, MatMul + Add (PyTorch 1.5, opset 9). */
    @Test
    void pytorchStackedBidirectionalLstmWithEmbeddingReproducesIoNpz() throws Exception {
        Path dir = TestData.shared("onnx-models").resolve("tract-byte_sb_bidi_lstm");
        Map<String, OnnxValue> io = Npz.read(dir.resolve("io.npz"));
        OnnxGraph g = OnnxGraph.load(dir.resolve("model.onnx"));
        assertEquals(9, g.opset());
        Map<String, OnnxValue> out = g.run(Map.of("input", io.get("input")));
        NdArray y = out.get("output").array();
        double err = TestData.assertClose(io.get("Add_26").array(), y, 1e-5, "NNSplit output");
        System.out.printf("tract-byte_sb_bidi_lstm: max relative error %.2e%n", err);
        // What the generator script asserts: sentence boundaries exactly at these bytes (after the 5 padding bytes).
        int[][] boundaries = {{17, 39}, {26, 47}};
        for (int b = 0; b < 2; b++) {
            StringBuilder found = new StringBuilder();
            for (int t = 5; t < y.dim(1); t++) if (y.get(b, t, 0) > 0) found.append(t - 5).append(' ');
            assertEquals(boundaries[b][0] + " " + boundaries[b][1] + " ", found.toString(), "sentence boundaries of text " + b);
        }
        Map<String, Module> layers = g.recurrentModules();
        assertEquals(2, layers.size());
        for (Module m : layers.values()) assertTrue(((Lstm) m).config().bidirectional());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ort-cntk-test_LSTM.tanh.bidirectional", "ort-cntk-test_RNN.bidirectional.one_layer.relu"})
    void cntkForwardPlusReverseNodesReproduceTheirOutput(String folder) throws Exception {
        Path dir = TestData.shared("onnx-models").resolve(folder);
        OnnxGraph g = OnnxGraph.load(dir.resolve("model.onnx"));
        assertEquals(7, g.opset());
        Path data = dir.resolve("test_data_set_0");
        OnnxValue in = TestData.value(data.resolve("input_0.pb"));
        Map<String, OnnxValue> out = g.run(Map.of(g.inputNames().get(0), in));
        String name = g.outputNames().get(0);
        double err = TestData.assertClose(TestData.value(data.resolve("output_0.pb")).array(), out.get(name).array(), 1e-5, folder);
        System.out.printf("%s: max relative error %.2e%n", folder, err);
        assertEquals(2, g.recurrentModules().size(), "one forward and one reverse node");
        if (folder.contains("RNN")) {
            for (Module m : g.recurrentModules().values()) assertInstanceOf(SimpleRnn.class, m);
        }
    }

    /** burn's reference: inputs to 4 decimals and the sums of the outputs (so about 1e-4 relative, as its README says). */
    @Test
    void pytorch28BidirectionalLstmReproducesBurnSums() throws Exception {
        Path file = TestData.shared("onnx-models").resolve("burn-pytorch-lstm/lstm_bidirectional.onnx");
        float[] x = {-0.7111f, -0.3867f, 0.9578f, -0.8225f, -2.3908f, 0.3222f, 1.8754f, 1.1043f,
            -0.5224f, -0.7402f, 0.1624f, -0.2370f, 0.5099f, 1.6706f, 1.5921f, -0.4162f,
            1.8619f, -1.0779f, 0.8849f, -0.8342f, 1.0301f, -0.8681f, -0.5702f, 0.3233f,
            0.7070f, -1.2130f, 0.8917f, 0.7002f, 0.4082f, -0.2351f, 0.2602f, -0.2455f,
            0.2245f, -0.9745f, 0.9817f, 0.5837f, 0.2644f, -0.8852f, 0.7838f, 0.8732f};
        OnnxGraph g = OnnxGraph.load(file);
        assertEquals(16, g.opset());
        Map<String, OnnxValue> out = g.run(Map.of("input", OnnxValue.of(NdArray.of(x, 5, 2, 4))));
        assertArrayShape(out.get("output"), 5, 2, 16);
        checkSum(out, "output", 4.8595977, 4.8596087);
        checkSum(out, "h_n", 0.6454461, 0.6454659);
        checkSum(out, "c_n", 1.7610279, 1.7610483);
    }

    @Test
    void pytorch28LstmWithInitialStateReproducesBurnSums() throws Exception {
        Path file = TestData.shared("onnx-models").resolve("burn-pytorch-lstm/lstm_with_initial_state.onnx");
        float[] x = {-1.3839f, 0.4869f, -1.0020f, 0.0329f, -0.4292f, -0.9818f, -0.6421f, 0.8266f,
            1.5914f, -0.1208f, -0.4830f, 0.1133f, 0.0772f, -0.9228f, -1.2620f, 1.0861f,
            1.0966f, -0.6837f, 0.0660f, -0.0008f, 0.1621f, 1.1960f, -1.3062f, -1.4040f,
            -0.9711f, 2.8605f, -0.9941f, -0.3590f, -1.0009f, -0.0631f, -0.9607f, 0.8314f,
            -2.3120f, -0.6416f, 1.0530f, 1.4495f, 0.9528f, 1.1891f, -0.5683f, -0.8502f};
        float[] h0 = {-1.1766f, 1.1889f, 0.2156f, 0.6265f, 0.9144f, 1.0095f, 0.8946f, -0.2878f,
            -1.7459f, 1.0964f, 0.4866f, 0.3668f, -0.3912f, 0.1699f, -0.8704f, 0.0305f};
        float[] c0 = {-0.8428f, -1.6413f, -0.7181f, -0.1090f, -1.8300f, 0.3647f, 0.7893f, -1.3341f,
            -0.6753f, -0.8104f, -0.8330f, 1.8296f, 0.7779f, -0.0576f, -1.3171f, 0.1582f};
        OnnxGraph g = OnnxGraph.load(file);
        Map<String, OnnxValue> out = g.run(Map.of("input", OnnxValue.of(NdArray.of(x, 5, 2, 4)),
                "h_0", OnnxValue.of(NdArray.of(h0, 1, 2, 8)), "c_0", OnnxValue.of(NdArray.of(c0, 1, 2, 8))));
        assertArrayShape(out.get("output"), 5, 2, 8);
        checkSum(out, "output", -7.5641894, -7.5643377);
        checkSum(out, "h_n", -1.0020733, -1.0020967);
        checkSum(out, "c_n", -2.6928458, -2.6928768);
    }

    private static void assertArrayShape(OnnxValue v, int... shape) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(shape, v.shape());
    }

    /**
     * burn's sum (from full-precision inputs) to 1e-4 relative, and the data README's independent NumPy run on the same
     * rounded inputs jrnn gets to 1e-5.
     */
    private static void checkSum(Map<String, OnnxValue> out, String name, double burn, double numpyOnRounded) {
        double s = out.get(name).array().sum().item();
        double vsBurn = Math.abs(s - burn) / Math.abs(burn), vsNumpy = Math.abs(s - numpyOnRounded) / Math.abs(numpyOnRounded);
        System.out.printf("burn %s: sum %.7f, relative difference %.1e from burn, %.1e from NumPy on the rounded inputs%n",
                name, s, vsBurn, vsNumpy);
        assertTrue(vsBurn < 1e-4, name + " sum " + s + " vs burn's " + burn);
        assertTrue(vsNumpy < 1e-5, name + " sum " + s + " vs " + numpyOnRounded);
    }
}
