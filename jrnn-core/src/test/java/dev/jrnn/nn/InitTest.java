package dev.jrnn.nn;

import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InitTest {

    private static double maxAbs(NdArray a) {
        double m = 0;
        for (int i = 0; i < a.size(); i++) m = Math.max(m, Math.abs(a.getFlat(i)));
        return m;
    }

    @Test
    void boundsShapesAndSeeds() {
        NdArray u = Init.uniform(new Rng(1), DType.FLOAT64, 0.3, 50, 40);
        assertArrayEquals(new int[] {50, 40}, u.shape());
        assertTrue(maxAbs(u) <= 0.3 && maxAbs(u) > 0.29, "max " + maxAbs(u));
        assertEquals(0, u.mean().item(), 0.01);

        NdArray t = Init.torchDefault(new Rng(2), DType.FLOAT32, 25, 30, 25);
        assertTrue(maxAbs(t) <= 0.2 && maxAbs(t) > 0.19, "max " + maxAbs(t));   // 1 / sqrt(25)
        assertEquals(DType.FLOAT32, t.dtype());

        NdArray g = Init.glorotUniform(new Rng(3), DType.FLOAT64, 10, 14, 14, 10);
        double bound = Math.sqrt(6.0 / 24);
        assertTrue(maxAbs(g) <= bound && maxAbs(g) > 0.95 * bound, "max " + maxAbs(g));

        assertEquals(0.0, Init.uniform(new Rng(4), DType.FLOAT64, 1, 10).maxAbsDiff(
                Init.uniform(new Rng(4), DType.FLOAT64, 1, 10)));
    }

    /** {@code a} {@code [r, c]}: the largest |(AᵀA − I)| entry when {@code cols}, else of {@code AAᵀ − I}. */
    private static double offIdentity(NdArray a, boolean cols) {
        int r = a.dim(0), c = a.dim(1), n = cols ? c : r, len = cols ? r : c;
        double worst = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double dot = 0;
                for (int t = 0; t < len; t++) {
                    dot += cols ? a.getFlat(t * c + i) * a.getFlat(t * c + j) : a.getFlat(i * c + t) * a.getFlat(j * c + t);
                }
                worst = Math.max(worst, Math.abs(dot - (i == j ? 1 : 0)));
            }
        }
        return worst;
    }

    @Test
    void orthogonalHasOrthonormalColumnsOrRows() {
        NdArray tall = Init.orthogonal(new Rng(3), DType.FLOAT64, 1, 256, 64);     // an LSTM's [4H, H] W_hh
        assertArrayEquals(new int[] {256, 64}, tall.shape());
        assertTrue(offIdentity(tall, true) < 1e-12, "QᵀQ − I: " + offIdentity(tall, true));
        NdArray wide = Init.orthogonal(new Rng(4), DType.FLOAT64, 1, 10, 30);
        assertTrue(offIdentity(wide, false) < 1e-12, "QQᵀ − I: " + offIdentity(wide, false));
        NdArray square = Init.orthogonal(new Rng(5), DType.FLOAT64, 2.0, 16, 16);
        assertEquals(2.0, Math.sqrt(square.mul(square).sum().item() / 16), 1e-12, "gain 2: every column has norm 2");
        assertEquals(0, Init.orthogonal(new Rng(6), DType.FLOAT32, 1, 8, 3)
                .maxAbsDiff(Init.orthogonal(new Rng(6), DType.FLOAT32, 1, 8, 3)), "one seed, one matrix");
        assertTrue(Init.orthogonal(new Rng(6), DType.FLOAT64, 1, 8, 3)
                .maxAbsDiff(Init.orthogonal(new Rng(7), DType.FLOAT64, 1, 8, 3)) > 0.01);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Init.orthogonal(new Rng(1), DType.FLOAT32, 1, 0, 3));
        assertTrue(e.getMessage().contains("[0, 3]"), e.getMessage());
    }
}
