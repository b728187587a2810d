package dev.jrnn.nn;

import dev.jrnn.autograd.GradCheck;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Losses.Reduction;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.tensor.ShapeMismatchException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static dev.jrnn.TestArrays.arr;
import static dev.jrnn.TestArrays.assertArray;
import static dev.jrnn.TestArrays.d;
import static dev.jrnn.TestArrays.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Masked, per-time-step losses: hand-computed values, padding ignored, stability, float64 gradient checks. */
class LossesMaskedTest {

    private static double lse(double... x) {
        double m = Double.NEGATIVE_INFINITY;
        for (double v : x) m = Math.max(m, v);
        double z = 0;
        for (double v : x) z += Math.exp(v - m);
        return m + Math.log(z);
    }

    @Test
    void theFloat32SequenceCrossEntropyMatchesFloat64() {
        Rng rng = new Rng(5);
        int b = 3, t = 4, c = 50;
        NdArray x64 = NdArray.rand(rng, DType.FLOAT64, -6, 6, b, t, c);
        int[] y = new int[b * t];
        NdArray mask = NdArray.ones(DType.FLOAT64, b, t);
        for (int i = 0; i < y.length; i++) y[i] = rng.nextInt(c);
        mask.setFlat(5, 0);
        mask.setFlat(11, 0.5);
        for (Reduction r : Reduction.values()) {
            Tensor in64 = Tensor.variable(x64.copy());
            Tensor l64 = Losses.sequenceCrossEntropy(in64, y, mask, r);
            Tensor in32 = Tensor.variable(x64.to(DType.FLOAT32));
            Tensor l32 = Losses.sequenceCrossEntropy(in32, y, mask.to(DType.FLOAT32), r);
            assertEquals(DType.FLOAT32, l32.dtype());
            assertEquals(l64.item(), l32.item(), 1e-5 * Math.abs(l64.item()), r.name());
            l64.backward();
            l32.backward();
            double[] g64 = in64.grad().toDoubleArray(), g32 = in32.grad().toDoubleArray();
            for (int i = 0; i < g64.length; i++) {
                assertEquals(g64[i], g32[i], 1e-6, r + " gradient " + i);
                if (i / c == 5) assertEquals(0.0, g32[i], "a masked step has no gradient");
            }
        }
    }

    @Test
    void sequenceCrossEntropyIgnoresPaddedStepsAndAveragesOverValidOnes() {
        for (DType dt : DType.values()) {
            // [B=2, T=2, C=3]; sequence 1 has length 1, its step 1 is padding (target -1, garbage logits)
            Tensor logits = Tensor.variable(arr(dt, s(2, 2, 3),
                    1, 2, 3,   0, 0, 1,
                    2, 0, -1,  99, -99, 42));
            int[] targets = {2, 0, 1, -1};
            NdArray mask = d(s(2, 2), 1, 1, 1, 0);
            double l0 = lse(1, 2, 3) - 3, l1 = lse(0, 0, 1) - 0, l2 = lse(2, 0, -1) - 0;
            Tensor mean = Losses.sequenceCrossEntropy(logits, targets, mask);
            assertEquals((l0 + l1 + l2) / 3, mean.item(), 1e-6);
            mean.backward();
            double z = Math.exp(1) + Math.exp(2) + Math.exp(3);
            assertEquals((Math.exp(3) / z - 1) / 3, logits.grad().get(0, 0, 2), 1e-6);
            assertEquals(Math.exp(1) / z / 3, logits.grad().get(0, 0, 0), 1e-6);
            for (int k = 0; k < 3; k++) {
                assertEquals(0, logits.grad().get(1, 1, k), "padded step gets no gradient");
            }
            Tensor sum = Losses.sequenceCrossEntropy(logits, targets, mask, Reduction.SUM);
            assertEquals(l0 + l1 + l2, sum.item(), 1e-5);
        }
    }

    @Test
    void withoutMaskItEqualsTheFlatCrossEntropy() {
        NdArray x = NdArray.rand(new Rng(3), DType.FLOAT64, -3, 3, 3, 4, 5);
        int[] y = new int[12];
        for (int i = 0; i < 12; i++) y[i] = (i * 7) % 5;
        double flat = Losses.crossEntropy(Tensor.constant(x), y).item();
        assertEquals(flat, Losses.sequenceCrossEntropy(Tensor.constant(x), y, null).item(), 1e-12);
        NdArray ones = NdArray.ones(DType.FLOAT64, 3, 4);
        assertEquals(flat * 12, Losses.sequenceCrossEntropy(Tensor.constant(x), y, ones, Reduction.SUM).item(), 1e-10);
    }

    @Test
    void hugeLogitsStayFinite() {
        Tensor logits = Tensor.variable(arr(DType.FLOAT32, s(1, 2, 2), 1e4f, -1e4f, -1e4f, 1e4f));
        Tensor loss = Losses.sequenceCrossEntropy(logits, new int[] {1, 1}, null);
        assertEquals(1e4, loss.item(), 1e-2, "step 0: log-prob of class 1 is -2e4; step 1: 0; mean 1e4");
        loss.backward();
        assertTrue(logits.grad().allFinite());
        assertArray(logits.grad(), s(1, 2, 2), 1e-6, 0.5, -0.5, 0, 0);

        Tensor b = Tensor.variable(arr(DType.FLOAT32, s(2), 1e4, -1e4));
        Tensor bce = Losses.maskedBinaryCrossEntropyWithLogits(b, Tensor.constant(arr(DType.FLOAT32, s(2), 0, 0)), null);
        assertEquals(5e3, bce.item(), 1e-2);
        bce.backward();
        assertArray(b.grad(), s(2), 1e-6, 0.5, 0);
    }

    @Test
    void allMaskedGivesZeroLossAndZeroGradient() {
        Tensor logits = Tensor.variable(NdArray.ones(DType.FLOAT64, 2, 1, 3));
        Tensor loss = Losses.sequenceCrossEntropy(logits, new int[] {-1, -1}, NdArray.zeros(DType.FLOAT64, 2, 1));
        assertEquals(0, loss.item());
        loss.backward();
        assertEquals(0, logits.grad().sumOfSquares());
    }

    @Test
    void maskedMseWithAStepMaskCoversAllFeatures() {
        // [B=1, T=3, F=2], step 2 padded
        Tensor p = Tensor.variable(d(s(1, 3, 2), 1, 2, 3, 4, 100, 100));
        Tensor t = Tensor.constant(d(s(1, 3, 2), 0, 2, 3, 2, 0, 0));
        NdArray mask = d(s(1, 3), 1, 1, 0);
        Tensor loss = Losses.maskedMse(p, t, mask);
        assertEquals((1 + 0 + 0 + 4) / 4.0, loss.item(), 1e-12);
        loss.backward();
        assertArray(p.grad(), s(1, 3, 2), 1e-12, 2 * 1 / 4.0, 0, 0, 2 * 2 / 4.0, 0, 0);
        assertEquals(5, Losses.maskedMse(p, t, mask, Reduction.SUM).item(), 1e-12);
        assertEquals(Losses.mse(p, t).item(), Losses.maskedMse(p, t, null).item(), 1e-12);
    }

    @Test
    void maskedBceMatchesUnmaskedOnValidElements() {
        Tensor x = Tensor.constant(d(s(2, 2), 0.5, -1, 3, 7));
        Tensor y = Tensor.constant(d(s(2, 2), 1, 0, 0, 1));
        Tensor valid = Tensor.constant(d(s(3), 0.5, -1, 3));
        double expected = Losses.binaryCrossEntropyWithLogits(valid, Tensor.constant(d(s(3), 1, 0, 0))).item();
        assertEquals(expected, Losses.maskedBinaryCrossEntropyWithLogits(x, y, d(s(2, 2), 1, 1, 1, 0)).item(), 1e-12);
        assertEquals(Losses.binaryCrossEntropyWithLogits(x, y).item(),
                Losses.maskedBinaryCrossEntropyWithLogits(x, y, null).item(), 1e-12);
    }

    @ParameterizedTest
    @CsvSource({"3,4", "1,4", "3,1", "1,1"})   // batch, time
    void gradientsMatchCentralDifferences(int batch, int time) {
        Rng rng = new Rng(11 + batch * 10 + time);
        int c = 4;
        NdArray logits = NdArray.rand(rng, DType.FLOAT64, -2, 2, batch, time, c);
        int[] y = new int[batch * time];
        NdArray mask = NdArray.zeros(DType.FLOAT64, batch, time);
        for (int i = 0; i < y.length; i++) {
            y[i] = rng.nextInt(c);
            mask.setFlat(i, i == y.length - 1 && y.length > 1 ? 0 : 1);   // the last step padded when there are several
        }
        for (Reduction r : Reduction.values()) {
            GradCheck.assertMatches(in -> Losses.sequenceCrossEntropy(in[0], y, mask, r), logits);
            NdArray pred = NdArray.rand(rng, DType.FLOAT64, -2, 2, batch, time, 2);
            NdArray target = NdArray.rand(rng, DType.FLOAT64, 0, 1, batch, time, 2);
            GradCheck.assertMatches(in -> Losses.maskedMse(in[0], in[1], mask, r), pred, target);
            GradCheck.assertMatches(in -> Losses.maskedBinaryCrossEntropyWithLogits(in[0], in[1], mask, r), pred, target);
        }
    }

    @Test
    void errorsNameTheProblem() {
        Tensor logits = Tensor.zeros(DType.FLOAT64, 2, 3, 4);
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
                () -> Losses.sequenceCrossEntropy(logits, new int[6], NdArray.ones(DType.FLOAT64, 3, 2)));
        assertTrue(e.getMessage().contains("mask has shape [3, 2], expected [2, 3]"), e.getMessage());
        IllegalArgumentException t = assertThrows(IllegalArgumentException.class,
                () -> Losses.sequenceCrossEntropy(logits, new int[] {0, 1, 2, 3, 4, 0}, null));
        assertTrue(t.getMessage().contains("target 4 at step 4"), t.getMessage());
        IllegalArgumentException n = assertThrows(IllegalArgumentException.class,
                () -> Losses.sequenceCrossEntropy(logits, new int[5], null));
        assertTrue(n.getMessage().contains("5 targets for 6 steps"), n.getMessage());
        ShapeMismatchException m = assertThrows(ShapeMismatchException.class,
                () -> Losses.maskedMse(Tensor.zeros(2, 3), Tensor.zeros(2, 3), NdArray.ones(DType.FLOAT32, 3)));
        assertTrue(m.getMessage().contains("leading part"), m.getMessage());
    }
}
