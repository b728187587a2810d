package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Module;
import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.tensor.Shapes;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Helpers shared by the recurrent tests: float64 data, closeness checks, gradient collection. */
final class RnnTestSupport {
    static final DType F64 = DType.FLOAT64;

    private RnnTestSupport() {}

    /** A float64 leaf that requires a gradient, N(0, 1). */
    static Tensor var(Rng rng, int... shape) {
        return Tensor.variable(NdArray.randn(rng, F64, 0, 1, shape));
    }

    /** A float64 constant, N(0, 1). */
    static Tensor data(Rng rng, int... shape) {
        return Tensor.constant(NdArray.randn(rng, F64, 0, 1, shape));
    }

    /** A float64 parameter over the given values. */
    static Parameter param(double[] values, int... shape) {
        return new Parameter(NdArray.of(values, shape));
    }

    /** A float64 parameter filled with {@code v}. */
    static Parameter filled(double v, int... shape) {
        return new Parameter(NdArray.full(F64, v, shape));
    }

    static void assertClose(NdArray expected, NdArray actual, double tol, String what) {
        assertNotNull(actual, what + ": is null");
        assertTrue(expected.hasShape(actual.shape()), what + ": shape " + Shapes.str(actual.shape()) + ", expected "
                + Shapes.str(expected.shape()));
        double d = expected.maxAbsDiff(actual);
        assertTrue(d <= tol, what + ": max abs difference " + d + " > " + tol);
    }

    static void assertClose(Tensor expected, Tensor actual, double tol, String what) {
        assertClose(expected.data(), actual.data(), tol, what);
    }

    /** The scalar loss {@code Σ y ⊙ w} with fixed weights, so every element of {@code y} matters. */
    static Tensor weightedSum(Tensor y, long seed) {
        return y.mul(Tensor.constant(NdArray.rand(new Rng(seed), y.dtype(), -1, 1, y.shape()))).sum();
    }

    /** Copies of the gradients of {@code tensors} (zeros where none), then clears them. */
    static List<NdArray> takeGrads(List<? extends Tensor> tensors) {
        List<NdArray> out = new ArrayList<>();
        for (Tensor t : tensors) {
            out.add(t.grad() == null ? t.data().zerosLike() : t.grad().copy());
            t.zeroGrad();
        }
        return out;
    }

    /** Gradients by parameter name, then clears them. */
    static Map<String, NdArray> takeGrads(Module m) {
        Map<String, NdArray> out = new java.util.LinkedHashMap<>();
        m.namedParameters().forEach((n, p) -> {
            out.put(n, p.grad() == null ? p.data().zerosLike() : p.grad().copy());
            p.zeroGrad();
        });
        return out;
    }

    /** The first {@code len} steps of sequence {@code b} of {@code x [B, T, F]}, as {@code [1, len, F]}. */
    static NdArray sequence(NdArray x, int b, int len) {
        return x.slice(0, b, b + 1).slice(1, 0, len);
    }

    /** Whether the fused kernels are implemented yet (their body threw UnsupportedOperationException at first). */
    static boolean kernelsAvailable() {
        try {
            Tensor x = Tensor.zeros(F64, 1, 1, 1);
            RnnKernels.run(CellType.RNN_TANH, x, null, null, Tensor.zeros(F64, 1, 1), Tensor.zeros(F64, 1, 1),
                    null, null, null, false);
            return true;
        } catch (UnsupportedOperationException e) {
            return false;
        }
    }

    static void assertMessageContains(Throwable e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage() != null && e.getMessage().contains(p),
                    "message should contain \"" + p + "\" but was: " + e.getMessage());
        }
    }

    static void assertShape(Tensor t, int... shape) {
        assertEquals(Shapes.str(shape), Shapes.str(t.shape()));
    }
}
