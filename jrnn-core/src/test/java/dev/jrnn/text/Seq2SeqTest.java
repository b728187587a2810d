package dev.jrnn.text;

import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Parameter;
import dev.jrnn.optim.Adam;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.Rng;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The encoder–decoder: teacher-forced loss with padding masked out, the chain rule, batched greedy decoding,
 * and a tiny task (reversing digit strings) learnt in seconds.
 */
class Seq2SeqTest {
    static final int DIGITS = 10, BOS = 10, EOS = 11;

    static Seq2Seq smallModel(CellType cell, long seed) {
        return new Seq2Seq(Seq2SeqConfig.of(DIGITS, DIGITS + 2, 6, 8, BOS, EOS).withCell(cell).withLayers(2)
                .withDType(DType.FLOAT64).withSeed(seed));
    }

    static int[] randomDigits(Rng rng, int minLength, int maxLength) {
        int[] s = new int[minLength + rng.nextInt(maxLength - minLength + 1)];
        for (int i = 0; i < s.length; i++) s[i] = rng.nextInt(DIGITS);
        return s;
    }

    static int[] reversed(int[] s) {
        int[] r = new int[s.length];
        for (int i = 0; i < s.length; i++) r[i] = s[s.length - 1 - i];
        return r;
    }

    @Test
    void paddedBatchLossIsTheTokenWeightedMeanOfEachPairAlone() {
        for (CellType cell : new CellType[] {CellType.LSTM, CellType.GRU}) {
            Seq2Seq m = smallModel(cell, 4);
            List<int[]> src = List.of(new int[] {1, 2, 3, 4, 5}, new int[] {7}, new int[] {0, 9});
            List<int[]> tgt = List.of(new int[] {3}, new int[] {8, 8, 8, 2}, new int[0]);
            double weighted = 0, tokens = 0;
            for (int b = 0; b < 3; b++) {
                double alone = m.loss(List.of(src.get(b)), List.of(tgt.get(b))).item();
                int n = tgt.get(b).length + 1;                                      // the targets and <eos>
                weighted += n * alone;
                tokens += n;
                assertEquals(-n * alone, m.logProbability(src.get(b), tgt.get(b)), 1e-12, "chain rule, pair " + b);
            }
            assertEquals(weighted / tokens, m.loss(src, tgt).item(), 1e-12, cell.name());
            assertArrayEquals(new int[] {3, 5, DIGITS + 2}, m.teacherForcedLogits(src, tgt).shape());   // T = 4 + 1
        }
    }

    @Test
    void gradientsReachTheEncoderThroughTheInitialState() {
        Seq2Seq m = smallModel(CellType.LSTM, 1);
        Tensor loss = m.loss(List.of(new int[] {1, 2, 3}, new int[] {4}), List.of(new int[] {3, 2, 1}, new int[] {4}));
        loss.backward();
        for (var e : m.namedParameters().entrySet()) {
            Parameter p = e.getValue();
            assertTrue(p.grad() != null && p.grad().sumOfSquares() > 0, "no gradient for " + e.getKey());
        }
        assertTrue(m.namedParameters().containsKey("encoder.weight_ih_l0"));
        assertTrue(m.namedParameters().containsKey("decoder.weight_hh_l1"));
    }

    @Test
    void batchedGreedyEqualsDecodingEachSourceAlone() {
        Seq2Seq m = smallModel(CellType.GRU, 2);
        m.namedParameters().get("output.bias").data().set(0.8, EOS);           // some outputs end early
        Rng rng = new Rng(5);
        List<int[]> sources = new ArrayList<>();
        for (int i = 0; i < 12; i++) sources.add(randomDigits(rng, 1, 6));
        List<int[]> batched = m.greedy(sources, 9);
        for (int i = 0; i < sources.size(); i++) assertArrayEquals(m.greedy(sources.get(i), 9), batched.get(i), "source " + i);
    }

    @Test
    void argumentsAreChecked() {
        Seq2Seq m = smallModel(CellType.LSTM, 1);
        assertThrows(IllegalArgumentException.class, () -> m.loss(List.of(new int[] {1}), List.of()));
        assertThrows(IllegalArgumentException.class, () -> m.loss(List.of(new int[0]), List.of(new int[] {1})));
        assertThrows(IllegalArgumentException.class, () -> m.greedy(new int[] {1}, 0));
        assertThrows(IllegalArgumentException.class, () -> Seq2SeqConfig.of(10, 12, 4, 4, 11, 11));
        assertThrows(IllegalArgumentException.class, () -> Seq2SeqConfig.of(10, 12, 4, 4, 10, 12));
    }

    @Test
    void learnsToReverseDigitStringsInSeconds() {
        Seq2Seq m = new Seq2Seq(Seq2SeqConfig.of(DIGITS, DIGITS + 2, 16, 64, BOS, EOS).withSeed(7));
        Adam adam = new Adam(m.parameters(), Adam.Config.adam(0.01));
        Rng data = new Rng(11);
        List<int[]> testSrc = new ArrayList<>(), testTgt = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            int[] s = randomDigits(data, 1, 5);
            testSrc.add(s);
            testTgt.add(reversed(s));
        }
        long start = System.nanoTime();
        double accuracy = 0;
        int step = 0;
        while (accuracy < 0.97 && step < 600) {                                  // a step budget, not a clock: same result under load
            List<int[]> src = new ArrayList<>(), tgt = new ArrayList<>();
            for (int b = 0; b < 32; b++) {
                int[] s = randomDigits(data, 1, 5);
                src.add(s);
                tgt.add(reversed(s));
            }
            double loss = m.trainBatch(src, tgt, adam, 1.0);
            step++;
            if (step % 50 == 0) {
                accuracy = m.exactMatch(testSrc, testTgt, 7);
                System.out.printf("reverse: step %d  loss %.4f  exact match %.3f  %.1fs%n", step, loss, accuracy,
                        (System.nanoTime() - start) / 1e9);
            }
        }
        assertTrue(accuracy >= 0.95, "exact match " + accuracy + " after " + step + " steps");
        assertArrayEquals(new int[] {5, 4, 3, 2, 1}, m.greedy(new int[] {1, 2, 3, 4, 5}, 7));
        BeamSearch.Hypothesis best = m.beamSearch(new int[] {9, 0, 7}, BeamSearchConfig.of(3, 7)).get(0);
        assertArrayEquals(new int[] {7, 0, 9}, best.tokens());
        assertTrue(best.finished());
    }
}
