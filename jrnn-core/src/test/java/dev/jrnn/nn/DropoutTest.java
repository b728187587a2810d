package dev.jrnn.nn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class DropoutTest {

    private static Tensor input(DType dt, int n) {
        return Tensor.variable(NdArray.rand(new Rng(77), dt, 0.5, 1.5, n));   // no zeros of its own
    }

    @Test
    void evalModeIsTheIdentity() {
        Dropout d = new Dropout(0.5, new Rng(1));
        d.eval();
        Tensor x = input(DType.FLOAT32, 100);
        assertSame(x, d.forward(x));
        Dropout none = new Dropout(0.0, new Rng(1));
        assertSame(x, none.forward(x), "p = 0 in training mode is the identity too");
    }

    @Test
    void trainingZeroesAboutPAndScalesSurvivors() {
        for (DType dt : DType.values()) {
            for (double p : new double[] {0.1, 0.3, 0.5, 0.9}) {
                Dropout d = new Dropout(p, new Rng(3));
                int n = 100_000;
                Tensor x = input(dt, n);
                NdArray y = d.forward(x).data();
                int zeros = 0;
                for (int i = 0; i < n; i++) {
                    double yi = y.getFlat(i), xi = x.data().getFlat(i);
                    if (yi == 0) {
                        zeros++;
                    } else if (Math.abs(yi - xi / (1 - p)) > 1e-6 * Math.abs(yi)) {
                        fail(dt + " p=" + p + ": survivor " + i + " is " + yi + ", expected " + xi / (1 - p));
                    }
                }
                double sd = Math.sqrt(p * (1 - p) / n);
                assertEquals(p, (double) zeros / n, 5 * sd, dt + " p=" + p + ": fraction zeroed");
                assertEquals(dt, y.dtype());
            }
        }
    }

    @Test
    void sameSeedSameMaskAndFreshMasksEachCall() {
        Tensor x = input(DType.FLOAT64, 1000);
        NdArray a = new Dropout(0.5, new Rng(9)).forward(x).data();
        NdArray b = new Dropout(0.5, new Rng(9)).forward(x).data();
        assertEquals(0.0, a.maxAbsDiff(b));
        Dropout d = new Dropout(0.5, new Rng(9));
        NdArray first = d.forward(x).data(), second = d.forward(x).data();
        assertEquals(0.0, first.maxAbsDiff(a));
        assertNotEquals(0.0, first.maxAbsDiff(second), "each call draws a new mask");
    }

    @Test
    void gradientFlowsThroughTheSameMask() {
        Tensor x = input(DType.FLOAT64, 50);
        Dropout d = new Dropout(0.4, new Rng(2));
        NdArray y = d.forward(x).data();
        x.zeroGrad();
        Tensor again = new Dropout(0.4, new Rng(2)).forward(x);
        again.sum().backward();
        for (int i = 0; i < 50; i++) {
            double expected = y.getFlat(i) == 0 ? 0 : 1 / 0.6;
            assertEquals(expected, x.grad().getFlat(i), 1e-12, "element " + i);
        }
    }

    @Test
    void badProbabilitiesFailAtConstruction() {
        for (double p : new double[] {-0.1, 1.0, 1.5, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Dropout(p, new Rng(1)));
            assertEquals("Dropout: p must be in [0, 1), got " + p, e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Dropout(0.5, null));
        assertTrue(e.getMessage().contains("Rng"), e.getMessage());
        assertEquals(0.0, new Dropout(0.0, null).p(), "p = 0 draws nothing, so it needs no generator");
    }
}
