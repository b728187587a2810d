package dev.jrnn.train;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.Losses;
import dev.jrnn.nn.Parameter;
import dev.jrnn.nn.rnn.LstmState;
import dev.jrnn.nn.rnn.Lstm;
import dev.jrnn.nn.rnn.RnnOutput;
import dev.jrnn.nn.rnn.RnnState;
import dev.jrnn.optim.Sgd;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Chunking of the stream, and truncated BPTT against full BPTT on a small LSTM language model (float64). */
class TruncatedBpttTest {
    private static final int V = 5, H = 6;

    @Test
    void streamsAreCutSideBySideAndTargetsShiftedByOne() {
        int[] corpus = new int[21];
        for (int i = 0; i < 21; i++) corpus[i] = i;
        TruncatedBptt t = new TruncatedBptt(corpus, 2, 4);   // streams 0..9 and 10..19, token 20 dropped
        assertEquals(10, t.streamLength());
        assertEquals(3, t.chunks(), "9 input steps in chunks of 4: 4, 4, 1");
        TruncatedBptt.Chunk c0 = t.chunk(0);
        assertArrayEquals(new int[] {0, 1, 2, 3, 10, 11, 12, 13}, c0.inputs());
        assertArrayEquals(new int[] {1, 2, 3, 4, 11, 12, 13, 14}, c0.targets());
        TruncatedBptt.Chunk c2 = t.chunk(2);
        assertEquals(1, c2.length());
        assertArrayEquals(new int[] {8, 18}, c2.inputs());
        assertArrayEquals(new int[] {9, 19}, c2.targets());
        assertThrows(IllegalArgumentException.class, () -> new TruncatedBptt(new int[3], 2, 4));
    }

    /** A tiny LSTM language model over one-hot inputs. */
    private static final class Lm {
        final Lstm rnn;
        final Linear head;

        Lm() {
            Rng rng = new Rng(9);
            rnn = Lstm.builder(V, H).dtype(DType.FLOAT64).rng(rng).build();
            head = new Linear(H, V, true, DType.FLOAT64, rng);
        }

        List<Parameter> parameters() {
            List<Parameter> ps = new ArrayList<>(rnn.parameters());
            ps.addAll(head.parameters());
            return ps;
        }

        TruncatedBptt.Result<RnnState> step(TruncatedBptt.Chunk c, RnnState state) {
            NdArray x = NdArray.zeros(DType.FLOAT64, c.batch(), c.length(), V);      // one-hot [B, k, V]
            for (int i = 0; i < c.inputs().length; i++) x.setFlat(i * V + c.inputs()[i], 1);
            LstmState s = (LstmState) state;
            RnnOutput out = rnn.forward(Tensor.constant(x), s == null ? null : s.h(), s == null ? null : s.c(), null);
            Tensor logits = head.forward(out.output());                               // [B, k, V]
            return new TruncatedBptt.Result<>(Losses.sequenceCrossEntropy(logits, c.targets(), null), out.state());
        }

        double[][] grads() {
            List<Parameter> ps = parameters();
            double[][] g = new double[ps.size()][];
            for (int i = 0; i < g.length; i++) g[i] = ps.get(i).grad().toDoubleArray();
            return g;
        }

        void zeroGrad() {
            for (Parameter p : parameters()) p.zeroGrad();
        }
    }

    private static int[] corpus() {
        Rng rng = new Rng(4);
        int[] c = new int[2 * 13];
        for (int i = 0; i < c.length; i++) c[i] = rng.nextInt(V);
        return c;
    }

    @Test
    void chunkLengthEqualToTheSequenceGivesExactlyFullBpttGradients() {
        Lm lm = new Lm();
        int[] corpus = corpus();
        // full BPTT, written out directly: the whole stream (12 input steps) in one forward and one backward
        TruncatedBptt whole = new TruncatedBptt(corpus, 2, 1000);
        TruncatedBptt.Chunk all = whole.chunk(0);
        assertEquals(12, all.length());
        Tensor fullLoss = lm.step(all, null).loss();
        fullLoss.backward();
        double[][] full = lm.grads();
        lm.zeroGrad();

        TruncatedBptt exact = new TruncatedBptt(corpus, 2, 12);
        assertEquals(1, exact.chunks());
        var summary = exact.run(lm::step, null, null, 0);
        assertEquals(fullLoss.item(), summary.meanLoss(), 1e-14, "token-weighted mean of one chunk");
        double[][] tbptt = lm.grads();
        for (int i = 0; i < full.length; i++) assertArrayEquals(full[i], tbptt[i], 0.0, "parameter " + i);
        lm.zeroGrad();

        // shorter chunks: the forward pass sees the same history (same loss), the backward pass is cut
        TruncatedBptt cut = new TruncatedBptt(corpus, 2, 4);
        var cutSummary = cut.run(lm::step, null, null, 0);
        assertEquals(3, cutSummary.chunks());
        assertEquals(fullLoss.item(), cutSummary.meanLoss(), 1e-12, "detaching keeps the values");
        double[][] truncated = lm.grads();
        double wHhDiff = 0;
        for (int k = 0; k < full[1].length; k++) wHhDiff = Math.max(wHhDiff, Math.abs(full[1][k] * 3 - truncated[1][k]));
        assertTrue(wHhDiff > 1e-6, "weight_hh gradient must differ once the graph is cut, got " + wHhDiff);
        assertTrue(cutSummary.finalState() instanceof LstmState);
        assertTrue(!cutSummary.finalState().h().requiresGrad(), "the carried state is detached");
    }

    @Test
    void trainingThroughChunksLowersTheLossAndCarriesState() {
        Lm lm = new Lm();
        int[] corpus = new int[200];
        for (int i = 0; i < corpus.length; i++) corpus[i] = i % V;             // a cycle: easy to predict
        TruncatedBptt t = new TruncatedBptt(corpus, 4, 10);
        Sgd sgd = new Sgd(lm.parameters(), new Sgd.Config(0.5, 0.9, false, 0));
        double first = t.run(lm::step, null, sgd, 5).meanLoss();
        double last = first;
        RnnState carried = null;
        for (int e = 0; e < 5; e++) {
            var s = t.run(lm::step, carried, sgd, 5);
            last = s.meanLoss();
            carried = null;   // a new pass over the same stream starts from zeros
        }
        assertTrue(last < first * 0.5, "loss " + first + " -> " + last);
    }
}
