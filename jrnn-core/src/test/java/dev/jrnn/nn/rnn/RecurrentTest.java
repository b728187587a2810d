package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.GradCheck;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Module;
import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.tensor.ShapeMismatchException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.jrnn.nn.rnn.RnnTestSupport.F64;
import static dev.jrnn.nn.rnn.RnnTestSupport.assertClose;
import static dev.jrnn.nn.rnn.RnnTestSupport.assertMessageContains;
import static dev.jrnn.nn.rnn.RnnTestSupport.assertShape;
import static dev.jrnn.nn.rnn.RnnTestSupport.sequence;
import static dev.jrnn.nn.rnn.RnnTestSupport.takeGrads;
import static dev.jrnn.nn.rnn.RnnTestSupport.var;
import static dev.jrnn.nn.rnn.RnnTestSupport.weightedSum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@link Recurrent} layer: the loop, returnSequences, goBackwards, masking, initial state, stepping. */
class RecurrentTest {
    private static final double TOL = 1e-12;

    private static LstmCell lstm(int in, int hidden, long seed) {
        return LstmCell.builder(in, hidden).dtype(F64).rng(new Rng(seed)).build();
    }

    @Test
    void unrollsTheCellStepByStep() {
        Rng rng = new Rng(1);
        LstmCell cell = lstm(3, 4, 2);
        Tensor x = RnnTestSupport.data(rng, 2, 5, 3);
        RecurrentResult<LstmState> r = Recurrent.of(cell).returnSequences(true).forward(x, null, null);
        assertShape(r.output(), 2, 5, 4);
        LstmState s = cell.zeroState(2, F64);
        for (int t = 0; t < 5; t++) {
            s = cell.step(x.select(1, t), s);
            assertClose(s.h(), r.output().select(1, t), TOL, "step " + t);
        }
        assertClose(s.c(), r.state().c(), TOL, "final c");
        Tensor last = Recurrent.of(cell).forward(x);                  // returnSequences false: [B, H]
        assertShape(last, 2, 4);
        assertClose(s.h(), last, TOL, "last output");
        assertEquals(List.of("cell.weight_ih", "cell.weight_hh", "cell.bias_ih", "cell.bias_hh"),
                List.copyOf(Recurrent.of(cell).namedParameters().keySet()));
    }

    @Test
    void goBackwardsReadsReversedTimeAndReturnsOutputsInProcessingOrder() {
        Rng rng = new Rng(3);
        GruCell cell = GruCell.builder(2, 3).dtype(F64).rng(rng).build();
        Tensor x = RnnTestSupport.data(rng, 2, 4, 2);
        Tensor flipped = Tensor.stack(1, x.select(1, 3), x.select(1, 2), x.select(1, 1), x.select(1, 0));
        RecurrentResult<HiddenState> back = Recurrent.of(cell).returnSequences(true).goBackwards(true).forward(x, null, null);
        RecurrentResult<HiddenState> fwdOnFlipped = Recurrent.of(cell).returnSequences(true).forward(flipped, null, null);
        assertClose(fwdOnFlipped.output(), back.output(), TOL, "outputs in processing order (Keras)");
        assertClose(fwdOnFlipped.state().h(), back.state().h(), TOL, "final state after reading step 0");
        HiddenState afterLast = cell.step(x.select(1, 3), cell.zeroState(2, F64));
        assertClose(afterLast.h(), back.output().select(1, 0), TOL, "output 0 is after reading x[T-1]");
    }

    @Test
    void initialStateIsUsed() {
        Rng rng = new Rng(4);
        LstmCell cell = lstm(2, 3, 5);
        Tensor x = RnnTestSupport.data(rng, 2, 3, 2);
        LstmState s0 = new LstmState(RnnTestSupport.data(rng, 2, 3), RnnTestSupport.data(rng, 2, 3));
        RecurrentResult<LstmState> r = Recurrent.of(cell).forward(x, s0);
        LstmState s = s0;
        for (int t = 0; t < 3; t++) s = cell.step(x.select(1, t), s);
        assertClose(s.h(), r.output(), TOL, "from s0");
        assertTrue(r.output().data().maxAbsDiff(Recurrent.of(cell).forward(x).data()) > 1e-3, "s0 matters");
    }

    /** Shorter sequences in a padded batch get exactly what they get alone: outputs, final state, gradients. */
    @ParameterizedTest(name = "goBackwards={0}")
    @ValueSource(booleans = {false, true})
    void paddedBatchEqualsEachSequenceAlone(boolean backwards) {
        Rng rng = new Rng(6);
        LstmCell cell = lstm(3, 4, 7);
        Recurrent<LstmState> layer = Recurrent.of(cell).returnSequences(true).goBackwards(backwards);
        int[] lengths = {5, 2, 4, 1};
        int time = 5;
        NdArray xData = NdArray.randn(rng, F64, 0, 1, 4, time, 3);
        NdArray h0 = NdArray.randn(rng, F64, 0, 1, 4, 4), c0 = NdArray.randn(rng, F64, 0, 1, 4, 4);
        // padding holds garbage: it must not leak anywhere
        for (int b = 0; b < 4; b++) {
            for (int t = lengths[b]; t < time; t++) for (int i = 0; i < 3; i++) xData.set(1e3, b, t, i);
        }
        Tensor x = Tensor.variable(xData);
        Tensor h0v = Tensor.variable(h0), c0v = Tensor.variable(c0);
        RecurrentResult<LstmState> batch = layer.forward(x, lengths, new LstmState(h0v, c0v));
        Tensor loss = weightedSum(batch.output(), 1).add(weightedSum(batch.state().h(), 2)).add(weightedSum(batch.state().c(), 3));
        loss.backward();
        Map<String, NdArray> batchGrads = takeGrads(cell);
        NdArray xGrad = x.grad().copy();
        NdArray[] w = {NdArray.rand(new Rng(1), F64, -1, 1, 4, time, 4), NdArray.rand(new Rng(2), F64, -1, 1, 4, 4),
            NdArray.rand(new Rng(3), F64, -1, 1, 4, 4)};   // the loss weights weightedSum used, per sequence below

        Map<String, NdArray> summed = null;
        for (int b = 0; b < 4; b++) {
            int len = lengths[b];
            Tensor xb = Tensor.variable(sequence(xData, b, len));
            LstmState sb = new LstmState(Tensor.constant(h0.slice(0, b, b + 1)), Tensor.constant(c0.slice(0, b, b + 1)));
            RecurrentResult<LstmState> alone = layer.forward(xb, null, sb);
            assertClose(batch.output().data().slice(0, b, b + 1).slice(1, 0, len), alone.output().data(), TOL, "output " + b);
            assertEquals(0, batch.output().data().slice(0, b, b + 1).slice(1, len, time).sumOfSquares(), "padding output");
            assertClose(batch.state().h().data().slice(0, b, b + 1), alone.state().h().data(), TOL, "h " + b);
            assertClose(batch.state().c().data().slice(0, b, b + 1), alone.state().c().data(), TOL, "c " + b);
            Tensor lb = alone.output().mul(Tensor.constant(w[0].slice(0, b, b + 1).slice(1, 0, len))).sum()
                    .add(alone.state().h().mul(Tensor.constant(w[1].slice(0, b, b + 1))).sum())
                    .add(alone.state().c().mul(Tensor.constant(w[2].slice(0, b, b + 1))).sum());
            lb.backward();
            assertClose(xGrad.slice(0, b, b + 1).slice(1, 0, len), xb.grad(), TOL, "dx " + b);
            assertEquals(0, xGrad.slice(0, b, b + 1).slice(1, len, time).sumOfSquares(), "no gradient into padding");
            Map<String, NdArray> g = takeGrads(cell);
            if (summed == null) {
                summed = g;
            } else {
                for (String n : g.keySet()) summed.get(n).addInPlace(g.get(n));
            }
        }
        for (String n : batchGrads.keySet()) {
            assertClose(summed.get(n), batchGrads.get(n), 1e-10, "d" + n);
        }
    }

    @ParameterizedTest(name = "goBackwards={0}")
    @ValueSource(booleans = {false, true})
    void maskedGradientsMatchCentralDifferences(boolean backwards) {
        Rng rng = new Rng(8);
        GruCell cell = GruCell.builder(2, 3).dtype(F64).rng(rng).build();
        Recurrent<HiddenState> layer = Recurrent.of(cell).returnSequences(true).goBackwards(backwards);
        Tensor x = var(rng, 3, 4, 2);
        Tensor h0 = var(rng, 3, 3);
        int[] lengths = {2, 4, 1};
        List<Tensor> wrt = new ArrayList<>(cell.parameters());
        wrt.add(x);
        wrt.add(h0);
        GradCheck.assertMatches(() -> {
            RecurrentResult<HiddenState> r = layer.forward(x, lengths, new HiddenState(h0));
            return Tensor.concat(0, r.output().reshape(-1), r.state().h().reshape(-1));
        }, wrt);
    }

    @Test
    void statefulSteppingEqualsTheWholeSequence() {
        Rng rng = new Rng(9);
        LstmCell cell = lstm(3, 4, 10);
        Recurrent<LstmState> layer = Recurrent.of(cell).returnSequences(true);
        Tensor x = RnnTestSupport.data(rng, 2, 6, 3);
        RecurrentResult<LstmState> whole = layer.forward(x, null, null);

        StatefulRunner<LstmState> runner = layer.stateful();
        assertNull(runner.state());
        for (int t = 0; t < 6; t++) {
            Tensor y = runner.step(t % 2 == 0 ? x.select(1, t) : x.slice(1, t, t + 1));   // [B, I] and [B, 1, I] both work
            if (t % 2 == 0) {
                assertShape(y, 2, 4);
            } else {
                assertShape(y, 2, 1, 4);
                y = y.reshape(2, 4);
            }
            assertClose(whole.output().select(1, t), y, TOL, "step " + t);
        }
        assertClose(whole.state().c(), runner.state().c(), TOL, "final c");

        runner.reset();
        Tensor first = runner.run(x.slice(1, 0, 4));                  // chunks: 4 steps, then 2
        runner.detach();
        Tensor second = runner.run(x.slice(1, 4, 6));
        assertClose(whole.output().slice(1, 0, 4), first, TOL, "chunk 1");
        assertClose(whole.output().slice(1, 4, 6), second, TOL, "chunk 2");
        assertClose(whole.state().h(), runner.state().h(), TOL, "state after chunks");

        RecurrentResult<LstmState> one = layer.step(x.select(1, 0), null);
        assertClose(whole.output().select(1, 0), one.output(), TOL, "step from zeros");
        assertThrows(IllegalStateException.class, () -> Recurrent.of(cell).goBackwards(true).stateful().run(x));
    }

    @Test
    void truncatedBackpropThroughDetachedStateStopsAtTheChunk() {
        Rng rng = new Rng(11);
        LstmCell cell = lstm(2, 3, 12);
        Recurrent<LstmState> layer = Recurrent.of(cell).returnSequences(true);
        Tensor x1 = var(rng, 1, 3, 2), x2 = var(rng, 1, 3, 2);
        LstmState s = layer.forward(x1, null, null).state().detach();
        layer.forward(x2, null, s).output().sum().backward();
        assertNull(x1.grad(), "no gradient reaches the previous chunk");
        assertTrue(x2.grad() != null);
    }

    @Test
    void lengthsOfTheFullSizeChangeNothing() {
        Rng rng = new Rng(13);
        LstmCell cell = lstm(2, 3, 14);
        Tensor x = RnnTestSupport.data(rng, 3, 4, 2);
        for (boolean back : new boolean[] {false, true}) {
            Recurrent<LstmState> layer = Recurrent.of(cell).returnSequences(true).goBackwards(back);
            assertClose(layer.forward(x, null, null).output(), layer.forward(x, new int[] {4, 4, 4}, null).output(), TOL, "full");
        }
    }

    @Test
    void stackedCellEqualsTwoRecurrentLayers() {
        Rng rng = new Rng(15);
        LstmCell bottom = lstm(3, 4, 16);
        GruCell top = GruCell.builder(4, 2).dtype(F64).rng(rng).build();
        Recurrent<StackedState> stacked = Recurrent.of(new StackedCell(bottom, top)).returnSequences(true);
        Tensor x = RnnTestSupport.data(rng, 2, 5, 3);
        int[] lengths = {3, 5};
        RecurrentResult<StackedState> r = stacked.forward(x, lengths, null);
        Tensor mid = Recurrent.of(bottom).returnSequences(true).forward(x, lengths, null).output();
        RecurrentResult<HiddenState> r2 = Recurrent.of(top).returnSequences(true).forward(mid, lengths, null);
        assertClose(r2.output(), r.output(), TOL, "output");
        assertClose(r2.state().h(), r.state().h(), TOL, "top state");
        assertEquals(List.of("cell.0.weight_ih", "cell.0.weight_hh", "cell.0.bias_ih", "cell.0.bias_hh",
                "cell.1.weight_ih", "cell.1.weight_hh", "cell.1.bias_ih", "cell.1.bias_hh"),
                List.copyOf(stacked.namedParameters().keySet()));
        var e = assertThrows(IllegalArgumentException.class, () -> new StackedCell(bottom, lstm(3, 2, 1)));
        assertMessageContains(e, "cell 1 has inputSize=3 but cell 0 outputs outputSize=4");
    }

    @Test
    void errorsNameTheLayerTheArgumentAndTheFix() {
        Recurrent<LstmState> layer = Recurrent.of(lstm(5, 3, 1));
        var e1 = assertThrows(ShapeMismatchException.class, () -> layer.forward(Tensor.zeros(F64, 4, 5)));
        assertMessageContains(e1, "Recurrent(LstmCell).forward: x has shape [4, 5], expected [batch, time, 5]",
                "use step(x, state)");
        var e2 = assertThrows(ShapeMismatchException.class, () -> layer.forward(Tensor.zeros(F64, 4, 6, 7)));
        assertMessageContains(e2, "x has shape [4, 6, 7], expected [batch, time, 5] (batch first; 5 = the cell's inputSize)");
        var e3 = assertThrows(IllegalArgumentException.class,
                () -> layer.forward(Tensor.zeros(F64, 2, 6, 5), new int[] {3, 7}, null));
        assertMessageContains(e3, "lengths[1] = 7 is out of range 1..6");
        var e4 = assertThrows(IllegalArgumentException.class,
                () -> layer.forward(Tensor.zeros(F64, 2, 6, 5), new int[] {3}, null));
        assertMessageContains(e4, "lengths has 1 entries but the batch has 2 sequences");
        var e5 = assertThrows(ShapeMismatchException.class, () -> layer.forward(Tensor.zeros(F64, 2, 6, 5),
                new LstmState(Tensor.zeros(F64, 3, 3), Tensor.zeros(F64, 3, 3))));
        assertMessageContains(e5, "initialState tensor has shape [3, 3], expected [batch=2, hidden]");
        var e6 = assertThrows(ShapeMismatchException.class, () -> layer.step(Tensor.zeros(F64, 2, 3, 5), null));
        assertMessageContains(e6, "Recurrent(LstmCell).step: xt has shape [2, 3, 5]", "for a whole sequence use forward");
    }

    // ------------------------------------------------------------------ a user's own cell

    /** The STYLE.md example: a cell is one step written with tensor ops, no backward and no loop. */
    static final class MinimalRnnCell extends Module implements RecurrentCell<HiddenState> {
        private final int inputSize;
        private final int hiddenSize;
        private final Parameter kernel;            // [I, H]
        private final Parameter recurrentKernel;   // [H, H]

        MinimalRnnCell(int inputSize, int hiddenSize, Rng rng) {
            this.inputSize = inputSize;
            this.hiddenSize = hiddenSize;
            this.kernel = registerParameter("kernel", new Parameter(NdArray.rand(rng, F64, -0.5, 0.5, inputSize, hiddenSize)));
            this.recurrentKernel = registerParameter("recurrent_kernel",
                    new Parameter(NdArray.rand(rng, F64, -0.5, 0.5, hiddenSize, hiddenSize)));
        }

        @Override public int inputSize() { return inputSize; }

        @Override public int hiddenSize() { return hiddenSize; }

        /** {@code h' = tanh(x K + h R)}. */
        @Override
        public HiddenState step(Tensor x, HiddenState s) {
            return new HiddenState(x.matmul(kernel).add(s.h().matmul(recurrentKernel)).tanh());
        }

        @Override
        public HiddenState zeroState(int batch, dev.jrnn.tensor.DType dtype) {
            return new HiddenState(Tensor.zeros(dtype, batch, hiddenSize));
        }
    }

    @Test
    void aCustomCellGetsGradientsMaskingAndReversalForFree() {
        Rng rng = new Rng(17);
        MinimalRnnCell cell = new MinimalRnnCell(2, 3, rng);
        Recurrent<HiddenState> layer = Recurrent.of(cell).returnSequences(true).goBackwards(true);
        Tensor x = var(rng, 2, 4, 2);
        List<Tensor> wrt = new ArrayList<>(cell.parameters());
        wrt.add(x);
        GradCheck.assertMatches(() -> layer.forward(x, new int[] {4, 2}, null).output(), wrt);
        assertEquals(List.of("cell.kernel", "cell.recurrent_kernel"), List.copyOf(layer.namedParameters().keySet()));
    }

    @Test
    void aCustomCellLearns() {
        // Task: after reading a sequence, output the sum of its first feature. Trained with plain SGD.
        Rng rng = new Rng(18);
        MinimalRnnCell cell = new MinimalRnnCell(2, 8, rng);
        Recurrent<HiddenState> layer = Recurrent.of(cell);
        dev.jrnn.nn.Linear head = new dev.jrnn.nn.Linear(8, 1, true, F64, rng);
        List<Parameter> params = new ArrayList<>(layer.parameters());
        params.addAll(head.parameters());
        Tensor x = Tensor.constant(NdArray.rand(rng, F64, -0.5, 0.5, 16, 3, 2));
        Tensor target = x.sum(1, false).slice(1, 0, 1);              // [16, 1]
        double first = 0, last = 0;
        for (int epoch = 0; epoch < 150; epoch++) {
            Tensor loss = dev.jrnn.nn.Losses.mse(head.forward(layer.forward(x)), target);
            if (epoch == 0) {
                first = loss.item();
            }
            last = loss.item();
            loss.backward();
            for (Parameter p : params) {                                 // plain SGD: p -= 0.1 dL/dp
                p.data().axpyInPlace(-0.1, p.grad());
                p.zeroGrad();
            }
        }
        assertTrue(last < 0.2 * first, "loss fell from " + first + " to " + last);
        assertFalse(Double.isNaN(last));
        assertSame(cell, layer.cell());
    }
}
