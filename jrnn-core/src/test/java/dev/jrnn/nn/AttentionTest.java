package dev.jrnn.nn;

import dev.jrnn.autograd.GradCheck;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.tensor.ShapeMismatchException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Additive and multiplicative attention: gradients against central differences (float64), the mask (exactly zero
 * weight on padding, a padded batch equal to each row alone), values computed by hand, and the argument checks.
 */
class AttentionTest {
    static final int HQ = 4, HK = 3;

    /** Bahdanau, Luong general (query and value sizes differ) and Luong dot (equal sizes). */
    static List<Attention> layers(int hq, int hk) {
        Rng rng = new Rng(3);
        List<Attention> out = new ArrayList<>();
        out.add(new AdditiveAttention(hq, hk, 5, DType.FLOAT64, rng));
        out.add(new MultiplicativeAttention(hq, hk, true, DType.FLOAT64, rng));
        out.add(new MultiplicativeAttention(hk, hk, false, DType.FLOAT64, rng));
        return out;
    }

    static Tensor random(Rng rng, int... shape) {
        return Tensor.variable(Tensor.randn(rng, DType.FLOAT64, shape).data());
    }

    @ParameterizedTest
    @CsvSource({"3,2,5", "1,1,1", "1,3,4", "2,1,3"})                 // batch, query steps, source length
    void gradientsMatchCentralDifferences(int batch, int steps, int source) {
        for (Attention att : layers(HQ, HK)) {
            Rng rng = new Rng(batch * 100 + steps * 10 + source);
            Tensor q = random(rng, batch, steps, att.querySize());
            Tensor h = random(rng, batch, source, HK);
            int[] lengths = new int[batch];
            for (int b = 0; b < batch; b++) lengths[b] = Math.max(1, source - b);   // some rows padded
            List<Tensor> wrt = new ArrayList<>(List.of(q, h));
            wrt.addAll(att.parameters());
            GradCheck.Report r = GradCheck.assertMatches(() -> {
                Attention.Result a = att.attend(q, att.memory(h, lengths));
                return Tensor.concat(2, a.context(), a.weights());     // both outputs count
            }, wrt);
            assertTrue(r.passed(), att + ": " + r);
        }
    }

    @Test
    void paddingGetsExactlyZeroWeightAndAPaddedBatchEqualsEachRowAlone() {
        for (Attention att : layers(HQ, HK)) {
            Rng rng = new Rng(7);
            int[] lengths = {5, 2, 4};
            Tensor q = Tensor.randn(rng, DType.FLOAT64, 3, 2, att.querySize());
            Tensor h = Tensor.randn(rng, DType.FLOAT64, 3, 5, HK);
            for (int b = 0; b < 3; b++) {                              // garbage on the padding must not matter
                for (int j = lengths[b]; j < 5; j++) {
                    for (int k = 0; k < HK; k++) h.data().set(1e3 * (k + 1), b, j, k);
                }
            }
            Attention.Result all = att.attend(q, att.memory(h, lengths));
            for (int b = 0; b < 3; b++) {
                for (int t = 0; t < 2; t++) {
                    double sum = 0;
                    for (int j = 0; j < 5; j++) {
                        double w = all.weights().data().get(b, t, j);
                        if (j >= lengths[b]) assertEquals(0.0, w, 0.0, att + ": weight on padding, row " + b + " position " + j);
                        sum += w;
                    }
                    assertEquals(1.0, sum, 1e-12, att + ": weights of row " + b + " step " + t);
                }
                Tensor qb = q.slice(0, b, b + 1), hb = h.slice(0, b, b + 1).slice(1, 0, lengths[b]);
                Attention.Result alone = att.attend(qb, att.memory(hb, null));
                assertArrayEquals(alone.context().data().toDoubleArray(),
                        all.context().slice(0, b, b + 1).data().toDoubleArray(), 1e-12, att + ": context of row " + b);
                assertArrayEquals(alone.weights().data().toDoubleArray(),
                        all.weights().slice(0, b, b + 1).slice(2, 0, lengths[b]).data().toDoubleArray(), 1e-12, att + ": row " + b);
            }
        }
    }

    @Test
    void dotAttentionByHand() {
        // q = (1, 0), h_1 = (2, 0), h_2 = (0, 1), h_3 = padding: e = (2, 0), α = softmax(2, 0), c = α_1 h_1 + α_2 h_2
        Attention att = new MultiplicativeAttention(2, 2, false, DType.FLOAT64, new Rng(1));
        Tensor q = Tensor.of(new double[] {1, 0}, 1, 1, 2);
        Tensor h = Tensor.of(new double[] {2, 0, 0, 1, 5, 5}, 1, 3, 2);
        Attention.Result r = att.attend(q, att.memory(h, new int[] {2}));
        double a1 = Math.exp(2) / (Math.exp(2) + 1), a2 = 1 / (Math.exp(2) + 1);
        assertArrayEquals(new double[] {a1, a2, 0}, r.weights().data().toDoubleArray(), 1e-15);
        assertArrayEquals(new double[] {2 * a1, a2}, r.context().data().toDoubleArray(), 1e-15);
        assertTrue(att.parameters().isEmpty(), "dot attention has no parameters");
    }

    @Test
    void generalAndAdditiveScoresByHand() {
        Rng rng = new Rng(2);
        MultiplicativeAttention general = new MultiplicativeAttention(2, 3, true, DType.FLOAT64, rng);
        NdArray w = general.namedParameters().get("weight").data();           // W_a [Hq, Hk]
        assertArrayEquals(new int[] {2, 3}, w.shape());
        AdditiveAttention additive = new AdditiveAttention(2, 3, 4, DType.FLOAT64, rng);
        NdArray wq = additive.namedParameters().get("query.weight").data(), wk = additive.namedParameters().get("key.weight").data();
        NdArray v = additive.namedParameters().get("v.weight").data();
        double[] q = {0.3, -1.2};
        double[][] h = {{1, 0.5, -0.25}, {-2, 0.1, 0.7}};
        Tensor qt = Tensor.of(q, 1, 1, 2), ht = Tensor.of(new double[] {1, 0.5, -0.25, -2, 0.1, 0.7}, 1, 2, 3);
        double[] eg = new double[2], ea = new double[2];
        for (int j = 0; j < 2; j++) {
            for (int i = 0; i < 2; i++) for (int k = 0; k < 3; k++) eg[j] += q[i] * w.get(i, k) * h[j][k];   // qᵀ W_a h_j
            for (int a = 0; a < 4; a++) {
                double z = 0;
                for (int i = 0; i < 2; i++) z += wq.get(a, i) * q[i];
                for (int k = 0; k < 3; k++) z += wk.get(a, k) * h[j][k];
                ea[j] += v.get(0, a) * Math.tanh(z);                                                    // vᵀ tanh(W_q q + W_k h_j)
            }
        }
        double[] pg = softmax(eg), pa = softmax(ea);
        assertArrayEquals(pg, general.attend(qt, general.memory(ht, null)).weights().data().toDoubleArray(), 1e-14);
        assertArrayEquals(pa, additive.attend(qt, additive.memory(ht, null)).weights().data().toDoubleArray(), 1e-14);
    }

    private static double[] softmax(double[] e) {
        double m = Math.max(e[0], e[1]), z = Math.exp(e[0] - m) + Math.exp(e[1] - m);
        return new double[] {Math.exp(e[0] - m) / z, Math.exp(e[1] - m) / z};
    }

    @Test
    void aRepeatedMemoryAttendsAsTheOriginal() {
        Attention att = layers(HQ, HK).get(0);
        Rng rng = new Rng(4);
        Tensor h = Tensor.randn(rng, DType.FLOAT64, 1, 4, HK);
        Attention.Memory m = att.memory(h, new int[] {3});
        Tensor q = Tensor.randn(rng, DType.FLOAT64, 1, 1, HQ);
        Attention.Result one = att.attend(q, m);
        Attention.Result three = att.attend(Tensor.concat(0, q, q, q), m.repeat(3));
        for (int b = 0; b < 3; b++) {
            assertArrayEquals(one.weights().data().toDoubleArray(), three.weights().slice(0, b, b + 1).data().toDoubleArray(), 0.0);
        }
        assertThrows(IllegalArgumentException.class, () -> m.repeat(3).repeat(2));
    }

    @Test
    void badInputIsNamed() {
        Attention att = layers(HQ, HK).get(1);
        Tensor h = Tensor.zeros(DType.FLOAT64, 2, 4, HK);
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
                () -> att.memory(Tensor.zeros(DType.FLOAT64, 2, 4, HK + 1), null));
        assertTrue(e.getMessage().contains("MultiplicativeAttention.memory") && e.getMessage().contains("valueSize=3"), e.getMessage());
        Attention.Memory m = att.memory(h, new int[] {4, 1});
        e = assertThrows(ShapeMismatchException.class, () -> att.attend(Tensor.zeros(DType.FLOAT64, 2, 1, HQ + 1), m));
        assertTrue(e.getMessage().contains("querySize=4"), e.getMessage());
        assertThrows(ShapeMismatchException.class, () -> att.attend(Tensor.zeros(DType.FLOAT64, 3, 1, HQ), m));
        IllegalArgumentException l = assertThrows(IllegalArgumentException.class, () -> att.memory(h, new int[] {4, 0}));
        assertEquals("MultiplicativeAttention.memory: lengths[1] is 0, expected 1..4 (every source has at least one position "
                + "to attend to)", l.getMessage());
        assertThrows(IllegalArgumentException.class, () -> att.memory(h, new int[] {4}));
        assertThrows(IllegalArgumentException.class, () -> new MultiplicativeAttention(4, 3, false, DType.FLOAT64, new Rng(1)));
        assertEquals(Attention.Type.LUONG_GENERAL, Attention.Type.parse("luong-general"));
        assertEquals("luong-dot", Attention.Type.LUONG_DOT.cliName());
        assertThrows(IllegalArgumentException.class, () -> Attention.Type.parse("luong"));
    }
}
