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
}
