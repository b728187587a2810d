package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.GradCheck;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.io.Safetensors;
import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.tensor.ShapeMismatchException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.jrnn.nn.rnn.RnnTestSupport.F64;
import static dev.jrnn.nn.rnn.RnnTestSupport.assertClose;
import static dev.jrnn.nn.rnn.RnnTestSupport.takeGrads;
import static dev.jrnn.nn.rnn.RnnTestSupport.weightedSum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TTT-Linear ({@link TttLinearCell}, {@link TttLinear}): the written-out inner gradient against autograd, the layer
 * against the online and mini-batch recursions written out here, float64 gradient checks through several inner
 * updates, masking, stacking, state carried between calls, names and save/load, errors. Against the numpy fixture:
 * {@link GoldenRecurrentTest}.
 */
class TttLinearTest {
    private static TttLinear layer(int in, int hidden, int heads, int b, long seed) {
        return TttLinear.builder(in, hidden, heads, b).dtype(F64).rng(new Rng(seed)).build();
    }

    private static Tensor input(long seed, int... shape) {
        return Tensor.constant(NdArray.randn(new Rng(seed), F64, 0, 1, shape));
    }

    @Test
    void innerGradientIsTheGradientOfTheInnerLoss() {
        Rng rng = new Rng(3);
        Tensor k = input(1, 2, 3, 4), v = input(2, 2, 3, 4);
        Tensor w = Tensor.variable(NdArray.randn(rng, F64, 0, 0.5, 2, 3, 4, 4));
        Tensor gamma = Tensor.constant(NdArray.randn(rng, F64, 1, 0.3, 3, 4));
        Tensor beta = Tensor.constant(NdArray.randn(rng, F64, 0, 0.3, 3, 4));
        TttLinearCell.innerLoss(k, v, w, gamma, beta).backward();                // autograd's ∇_W ℓ
        Tensor written = TttLinearCell.innerGradient(k, v, w, gamma, beta);
        assertClose(w.grad(), written.data(), 1e-10, "written-out ∇_W ℓ vs autograd");
        assertTrue(w.grad().maxAbsDiff(w.grad().zerosLike()) > 0.1, "a gradient that is not trivially zero");
    }

    /**
     * The recursion of the class comment, written out with autograd's gradient of the inner loss (not the cell's
     * written-out one): gradients at the mini-batch start, W updated every token, the start moved every b tokens.
     */
    private static double[] explicitRecursion(TttLinearCell c, Tensor x, int b) {
        int batch = x.dim(0), time = x.dim(1), n = c.heads(), d = c.headSize(), h = c.hiddenSize();
        Map<String, Parameter> p = c.namedParameters();
        NdArray w = c.initialWeights(batch, F64).data().reshape(batch, n, d, d), wStart = w;
        double[] out = new double[batch * time * h];
        for (int t = 0; t < time; t++) {
            Tensor xt = x.select(1, t);
            Tensor kvq = xt.matmulTransposed(p.get("weight_ih")).add(p.get("bias_ih"));
            Tensor k = kvq.slice(1, 0, h).reshape(batch, n, d).detach(), v = kvq.slice(1, h, 2 * h).reshape(batch, n, d).detach();
            Tensor q = kvq.slice(1, 2 * h, 3 * h).reshape(batch, n, d).detach();
            NdArray eta = xt.matmulTransposed(p.get("ttt_lr_weight")).add(p.get("ttt_lr_bias")).sigmoid().mul(1.0 / d).data();
            Tensor ws = Tensor.variable(wStart.copy());
            TttLinearCell.innerLoss(k, v, ws, p.get("ttt_norm_weight").detach(), p.get("ttt_norm_bias").detach()).backward();
            w = w.sub(ws.grad().mul(eta.reshape(batch, n, 1, 1)));             // W_t = W_{t−1} − η_t ∇ℓ(W_s)
            if ((t + 1) % b == 0) wStart = w;
            Tensor z = TttLinearCell.f(q, Tensor.constant(w), p.get("ttt_norm_weight").detach(), p.get("ttt_norm_bias").detach());
            double[] y = z.reshape(batch, h).matmulTransposed(p.get("weight_ho")).add(p.get("bias_ho")).data().toDoubleArray();
            for (int r = 0; r < batch; r++) System.arraycopy(y, r * h, out, (r * time + t) * h, h);
        }
        return out;
    }

    @ParameterizedTest
    @CsvSource({"1, 1, 6", "2, 2, 7", "3, 1, 7", "4, 2, 8", "7, 2, 5"})   // b, heads, T: partial last mini-batches too
    void layerIsTheOnlineOrMiniBatchRecursion(int b, int heads, int time) {
        TttLinear l = layer(3, 4, heads, b, 11);
        Tensor x = input(12, 2, time, 3);
        double[] expected = explicitRecursion(l.cell(0, false), x, b);
        NdArray got = l.forward(x).output().data();
        assertClose(NdArray.of(expected, 2, time, 4), got, 1e-12, "b=" + b);
    }

    @Test
    void miniBatchesChangeTheOutputButNotTheFirstMiniBatchStart() {
        Tensor x = input(5, 1, 6, 3);
        NdArray online = layer(3, 4, 2, 1, 1).forward(x).output().data();
        NdArray batched = layer(3, 4, 2, 3, 1).forward(x).output().data();
        assertClose(online.slice(1, 0, 1), batched.slice(1, 0, 1), 1e-14, "the first token: one update from W_0 either way");
        assertTrue(online.maxAbsDiff(batched) > 1e-6, "later tokens see gradients taken at different W");
    }

    @ParameterizedTest
    @CsvSource({"1, 4, false", "2, 5, false", "3, 4, true"})   // b, T, bidirectional
    void gradientsMatchCentralDifferencesThroughInnerUpdates(int b, int time, boolean bidirectional) {
        TttLinear l = TttLinear.builder(3, 4, 2, b).bidirectional(bidirectional).dtype(F64).rng(new Rng(21)).build();
        Tensor x = Tensor.variable(NdArray.randn(new Rng(22), F64, 0, 1, 2, time, 3));
        List<Tensor> wrt = new ArrayList<>(l.parameters());
        wrt.add(x);
        GradCheck.Report r = GradCheck.assertMatches(() -> weightedSum(l.forward(x, null, new int[] {time, time - 1}).output(), 5), wrt);
        assertTrue(r.checked() > 100, "checked " + r.checked() + " entries");
    }

    @Test
    void gradientOfGivenFastWeightsMatchesCentralDifferences() {
        TttLinear l = layer(2, 4, 1, 2, 31);
        Tensor x = input(32, 2, 3, 2);
        Tensor w0 = Tensor.variable(NdArray.randn(new Rng(33), F64, 0, 0.3, 1, 2, 16));
        GradCheck.assertMatches(() -> {
            RnnOutput o = l.forward(x, w0, null);
            return weightedSum(o.output(), 1).add(weightedSum(o.cN(), 2));
        }, List.of(w0));
    }

    @Test
    void aPaddedBatchGivesEachSequenceWhatItGetsAlone() {
        TttLinear l = TttLinear.builder(3, 4, 2, 2).bidirectional(true).numLayers(2).dtype(F64).rng(new Rng(41)).build();
        int[] lengths = {5, 2, 3};
        Tensor x = input(42, 3, 5, 3);
        RnnOutput all = l.forward(x, null, lengths);
        NdArray weights = NdArray.rand(new Rng(43), F64, -1, 1, all.output().shape());
        all.output().mul(Tensor.constant(weights)).sum().backward();
        Map<String, NdArray> gAll = takeGrads(l);
        Map<String, NdArray> gSum = new HashMap<>();
        for (int b = 0; b < 3; b++) {
            int len = lengths[b];
            Tensor xb = x.slice(0, b, b + 1).slice(1, 0, len);
            RnnOutput one = l.forward(xb);
            assertClose(one.output().data(), all.output().data().slice(0, b, b + 1).slice(1, 0, len), 1e-13, "output " + b);
            assertClose(one.hN().data(), all.hN().data().slice(1, b, b + 1), 1e-13, "hN " + b);
            assertClose(one.cN().data(), all.cN().data().slice(1, b, b + 1), 1e-10, "cN (fast weights; BLAS rounding differs with the batch) " + b);
            if (len < 5) {
                assertEquals(0, all.output().data().slice(0, b, b + 1).slice(1, len, 5).maxAbsDiff(
                        all.output().data().slice(0, b, b + 1).slice(1, len, 5).zerosLike()), "zeros past the length");
            }
            one.output().mul(Tensor.constant(weights.slice(0, b, b + 1).slice(1, 0, len))).sum().backward();
            takeGrads(l).forEach((n, g) -> gSum.merge(n, g, NdArray::add));
        }
        gAll.forEach((n, g) -> assertClose(gSum.get(n), g, 1e-10, "gradient of " + n));
    }

    @Test
    void stackedLayersFeedEachOther() {
        TttLinear stacked = TttLinear.builder(3, 4, 2, 2).numLayers(2).dtype(F64).rng(new Rng(51)).build();
        TttLinear first = layer(3, 4, 2, 2, 0), second = layer(4, 4, 2, 2, 0);
        Map<String, NdArray> s = stacked.stateDict(), a = new HashMap<>(), b = new HashMap<>();
        s.forEach((n, v) -> (n.endsWith("_l0") ? a : b).put(n.replace("_l1", "_l0"), v));
        first.loadStateDict(a);
        second.loadStateDict(b);
        Tensor x = input(52, 2, 5, 3);
        RnnOutput o = stacked.forward(x);
        Tensor y1 = first.forward(x).output();
        assertClose(second.forward(y1).output(), o.output(), 1e-13, "layer 1 reads layer 0's output");
        assertClose(first.forward(x).cN().data().reshape(1, 2, 8), o.cN().data().slice(0, 0, 1), 1e-13, "layer 0 fast weights");
    }

    @ParameterizedTest
    @CsvSource({"1, 2", "3, 3", "2, 4"})   // b, first call's length (a multiple of b continues exactly)
    void stateCarriedBetweenCallsContinuesTheSequence(int b, int split) {
        TttLinear l = layer(3, 6, 3, b, 61);
        Tensor x = input(62, 2, 6, 3);
        RnnOutput whole = l.forward(x);
        RnnOutput a = l.forwardFrom(x.slice(1, 0, split), null, null);
        RnnOutput c = l.forwardFrom(x.slice(1, split, 6), a.state(), null);
        assertClose(whole.output().data().slice(1, split, 6), c.output().data(), 1e-13, "second half");
        assertClose(whole.cN(), c.cN(), 1e-13, "final fast weights");
    }

    @Test
    void cellSteppedByHandIsTheLayer() {
        TttLinear l = layer(3, 4, 2, 2, 71);
        Tensor x = input(72, 2, 5, 3);
        TttLinearCell cell = l.cell(0, false);
        TttState s = cell.zeroState(2, F64);
        NdArray out = l.forward(x).output().data();
        for (int t = 0; t < 5; t++) {
            s = cell.step(x.select(1, t), s);
            assertClose(out.slice(1, t, t + 1).reshape(2, 4), s.h().data(), 1e-14, "step " + t);
            assertEquals((t + 1) % 2, s.step(), "position in the mini-batch");
        }
    }

    @Test
    void parameterNamesShapesAndSafetensorsRoundTrip(@TempDir Path dir) throws Exception {
        TttLinear l = TttLinear.builder(5, 8, 2, 4).bidirectional(true).dtype(F64).rng(new Rng(81)).build();
        Map<String, int[]> expected = new java.util.LinkedHashMap<>();
        for (String s : new String[] {"_l0", "_l0_reverse"}) {
            expected.put("weight_ih" + s, new int[] {24, 5});
            expected.put("bias_ih" + s, new int[] {24});
        }
        for (String s : new String[] {"_l0", "_l0_reverse"}) {
            expected.put("ttt_lr_weight" + s, new int[] {2, 5});
            expected.put("ttt_lr_bias" + s, new int[] {2});
            expected.put("ttt_w0" + s, new int[] {2, 4, 4});
            expected.put("ttt_norm_weight" + s, new int[] {2, 4});
            expected.put("ttt_norm_bias" + s, new int[] {2, 4});
            expected.put("weight_ho" + s, new int[] {8, 8});
            expected.put("bias_ho" + s, new int[] {8});
        }
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(l.namedParameters().keySet()));
        expected.forEach((n, shape) -> assertTrue(java.util.Arrays.equals(shape, l.namedParameters().get(n).shape()), n));
        assertEquals(expected.keySet(), dev.jrnn.io.TorchNames.recurrentShapes(CellType.TTT_LINEAR, 5, 8, 1,
                true, true, 2).keySet(), "TorchNames lists the same names");
        Path f = dir.resolve("ttt.safetensors");
        Safetensors.write(f, l.stateDict());
        TttLinear back = TttLinear.builder(5, 8, 2, 4).bidirectional(true).dtype(F64).rng(new Rng(99)).build();
        back.loadStateDict(Safetensors.read(f));
        Tensor x = input(82, 2, 6, 5);
        assertClose(l.forward(x).output(), back.forward(x).output(), 0, "same outputs after the round trip");
        TttLinear noBias = TttLinear.builder(5, 8, 2, 1).bias(false).dtype(F64).build();
        assertTrue(noBias.namedParameters().keySet().stream().noneMatch(n -> n.startsWith("bias") || n.startsWith("ttt_lr_bias")));
    }

    @Test
    void defaultHeadsHaveAtMostSixteenFeatures() {
        assertEquals(16, TttLinearCell.defaultHeads(256));
        assertEquals(10, TttLinearCell.defaultHeads(100));   // d = 10
        assertEquals(1, TttLinearCell.defaultHeads(7));      // d = 7
        assertEquals(1, TttLinearCell.defaultHeads(17));     // prime above 16: one head
        TttLinear l = (TttLinear) RnnBase.create(new RnnConfig(CellType.TTT_LINEAR, 3, 32, 1, true, true, 0, false),
                F64, new Rng(1));
        assertEquals(2, l.heads());
        assertEquals(1, l.miniBatch());
        assertTrue(l.toString().contains("TttLinear(3, 32") && l.toString().contains("heads=2, miniBatch=1"), l.toString());
    }

    @Test
    void errorsNameTheLayerAndTheShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> layer(3, 6, 4, 1, 1));
        assertTrue(e.getMessage().contains("heads must divide hiddenSize=6, got 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> layer(3, 4, 2, 0, 1));
        assertTrue(e.getMessage().contains("miniBatch"), e.getMessage());
        TttLinear l = layer(3, 4, 2, 1, 1);
        ShapeMismatchException s = assertThrows(ShapeMismatchException.class,
                () -> l.forward(input(1, 2, 3, 3), Tensor.zeros(F64, 1, 2, 4), null));
        assertTrue(s.getMessage().contains("TttLinear.forward") && s.getMessage().contains("c0")
                && s.getMessage().contains("state=8"), s.getMessage());
        s = assertThrows(ShapeMismatchException.class, () -> l.cell(0, false).step(input(1, 2, 3),
                new TttState(Tensor.zeros(F64, 2, 4), Tensor.zeros(F64, 2, 7), Tensor.zeros(F64, 2, 7), 0)));
        assertTrue(s.getMessage().contains("TttLinearCell.step") && s.getMessage().contains("heads=2, d=2"), s.getMessage());
    }
}
