package dev.jrnn.optim;

import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.NdArray;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OptimizersTest {
    private static Parameter param(double... v) {
        return new Parameter(NdArray.of(v.clone(), v.length));
    }

    private static void grad(Parameter p, double... g) {
        p.setGrad(NdArray.of(g.clone(), g.length));
    }

    @Test
    void adamFirstStepMovesEachWeightByLrTimesSignOfGradient() {
        Parameter p = param(1.0, -2.0, 0.5);
        Adam adam = new Adam(List.of(p), Adam.Config.adam(0.01));
        grad(p, 0.3, -4.0, 1e-3);
        adam.step();
        // m^ = g, v^ = g^2, so the step is lr * g / (|g| + eps)
        assertEquals(1.0 - 0.01 * 0.3 / (0.3 + 1e-8), p.data().getFlat(0), 1e-12);
        assertEquals(-2.0 + 0.01 * 4.0 / (4.0 + 1e-8), p.data().getFlat(1), 1e-12);
        assertEquals(0.5 - 0.01 * 1e-3 / (1e-3 + 1e-8), p.data().getFlat(2), 1e-12);
    }

    @Test
    void adamSecondStepFollowsTheBiasCorrectedMoments() {
        Parameter p = param(1.0);
        Adam adam = new Adam(List.of(p), Adam.Config.adam(0.1));
        grad(p, 2.0);
        adam.step();
        grad(p, -1.0);
        adam.step();
        double m = 0.9 * (0.1 * 2.0) + 0.1 * -1.0;           // 0.08
        double v = 0.999 * (0.001 * 4.0) + 0.001 * 1.0;      // 0.004996
        double expected = 1.0 - 0.1 * 2.0 / (2.0 + 1e-8) - 0.1 * (m / (1 - 0.81)) / (Math.sqrt(v / (1 - 0.998001)) + 1e-8);
        assertEquals(expected, p.data().getFlat(0), 1e-12);
        assertEquals(2, adam.steps());
    }

    /** The float32 fast path (float arithmetic, PyTorch's order) follows the float64 update to float precision. */
    @Test
    void adamFloat32FollowsTheFloat64UpdateOverSteps() {
        for (Adam.Config config : List.of(Adam.Config.adam(0.01), new Adam.Config(0.01, 0.9, 0.999, 1e-8, 0.1, false),
                Adam.Config.adamW(0.01))) {
            java.util.Random rnd = new java.util.Random(3);
            int n = 1000;
            double[] w0 = new double[n];
            for (int k = 0; k < n; k++) {
                w0[k] = rnd.nextGaussian();
            }
            Parameter pd = new Parameter(NdArray.of(w0.clone(), n));
            Parameter pf = new Parameter(NdArray.of(w0.clone(), n).to(dev.jrnn.tensor.DType.FLOAT32));
            Adam ad = new Adam(List.of(pd), config);
            Adam af = new Adam(List.of(pf), config);
            for (int step = 0; step < 5; step++) {
                double[] g = new double[n];
                for (int k = 0; k < n; k++) {
                    g[k] = rnd.nextGaussian() * (k % 7 == 0 ? 1e-4 : 1);
                }
                pd.setGrad(NdArray.of(g.clone(), n));
                pf.setGrad(NdArray.of(g.clone(), n).to(dev.jrnn.tensor.DType.FLOAT32));
                ad.step();
                af.step();
            }
            for (int k = 0; k < n; k++) {
                assertEquals(pd.data().getFlat(k), pf.data().getFlat(k), 1e-5 * (1 + Math.abs(pd.data().getFlat(k))),
                        config + " element " + k);
            }
            assertTrue(Math.abs(pf.data().getFlat(1) - w0[1]) > 1e-3, "the weights moved");
        }
    }

    @Test
    void adamWDecaysWeightsIndependentlyOfTheGradient() {
        Parameter p = param(2.0);
        Adam adamW = new Adam(List.of(p), new Adam.Config(0.1, 0.9, 0.999, 1e-8, 0.5, true));
        grad(p, 1.0);
        adamW.step();
        assertEquals(2.0 * (1 - 0.1 * 0.5) - 0.1 * 1.0 / (1.0 + 1e-8), p.data().getFlat(0), 1e-12);
    }

    @Test
    void rmsPropFirstStepIsLrOverSqrtOneMinusAlpha() {
        Parameter p = param(0.0, 0.0);
        RmsProp opt = new RmsProp(List.of(p), new RmsProp.Config(0.01, 0.99, 1e-12, 0, 0));
        grad(p, 3.0, -0.2);
        opt.step();
        assertEquals(-0.01 / Math.sqrt(0.01), p.data().getFlat(0), 1e-9);
        assertEquals(0.01 / Math.sqrt(0.01), p.data().getFlat(1), 1e-9);
    }

    @Test
    void adagradAccumulatesSquaredGradients() {
        Parameter p = param(1.0);
        Adagrad opt = new Adagrad(List.of(p), Adagrad.Config.of(0.5));
        grad(p, 2.0);
        opt.step();
        assertEquals(1.0 - 0.5 * 2.0 / (2.0 + 1e-10), p.data().getFlat(0), 1e-12);
        grad(p, 1.0);
        opt.step();
        double afterFirst = 1.0 - 0.5 * 2.0 / (2.0 + 1e-10);
        assertEquals(afterFirst - 0.5 * 1.0 / (Math.sqrt(5.0) + 1e-10), p.data().getFlat(0), 1e-12);
    }

    @Test
    void everyOptimizerMinimisesAQuadratic() {
        List<Function<Parameter, Optimizer>> makers = List.of(
                p -> new Sgd(List.of(p), new Sgd.Config(0.1, 0.9, true, 0)),
                p -> new Adam(List.of(p), Adam.Config.adam(0.1)),
                p -> new Adam(List.of(p), Adam.Config.adamW(0.1)),
                p -> new RmsProp(List.of(p), RmsProp.Config.of(0.01)),
                p -> new Adagrad(List.of(p), Adagrad.Config.of(0.5)));
        for (Function<Parameter, Optimizer> make : makers) {
            Parameter p = param(3.0, -2.0);
            Optimizer opt = make.apply(p);
            for (int i = 0; i < 500; i++) {
                opt.zeroGrad();
                grad(p, 2 * (p.data().getFlat(0) - 1), 2 * (p.data().getFlat(1) + 1));   // d/dp of (p0-1)^2 + (p1+1)^2
                opt.step();
            }
            String name = opt.getClass().getSimpleName();
            assertEquals(1.0, p.data().getFlat(0), 0.05, name);
            assertEquals(-1.0, p.data().getFlat(1), 0.05, name);
        }
    }

    @Test
    void frozenParametersAreLeftAlone() {
        Parameter p = param(1.0);
        Adam adam = new Adam(List.of(p), Adam.Config.adam(0.1));
        grad(p, 1.0);
        p.freeze();
        adam.step();
        assertEquals(1.0, p.data().getFlat(0));
    }

    @Test
    void badHyperparametersFailAtConstruction() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Adam.Config.adam(Double.NaN));
        assertEquals("Adam: lr must be a finite number in [4.9E-324, 1.7976931348623157E308], got NaN", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new RmsProp.Config(0.01, 1.5, 1e-8, 0, 0));
        assertTrue(e.getMessage().startsWith("RmsProp: alpha must be a finite number in [0.0, "), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Adagrad.Config(0.1, 1e-10, -1, 0));
        assertTrue(e.getMessage().contains("initialAccumulator"), e.getMessage());
    }

    @Test
    void globalNormClippingScalesAllGradientsTogetherAndReturnsTheNorm() {
        Parameter a = param(0, 0), b = param(0);
        grad(a, 3, 0);
        grad(b, 4);
        double norm = GradClip.byGlobalNorm(List.of(a, b), 1.0);
        assertEquals(5.0, norm, 1e-12);
        assertEquals(3.0 / (5 + 1e-6), a.grad().getFlat(0), 1e-12);
        assertEquals(4.0 / (5 + 1e-6), b.grad().getFlat(0), 1e-12);
        assertEquals(1.0, GradClip.globalNorm(List.of(a, b)), 1e-6);
    }

    @Test
    void globalNormBelowTheLimitChangesNothing() {
        Parameter a = param(0, 0);
        grad(a, 0.3, 0.4);
        assertEquals(0.5, GradClip.byGlobalNorm(List.of(a), 1.0), 1e-12);
        assertEquals(0.3, a.grad().getFlat(0), 0);
    }

    @Test
    void perTensorNormClippingTreatsTensorsSeparately() {
        Parameter a = param(0, 0), b = param(0);
        grad(a, 3, 4);
        grad(b, 0.5);
        double largest = GradClip.byNorm(List.of(a, b), 1.0);
        assertEquals(5.0, largest, 1e-12);
        assertEquals(1.0, Math.sqrt(a.grad().sumOfSquares()), 1e-6);
        assertEquals(0.5, b.grad().getFlat(0), 0);
    }

    @Test
    void valueClippingClampsElements() {
        Parameter a = param(0, 0, 0);
        grad(a, -5, 0.2, 7);
        GradClip.byValue(List.of(a), 1.0);
        assertEquals(-1.0, a.grad().getFlat(0));
        assertEquals(0.2, a.grad().getFlat(1));
        assertEquals(1.0, a.grad().getFlat(2));
    }

    @Test
    void nonFiniteNormIsReportedAndNothingIsScaled() {
        Parameter a = param(0, 0);
        grad(a, Double.NaN, 1.0);
        assertTrue(Double.isNaN(GradClip.byGlobalNorm(List.of(a), 1.0)));
        assertEquals(1.0, a.grad().getFlat(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GradClip.byGlobalNorm(List.of(a), 0));
        assertEquals("GradClip.byGlobalNorm: the limit must be a finite number > 0, got 0.0", e.getMessage());
    }
}
