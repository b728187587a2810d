package dev.jrnn.nn;

import dev.jrnn.autograd.GradCheck;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.tensor.ShapeMismatchException;
import org.junit.jupiter.api.Test;

import static dev.jrnn.TestArrays.arr;
import static dev.jrnn.TestArrays.assertArray;
import static dev.jrnn.TestArrays.d;
import static dev.jrnn.TestArrays.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LossesTest {

    private static double sigmoid(double x) { return 1 / (1 + Math.exp(-x)); }

    @Test
    void mseByHand() {
        for (DType dt : DType.values()) {
            Tensor p = Tensor.variable(arr(dt, s(3), 1, 2, 3));
            Tensor t = Tensor.constant(arr(dt, s(3), 1.5, 2, 1));
            Tensor loss = Losses.mse(p, t);
            assertEquals(0, loss.rank());
            assertEquals((0.25 + 0 + 4) / 3, loss.item(), 1e-6);
            loss.backward();
            assertArray(p.grad(), s(3), 1e-6, 2 * -0.5 / 3, 0, 2 * 2.0 / 3);   // 2 (p - t) / n
        }
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
                () -> Losses.mse(Tensor.zeros(3), Tensor.zeros(3, 1)));
        assertEquals("Losses.mse: target has shape [3, 1], expected [3] like pred", e.getMessage());
    }

    /** The fused one-pass MSE, float32: value and both gradients as the composed ops computed in float64. */
    @Test
    void mseFloat32FollowsTheComposedOpsInFloat64() {
        Rng rng = new Rng(9);
        NdArray pv = NdArray.rand(rng, DType.FLOAT64, -3, 3, 4, 50, 7), tv = NdArray.rand(rng, DType.FLOAT64, -3, 3, 4, 50, 7);
        Tensor p32 = Tensor.variable(pv.to(DType.FLOAT32)), t32 = Tensor.variable(tv.to(DType.FLOAT32));
        Tensor p64 = Tensor.variable(p32.data().to(DType.FLOAT64)), t64 = Tensor.variable(t32.data().to(DType.FLOAT64));
        Tensor fused = Losses.mse(p32, t32);
        Tensor composed = p64.sub(t64).square().mean();
        assertEquals(DType.FLOAT32, fused.dtype());
        assertEquals(composed.item(), fused.item(), 1e-6 * composed.item());
        fused.mul(3).backward();
        composed.mul(3).backward();
        for (int i = 0; i < pv.size(); i++) {
            assertEquals(p64.grad().getFlat(i), p32.grad().getFlat(i), 1e-6, "dpred " + i);
            assertEquals(t64.grad().getFlat(i), t32.grad().getFlat(i), 1e-6, "dtarget " + i);
        }
    }

    @Test
    void crossEntropyByHand() {
        for (DType dt : DType.values()) {
            Tensor logits = Tensor.variable(arr(dt, s(2, 3), 1, 2, 3, 1, 1, 1));
            int[] labels = {2, 0};
            Tensor loss = Losses.crossEntropy(logits, labels);
            double z0 = Math.exp(1) + Math.exp(2) + Math.exp(3);
            double expected = (-Math.log(Math.exp(3) / z0) + Math.log(3)) / 2;
            assertEquals(expected, loss.item(), 1e-6);
            loss.backward();
            // (softmax - onehot) / N
            assertArray(logits.grad(), s(2, 3), 1e-6,
                    Math.exp(1) / z0 / 2, Math.exp(2) / z0 / 2, (Math.exp(3) / z0 - 1) / 2,
                    (1.0 / 3 - 1) / 2, 1.0 / 6, 1.0 / 6);
        }
    }

    @Test
    void crossEntropyOverSequencesFlattensRowMajor() {
        NdArray x = NdArray.rand(new Rng(1), DType.FLOAT64, -2, 2, 2, 3, 4);   // [batch, time, classes]
        int[] labels = {0, 3, 1, 2, 2, 0};
        double expected = 0;
        for (int r = 0; r < 6; r++) {
            int b = r / 3, t = r % 3;
            double z = 0;
            for (int c = 0; c < 4; c++) z += Math.exp(x.get(b, t, c));
            expected -= x.get(b, t, labels[r]) - Math.log(z);
        }
        assertEquals(expected / 6, Losses.crossEntropy(Tensor.constant(x), labels).item(), 1e-12);
        GradCheck.assertMatches(in -> Losses.crossEntropy(in[0], labels), x);
    }

    @Test
    void crossEntropyErrors() {
        Tensor logits = Tensor.zeros(2, 3, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Losses.crossEntropy(logits, new int[5]));   // one label short
        assertEquals("Losses.crossEntropy: 5 labels for 6 rows of logits (shape [2, 3, 4])", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Losses.crossEntropy(logits, new int[7]));
        ShapeMismatchException se = assertThrows(ShapeMismatchException.class,
                () -> Losses.crossEntropy(Tensor.zeros(4), new int[4]));
        assertTrue(se.getMessage().startsWith("Losses.crossEntropy: logits has shape [4]"), se.getMessage());
        IndexOutOfBoundsException ie = assertThrows(IndexOutOfBoundsException.class,
                () -> Losses.crossEntropy(Tensor.zeros(2, 4), new int[] {0, 4}));
        assertTrue(ie.getMessage().contains("label 4 at row 1") && ie.getMessage().contains("4 classes"), ie.getMessage());
    }

    @Test
    void crossEntropyIsStableForHugeLogits() {
        for (DType dt : DType.values()) {
            Tensor logits = Tensor.variable(arr(dt, s(2, 2), 1000, -1000, -1000, 1000));
            Tensor loss = Losses.crossEntropy(logits, new int[] {0, 0});
            assertEquals(1000, loss.item(), 1e-3);   // (0 + 2000) / 2
            loss.backward();
            assertTrue(logits.grad().allFinite());
            assertArray(logits.grad(), s(2, 2), 1e-6, 0, 0, -0.5, 0.5);
        }
    }

    @Test
    void binaryCrossEntropyWithLogitsByHand() {
        double[] x = {0.5, -1, 2}, y = {1, 0, 0.3};
        for (DType dt : DType.values()) {
            Tensor logits = Tensor.variable(arr(dt, s(3), x));
            Tensor targets = Tensor.variable(arr(dt, s(3), y));
            Tensor loss = Losses.binaryCrossEntropyWithLogits(logits, targets);
            double expected = 0;
            for (int i = 0; i < 3; i++) {
                expected -= y[i] * Math.log(sigmoid(x[i])) + (1 - y[i]) * Math.log(1 - sigmoid(x[i]));
            }
            assertEquals(expected / 3, loss.item(), 1e-6);
            assertEquals(dt, loss.dtype());
            loss.backward();
            assertArray(logits.grad(), s(3), 1e-6,
                    (sigmoid(0.5) - 1) / 3, sigmoid(-1) / 3, (sigmoid(2) - 0.3) / 3);
            assertArray(targets.grad(), s(3), 1e-6, -0.5 / 3, 1.0 / 3, -2.0 / 3);
        }
    }

    @Test
    void binaryCrossEntropyIsStableForHugeLogits() {
        for (DType dt : DType.values()) {
            Tensor logits = Tensor.variable(arr(dt, s(4), 1000, -1000, 1000, -1000));
            Tensor targets = Tensor.constant(arr(dt, s(4), 0, 1, 1, 0));
            Tensor loss = Losses.binaryCrossEntropyWithLogits(logits, targets);
            assertEquals(500, loss.item(), 1e-3);   // (1000 + 1000 + 0 + 0) / 4
            loss.backward();
            assertTrue(logits.grad().allFinite());
            assertArray(logits.grad(), s(4), 1e-7, 0.25, -0.25, 0, 0);
        }
        IllegalArgumentException e = assertThrows(ShapeMismatchException.class,
                () -> Losses.binaryCrossEntropyWithLogits(Tensor.zeros(3), Tensor.zeros(4)));
        assertEquals("Losses.binaryCrossEntropyWithLogits: targets has shape [4], expected [3] like logits", e.getMessage());
    }

    @Test
    void lossGradientsMatchCentralDifferences() {
        Rng rng = new Rng(4);
        NdArray p = NdArray.rand(rng, DType.FLOAT64, -1, 1, 3, 4), t = NdArray.rand(rng, DType.FLOAT64, -1, 1, 3, 4);
        GradCheck.assertMatches(in -> Losses.mse(in[0], in[1]), p, t);
        GradCheck.assertMatches(in -> Losses.mse(in[0], in[1]), d(s(1), 0.3), d(s(1), -0.2));
        GradCheck.assertMatches(in -> Losses.crossEntropy(in[0], new int[] {3, 0, 1}), NdArray.rand(rng, DType.FLOAT64, -2, 2, 3, 4));
        GradCheck.assertMatches(in -> Losses.crossEntropy(in[0], new int[] {0}), NdArray.rand(rng, DType.FLOAT64, -2, 2, 1, 1));
        NdArray probs = NdArray.rand(rng, DType.FLOAT64, 0, 1, 2, 3);
        GradCheck.assertMatches(in -> Losses.binaryCrossEntropyWithLogits(in[0], in[1]),
                NdArray.rand(rng, DType.FLOAT64, -3, 3, 2, 3), probs);
        // the loss scaled by an upstream gradient (g.item() != 1)
        GradCheck.assertMatches(in -> Losses.binaryCrossEntropyWithLogits(in[0], in[1]).mul(3.5),
                NdArray.rand(rng, DType.FLOAT64, -3, 3, 4), NdArray.rand(rng, DType.FLOAT64, 0, 1, 4));
        GradCheck.assertMatches(in -> Losses.binaryCrossEntropyWithLogits(in[0], Tensor.constant(probs)),
                NdArray.rand(rng, DType.FLOAT64, -3, 3, 2, 3));
    }
}
