package dev.jrnn.train;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.Losses;
import dev.jrnn.nn.Module;
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
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Chunking of the stream, truncated BPTT against full BPTT on a small LSTM language model (float64), and training
 * through the {@link Trainer} from a corpus in memory and from the same corpus streamed from disk.
 */
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
    static final class Lm extends Module {
        final Lstm rnn;
        final Linear head;

        Lm() {
            Rng rng = new Rng(9);
            rnn = registerModule("rnn", Lstm.builder(V, H).dtype(DType.FLOAT64).rng(rng).build());
            head = registerModule("head", new Linear(H, V, true, DType.FLOAT64, rng));
        }

        /** The chunks of {@code stream} as the trainer's steps, the LSTM state carried. */
        StepSource steps(ChunkSource stream) {
            return StepSource.chunks(stream, this::step, ts -> new LstmState(ts.get(0), ts.get(1)));
        }

        TruncatedBptt.Result<RnnState> step(TruncatedBptt.Chunk c, RnnState state) {
            NdArray x = NdArray.zeros(DType.FLOAT64, c.batch(), c.length(), V);      // one-hot [B, k, V]
            for (int i = 0; i < c.inputs().length; i++) x.setFlat(i * V + c.inputs()[i], 1);
            LstmState s = (LstmState) state;
            RnnOutput out = rnn.forward(Tensor.constant(x), s == null ? null : s.h(), s == null ? null : s.c(), null);
            Tensor logits = head.forward(out.output());                               // [B, k, V]
            return new TruncatedBptt.Result<>(Losses.sequenceCrossEntropy(logits, c.targets(), null), out.state());
        }

        /**
         * One pass over {@code stream} through its step source, only accumulating the gradients (no update, so that
         * they can be compared); returns the token-weighted mean loss.
         */
        double accumulate(ChunkSource stream) {
            StepSource steps = steps(stream);
            steps.startEpoch(null);
            double sum = 0, weight = 0;
            for (int i = 0; i < steps.steps(); i++) {
                StepOutput o = steps.step(i, true);
                o.loss().backward();
                sum += o.loss().item() * o.weight();
                weight += o.weight();
            }
            assertEquals(2, steps.carried().size(), "the LSTM's h and c are carried");
            return sum / weight;
        }

        double[][] grads() {
            List<Parameter> ps = parameters();
            double[][] g = new double[ps.size()][];
            for (int i = 0; i < g.length; i++) g[i] = ps.get(i).grad().toDoubleArray();
            return g;
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
        assertEquals(fullLoss.item(), lm.accumulate(exact), 1e-14, "token-weighted mean of one chunk");
        double[][] tbptt = lm.grads();
        for (int i = 0; i < full.length; i++) assertArrayEquals(full[i], tbptt[i], 0.0, "parameter " + i);
        lm.zeroGrad();

        // shorter chunks: the forward pass sees the same history (same loss), the backward pass is cut
        TruncatedBptt cut = new TruncatedBptt(corpus, 2, 4);
        assertEquals(3, cut.chunks());
        assertEquals(fullLoss.item(), lm.accumulate(cut), 1e-12, "detaching keeps the values");
        double[][] truncated = lm.grads();
        double wHhDiff = 0;
        for (int k = 0; k < full[1].length; k++) wHhDiff = Math.max(wHhDiff, Math.abs(full[1][k] * 3 - truncated[1][k]));
        assertTrue(wHhDiff > 1e-6, "weight_hh gradient must differ once the graph is cut, got " + wHhDiff);
    }

    @Test
    void trainingThroughChunksLowersTheLossAndCarriesState() throws IOException {
        Lm lm = new Lm();
        int[] corpus = new int[200];
        for (int i = 0; i < corpus.length; i++) corpus[i] = i % V;             // a cycle: easy to predict
        TruncatedBptt t = new TruncatedBptt(corpus, 4, 10);
        Sgd sgd = new Sgd(lm.parameters(), new Sgd.Config(0.5, 0.9, false, 0));
        History h = Trainer.builder(lm, sgd).config(Trainer.Config.of(6, 4).withClipNorm(5)).out(null).build()
                .fit(lm.steps(t), null);
        double[] loss = h.values("train_loss");
        assertEquals(6, loss.length);
        assertTrue(loss[5] < loss[0] * 0.5, "loss " + loss[0] + " -> " + loss[5]);
    }

    /** Characters a..d as ids 0..3, the end of a line as 4. */
    private static int[] encode(String line) {
        int[] ids = new int[line.length() + 1];
        for (int i = 0; i < line.length(); i++) ids[i] = line.charAt(i) - 'a';
        ids[line.length()] = V - 1;
        return ids;
    }

    @Test
    void aCorpusStreamedFromDiskTrainsExactlyAsTheSameCorpusInMemory(@TempDir Path dir) throws IOException {
        StringBuilder text = new StringBuilder();
        List<Integer> ids = new ArrayList<>();
        Rng rng = new Rng(5);
        for (int l = 0; l < 30; l++) {
            StringBuilder line = new StringBuilder();
            for (int n = 1 + rng.nextInt(9); n > 0; n--) line.append((char) ('a' + rng.nextInt(4)));
            text.append(line).append('\n');
            for (int id : encode(line.toString())) ids.add(id);
        }
        Path file = dir.resolve("corpus.txt");
        Files.writeString(file, text);
        int[] corpus = ids.stream().mapToInt(Integer::intValue).toArray();

        Map<String, NdArray> inMemory, streamed;
        Lm a = new Lm();
        Trainer.builder(a, new Sgd(a.parameters(), new Sgd.Config(0.3, 0.9, false, 0)))
                .config(Trainer.Config.of(3, 1).withClipNorm(5)).out(null).build()
                .fit(a.steps(new TruncatedBptt(corpus, 1, 7)), null);
        inMemory = a.stateDict();
        Lm b = new Lm();
        try (StreamingCorpus stream = new StreamingCorpus(file, 1, 7, TruncatedBpttTest::encode)) {
            Trainer.builder(b, new Sgd(b.parameters(), new Sgd.Config(0.3, 0.9, false, 0)))
                    .config(Trainer.Config.of(3, 1).withClipNorm(5)).out(null).build()
                    .fit(b.steps(stream), null);
        }
        streamed = b.stateDict();
        assertEquals(inMemory.keySet(), streamed.keySet());
        assertTrue(!java.util.Arrays.equals(new Lm().stateDict().get("head.bias").toDoubleArray(),
                inMemory.get("head.bias").toDoubleArray()), "training changed the weights");
        inMemory.forEach((name, w) -> assertArrayEquals(w.toDoubleArray(), streamed.get(name).toDoubleArray(), 0.0, name));
    }
}
