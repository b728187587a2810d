package dev.jrnn.io;

import dev.jrnn.nn.rnn.GruVariant;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.tensor.ShapeMismatchException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link KerasImport}: block placement, shape errors, round trips and one-step equivalence of the cells. */
class KerasImportTest {
    static final int I = 2, H = 3;

    /** kernel[i, g*H + j] = 100*(g+1) + 10*i + j: every entry says which Keras gate, row and unit it is. */
    static NdArray taggedKernel(int rows, int gates, double base) {
        NdArray k = NdArray.zeros(DType.FLOAT64, rows, gates * H);
        for (int i = 0; i < rows; i++) {
            for (int g = 0; g < gates; g++) {
                for (int j = 0; j < H; j++) k.set(base + 100 * (g + 1) + 10 * i + j, i, g * H + j);
            }
        }
        return k;
    }

    static NdArray taggedBias(int gates, double base) {
        NdArray b = NdArray.zeros(DType.FLOAT64, gates * H);
        for (int g = 0; g < gates; g++) {
            for (int j = 0; j < H; j++) b.set(base + 100 * (g + 1) + j, g * H + j);
        }
        return b;
    }

    /** Checks that torch row block {@code tb} of {@code w [G*H, rows]} holds Keras gate {@code kg} transposed. */
    static void assertBlock(NdArray w, int tb, int kg, int rows, double base) {
        for (int j = 0; j < H; j++) {
            for (int i = 0; i < rows; i++) {
                assertEquals(base + 100 * (kg + 1) + 10 * i + j, w.get(tb * H + j, i), "row block " + tb + " unit " + j);
            }
        }
    }

    static void assertBiasBlock(NdArray b, int tb, int kg, double base) {
        for (int j = 0; j < H; j++) assertEquals(base + 100 * (kg + 1) + j, b.get(tb * H + j));
    }

    // ------------------------------------------------------------------ block placement

    @Test
    void lstmKeepsTheGateOrderAndTransposes() {
        KerasImport.TorchWeights w = KerasImport.lstm(taggedKernel(I, 4, 0), taggedKernel(H, 4, 1000), taggedBias(4, 0));
        assertArrayEquals(new int[] {4 * H, I}, w.weightIh().shape());
        assertArrayEquals(new int[] {4 * H, H}, w.weightHh().shape());
        for (int g = 0; g < 4; g++) {               // i, f, c, o -> i, f, g, o
            assertBlock(w.weightIh(), g, g, I, 0);
            assertBlock(w.weightHh(), g, g, H, 1000);
            assertBiasBlock(w.biasIh(), g, g, 0);
        }
        assertEquals(0, w.biasHh().sumOfSquares());
        assertArrayEquals(new int[] {4 * H}, w.biasHh().shape());
        assertEquals(H, w.hiddenSize());
        assertEquals(I, w.inputSize());
    }

    @Test
    void gruResetAfterSwapsZAndR() {
        NdArray bias = NdArray.stack(0, taggedBias(3, 10_000), taggedBias(3, 20_000));
        KerasImport.GruWeights gw = KerasImport.gru(taggedKernel(I, 3, 0), taggedKernel(H, 3, 1000), bias);
        assertSame(GruVariant.RESET_AFTER, gw.variant());
        KerasImport.TorchWeights w = gw.weights();
        int[] kerasGateOfTorchBlock = {1, 0, 2};    // torch r, z, n <- keras r (1), z (0), h (2)
        for (int tb = 0; tb < 3; tb++) {
            int kg = kerasGateOfTorchBlock[tb];
            assertBlock(w.weightIh(), tb, kg, I, 0);
            assertBlock(w.weightHh(), tb, kg, H, 1000);
            assertBiasBlock(w.biasIh(), tb, kg, 10_000);
            assertBiasBlock(w.biasHh(), tb, kg, 20_000);
        }
    }

    @Test
    void gruResetBeforeIsFlaggedAndHasNoRecurrentBias() {
        KerasImport.GruWeights gw = KerasImport.gru(taggedKernel(I, 3, 0), taggedKernel(H, 3, 1000), taggedBias(3, 10_000));
        assertSame(GruVariant.RESET_BEFORE, gw.variant());
        assertBiasBlock(gw.weights().biasIh(), 0, 1, 10_000);
        assertBiasBlock(gw.weights().biasIh(), 1, 0, 10_000);
        assertBiasBlock(gw.weights().biasIh(), 2, 2, 10_000);
        assertBlock(gw.weights().weightIh(), 0, 1, I, 0);
        assertEquals(0, gw.weights().biasHh().sumOfSquares());
        // explicit flag, no bias
        KerasImport.GruWeights nb = KerasImport.gru(taggedKernel(I, 3, 0), taggedKernel(H, 3, 1000), null, false);
        assertSame(GruVariant.RESET_BEFORE, nb.variant());
        assertEquals(0, nb.weights().biasIh().sumOfSquares());
    }

    @Test
    void simpleRnnTransposes() {
        KerasImport.TorchWeights w = KerasImport.simpleRnn(taggedKernel(I, 1, 0), taggedKernel(H, 1, 1000), null);
        assertBlock(w.weightIh(), 0, 0, I, 0);
        assertBlock(w.weightHh(), 0, 0, H, 1000);
        assertEquals(0, w.biasIh().sumOfSquares());
        assertEquals(0, w.biasHh().sumOfSquares());
    }

    @Test
    void resultTakesTheKernelDtypeAndCopies() {
        NdArray k = taggedKernel(I, 4, 0).to(DType.FLOAT32);
        NdArray b = taggedBias(4, 0);                          // float64, converted
        KerasImport.TorchWeights w = KerasImport.lstm(k, taggedKernel(H, 4, 0), b);
        for (NdArray a : List.of(w.weightIh(), w.weightHh(), w.biasIh(), w.biasHh())) {
            assertEquals(DType.FLOAT32, a.dtype());
        }
        b.set(-1, 0);
        assertEquals(100, w.biasIh().get(0), "the bias is copied, not shared");
    }

    @Test
    void stateDictUsesTorchNames() {
        KerasImport.TorchWeights w = KerasImport.lstm(taggedKernel(I, 4, 0), taggedKernel(H, 4, 0), null);
        Map<String, NdArray> sd = w.toStateDict(1, true);
        assertEquals(List.of("weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse"),
                List.copyOf(sd.keySet()));
        KerasImport.TorchWeights back = KerasImport.TorchWeights.fromStateDict(sd, 1, true);
        assertSame(w.weightIh(), back.weightIh());
        // a layer without biases
        Map<String, NdArray> nobias = Map.of("weight_ih_l0", w.weightIh(), "weight_hh_l0", w.weightHh());
        KerasImport.TorchWeights nb = KerasImport.TorchWeights.fromStateDict(nobias, 0, false);
        assertArrayEquals(new int[] {4 * H}, nb.biasHh().shape());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KerasImport.TorchWeights.fromStateDict(Map.of("weight_ih_l0", w.weightIh(), "bias_ih_l0", w.biasIh()), 0, false));
        assertTrue(e.getMessage().contains("missing [weight_hh_l0, bias_hh_l0]"), e.getMessage());
    }

    // ------------------------------------------------------------------ errors

    @Test
    void wrongShapesNameTheKerasWeightAndTheExpectedShape() {
        NdArray rk = taggedKernel(H, 4, 0);
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
                () -> KerasImport.lstm(NdArray.zeros(DType.FLOAT64, 2, 10), rk, null));
        assertEquals("KerasImport.lstm: kernel has shape [2, 10], expected [input_size, 4H] = [*, 12] (H = 3, inferred"
                + " from recurrent_kernel [3, 12])", e.getMessage());

        e = assertThrows(ShapeMismatchException.class, () -> KerasImport.lstm(taggedKernel(I, 4, 0), taggedKernel(H, 3, 0), null));
        assertEquals("KerasImport.lstm: recurrent_kernel has shape [3, 9], expected [H, 4H] with H its first dimension"
                + " ([3, 12]); is this the right layer type?", e.getMessage());

        e = assertThrows(ShapeMismatchException.class,
                () -> KerasImport.lstm(taggedKernel(I, 4, 0), rk, NdArray.zeros(DType.FLOAT64, 8)));
        assertEquals("KerasImport.lstm: bias has shape [8], expected [4H] = [12] (H = 3, inferred from"
                + " recurrent_kernel)", e.getMessage());

        e = assertThrows(ShapeMismatchException.class, () -> KerasImport.gru(taggedKernel(I, 3, 0), taggedKernel(H, 3, 0),
                taggedBias(3, 0), true));
        assertTrue(e.getMessage().startsWith("KerasImport.gru(reset_after=True): bias has shape [9], expected [2, 3H] = [2, 9]"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("a [3H] bias belongs to a GRU with reset_after=False"), e.getMessage());

        e = assertThrows(ShapeMismatchException.class, () -> KerasImport.gru(taggedKernel(I, 3, 0), taggedKernel(H, 3, 0),
                NdArray.zeros(DType.FLOAT64, 2, 9), false));
        assertTrue(e.getMessage().endsWith("a [2, 3H] bias belongs to a GRU with reset_after=True"), e.getMessage());

        e = assertThrows(ShapeMismatchException.class,
                () -> KerasImport.simpleRnn(taggedKernel(I, 1, 0), NdArray.zeros(DType.FLOAT64, 4, 12), null));
        assertTrue(e.getMessage().contains("recurrent_kernel has shape [4, 12], expected [H, H]"), e.getMessage());

        IllegalArgumentException n = assertThrows(IllegalArgumentException.class,
                () -> KerasImport.gru(taggedKernel(I, 3, 0), taggedKernel(H, 3, 0), null));
        assertTrue(n.getMessage().contains("reset_after"), n.getMessage());

        e = assertThrows(ShapeMismatchException.class,
                () -> KerasImport.toKerasGru(KerasImport.lstm(taggedKernel(I, 4, 0), rk, null)));
        assertTrue(e.getMessage().startsWith("KerasImport.toKerasGru: weight_hh has shape [12, 3], expected [3H, H]"),
                e.getMessage());
    }

    // ------------------------------------------------------------------ round trips

    @Test
    void kerasToJrnnToKerasIsExact() {
        Rng rng = new Rng(3);
        NdArray k4 = NdArray.randn(rng, DType.FLOAT64, 0, 1, I, 4 * H), r4 = NdArray.randn(rng, DType.FLOAT64, 0, 1, H, 4 * H);
        NdArray b4 = NdArray.randn(rng, DType.FLOAT64, 0, 1, 4 * H);
        KerasImport.KerasWeights l = KerasImport.toKerasLstm(KerasImport.lstm(k4, r4, b4));
        assertEquals(0, l.kernel().maxAbsDiff(k4));
        assertEquals(0, l.recurrentKernel().maxAbsDiff(r4));
        assertEquals(0, l.bias().maxAbsDiff(b4));

        NdArray k3 = NdArray.randn(rng, DType.FLOAT64, 0, 1, I, 3 * H), r3 = NdArray.randn(rng, DType.FLOAT64, 0, 1, H, 3 * H);
        NdArray b23 = NdArray.randn(rng, DType.FLOAT64, 0, 1, 2, 3 * H);
        KerasImport.KerasWeights g = KerasImport.toKerasGru(KerasImport.gru(k3, r3, b23).weights());
        assertEquals(0, g.kernel().maxAbsDiff(k3));
        assertEquals(0, g.recurrentKernel().maxAbsDiff(r3));
        assertEquals(0, g.bias().maxAbsDiff(b23));

        NdArray k1 = NdArray.randn(rng, DType.FLOAT64, 0, 1, I, H), r1 = NdArray.randn(rng, DType.FLOAT64, 0, 1, H, H);
        NdArray b1 = NdArray.randn(rng, DType.FLOAT64, 0, 1, H);
        KerasImport.KerasWeights s = KerasImport.toKerasSimpleRnn(KerasImport.simpleRnn(k1, r1, b1));
        assertEquals(0, s.kernel().maxAbsDiff(k1));
        assertEquals(0, s.recurrentKernel().maxAbsDiff(r1));
        assertEquals(0, s.bias().maxAbsDiff(b1));
    }

    @Test
    void jrnnToKerasToJrnn() {
        Rng rng = new Rng(4);
        KerasImport.TorchWeights gru = random(rng, 3);
        KerasImport.TorchWeights g = KerasImport.gru(KerasImport.toKerasGru(gru).kernel(),
                KerasImport.toKerasGru(gru).recurrentKernel(), KerasImport.toKerasGru(gru).bias()).weights();
        assertEquals(0, g.weightIh().maxAbsDiff(gru.weightIh()));
        assertEquals(0, g.weightHh().maxAbsDiff(gru.weightHh()));
        assertEquals(0, g.biasIh().maxAbsDiff(gru.biasIh()));
        assertEquals(0, g.biasHh().maxAbsDiff(gru.biasHh()));

        KerasImport.TorchWeights lstm = random(rng, 4);
        KerasImport.KerasWeights k = KerasImport.toKerasLstm(lstm);
        KerasImport.TorchWeights l = KerasImport.lstm(k.kernel(), k.recurrentKernel(), k.bias());
        assertEquals(0, l.weightIh().maxAbsDiff(lstm.weightIh()));
        assertEquals(0, l.weightHh().maxAbsDiff(lstm.weightHh()));
        // Keras has one bias: the sum comes back as bias_ih, bias_hh is zero; the function is the same
        assertEquals(0, l.biasIh().maxAbsDiff(lstm.biasIh().add(lstm.biasHh())));
        assertEquals(0, l.biasHh().sumOfSquares());
    }

    static KerasImport.TorchWeights random(Rng rng, int gates) {
        return new KerasImport.TorchWeights(NdArray.randn(rng, DType.FLOAT64, 0, 1, gates * H, I),
                NdArray.randn(rng, DType.FLOAT64, 0, 1, gates * H, H), NdArray.randn(rng, DType.FLOAT64, 0, 1, gates * H),
                NdArray.randn(rng, DType.FLOAT64, 0, 1, gates * H));
    }

    // ------------------------------------------------------------------ the cells compute the same thing

    /** x [n] times k [n, m] (Keras's row-vector convention). */
    static double[] rowTimes(double[] x, NdArray k) {
        double[] y = new double[k.dim(1)];
        for (int j = 0; j < y.length; j++) {
            for (int i = 0; i < x.length; i++) y[j] += x[i] * k.get(i, j);
        }
        return y;
    }

    /** w [m, n] times x [n] (PyTorch's convention). */
    static double[] matVec(NdArray w, double[] x) {
        double[] y = new double[w.dim(0)];
        for (int j = 0; j < y.length; j++) {
            for (int i = 0; i < x.length; i++) y[j] += w.get(j, i) * x[i];
        }
        return y;
    }

    static double[] plus(double[]... vs) {
        double[] out = new double[vs[0].length];
        for (double[] v : vs) for (int i = 0; i < out.length; i++) out[i] += v[i];
        return out;
    }

    static double[] vec(NdArray a) {
        return a.toDoubleArray();
    }

    static double sig(double v) {
        return 1 / (1 + Math.exp(-v));
    }

    static double[] randomVec(Rng rng, int n) {
        return NdArray.randn(rng, DType.FLOAT64, 0, 1, n).toDoubleArray();
    }

    @Test
    void lstmStepIsTheSameFunction() {
        Rng rng = new Rng(11);
        NdArray k = NdArray.randn(rng, DType.FLOAT64, 0, 1, I, 4 * H), r = NdArray.randn(rng, DType.FLOAT64, 0, 1, H, 4 * H);
        NdArray b = NdArray.randn(rng, DType.FLOAT64, 0, 1, 4 * H);
        double[] x = randomVec(rng, I), h = randomVec(rng, H), c = randomVec(rng, H);
        // Keras: z = x K + h R + b; i, f, c~, o
        double[] z = plus(rowTimes(x, k), rowTimes(h, r), vec(b));
        // PyTorch with the converted weights
        KerasImport.TorchWeights w = KerasImport.lstm(k, r, b);
        double[] a = plus(matVec(w.weightIh(), x), vec(w.biasIh()), matVec(w.weightHh(), h), vec(w.biasHh()));
        for (int j = 0; j < H; j++) {
            double ck = sig(z[H + j]) * c[j] + sig(z[j]) * Math.tanh(z[2 * H + j]);
            double hk = sig(z[3 * H + j]) * Math.tanh(ck);
            double ct = sig(a[H + j]) * c[j] + sig(a[j]) * Math.tanh(a[2 * H + j]);
            double ht = sig(a[3 * H + j]) * Math.tanh(ct);
            assertEquals(ck, ct, 1e-12);
            assertEquals(hk, ht, 1e-12);
        }
    }

    @Test
    void gruResetAfterStepIsTheSameFunction() {
        Rng rng = new Rng(12);
        NdArray k = NdArray.randn(rng, DType.FLOAT64, 0, 1, I, 3 * H), r = NdArray.randn(rng, DType.FLOAT64, 0, 1, H, 3 * H);
        NdArray b = NdArray.randn(rng, DType.FLOAT64, 0, 1, 2, 3 * H);
        double[] x = randomVec(rng, I), h = randomVec(rng, H);
        // Keras reset_after: blocks z, r, h
        double[] xi = plus(rowTimes(x, k), vec(b.select(0, 0))), hi = plus(rowTimes(h, r), vec(b.select(0, 1)));
        // PyTorch: blocks r, z, n
        KerasImport.TorchWeights w = KerasImport.gru(k, r, b).weights();
        double[] gi = plus(matVec(w.weightIh(), x), vec(w.biasIh())), gh = plus(matVec(w.weightHh(), h), vec(w.biasHh()));
        for (int j = 0; j < H; j++) {
            double zk = sig(xi[j] + hi[j]), rk = sig(xi[H + j] + hi[H + j]);
            double hh = Math.tanh(xi[2 * H + j] + rk * hi[2 * H + j]);
            double keras = zk * h[j] + (1 - zk) * hh;
            double rt = sig(gi[j] + gh[j]), zt = sig(gi[H + j] + gh[H + j]);
            double n = Math.tanh(gi[2 * H + j] + rt * gh[2 * H + j]);
            double torch = (1 - zt) * n + zt * h[j];
            assertEquals(keras, torch, 1e-12);
        }
    }

    @Test
    void gruResetBeforeStepIsTheSameFunction() {
        Rng rng = new Rng(13);
        NdArray k = NdArray.randn(rng, DType.FLOAT64, 0, 1, I, 3 * H), r = NdArray.randn(rng, DType.FLOAT64, 0, 1, H, 3 * H);
        NdArray b = NdArray.randn(rng, DType.FLOAT64, 0, 1, 3 * H);
        double[] x = randomVec(rng, I), h = randomVec(rng, H);
        // Keras reset_after=False: z = σ(x K_z + h R_z + b_z), r likewise, h~ = tanh(x K_h + b_h + (r ⊙ h) R_h)
        double[] xi = plus(rowTimes(x, k), vec(b)), hr = rowTimes(h, r);
        double[] rk = new double[H];
        for (int j = 0; j < H; j++) rk[j] = sig(xi[H + j] + hr[H + j]);
        double[] rh = new double[H];
        for (int j = 0; j < H; j++) rh[j] = rk[j] * h[j];
        double[] rhR = rowTimes(rh, r);
        // reset-before in PyTorch layout: n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn)
        KerasImport.GruWeights gw = KerasImport.gru(k, r, b);
        KerasImport.TorchWeights w = gw.weights();
        double[] gi = plus(matVec(w.weightIh(), x), vec(w.biasIh())), gh = plus(matVec(w.weightHh(), h), vec(w.biasHh()));
        double[] rt = new double[H];
        for (int j = 0; j < H; j++) rt[j] = sig(gi[j] + gh[j]);
        double[] rht = new double[H];
        for (int j = 0; j < H; j++) rht[j] = rt[j] * h[j];
        double[] whnRh = matVec(w.weightHh(), rht);
        for (int j = 0; j < H; j++) {
            double zk = sig(xi[j] + hr[j]);
            double keras = zk * h[j] + (1 - zk) * Math.tanh(xi[2 * H + j] + rhR[2 * H + j]);
            double zt = sig(gi[H + j] + gh[H + j]);
            double n = Math.tanh(gi[2 * H + j] + whnRh[2 * H + j] + w.biasHh().get(2 * H + j));
            double torch = (1 - zt) * n + zt * h[j];
            assertEquals(keras, torch, 1e-12);
        }
    }
}
