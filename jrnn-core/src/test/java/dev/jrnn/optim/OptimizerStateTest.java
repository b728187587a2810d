package dev.jrnn.optim;

import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Optimizer state round trips (bit-exact continuation), the shared learning rate, and non-finite gradients. */
class OptimizerStateTest {
    private static final List<Function<List<Parameter>, Optimizer>> KINDS = List.of(
            ps -> new Sgd(ps, new Sgd.Config(0.05, 0.9, true, 1e-3)),
            ps -> new Adam(ps, Adam.Config.adam(0.01)),
            ps -> new Adam(ps, Adam.Config.adamW(0.01)),
            ps -> new RmsProp(ps, new RmsProp.Config(0.01, 0.9, 1e-8, 0.5, 1e-4)),
            ps -> new Adagrad(ps, new Adagrad.Config(0.1, 1e-10, 0.1, 0)));

    private static List<Parameter> params(DType dt) {
        Rng rng = new Rng(5);
        return List.of(new Parameter(NdArray.randn(rng, dt, 0, 1, 3, 2)), new Parameter(NdArray.randn(rng, dt, 0, 1, 4)));
    }

    private static Map<String, Parameter> named(List<Parameter> ps) {
        Map<String, Parameter> m = new LinkedHashMap<>();
        m.put("fc.weight", ps.get(0));
        m.put("fc.bias", ps.get(1));
        return m;
    }

    /** Deterministic gradients for step {@code t}. */
    private static void grads(List<Parameter> ps, int t) {
        Rng rng = new Rng(100 + t);
        for (Parameter p : ps) p.setGrad(NdArray.randn(rng, p.dtype(), 0, 1, p.shape()));
    }

    @Test
    void restoredStateContinuesBitForBit() {
        for (DType dt : DType.values()) {
            for (var kind : KINDS) {
                List<Parameter> a = params(dt);
                Optimizer optA = kind.apply(a).names(named(a));
                for (int t = 0; t < 3; t++) { grads(a, t); optA.step(); }
                optA.setLr(optA.lr() * 0.5);   // as a schedule would
                Map<String, NdArray> saved = optA.state();
                List<Parameter> b = params(dt);
                for (int i = 0; i < a.size(); i++) b.get(i).data().copyFrom(a.get(i).data());
                Optimizer optB = kind.apply(b).names(named(b));
                optB.loadState(saved);
                assertEquals(optA.lr(), optB.lr());
                assertEquals(3, optB.steps());
                for (int t = 3; t < 6; t++) {
                    grads(a, t); optA.step();
                    grads(b, t); optB.step();
                }
                for (int i = 0; i < a.size(); i++) {
                    assertArrayEquals(a.get(i).data().toDoubleArray(), b.get(i).data().toDoubleArray(), 0.0,
                            optA.name() + " " + dt + " parameter " + i);
                }
            }
        }
    }

    @Test
    void stateKeysNameIndexParameterAndSlot() {
        List<Parameter> ps = params(DType.FLOAT64);
        Adam adam = new Adam(ps, Adam.Config.adam(0.01));
        adam.names(named(ps));
        grads(ps, 0);
        adam.step();
        assertEquals(List.of("step", "lr", "skipped", "0.fc.weight.exp_avg", "1.fc.bias.exp_avg",
                "0.fc.weight.exp_avg_sq", "1.fc.bias.exp_avg_sq"), List.copyOf(adam.state().keySet()));
        assertEquals(1, adam.state().get("step").item());
        assertEquals("param0", new Sgd(ps, 0.1).parameterNames().get(0));
    }

    @Test
    void mismatchedStateIsRefusedBeforeAnythingChanges() {
        List<Parameter> ps = params(DType.FLOAT64);
        Adam adam = new Adam(ps, Adam.Config.adam(0.01));
        adam.names(named(ps));
        grads(ps, 0);
        adam.step();
        Map<String, NdArray> good = adam.state();

        Map<String, NdArray> renamed = new LinkedHashMap<>(good);
        renamed.put("0.encoder.weight.exp_avg", renamed.remove("0.fc.weight.exp_avg"));
        Map<String, NdArray> reshaped = new LinkedHashMap<>(good);
        reshaped.put("1.fc.bias.exp_avg_sq", NdArray.zeros(DType.FLOAT64, 5));
        Map<String, NdArray> noStep = new LinkedHashMap<>(good);
        noStep.remove("step");

        Adam fresh = new Adam(ps, Adam.Config.adam(0.02));
        fresh.names(named(ps));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fresh.loadState(renamed));
        assertTrue(e.getMessage().contains("unexpected keys [0.encoder.weight.exp_avg]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> fresh.loadState(reshaped));
        assertTrue(e.getMessage().contains("'1.fc.bias.exp_avg_sq' has shape [5], the parameter has [4]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> fresh.loadState(noStep));
        assertTrue(e.getMessage().contains("'step' is missing"), e.getMessage());
        assertEquals(0, fresh.steps(), "unchanged after a refused load");
        assertEquals(0.02, fresh.lr());
        assertTrue(fresh.state().keySet().stream().noneMatch(k -> k.contains("exp_avg")));
    }

    @Test
    void nonFiniteGradientThrowsWithStepLossParameterAndAdvice() {
        List<Parameter> ps = params(DType.FLOAT32);
        Sgd sgd = new Sgd(ps, 0.1);
        sgd.names(named(ps));
        grads(ps, 0);
        assertTrue(sgd.checkedStep(1.5));
        grads(ps, 1);
        ps.get(1).grad().setFlat(2, Double.NaN);
        ps.get(1).grad().setFlat(3, Double.POSITIVE_INFINITY);
        double before = ps.get(1).data().getFlat(0);
        NonFiniteGradientException e = assertThrows(NonFiniteGradientException.class, () -> sgd.checkedStep(Double.NaN));
        assertEquals("step 2: the gradient of 'fc.bias' is not finite (1 NaN and 1 infinite of 4 elements); loss NaN. "
                + "Gradients exploded: clip them (--clip-norm 1.0, i.e. GradClip.byGlobalNorm) or lower the learning rate "
                + "(now 0.1); to skip such steps instead, set Optimizer.NonFinitePolicy.SKIP.", e.getMessage());
        assertEquals(2, e.step());
        assertEquals("fc.bias", e.parameter());
        assertEquals(before, ps.get(1).data().getFlat(0), "nothing changed");
        assertEquals(1, sgd.steps());
        assertThrows(NonFiniteGradientException.class, () -> sgd.checkedStep(1.0, GradClip.globalNorm(ps)),
                "the global norm of a NaN gradient is NaN: the scan runs");
        assertThrows(NonFiniteGradientException.class, () -> sgd.checkedStep(1.0, Double.NaN), "NaN = norm not known");
        grads(ps, 1);
        assertTrue(sgd.checkedStep(1.0, GradClip.globalNorm(ps)), "a finite norm: every gradient is finite");
        assertEquals(2, sgd.steps());
    }

    @Test
    void skipPolicyLeavesParametersAndCountsTheStep() {
        List<Parameter> ps = params(DType.FLOAT64);
        Adam adam = new Adam(ps, Adam.Config.adam(0.1));
        adam.nonFinitePolicy(Optimizer.NonFinitePolicy.SKIP);
        grads(ps, 0);
        ps.get(0).grad().setFlat(0, Double.NEGATIVE_INFINITY);
        double[] before = ps.get(0).data().toDoubleArray();
        assertFalse(adam.checkedStep(3.0));
        assertArrayEquals(before, ps.get(0).data().toDoubleArray(), 0.0);
        assertNull(ps.get(0).grad(), "gradients cleared");
        assertEquals(1, adam.skippedSteps());
        assertEquals(0, adam.steps());
        assertEquals(1, adam.state().get("skipped").item());
        grads(ps, 1);
        assertTrue(adam.checkedStep(2.0));
        assertEquals(1, adam.steps());
    }

    @Test
    void learningRateIsUniformAcrossOptimizers() {
        for (var kind : KINDS) {
            Optimizer o = kind.apply(params(DType.FLOAT64));
            o.setLr(0.25);
            assertEquals(0.25, o.lr());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> o.setLr(0));
            assertTrue(e.getMessage().startsWith(o.name() + ": lr must be"), e.getMessage());
            assertEquals(0.25, o.lr());
        }
    }
}
