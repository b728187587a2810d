package dev.jrnn.nn;

import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;

/** Weight initialisers. Layers take an explicit {@link Rng}, so the same seed builds the same model. */
public final class Init {
    private Init() {}

    /** {@code U(-bound, bound)}. */
    public static NdArray uniform(Rng rng, DType dtype, double bound, int... shape) {
        return NdArray.rand(rng, dtype, -bound, bound, shape);
    }

    /**
     * PyTorch's default for {@code nn.Linear} and the recurrent layers: {@code U(-1/sqrt(fanIn), 1/sqrt(fanIn))}
     * (for recurrent layers {@code fanIn} is the hidden size).
     */
    public static NdArray torchDefault(Rng rng, DType dtype, int fanIn, int... shape) {
        return uniform(rng, dtype, fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0, shape);
    }

    /** Glorot/Xavier uniform: {@code U(±sqrt(6 / (fanIn + fanOut)))}, Keras's default kernel initialiser. */
    public static NdArray glorotUniform(Rng rng, DType dtype, int fanIn, int fanOut, int... shape) {
        return uniform(rng, dtype, Math.sqrt(6.0 / (fanIn + fanOut)), shape);
    }

    /**
     * Keras' {@code Orthogonal} initialiser for a {@code [rows, cols]} matrix: a {@code [max, min]} matrix of
     * standard normal draws, its thin QR factorisation ({@code Q} with orthonormal columns, signs fixed so that
     * {@code R}'s diagonal is positive), {@code Q} itself when {@code rows >= cols}, else {@code Qᵀ}. So the columns
     * (rows ≥ cols) or the rows (rows &lt; cols) are orthonormal; times {@code gain}. The factorisation is modified
     * Gram–Schmidt in double, exact to about 1e-15 for the recurrent sizes of this library.
     *
     * @throws IllegalArgumentException when a size is not positive
     */
    public static NdArray orthogonal(Rng rng, DType dtype, double gain, int rows, int cols) {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("Init.orthogonal: needs a [rows >= 1, cols >= 1] matrix, got [" + rows
                    + ", " + cols + "]");
        }
        final int m = Math.max(rows, cols), n = Math.min(rows, cols);
        double[][] q = new double[n][m];                          // q[j] = column j of the [m, n] matrix
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) q[j][i] = rng.nextGaussian();
        }
        for (int j = 0; j < n; j++) {
            for (int p = 0; p < j; p++) {                         // remove what column p explains (MGS)
                double dot = 0;
                for (int i = 0; i < m; i++) dot += q[p][i] * q[j][i];
                for (int i = 0; i < m; i++) q[j][i] -= dot * q[p][i];
            }
            double norm = 0;
            for (int i = 0; i < m; i++) norm += q[j][i] * q[j][i];
            norm = Math.sqrt(norm);                               // R's diagonal: positive, as Keras' sign fix makes it
            for (int i = 0; i < m; i++) q[j][i] /= norm;
        }
        NdArray out = NdArray.zeros(dtype, rows, cols);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                int r = rows >= cols ? i : j, c = rows >= cols ? j : i;
                out.setFlat(r * cols + c, gain * q[j][i]);
            }
        }
        return out;
    }
}
