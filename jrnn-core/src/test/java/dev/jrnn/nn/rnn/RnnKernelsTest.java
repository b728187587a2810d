package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Autograd;
import dev.jrnn.autograd.GradCheck;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.nn.rnn.RnnKernels.Result;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.tensor.ShapeMismatchException;
import dev.jrnn.tensor.Shapes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static dev.jrnn.TestArrays.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fused kernels of {@link RnnKernels} against a readable reference written here with plain autograd
 * ops, one line per equation ({@link #reference}); against central differences; float32 against float64;
 * a padded batch against each sequence run alone; and the wording of every argument error.
 */
class RnnKernelsTest {
    private static final double EXACT = 1e-10;   // float64 fused vs float64 reference: the same sums in another order

    // ================================================================== the readable reference

    /**
     * The same layer as {@link RnnKernels#run}, written step by step with autograd ops: select step t, apply
     * the cell's equations, then blend new and old state with a 0/1 mask so that steps past a sequence's
     * length leave the state alone and output 0. Reverse walks t = T-1 .. 0; a sequence's state is still
     * {@code h0} when its last valid step comes, which is PyTorch's packed reverse direction.
     */
    static Result reference(CellType type, Tensor x, Tensor h0, Tensor c0, Tensor weightIh, Tensor weightHh,
                            Tensor biasIh, Tensor biasHh, int[] lengths, boolean reverse) {
        int batch = x.dim(0), time = x.dim(1), hidden = weightHh.dim(1);
        DType dtype = x.dtype();
        Tensor h = h0 != null ? h0 : Tensor.zeros(dtype, batch, hidden);
        Tensor c = type != CellType.LSTM ? null : c0 != null ? c0 : Tensor.zeros(dtype, batch, hidden);
        Tensor[] outputs = new Tensor[time];
        for (int k = 0; k < time; k++) {
            int t = reverse ? time - 1 - k : k;
            Tensor xt = x.select(1, t);                                     // [B, I]
            Tensor mask = stepMask(lengths, batch, t, dtype);              // [B, 1]: 1 where step t is valid
            Tensor keep = mask.rsub(1);
            Tensor hNew;
            Tensor cNew = null;
            switch (type) {
                case RNN_TANH -> hNew = linear(xt, weightIh, biasIh).add(linear(h, weightHh, biasHh)).tanh();
                case RNN_RELU -> hNew = linear(xt, weightIh, biasIh).add(linear(h, weightHh, biasHh)).relu();
                case LSTM -> {
                    Tensor[] gate = linear(xt, weightIh, biasIh).add(linear(h, weightHh, biasHh)).chunk(4, 1);
                    Tensor i = gate[0].sigmoid(), f = gate[1].sigmoid(), g = gate[2].tanh(), o = gate[3].sigmoid();
                    cNew = f.mul(c).add(i.mul(g));                          // c' = f ⊙ c + i ⊙ g
                    hNew = o.mul(cNew.tanh());                              // h' = o ⊙ tanh(c')
                }
                case GRU -> {
                    Tensor[] gx = linear(xt, weightIh, biasIh).chunk(3, 1);    // W_i· x + b_i·
                    Tensor[] gh = linear(h, weightHh, biasHh).chunk(3, 1);     // W_h· h + b_h·
                    Tensor r = gx[0].add(gh[0]).sigmoid(), z = gx[1].add(gh[1]).sigmoid();
                    Tensor n = gx[2].add(r.mul(gh[2])).tanh();                 // r multiplies W_hn h + b_hn
                    hNew = z.rsub(1).mul(n).add(z.mul(h));                      // (1 − z) ⊙ n + z ⊙ h
                }
                case GRU_RESET_BEFORE -> {
                    Tensor[] gx = linear(xt, weightIh, biasIh).chunk(3, 1);
                    Tensor[] wh = weightHh.chunk(3, 0);
                    Tensor[] bh = biasHh == null ? new Tensor[3] : biasHh.chunk(3, 0);
                    Tensor r = gx[0].add(linear(h, wh[0], bh[0])).sigmoid();
                    Tensor z = gx[1].add(linear(h, wh[1], bh[1])).sigmoid();
                    Tensor n = gx[2].add(linear(r.mul(h), wh[2], bh[2])).tanh();   // W_hn (r ⊙ h) + b_hn
                    hNew = z.rsub(1).mul(n).add(z.mul(h));
                }
                default -> throw new AssertionError(type);
            }
            outputs[t] = hNew.mul(mask);                                    // 0 past the length
            h = hNew.mul(mask).add(h.mul(keep));                            // state carried past the length
            if (c != null) {
                c = cNew.mul(mask).add(c.mul(keep));
            }
        }
        return new Result(Tensor.stack(1, outputs), h, c);
    }

    /** {@code x Wᵀ + b} (b may be null). */
    private static Tensor linear(Tensor x, Tensor w, Tensor b) {
        Tensor y = x.matmulTransposed(w);
        return b == null ? y : y.add(b);
    }

    private static Tensor stepMask(int[] lengths, int batch, int t, DType dtype) {
        NdArray m = NdArray.zeros(dtype, batch, 1);
        for (int b = 0; b < batch; b++) {
            m.setFlat(b, lengths == null || t < lengths[b] ? 1 : 0);
        }
        return Tensor.constant(m);
    }

    // ================================================================== inputs

    /** One configuration of a call. */
    record Case(CellType type, int batch, int time, boolean bias, boolean initialState, int[] lengths, boolean reverse) {
        @Override
        public String toString() {
            return type + " B=" + batch + " T=" + time + (bias ? " bias" : " no-bias") + (initialState ? " h0" : " zero-state")
                    + (lengths == null ? "" : " lengths=" + Arrays.toString(lengths)) + (reverse ? " reverse" : "");
        }
    }

    /** The arguments of one call, as leaves that require gradients (null where the case has none). */
    static final class Args {
        final CellType type;
        final Tensor x, h0, c0, weightIh, weightHh, biasIh, biasHh;
        final int[] lengths;
        final boolean reverse;

        Args(Case c, int input, int hidden, DType dtype, long seed) {
            Rng rng = new Rng(seed);
            int gh = c.type().gates() * hidden;
            boolean lstm = c.type() == CellType.LSTM;
            type = c.type();
            x = leaf(NdArray.rand(rng, dtype, -1, 1, c.batch(), c.time(), input));
            h0 = c.initialState() ? leaf(NdArray.rand(rng, dtype, -1, 1, c.batch(), hidden)) : null;
            c0 = c.initialState() && lstm ? leaf(NdArray.rand(rng, dtype, -1, 1, c.batch(), hidden)) : null;
            weightIh = leaf(NdArray.rand(rng, dtype, -0.8, 0.8, gh, input));
            weightHh = leaf(NdArray.rand(rng, dtype, -0.8, 0.8, gh, hidden));
            biasIh = c.bias() ? leaf(NdArray.rand(rng, dtype, -0.5, 0.5, gh)) : null;
            biasHh = c.bias() ? leaf(NdArray.rand(rng, dtype, -0.5, 0.5, gh)) : null;
            lengths = c.lengths();
            reverse = c.reverse();
        }

        private Args(Args a, DType dtype) {
            type = a.type;
            x = copy(a.x, dtype);
            h0 = copy(a.h0, dtype);
            c0 = copy(a.c0, dtype);
            weightIh = copy(a.weightIh, dtype);
            weightHh = copy(a.weightHh, dtype);
            biasIh = copy(a.biasIh, dtype);
            biasHh = copy(a.biasHh, dtype);
            lengths = a.lengths;
            reverse = a.reverse;
        }

        /** Fresh leaves with the same values in {@code dtype}. */
        Args copy(DType dtype) {
            return new Args(this, dtype);
        }

        Result fused() {
            return RnnKernels.run(type, x, h0, c0, weightIh, weightHh, biasIh, biasHh, lengths, reverse);
        }

        Result reference() {
            return RnnKernelsTest.reference(type, x, h0, c0, weightIh, weightHh, biasIh, biasHh, lengths, reverse);
        }

        /** The leaves in argument order, with their names, nulls left out. */
        List<Tensor> leaves() {
            List<Tensor> out = new ArrayList<>();
            for (Tensor t : all()) {
                if (t != null) out.add(t);
            }
            return out;
        }

        Tensor[] all() {
            return new Tensor[] {x, h0, c0, weightIh, weightHh, biasIh, biasHh};
        }

        static final String[] NAMES = {"x", "h0", "c0", "weightIh", "weightHh", "biasIh", "biasHh"};

        private static Tensor leaf(NdArray a) {
            return Tensor.variable(a);
        }

        private static Tensor copy(Tensor t, DType dtype) {
            return t == null ? null : Tensor.variable(t.data().to(dtype).copy());
        }
    }

    /** {@code Σ out ⊙ w_out + Σ h ⊙ w_h + Σ c ⊙ w_c} with fixed random weights: every result element matters. */
    private static Tensor loss(Result r, long seed) {
        Rng rng = new Rng(seed);
        DType dt = r.output().dtype();
        Tensor l = r.output().mul(Tensor.constant(NdArray.rand(rng, dt, -1, 1, r.output().shape()))).sum();
        l = l.add(r.h().mul(Tensor.constant(NdArray.rand(rng, dt, -1, 1, r.h().shape()))).sum());
        if (r.c() != null) {
            l = l.add(r.c().mul(Tensor.constant(NdArray.rand(rng, dt, -1, 1, r.c().shape()))).sum());
        }
        return l;
    }

    /** The cell types with a fused kernel here (the scan cells run in ScanKernels, tested in ScanLayersTest). */
    private static final List<CellType> FUSED = java.util.Arrays.stream(CellType.values())
            .filter(t -> t.hasRecurrentWeights() && !t.isXlstm()).toList();   // xLSTM: no fused kernel

    static Stream<Case> cases() {
        List<Case> out = new ArrayList<>();
        for (CellType type : FUSED) {
            for (boolean bias : new boolean[] {true, false}) {
                for (boolean init : new boolean[] {true, false}) {
                    for (int[] lengths : new int[][] {null, {5, 3, 1}}) {
                        for (boolean reverse : new boolean[] {false, true}) {
                            out.add(new Case(type, 3, 5, bias, init, lengths, reverse));
                        }
                    }
                }
            }
            out.add(new Case(type, 1, 1, true, true, null, false));     // T = 1, B = 1
            out.add(new Case(type, 1, 4, true, true, null, true));      // B = 1
            out.add(new Case(type, 3, 1, true, true, new int[] {1, 1, 1}, true));   // T = 1
            out.add(new Case(type, 2, 4, true, true, new int[] {2, 4}, true));      // the longest not first
        }
        return out.stream();
    }

    // ================================================================== (a) fused vs reference, float64

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void forwardAndEveryGradientMatchTheReadableReference(Case c) {
        Args fast = new Args(c, 4, 3, DType.FLOAT64, 11);
        Args ref = fast.copy(DType.FLOAT64);
        Result rf = fast.fused();
        Result rr = ref.reference();
        assertClose(rr.output().data(), rf.output().data(), EXACT);
        assertClose(rr.h().data(), rf.h().data(), EXACT);
        if (c.type() == CellType.LSTM) {
            assertClose(rr.c().data(), rf.c().data(), EXACT);
        } else {
            assertNull(rf.c(), "c is only for LSTM");
        }
        loss(rf, 5).backward();
        loss(rr, 5).backward();
        Tensor[] a = fast.all(), b = ref.all();
        for (int k = 0; k < a.length; k++) {
            if (a[k] == null) continue;
            assertTrue(a[k].grad() != null, () -> "no gradient reached the fused path's input");
            assertClose(b[k].grad(), a[k].grad(), EXACT);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = CellType.class, names = {"RNN_TANH", "RNN_RELU", "LSTM", "GRU", "GRU_RESET_BEFORE"})
    void outputPastTheLengthIsZeroAndStateIsTheLastValidStep(CellType type) {
        Args a = new Args(new Case(type, 3, 5, true, true, new int[] {5, 3, 1}, false), 4, 3, DType.FLOAT64, 3);
        Result r = a.fused();
        for (int b = 0; b < 3; b++) {
            int len = a.lengths[b];
            for (int t = 0; t < 5; t++) {
                for (int j = 0; j < 3; j++) {
                    double v = r.output().data().get(b, t, j);
                    if (t >= len) {
                        assertEquals(0.0, v, "output past the length, b=" + b + " t=" + t);
                    } else if (t == len - 1) {
                        assertEquals(r.h().data().get(b, j), v, "h is the output at the last valid step, b=" + b);
                    }
                }
            }
        }
    }

    /** PyTorch's packed-sequence test: a padded batch gives each sequence exactly what it gives alone. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = CellType.class, names = {"RNN_TANH", "RNN_RELU", "LSTM", "GRU", "GRU_RESET_BEFORE"})
    void paddedBatchEqualsEachSequenceAlone(CellType type) {
        for (boolean reverse : new boolean[] {false, true}) {
            int[] lengths = {3, 5, 1};
            Args batch = new Args(new Case(type, 3, 5, true, true, lengths, reverse), 4, 3, DType.FLOAT64, 21);
            Result all = batch.fused();
            for (int b = 0; b < 3; b++) {
                int len = lengths[b];
                Tensor xb = Tensor.constant(batch.x.data().select(0, b).slice(0, 0, len).reshape(1, len, 4));
                Tensor h0 = Tensor.constant(batch.h0.data().select(0, b).reshape(1, 3));
                Tensor c0 = batch.c0 == null ? null : Tensor.constant(batch.c0.data().select(0, b).reshape(1, 3));
                Result one = RnnKernels.run(type, xb, h0, c0, batch.weightIh, batch.weightHh, batch.biasIh, batch.biasHh,
                        null, reverse);
                assertClose(one.output().data(), all.output().data().select(0, b).slice(0, 0, len).reshape(1, len, 3), EXACT);
                assertClose(one.h().data(), all.h().data().select(0, b).reshape(1, 3), EXACT);
                if (one.c() != null) {
                    assertClose(one.c().data(), all.c().data().select(0, b).reshape(1, 3), EXACT);
                }
            }
        }
    }

    @Test
    void onlyTheInputsThatRequireGradientsGetThem() {
        Args a = new Args(new Case(CellType.LSTM, 3, 5, true, true, new int[] {5, 3, 1}, true), 4, 3, DType.FLOAT64, 8);
        Args r = a.copy(DType.FLOAT64);
        for (Args s : List.of(a, r)) {
            s.x.setRequiresGrad(false);
            s.h0.setRequiresGrad(false);
            s.biasIh.setRequiresGrad(false);
        }
        loss(a.fused(), 2).backward();
        loss(r.reference(), 2).backward();
        assertNull(a.x.grad());
        assertNull(a.h0.grad());
        assertNull(a.biasIh.grad());
        assertClose(r.c0.grad(), a.c0.grad(), EXACT);
        assertClose(r.weightIh.grad(), a.weightIh.grad(), EXACT);
        assertClose(r.weightHh.grad(), a.weightHh.grad(), EXACT);
        assertClose(r.biasHh.grad(), a.biasHh.grad(), EXACT);
    }

    @Test
    void withoutGradientsTheResultsAreConstantsWithTheSameValues() {
        Args a = new Args(new Case(CellType.GRU, 3, 5, true, true, new int[] {5, 3, 1}, true), 4, 3, DType.FLOAT32, 9);
        Result recorded = a.fused();
        Result plain;
        try (var scope = Autograd.noGrad()) {
            plain = a.fused();
        }
        assertFalse(plain.output().requiresGrad());
        assertFalse(plain.h().requiresGrad());
        assertTrue(recorded.output().requiresGrad());
        assertClose(recorded.output().data(), plain.output().data(), 0);
        assertClose(recorded.h().data(), plain.h().data(), 0);
    }

    @Test
    void backwardCanRunTwiceOnOneGraph() {
        Args a = new Args(new Case(CellType.LSTM, 3, 5, true, true, new int[] {5, 3, 1}, false), 4, 3, DType.FLOAT64, 4);
        Result r = a.fused();
        loss(r, 1).backward();
        NdArray first = a.weightHh.grad().copy();
        loss(r, 1).backward();   // gradients add up: twice the first
        assertClose(first.mul(2), a.weightHh.grad(), EXACT);
    }

    // ================================================================== (b) central differences

    static Stream<Case> gradCheckCases() {
        List<Case> out = new ArrayList<>();
        for (CellType type : FUSED) {
            out.add(new Case(type, 3, 4, true, true, null, false));
            out.add(new Case(type, 3, 4, true, true, new int[] {4, 2, 1}, true));
            out.add(new Case(type, 1, 1, false, false, null, true));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("gradCheckCases")
    void gradientsMatchCentralDifferences(Case c) {
        Args a = new Args(c, 3, 3, DType.FLOAT64, 13);
        GradCheck.Report report = GradCheck.assertMatches(() -> {
            Result r = a.fused();
            List<Tensor> parts = new ArrayList<>(List.of(r.output().reshape(-1), r.h().reshape(-1)));
            if (r.c() != null) parts.add(r.c().reshape(-1));
            return Tensor.concat(0, parts.toArray(new Tensor[0]));
        }, a.leaves());
        int total = 0;
        for (Tensor t : a.leaves()) total += t.data().size();
        assertEquals(total, report.checked(), "every element compared");
    }

    // ================================================================== (c) float32 vs float64

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = CellType.class, names = {"RNN_TANH", "RNN_RELU", "LSTM", "GRU", "GRU_RESET_BEFORE"})
    void float32AgreesWithFloat64(CellType type) {
        for (Case c : List.of(new Case(type, 3, 5, true, true, new int[] {5, 3, 1}, true),
                new Case(type, 4, 12, true, true, null, false))) {
            Args a64 = new Args(c, 6, 8, DType.FLOAT64, 31);
            Args a32 = a64.copy(DType.FLOAT32);
            Result r64 = a64.fused(), r32 = a32.fused();
            assertEquals(DType.FLOAT32, r32.output().dtype());
            assertNear(r64.output().data(), r32.output().data(), c + " output");
            assertNear(r64.h().data(), r32.h().data(), c + " h");
            loss(r64, 6).backward();
            loss(r32, 6).backward();
            Tensor[] x = a64.all(), y = a32.all();
            for (int k = 0; k < x.length; k++) {
                if (x[k] != null) {
                    assertEquals(DType.FLOAT32, y[k].grad().dtype());
                    assertNear(x[k].grad(), y[k].grad(), c + " d" + Args.NAMES[k]);
                }
            }
        }
    }

    private static void assertNear(NdArray expected, NdArray actual, String what) {
        assertTrue(actual.allClose(expected, 1e-5, 1e-5), () -> what + ": float32 differs from float64 by "
                + actual.maxAbsDiff(expected));
    }

    // ================================================================== (d) argument errors

    /** A valid LSTM call (B=3, T=5, I=4, H=2) in which one argument at a time is made wrong. */
    private static final class Call {
        CellType type = CellType.LSTM;
        Tensor x = Tensor.zeros(DType.FLOAT32, 3, 5, 4);
        Tensor h0 = Tensor.zeros(DType.FLOAT32, 3, 2);
        Tensor c0 = Tensor.zeros(DType.FLOAT32, 3, 2);
        Tensor weightIh = Tensor.zeros(DType.FLOAT32, 8, 4);
        Tensor weightHh = Tensor.zeros(DType.FLOAT32, 8, 2);
        Tensor biasIh = Tensor.zeros(DType.FLOAT32, 8);
        Tensor biasHh = Tensor.zeros(DType.FLOAT32, 8);
        int[] lengths = {5, 3, 1};

        Result run() {
            return RnnKernels.run(type, x, h0, c0, weightIh, weightHh, biasIh, biasHh, lengths, false);
        }
    }

    private static <E extends Throwable> String message(Class<E> kind, Call call) {
        return assertThrows(kind, call::run).getMessage();
    }

    private static void assertMentions(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), () -> "message lacks \"" + p + "\": " + message);
        }
    }

    @Test
    void theValidCallRuns() {
        Result r = new Call().run();
        assertEquals(Shapes.str(3, 5, 2), Shapes.str(r.output().shape()));
    }

    @Test
    void weightIhWithWrongRowCountIsNamed() {
        Call c = new Call();
        c.weightIh = Tensor.zeros(DType.FLOAT32, 7, 4);   // a prime, not 4·hidden
        assertMentions(message(ShapeMismatchException.class, c), "RnnKernels.run(LSTM)", "weightIh", "[7, 4]", "[8, 4]",
                "i, f, g, o");
        c = new Call();
        c.weightIh = Tensor.zeros(DType.FLOAT32, 8, 3);   // input size differs from x's
        assertMentions(message(ShapeMismatchException.class, c), "weightIh", "[8, 3]", "[8, 4]", "input = 4");
    }

    @Test
    void gruWeightsExpectThreeGates() {
        Call c = new Call();
        c.type = CellType.GRU;
        c.c0 = null;
        assertMentions(message(ShapeMismatchException.class, c), "RnnKernels.run(GRU)", "weightHh", "[8, 2]", "[6, 2]",
                "r, z, n");
    }

    @Test
    void xOfWrongRankIsNamed() {
        Call c = new Call();
        c.x = Tensor.zeros(DType.FLOAT32, 3, 4);
        assertMentions(message(ShapeMismatchException.class, c), "RnnKernels.run(LSTM)", "x has shape [3, 4]",
                "[batch, time, input]", "reshape(batch, 1, input)");
    }

    @Test
    void initialStatesOfWrongShapeAreNamed() {
        Call c = new Call();
        c.h0 = Tensor.zeros(DType.FLOAT32, 3, 5);
        assertMentions(message(ShapeMismatchException.class, c), "RnnKernels.run(LSTM)", "h0 has shape [3, 5]", "[3, 2]");
        c = new Call();
        c.c0 = Tensor.zeros(DType.FLOAT32, 2, 2);
        assertMentions(message(ShapeMismatchException.class, c), "c0 has shape [2, 2]", "[3, 2]", "batch = 3");
        c = new Call();
        c.type = CellType.RNN_TANH;
        c.weightIh = Tensor.zeros(DType.FLOAT32, 2, 4);
        c.weightHh = Tensor.zeros(DType.FLOAT32, 2, 2);
        c.biasIh = c.biasHh = null;
        assertMentions(message(IllegalArgumentException.class, c), "RnnKernels.run(RNN_TANH)", "c0", "only LSTM");
    }

    @Test
    void biasOfWrongShapeIsNamed() {
        Call c = new Call();
        c.biasHh = Tensor.zeros(DType.FLOAT32, 6);
        assertMentions(message(ShapeMismatchException.class, c), "biasHh has shape [6]", "[8]");
    }

    @Test
    void badLengthsAreNamed() {
        Call c = new Call();
        c.lengths = new int[] {5, 0, 1};
        assertMentions(message(IllegalArgumentException.class, c), "RnnKernels.run(LSTM)", "lengths[1] = 0", "1..5");
        c.lengths = new int[] {5, 6, 1};
        assertMentions(message(IllegalArgumentException.class, c), "lengths[1] = 6", "1..5");
        c.lengths = new int[] {5, 3};
        assertMentions(message(IllegalArgumentException.class, c), "lengths has 2 entries", "batch = 3");
    }

    @Test
    void mixedDtypesAreNamed() {
        Call c = new Call();
        c.weightHh = Tensor.zeros(DType.FLOAT64, 8, 2);
        assertMentions(message(IllegalArgumentException.class, c), "weightHh is float64", "x is float32");
    }

    // ================================================================== float32 activations

    @Test
    void fastFloatActivationsAreWithinTheirDocumentedError() {
        double worstTanh = 0, worstSigmoid = 0;
        for (int k = -200_000; k <= 200_000; k++) {
            float x = k * 1e-4f;   // [-20, 20], both saturated ends included
            worstTanh = Math.max(worstTanh, Math.abs(KernelMath.tanh(x) - Math.tanh(x)));
            worstSigmoid = Math.max(worstSigmoid, Math.abs(KernelMath.sigmoid(x) - 1 / (1 + Math.exp(-(double) x))));
        }
        assertTrue(worstTanh < 4e-7, "tanh error " + worstTanh);
        assertTrue(worstSigmoid < 3e-7, "sigmoid error " + worstSigmoid);
        assertEquals(1f, KernelMath.tanh(Float.POSITIVE_INFINITY));
        assertEquals(-1f, KernelMath.tanh(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(KernelMath.tanh(Float.NaN)) && Float.isNaN(KernelMath.sigmoid(Float.NaN)));
        assertEquals(0f, KernelMath.tanh(0f));
    }
}
