package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Autograd;
import dev.jrnn.autograd.GradCheck;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.tensor.ShapeMismatchException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;

import static dev.jrnn.nn.rnn.RnnTestSupport.F64;
import static dev.jrnn.nn.rnn.RnnTestSupport.assertClose;
import static dev.jrnn.nn.rnn.RnnTestSupport.param;
import static dev.jrnn.nn.rnn.RnnTestSupport.weightedSum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * minGRU and minLSTM ({@link MinGru}, {@link MinLstm}, their cells and {@link ScanKernels}): values by hand, float64
 * gradient checks of the scan and of whole layers, masking, long sequences, names and errors. The scan against
 * sequential stepping over every option is in {@link FastReadableEquivalenceTest}; against the numpy fixtures in
 * {@link GoldenRecurrentTest}.
 */
class ScanLayersTest {
    private static double maxAbs(NdArray a) {
        return a.maxAbsDiff(a.zerosLike());
    }

    private static CellType type(String name) {
        return name.equals("mingru") ? CellType.MIN_GRU : CellType.MIN_LSTM;
    }

    private static RnnBase.Builder<? extends RnnBase> builder(String cell, int in, int hidden) {
        return cell.equals("mingru") ? MinGru.builder(in, hidden) : MinLstm.builder(in, hidden);
    }

    @Test
    void minGruOneStepByHand() {
        // weight 0, bias (z: 0, h: 1): z = σ(0) = ½, h̃ = g(1) = 1.5; h = ½·h_prev + ½·1.5
        MinGruCell cell = MinGruCell.over(param(new double[4], 2, 2), param(new double[] {0, 1}, 2));
        Tensor h = cell.step(Tensor.of(new double[] {3, -4}, 1, 2), new HiddenState(Tensor.of(new double[] {2}, 1, 1))).h();
        assertEquals(0.5 * 2 + 0.5 * 1.5, h.item(), 1e-15);
        // bias h: −1 (g = σ(−1)), weight on z: x₀ = 3 → z = σ(3)
        cell = MinGruCell.over(param(new double[] {1, 0, 0, 0}, 2, 2), param(new double[] {0, -1}, 2));
        h = cell.step(Tensor.of(new double[] {3, -4}, 1, 2), new HiddenState(Tensor.of(new double[] {2}, 1, 1))).h();
        double z = 1 / (1 + Math.exp(-3)), g = 1 / (1 + Math.exp(1));
        assertEquals((1 - z) * 2 + z * g, h.item(), 1e-15);
    }

    @Test
    void minLstmOneStepByHand() {
        // f = σ(1), i = σ(−2), h̃ = g(0.25) = 0.75; f' = f/(f+i), i' = i/(f+i)
        MinLstmCell cell = MinLstmCell.over(param(new double[3], 3, 1), param(new double[] {1, -2, 0.25}, 3));
        Tensor h = cell.step(Tensor.of(new double[] {7}, 1, 1), new HiddenState(Tensor.of(new double[] {-0.5}, 1, 1))).h();
        double f = 1 / (1 + Math.exp(-1)), i = 1 / (1 + Math.exp(2));
        assertEquals(f / (f + i) * -0.5 + i / (f + i) * 0.75, h.item(), 1e-15);
    }

    @Test
    void candidateActivationIsContinuousAndPositive() {
        Tensor v = Tensor.of(new double[] {-30, -1, 0, 1e-9, 2}, 5);
        double[] g = MinGruCell.g(v).data().toDoubleArray();
        assertEquals(1 / (1 + Math.exp(30)), g[0], 1e-25);
        assertEquals(1 / (1 + Math.exp(1)), g[1], 1e-15);
        assertEquals(0.5, g[2], 0);
        assertEquals(0.5 + 1e-9, g[3], 1e-15);
        assertEquals(2.5, g[4], 0);
        for (int k = 0; k < 5; k++) {
            assertEquals(ScanKernels.g(v.data().toDoubleArray()[k]), g[k], 1e-16, "kernel and cell agree at " + k);
        }
    }

    @ParameterizedTest(name = "{0} batch={1} time={2} reverse={3} lengths={4} h0={5}")
    @CsvSource({
        "mingru, 3, 5, false, true, true",
        "mingru, 3, 5, true, true, true",
        "mingru, 1, 1, false, false, true",
        "mingru, 1, 4, true, false, false",
        "mingru, 4, 1, false, false, false",
        "minlstm, 3, 5, false, true, true",
        "minlstm, 3, 5, true, true, false",
        "minlstm, 1, 1, true, false, true",
        "minlstm, 1, 4, false, false, true",
        "minlstm, 4, 1, false, false, false",
    })
    void scanGradientsMatchCentralDifferences(String cell, int batch, int time, boolean reverse, boolean withLengths,
                                              boolean withH0) {
        CellType t = type(cell);
        Rng rng = new Rng(7 + batch * 10 + time);
        int h = 3;
        int[] lengths = withLengths ? new int[] {time, 2, 1} : null;
        NdArray pre = NdArray.randn(rng, F64, 0, 1.5, batch, time, t.gates() * h);
        NdArray h0 = NdArray.randn(rng, F64, 0, 1, batch, h);                  // either sign: h0 sits outside the log
        Tensor weights = Tensor.constant(NdArray.rand(new Rng(3), F64, -1, 1, batch, time, h));
        GradCheck.Report r = withH0
                ? GradCheck.assertMatches(in -> ScanKernels.scan(t, in[0], in[1], lengths, reverse).mul(weights).sum(), pre, h0)
                : GradCheck.assertMatches(in -> ScanKernels.scan(t, in[0], null, lengths, reverse).mul(weights).sum(), pre);
        assertTrue(r.passed());
    }

    @ParameterizedTest(name = "{0} layers={1} bidirectional={2}")
    @CsvSource({"mingru, 2, true", "mingru, 1, false", "minlstm, 2, true", "minlstm, 1, false"})
    void layerGradientsMatchCentralDifferences(String cell, int layers, boolean bi) {
        RnnBase layer = builder(cell, 3, 4).numLayers(layers).bidirectional(bi).dtype(F64).rng(new Rng(5)).build();
        Rng rng = new Rng(6);
        int ld = layers * (bi ? 2 : 1);
        Tensor x = Tensor.variable(NdArray.randn(rng, F64, 0, 1, 3, 5, 3));
        Tensor h0 = Tensor.variable(NdArray.randn(rng, F64, 0, 1, ld, 3, 4));
        int[] lengths = {5, 3, 1};
        List<Tensor> wrt = new ArrayList<>(layer.parameters());
        wrt.add(x);
        wrt.add(h0);
        GradCheck.Report r = GradCheck.assertMatches(() -> {
            RnnOutput o = layer.forwardFrom(x, new HiddenState(h0), lengths);
            return weightedSum(o.output(), 1).add(weightedSum(o.hN(), 2));
        }, wrt);
        assertTrue(r.passed());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"mingru", "minlstm"})
    void paddedBatchEqualsEachSequenceAlone(String cell) {
        RnnBase layer = builder(cell, 3, 4).numLayers(2).bidirectional(true).dtype(F64).rng(new Rng(8)).build();
        Rng rng = new Rng(9);
        int[] lengths = {5, 2, 4};
        NdArray xs = NdArray.randn(rng, F64, 0, 1, 3, 5, 3);
        Tensor x = Tensor.variable(xs);
        RnnOutput all = layer.forwardFrom(x, null, lengths);
        weightedSum(all.output(), 3).backward();
        NdArray dxAll = x.grad();
        for (int b = 0; b < 3; b++) {
            int len = lengths[b];
            Tensor xb = Tensor.variable(xs.select(0, b).slice(0, 0, len).reshape(1, len, 3).copy());
            RnnOutput alone = layer.forwardFrom(xb, null, null);
            Tensor wAll = Tensor.constant(NdArray.rand(new Rng(3), F64, -1, 1, 3, 5, 8).select(0, b).slice(0, 0, len)
                    .reshape(1, len, 8).copy());
            alone.output().mul(wAll).sum().backward();
            assertClose(all.output().data().select(0, b).slice(0, 0, len).reshape(1, len, 8), alone.output().data(), 1e-12,
                    cell + " output of sequence " + b);
            assertClose(all.hN().data().select(1, b), alone.hN().data().select(1, 0), 1e-12, cell + " hN of sequence " + b);
            assertClose(dxAll.select(0, b).slice(0, 0, len).reshape(1, len, 3), xb.grad(), 1e-12, cell + " dx of " + b);
            if (len < 5) {
                assertEquals(0, maxAbs(all.output().data().select(0, b).slice(0, len, 5)), 0, "zeros past the length");
                assertEquals(0, maxAbs(dxAll.select(0, b).slice(0, len, 5)), 0, "no gradient to padding");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"mingru", "minlstm"})
    @SuppressWarnings("try")
    void longSequencesStayFiniteAndMatchStepping(String cell) {
        // T = 3000; units 0, 1 keep almost everything (a ≈ 1 − 1e-4), unit 2 almost nothing (log a ≈ −9 or −18 per
        // step): its cumulative log-product reaches −27000, far below what exp can represent, so a linear-space
        // cumulative product would be 0 and the division by it infinite; the log-space scan stays exact.
        int time = 3000;
        RnnBase layer = builder(cell, 2, 3).dtype(F64).rng(new Rng(1)).build();
        NdArray b = layer.namedParameters().get("bias_ih_l0").data();
        double[] keep = cell.equals("mingru") ? new double[] {-9, -9, 9, 0, 0, 0} : new double[] {9, 9, -9, -9, -9, 9, 0, 0, 0};
        for (int k = 0; k < keep.length; k++) b.setFlat(k, keep[k]);
        Tensor x = Tensor.constant(NdArray.randn(new Rng(2), F64, 0, 0.3, 2, time, 2));
        RnnOutput fast, slow;
        try (var scope = Autograd.noGrad()) {
            fast = layer.path(RnnBase.Path.FAST).forwardFrom(x, null, null);
            slow = layer.path(RnnBase.Path.READABLE).forwardFrom(x, null, null);
        }
        assertTrue(Double.isFinite(maxAbs(fast.output().data())));
        assertClose(slow.output(), fast.output(), 1e-9, cell + " output over " + time + " steps");
        try (var scope = Autograd.noGrad()) {
            RnnOutput linear = layer.path(RnnBase.Path.FAST).scanForm(ScanKernels.Form.LINEAR).forwardFrom(x, null, null);
            assertClose(slow.output(), linear.output(), 1e-9, cell + " LINEAR over " + time + " steps");
        }
        layer.scanForm(ScanKernels.Form.LOG_SPACE);
        layer.path(RnnBase.Path.FAST);
        Tensor xv = Tensor.variable(x.data());
        weightedSum(layer.forwardFrom(xv, null, null).output(), 4).backward();
        assertTrue(Double.isFinite(maxAbs(xv.grad())), "finite gradients over " + time + " steps");
    }

    @ParameterizedTest(name = "{0} reverse={1}")
    @CsvSource({"mingru, false", "mingru, true", "minlstm, false", "minlstm, true"})
    void linearFormEqualsTheLogSpaceScan(String cell, boolean reverse) {
        CellType t = type(cell);
        Rng rng = new Rng(21);
        int[] lengths = {6, 3, 1};
        NdArray pre = NdArray.randn(rng, F64, 0, 3, 3, 6, t.gates() * 4);      // saturated gates included
        NdArray h0 = NdArray.randn(rng, F64, 0, 1, 3, 4);
        Tensor w = Tensor.constant(NdArray.rand(new Rng(22), F64, -1, 1, 3, 6, 4));
        List<NdArray> grads = new ArrayList<>();
        List<Tensor> outs = new ArrayList<>();
        for (ScanKernels.Form form : ScanKernels.Form.values()) {
            Tensor p = Tensor.variable(pre.copy()), h = Tensor.variable(h0.copy());
            Tensor y = ScanKernels.scan(t, p, h, lengths, reverse, form);
            y.mul(w).sum().backward();
            outs.add(y);
            grads.add(p.grad());
            grads.add(h.grad());
        }
        assertClose(outs.get(0), outs.get(1), 1e-13, cell + " output");
        assertClose(grads.get(0), grads.get(2), 1e-12, cell + " d pre");
        assertClose(grads.get(1), grads.get(3), 1e-12, cell + " d h0");
        RnnBase layer = builder(cell, 3, 4).dtype(F64).rng(new Rng(23)).build().scanForm(ScanKernels.Form.LINEAR);
        Tensor x = Tensor.constant(NdArray.randn(rng, F64, 0, 1, 3, 6, 3));
        RnnOutput linear = layer.forwardFrom(x, null, lengths);
        assertClose(layer.path(RnnBase.Path.READABLE).forwardFrom(x, null, lengths).output(), linear.output(), 1e-13,
                cell + " LINEAR vs stepping");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"mingru", "minlstm"})
    void float32ScanAgreesWithFloat64(String cell) {
        RnnBase l64 = builder(cell, 3, 5).numLayers(2).dtype(F64).rng(new Rng(3)).build();
        RnnBase l32 = builder(cell, 3, 5).numLayers(2).dtype(DType.FLOAT32).rng(new Rng(3)).build();
        NdArray xs = NdArray.randn(new Rng(4), F64, 0, 1, 2, 200, 3);
        RnnOutput a = l64.forwardFrom(Tensor.constant(xs), null, null);
        RnnOutput b = l32.forwardFrom(Tensor.constant(xs.to(DType.FLOAT32)), null, null);
        assertClose(a.output().data(), b.output().data().to(F64), 2e-5, cell + " float32 vs float64");
    }

    @Test
    void parameterNamesShapesAndCells() {
        MinLstm l = MinLstm.builder(3, 4).numLayers(2).bidirectional(true).build();
        assertEquals(List.of("weight_ih_l0", "bias_ih_l0", "weight_ih_l0_reverse", "bias_ih_l0_reverse",
                "weight_ih_l1", "bias_ih_l1", "weight_ih_l1_reverse", "bias_ih_l1_reverse"),
                new ArrayList<>(l.namedParameters().keySet()));
        assertEquals(List.of(12, 8), List.of(l.weightIh(1, true).dim(0), l.weightIh(1, true).dim(1)));
        assertNull(l.weightHh(0, false));
        assertNull(l.biasHh(0, false));
        MinLstmCell c = l.cell(1, true);
        assertTrue(c.weightIh() == l.weightIh(1, true), "the cell reads the layer's own parameter");
        assertNull(c.weightHh());
        MinGru g = MinGru.builder(3, 4).bias(false).build();
        assertEquals(List.of("weight_ih_l0"), new ArrayList<>(g.namedParameters().keySet()));
        assertEquals(2 * 4 * 3, g.parameters().get(0).data().size());
        assertInstanceOf(MinGru.class, RnnBase.create(g.config(), DType.FLOAT32, new Rng(0)));
        assertEquals("MinGru(3, 4, numLayers=1, bias=false, batchFirst=true, dropout=0.0, bidirectional=false, path=FAST)",
                g.toString().lines().findFirst().orElseThrow());
    }

    @Test
    void errorsNameTheLayerAndBothShapes() {
        MinGru g = MinGru.builder(3, 4).build();
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
                () -> g.forward(Tensor.zeros(2, 5, 7)));
        assertTrue(e.getMessage().contains("MinGru.forward") && e.getMessage().contains("[2, 5, 7]")
                && e.getMessage().contains("inputSize=3"), e.getMessage());
        e = assertThrows(ShapeMismatchException.class, () -> g.forward(Tensor.zeros(2, 5, 3), Tensor.zeros(1, 3, 4), null));
        assertTrue(e.getMessage().contains("h0") && e.getMessage().contains("[1, 3, 4]") && e.getMessage().contains("batch=2"),
                e.getMessage());
        IllegalArgumentException c0 = assertThrows(IllegalArgumentException.class,
                () -> g.forwardFrom(Tensor.zeros(2, 5, 3), new LstmState(Tensor.zeros(1, 2, 4), Tensor.zeros(1, 2, 4)), null));
        assertTrue(c0.getMessage().contains("MinGru"), c0.getMessage());
        assertThrows(IllegalStateException.class, () -> MinLstm.builder(3, 4).variant(GruVariant.RESET_BEFORE));
        IllegalArgumentException wrongKernel = assertThrows(IllegalArgumentException.class, () -> RnnKernels.run(
                CellType.MIN_GRU, Tensor.zeros(1, 1, 1), null, null, Tensor.zeros(2, 1), Tensor.zeros(2, 1),
                null, null, null, false));
        assertTrue(wrongKernel.getMessage().contains("ScanKernels"), wrongKernel.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ScanKernels.scan(CellType.LSTM,
                Tensor.zeros(1, 1, 8), null, null, false));
        e = assertThrows(ShapeMismatchException.class, () -> ScanKernels.run(CellType.MIN_LSTM,
                Tensor.zeros(2, 5, 3), null, Tensor.zeros(8, 3), null, null, false));
        assertTrue(e.getMessage().contains("weightIh") && e.getMessage().contains("[8, 3]"), e.getMessage());
        Parameter w = new Parameter(NdArray.zeros(F64, 5, 3));
        e = assertThrows(ShapeMismatchException.class, () -> MinGruCell.over(w, null));
        assertTrue(e.getMessage().contains("MinGruCell") && e.getMessage().contains("[5, 3]"), e.getMessage());
    }
}
