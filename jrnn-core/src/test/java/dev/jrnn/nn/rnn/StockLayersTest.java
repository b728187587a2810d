package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.GradCheck;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Activation;
import dev.jrnn.nn.Layer;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.Parameter;
import dev.jrnn.nn.Sequential;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.tensor.ShapeMismatchException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.jrnn.nn.rnn.RnnBase.Path.READABLE;
import static dev.jrnn.nn.rnn.RnnTestSupport.F64;
import static dev.jrnn.nn.rnn.RnnTestSupport.assertClose;
import static dev.jrnn.nn.rnn.RnnTestSupport.assertMessageContains;
import static dev.jrnn.nn.rnn.RnnTestSupport.assertShape;
import static dev.jrnn.nn.rnn.RnnTestSupport.sequence;
import static dev.jrnn.nn.rnn.RnnTestSupport.takeGrads;
import static dev.jrnn.nn.rnn.RnnTestSupport.var;
import static dev.jrnn.nn.rnn.RnnTestSupport.weightedSum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stock layers {@link SimpleRnn}, {@link Lstm}, {@link Gru}: PyTorch's layout and semantics, on the readable path. */
class StockLayersTest {
    private static final double TOL = 1e-12;

    static RnnBase build(String mode, int in, int hidden, int layers, boolean bi, boolean bias, long seed) {
        RnnBase.Builder<? extends RnnBase> b;
        switch (mode) {
            case "lstm": b = Lstm.builder(in, hidden); break;
            case "gru": b = Gru.builder(in, hidden); break;
            case "gru_before": b = Gru.builder(in, hidden).variant(GruVariant.RESET_BEFORE); break;
            case "rnn_relu": b = SimpleRnn.builder(in, hidden).nonlinearity(Activation.Kind.RELU); break;
            default: b = SimpleRnn.builder(in, hidden);
        }
        return b.numLayers(layers).bidirectional(bi).bias(bias).dtype(F64).rng(new Rng(seed)).path(READABLE).build();
    }

    @Test
    void twoLayerBidirectionalLstmHasExactlyPyTorchsParameters() {
        Lstm lstm = Lstm.builder(10, 20).numLayers(2).bidirectional(true).build();
        Map<String, String> expected = new LinkedHashMap<>();
        for (String l : new String[] {"l0", "l0_reverse", "l1", "l1_reverse"}) {
            int in = l.startsWith("l0") ? 10 : 40;                    // layer 1 reads [forward | reverse] = 2H
            expected.put("weight_ih_" + l, "[80, " + in + "]");
            expected.put("weight_hh_" + l, "[80, 20]");
            expected.put("bias_ih_" + l, "[80]");
            expected.put("bias_hh_" + l, "[80]");
        }
        Map<String, String> actual = new LinkedHashMap<>();
        lstm.namedParameters().forEach((n, p) -> actual.put(n, java.util.Arrays.toString(p.shape())));
        assertEquals(List.copyOf(expected.entrySet()), List.copyOf(actual.entrySet()));   // names, shapes AND order
        double bound = 1 / Math.sqrt(20);
        for (Parameter p : lstm.parameters()) {
            for (int i = 0; i < p.data().size(); i++) {
                assertTrue(Math.abs(p.data().getFlat(i)) <= bound, "U(±1/sqrt(H))");
            }
        }
    }

    @Test
    void gruAndRnnNamesWithoutBias() {
        assertEquals(List.of("weight_ih_l0", "weight_hh_l0", "weight_ih_l1", "weight_hh_l1", "weight_ih_l2", "weight_hh_l2"),
                List.copyOf(Gru.builder(3, 4).numLayers(3).bias(false).build().namedParameters().keySet()));
        SimpleRnn rnn = SimpleRnn.builder(3, 4).bidirectional(true).build();
        assertEquals(List.of("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_ih_l0_reverse",
                "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse"), List.copyOf(rnn.namedParameters().keySet()));
        assertShape(rnn.weightIh(0, true), 4, 3);
        assertShape(Gru.builder(3, 4).numLayers(2).bidirectional(true).build().weightIh(1, true), 12, 8);
    }

    @Test
    void configIsValidatedWithMessages() {
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> Lstm.builder(3, 0).build()),
                "Lstm: hiddenSize must be positive, got 0");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> Gru.builder(-1, 4).build()),
                "Gru: inputSize must be positive, got -1");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> SimpleRnn.builder(3, 4).numLayers(0).build()),
                "SimpleRnn: numLayers must be positive, got 0");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> Lstm.builder(3, 4).dropout(1.0).build()),
                "Lstm: dropout must be in [0, 1), got 1.0");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> Lstm.builder(3, 4).dropout(-0.1).build()),
                "dropout must be in [0, 1), got -0.1");
        assertMessageContains(assertThrows(IllegalStateException.class,
                () -> Lstm.builder(3, 4).nonlinearity(Activation.Kind.RELU)), "nonlinearity is an option of SimpleRnn only");
        assertMessageContains(assertThrows(IllegalArgumentException.class,
                () -> SimpleRnn.builder(3, 4).nonlinearity(Activation.Kind.SIGMOID)), "must be TANH or RELU");
        assertMessageContains(assertThrows(IllegalStateException.class,
                () -> SimpleRnn.builder(3, 4).variant(GruVariant.RESET_BEFORE)), "variant is an option of Gru only");
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> new Lstm(Gru.builder(3, 4).config(), F64,
                new Rng(0))), "Lstm: config.mode is GRU, expected one of [LSTM]");
        RnnConfig c = Lstm.builder(3, 4).numLayers(2).bidirectional(true).config();
        assertEquals(new RnnConfig(CellType.LSTM, 3, 4, 2, true, true, 0.0, true), c);
        assertEquals(8, c.layerInputSize(1));
        assertEquals(RnnBase.Path.FAST, Lstm.builder(3, 4).build().path());
    }

    @Test
    void forwardShapeErrorsNameTheLayerAndTheExpectedShape() {
        Lstm lstm = Lstm.builder(5, 4).numLayers(2).bidirectional(true).dtype(F64).path(READABLE).build();
        assertMessageContains(assertThrows(ShapeMismatchException.class, () -> lstm.forward(Tensor.zeros(F64, 3, 6, 7))),
                "Lstm.forward: x has shape [3, 6, 7], expected [batch, time, 5] (inputSize=5, batchFirst=true)");
        assertMessageContains(assertThrows(ShapeMismatchException.class, () -> lstm.forward(Tensor.zeros(F64, 6, 5))),
                "reshape it to [1, time, features]");
        assertMessageContains(assertThrows(ShapeMismatchException.class,
                () -> lstm.forward(Tensor.zeros(F64, 3, 6, 5), Tensor.zeros(F64, 2, 3, 4), null)),
                "Lstm.forward: h0 has shape [2, 3, 4], expected [numLayers·directions=4, batch=3, hidden=4]",
                "never batch-first");
        assertMessageContains(assertThrows(ShapeMismatchException.class,
                () -> lstm.forward(Tensor.zeros(F64, 3, 6, 5), null, Tensor.zeros(F64, 4, 2, 4))), "c0 has shape [4, 2, 4]");
        assertMessageContains(assertThrows(IllegalArgumentException.class,
                () -> lstm.forward(Tensor.zeros(F64, 3, 6, 5), null, null, new int[] {6, 0, 2})), "lengths[1] = 0 is out of range 1..6");
        Gru gru = Gru.builder(5, 4).dtype(F64).build();
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> gru.forwardFrom(Tensor.zeros(F64, 1, 2, 5),
                new LstmState(Tensor.zeros(F64, 1, 1, 4), Tensor.zeros(F64, 1, 1, 4)), null)), "c0 is for Lstm only");
    }

    /** PyTorch's invariants: hN holds each direction's final state, in order l0 fwd, l0 rev, l1 fwd, ... */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"lstm", "gru", "gru_before", "rnn_tanh", "rnn_relu"})
    void readablePathComposesLayersAndDirectionsLikePyTorch(String mode) {
        Rng rng = new Rng(21);
        RnnBase layer = build(mode, 3, 4, 2, true, true, 22);
        Tensor x = RnnTestSupport.data(rng, 2, 5, 3);
        int[] lengths = {5, 3};
        RnnOutput out = layer.forwardFrom(x, null, lengths);
        assertShape(out.output(), 2, 5, 8);
        assertShape(out.hN(), 4, 2, 4);
        assertEquals(mode.equals("lstm"), out.cN() != null);

        // by hand, layer by layer, direction by direction, with the cells and the Recurrent layer
        Tensor in = x;
        for (int k = 0; k < 2; k++) {
            Tensor[] dirs = new Tensor[2];
            for (int d = 0; d < 2; d++) {
                RecurrentResult<? extends RnnState> r = run(layer.cell(k, d == 1), in, lengths, d == 1);
                dirs[d] = d == 1 ? Sequences.reverse(r.output(), lengths) : r.output();
                assertClose(r.state().h(), out.hN().select(0, 2 * k + d), TOL, "hN[" + (2 * k + d) + "]");
                if (out.cN() != null) {
                    assertClose(((LstmState) r.state()).c(), out.cN().select(0, 2 * k + d), TOL, "cN");
                }
            }
            in = Tensor.concat(2, dirs);
        }
        assertClose(in, out.output(), TOL, "output");
        // the top layer's forward state is its output at the last valid step; the reverse one its output at step 0
        for (int b = 0; b < 2; b++) {
            assertClose(out.output().data().select(0, b).select(0, lengths[b] - 1).slice(0, 0, 4),
                    out.hN().data().select(0, 2).select(0, b), TOL, "forward hN = last valid output");
            assertClose(out.output().data().select(0, b).select(0, 0).slice(0, 4, 8),
                    out.hN().data().select(0, 3).select(0, b), TOL, "reverse hN = output at step 0");
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static RecurrentResult<? extends RnnState> run(StandardCell<?> cell, Tensor x, int[] lengths, boolean back) {
        return Recurrent.of((RecurrentCell) cell).returnSequences(true).goBackwards(back).forward(x, lengths, null);
    }

    @ParameterizedTest(name = "{0} layers={1} bidirectional={2} bias={3} lengths={4} h0={5}")
    @CsvSource({
        "lstm, 1, false, true, false, false",
        "lstm, 2, true, true, true, true",
        "lstm, 3, false, false, true, true",
        "gru, 1, true, true, false, true",
        "gru, 2, false, true, true, false",
        "gru, 3, true, true, true, true",
        "gru_before, 2, true, true, true, true",
        "rnn_tanh, 3, true, true, true, true",
        "rnn_relu, 2, false, true, false, true",
        "rnn_tanh, 1, false, false, true, false",
    })
    void readableGradientsMatchCentralDifferences(String mode, int layers, boolean bi, boolean bias, boolean withLengths,
                                                  boolean withH0) {
        Rng rng = new Rng(23 + layers);
        RnnBase layer = build(mode, 2, 3, layers, bi, bias, 24);
        int ld = layers * (bi ? 2 : 1);
        Tensor x = var(rng, 2, 3, 2);
        Tensor h0 = withH0 ? var(rng, ld, 2, 3) : null;
        Tensor c0 = withH0 && mode.equals("lstm") ? var(rng, ld, 2, 3) : null;
        int[] lengths = withLengths ? new int[] {2, 3} : null;
        List<Tensor> wrt = new ArrayList<>(layer.parameters());
        wrt.add(x);
        if (h0 != null) wrt.add(h0);
        if (c0 != null) wrt.add(c0);
        RnnState init = h0 == null ? null : c0 == null ? new HiddenState(h0) : new LstmState(h0, c0);
        GradCheck.assertMatches(() -> {
            RnnOutput o = layer.forwardFrom(x, init, lengths);
            return o.cN() == null ? Tensor.concat(0, o.output().reshape(-1), o.hN().reshape(-1))
                    : Tensor.concat(0, o.output().reshape(-1), o.hN().reshape(-1), o.cN().reshape(-1));
        }, wrt);
    }

    @Test
    void edgeCasesBatchOneAndOneStep() {
        Rng rng = new Rng(25);
        for (int[] bt : new int[][] {{1, 1}, {1, 3}, {3, 1}}) {
            RnnBase layer = build("lstm", 2, 2, 2, true, true, 26);
            Tensor x = var(rng, bt[0], bt[1], 2);
            List<Tensor> wrt = new ArrayList<>(layer.parameters());
            wrt.add(x);
            GradCheck.assertMatches(() -> layer.forwardFrom(x, null, null).output(), wrt);
        }
    }

    /** Padded batch == each sequence alone, for a 2-layer bidirectional LSTM: outputs, hN, cN and every gradient. */
    @Test
    void paddedBatchEqualsEachSequenceAlone() {
        Rng rng = new Rng(27);
        Lstm lstm = (Lstm) build("lstm", 3, 4, 2, true, true, 28);
        int[] lengths = {4, 1, 3};
        NdArray xData = NdArray.randn(rng, F64, 0, 1, 3, 4, 3);
        RnnOutput batch = lstm.forward(Tensor.constant(xData), null, null, lengths);
        NdArray[] w = {NdArray.rand(new Rng(1), F64, -1, 1, 3, 4, 8), NdArray.rand(new Rng(2), F64, -1, 1, 4, 3, 4),
            NdArray.rand(new Rng(3), F64, -1, 1, 4, 3, 4)};
        weightedSum(batch.output(), 1).add(weightedSum(batch.hN(), 2)).add(weightedSum(batch.cN(), 3)).backward();
        Map<String, NdArray> batchGrads = takeGrads(lstm);
        Map<String, NdArray> summed = new LinkedHashMap<>();
        for (int b = 0; b < 3; b++) {
            int len = lengths[b];
            RnnOutput alone = lstm.forward(Tensor.constant(sequence(xData, b, len)));
            assertClose(batch.output().data().slice(0, b, b + 1).slice(1, 0, len), alone.output().data(), TOL, "output");
            assertEquals(0, batch.output().data().slice(0, b, b + 1).slice(1, len, 4).sumOfSquares(), "zero padding");
            assertClose(batch.hN().data().slice(1, b, b + 1), alone.hN().data(), TOL, "hN");
            assertClose(batch.cN().data().slice(1, b, b + 1), alone.cN().data(), TOL, "cN");
            alone.output().mul(Tensor.constant(w[0].slice(0, b, b + 1).slice(1, 0, len))).sum()
                    .add(alone.hN().mul(Tensor.constant(w[1].slice(1, b, b + 1))).sum())
                    .add(alone.cN().mul(Tensor.constant(w[2].slice(1, b, b + 1))).sum()).backward();
            takeGrads(lstm).forEach((n, g) -> summed.merge(n, g, NdArray::add));
        }
        batchGrads.forEach((n, g) -> assertClose(summed.get(n), g, 1e-10, "d" + n));
    }

    @Test
    void sequenceFirstInputIsTheTransposeOfBatchFirst() {
        Rng rng = new Rng(29);
        Gru bf = (Gru) build("gru", 3, 4, 2, true, true, 30);
        Gru tf = Gru.builder(3, 4).numLayers(2).bidirectional(true).batchFirst(false).dtype(F64).rng(new Rng(30))
                .path(READABLE).build();
        Tensor x = RnnTestSupport.data(rng, 2, 5, 3);               // [B, T, I]
        Tensor h0 = RnnTestSupport.data(rng, 4, 2, 4);
        RnnOutput a = bf.forward(x, h0, new int[] {5, 2});
        RnnOutput b = tf.forward(x.transpose(0, 1), h0, new int[] {5, 2});   // [T, B, I]
        assertClose(a.output().transpose(0, 1), b.output(), TOL, "output [T, B, D·H]");
        assertClose(a.hN(), b.hN(), TOL, "hN is [L·D, B, H] either way");
    }

    @Test
    void carryingStateAcrossCallsEqualsOneCall() {
        Rng rng = new Rng(31);
        Lstm lstm = (Lstm) build("lstm", 2, 3, 2, false, true, 32);
        Tensor x = RnnTestSupport.data(rng, 2, 6, 2);
        RnnOutput whole = lstm.forward(x);
        RnnOutput first = lstm.forward(x.slice(1, 0, 2));
        RnnOutput second = lstm.forwardFrom(x.slice(1, 2, 6), first.state().detach(), null);
        assertClose(whole.output().slice(1, 2, 6), second.output(), TOL, "second chunk");
        assertClose(whole.cN(), second.cN(), TOL, "cN");
        // and step by step through the layer's own cells
        LstmState s0 = lstm.cell(0, false).zeroState(2, F64), s1 = s0;
        for (int t = 0; t < 6; t++) {
            s0 = lstm.cell(0, false).step(x.select(1, t), s0);
            s1 = lstm.cell(1, false).step(s0.h(), s1);
        }
        assertClose(whole.hN().select(0, 1), s1.h(), TOL, "top h by stepping");
    }

    @Test
    void dropoutActsBetweenLayersInTrainingOnly() {
        Rng rng = new Rng(33);
        Tensor x = RnnTestSupport.data(rng, 2, 4, 3);
        Lstm plain = Lstm.builder(3, 4).numLayers(2).dtype(F64).rng(new Rng(34)).path(READABLE).build();
        Lstm dropped = Lstm.builder(3, 4).numLayers(2).dropout(0.5).dtype(F64).rng(new Rng(34)).path(READABLE).build();
        assertTrue(plain.forward(x).output().data().maxAbsDiff(dropped.forward(x).output().data()) > 1e-6, "training");
        dropped.eval();
        assertClose(plain.forward(x).output(), dropped.forward(x).output(), TOL, "eval: identity");
        Lstm single = Lstm.builder(3, 4).dropout(0.5).dtype(F64).rng(new Rng(34)).path(READABLE).build();
        Lstm singlePlain = Lstm.builder(3, 4).dtype(F64).rng(new Rng(34)).path(READABLE).build();
        assertClose(singlePlain.forward(x).output(), single.forward(x).output(), TOL, "no dropout after the last layer");
    }

    @Test
    void asLayerFitsInSequential() {
        Rng rng = new Rng(35);
        Gru gru = (Gru) build("gru", 3, 4, 1, true, true, 36);
        Tensor x = RnnTestSupport.data(rng, 2, 5, 3);
        Layer all = gru.asLayer(true), last = gru.asLayer(false);
        assertClose(gru.forward(x).output(), all.forward(x), TOL, "every step");
        assertClose(gru.forward(x).output().select(1, 4), last.forward(x), TOL, "last step");
        Sequential model = new Sequential(last, new Linear(8, 1, true, F64, rng));
        assertShape(model.forward(x), 2, 1);
        assertEquals("0.weight_ih_l0", model.namedParameters().keySet().iterator().next());
        assertSame(gru.weightIh(0, false), model.namedParameters().get("0.weight_ih_l0"));
    }

    @Test
    void stateDictRoundTripUsesPyTorchKeys() {
        Lstm a = Lstm.builder(3, 4).numLayers(2).bidirectional(true).dtype(F64).rng(new Rng(1)).path(READABLE).build();
        Lstm b = Lstm.builder(3, 4).numLayers(2).bidirectional(true).dtype(F64).rng(new Rng(2)).path(READABLE).build();
        Tensor x = RnnTestSupport.data(new Rng(3), 2, 3, 3);
        b.loadStateDict(a.stateDict());
        assertClose(a.forward(x).output(), b.forward(x).output(), 0, "same weights, same output");
        assertTrue(a.stateDict().containsKey("bias_hh_l1_reverse"));
        assertNull(Gru.builder(3, 4).bias(false).build().biasIh(0, false));
        assertMessageContains(assertThrows(IllegalArgumentException.class, () -> Lstm.builder(3, 4).build().weightIh(0, true)),
                "Lstm: there is no reverse direction (bidirectional=false)");
        assertEquals(DType.FLOAT32, Lstm.builder(3, 4).build().weightIh(0, false).dtype());
    }

    /** Keras' defaults: Glorot kernels, orthogonal recurrent kernels, zero biases but an LSTM's forget gate at 1. */
    @Test
    void initKerasFollowsKerasDefaults() {
        Lstm lstm = Lstm.builder(5, 8).numLayers(2).bidirectional(true).dtype(DType.FLOAT64).rng(new Rng(1)).build();
        assertSame(lstm, lstm.initKeras(new Rng(2)));
        for (int k = 0; k < 2; k++) {
            for (boolean rev : new boolean[] {false, true}) {
                NdArray wih = lstm.weightIh(k, rev).data(), whh = lstm.weightHh(k, rev).data();
                int in = k == 0 ? 5 : 16;
                double bound = Math.sqrt(6.0 / (in + 32)), worst = 0;
                for (int i = 0; i < wih.size(); i++) worst = Math.max(worst, Math.abs(wih.getFlat(i)));
                assertTrue(worst <= bound && worst > 0.8 * bound, "kernel bound " + worst + " vs " + bound);
                for (int a = 0; a < 8; a++) {
                    for (int b = 0; b < 8; b++) {
                        double dot = 0;
                        for (int r = 0; r < 32; r++) dot += whh.getFlat(r * 8 + a) * whh.getFlat(r * 8 + b);
                        assertEquals(a == b ? 1 : 0, dot, 1e-12, "W_hh columns orthonormal");
                    }
                }
                NdArray bih = lstm.biasIh(k, rev).data(), bhh = lstm.biasHh(k, rev).data();
                for (int j = 0; j < 32; j++) {
                    assertEquals(j >= 8 && j < 16 ? 1.0 : 0.0, bih.getFlat(j), 0.0, "bias_ih[" + j + "]");
                    assertEquals(0.0, bhh.getFlat(j), 0.0, "bias_hh[" + j + "]");
                }
            }
        }
        Lstm again = Lstm.builder(5, 8).numLayers(2).bidirectional(true).dtype(DType.FLOAT64).rng(new Rng(9)).build();
        again.initKeras(new Rng(2));
        assertEquals(0, lstm.weightHh(1, true).data().maxAbsDiff(again.weightHh(1, true).data()), "one seed, one model");
        Gru gru = Gru.builder(3, 4).rng(new Rng(3)).build().initKeras(new Rng(4)) instanceof Gru g ? g : null;
        assertEquals(0.0, gru.biasIh(0, false).data().abs().sum().item(), 0.0, "GRU biases all zero");
        assertMessageContains(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> MinGru.builder(3, 4).build().initKeras(new Rng(1))), "initKeras: Keras has no MIN_GRU layer");
    }
}
