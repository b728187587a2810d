package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.GradCheck;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.io.Safetensors;
import dev.jrnn.io.TorchNames;
import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.tensor.ShapeMismatchException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.jrnn.nn.rnn.RnnTestSupport.F64;
import static dev.jrnn.nn.rnn.RnnTestSupport.assertClose;
import static dev.jrnn.nn.rnn.RnnTestSupport.takeGrads;
import static dev.jrnn.nn.rnn.RnnTestSupport.var;
import static dev.jrnn.nn.rnn.RnnTestSupport.weightedSum;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LSTM with a projection (PyTorch's {@code proj_size}, {@code h = W_hr (o ⊙ tanh c)}) on both paths: float64
 * gradient checks of the cell and of the layer (stacked, bidirectional, masked, with initial states), the fused
 * path against the readable one, PyTorch's parameter names and shapes, the errors, and golden values and
 * gradients computed by {@code torch.nn.LSTM(proj_size=...)} ({@code tools/golden/make_proj_golden.py}).
 */
class LstmProjectionTest {

    @Test
    void cellGradientsMatchCentralDifferences() {
        Rng rng = new Rng(3);
        LstmCell cell = LstmCell.builder(3, 4).projSize(2).dtype(F64).rng(new Rng(4)).build();
        assertEquals(2, cell.outputSize());
        assertEquals(4, cell.hiddenSize());
        assertArrayEquals(new int[] {16, 2}, cell.weightHh().shape());
        assertArrayEquals(new int[] {2, 4}, cell.weightHr().shape());
        Tensor x0 = var(rng, 2, 3), x1 = var(rng, 2, 3), h = var(rng, 2, 2), c = var(rng, 2, 4);
        List<Tensor> wrt = new ArrayList<>(cell.parameters());
        wrt.addAll(List.of(x0, x1, h, c));
        GradCheck.assertMatches(() -> {
            LstmState s = cell.step(x1, cell.step(x0, new LstmState(h, c)));   // two steps: W_hh reads the projected h
            return Tensor.concat(0, s.h().reshape(-1), s.c().reshape(-1));
        }, wrt);
    }

    @Test
    void cellStateShapesAndErrors() {
        LstmCell cell = LstmCell.builder(3, 4).projSize(2).dtype(F64).build();
        LstmState z = cell.zeroState(5, F64);
        assertArrayEquals(new int[] {5, 2}, z.h().shape());
        assertArrayEquals(new int[] {5, 4}, z.c().shape());
        Tensor x = Tensor.zeros(F64, 5, 3);
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
                () -> cell.step(x, new LstmState(Tensor.zeros(F64, 5, 4), Tensor.zeros(F64, 5, 4))));
        assertTrue(e.getMessage().contains("state.h") && e.getMessage().contains("[5, 4]")
                && e.getMessage().contains("proj=2"), e.getMessage());
        IllegalArgumentException p = assertThrows(IllegalArgumentException.class,
                () -> LstmCell.builder(3, 4).projSize(4));
        assertTrue(p.getMessage().contains("projSize") && p.getMessage().contains("1..3"), p.getMessage());
        Parameter wih = new Parameter(NdArray.zeros(F64, 16, 3)), whh = new Parameter(NdArray.zeros(F64, 16, 2));
        ShapeMismatchException hr = assertThrows(ShapeMismatchException.class,
                () -> LstmCell.projected(wih, whh, null, null, new Parameter(NdArray.zeros(F64, 2, 3))));
        assertTrue(hr.getMessage().contains("weight_hr") && hr.getMessage().contains("[2, 3]")
                && hr.getMessage().contains("[2, 4]"), hr.getMessage());
    }

    @ParameterizedTest(name = "{0} layers={1} bidirectional={2} bias={3} lengths={4} h0={5}")
    @CsvSource({
        "FAST, 1, false, true, false, false",
        "FAST, 2, true, true, true, true",
        "FAST, 2, false, false, true, true",
        "READABLE, 1, false, true, false, true",
        "READABLE, 2, true, true, true, true",
    })
    void layerGradientsMatchCentralDifferences(RnnBase.Path path, int layers, boolean bi, boolean bias,
                                               boolean withLengths, boolean withH0) {
        Rng rng = new Rng(11 + layers);
        Lstm lstm = Lstm.builder(2, 3).projSize(2).numLayers(layers).bidirectional(bi).bias(bias).dtype(F64)
                .rng(new Rng(12)).path(path).build();
        int ld = layers * (bi ? 2 : 1);
        Tensor x = var(rng, 2, 3, 2);
        Tensor h0 = withH0 ? var(rng, ld, 2, 2) : null;
        Tensor c0 = withH0 ? var(rng, ld, 2, 3) : null;
        int[] lengths = withLengths ? new int[] {3, 1} : null;
        List<Tensor> wrt = new ArrayList<>(lstm.parameters());
        wrt.add(x);
        if (withH0) {
            wrt.add(h0);
            wrt.add(c0);
        }
        GradCheck.assertMatches(() -> {
            RnnOutput o = lstm.forward(x, h0, c0, lengths);
            return Tensor.concat(0, o.output().reshape(-1), o.hN().reshape(-1), o.cN().reshape(-1));
        }, wrt);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"float64", "float32"})
    void fastAndReadablePathsAgree(String dtype) {
        DType dt = DType.parse(dtype);
        double tol = dt == DType.FLOAT64 ? 1e-10 : 2e-5;
        Lstm lstm = Lstm.builder(3, 5).projSize(2).numLayers(2).bidirectional(true).dtype(dt).rng(new Rng(7)).build();
        Rng rng = new Rng(8);
        Tensor x = Tensor.variable(NdArray.randn(rng, dt, 0, 1, 3, 4, 3));
        Tensor h0 = Tensor.variable(NdArray.randn(rng, dt, 0, 1, 4, 3, 2));
        Tensor c0 = Tensor.variable(NdArray.randn(rng, dt, 0, 1, 4, 3, 5));
        int[] lengths = {4, 2, 3};
        List<Tensor> inputs = List.of(x, h0, c0);
        List<RnnOutput> outs = new ArrayList<>();
        List<Map<String, NdArray>> grads = new ArrayList<>();
        List<List<NdArray>> inputGrads = new ArrayList<>();
        for (RnnBase.Path p : new RnnBase.Path[] {RnnBase.Path.READABLE, RnnBase.Path.FAST}) {
            RnnOutput o = lstm.path(p).forward(x, h0, c0, lengths);
            weightedSum(o.output(), 1).add(weightedSum(o.hN(), 2)).add(weightedSum(o.cN(), 3)).backward();
            outs.add(o);
            grads.add(RnnTestSupport.takeGrads(lstm));
            inputGrads.add(takeGrads(inputs));
        }
        assertArrayEquals(new int[] {3, 4, 4}, outs.get(1).output().shape());   // [B, T, D·P]
        assertArrayEquals(new int[] {4, 3, 2}, outs.get(1).hN().shape());       // [L·D, B, P]
        assertArrayEquals(new int[] {4, 3, 5}, outs.get(1).cN().shape());       // [L·D, B, H]
        assertClose(outs.get(0).output(), outs.get(1).output(), tol, "output");
        assertClose(outs.get(0).hN(), outs.get(1).hN(), tol, "hN");
        assertClose(outs.get(0).cN(), outs.get(1).cN(), tol, "cN");
        assertEquals(lstm.parameters().size(), grads.get(0).size());
        for (String n : grads.get(0).keySet()) {
            assertClose(grads.get(0).get(n), grads.get(1).get(n), tol * 10, "d" + n);
        }
        for (int i = 0; i < inputs.size(); i++) {
            assertClose(inputGrads.get(0).get(i), inputGrads.get(1).get(i), tol * 10, "d input " + i);
        }
    }

    @Test
    void parametersHavePyTorchsNamesAndShapes() {
        Lstm lstm = Lstm.builder(10, 20).projSize(5).numLayers(2).bidirectional(true).build();
        Map<String, String> expected = new LinkedHashMap<>();
        for (String l : new String[] {"l0", "l0_reverse", "l1", "l1_reverse"}) {
            int in = l.startsWith("l0") ? 10 : 10;                     // I = 10; layer 1 reads [forward | reverse] = 2P = 10
            expected.put("weight_ih_" + l, "[80, " + in + "]");
            expected.put("weight_hh_" + l, "[80, 5]");
            expected.put("bias_ih_" + l, "[80]");
            expected.put("bias_hh_" + l, "[80]");
            expected.put("weight_hr_" + l, "[5, 20]");
        }
        Map<String, String> actual = new LinkedHashMap<>();
        lstm.namedParameters().forEach((n, p) -> actual.put(n, dev.jrnn.tensor.Shapes.str(p.shape())));
        assertEquals(expected, actual);                                  // names, shapes and PyTorch's order
        assertEquals(10, lstm.config().outputSize());
        assertTrue(lstm.toString().contains("projSize=5"), lstm.toString());
        assertNotNull(lstm.weightHr(1, true));
    }

    /** Safetensors under PyTorch's names: encode, decode, infer the configuration back, load into a fresh layer. */
    @Test
    void safetensorsRoundTripAndInferredConfiguration() throws Exception {
        Lstm lstm = Lstm.builder(3, 5).projSize(2).numLayers(2).bidirectional(true).dtype(F64).rng(new Rng(5)).build();
        Map<String, NdArray> read = new LinkedHashMap<>(
                Safetensors.decode(Safetensors.encode(lstm.stateDict(), Map.of()), "mem").tensors());
        assertEquals(TorchNames.recurrentNames(2, true, true, true), List.copyOf(lstm.stateDict().keySet()));
        assertEquals(lstm.stateDict().keySet(), read.keySet());
        assertTrue(read.containsKey("weight_hr_l1_reverse"));
        assertEquals(new TorchNames.RecurrentSpec(4, 3, 5, 2, true, true, 2), TorchNames.infer(read, TorchNames.GATES_LSTM));
        Lstm fresh = Lstm.builder(3, 5).projSize(2).numLayers(2).bidirectional(true).dtype(F64).rng(new Rng(6)).build();
        fresh.loadStateDict(read);
        Tensor x = Tensor.constant(NdArray.randn(new Rng(9), F64, 0, 1, 2, 3, 3));
        assertClose(lstm.forward(x).output(), fresh.forward(x).output(), 0, "output after the round trip");
        read.put("weight_hh_l1", NdArray.zeros(F64, 20, 5));               // as if proj_size were forgotten
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TorchNames.infer(read, TorchNames.GATES_LSTM));
        assertTrue(e.getMessage().contains("weight_hh_l1") && e.getMessage().contains("[20, 5]")
                && e.getMessage().contains("[20, 2]"), e.getMessage());
        IllegalArgumentException gru = assertThrows(IllegalArgumentException.class,
                () -> TorchNames.infer(read, TorchNames.GATES_GRU));
        assertTrue(gru.getMessage().contains("weight_hr_l0") && gru.getMessage().contains("only an LSTM"), gru.getMessage());
    }

    @Test
    void torchBuilderTakesProjSizeAndRefusesItElsewhere() {
        RnnBase lstm = RnnBase.torch("LSTM", 3, 4).projSize(2).build();
        assertEquals(2, lstm.config().projSize());
        assertEquals(false, lstm.config().batchFirst());
        RnnOutput o = lstm.forwardFrom(Tensor.zeros(DType.FLOAT32, 5, 2, 3), null, null);   // [T, B, I]
        assertArrayEquals(new int[] {5, 2, 2}, o.output().shape());
        assertEquals(0, RnnBase.torch("GRU", 3, 4).projSize(0).build().config().projSize());
        IllegalArgumentException gru = assertThrows(IllegalArgumentException.class,
                () -> RnnBase.torch("GRU", 3, 4).projSize(2).build());
        assertTrue(gru.getMessage().contains("Gru") && gru.getMessage().contains("Lstm only"), gru.getMessage());
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
                () -> RnnBase.torch("LSTM", 3, 4).projSize(4).build());
        assertTrue(big.getMessage().contains("proj_size") && big.getMessage().contains("1..3")
                && big.getMessage().contains("got 4"), big.getMessage());
    }

    @Test
    void initialStateShapesAreCheckedAgainstProjAndHidden() {
        Lstm lstm = Lstm.builder(3, 4).projSize(2).dtype(F64).build();
        Tensor x = Tensor.zeros(F64, 2, 3, 3);
        ShapeMismatchException h = assertThrows(ShapeMismatchException.class,
                () -> lstm.forward(x, Tensor.zeros(F64, 1, 2, 4), null));
        assertTrue(h.getMessage().contains("h0") && h.getMessage().contains("[1, 2, 4]")
                && h.getMessage().contains("proj_size=2"), h.getMessage());
        ShapeMismatchException c = assertThrows(ShapeMismatchException.class,
                () -> lstm.forward(x, null, Tensor.zeros(F64, 1, 2, 2)));
        assertTrue(c.getMessage().contains("c0") && c.getMessage().contains("hidden=4"), c.getMessage());
    }

    @Test
    void kernelRefusesMismatchedProjectionWeights() {
        Tensor x = Tensor.zeros(F64, 2, 3, 3);
        Tensor wih = Tensor.zeros(F64, 16, 3), whr = Tensor.zeros(F64, 2, 4);
        ShapeMismatchException hh = assertThrows(ShapeMismatchException.class, () -> RnnKernels.run(
                CellType.LSTM, x, null, null, wih, Tensor.zeros(F64, 16, 4), null, null, whr, null, false));
        assertTrue(hh.getMessage().contains("weightHh") && hh.getMessage().contains("[16, 4]")
                && hh.getMessage().contains("[16, 2]"), hh.getMessage());
        IllegalArgumentException gru = assertThrows(IllegalArgumentException.class, () -> RnnKernels.run(
                CellType.GRU, x, null, null, Tensor.zeros(F64, 12, 3), Tensor.zeros(F64, 12, 2), null, null,
                Tensor.zeros(F64, 2, 4), null, false));
        assertTrue(gru.getMessage().contains("LSTM only"), gru.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"lstm_proj_l1", "lstm_proj_l2_bi_h0_lengths", "lstm_proj_l2_nobias_h0"})
    void reproducesTorchOutputsAndGradients(String name) throws Exception {
        URL url = getClass().getResource("/golden-proj/" + name + ".safetensors");
        assertNotNull(url, "fixture " + name + " is missing (tools/golden/make_proj_golden.py writes it)");
        Safetensors.File f = Safetensors.readWithMetadata(Path.of(url.toURI()));
        Map<String, NdArray> t = f.tensors();
        Map<String, String> m = f.metadata();
        for (RnnBase.Path path : RnnBase.Path.values()) {
            Lstm lstm = (Lstm) Lstm.builder(Integer.parseInt(m.get("input_size")), Integer.parseInt(m.get("hidden_size")))
                    .projSize(Integer.parseInt(m.get("proj_size"))).numLayers(Integer.parseInt(m.get("num_layers")))
                    .bidirectional(Boolean.parseBoolean(m.get("bidirectional"))).bias(Boolean.parseBoolean(m.get("bias")))
                    .dtype(F64).path(path).build();
            Map<String, NdArray> weights = new LinkedHashMap<>();
            for (String n : lstm.namedParameters().keySet()) {
                weights.put(n, t.get(n));
            }
            lstm.loadStateDict(weights);                                 // torch's state_dict names, weight_hr_l{k} included
            Tensor x = Tensor.variable(t.get("x"));
            Tensor h0 = t.containsKey("h0") ? Tensor.variable(t.get("h0")) : null;
            Tensor c0 = t.containsKey("c0") ? Tensor.variable(t.get("c0")) : null;
            String ls = m.get("lengths");
            int[] lengths = ls.isEmpty() ? null : java.util.Arrays.stream(ls.split(",")).mapToInt(Integer::parseInt).toArray();
            RnnOutput o = lstm.forward(x, h0, c0, lengths);
            String what = name + " " + path;
            assertClose(t.get("output"), o.output().data(), 1e-12, what + ": output");
            assertClose(t.get("h_n"), o.hN().data(), 1e-12, what + ": h_n");
            assertClose(t.get("c_n"), o.cN().data(), 1e-12, what + ": c_n");
            o.output().mul(Tensor.constant(t.get("gout"))).sum()
                    .add(o.hN().mul(Tensor.constant(t.get("ghn"))).sum())
                    .add(o.cN().mul(Tensor.constant(t.get("gcn"))).sum()).backward();
            int compared = 0;
            for (Map.Entry<String, Parameter> e : lstm.namedParameters().entrySet()) {
                assertClose(t.get("grad." + e.getKey()), e.getValue().grad(), 1e-10, what + ": grad " + e.getKey());
                compared++;
            }
            assertClose(t.get("grad.x"), x.grad(), 1e-10, what + ": grad x");
            if (h0 != null) {
                assertClose(t.get("grad.h0"), h0.grad(), 1e-10, what + ": grad h0");
                assertClose(t.get("grad.c0"), c0.grad(), 1e-10, what + ": grad c0");
            }
            assertEquals(t.keySet().stream().filter(k -> k.startsWith("grad.weight") || k.startsWith("grad.bias")).count(),
                    compared, "every parameter gradient in the fixture compared");
        }
    }
}
