package dev.jrnn.train.diagnostics;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Activation;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.Parameter;
import dev.jrnn.nn.rnn.Gru;
import dev.jrnn.nn.rnn.GruVariant;
import dev.jrnn.nn.rnn.HiddenState;
import dev.jrnn.nn.rnn.Lstm;
import dev.jrnn.nn.rnn.LstmCell;
import dev.jrnn.nn.rnn.LstmState;
import dev.jrnn.nn.rnn.MinGru;
import dev.jrnn.nn.rnn.MinLstm;
import dev.jrnn.nn.rnn.Recurrent;
import dev.jrnn.nn.rnn.RnnBase;
import dev.jrnn.nn.rnn.RnnOutput;
import dev.jrnn.nn.rnn.SimpleRnn;
import dev.jrnn.nn.rnn.SimpleRnnCell;
import dev.jrnn.nn.rnn.StandardCell;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.tensor.ShapeMismatchException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ‖∂L/∂h_t‖ against central differences in float64 (a zero offset added to h_t, perturbed), the ρ^T law on
 * matrices with known spectra, padded batches, gate statistics, and the absence of side effects.
 */
class GradientProbeTest {
    private static final DType F64 = DType.FLOAT64;

    static RnnBase layer(String kind, int in, int hidden, int layers, boolean bi, long seed) {
        Rng rng = new Rng(seed);
        return switch (kind) {
            case "lstm" -> Lstm.builder(in, hidden).numLayers(layers).bidirectional(bi).dtype(F64).rng(rng).build();
            case "gru" -> Gru.builder(in, hidden).numLayers(layers).bidirectional(bi).dtype(F64).rng(rng).build();
            case "gru_before" -> Gru.builder(in, hidden).variant(GruVariant.RESET_BEFORE).numLayers(layers)
                    .bidirectional(bi).dtype(F64).rng(rng).build();
            case "mingru" -> MinGru.builder(in, hidden).numLayers(layers).bidirectional(bi).dtype(F64).rng(rng).build();
            case "minlstm" -> MinLstm.builder(in, hidden).numLayers(layers).bidirectional(bi).dtype(F64).rng(rng).build();
            case "relu" -> SimpleRnn.builder(in, hidden).nonlinearity(Activation.Kind.RELU).numLayers(layers)
                    .bidirectional(bi).dtype(F64).rng(rng).build();
            default -> SimpleRnn.builder(in, hidden).numLayers(layers).bidirectional(bi).dtype(F64).rng(rng).build();
        };
    }

    static Tensor uniform(Rng rng, double lo, double hi, int... shape) {
        return Tensor.constant(NdArray.rand(rng, F64, lo, hi, shape));
    }

    /** A loss that reads the output (nonlinearly), hN and cN, so every path into h_t matters. */
    static Function<RnnOutput, Tensor> richLoss(Tensor weights) {
        return out -> {
            Tensor l = out.output().tanh().mul(weights).sum().add(out.hN().square().sum().mul(0.5));
            return out.cN() == null ? l : l.add(out.cN().tanh().sum().mul(0.3));
        };
    }

    // ------------------------------------------------------------------ an independent reference

    /**
     * The stock layer run by hand from its cells (full lengths, batch first), with {@code eps} added to
     * {@code h[b, u]} of layer-direction {@code li} right after the step that reads input time {@code t}; the
     * loss of the result. Reverse directions read the time-flipped input and their outputs are flipped back.
     */
    static double lossWithOffset(RnnBase rnn, Tensor x, Function<RnnOutput, Tensor> loss, int li, int t, int b, int u,
                                 double eps) {
        int layers = rnn.config().numLayers(), dirs = rnn.config().numDirections(), time = x.dim(1), batch = x.dim(0);
        int hidden = rnn.config().hiddenSize();
        Tensor in = x;
        List<Tensor> hs = new ArrayList<>(), cs = new ArrayList<>();
        for (int k = 0; k < layers; k++) {
            Tensor[] outs = new Tensor[dirs];
            for (int d = 0; d < dirs; d++) {
                StandardCell<?> cell = rnn.cell(k, d == 1);
                Tensor h = Tensor.zeros(F64, batch, hidden), c = Tensor.zeros(F64, batch, hidden);
                Tensor[] ys = new Tensor[time];
                for (int s = 0; s < time; s++) {
                    int inputTime = d == 1 ? time - 1 - s : s;
                    Tensor xt = in.select(1, inputTime);
                    if (cell instanceof LstmCell lc) {
                        LstmState st = lc.step(xt, new LstmState(h, c));
                        h = st.h();
                        c = st.c();
                    } else {
                        @SuppressWarnings("unchecked")
                        StandardCell<HiddenState> hc = (StandardCell<HiddenState>) cell;
                        h = hc.step(xt, new HiddenState(h)).h();
                    }
                    if (k * dirs + d == li && inputTime == t) {
                        NdArray off = NdArray.zeros(F64, batch, hidden);
                        off.set(eps, b, u);
                        h = h.add(Tensor.constant(off));
                    }
                    ys[inputTime] = h;                                    // stored in input time order
                }
                outs[d] = Tensor.stack(1, ys);
                hs.add(h);
                cs.add(c);
            }
            in = dirs == 1 ? outs[0] : Tensor.concat(2, outs);
        }
        boolean lstm = rnn instanceof Lstm;
        RnnOutput out = new RnnOutput(in, Tensor.stack(0, hs.toArray(new Tensor[0])),
                lstm ? Tensor.stack(0, cs.toArray(new Tensor[0])) : null);
        return loss.apply(out).item();
    }

    @ParameterizedTest(name = "{0}, {1} layer(s), bidirectional={2}")
    @CsvSource({"lstm,2,false", "gru,1,true", "rnn,2,true", "gru_before,1,false", "relu,1,false", "lstm,1,true",
        "mingru,2,true", "minlstm,2,false"})
    void gradientNormsMatchCentralDifferences(String kind, int layers, boolean bi) {
        int batch = 2, time = 4, in = 3, hidden = 3;
        RnnBase rnn = layer(kind, in, hidden, layers, bi, 11);
        Rng rng = new Rng(12);
        Tensor x = uniform(rng, -1, 1, batch, time, in);
        if (kind.equals("relu")) {
            x = uniform(rng, 0, 1, batch, time, in);                      // keep relu units away from the kink
            for (Parameter p : rnn.parameters()) p.data().copyFrom(p.data().abs().mul(0.5));
        }
        int dirs = bi ? 2 : 1;
        Tensor w = uniform(rng, -1, 1, batch, time, dirs * hidden);
        Function<RnnOutput, Tensor> loss = richLoss(w);
        DiagnosticsReport r = GradientProbe.measure(rnn, ProbeBatch.of(x, loss));
        assertEquals(layers * dirs, r.layers().size());
        double eps = 1e-6;
        for (int li = 0; li < layers * dirs; li++) {
            LayerReport lr = r.layers().get(li);
            assertEquals("l" + li / dirs + (li % dirs == 1 ? "_reverse" : ""), lr.name());
            for (int t = 0; t < time; t++) {
                double mean = 0;
                for (int b = 0; b < batch; b++) {
                    double sq = 0;
                    for (int u = 0; u < hidden; u++) {
                        double g = (lossWithOffset(rnn, x, loss, li, t, b, u, eps)
                                - lossWithOffset(rnn, x, loss, li, t, b, u, -eps)) / (2 * eps);
                        sq += g * g;
                    }
                    double fd = Math.sqrt(sq);
                    assertEquals(fd, lr.exampleGradNorm()[t][b], 1e-7 + 1e-6 * fd,
                            kind + " " + lr.name() + " t=" + t + " b=" + b);
                    mean += fd / batch;
                }
                assertEquals(mean, lr.gradNorm()[t], 1e-7 + 1e-6 * mean);
            }
        }
    }

    // ------------------------------------------------------------------ the ρ^T law

    /** A random orthogonal n × n matrix (Gram–Schmidt on Gaussian columns), row-major. */
    static double[] orthogonal(int n, long seed) {
        Rng rng = new Rng(seed);
        double[][] q = new double[n][n];
        for (int j = 0; j < n; j++) {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) v[i] = rng.nextGaussian();
            for (int k = 0; k < j; k++) {
                double dot = 0;
                for (int i = 0; i < n; i++) dot += v[i] * q[k][i];
                for (int i = 0; i < n; i++) v[i] -= dot * q[k][i];
            }
            double norm = 0;
            for (double a : v) norm += a * a;
            norm = Math.sqrt(norm);
            for (int i = 0; i < n; i++) q[j][i] = v[i] / norm;
        }
        double[] w = new double[n * n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) w[i * n + j] = q[j][i];
        return w;
    }

    static NdArray scaled(double[] w, int n, double s) {
        double[] out = w.clone();
        for (int i = 0; i < out.length; i++) out[i] *= s;
        return NdArray.of(out, n, n);
    }

    @Test
    void tanhRnnWithRadiusHalfForgetsLikeHalfToTheT() {
        int batch = 4, time = 30, hidden = 16;
        SimpleRnn rnn = (SimpleRnn) layer("rnn", 2, hidden, 1, false, 3);
        rnn.weightHh(0, false).data().copyFrom(scaled(orthogonal(hidden, 4), hidden, 0.5));   // ρ = ‖W‖ = 0.5
        rnn.weightIh(0, false).data().mulInPlace(0.01);                   // small h: tanh' ≈ 1
        rnn.biasIh(0, false).data().fillInPlace(0);
        rnn.biasHh(0, false).data().fillInPlace(0);
        Rng rng = new Rng(5);
        Tensor x = uniform(rng, 0, 1, batch, time, 2), v = uniform(rng, -1, 1, batch, hidden);
        DiagnosticsReport r = GradientProbe.measure(rnn, ProbeBatch.of(x, out -> out.hN().select(0, 0).mul(v).sum()));
        LayerReport l = r.layer("l0");
        assertEquals(0.5, l.headlineSpectralRadius(), 1e-6);
        assertEquals(0.5, l.spectralNorm().get("h"), 1e-6);
        double expected = Math.pow(0.5, time - 1);                      // 1.9e-9
        double ratio = l.firstLastRatio();
        assertTrue(ratio <= expected * 1.0001 && ratio >= expected / 10, "ratio " + ratio + " vs 0.5^29 = " + expected);
        for (int t = 0; t + 1 < time; t++) {
            assertEquals(0.5, l.gradNorm()[t] / l.gradNorm()[t + 1], 0.005, "one step back at t=" + t);
        }
    }

    /** A cyclic permutation: orthogonal, nonnegative (keeps relu units positive), eigenvalues the n-th roots of 1. */
    static double[] cycle(int n) {
        double[] p = new double[n * n];
        for (int i = 0; i < n; i++) p[i * n + (i + 1) % n] = 1;
        return p;
    }

    @Test
    void reluRnnWithRadiusOneAndAHalfExplodesLikeItsPower() {
        int batch = 3, time = 20, hidden = 16;
        SimpleRnn rnn = (SimpleRnn) layer("relu", 2, hidden, 1, false, 3);
        rnn.weightHh(0, false).data().copyFrom(scaled(cycle(hidden), hidden, 1.5));   // complex eigenvalues, |λ| = 1.5
        rnn.weightIh(0, false).data().copyFrom(rnn.weightIh(0, false).data().abs());  // positive: relu stays linear
        rnn.biasIh(0, false).data().fillInPlace(0);
        rnn.biasHh(0, false).data().fillInPlace(0);
        Rng rng = new Rng(6);
        Tensor x = uniform(rng, 0.1, 1, batch, time, 2), v = uniform(rng, -1, 1, batch, hidden);
        DiagnosticsReport r = GradientProbe.measure(rnn, ProbeBatch.of(x, out -> out.hN().select(0, 0).mul(v).sum()));
        LayerReport l = r.layer("l0");
        assertEquals(1.5, l.headlineSpectralRadius(), 1e-9);
        assertEquals(Math.pow(1.5, time - 1), l.firstLastRatio(), 1e-9 * Math.pow(1.5, time - 1), "exactly 1.5^19");
        assertEquals(0, l.gate("h").low(), 0, "no relu unit is off");
    }

    @Test
    void linearCustomCellThroughRecurrentGrowsForwardsAndBackwards() {
        int batch = 2, time = 12, hidden = 6;
        for (boolean backwards : new boolean[] {false, true}) {
            SimpleRnnCell cell = SimpleRnnCell.builder(3, hidden).activation("linear", t -> t).dtype(F64)
                    .rng(new Rng(2)).build();
            cell.weightHh().data().copyFrom(scaled(orthogonal(hidden, 8), hidden, 1.5));
            Recurrent<HiddenState> layer = Recurrent.of(cell).goBackwards(backwards);
            Rng rng = new Rng(9);
            Tensor x = uniform(rng, -1, 1, batch, time, 3), v = uniform(rng, -1, 1, batch, hidden);
            DiagnosticsReport r = GradientProbe.measure(layer, x, res -> res.output().mul(v).sum());   // last output
            LayerReport l = r.layer("cell");
            assertEquals("rnn_linear", l.cell());
            assertEquals(1.5, l.headlineSpectralRadius(), 1e-6);
            assertTrue(l.gates().isEmpty(), "no saturation statistics for a linear unit");
            double g = Math.pow(1.5, time - 1);
            // forwards the last step read is t = T−1; backwards it is t = 0, so the first step read is t = T−1
            double ratio = backwards ? l.gradNorm()[time - 1] / l.gradNorm()[0] : l.firstLastRatio();
            assertEquals(g, ratio, 1e-9 * g, "goBackwards=" + backwards);
        }
    }

    // ------------------------------------------------------------------ padded batches, layouts, the fast path

    @Test
    void paddedBatchEqualsEachSequenceAlone() {
        int time = 5, in = 3, hidden = 4;
        int[] lengths = {5, 3, 1};
        RnnBase rnn = layer("gru", in, hidden, 2, true, 21);
        Rng rng = new Rng(22);
        Tensor x = uniform(rng, -1, 1, 3, time, in);
        Function<RnnOutput, Tensor> loss = out -> out.output().square().sum().mul(0.5).add(out.hN().sum());   // sums over examples
        DiagnosticsReport all = GradientProbe.measure(rnn, ProbeBatch.of(x, lengths, loss));
        for (int b = 0; b < 3; b++) {
            Tensor alone = x.slice(0, b, b + 1).slice(1, 0, lengths[b]);
            DiagnosticsReport one = GradientProbe.measure(rnn, ProbeBatch.of(alone, loss));
            for (int li = 0; li < 4; li++) {
                LayerReport a = all.layers().get(li), o = one.layers().get(li);
                for (int t = 0; t < time; t++) {
                    if (t < lengths[b]) {
                        assertEquals(o.exampleGradNorm()[t][0], a.exampleGradNorm()[t][b], 1e-12, a.name() + " b=" + b + " t=" + t);
                    } else {
                        assertTrue(Double.isNaN(a.exampleGradNorm()[t][b]), "padded steps are not reported");
                    }
                }
            }
        }
        assertTrue(Double.isNaN(all.layer("l0").gradNorm()[4]) == false, "t=4 has one valid sequence");
        assertEquals(all.layer("l0").exampleGradNorm()[4][0], all.layer("l0").gradNorm()[4], 1e-15, "the mean of one");
        GateStats r = all.layer("l0").gate("r");
        assertEquals((5 + 3 + 1) * hidden, r.count(), "gates are counted on valid steps only");
    }

    @Test
    void lossEqualsTheFastPathAndTimeMajorEqualsBatchFirst() {
        int batch = 3, time = 6, in = 2, hidden = 5;
        Rng rng = new Rng(31);
        Tensor x = uniform(rng, -1, 1, batch, time, in);
        Tensor h0 = uniform(rng, -0.5, 0.5, 2, batch, hidden), c0 = uniform(rng, -0.5, 0.5, 2, batch, hidden);
        Lstm lstm = (Lstm) layer("lstm", in, hidden, 2, false, 32);
        Function<RnnOutput, Tensor> loss = out -> out.output().tanh().sum().add(out.cN().sum());
        DiagnosticsReport r = GradientProbe.measure(0, null, lstm,
                new ProbeBatch(x, new int[] {6, 4, 2}, new LstmState(h0, c0), loss), DiagnosticsConfig.defaults());
        double fast = loss.apply(lstm.forward(x, h0, c0, new int[] {6, 4, 2})).item();
        assertEquals(fast, r.loss(), 1e-12, "the probed readable path computes what the fused kernel does");

        Lstm timeMajor = Lstm.builder(in, hidden).numLayers(2).batchFirst(false).dtype(F64).rng(new Rng(32)).build();
        Function<RnnOutput, Tensor> loss2 = out -> out.output().transpose(0, 1).tanh().sum().add(out.cN().sum());
        DiagnosticsReport tm = GradientProbe.measure(0, null, timeMajor,
                new ProbeBatch(x.transpose(0, 1), new int[] {6, 4, 2}, new LstmState(h0, c0), loss2),
                DiagnosticsConfig.defaults());
        assertEquals(r.loss(), tm.loss(), 1e-12);
        for (int li = 0; li < 2; li++) {
            for (int t = 0; t < time; t++) {
                assertEquals(r.layers().get(li).gradNorm()[t], tm.layers().get(li).gradNorm()[t], 1e-12);
            }
        }
    }

    @Test
    void leavesGradientsAndTrainingModeAsTheyWere() {
        Rng rng = new Rng(41);
        Lstm lstm = Lstm.builder(2, 4).dropout(0).rng(rng).build();
        Linear head = new Linear(4, 1, rng);
        dev.jrnn.nn.Sequential model = new dev.jrnn.nn.Sequential(lstm.asLayer(false), head);
        Tensor x = Tensor.constant(NdArray.rand(rng, DType.FLOAT32, -1, 1, 3, 5, 2));
        Tensor y = Tensor.constant(NdArray.rand(rng, DType.FLOAT32, 0, 1, 3, 1));
        dev.jrnn.nn.Losses.mse(model.forward(x), y).backward();           // a training step's gradients
        List<NdArray> before = new ArrayList<>();
        for (Parameter p : model.parameters()) before.add(p.grad().copy());
        lstm.weightHh(0, false).zeroGrad();                                 // and one parameter without a gradient
        model.train(true);
        DiagnosticsReport r = GradientProbe.measure(3, model, lstm,
                ProbeBatch.of(x, out -> dev.jrnn.nn.Losses.mse(head.forward(out.hN().select(0, 0)), y)),
                DiagnosticsConfig.defaults());
        assertEquals(3, r.step());
        List<Parameter> ps = model.parameters();
        for (int i = 0; i < ps.size(); i++) {
            if (ps.get(i) == lstm.weightHh(0, false)) {
                assertNull(ps.get(i).grad());
            } else {
                assertEquals(0, before.get(i).maxAbsDiff(ps.get(i).grad()), 0.0, "gradient " + i + " unchanged");
            }
        }
        assertTrue(model.isTraining(), "training mode restored");
        assertTrue(r.loss() > 0 && Double.isFinite(r.layer("l0").gradNorm()[0]));
    }

    // ------------------------------------------------------------------ gate saturation

    @Test
    void gateStatisticsOnCellsWithKnownGates() {
        Rng rng = new Rng(51);
        Tensor x = uniform(rng, -1, 1, 2, 3, 2);
        Function<RnnOutput, Tensor> loss = out -> out.output().sum();

        Lstm lstm = (Lstm) layer("lstm", 2, 3, 1, false, 52);
        for (Parameter p : lstm.parameters()) p.data().fillInPlace(0);      // i = f = o = 0.5, g = 0, c = 0
        LayerReport zero = GradientProbe.measure(lstm, ProbeBatch.of(x, loss)).layer("l0");
        assertEquals(List.of("i", "f", "g", "o", "tanh(c)"), zero.gates().stream().map(GateStats::gate).toList());
        assertEquals(0.5, zero.gate("f").mean(), 1e-12);
        assertEquals(0, zero.gate("g").mean(), 1e-12);
        assertEquals(0, zero.saturation(), 0);
        assertEquals(2 * 3 * 3, zero.gate("i").count());
        assertEquals(java.util.Set.of("i", "f", "g", "o"), zero.spectralRadius().keySet());
        assertEquals("g", zero.headlineBlock());
        NdArray b = lstm.biasIh(0, false).data();
        for (int u = 3; u < 6; u++) b.set(10, u);                          // forget block: σ(10) = 0.99995
        LayerReport open = GradientProbe.measure(lstm, ProbeBatch.of(x, loss)).layer("l0");
        assertEquals(1, open.gate("f").high(), 0);
        assertEquals(0, open.gate("i").saturated(), 0);
        assertEquals(0.2, open.saturation(), 1e-12, "one gate of five");

        Gru gru = (Gru) layer("gru_before", 2, 3, 1, false, 53);
        for (int u = 3; u < 6; u++) gru.biasHh(0, false).data().set(-20, u);   // update gate z shut
        LayerReport g = GradientProbe.measure(gru, ProbeBatch.of(x, loss)).layer("l0");
        assertEquals("gru_reset_before", g.cell());
        assertEquals(1, g.gate("z").low(), 0);

        SimpleRnn tanh = (SimpleRnn) layer("rnn", 2, 3, 1, false, 54);
        for (Parameter p : tanh.parameters()) p.data().fillInPlace(0);
        tanh.biasIh(0, false).data().fillInPlace(3);                        // h = tanh(3) = 0.995
        LayerReport t = GradientProbe.measure(tanh, ProbeBatch.of(x, loss)).layer("l0");
        assertEquals(1, t.gate("h").high(), 0);
        assertEquals(Math.tanh(3), t.gate("h").mean(), 1e-12);

        SimpleRnn relu = (SimpleRnn) layer("relu", 2, 3, 1, false, 55);
        for (Parameter p : relu.parameters()) p.data().fillInPlace(0);
        relu.biasIh(0, false).data().fillInPlace(-1);                       // every unit off
        LayerReport dead = GradientProbe.measure(relu, ProbeBatch.of(x, out -> out.output().sum())).layer("l0");
        assertEquals("relu", dead.gate("h").activation());
        assertEquals(1, dead.gate("h").low(), 0);

        MinLstm minLstm = (MinLstm) layer("minlstm", 2, 3, 1, false, 56);
        for (Parameter p : minLstm.parameters()) p.data().fillInPlace(0);
        for (int u = 0; u < 3; u++) minLstm.biasIh(0, false).data().set(20, u);   // f = σ(20) ≈ 1, i = ½
        LayerReport m = GradientProbe.measure(minLstm, ProbeBatch.of(x, loss)).layer("l0");
        assertEquals("min_lstm", m.cell());
        assertEquals(List.of("f", "i", "f'"), m.gates().stream().map(GateStats::gate).toList());
        assertEquals(1, m.gate("f").high(), 0);
        assertEquals(0.5, m.gate("i").mean(), 1e-12);
        assertEquals(1 / 1.5, m.gate("f'").mean(), 1e-8, "f' = f / (f + i)");
        assertTrue(m.spectralRadius().isEmpty(), "no weight_hh, no spectral radius");
        MinGru minGru = (MinGru) layer("mingru", 2, 3, 1, false, 57);
        LayerReport mg = GradientProbe.measure(minGru, ProbeBatch.of(x, loss)).layer("l0");
        assertEquals("min_gru", mg.cell());
        assertEquals(List.of("z"), mg.gates().stream().map(GateStats::gate).toList());
        assertEquals(2 * 3 * 3, mg.gate("z").count());
    }

    @Test
    void peepholeLstmCellThroughRecurrent() {
        LstmCell cell = LstmCell.builder(2, 3).peephole(true).dtype(F64).rng(new Rng(61)).build();
        Tensor x = uniform(new Rng(62), -1, 1, 2, 4, 2);
        DiagnosticsReport r = GradientProbe.measure(Recurrent.of(cell).returnSequences(true), x,
                res -> res.output().tanh().sum().add(res.state().c().sum()));
        LayerReport l = r.layer("cell");
        assertEquals("lstm_peephole", l.cell());
        assertEquals(4, l.length());
        assertTrue(l.gate("f").mean() > 0 && l.gate("f").mean() < 1);
        for (double g : l.gradNorm()) assertTrue(g > 0 && Double.isFinite(g));
    }

    // ------------------------------------------------------------------ errors

    @Test
    void errorsSayWhatIsWrong() {
        RnnBase rnn = layer("gru", 3, 4, 1, false, 71);
        Tensor x = Tensor.zeros(F64, 2, 5, 3);
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
                () -> GradientProbe.measure(rnn, ProbeBatch.of(Tensor.zeros(F64, 2, 5, 7), out -> out.output().sum())));
        assertTrue(e.getMessage().contains("[2, 5, 7]") && e.getMessage().contains("[batch, time, 3]"), e.getMessage());
        IllegalArgumentException a = assertThrows(IllegalArgumentException.class,
                () -> GradientProbe.measure(rnn, ProbeBatch.of(x, RnnOutput::output)));
        assertTrue(a.getMessage().contains("scalar"), a.getMessage());
        a = assertThrows(IllegalArgumentException.class,
                () -> GradientProbe.measure(rnn, ProbeBatch.of(x, out -> Tensor.zeros(F64, 1))));
        assertTrue(a.getMessage().contains("does not depend"), a.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ProbeBatch.of(x, null));
        DiagnosticsReport ok = GradientProbe.measure(rnn, ProbeBatch.of(x, out -> out.output().sum()));
        a = assertThrows(IllegalArgumentException.class, () -> ok.layer("l3"));
        assertTrue(a.getMessage().contains("[l0]"), a.getMessage());
        assertSame(ok.layers().get(0), ok.layer("l0"));
    }
}
