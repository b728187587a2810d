package dev.jrnn.text;

import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.tensor.Rng;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Beam search on hand-made models (next-token tables over the prefix) where the answer is known, against
 * greedy decoding and exhaustive search, and on {@link Seq2Seq}.
 */
class BeamSearchTest {
    private static final int A = 0, B = 1, EOS = 2;

    /** A model whose state is the prefix itself and whose next-token distribution is {@code table(prefix)}. */
    private static final class TableModel implements BeamSearch.Model<List<Integer>> {
        final Function<List<Integer>, double[]> table;
        int advanceCalls;

        TableModel(Function<List<Integer>, double[]> table) {
            this.table = table;
        }

        private BeamSearch.Step<List<Integer>> stepAfter(List<Integer> prefix) {
            double[] p = table.apply(prefix);
            double[] lp = new double[p.length];
            for (int i = 0; i < p.length; i++) lp[i] = Math.log(p[i]);   // ln 0 = -inf: impossible
            return new BeamSearch.Step<>(lp, prefix);
        }

        @Override
        public BeamSearch.Step<List<Integer>> start() {
            return stepAfter(List.of());
        }

        @Override
        public List<BeamSearch.Step<List<Integer>>> advance(List<List<Integer>> states, int[] tokens) {
            advanceCalls++;
            List<BeamSearch.Step<List<Integer>>> out = new ArrayList<>();
            for (int i = 0; i < tokens.length; i++) {
                List<Integer> next = new ArrayList<>(states.get(i));
                next.add(tokens[i]);
                out.add(stepAfter(List.copyOf(next)));
            }
            return out;
        }
    }

    /**
     * Greedy takes A (0.6) but every continuation of A is weak (at most 0.35); B (0.4) is followed by &lt;eos&gt; with 0.9.
     * Greedy: A A &lt;eos&gt;, P = 0.6·0.35·1 = 0.21. Best: B &lt;eos&gt;, P = 0.4·0.9 = 0.36.
     */
    private static TableModel greedyTrap() {
        return new TableModel(prefix -> {
            if (prefix.isEmpty()) return new double[] {0.6, 0.4, 0};
            if (prefix.equals(List.of(A))) return new double[] {0.35, 0.35, 0.3};
            if (prefix.equals(List.of(B))) return new double[] {0.05, 0.05, 0.9};
            return new double[] {0, 0, 1};
        });
    }

    @Test
    void beamSearchFindsAMoreProbableSequenceThanGreedy() {
        BeamSearch.Hypothesis greedy = BeamSearch.greedy(greedyTrap(), EOS, 10);
        assertArrayEquals(new int[] {A, A}, greedy.tokens());                      // A-A tie: the lower id
        assertEquals(Math.log(0.21), greedy.logProbability(), 1e-12);

        List<BeamSearch.Hypothesis> beam = BeamSearch.search(greedyTrap(), BeamSearchConfig.of(2, 10).withEos(EOS));
        assertArrayEquals(new int[] {B}, beam.get(0).tokens());
        assertEquals(Math.log(0.36), beam.get(0).logProbability(), 1e-12);
        assertTrue(beam.get(0).logProbability() > greedy.logProbability());
        assertTrue(beam.get(0).finished());
        assertEquals(2, beam.size());                                             // the beam of 2 finished two
        assertArrayEquals(new int[] {A, A}, beam.get(1).tokens());
    }

    @Test
    void aBeamOfOneIsGreedy() {
        Rng seeds = new Rng(1);
        for (int trial = 0; trial < 200; trial++) {
            long seed = seeds.nextLong();
            int v = 2 + trial % 5;
            TableModel m = randomModel(seed, v, 0.15);
            BeamSearch.Hypothesis greedy = BeamSearch.greedy(m, EOS % v, 8);
            List<BeamSearch.Hypothesis> beam = BeamSearch.search(randomModel(seed, v, 0.15), BeamSearchConfig.of(1, 8).withEos(EOS % v));
            assertEquals(1, beam.size());
            assertArrayEquals(greedy.tokens(), beam.get(0).tokens(), "trial " + trial);
            assertEquals(greedy.finished(), beam.get(0).finished());
            assertEquals(greedy.logProbability(), beam.get(0).logProbability(), 1e-12);
        }
    }

    /** Next-token distributions drawn at random for every prefix (the same prefix always gets the same one). */
    private static TableModel randomModel(long seed, int v, double eosBoost) {
        return new TableModel(prefix -> {
            Rng r = new Rng(seed * 31 + prefix.hashCode());
            double[] p = new double[v];
            double total = 0;
            for (int i = 0; i < v; i++) total += p[i] = r.nextDouble() + (i == EOS % v ? eosBoost : 0);
            for (int i = 0; i < v; i++) p[i] /= total;
            return p;
        });
    }

    @Test
    void aWideEnoughBeamIsExhaustiveSearch() {
        Rng seeds = new Rng(2);
        for (int trial = 0; trial < 30; trial++) {
            long seed = seeds.nextLong();
            int v = 3, maxLength = 4;
            TableModel m = randomModel(seed, v, 0);
            double[] best = {Double.NEGATIVE_INFINITY};
            int[][] bestTokens = {null};
            enumerate(m, new ArrayList<>(), 0, maxLength, best, bestTokens);       // every sequence, finished or cut
            BeamSearch.Hypothesis h = BeamSearch.search(m, BeamSearchConfig.of(200, maxLength).withEos(EOS)).get(0);
            assertEquals(best[0], h.logProbability(), 1e-12, "trial " + trial);
            assertArrayEquals(bestTokens[0], h.tokens());
        }
    }

    private static void enumerate(TableModel m, List<Integer> prefix, double logP, int maxLength, double[] best, int[][] bestTokens) {
        double[] p = m.table.apply(List.copyOf(prefix));
        for (int v = 0; v < p.length; v++) {
            double lp = logP + Math.log(p[v]);
            if (v == EOS || prefix.size() + 1 == maxLength) {
                List<Integer> done = new ArrayList<>(prefix);
                if (v != EOS) done.add(v);
                if (lp > best[0]) {
                    best[0] = lp;
                    bestTokens[0] = done.stream().mapToInt(Integer::intValue).toArray();
                }
            } else {
                prefix.add(v);
                enumerate(m, prefix, lp, maxLength, best, bestTokens);
                prefix.remove(prefix.size() - 1);
            }
        }
    }

    @Test
    void lengthNormalisationCanPreferTheLongerOutput() {
        // <eos> at once: P = 0.5 (n = 1).  A then <eos>: P = 0.5 · 0.9 = 0.45 (n = 2).
        TableModel m = new TableModel(prefix -> prefix.isEmpty() ? new double[] {0.5, 0, 0.5} : new double[] {0.1, 0, 0.9});
        BeamSearchConfig beam = BeamSearchConfig.of(2, 5).withEos(EOS);
        assertArrayEquals(new int[0], BeamSearch.search(m, beam).get(0).tokens());            // ln .5 > ln .45
        BeamSearch.Hypothesis normalised = BeamSearch.search(m, beam.withLengthPenalty(1)).get(0);
        assertArrayEquals(new int[] {A}, normalised.tokens());                                // ln .45 / 2 > ln .5 / 1
        assertEquals(Math.log(0.45) / 2, normalised.score(), 1e-12);
        assertEquals(Math.log(0.45), normalised.logProbability(), 1e-12);
    }

    @Test
    void hypothesesAreCutAtMaxLengthAndTheBeamRunsAsOneBatchPerStep() {
        TableModel m = randomModel(9, 4, 0);
        List<BeamSearch.Hypothesis> noEos = BeamSearch.search(m, BeamSearchConfig.of(3, 6));   // eos NONE: never finishes
        assertEquals(3, noEos.size());
        for (BeamSearch.Hypothesis h : noEos) {
            assertEquals(6, h.tokens().length);
            assertFalse(h.finished());
        }
        assertEquals(5, m.advanceCalls, "one advance call per step after the first, for the whole beam");
        for (int i = 1; i < noEos.size(); i++) assertTrue(noEos.get(i - 1).score() >= noEos.get(i).score());
    }

    @Test
    void configIsValidated() {
        assertThrows(IllegalArgumentException.class, () -> BeamSearchConfig.of(0, 5));
        assertThrows(IllegalArgumentException.class, () -> BeamSearchConfig.of(2, 0));
        assertThrows(IllegalArgumentException.class, () -> BeamSearchConfig.of(2, 5).withLengthPenalty(-0.1));
        assertThrows(IllegalArgumentException.class, () -> BeamSearchConfig.of(2, 5).withLengthPenalty(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> BeamSearchConfig.of(2, 5).withEos(-2));
        assertThrows(IllegalArgumentException.class, () -> BeamSearch.greedy(greedyTrap(), EOS, 0));
    }

    @Test
    void seq2SeqBeamOfOneIsItsGreedyDecoding() {
        Rng rng = new Rng(4);
        for (CellType cell : new CellType[] {CellType.LSTM, CellType.GRU,
                CellType.RNN_TANH}) {
            for (long seed = 0; seed < 3; seed++) {
                Seq2Seq m = Seq2SeqTest.smallModel(cell, seed);
                m.namedParameters().get("output.bias").data().set(1.0, Seq2SeqTest.EOS);   // a mix of finished and cut
                for (int i = 0; i < 5; i++) {
                    int[] source = Seq2SeqTest.randomDigits(rng, 1, 6);
                    int[] greedy = m.greedy(source, 8);
                    BeamSearch.Hypothesis one = m.beamSearch(source, BeamSearchConfig.of(1, 8)).get(0);
                    assertArrayEquals(greedy, one.tokens(), cell + " seed " + seed + " source " + Arrays.toString(source));
                    if (one.finished()) {
                        assertEquals(m.logProbability(source, one.tokens()), one.logProbability(), 1e-10);
                    }
                    BeamSearch.Hypothesis wide = m.beamSearch(source, BeamSearchConfig.of(4, 8)).get(0);
                    if (wide.finished()) {
                        assertEquals(m.logProbability(source, wide.tokens()), wide.logProbability(), 1e-10);
                    }
                }
            }
        }
    }
}
