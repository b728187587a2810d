package dev.jrnn.autograd;

import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.function.Function;
import java.util.stream.Stream;

import static dev.jrnn.TestArrays.awayFromZero;
import static dev.jrnn.TestArrays.between;
import static dev.jrnn.TestArrays.d;
import static dev.jrnn.TestArrays.distinct;
import static dev.jrnn.TestArrays.s;
import static dev.jrnn.TestArrays.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every differentiable operation on {@link Tensor} against central differences in float64, including
 * size-1 dimensions, batch 1 and broadcasting both ways. Inputs are chosen away from kinks (relu, abs,
 * clamp, ties of max).
 */
class TensorOpsGradCheckTest {
    private final Rng rng = new Rng(17);

    private NdArray u(int... shape) { return uniform(rng, DType.FLOAT64, shape); }

    private NdArray nz(int... shape) { return awayFromZero(rng, DType.FLOAT64, shape); }

    private NdArray pos(int... shape) { return between(rng, DType.FLOAT64, 0.5, 2, shape); }

    /** Runs the check and also asserts that every input element was compared (no vacuous pass). */
    private static void check(Function<Tensor[], Tensor> f, NdArray... inputs) {
        GradCheck.Report r = GradCheck.assertMatches(f, inputs);
        int total = 0;
        for (NdArray x : inputs) total += x.size();
        assertEquals(total, r.checked(), "elements compared");
        assertTrue(r.passed(), r.toString());
    }

    // ------------------------------------------------------------------ elementwise binary

    static Stream<Arguments> broadcastPairs() {
        return Stream.of(
                Arguments.of(s(3, 4), s(3, 4)),
                Arguments.of(s(3, 1), s(1, 4)),
                Arguments.of(s(4), s(2, 3, 4)),
                Arguments.of(s(2, 3, 4), s(4)),
                Arguments.of(s(2, 1, 4), s(3, 1)),
                Arguments.of(s(), s(2, 3)),
                Arguments.of(s(2, 3), s()),
                Arguments.of(s(1, 1), s(2, 3)),
                Arguments.of(s(2, 3), s(2, 1)),
                Arguments.of(s(1), s(1)));
    }

    @ParameterizedTest(name = "{0} op {1}")
    @MethodSource("broadcastPairs")
    void addSubMulDivBroadcasting(int[] a, int[] b) {
        check(x -> x[0].add(x[1]), u(a), u(b));
        check(x -> x[0].sub(x[1]), u(a), u(b));
        check(x -> x[0].mul(x[1]), u(a), u(b));
        check(x -> x[0].div(x[1]), u(a), nz(b));
        check(x -> x[1].div(x[0]), nz(a), u(b));
    }

    @Test
    void sameTensorOnBothSides() {
        check(x -> x[0].mul(x[0]), u(3, 2));
        check(x -> x[0].div(x[0].add(3)), u(3));
        check(x -> x[0].sub(x[0].mul(2)).mul(x[0]), u(2, 2));
    }

    // ------------------------------------------------------------------ scalar and unary

    @Test
    void scalarOps() {
        check(x -> x[0].add(0.7), u(2, 3));
        check(x -> x[0].mul(-1.3), u(2, 3));
        check(x -> x[0].rsub(2.5).mul(x[0]), u(2, 3));
        check(x -> x[0].neg(), u(4));
        check(x -> x[0].add(1).mul(2), u(1, 1));
    }

    @Test
    void pow() {
        check(x -> x[0].pow(3), u(2, 3));
        check(x -> x[0].pow(2), u(2, 3));
        check(x -> x[0].pow(1), u(5));
        check(x -> x[0].pow(0.5), pos(2, 3));
        check(x -> x[0].pow(-1.5), pos(2, 3));
        check(x -> x[0].pow(2.7), pos(4));
        check(x -> x[0].square(), u(3, 1));
    }

    @Test
    void unaryMaths() {
        check(x -> x[0].exp(), u(2, 3));
        check(x -> x[0].log(), pos(2, 3));
        check(x -> x[0].sqrt(), pos(2, 3));
        check(x -> x[0].abs(), nz(2, 3));
        check(x -> x[0].tanh(), u(2, 3).mul(3));
        check(x -> x[0].sigmoid(), u(2, 3).mul(4));
        check(x -> x[0].relu(), nz(3, 4));
        check(x -> x[0].elu(1.0), nz(3, 4));
        check(x -> x[0].elu(0.5), nz(3, 4).mul(2));
        check(x -> x[0].clamp(-0.5, 0.5), d(s(2, 4), -0.9, -0.45, -0.1, 0.2, 0.35, 0.8, 0.55, -1.2));
    }

    @Test
    void kinkedOpsPassNoGradientOutsideTheirActiveRegion() {
        NdArray x = d(s(4), -2, -0.5, 0.5, 2);
        Tensor t = Tensor.variable(x);
        t.relu().sum().backward();
        assertArrayEquals(new double[] {0, 0, 1, 1}, t.grad().toDoubleArray());
        t.zeroGrad();
        t.clamp(-1, 1).sum().backward();
        assertArrayEquals(new double[] {0, 1, 1, 0}, t.grad().toDoubleArray());
        t.zeroGrad();
        t.abs().sum().backward();
        assertArrayEquals(new double[] {-1, -1, 1, 1}, t.grad().toDoubleArray());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, -1})
    void softmaxAndLogSoftmax(int axis) {
        check(x -> x[0].softmax(axis), u(3, 4).mul(3));
        check(x -> x[0].logSoftmax(axis), u(3, 4).mul(3));
        check(x -> x[0].softmax(axis), u(2, 3, 4));
        check(x -> x[0].logSoftmax(axis), u(2, 3, 4));
    }

    @Test
    void softmaxOverSizeOneAxisAndLargeLogits() {
        check(x -> x[0].softmax(1), u(3, 1));
        check(x -> x[0].logSoftmax(1), u(3, 1));
        check(x -> x[0].softmax(0), u(1, 5));
        check(x -> x[0].logSoftmax(-1), u(2, 3).mul(50).add(500));   // shifted by the max, no overflow
    }

    // ------------------------------------------------------------------ reductions

    @Test
    void sumAndMeanOfAll() {
        check(x -> x[0].sum(), u(2, 3, 4));
        check(x -> x[0].mean(), u(2, 3, 4));
        check(x -> x[0].sum(), u(1));
        check(x -> x[0].mean(), u());
        check(x -> x[0].mul(x[0]).mean(), u(5, 1));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, -1})
    void sumMeanMaxByAxis(int axis) {
        for (boolean keep : new boolean[] {false, true}) {
            check(x -> x[0].sum(axis, keep), u(2, 3, 4));
            check(x -> x[0].mean(axis, keep), u(2, 3, 4));
            check(x -> x[0].max(axis, keep), distinct(rng, DType.FLOAT64, 2, 3, 4));
            check(x -> x[0].sum(axis, keep), u(1, 3, 1));
            check(x -> x[0].max(axis, keep), distinct(rng, DType.FLOAT64, 1, 3, 1));
        }
    }

    @Test
    void maxSendsTheGradientToTheFirstMaximumOnTies() {
        Tensor x = Tensor.variable(d(s(2, 3), 1, 3, 3, -1, -2, -1));
        x.max(1, false).backward(d(s(2), 10, 20));
        assertArrayEquals(new double[] {0, 10, 0, 20, 0, 0}, x.grad().toDoubleArray());
        Tensor y = Tensor.variable(d(s(2, 2), 5, 1, 5, 7));
        y.max(0, true).sum().backward();
        assertArrayEquals(new double[] {1, 0, 0, 1}, y.grad().toDoubleArray());
    }

    // ------------------------------------------------------------------ matrix products

    @Test
    void matmul2d() {
        check(x -> x[0].matmul(x[1]), u(3, 4), u(4, 5));
        check(x -> x[0].matmul(x[1]), u(1, 4), u(4, 1));
        check(x -> x[0].matmul(x[1]), u(1, 1), u(1, 1));
        check(x -> x[0].matmul(x[1]), u(5, 1), u(1, 3));
        check(x -> x[0].matmul(x[0]), u(3, 3));
        check(x -> x[0].matmul(x[1]).tanh(), u(3, 4), u(4, 2));
    }

    @Test
    void matmulBatched() {
        check(x -> x[0].matmul(x[1]), u(2, 3, 4), u(2, 4, 5));
        check(x -> x[0].matmul(x[1]), u(1, 3, 4), u(1, 4, 2));   // batch 1
        check(x -> x[0].matmul(x[1]), u(2, 2, 1, 3), u(2, 2, 3, 2));
    }

    @Test
    void matmulRank3TimesRank2() {
        check(x -> x[0].matmul(x[1]), u(2, 3, 4), u(4, 5));
        check(x -> x[0].matmul(x[1]), u(1, 1, 4), u(4, 1));
        check(x -> x[0].matmul(x[1]), u(2, 2, 3, 4), u(4, 2));
        check(x -> x[0].matmul(x[1]), u(3, 1, 2), u(2, 2));
    }

    @Test
    void matmulTransposed() {
        check(x -> x[0].matmulTransposed(x[1]), u(3, 4), u(5, 4));
        check(x -> x[0].matmulTransposed(x[1]), u(2, 3, 4), u(5, 4));
        check(x -> x[0].matmulTransposed(x[1]), u(1, 4), u(1, 4));
        check(x -> x[0].matmulTransposed(x[1]), u(1, 1, 2), u(3, 2));
        check(x -> x[0].matmulTransposed(x[0]), u(3, 3));
    }

    // ------------------------------------------------------------------ shape

    @Test
    void reshapeTransposePermute() {
        check(x -> x[0].reshape(4, -1), u(2, 3, 4));
        check(x -> x[0].reshape(-1).mul(x[1]), u(2, 3), u(6));
        check(x -> x[0].transpose(0, 2), u(2, 3, 4));
        check(x -> x[0].transpose(-1, 1), u(2, 3, 4));
        check(x -> x[0].t(), u(3, 4));
        check(x -> x[0].t().matmul(x[1]), u(4, 3), u(4, 2));
        check(x -> x[0].permute(2, 0, 1), u(2, 3, 4));
        check(x -> x[0].permute(1, 3, 0, 2), u(2, 3, 1, 2));
    }

    @Test
    void sliceAndSelect() {
        check(x -> x[0].slice(1, 1, 3), u(2, 4, 3));
        check(x -> x[0].slice(-1, 0, 1), u(2, 4, 3));
        check(x -> x[0].slice(0, 0, 2), u(2, 4));
        check(x -> x[0].select(1, 2), u(2, 4, 3));
        check(x -> x[0].select(0, 0), u(1, 3));
        check(x -> x[0].select(-1, 1).mul(x[0].select(-1, 1)), u(3, 2));
    }

    @Test
    void concatAndStack() {
        check(x -> Tensor.concat(1, x[0], x[1], x[2]), u(2, 2), u(2, 1), u(2, 3));
        check(x -> Tensor.concat(0, x[0], x[1]), u(1, 3), u(2, 3));
        check(x -> Tensor.concat(-1, x[0], x[0].mul(2)), u(2, 2));
        check(x -> Tensor.stack(0, x[0], x[1]), u(2, 3), u(2, 3));
        check(x -> Tensor.stack(1, x[0], x[1], x[0]), u(2, 3), u(2, 3));
        check(x -> Tensor.stack(-1, x[0], x[1]), u(2, 3), u(2, 3));
        check(x -> Tensor.stack(0, x[0]), u(1));
    }

    @Test
    void splitAndChunk() {
        check(x -> {
            Tensor[] p = x[0].split(1, 1, 2, 3);
            return Tensor.concat(1, p[2].tanh(), p[0].exp(), p[1].mul(3));
        }, u(2, 6));
        check(x -> {
            Tensor[] p = x[0].chunk(3, 1);
            return p[0].mul(p[1]).add(p[2].square());
        }, u(2, 6));
        check(x -> x[0].chunk(2, 0)[1], u(4, 3));
        check(x -> x[0].chunk(1, -1)[0].sigmoid(), u(2, 3));
    }

    // ------------------------------------------------------------------ indexing

    @Test
    void takeWithRepeatedIndices() {
        int[] idx = {4, 0, 4, 2, 1, 4};
        check(x -> x[0].take(idx, 2, 3), u(5, 3));
        check(x -> x[0].take(new int[] {1, 1}, 2), u(3));
        check(x -> x[0].take(new int[] {0}, 1, 1).mul(x[1]), u(1, 2), u(1, 1, 2));
    }

    @Test
    void pick() {
        check(x -> x[0].pick(new int[] {2, 0, 1, 2}), u(4, 3));
        check(x -> x[0].pick(new int[] {0}), u(1, 1));
        check(x -> x[0].logSoftmax(1).pick(new int[] {1, 1}), u(2, 3));
    }

    // ------------------------------------------------------------------ composites and float32 inputs

    @Test
    void lstmLikeCellThroughChunk() {
        check(x -> {
            Tensor z = x[0].matmulTransposed(x[1]).add(x[2]);   // [B, 4H]
            Tensor[] g = z.chunk(4, 1);
            Tensor c = g[1].sigmoid().mul(x[3]).add(g[0].sigmoid().mul(g[2].tanh()));
            return g[3].sigmoid().mul(c.tanh());
        }, u(2, 3), u(8, 3), u(8), u(2, 2));
    }

    @Test
    void float32InputsAreCheckedInFloat64() {
        NdArray a = uniform(rng, DType.FLOAT32, 3, 4), b = uniform(rng, DType.FLOAT32, 4, 2);
        NdArray aCopy = a.copy();
        GradCheck.Report r = GradCheck.assertMatches(x -> {
            assertEquals(DType.FLOAT64, x[0].dtype());
            return x[0].matmul(x[1]).tanh();
        }, a, b);
        assertEquals(20, r.checked());
        assertEquals(DType.FLOAT32, a.dtype());
        assertEquals(0.0, a.maxAbsDiff(aCopy), "inputs are not modified");
        check(x -> x[0].softmax(-1), uniform(rng, DType.FLOAT32, 2, 5));
        check(x -> x[0].sigmoid().mul(x[1]), uniform(rng, DType.FLOAT32, 3), uniform(rng, DType.FLOAT32, 2, 3));
    }

    @Test
    void forwardValuesOfTheTensorOpsMatchNdArray() {
        NdArray a = u(2, 3), b = u(3, 2);
        Tensor ta = Tensor.constant(a), tb = Tensor.constant(b);
        assertEquals(0.0, ta.matmul(tb).data().maxAbsDiff(a.matmul(b)));
        assertEquals(0.0, ta.matmulTransposed(Tensor.constant(b.t())).data().maxAbsDiff(a.matmul(b)), 1e-15);
        NdArray sm = ta.softmax(1).data();
        for (int i = 0; i < 2; i++) {
            double z = 0;
            for (int j = 0; j < 3; j++) z += Math.exp(a.get(i, j));
            for (int j = 0; j < 3; j++) assertEquals(Math.exp(a.get(i, j)) / z, sm.get(i, j), 1e-15);
            for (int j = 0; j < 3; j++) {
                assertEquals(a.get(i, j) - Math.log(z), ta.logSoftmax(-1).data().get(i, j), 1e-14);
            }
        }
        assertEquals(Arrays.toString(new int[] {2, 1}), Arrays.toString(ta.max(1, true).shape()));
    }
}
