package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Autograd;
import dev.jrnn.autograd.GradCheck;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.jrnn.nn.rnn.RnnTestSupport.F64;
import static dev.jrnn.nn.rnn.RnnTestSupport.assertClose;
import static dev.jrnn.nn.rnn.RnnTestSupport.assertMessageContains;
import static dev.jrnn.nn.rnn.RnnTestSupport.takeGrads;
import static dev.jrnn.nn.rnn.RnnTestSupport.weightedSum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The xLSTM layers ({@link SLstm}, {@link MLstm}, their cells and {@link MLstmKernels}): the cells against the paper's
 * unstabilised equations written out here in plain doubles, the parallel mLSTM form against the recurrent one
 * (values and gradients), float64 gradient checks, masking, state carried between chunks, long sequences, names and
 * errors. Against the numpy fixtures: {@link GoldenRecurrentTest}.
 */
class XLstmTest {
    private static double sigmoid(double v) {
        return 1 / (1 + Math.exp(-v));
    }

    private static double[][] rows(NdArray a) {
        double[] f = a.toDoubleArray();
        int r = a.dim(0), c = a.dim(1);
        double[][] out = new double[r][c];
        for (int i = 0; i < r; i++) System.arraycopy(f, i * c, out[i], 0, c);
        return out;
    }

    private static double dot(double[] w, double[] x) {
        double s = 0;
        for (int j = 0; j < x.length; j++) s += w[j] * x[j];
        return s;
    }

    /** sLSTM without a stabiliser: c = f c + exp(ĩ) z, n = f n + exp(ĩ), h = o c / n (the paper's equations 8–13). */
    @Test
    void sLstmCellFollowsTheUnstabilisedEquations() {
        int in = 3, hid = 4, time = 6;
        SLstmCell cell = new SLstmCell(in, hid, true, F64, new Rng(11));
        NdArray xs = NdArray.randn(new Rng(12), F64, 0, 1, time, in);
        double[][] wi = rows(cell.weightIh().data()), wh = rows(cell.weightHh().data());
        double[] bi = cell.biasIh().data().toDoubleArray(), bh = cell.biasHh().data().toDoubleArray();
        double[] h = new double[hid], c = new double[hid], n = new double[hid];
        SLstmState s = cell.zeroState(1, F64);
        for (int t = 0; t < time; t++) {
            double[] x = xs.select(0, t).toDoubleArray();
            double[] hNew = new double[hid];
            for (int u = 0; u < hid; u++) {
                double[] pre = new double[4];
                for (int g = 0; g < 4; g++) {
                    int r = g * hid + u;
                    pre[g] = dot(wi[r], x) + bi[r] + dot(wh[r], h) + bh[r];
                }
                double i = Math.exp(pre[0]), f = sigmoid(pre[1]), z = Math.tanh(pre[2]), o = sigmoid(pre[3]);
                c[u] = f * c[u] + i * z;
                n[u] = f * n[u] + i;
                hNew[u] = o * c[u] / n[u];
            }
            h = hNew;
            s = cell.step(Tensor.constant(xs.select(0, t).reshape(1, in)), s);
            assertClose(NdArray.of(h, 1, hid), s.h().data(), 1e-13, "h at step " + t);
        }
    }

    /** mLSTM without a stabiliser: C = f C + i v kᵀ, n = f n + i k, h = o ⊙ C q / max(|nᵀ q|, 1), per head. */
    @ParameterizedTest(name = "heads={0}")
    @CsvSource({"1", "2"})
    void mLstmCellFollowsTheUnstabilisedEquations(int heads) {
        int in = 3, hid = 4, time = 6, d = hid / heads;
        MLstmCell cell = new MLstmCell(in, hid, heads, true, F64, new Rng(13));
        NdArray xs = NdArray.randn(new Rng(14), F64, 0, 1, time, in);
        double[][] w = rows(cell.weightIh().data()), wg = rows(cell.weightGate().data());
        double[] b = cell.biasIh().data().toDoubleArray(), bg = cell.biasGate().data().toDoubleArray();
        double[][][] cm = new double[heads][d][d];
        double[][] nv = new double[heads][d];
        MLstmState s = cell.zeroState(1, F64);
        for (int t = 0; t < time; t++) {
            double[] x = xs.select(0, t).toDoubleArray();
            double[] p = new double[4 * hid];
            for (int r = 0; r < 4 * hid; r++) p[r] = dot(w[r], x) + b[r];
            double[] h = new double[hid];
            for (int j = 0; j < heads; j++) {
                double i = Math.exp(dot(wg[j], x) + bg[j]), f = sigmoid(dot(wg[heads + j], x) + bg[heads + j]);
                double nq = 0;
                for (int a = 0; a < d; a++) {
                    double v = p[2 * hid + j * d + a];
                    for (int e = 0; e < d; e++) {
                        double k = p[hid + j * d + e] / Math.sqrt(d);
                        cm[j][a][e] = f * cm[j][a][e] + i * v * k;
                    }
                    nv[j][a] = f * nv[j][a] + i * p[hid + j * d + a] / Math.sqrt(d);
                    nq += nv[j][a] * p[j * d + a];
                }
                for (int a = 0; a < d; a++) {
                    double cq = 0;
                    for (int e = 0; e < d; e++) cq += cm[j][a][e] * p[j * d + e];
                    h[j * d + a] = sigmoid(p[3 * hid + j * d + a]) * cq / Math.max(Math.abs(nq), 1);
                }
            }
            s = cell.step(Tensor.constant(xs.select(0, t).reshape(1, in)), s);
            assertClose(NdArray.of(h, 1, hid), s.h().data(), 1e-13, "h at step " + t);
        }
    }

    private static MLstm mlstm(int in, int hid, int heads, int layers, boolean bi, long seed) {
        return MLstm.builder(in, hid).heads(heads).numLayers(layers).bidirectional(bi).dtype(F64).rng(new Rng(seed)).build();
    }

    private static RnnState randomState(RnnBase l, int batch, Rng rng) {
        int ld = l.config().numLayers() * l.config().numDirections(), h = l.config().hiddenSize();
        if (l instanceof SLstm) {
            NdArray n = NdArray.rand(rng, F64, 0.5, 2, ld, batch, h);     // a normaliser is positive
            return new SLstmState(Tensor.variable(NdArray.randn(rng, F64, 0, 1, ld, batch, h)),
                    Tensor.variable(NdArray.randn(rng, F64, 0, 1, ld, batch, h)), Tensor.variable(n),
                    Tensor.constant(NdArray.randn(rng, F64, 0, 1, ld, batch, h)));
        }
        int nh = l.heads(), d = h / nh;
        return new MLstmState(Tensor.variable(NdArray.randn(rng, F64, 0, 1, ld, batch, h)),
                Tensor.variable(NdArray.randn(rng, F64, 0, 1, ld, batch, nh * d * d)),
                Tensor.variable(NdArray.randn(rng, F64, 0, 1, ld, batch, h)),
                Tensor.constant(NdArray.randn(rng, F64, 0, 1, ld, batch, nh)));
    }

    private static Tensor loss(RnnOutput o) {
        Tensor l = weightedSum(o.output(), 1);
        List<Tensor> s = o.state().tensors();
        for (int j = 0; j < 3; j++) l = l.add(weightedSum(s.get(j), 2 + j));   // h, c, n (m carries no gradient)
        return l;
    }

    @ParameterizedTest(name = "heads={0} layers={1} bidirectional={2} lengths={3} state={4}")
    @CsvSource({
        "1, 1, false, false, false",
        "2, 2, true, true, true",
        "4, 1, true, true, false",
        "1, 2, false, true, true",
    })
    void mLstmParallelFormEqualsTheRecurrentForm(int heads, int layers, boolean bi, boolean withLengths, boolean withState) {
        MLstm l = mlstm(3, 4, heads, layers, bi, 31);
        Rng rng = new Rng(32);
        Tensor x = Tensor.variable(NdArray.randn(rng, F64, 0, 1.5, 3, 7, 3));
        int[] lengths = withLengths ? new int[] {7, 4, 1} : null;
        RnnState s0 = withState ? randomState(l, 3, rng) : null;
        List<Tensor> leaves = new ArrayList<>(List.of(x));
        if (s0 != null) leaves.addAll(s0.tensors().subList(0, 3));
        RnnOutput[] outs = new RnnOutput[2];
        List<Map<String, NdArray>> dParams = new ArrayList<>();
        List<List<NdArray>> dLeaves = new ArrayList<>();
        RnnBase.Path[] paths = {RnnBase.Path.FAST, RnnBase.Path.READABLE};
        for (int p = 0; p < 2; p++) {
            outs[p] = l.path(paths[p]).forwardFrom(x, s0, lengths);
            loss(outs[p]).backward();
            dParams.add(takeGrads(l));
            dLeaves.add(takeGrads(leaves));
        }
        assertClose(outs[1].output(), outs[0].output(), 1e-12, "output");
        for (int j = 0; j < 4; j++) {
            assertClose(outs[1].state().tensors().get(j), outs[0].state().tensors().get(j), 1e-12, "final state " + j);
        }
        dParams.get(1).forEach((n, g) -> assertClose(g, dParams.get(0).get(n), 1e-11, "d" + n));
        for (int j = 0; j < leaves.size(); j++) {
            assertClose(dLeaves.get(1).get(j), dLeaves.get(0).get(j), 1e-11, "d leaf " + j);
        }
    }

    @ParameterizedTest(name = "{0} batch={1} time={2} layers={3} bidirectional={4} path={5}")
    @CsvSource({
        "slstm, 3, 5, 2, true, FAST",
        "slstm, 1, 1, 1, false, FAST",
        "mlstm, 3, 5, 2, true, FAST",
        "mlstm, 1, 1, 1, false, FAST",
        "mlstm, 3, 4, 1, true, READABLE",
    })
    void gradientsMatchCentralDifferences(String cell, int batch, int time, int layers, boolean bi, RnnBase.Path path) {
        RnnBase l = (cell.equals("slstm") ? SLstm.builder(3, 4) : MLstm.builder(3, 4).heads(2))
                .numLayers(layers).bidirectional(bi).dtype(F64).rng(new Rng(41)).path(path).build();
        Rng rng = new Rng(42);
        Tensor x = Tensor.variable(NdArray.randn(rng, F64, 0, 1, batch, time, 3));
        int[] lengths = batch == 3 ? new int[] {time, 2, 1} : null;
        Tensor x2 = Tensor.constant(NdArray.randn(rng, F64, 0, 1, batch, 2, 3));
        RnnState s0 = randomState(l, batch, rng);
        List<Tensor> wrt = new ArrayList<>(l.parameters());
        wrt.add(x);
        wrt.addAll(s0.tensors().subList(0, 3));
        assertTrue(GradCheck.assertMatches(() -> twoChunks(l, x, x2, s0, lengths), wrt).passed());
        assertTrue(GradCheck.assertMatches(() -> twoChunks(l, x, x2, null, lengths), wrt.subList(0, wrt.size() - 3)).passed());
    }

    /**
     * A loss on the outputs of two chunks, the second continuing from the first's state without a detach, so that
     * the gradient flows through every state tensor. (Not on c, n themselves: they are stored divided by e^m, and m
     * is a constant to autograd, which is exact for everything computed from h.)
     */
    private static Tensor twoChunks(RnnBase l, Tensor x, Tensor x2, RnnState s0, int[] lengths) {
        RnnOutput a = l.forwardFrom(x, s0, lengths);
        RnnOutput b = l.forwardFrom(x2, a.state(), null);
        return weightedSum(a.output(), 1).add(weightedSum(b.output(), 2)).add(weightedSum(b.hN(), 3));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"slstm", "mlstm"})
    void paddedBatchEqualsEachSequenceAlone(String cell) {
        RnnBase l = cell.equals("slstm") ? SLstm.builder(3, 4).numLayers(2).bidirectional(true).dtype(F64).rng(new Rng(8)).build()
                : mlstm(3, 4, 2, 2, true, 8);
        int[] lengths = {5, 2, 4};
        NdArray xs = NdArray.randn(new Rng(9), F64, 0, 1, 3, 5, 3);
        Tensor x = Tensor.variable(xs);
        RnnOutput all = l.forwardFrom(x, null, lengths);
        weightedSum(all.output(), 3).backward();
        NdArray dxAll = x.grad();
        for (int b = 0; b < 3; b++) {
            int len = lengths[b];
            Tensor xb = Tensor.variable(xs.select(0, b).slice(0, 0, len).reshape(1, len, 3).copy());
            RnnOutput alone = l.forwardFrom(xb, null, null);
            Tensor w = Tensor.constant(NdArray.rand(new Rng(3), F64, -1, 1, 3, 5, 8).select(0, b).slice(0, 0, len)
                    .reshape(1, len, 8).copy());
            alone.output().mul(w).sum().backward();
            assertClose(all.output().data().select(0, b).slice(0, 0, len).reshape(1, len, 8), alone.output().data(), 1e-12,
                    cell + " output of sequence " + b);
            for (int j = 0; j < 4; j++) {
                assertClose(all.state().tensors().get(j).data().select(1, b), alone.state().tensors().get(j).data().select(1, 0),
                        1e-12, cell + " final state " + j + " of sequence " + b);
            }
            assertClose(dxAll.select(0, b).slice(0, 0, len).reshape(1, len, 3), xb.grad(), 1e-12, cell + " dx of " + b);
            if (len < 5) {
                NdArray pad = all.output().data().select(0, b).slice(0, len, 5);
                assertEquals(0, pad.maxAbsDiff(pad.zerosLike()), 0, "zeros past the length");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"slstm", "mlstm"})
    @SuppressWarnings("try")
    void stateCarriedBetweenChunksEqualsOneRun(String cell) {
        RnnBase l = cell.equals("slstm") ? SLstm.builder(3, 4).numLayers(2).dtype(F64).rng(new Rng(51)).build()
                : mlstm(3, 4, 2, 2, false, 51);
        NdArray xs = NdArray.randn(new Rng(52), F64, 0, 1, 2, 9, 3);
        try (var scope = Autograd.noGrad()) {
            RnnOutput whole = l.forwardFrom(Tensor.constant(xs), null, null);
            RnnOutput a = l.forwardFrom(Tensor.constant(xs.slice(1, 0, 4).copy()), null, null);
            RnnOutput b = l.forwardFrom(Tensor.constant(xs.slice(1, 4, 9).copy()), a.state().detach(), null);
            assertClose(whole.output().data().slice(1, 4, 9), b.output().data(), 1e-12, cell + " second chunk");
            for (int j = 0; j < 4; j++) {
                assertClose(whole.state().tensors().get(j), b.state().tensors().get(j), 1e-12, cell + " state " + j);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"slstm", "mlstm"})
    @SuppressWarnings("try")
    void largeInputGatesStayFinite(String cell) {
        // ĩ ≈ 200 at every step: exp(ĩ) overflows double (and exp(ĩ) summed over 1,000 steps would overflow anything),
        // the stabilised states stay finite and the two mLSTM forms agree.
        int time = 1000;
        RnnBase l = cell.equals("slstm") ? SLstm.builder(2, 4).dtype(F64).rng(new Rng(61)).build() : mlstm(2, 4, 2, 1, false, 61);
        NdArray b = l.namedParameters().get(cell.equals("slstm") ? "bias_ih_l0" : "bias_gate_l0").data();
        for (int k = 0; k < (cell.equals("slstm") ? 4 : 2); k++) b.setFlat(k, 200);
        Tensor x = Tensor.constant(NdArray.randn(new Rng(62), F64, 0, 1, 2, time, 2));
        try (var scope = Autograd.noGrad()) {
            RnnOutput fast = l.path(RnnBase.Path.FAST).forwardFrom(x, null, null);
            NdArray out = fast.output().data();
            assertTrue(Double.isFinite(out.maxAbsDiff(out.zerosLike())), cell + " finite over " + time + " steps");
            if (cell.equals("mlstm")) {
                NdArray slow = l.path(RnnBase.Path.READABLE).forwardFrom(x, null, null).output().data();
                double scale = slow.maxAbsDiff(slow.zerosLike());
                assertTrue(slow.maxAbsDiff(out) <= 1e-10 * scale, "parallel vs recurrent over " + time + " steps: "
                        + slow.maxAbsDiff(out) + " of " + scale);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"slstm", "mlstm"})
    void float32AgreesWithFloat64(String cell) {
        RnnBase.Builder<? extends RnnBase> b64 = cell.equals("slstm") ? SLstm.builder(3, 4) : MLstm.builder(3, 4).heads(2);
        RnnBase.Builder<? extends RnnBase> b32 = cell.equals("slstm") ? SLstm.builder(3, 4) : MLstm.builder(3, 4).heads(2);
        RnnBase l64 = b64.numLayers(2).dtype(F64).rng(new Rng(3)).build();
        RnnBase l32 = b32.numLayers(2).dtype(DType.FLOAT32).rng(new Rng(3)).build();
        NdArray xs = NdArray.randn(new Rng(4), F64, 0, 1, 2, 64, 3);
        RnnOutput a = l64.forwardFrom(Tensor.constant(xs), null, null);
        RnnOutput c = l32.forwardFrom(Tensor.constant(xs.to(DType.FLOAT32)), null, null);
        assertClose(a.output().data(), c.output().data().to(F64), 1e-4, cell + " float32 vs float64");
    }

    @Test
    void parameterNamesShapesAndCells() {
        MLstm m = MLstm.builder(3, 4).heads(2).numLayers(2).bidirectional(true).build();
        assertEquals(List.of("weight_ih_l0", "bias_ih_l0", "weight_gate_l0", "bias_gate_l0",
                "weight_ih_l0_reverse", "bias_ih_l0_reverse", "weight_gate_l0_reverse", "bias_gate_l0_reverse",
                "weight_ih_l1", "bias_ih_l1", "weight_gate_l1", "bias_gate_l1",
                "weight_ih_l1_reverse", "bias_ih_l1_reverse", "weight_gate_l1_reverse", "bias_gate_l1_reverse"),
                new ArrayList<>(m.namedParameters().keySet()));
        assertEquals(List.of(16, 8), List.of(m.weightIh(1, false).dim(0), m.weightIh(1, false).dim(1)));
        assertEquals(List.of(4, 8), List.of(m.weightGate(1, true).dim(0), m.weightGate(1, true).dim(1)));
        assertNull(m.weightHh(0, false));
        assertTrue(m.cell(1, true).weightGate() == m.weightGate(1, true), "the cell reads the layer's own parameter");
        assertEquals(2, m.cell(0, false).heads());
        SLstm s = SLstm.builder(3, 4).bias(false).build();
        assertEquals(List.of("weight_ih_l0", "weight_hh_l0"), new ArrayList<>(s.namedParameters().keySet()));
        assertEquals(16, s.weightHh(0, false).dim(0));
        assertInstanceOf(SLstmState.class, s.forward(Tensor.zeros(1, 2, 3)).state());
        RnnOutput o = m.forward(Tensor.zeros(2, 3, 3));
        MLstmState st = assertInstanceOf(MLstmState.class, o.state());
        assertEquals(List.of(4, 2, 8), List.of(st.c().dim(0), st.c().dim(1), st.c().dim(2)));   // L·D, B, heads·d·d
        assertTrue(o.hN() == st.h());
        assertEquals("MLstm(3, 4, heads=2, numLayers=2, bias=true, batchFirst=true, dropout=0.0, bidirectional=true, path=FAST)",
                m.toString());
    }

    @Test
    void errorsNameTheLayerAndTheFix() {
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> MLstm.builder(3, 4).heads(3).build()),
                "MLstm", "heads", "hiddenSize=4", "got 3");
        assertMessageContains(assertThrows(IllegalStateException.class, () -> SLstm.builder(3, 4).heads(2)),
                "SLstm", "heads is an option of MLstm only");
        SLstm s = SLstm.builder(3, 4).build();
        Tensor x = Tensor.zeros(2, 5, 3);
        assertMessageContains(assertThrows(IllegalArgumentException.class,
                () -> s.forwardFrom(x, new HiddenState(Tensor.zeros(1, 2, 4)), null)), "SLstm.forward", "SLstmState", "HiddenState");
        assertMessageContains(assertThrows(RuntimeException.class,
                () -> s.forwardFrom(x, new SLstmState(Tensor.zeros(1, 2, 4), Tensor.zeros(1, 2, 4), Tensor.zeros(1, 3, 4),
                        Tensor.zeros(1, 2, 4)), null)), "initialState.n", "batch=2");
        MLstm m = MLstm.builder(3, 4).heads(2).build();
        assertMessageContains(assertThrows(RuntimeException.class,
                () -> m.forwardFrom(x, new MLstmState(Tensor.zeros(1, 2, 4), Tensor.zeros(1, 2, 16), Tensor.zeros(1, 2, 4),
                        Tensor.zeros(1, 2, 2)), null)), "initialState.c", "8");
        assertMessageContains(assertThrows(RuntimeException.class, () -> m.cell(0, false).step(Tensor.zeros(2, 3),
                new MLstmState(Tensor.zeros(2, 4), Tensor.zeros(2, 8), Tensor.zeros(2, 4), Tensor.zeros(2, 1)))),
                "MLstmCell.step", "state.m", "heads=2");
        assertMessageContains(assertThrows(RuntimeException.class, () -> MLstmCell.over(m.weightIh(0, false), m.biasIh(0, false),
                m.weightGate(0, false), m.biasGate(0, false), 1)), "weight_gate", "2·heads=2");
    }
}
