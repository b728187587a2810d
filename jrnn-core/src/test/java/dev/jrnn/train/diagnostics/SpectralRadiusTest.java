package dev.jrnn.train.diagnostics;

import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.tensor.ShapeMismatchException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The estimator on matrices whose eigenvalues are known: real, negative, complex pairs, non-normal, nilpotent. */
class SpectralRadiusTest {

    static double[] diag(double... d) {
        int n = d.length;
        double[] w = new double[n * n];
        for (int i = 0; i < n; i++) w[i * n + i] = d[i];
        return w;
    }

    /** r times a rotation by theta: eigenvalues r·e^{±iθ}, a complex pair of modulus r. */
    static double[] rotation(double r, double theta) {
        return new double[] {r * Math.cos(theta), -r * Math.sin(theta), r * Math.sin(theta), r * Math.cos(theta)};
    }

    static double[] matmul(double[] a, double[] b, int n) {
        double[] c = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int k = 0; k < n; k++)
                for (int j = 0; j < n; j++) c[i * n + j] += a[i * n + k] * b[k * n + j];
        return c;
    }

    /** S D S⁻¹ with S = I + N, N strictly upper triangular (so S⁻¹ = I − N + N² − ...: exact, no solver). */
    static double[] similar(double[] d, int n, long seed) {
        Rng rng = new Rng(seed);
        double[] nil = new double[n * n];
        for (int i = 0; i < n; i++) for (int j = i + 1; j < n; j++) nil[i * n + j] = rng.nextDouble() - 0.5;
        double[] s = diag(ones(n)), inv = diag(ones(n)), power = diag(ones(n));
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) s[i * n + j] += nil[i * n + j];
        for (int k = 1; k < n; k++) {
            power = matmul(power, nil, n);
            for (int i = 0; i < n * n; i++) inv[i] += (k % 2 == 1 ? -1 : 1) * power[i];
        }
        double[] check = matmul(s, inv, n);
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) assertEquals(i == j ? 1 : 0, check[i * n + j], 1e-12);
        return matmul(matmul(s, d, n), inv, n);
    }

    static double[] ones(int n) {
        double[] o = new double[n];
        java.util.Arrays.fill(o, 1);
        return o;
    }

    static double rho(double[] w, int n) {
        return SpectralRadius.of(w, n, SpectralRadius.DEFAULT_ITERATIONS, SpectralRadius.DEFAULT_SEED);
    }

    @Test
    void diagonalMatrices() {
        assertEquals(0.9, rho(diag(0.9, 0.5, -0.3, 0.1), 4), 1e-9);
        assertEquals(1.2, rho(diag(0.3, -1.2, 1.0), 3), 1e-6, "a negative dominant eigenvalue");
        assertEquals(0.7, rho(diag(0.7, -0.7, 0.2), 3), 1e-9, "a ± pair of equal modulus (the Rayleigh quotient fails here)");
        assertEquals(2.5, rho(diag(2.5), 1), 1e-12);
    }

    @Test
    void rotationsAreAComplexPair() {
        assertEquals(1.0, rho(rotation(1.0, 0.3), 2), 1e-12);
        assertEquals(0.8, rho(rotation(0.8, 2.0), 2), 1e-12);
        assertEquals(1.5, rho(rotation(1.5, Math.PI / 2), 2), 1e-12, "a pure quarter turn: W² = −2.25 I");
    }

    @Test
    void complexPairDominatingRealEigenvaluesInASkewBasis() {
        // D = rotation(0.8) ⊕ diag(0.5, −0.3, 0.1): ρ = 0.8 from the complex pair; S makes it non-normal
        int n = 5;
        double[] d = new double[n * n];
        double[] r = rotation(0.8, 1.1);
        d[0] = r[0]; d[1] = r[1]; d[n] = r[2]; d[n + 1] = r[3];
        d[2 * n + 2] = 0.5; d[3 * n + 3] = -0.3; d[4 * n + 4] = 0.1;
        double[] w = similar(d, n, 3);
        assertEquals(0.8, rho(w, n), 0.8 * 1e-2, "within 1% (the Gelfand error is log κ / (k/2))");
        assertEquals(0.8, SpectralRadius.of(w, n, 5000, 1), 0.8 * 2e-3, "and closer with more iterations");
        double norm = SpectralRadius.spectralNorm(w, n, 500, 1);
        assertTrue(norm > 0.8, "a non-normal matrix has ‖W‖₂ > ρ: " + norm);
    }

    @Test
    void nonNormalTriangularMatrixHasRadiusFromItsDiagonal() {
        double[] w = {0.6, 5, -3, 0, -0.2, 4, 0, 0, 0.1};        // eigenvalues 0.6, −0.2, 0.1
        assertEquals(0.6, rho(w, 3), 1e-3);
        assertTrue(SpectralRadius.spectralNorm(w, 3, 500, 1) > 5, "but its norm is large");
    }

    @Test
    void nilpotentAndZeroMatricesHaveRadiusZero() {
        assertEquals(0, rho(new double[] {0, 1, 0, 0}, 2), 1e-12);
        assertEquals(0, rho(new double[9], 3), 1e-12);
    }

    @Test
    void symmetricMatrixNormEqualsRadius() {
        double[] w = {2, 1, 0, 1, 3, 1, 0, 1, 2};                // eigenvalues 1, 2, 4
        assertEquals(4, rho(w, 3), 1e-9);
        assertEquals(4, SpectralRadius.spectralNorm(w, 3, 200, 1), 1e-9);
    }

    @Test
    void nonFiniteMatrixGivesNaN() {
        assertTrue(Double.isNaN(rho(new double[] {1, Double.NaN, 0, 1}, 2)));
    }

    @Test
    void blocksOfAStackedWeightAndFloat32() {
        // [3·2, 2]: blocks diag(0.5, 0.1), rotation(0.9), diag(−2, 1)
        double[] r = rotation(0.9, 0.4);
        float[] w = {0.5f, 0, 0, 0.1f, (float) r[0], (float) r[1], (float) r[2], (float) r[3], -2, 0, 0, 1};
        double[] rho = SpectralRadius.ofBlocks(NdArray.of(w, 6, 2), 3);
        assertArrayEquals(new double[] {0.5, 0.9, 2.0}, rho, 1e-6);
        double[] norms = SpectralRadius.spectralNormOfBlocks(NdArray.of(w, 6, 2), 3, 200, 1);
        assertArrayEquals(new double[] {0.5, 0.9, 2.0}, norms, 1e-6, "normal blocks: norm = radius");
    }

    @Test
    void rescaleToSetsTheRadius() {
        Rng rng = new Rng(5);
        NdArray w = NdArray.randn(rng, dev.jrnn.tensor.DType.FLOAT64, 0, 1, 32, 32);
        double factor = SpectralRadius.rescaleTo(w, 1.5);
        assertTrue(factor > 0);
        assertEquals(1.5, SpectralRadius.of(w, 3000, 11), 1.5 * 5e-3);
        assertThrows(IllegalArgumentException.class, () -> SpectralRadius.rescaleTo(NdArray.zeros(3, 3), 1.0));
        assertThrows(IllegalArgumentException.class, () -> SpectralRadius.rescaleTo(w, -1));
    }

    @Test
    void randomGaussianMatrixFollowsTheCircularLaw() {
        // entries N(0, 1/n): eigenvalues fill the unit disk, so ρ ≈ 1 (within a few percent at n = 200)
        int n = 200;
        NdArray w = NdArray.randn(new Rng(9), dev.jrnn.tensor.DType.FLOAT64, 0, 1 / Math.sqrt(n), n, n);
        double rho = SpectralRadius.of(w, 2000, 1);
        assertTrue(rho > 0.9 && rho < 1.1, "ρ = " + rho);
    }

    @Test
    void errorsNameTheShape() {
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> SpectralRadius.of(NdArray.zeros(4, 2)));
        assertTrue(e.getMessage().contains("[4, 2]") && e.getMessage().contains("ofBlocks"), e.getMessage());
        e = assertThrows(ShapeMismatchException.class, () -> SpectralRadius.ofBlocks(NdArray.zeros(7, 2), 4));
        assertTrue(e.getMessage().contains("[4·H, H]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SpectralRadius.of(new double[4], 2, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> SpectralRadius.of(new double[3], 2, 10, 0));
    }
}
