package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Activation;
import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.tensor.ShapeMismatchException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.jrnn.nn.rnn.RnnTestSupport.F64;
import static dev.jrnn.nn.rnn.RnnTestSupport.assertMessageContains;
import static dev.jrnn.nn.rnn.RnnTestSupport.assertShape;
import static dev.jrnn.nn.rnn.RnnTestSupport.filled;
import static dev.jrnn.nn.rnn.RnnTestSupport.param;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Known values, layouts, parameter names and error messages of the cells. The numbers in comments were computed by hand. */
class CellTest {
    private static final double TOL = 1e-12;

    private static Tensor row(double... v) {
        return Tensor.of(v, 1, v.length);
    }

    @Test
    void lstmOneStepWithConstantWeightsMatchesHandComputation() {
        // I = 3, H = 2; every weight_ih entry 0.1, weight_hh -0.2, both biases 0.05.
        // x = [1, 2, 3], h = [0.5, 1.0]: every gate's pre-activation is 0.1·6 − 0.2·1.5 + 0.1 = 0.4,
        // so i = f = o = σ(0.4) and g = tanh(0.4); with c = [1, −1]:
        // c' = σ(0.4)·c + σ(0.4)·tanh(0.4), h' = σ(0.4)·tanh(c').
        LstmCell cell = LstmCell.over(filled(0.1, 8, 3), filled(-0.2, 8, 2), filled(0.05, 8), filled(0.05, 8));
        LstmState s = cell.step(row(1, 2, 3), new LstmState(row(0.5, 1.0), row(1.0, -1.0)));
        assertArrayEquals(new double[] {0.8261584152871869, -0.3712169049377171}, s.c().data().toDoubleArray(), TOL);
        assertArrayEquals(new double[] {0.40615441537483654, -0.21256744711206949}, s.h().data().toDoubleArray(), TOL);
    }

    @Test
    void lstmGateOrderIsInputForgetCellOutput() {
        // weights 0; bias_ih blocks i = 0.1, f = 0.2, g = 0.3, o = 0.4; c = 0.5:
        // c' = σ(0.2)·0.5 + σ(0.1)·tanh(0.3) = 0.42785..., h' = σ(0.4)·tanh(c') = 0.24158...
        LstmCell cell = LstmCell.over(filled(0, 4, 1), filled(0, 4, 1), param(new double[] {0.1, 0.2, 0.3, 0.4}, 4),
                filled(0, 4));
        LstmState s = cell.step(row(7.0), new LstmState(row(-3.0), row(0.5)));
        assertEquals(0.4278500572434425, s.c().item(), TOL);
        assertEquals(0.24158424411855114, s.h().item(), TOL);
        assertEquals(List.of(LstmGate.INPUT, LstmGate.FORGET, LstmGate.CELL, LstmGate.OUTPUT), List.of(LstmGate.values()));
        assertEquals(2, LstmGate.CELL.start(1));
        assertEquals(16, LstmGate.OUTPUT.end(4));   // rows 12..15 of [16, I] for H = 4
    }

    @Test
    void lstmPeepholesLookAtOldMemoryForInputAndForgetAndNewMemoryForOutput() {
        // as above with peepholes p_i = 1, p_f = 2, p_o = 3 and c = 0.5:
        // i = σ(0.1 + 0.5), f = σ(0.2 + 1.0), c' = f·0.5 + i·tanh(0.3), o = σ(0.4 + 3c'), h' = o·tanh(c')
        LstmCell cell = LstmCell.over(filled(0, 4, 1), filled(0, 4, 1), param(new double[] {0.1, 0.2, 0.3, 0.4}, 4),
                filled(0, 4), param(new double[] {1, 2, 3}, 3, 1));
        LstmState s = cell.step(row(7.0), new LstmState(row(-3.0), row(0.5)));
        assertEquals(0.5723502170619896, s.c().item(), TOL);
        assertEquals(0.4615222975128598, s.h().item(), TOL);
    }

    @Test
    void gruVariantsMatchHandComputation() {
        // I = H = 1; weight_ih (r, z, n) = 0.1, 0.2, 0.3; weight_hh 0.4, 0.5, 0.6; bias_ih 0.01, 0.02, 0.03;
        // bias_hh 0.04, 0.05, 0.06; x = 2, h = 0.5: r = σ(0.45), z = σ(0.72);
        // after:  n = tanh(0.63 + r·(0.3 + 0.06));  before: n = tanh(0.63 + 0.6·(r·0.5) + 0.06); h' = (1 − z)n + z·0.5
        double[][] expected = {{0.5625257451159346}, {0.5664582087012944}};
        for (GruVariant v : GruVariant.values()) {
            GruCell cell = GruCell.over(param(new double[] {0.1, 0.2, 0.3}, 3, 1), param(new double[] {0.4, 0.5, 0.6}, 3, 1),
                    param(new double[] {0.01, 0.02, 0.03}, 3), param(new double[] {0.04, 0.05, 0.06}, 3), v);
            HiddenState h = cell.step(row(2.0), new HiddenState(row(0.5)));
            assertEquals(expected[v.ordinal()][0], h.h().item(), TOL, v.name());
        }
    }

    @Test
    void minimalGruMatchesTheCourseNotes() {
        // weight_ih (u, c) = 0.1, 0.3; weight_hh 0.2, 0.4; bias_ih 0.01, 0.03; bias_hh 0.02, 0.04; x = 2, c = 0.5:
        // Γ_u = σ(0.2 + 0.1 + 0.03), c̃ = tanh(0.6 + 0.2 + 0.07), c' = Γ_u c̃ + (1 − Γ_u)·0.5
        MinimalGruCell cell = MinimalGruCell.over(param(new double[] {0.1, 0.3}, 2, 1), param(new double[] {0.2, 0.4}, 2, 1),
                param(new double[] {0.01, 0.03}, 2), param(new double[] {0.02, 0.04}, 2));
        assertEquals(0.6171512889267391, cell.step(row(2.0), new HiddenState(row(0.5))).h().item(), TOL);
    }

    @Test
    void simpleRnnActivations() {
        // W_ih = [1, −1]ᵀ, W_hh = 0.5 I, b_ih = 0.1, b_hh = 0; x = 1, h = [0.2, 0.2]: z = [1.2, −0.8]
        Parameter wIh = param(new double[] {1, -1}, 2, 1), wHh = param(new double[] {0.5, 0, 0, 0.5}, 2, 2);
        Parameter bIh = filled(0.1, 2), bHh = filled(0, 2);
        Tensor x = row(1.0);
        HiddenState h = new HiddenState(row(0.2, 0.2));
        assertArrayEquals(new double[] {1.2, 0.0},
                SimpleRnnCell.over(wIh, wHh, bIh, bHh, Activation.Kind.RELU).step(x, h).h().data().toDoubleArray(), TOL);
        assertArrayEquals(new double[] {0.8336546070121552, -0.6640367702678491},
                SimpleRnnCell.over(wIh, wHh, bIh, bHh, Activation.Kind.TANH).step(x, h).h().data().toDoubleArray(), TOL);
        SimpleRnnCell custom = SimpleRnnCell.builder(1, 2).dtype(F64).activation("square", Tensor::square).build();
        custom.weightIh().data().copyFrom(wIh.data());
        custom.weightHh().data().copyFrom(wHh.data());
        custom.biasIh().data().copyFrom(bIh.data());
        custom.biasHh().data().copyFrom(bHh.data());
        assertArrayEquals(new double[] {1.44, 0.64}, custom.step(x, h).h().data().toDoubleArray(), TOL);
        assertEquals("square", custom.activationName());
    }

    @Test
    void cellsWithoutBiasIgnoreNoBias() {
        SimpleRnnCell cell = SimpleRnnCell.builder(1, 1).bias(false).dtype(F64).build();
        cell.weightIh().data().fillInPlace(2);
        cell.weightHh().data().fillInPlace(3);
        assertNull(cell.biasIh());
        assertEquals(Math.tanh(2 * 0.5 + 3 * 0.25), cell.step(row(0.5), new HiddenState(row(0.25))).h().item(), TOL);
        assertEquals(List.of("weight_ih", "weight_hh"), List.copyOf(cell.namedParameters().keySet()));
    }

    @Test
    void parameterNamesAndShapesFollowTorchCells() {
        Rng rng = new Rng(1);
        assertLayout(new LstmCell(5, 3, rng), Map.of("weight_ih", "[12, 5]", "weight_hh", "[12, 3]", "bias_ih", "[12]",
                "bias_hh", "[12]"));
        assertLayout(new GruCell(5, 3, rng), Map.of("weight_ih", "[9, 5]", "weight_hh", "[9, 3]", "bias_ih", "[9]",
                "bias_hh", "[9]"));
        assertLayout(new SimpleRnnCell(5, 3, rng), Map.of("weight_ih", "[3, 5]", "weight_hh", "[3, 3]", "bias_ih", "[3]",
                "bias_hh", "[3]"));
        assertLayout(new MinimalGruCell(5, 3, rng), Map.of("weight_ih", "[6, 5]", "weight_hh", "[6, 3]", "bias_ih", "[6]",
                "bias_hh", "[6]"));
        LstmCell peep = LstmCell.builder(5, 3).peephole(true).rng(rng).build();
        assertEquals(List.of("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_peephole"),
                List.copyOf(peep.namedParameters().keySet()));
        assertShape(peep.weightPeephole(), 3, 3);
    }

    private static void assertLayout(StandardCell<?> cell, Map<String, String> expected) {
        assertEquals(List.of("weight_ih", "weight_hh", "bias_ih", "bias_hh"), List.copyOf(cell.namedParameters().keySet()));
        cell.namedParameters().forEach((n, p) -> assertEquals(expected.get(n), java.util.Arrays.toString(p.shape()), n));
        double bound = 1 / Math.sqrt(cell.hiddenSize());   // torch's U(±1/sqrt(H))
        for (Parameter p : cell.parameters()) {
            for (int i = 0; i < p.data().size(); i++) {
                assertTrue(Math.abs(p.data().getFlat(i)) <= bound);
            }
        }
    }

    @Test
    void forgetBiasIsAddedToTheForgetBlockOfBiasIh() {
        LstmCell plain = LstmCell.builder(2, 3).dtype(F64).rng(new Rng(5)).build();
        LstmCell biased = LstmCell.builder(2, 3).dtype(F64).rng(new Rng(5)).forgetBias(1.0).build();
        NdArray diff = biased.biasIh().data().sub(plain.biasIh().data());
        for (int k = 0; k < 12; k++) {
            boolean forget = k >= LstmGate.FORGET.start(3) && k < LstmGate.FORGET.end(3);
            assertEquals(forget ? 1.0 : 0.0, diff.getFlat(k), 1e-15, "row " + k);
        }
        assertEquals(0, biased.biasHh().data().maxAbsDiff(plain.biasHh().data()));
        var e = assertThrows(IllegalArgumentException.class, () -> LstmCell.builder(2, 3).bias(false).forgetBias(1).build());
        assertMessageContains(e, "forgetBias=1.0 needs a bias");
    }

    @Test
    void cellsOverExistingParametersShareThem() {
        Lstm lstm = Lstm.builder(4, 3).dtype(F64).build();
        LstmCell cell = lstm.cell(0, false);
        assertSame(lstm.weightIh(0, false), cell.weightIh());
        assertSame(lstm.biasHh(0, false), cell.biasHh());
        var e = assertThrows(ShapeMismatchException.class,
                () -> LstmCell.over(filled(0, 12, 4), filled(0, 9, 3), null, null));
        assertMessageContains(e, "LstmCell: weight_hh has shape [9, 3], expected [4·H, H]");
        var e2 = assertThrows(IllegalArgumentException.class,
                () -> GruCell.over(filled(0, 9, 4), filled(0, 9, 3), filled(0, 9), null, GruVariant.RESET_AFTER));
        assertMessageContains(e2, "both bias_ih and bias_hh, or neither");
        var e3 = assertThrows(ShapeMismatchException.class,
                () -> LstmCell.over(filled(0, 12, 4), filled(0, 12, 3), filled(0, 12), filled(0, 12), filled(0, 4, 3)));
        assertMessageContains(e3, "weight_peephole has shape [4, 3], expected [3, 3] (rows p_i, p_f, p_o)");
    }

    @Test
    void stepWithWrongInputShapeNamesTheCellBothShapesAndTheFix() {
        LstmCell cell = LstmCell.builder(5, 3).build();
        var e = assertThrows(ShapeMismatchException.class,
                () -> cell.step(Tensor.zeros(4, 7), cell.zeroState(4, DType.FLOAT32)));
        assertMessageContains(e, "LstmCell.step: x has shape [4, 7], expected [batch, 5] (this cell was built with inputSize=5). "
                + "If x is [batch, time, features], pass it to the Recurrent layer, not to the cell.");
        var e3 = assertThrows(ShapeMismatchException.class,
                () -> cell.step(Tensor.zeros(4, 6, 5), cell.zeroState(4, DType.FLOAT32)));
        assertMessageContains(e3, "x has shape [4, 6, 5]",
                "If x is [batch, time, features], pass it to the Recurrent layer, not to the cell.");
        var es = assertThrows(ShapeMismatchException.class,
                () -> cell.step(Tensor.zeros(4, 5), cell.zeroState(2, DType.FLOAT32)));
        assertMessageContains(es, "LstmCell.step: state.h has shape [2, 3], expected [batch=4, hidden=3]");
        var ec = assertThrows(ShapeMismatchException.class,
                () -> cell.step(Tensor.zeros(4, 5), new LstmState(Tensor.zeros(4, 3), Tensor.zeros(4, 2))));
        assertMessageContains(ec, "LstmCell.step: state.c has shape [4, 2]");
        GruCell gru = new GruCell(5, 3, new Rng(0));
        var eg = assertThrows(ShapeMismatchException.class, () -> gru.step(Tensor.zeros(2, 4), gru.zeroState(2, DType.FLOAT32)));
        assertMessageContains(eg, "GruCell.step: x has shape [2, 4], expected [batch, 5]");
        var ed = assertThrows(IllegalArgumentException.class,
                () -> gru.step(Tensor.zeros(F64, 2, 5), gru.zeroState(2, F64)));
        assertMessageContains(ed, "GruCell.step: x is float64 but this cell's parameters are float32");
    }

    @Test
    void badSizesAreRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> new GruCell(0, 3, new Rng(0)));
        assertMessageContains(e, "GruCell: inputSize and hiddenSize must be positive, got inputSize=0, hiddenSize=3");
    }

    @Test
    void statesAreTypedAndDetachCutsTheGraph() {
        Rng rng = new Rng(2);
        LstmCell cell = LstmCell.builder(2, 3).dtype(F64).rng(rng).build();
        LstmState s = cell.step(RnnTestSupport.data(rng, 4, 2), cell.zeroState(4, F64));
        assertTrue(s.h().requiresGrad());
        LstmState d = s.detach();
        assertFalse(d.h().requiresGrad());
        assertFalse(d.c().requiresGrad());
        assertSame(s.c().data(), d.c().data());
        assertEquals(2, s.tensors().size());
        var e = assertThrows(IllegalArgumentException.class, () -> s.withTensors(List.of(s.h())));
        assertMessageContains(e, "LstmState.withTensors: expected 2 tensors, got 1");
        StackedState st = new StackedState(List.of(s, new HiddenState(s.h())));
        assertSame(s.h(), st.h());
        assertEquals(3, st.tensors().size());
        StackedState st2 = st.withTensors(st.tensors());
        assertSame(s.c(), ((LstmState) st2.layer(0)).c());
    }
}
