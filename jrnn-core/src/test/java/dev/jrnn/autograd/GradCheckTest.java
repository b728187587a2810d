package dev.jrnn.autograd;

import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.jrnn.TestArrays.d;
import static dev.jrnn.TestArrays.s;
import static dev.jrnn.TestArrays.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checker itself: it must fail a wrong backward, say where, and leave its inputs as they were. */
class GradCheckTest {

    /** y = 2x, with a backward that is off by {@code factor}. */
    private static Tensor scaledTwice(Tensor x, double factor) {
        return Tensor.custom("twice", x.data().mul(2), g -> new NdArray[] {g.mul(2 * factor)}, x);
    }

    @Test
    void correctCustomBackwardPasses() {
        GradCheck.Report r = GradCheck.assertMatches(x -> scaledTwice(x[0], 1.0), d(s(3), 0.1, -0.2, 0.3));
        assertTrue(r.passed());
        assertEquals(3, r.checked());
        assertTrue(r.maxError() < 1e-8, r.toString());
    }

    @Test
    void backwardOffByAFactorFails() {
        NdArray x = d(s(2, 2), 0.5, -1, 0.25, 2);
        GradCheck.Report r = GradCheck.check(in -> scaledTwice(in[0], 1.01), x);
        assertFalse(r.passed(), r.toString());
        assertEquals(0.01 / 1.01, r.maxError(), 1e-6);
        assertEquals(0, r.input());
        assertEquals(4, r.checked());
        assertEquals(r.numeric() * 1.01, r.analytic(), 1e-9);
        AssertionError e = assertThrows(AssertionError.class,
                () -> GradCheck.assertMatches(in -> scaledTwice(in[0], 1.01), x));
        assertTrue(e.getMessage().startsWith("gradient check FAILED: max relative error 0.00990"), e.getMessage());
        assertTrue(e.getMessage().contains("input 0, element"), e.getMessage());
    }

    @Test
    void tinyRelativeErrorIsCaughtToo() {
        // off by 1e-4: still ten times the tolerance
        GradCheck.Report r = GradCheck.check(in -> scaledTwice(in[0], 1.0001), d(s(3), 1, 2, 3));
        assertFalse(r.passed(), r.toString());
    }

    @Test
    void wrongGradientInOneElementOfTheSecondInputIsLocated() {
        NdArray a = d(s(2), 0.3, 0.7), b = d(s(3), 1, 2, 3);
        GradCheck.Report r = GradCheck.check(in -> Tensor.custom("wrongAt", in[1].data().mul(in[0].data().sum().item()),
                g -> {
                    NdArray gb = g.mul(in[0].data().sum().item());
                    gb.setFlat(2, gb.getFlat(2) + 0.5);   // corrupt element 2 of input 1
                    NdArray ga = NdArray.full(DType.FLOAT64, g.mul(in[1].data()).sum().item(), 2);
                    return new NdArray[] {ga, gb};
                }, in[0], in[1]), a, b);
        assertFalse(r.passed());
        assertEquals(1, r.input());
        assertEquals(2, r.index());
        assertEquals(5, r.checked());
    }

    @Test
    void missingGradientFails() {
        // a backward that returns nothing for its input: analytic 0, numeric 2
        GradCheck.Report r = GradCheck.check(in -> Tensor.custom("dropsGrad", in[0].data().mul(2),
                g -> new NdArray[] {null}, in[0]), d(s(2), 1, 2));
        assertFalse(r.passed());
        assertEquals(0.0, r.analytic());
    }

    @Test
    void nanGradientFails() {
        GradCheck.Report r = GradCheck.check(in -> Tensor.custom("nan", in[0].data().mul(2),
                g -> new NdArray[] {g.mul(Double.NaN)}, in[0]), d(s(2), 1, 2));
        assertFalse(r.passed());
        assertEquals(Double.POSITIVE_INFINITY, r.maxError());
    }

    @Test
    void supplierFormChecksParametersInPlaceAndRestoresThem() {
        Rng rng = new Rng(3);
        Tensor w = Tensor.variable(uniform(rng, DType.FLOAT64, 3, 2));
        Tensor x = Tensor.constant(uniform(rng, DType.FLOAT64, 4, 3));
        NdArray before = w.data().copy();
        GradCheck.Report r = GradCheck.assertMatches(() -> x.matmul(w).sigmoid(), List.of(w));
        assertEquals(6, r.checked());
        assertEquals(0.0, w.data().maxAbsDiff(before), "values restored after perturbation");
        assertNull(w.grad(), "gradient cleared after the check");
        assertNull(x.grad());
    }

    @Test
    void supplierFormRejectsWhatItCannotCheck() {
        Tensor f32 = Tensor.variable(NdArray.zeros(DType.FLOAT32, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GradCheck.check(() -> f32.mul(2), List.of(f32)));
        assertTrue(e.getMessage().contains("float64 leaf") && e.getMessage().contains("float32"), e.getMessage());
        Tensor c = Tensor.constant(NdArray.zeros(DType.FLOAT64, 2));
        e = assertThrows(IllegalArgumentException.class, () -> GradCheck.check(() -> c.mul(2), List.of(c)));
        assertTrue(e.getMessage().contains("without requiresGrad"), e.getMessage());
        Tensor v = Tensor.variable(NdArray.zeros(DType.FLOAT64, 2));
        Tensor nonLeaf = v.mul(2);
        e = assertThrows(IllegalArgumentException.class, () -> GradCheck.check(() -> nonLeaf.mul(2), List.of(nonLeaf)));
        assertTrue(e.getMessage().contains("output of mulScalar"), e.getMessage());
    }

    @Test
    void reportReadsWell() {
        GradCheck.Report r = new GradCheck.Report(0.5, 1, 7, 2.0, 1.0, 12);
        assertEquals("gradient check FAILED: max relative error 0.500 (tolerance 1e-05, absolute floor 1e-08) at input 1, "
                + "element 7: analytic 2.000000000, numeric 1.000000000; 12 elements checked", r.toString());
        assertTrue(new GradCheck.Report(1e-6, 0, 0, 1, 1, 1).passed());
    }

    @Test
    void worksInsideANoGradRegion() {
        try (var scope = Autograd.noGrad()) {
            GradCheck.Report r = GradCheck.assertMatches(x -> x[0].tanh(), d(s(2), 0.1, 0.2));
            assertEquals(2, r.checked());
            assertFalse(Autograd.isEnabled(), "the caller's mode is restored");
        }
    }
}
