package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.GradCheck;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static dev.jrnn.nn.rnn.RnnTestSupport.F64;
import static dev.jrnn.nn.rnn.RnnTestSupport.assertClose;
import static dev.jrnn.nn.rnn.RnnTestSupport.assertMessageContains;
import static dev.jrnn.nn.rnn.RnnTestSupport.assertShape;
import static dev.jrnn.nn.rnn.RnnTestSupport.sequence;
import static dev.jrnn.nn.rnn.RnnTestSupport.var;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link Bidirectional}: realignment, merge modes, lengths, and agreement with the stock bidirectional layers. */
class BidirectionalTest {
    private static final double TOL = 1e-12;

    private static Bidirectional<HiddenState> gru(MergeMode mode, long seed) {
        Rng rng = new Rng(seed);
        return Bidirectional.of(() -> GruCell.builder(3, 4).dtype(F64).rng(rng).build(), mode).returnSequences(true);
    }

    @Test
    void concatIsForwardThenBackwardRealignedToInputTime() {
        Bidirectional<HiddenState> bi = gru(MergeMode.CONCAT, 1);
        Tensor x = RnnTestSupport.data(new Rng(2), 2, 4, 3);
        Tensor y = bi.forward(x);
        assertShape(y, 2, 4, 8);
        GruCell f = (GruCell) bi.forwardLayer().cell(), b = (GruCell) bi.backwardLayer().cell();
        HiddenState sf = f.zeroState(2, F64), sb = b.zeroState(2, F64);
        Tensor[] back = new Tensor[4];
        for (int t = 3; t >= 0; t--) {                            // the backward cell reads x[3], x[2], ...
            sb = b.step(x.select(1, t), sb);
            back[t] = sb.h();                                      // ... and its output at t has seen x[t..3]
        }
        for (int t = 0; t < 4; t++) {
            sf = f.step(x.select(1, t), sf);
            assertClose(Tensor.concat(1, sf.h(), back[t]), y.select(1, t), TOL, "step " + t);
        }
        assertEquals(List.of("forward_layer.cell.weight_ih", "forward_layer.cell.weight_hh", "forward_layer.cell.bias_ih",
                "forward_layer.cell.bias_hh", "backward_layer.cell.weight_ih", "backward_layer.cell.weight_hh",
                "backward_layer.cell.bias_ih", "backward_layer.cell.bias_hh"), List.copyOf(bi.namedParameters().keySet()));
    }

    @ParameterizedTest
    @EnumSource(MergeMode.class)
    void mergeModes(MergeMode mode) {
        Bidirectional<HiddenState> bi = gru(mode, 3);
        Tensor x = RnnTestSupport.data(new Rng(4), 2, 5, 3);
        BidirectionalResult<HiddenState> r = bi.forward(x, new int[] {5, 3}, null, null);
        Tensor f = r.forwardOutput(), b = r.backwardOutput();
        assertShape(f, 2, 5, 4);
        assertShape(b, 2, 5, 4);
        switch (mode) {
            case CONCAT: assertClose(Tensor.concat(2, f, b), r.output(), TOL, "concat"); break;
            case SUM: assertClose(f.add(b), r.output(), TOL, "sum"); break;
            case MUL: assertClose(f.mul(b), r.output(), TOL, "mul"); break;
            case AVERAGE: assertClose(f.add(b).mul(0.5), r.output(), TOL, "average"); break;
            case NONE:
                assertNull(r.output());
                assertThrows(IllegalStateException.class, () -> bi.forward(x));
                break;
            default: throw new AssertionError(mode);
        }
    }

    @Test
    void lastOutputsAreBothFinalStates() {
        Bidirectional<HiddenState> bi = gru(MergeMode.CONCAT, 5).returnSequences(false);
        Tensor x = RnnTestSupport.data(new Rng(6), 3, 4, 3);
        int[] lengths = {2, 4, 1};
        BidirectionalResult<HiddenState> r = bi.forward(x, lengths, null, null);
        assertShape(r.output(), 3, 8);
        BidirectionalResult<HiddenState> seq = gru(MergeMode.CONCAT, 5).forward(x, lengths, null, null);
        for (int b = 0; b < 3; b++) {
            assertClose(seq.forwardOutput().data().select(0, b).select(0, lengths[b] - 1), r.forwardOutput().data().select(0, b),
                    TOL, "forward: last valid step");
            assertClose(seq.backwardOutput().data().select(0, b).select(0, 0), r.backwardOutput().data().select(0, b),
                    TOL, "backward: step 0");
        }
    }

    /** A Bidirectional over LstmCells sharing the stock layer's parameters computes what torch.nn.LSTM(bidirectional) does. */
    @Test
    void equalsTheStockBidirectionalLstm() {
        Lstm stock = Lstm.builder(3, 4).bidirectional(true).dtype(F64).rng(new Rng(7)).path(RnnBase.Path.READABLE).build();
        Bidirectional<LstmState> bi = new Bidirectional<>(stock.cell(0, false), stock.cell(0, true), MergeMode.CONCAT)
                .returnSequences(true);
        Tensor x = RnnTestSupport.data(new Rng(8), 3, 5, 3);
        int[] lengths = {5, 2, 4};
        RnnOutput o = stock.forward(x, null, null, lengths);
        BidirectionalResult<LstmState> r = bi.forward(x, lengths, null, null);
        assertClose(o.output(), r.output(), TOL, "output");
        assertClose(o.hN().select(0, 0), r.forwardState().h(), TOL, "forward h");
        assertClose(o.cN().select(0, 1), r.backwardState().c(), TOL, "reverse c");
    }

    @Test
    void paddedBatchEqualsEachSequenceAlone() {
        Bidirectional<HiddenState> bi = gru(MergeMode.CONCAT, 9);
        int[] lengths = {3, 5, 1};
        NdArray x = NdArray.randn(new Rng(10), F64, 0, 1, 3, 5, 3);
        BidirectionalResult<HiddenState> batch = bi.forward(Tensor.constant(x), lengths, null, null);
        for (int b = 0; b < 3; b++) {
            BidirectionalResult<HiddenState> alone = bi.forward(Tensor.constant(sequence(x, b, lengths[b])), null, null, null);
            assertClose(batch.output().data().slice(0, b, b + 1).slice(1, 0, lengths[b]), alone.output().data(), TOL, "seq " + b);
            assertEquals(0, batch.output().data().slice(0, b, b + 1).slice(1, lengths[b], 5).sumOfSquares());
            assertClose(batch.backwardState().h().data().slice(0, b, b + 1), alone.backwardState().h().data(), TOL, "state");
        }
    }

    @Test
    void gradientsWithLengthsMatchCentralDifferences() {
        Rng rng = new Rng(11);
        Bidirectional<LstmState> bi = Bidirectional.of(() -> LstmCell.builder(2, 3).dtype(F64).rng(rng).build(),
                MergeMode.MUL).returnSequences(true);
        Tensor x = var(rng, 2, 3, 2);
        List<Tensor> wrt = new ArrayList<>(bi.parameters());
        wrt.add(x);
        GradCheck.assertMatches(() -> bi.forward(x, new int[] {3, 2}, null, null).output(), wrt);
    }

    @Test
    void misuseIsRejected() {
        GruCell cell = new GruCell(3, 4, new Rng(0));
        assertMessageContains(assertThrows(IllegalArgumentException.class,
                () -> new Bidirectional<>(cell, cell, MergeMode.CONCAT)), "the two directions need their own cells");
        assertMessageContains(assertThrows(IllegalArgumentException.class,
                () -> new Bidirectional<>(cell, new GruCell(3, 5, new Rng(0)), MergeMode.SUM)), "SUM needs equal output sizes");
    }
}
