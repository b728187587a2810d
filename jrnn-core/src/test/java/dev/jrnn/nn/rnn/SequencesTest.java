package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.GradCheck;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.jrnn.nn.rnn.RnnTestSupport.F64;
import static dev.jrnn.nn.rnn.RnnTestSupport.assertClose;
import static dev.jrnn.nn.rnn.RnnTestSupport.assertShape;
import static dev.jrnn.nn.rnn.RnnTestSupport.var;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The padded-batch helpers behind masking and reversal. */
class SequencesTest {
    @Test
    void reverseWithinLengthsZeroesThePaddingAndIsItsOwnInverse() {
        Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 10, 20, 30, 40}, 2, 4, 1);
        Tensor r = Sequences.reverse(x, new int[] {4, 2});
        assertArrayEquals(new double[] {4, 3, 2, 1, 20, 10, 0, 0}, r.data().toDoubleArray());
        assertArrayEquals(new double[] {1, 2, 3, 4, 10, 20, 0, 0},
                Sequences.reverse(r, new int[] {4, 2}).data().toDoubleArray());
        assertArrayEquals(new double[] {4, 3, 2, 1, 40, 30, 20, 10}, Sequences.reverse(x, null).data().toDoubleArray());
        Tensor v = var(new Rng(1), 3, 4, 2);
        GradCheck.assertMatches(() -> Sequences.reverse(v, new int[] {1, 4, 3}), List.of(v));
    }

    @Test
    void lastValidPicksEachSequencesLastStep() {
        Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 10, 20, 30, 40}, 2, 4, 1);
        assertArrayEquals(new double[] {3, 20}, Sequences.lastValid(x, new int[] {3, 2}).data().toDoubleArray());
        assertArrayEquals(new double[] {4, 40}, Sequences.lastValid(x, null).data().toDoubleArray());
        Tensor v = var(new Rng(2), 3, 4, 2);
        GradCheck.assertMatches(() -> Sequences.lastValid(v, new int[] {1, 4, 3}), List.of(v));
    }

    @Test
    void unstackSplitsAnAxisWithGradients() {
        Tensor v = var(new Rng(3), 2, 7, 3);
        Tensor[] parts = Sequences.unstack(v, 1);
        assertEquals(7, parts.length);
        for (int t = 0; t < 7; t++) {
            assertShape(parts[t], 2, 3);
            assertClose(v.select(1, t), parts[t], 0, "step " + t);
        }
        GradCheck.assertMatches(() -> Tensor.stack(1, Sequences.unstack(v, 1)).tanh(), List.of(v));
    }

    @Test
    void masks() {
        assertNull(Sequences.stepMask(new int[] {3, 3}, 2, 2, F64), "every sequence runs: no mask");
        assertArrayEquals(new double[] {1, 0}, Sequences.stepMask(new int[] {3, 2}, 2, 2, F64).toDoubleArray());
        NdArray m = Sequences.mask(new int[] {1, 3}, 2, 3, F64);
        assertArrayEquals(new int[] {2, 3, 1}, m.shape());
        assertArrayEquals(new double[] {1, 0, 0, 1, 1, 1}, m.toDoubleArray());
        assertEquals(3, Sequences.maxLength(new int[] {1, 3}, 5));
    }
}
