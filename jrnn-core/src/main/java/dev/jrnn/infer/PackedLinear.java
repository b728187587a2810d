package dev.jrnn.infer;

import dev.jrnn.nn.Linear;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;

/**
 * A {@link Linear} layer frozen for inference, {@code y = W x + b}: the weight copied once into
 * {@link PackedFloat}'s packed layout (one row per input feature) so that a product with one vector is the same
 * vectorised loop as a recurrent step's. Immutable; float32 models compute in float32, float64 in float64, and
 * the result is handed out widened to {@code double}.
 */
final class PackedLinear {
    final int in, out;
    private final float[][] wf;     // [in][out]  float32 models
    private final float[] bf;       // [out], zeros without bias
    private final double[][] wd;    // [in][out]  float64 models
    private final double[] bd;

    PackedLinear(Linear linear) {
        NdArray w = linear.weight().data(), b = linear.bias() == null ? null : linear.bias().data();
        this.out = w.dim(0);
        this.in = w.dim(1);
        if (w.dtype() == DType.FLOAT32) {
            float[] a = w.floatData();
            wf = new float[in][out];
            for (int o = 0; o < out; o++) for (int k = 0; k < in; k++) wf[k][o] = a[o * in + k];
            bf = b == null ? new float[out] : b.floatData().clone();
            wd = null;
            bd = null;
        } else {
            double[] a = w.doubleData();
            wd = new double[in][out];
            for (int o = 0; o < out; o++) for (int k = 0; k < in; k++) wd[k][o] = a[o * in + k];
            bd = b == null ? new double[out] : b.doubleData().clone();
            wf = null;
            bf = null;
        }
    }

    /** {@code y = W x + b} of a float32 layer; {@code scratch} is {@code [out]}, {@code y} receives it widened. */
    void apply(float[] x, float[] scratch, double[] y) {
        System.arraycopy(bf, 0, scratch, 0, out);
        PackedFloat.gemv(wf, x, 0, in, scratch, 0, out);
        for (int o = 0; o < out; o++) y[o] = scratch[o];
    }

    /** {@code y = W x + b} of a float64 layer. */
    void apply(double[] x, double[] y) {
        System.arraycopy(bd, 0, y, 0, out);
        PackedDouble.gemv(wd, x, 0, in, y, 0, out);
    }

    /** {@code y = W x + b} for an input of either dtype held in an {@link NdArray} row {@code [in]} at {@code from}. */
    double[] apply(NdArray rows, int from) {
        double[] y = new double[out];
        if (wf != null) {
            float[] x = new float[in];
            System.arraycopy(rows.floatData(), from, x, 0, in);
            apply(x, new float[out], y);
        } else {
            double[] x = new double[in];
            System.arraycopy(rows.doubleData(), from, x, 0, in);
            apply(x, y);
        }
        return y;
    }

    /**
     * The layer applied to the top layer's final state of every sequence of a {@link PackedRnn#run}, both
     * directions concatenated (forward first): what the many-to-one models put their head on.
     */
    double[][] applyToFinalStates(PackedRnn rnn, PackedRnn.Output o) {
        int layers = rnn.config().numLayers(), dirs = rnn.config().numDirections(), h = rnn.config().hiddenSize();
        int batch = o.hN().dim(1);
        NdArray row = NdArray.zeros(rnn.dtype(), dirs * h);
        double[][] y = new double[batch][];
        for (int b = 0; b < batch; b++) {
            for (int d = 0; d < dirs; d++) {
                int at = (((layers - 1) * dirs + d) * batch + b) * h;
                if (rnn.dtype() == DType.FLOAT32) System.arraycopy(o.hN().floatData(), at, row.floatData(), d * h, h);
                else System.arraycopy(o.hN().doubleData(), at, row.doubleData(), d * h, h);
            }
            y[b] = apply(row, 0);
        }
        return y;
    }
}
