package dev.jrnn.tensor;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The fast float activations against the accurate library functions. */
class MathFTest {

    private static List<Float> sweep() {
        List<Float> xs = new ArrayList<>();
        for (int i = -4000; i <= 4000; i++) xs.add(i * 0.01f);   // [-40, 40] in steps of 0.01
        for (float v : new float[] {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, 1e-30f, -1e-20f,
                1e-8f, 1e-4f, -1e-3f, 0.0624f, 0.0625f, 0.0626f, -0.0625f, 9.01f, 19.99f, 20f, 20.01f, -20f, -20.01f,
                100f, -100f, 1000f, -1e4f, Float.MAX_VALUE, -Float.MAX_VALUE}) {
            xs.add(v);
        }
        return xs;
    }

    /** |a - ref| within 2 float ulps of the reference, or relative 1e-6. */
    private static void assertNear(double ref, float actual, String what) {
        double err = Math.abs(actual - ref);
        double ulps = err / Math.ulp((float) ref);
        if (!(ulps <= 2 || err <= 1e-6 * Math.abs(ref))) {
            fail(what + ": expected " + ref + ", got " + actual + " (" + ulps + " ulp)");
        }
    }

    @Test
    void tanhMatchesMathTanh() {
        for (float x : sweep()) {
            assertNear(Math.tanh(x), MathF.tanh(x), "tanh(" + x + ")");
        }
    }

    @Test
    void tanhSpecialValues() {
        assertTrue(Float.isNaN(MathF.tanh(Float.NaN)));
        assertEquals(1f, MathF.tanh(Float.POSITIVE_INFINITY));
        assertEquals(-1f, MathF.tanh(Float.NEGATIVE_INFINITY));
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(MathF.tanh(-0f)), "sign of zero kept");
        assertEquals(Float.MIN_VALUE, MathF.tanh(Float.MIN_VALUE));
        assertEquals(1e-30f, MathF.tanh(1e-30f));
        assertTrue(MathF.tanh(0.7f) > 0 && MathF.tanh(-0.7f) == -MathF.tanh(0.7f), "odd");
    }

    @Test
    void floatSigmoidMatchesExact() {
        for (float x : sweep()) {
            double exact = 1 / (1 + Math.exp(-(double) x));
            assertNear(exact, MathF.sigmoid(x), "sigmoid(" + x + ")");
        }
        assertTrue(Float.isNaN(MathF.sigmoid(Float.NaN)));
        assertEquals(1f, MathF.sigmoid(Float.POSITIVE_INFINITY));
        assertEquals(0f, MathF.sigmoid(Float.NEGATIVE_INFINITY));
        assertEquals(0.5f, MathF.sigmoid(0f));
    }

    @Test
    void doubleSigmoidIsStableAndAccurate() {
        for (double x = -40; x <= 40; x += 0.37) {
            double exact = x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
            assertEquals(exact, MathF.sigmoid(x), 2 * Math.ulp(exact), "sigmoid(" + x + ")");
            assertEquals(1.0, MathF.sigmoid(x) + MathF.sigmoid(-x), 1e-15, "symmetry at " + x);
        }
        assertEquals(1.0, MathF.sigmoid(1000.0));
        assertEquals(0.0, MathF.sigmoid(-1000.0));
        assertEquals(Math.exp(-700), MathF.sigmoid(-700.0), Math.exp(-700) * 1e-15, "tiny values keep precision");
        assertEquals(0.5, MathF.sigmoid(0.0));
        assertTrue(Double.isNaN(MathF.sigmoid(Double.NaN)));
    }

    @Test
    void ndArrayTanhAndSigmoidUseTheseKernels() {
        float[] xs = {-100f, -3f, -0.01f, 0f, 0.5f, 20.5f};
        NdArray a = NdArray.vector(xs);
        NdArray t = a.tanh(), s = a.sigmoid();
        for (int i = 0; i < xs.length; i++) {
            assertNear(Math.tanh(xs[i]), (float) t.getFlat(i), "tanh");
            assertNear(1 / (1 + Math.exp(-(double) xs[i])), (float) s.getFlat(i), "sigmoid");
        }
    }
}
