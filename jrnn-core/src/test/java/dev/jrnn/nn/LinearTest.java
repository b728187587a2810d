package dev.jrnn.nn;

import dev.jrnn.autograd.GradCheck;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.tensor.ShapeMismatchException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.jrnn.TestArrays.arr;
import static dev.jrnn.TestArrays.assertArray;
import static dev.jrnn.TestArrays.s;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LinearTest {

    /** A layer with constant weights, so the expected numbers can be written down. */
    private static Linear fixed(DType dt) {
        Linear l = new Linear(3, 2, true, dt, new Rng(0));
        l.weight().data().copyFrom(arr(dt, s(2, 3), 1, 2, 3, -1, 0, 0.5));   // [out, in]
        l.bias().data().copyFrom(arr(dt, s(2), 0.5, -1));
        return l;
    }

    @Test
    void forwardIsXTimesWTransposedPlusB() {
        for (DType dt : DType.values()) {
            Linear l = fixed(dt);
            Tensor x = Tensor.constant(arr(dt, s(2, 3), 1, 0, -1, 2, 1, 0));
            // row 0: [1*1 + 0*2 - 1*3, -1*1 + 0 - 0.5] + b = [-2 + 0.5, -1.5 - 1]; row 1: [2 + 2, -2] + b
            assertArray(l.forward(x).data(), s(2, 2), 1e-6, -1.5, -2.5, 4.5, -3);
            assertEquals(dt, l.forward(x).dtype());
        }
    }

    @Test
    void appliesToTheLastAxisOfSequences() {
        Linear l = new Linear(4, 3, new Rng(2));
        NdArray x = NdArray.rand(new Rng(3), DType.FLOAT32, -1, 1, 2, 5, 4);   // [batch, time, features]
        NdArray y = l.forward(Tensor.constant(x)).data();
        assertArrayEquals(new int[] {2, 5, 3}, y.shape());
        NdArray w = l.weight().data(), b = l.bias().data();
        for (int bi = 0; bi < 2; bi++) {
            for (int t = 0; t < 5; t++) {
                for (int o = 0; o < 3; o++) {
                    double sum = b.getFlat(o);
                    for (int k = 0; k < 4; k++) sum += x.get(bi, t, k) * w.get(o, k);
                    assertEquals(sum, y.get(bi, t, o), 1e-5);
                }
            }
        }
    }

    @Test
    void batchOfOneAndVectorInput() {
        Linear l = fixed(DType.FLOAT64);
        assertArray(l.forward(Tensor.constant(arr(DType.FLOAT64, s(1, 3), 1, 0, -1))).data(), s(1, 2), 1e-12, -1.5, -2.5);
        // a single feature vector [in] gives [out], as torch.nn.Linear
        assertArray(l.forward(Tensor.constant(arr(DType.FLOAT64, s(3), 1, 0, -1))).data(), s(2), 1e-12, -1.5, -2.5);
    }

    @Test
    void withoutBias() {
        Linear l = new Linear(3, 2, false, DType.FLOAT64, new Rng(0));
        assertNull(l.bias());
        assertEquals(List.of("weight"), List.copyOf(l.namedParameters().keySet()));
        l.weight().data().copyFrom(arr(DType.FLOAT64, s(2, 3), 1, 2, 3, -1, 0, 0.5));
        assertArray(l.forward(Tensor.constant(arr(DType.FLOAT64, s(1, 3), 1, 0, -1))).data(), s(1, 2), 1e-12, -2, -1.5);
        assertEquals("Linear(in=3, out=2, bias=false)", l.toString());
    }

    @Test
    void initialisationIsTorchDefaultAndSeeded() {
        Linear l = new Linear(16, 8, new Rng(5));
        assertArrayEquals(new int[] {8, 16}, l.weight().shape());
        assertArrayEquals(new int[] {8}, l.bias().shape());
        double bound = 1 / Math.sqrt(16), maxAbs = 0;
        for (int i = 0; i < l.weight().data().size(); i++) maxAbs = Math.max(maxAbs, Math.abs(l.weight().data().getFlat(i)));
        for (int i = 0; i < l.bias().data().size(); i++) maxAbs = Math.max(maxAbs, Math.abs(l.bias().data().getFlat(i)));
        assertTrue(maxAbs <= bound && maxAbs > 0.8 * bound, "max |w| = " + maxAbs + ", bound " + bound);
        Linear same = new Linear(16, 8, new Rng(5));
        assertEquals(0.0, same.weight().data().maxAbsDiff(l.weight().data()));
        assertEquals(0.0, same.bias().data().maxAbsDiff(l.bias().data()));
        assertEquals(DType.FLOAT32, l.weight().dtype());
    }

    @Test
    void wrongInputSizeNamesLayerArgumentAndShapes() {
        Linear l = new Linear(4, 3, new Rng(1));
        l.forward(Tensor.zeros(2, 4));
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> l.forward(Tensor.zeros(2, 5)));
        assertEquals("Linear(4 -> 3): x has shape [2, 5], expected [..., 4]", e.getMessage());
        e = assertThrows(ShapeMismatchException.class, () -> l.forward(Tensor.zeros(2, 7, 3)));
        assertEquals("Linear(4 -> 3): x has shape [2, 7, 3], expected [..., 4]", e.getMessage());
        e = assertThrows(ShapeMismatchException.class, () -> l.forward(Tensor.zeros()));
        assertTrue(e.getMessage().startsWith("Linear(4 -> 3): x has shape []"), e.getMessage());
    }

    @Test
    void badSizesFailAtConstruction() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Linear(0, 3, new Rng(1)));
        assertEquals("Linear: in and out must be positive, got in=0, out=3", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Linear(3, -1, new Rng(1)));
    }

    @Test
    void gradientsMatchCentralDifferences() {
        for (int[] xs : new int[][] {{4, 3}, {1, 3}, {2, 5, 3}, {3}}) {
            Linear l = new Linear(3, 2, true, DType.FLOAT64, new Rng(7));
            Tensor x = Tensor.variable(NdArray.rand(new Rng(8), DType.FLOAT64, -1, 1, xs));
            GradCheck.assertMatches(() -> l.forward(x).tanh(), List.of(l.weight(), l.bias(), x));
        }
    }

    @Test
    void gradientsHaveTheClosedForm() {
        Linear l = fixed(DType.FLOAT64);
        Tensor x = Tensor.constant(arr(DType.FLOAT64, s(2, 3), 1, 0, -1, 2, 1, 0));
        l.forward(x).sum().backward();
        assertArray(l.bias().grad(), s(2), 0, 2, 2);                 // one per row
        assertArray(l.weight().grad(), s(2, 3), 0, 3, 1, -1, 3, 1, -1);   // column sums of x, per output
    }
}
