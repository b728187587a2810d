package dev.jrnn.optim;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.Losses;
import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.jrnn.TestArrays.arr;
import static dev.jrnn.TestArrays.assertArray;
import static dev.jrnn.TestArrays.d;
import static dev.jrnn.TestArrays.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two steps of every SGD variant against numbers worked out by hand from the torch.optim.SGD formulas
 * (p0 = [1, -2], g1 = [0.5, 1], g2 = [-1, 0.25], lr = 0.1).
 */
class SgdTest {
    private static final NdArray G1 = d(s(2), 0.5, 1), G2 = d(s(2), -1, 0.25);

    private static double[][] twoSteps(DType dt, Sgd.Config config) {
        Parameter p = new Parameter(arr(dt, s(2), 1, -2));
        Sgd opt = new Sgd(List.of(p), config);
        p.setGrad(G1.to(dt));
        opt.step();
        double[] after1 = p.data().toDoubleArray();
        p.setGrad(G2.to(dt));
        opt.step();
        return new double[][] {after1, p.data().toDoubleArray()};
    }

    private static void assertSteps(Sgd.Config config, double[] step1, double[] step2) {
        for (DType dt : DType.values()) {
            double tol = dt == DType.FLOAT32 ? 1e-6 : 1e-14;
            double[][] r = twoSteps(dt, config);
            for (int i = 0; i < 2; i++) {
                assertEquals(step1[i], r[0][i], tol, dt + " step 1 element " + i);
                assertEquals(step2[i], r[1][i], tol, dt + " step 2 element " + i);
            }
        }
    }

    @Test
    void plain() {
        // p1 = p0 - 0.1 g1; p2 = p1 - 0.1 g2
        assertSteps(Sgd.Config.of(0.1), new double[] {0.95, -2.1}, new double[] {1.05, -2.125});
    }

    @Test
    void momentum() {
        // v1 = g1 = [0.5, 1]; p1 = [0.95, -2.1]; v2 = 0.9 v1 + g2 = [-0.55, 1.15]; p2 = p1 - 0.1 v2
        assertSteps(new Sgd.Config(0.1, 0.9, false, 0), new double[] {0.95, -2.1}, new double[] {1.005, -2.215});
    }

    @Test
    void nesterov() {
        // step 1: v1 = g1, update = g1 + 0.9 v1 = [0.95, 1.9]; p1 = [0.905, -2.19]
        // step 2: v2 = [-0.55, 1.15], update = g2 + 0.9 v2 = [-1.495, 1.285]; p2 = [1.0545, -2.3185]
        assertSteps(new Sgd.Config(0.1, 0.9, true, 0), new double[] {0.905, -2.19}, new double[] {1.0545, -2.3185});
    }

    @Test
    void weightDecay() {
        // g1' = g1 + 0.1 p0 = [0.6, 0.8]; p1 = [0.94, -2.08]; g2' = g2 + 0.1 p1 = [-0.906, 0.042]; p2 = [1.0306, -2.0842]
        assertSteps(new Sgd.Config(0.1, 0, false, 0.1), new double[] {0.94, -2.08}, new double[] {1.0306, -2.0842});
    }

    @Test
    void nesterovWithWeightDecay() {
        // g1' = [0.6, 0.8] = v1; update = [1.14, 1.52]; p1 = [0.886, -2.152]
        // g2' = g2 + 0.1 p1 = [-0.9114, 0.0348]; v2 = 0.9 v1 + g2' = [-0.3714, 0.7548];
        // update = g2' + 0.9 v2 = [-1.24566, 0.71412]; p2 = [1.010566, -2.223412]
        assertSteps(new Sgd.Config(0.1, 0.9, true, 0.1), new double[] {0.886, -2.152},
                new double[] {1.010566, -2.223412});
    }

    @Test
    void gradientIsNotModifiedAndVelocityIsNotAliased() {
        Parameter p = new Parameter(d(s(2), 1, -2));
        Sgd opt = new Sgd(List.of(p), new Sgd.Config(0.1, 0.9, false, 0.1));
        NdArray g = G1.copy();
        p.setGrad(g);
        opt.step();
        assertArray(g, s(2), 0, 0.5, 1);
        g.fillInPlace(100);   // e.g. clipping the old gradient in place must not change the optimizer's state
        p.setGrad(G2.copy());
        opt.step();
        // same as the momentum + decay numbers: v1 = [0.6, 0.8], p1 = [0.94, -2.08],
        // g2' = [-0.906, 0.042], v2 = [-0.366, 0.762], p2 = [0.9766, -2.1562]
        assertArray(p.data(), s(2), 1e-14, 0.9766, -2.1562);
    }

    @Test
    void frozenAndGradientlessParametersAreUntouched() {
        Parameter trained = new Parameter(d(s(2), 1, -2));
        Parameter frozen = new Parameter(d(s(2), 3, 4)).freeze();
        Parameter stale = new Parameter(d(s(2), 5, 6));
        Parameter noGrad = new Parameter(d(s(2), 7, 8));
        Sgd opt = new Sgd(List.of(trained, frozen, stale, noGrad), new Sgd.Config(0.1, 0.9, true, 0.5));
        trained.setGrad(G1.copy());
        stale.setGrad(G1.copy());
        stale.setRequiresGrad(false);   // frozen after a gradient was stored
        for (int i = 0; i < 3; i++) opt.step();
        assertArray(frozen.data(), s(2), 0, 3, 4);
        assertArray(stale.data(), s(2), 0, 5, 6);
        assertArray(noGrad.data(), s(2), 0, 7, 8);
        assertTrue(trained.data().getFlat(0) < 1, "the trainable one moved");
    }

    @Test
    void zeroGradAndLearningRate() {
        Parameter p = new Parameter(d(s(2), 1, -2));
        Sgd opt = new Sgd(List.of(p), 0.1);
        p.setGrad(G1.copy());
        opt.zeroGrad();
        assertNull(p.grad());
        opt.setLr(0.5);
        assertEquals(0.5, opt.lr());
        assertEquals(0.1, opt.config().lr(), "the config keeps the initial rate");
        p.setGrad(G1.copy());
        opt.step();
        assertArray(p.data(), s(2), 0, 0.75, -2.5);
        assertEquals(List.of(p), opt.parameters());
    }

    @Test
    void badHyperparametersFailAtConstruction() {
        for (double lr : new double[] {Double.NaN, -0.1, 0, Double.POSITIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sgd.Config.of(lr));
            assertTrue(e.getMessage().startsWith("Sgd: lr must be a finite number in ["), e.getMessage());
            assertTrue(e.getMessage().endsWith("got " + lr), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new Sgd.Config(0.1, -0.5, false, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sgd.Config(0.1, 1.0, false, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sgd.Config(0.1, Double.NaN, false, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sgd.Config(0.1, 0.9, false, -1e-4));
        assertThrows(IllegalArgumentException.class, () -> new Sgd.Config(0.1, 0.9, false, Double.NaN));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Sgd.Config(0.1, 0, true, 0));
        assertEquals("Sgd: nesterov needs momentum > 0", e.getMessage());
        Parameter p = new Parameter(d(s(1), 1));
        Sgd opt = new Sgd(List.of(p), 0.1);
        assertThrows(IllegalArgumentException.class, () -> opt.setLr(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> opt.setLr(-1));
        assertEquals(0.1, opt.lr());
        e = assertThrows(IllegalArgumentException.class, () -> new Sgd(List.of(), 0.1));
        assertEquals("Sgd: no parameters to optimize", e.getMessage());
    }

    @Test
    void trainsALinearRegressionEndToEnd() {
        // y = 2 x0 - 3 x1 + 0.5; SGD with momentum must recover it
        Rng rng = new Rng(1);
        NdArray x = NdArray.rand(rng, DType.FLOAT64, -1, 1, 64, 2);
        NdArray y = NdArray.zeros(DType.FLOAT64, 64, 1);
        for (int i = 0; i < 64; i++) y.setFlat(i, 2 * x.get(i, 0) - 3 * x.get(i, 1) + 0.5);
        Linear model = new Linear(2, 1, true, DType.FLOAT64, rng);
        Sgd opt = new Sgd(model.parameters(), new Sgd.Config(0.1, 0.9, false, 0));
        double loss = Double.NaN;
        for (int step = 0; step < 300; step++) {
            opt.zeroGrad();
            Tensor l = Losses.mse(model.forward(Tensor.constant(x)), Tensor.constant(y));
            l.backward();
            opt.step();
            loss = l.item();
        }
        assertTrue(loss < 1e-10, "loss " + loss);
        assertArray(model.weight().data(), s(1, 2), 1e-4, 2, -3);
        assertArray(model.bias().data(), s(1), 1e-4, 0.5);
    }
}
