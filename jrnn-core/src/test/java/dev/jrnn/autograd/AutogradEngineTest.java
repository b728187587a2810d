package dev.jrnn.autograd;

import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.ShapeMismatchException;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static dev.jrnn.TestArrays.assertArray;
import static dev.jrnn.TestArrays.d;
import static dev.jrnn.TestArrays.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tape: accumulation, shared subgraphs, detach, no-grad scopes, error messages and deep graphs. */
class AutogradEngineTest {

    @Test
    void gradientsAccumulateAcrossBackwardCallsUntilZeroGrad() {
        Tensor x = Tensor.variable(d(s(2), 1, -2));
        Tensor y = x.mul(3).sum();
        y.backward();
        assertArray(x.grad(), s(2), 0, 3, 3);
        y.backward();   // the graph can be walked again; gradients add up
        assertArray(x.grad(), s(2), 0, 6, 6);
        x.square().sum().backward();
        assertArray(x.grad(), s(2), 0, 8, 2);   // + 2x
        x.zeroGrad();
        assertNull(x.grad());
        x.mul(3).sum().backward();
        assertArray(x.grad(), s(2), 0, 3, 3);
    }

    @Test
    void tensorUsedTwiceGetsTheSumOfBothPaths() {
        Tensor x = Tensor.variable(d(s(3), 0.5, -1, 2));
        // diamond: a = 2x feeds both b = a^2 and c = exp(a); L = sum(b + c)
        Tensor a = x.mul(2);
        Tensor b = a.square(), c = a.exp();
        b.add(c).sum().backward();
        double[] expected = new double[3];
        for (int i = 0; i < 3; i++) {
            double xi = x.data().getFlat(i);
            expected[i] = 2 * (2 * (2 * xi)) + 2 * Math.exp(2 * xi);   // dL/da * da/dx, both branches
        }
        assertArray(x.grad(), s(3), 1e-12, expected);

        Tensor y = Tensor.variable(d(s(2), 3, 4));
        y.mul(y).sum().backward();   // same tensor as both operands
        assertArray(y.grad(), s(2), 0, 6, 8);
        Tensor z = Tensor.variable(d(s(2), 3, 4));
        z.add(z).add(z).sum().backward();
        assertArray(z.grad(), s(2), 0, 3, 3);
    }

    @Test
    void detachStopsGradients() {
        Tensor x = Tensor.variable(d(s(2), 2, 3));
        Tensor stopped = x.detach();
        assertFalse(stopped.requiresGrad());
        assertTrue(stopped.isLeaf());
        assertEquals(x.data(), stopped.data(), "shares storage");
        x.mul(stopped).sum().backward();   // d(x * const)/dx = const, not 2x
        assertArray(x.grad(), s(2), 0, 2, 3);
        Tensor h = x.tanh();
        Tensor hd = h.detach();
        assertEquals("leaf", hd.op());
        assertThrows(IllegalStateException.class, () -> hd.mul(2).sum().backward());
    }

    @Test
    void constantsAndFrozenLeavesCollectNothing() {
        Tensor x = Tensor.variable(d(s(2), 1, 2));
        Tensor c = Tensor.constant(d(s(2), 5, 7));
        x.mul(c).sum().backward();
        assertNull(c.grad());
        Tensor frozen = Tensor.variable(d(s(2), 1, 1)).setRequiresGrad(false);
        x.add(frozen).sum().backward();
        assertNull(frozen.grad());
        assertArray(x.grad(), s(2), 0, 6, 8);
        Tensor both = c.add(frozen);
        assertFalse(both.requiresGrad());
        assertTrue(both.isLeaf(), "no graph is recorded when no input needs a gradient");
    }

    @Test
    void noGradRecordsNothingAndScopesNestAndRestore() {
        Tensor x = Tensor.variable(d(s(2), 1, 2));
        assertTrue(Autograd.isEnabled());
        try (var outer = Autograd.noGrad()) {
            Tensor y = x.mul(2).exp();
            assertFalse(y.requiresGrad());
            assertTrue(y.isLeaf());
            assertArray(y.data(), s(2), 1e-12, Math.exp(2), Math.exp(4));
            try (var inner = Autograd.enableGrad()) {
                assertTrue(Autograd.isEnabled());
                assertTrue(x.mul(2).requiresGrad());
                try (var innermost = Autograd.noGrad()) {
                    assertFalse(Autograd.isEnabled());
                }
                assertTrue(Autograd.isEnabled());
            }
            assertFalse(Autograd.isEnabled());
            try (var again = Autograd.noGrad()) {
                assertFalse(Autograd.isEnabled());
            }
            assertFalse(Autograd.isEnabled(), "closing a nested noGrad keeps the outer one");
        }
        assertTrue(Autograd.isEnabled());
        assertTrue(x.mul(2).requiresGrad());
    }

    @Test
    void noGradIsPerThread() throws Exception {
        try (var scope = Autograd.noGrad()) {
            AtomicReference<Boolean> other = new AtomicReference<>();
            Thread t = new Thread(() -> other.set(Autograd.isEnabled()));
            t.start();
            t.join();
            assertTrue(other.get());
        }
    }

    @Test
    void scopeIsRestoredWhenTheBodyThrows() {
        assertThrows(IllegalStateException.class, () -> {
            try (var scope = Autograd.noGrad()) {
                throw new IllegalStateException("boom");
            }
        });
        assertTrue(Autograd.isEnabled());
    }

    @Test
    void backwardOnNonScalarWithoutSeedExplains() {
        Tensor x = Tensor.variable(d(s(2, 3), 1, 2, 3, 4, 5, 6));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> x.mul(2).backward());
        assertEquals("backward(): needs a scalar (one element), but this tensor has shape [2, 3]; reduce it first "
                + "(e.g. sum() or mean()) or pass a gradient", e.getMessage());
        // with a seed it works: the seed is dL/dy
        x.mul(2).backward(d(s(2, 3), 1, 0, 0, 0, 0, 1));
        assertArray(x.grad(), s(2, 3), 0, 2, 0, 0, 0, 0, 2);
        ShapeMismatchException se = assertThrows(ShapeMismatchException.class,
                () -> x.mul(2).backward(d(s(3, 2), 1, 1, 1, 1, 1, 1)));
        assertTrue(se.getMessage().contains("backward: seed has shape [3, 2], expected [2, 3]"), se.getMessage());
    }

    @Test
    void seedOfTheWrongDTypeIsRejected() {
        Tensor x = Tensor.variable(NdArray.ones(DType.FLOAT32, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> x.mul(2).backward(NdArray.ones(DType.FLOAT64, 2)));
        assertEquals("backward(): seed is float64, but this tensor is float32; convert it with seed.to(FLOAT32)",
                e.getMessage());
        assertNull(x.grad());
    }

    @Test
    void customOpWithWrongGradientDTypeIsNamed() {
        Tensor x = Tensor.variable(NdArray.ones(DType.FLOAT32, 2));
        Tensor y = Tensor.custom("sloppyOp", x.data().copy(), g -> new NdArray[] {g.to(DType.FLOAT64)}, x);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> y.sum().backward());
        assertEquals("sloppyOp.backward: gradient for input 0 is float64, expected the input's dtype float32",
                e.getMessage());
    }

    @Test
    void indexBuffersMayBeReusedBeforeBackward() {
        Tensor table = Tensor.variable(NdArray.zeros(DType.FLOAT64, 4, 2));
        int[] buffer = {1, 3};
        Tensor rows = table.take(buffer, 2);
        Tensor scores = Tensor.variable(NdArray.zeros(DType.FLOAT64, 2, 3));
        int[] labels = {2, 0};
        Tensor picked = scores.pick(labels);
        buffer[0] = 0;   // a training loop refilling its buffers for the next batch
        labels[0] = 1;
        rows.sum().add(picked.sum()).backward();
        assertArray(table.grad(), s(4, 2), 0, 0, 0, 1, 1, 0, 0, 1, 1);
        assertArray(scores.grad(), s(2, 3), 0, 0, 0, 1, 1, 0, 0);
    }

    @Test
    void powZeroHasZeroGradientEvenAtZero() {
        Tensor x = Tensor.variable(d(s(3), 0, 2, -1));
        x.pow(0).sum().backward();
        assertArray(x.grad(), s(3), 0, 0, 0, 0);
        Tensor y = Tensor.variable(d(s(2), 0, 3));
        y.pow(1).sum().backward();
        assertArray(y.grad(), s(2), 0, 1, 1);
        Tensor z = Tensor.variable(d(s(2), 0, 3));
        z.pow(2).sum().backward();
        assertArray(z.grad(), s(2), 0, 0, 6);
    }

    @Test
    void backwardWithoutAnyGradientExplains() {
        Tensor c = Tensor.constant(d(s(1), 1));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.mul(2).backward());
        assertTrue(e.getMessage().contains("does not require a gradient"), e.getMessage());
    }

    @Test
    void customOpWithWrongGradientShapeIsNamed() {
        Tensor x = Tensor.variable(d(s(2, 3), 1, 2, 3, 4, 5, 6));
        Tensor y = Tensor.custom("myFusedOp", x.data().sum(1, false), g -> new NdArray[] {g}, x);   // forgot to broadcast
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> y.sum().backward());
        assertEquals("myFusedOp.backward: gradient for input 0 has shape [2], expected the input's shape [2, 3]",
                e.getMessage());
        Tensor z = Tensor.custom("twoOut", x.data().copy(), g -> new NdArray[] {g, g}, x);
        IllegalStateException c = assertThrows(IllegalStateException.class, () -> z.sum().backward());
        assertEquals("twoOut.backward returned 2 gradients for 1 inputs", c.getMessage());
    }

    @Test
    void customOpRecordsOnlyWhenNeeded() {
        Tensor x = Tensor.variable(d(s(1), 2));
        Tensor c = Tensor.constant(d(s(1), 3));
        Tensor y = Tensor.custom("op", d(s(1), 6), g -> { throw new AssertionError("never called"); }, c);
        assertFalse(y.requiresGrad());
        Tensor z = Tensor.custom("mulBy3", x.data().mul(3), g -> new NdArray[] {null, g.mul(3)}, c, x);
        assertEquals("mulBy3", z.op());
        assertFalse(z.isLeaf());
        z.sum().backward();
        assertArray(x.grad(), s(1), 0, 3);
        assertThrows(IllegalStateException.class, () -> z.setRequiresGrad(false));
    }

    @Test
    void leafGradientIsACopyNotTheSeed() {
        Tensor x = Tensor.variable(d(s(2), 1, 2));
        NdArray seed = d(s(2), 5, 6);
        x.backward(seed);
        seed.fillInPlace(0);
        assertArray(x.grad(), s(2), 0, 5, 6);
        Tensor y = Tensor.variable(d(s(2), 1, 2));
        y.add(Tensor.constant(d(s(2), 0, 0))).backward(seed.fillInPlace(1));
        seed.fillInPlace(9);
        assertArray(y.grad(), s(2), 0, 1, 1);
    }

    @Test
    void deepChainDoesNotOverflowTheStack() throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<Double> grad = new AtomicReference<>();
        // A small stack (256 KiB): a recursive topological sort would overflow at this depth.
        Thread t = new Thread(null, () -> {
            try {
                Tensor x = Tensor.variable(d(s(1), 0.5));
                Tensor y = x;
                for (int i = 0; i < 10_000; i++) {
                    y = y.add(1e-4).mul(1.0);
                }
                y.sum().backward();
                grad.set(x.grad().getFlat(0));
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "deep-chain", 256 * 1024);
        t.start();
        t.join();
        if (failure.get() != null) {
            throw new AssertionError("deep chain failed: " + failure.get(), failure.get());
        }
        assertEquals(1.0, grad.get(), 0);
    }

    @Test
    void toStringAndAccessors() {
        Tensor x = Tensor.variable(d(s(2), 1, 2));
        assertEquals("Tensor(leaf, requiresGrad) NdArray(float64, [2])\n[1.0, 2.0]", x.toString());
        Tensor y = x.tanh();
        assertEquals("tanh", y.op());
        assertEquals(1, y.rank());
        assertEquals(2, y.dim(0));
        assertEquals(DType.FLOAT64, y.dtype());
        assertEquals(Math.tanh(1) + Math.tanh(2), y.sum().item(), 1e-15);
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> x.setGrad(d(s(3), 1, 2, 3)));
        assertTrue(e.getMessage().contains("setGrad: grad has shape [3], expected [2]"), e.getMessage());
        x.setGrad(d(s(2), 7, 8));
        assertArray(x.grad(), s(2), 0, 7, 8);
    }

    @Test
    void permuteRejectsBadPermutationsClearly() {
        Tensor x = Tensor.variable(NdArray.zeros(DType.FLOAT64, 2, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.permute(0, 2));
        assertTrue(e.getMessage().contains("permute") && e.getMessage().contains("not a permutation"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> x.permute(0));
        assertTrue(e.getMessage().contains("permute"), e.getMessage());
    }
}
