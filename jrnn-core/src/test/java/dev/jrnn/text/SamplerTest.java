package dev.jrnn.text;

import dev.jrnn.tensor.Rng;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sampling strategy alone, on fixed logits: temperature, top-k, top-p, greedy, the {@code <unk>} ban, seeds. */
class SamplerTest {
    private static final SamplingConfig PLAIN = SamplingConfig.defaults();

    private static double[] randomLogits(Rng rng, int v) {
        double[] z = new double[v];
        for (int i = 0; i < v; i++) z[i] = 3 * rng.nextGaussian();
        return z;
    }

    /** Logits whose softmax is exactly {@code p}. */
    private static double[] logitsOf(double... p) {
        double[] z = new double[p.length];
        for (int i = 0; i < p.length; i++) z[i] = Math.log(p[i]);
        return z;
    }

    private static double[] histogram(Sampler s, double[] logits, int draws, long seed, int unk) {
        Rng rng = new Rng(seed);
        double[] h = new double[logits.length];
        for (int i = 0; i < draws; i++) h[s.next(logits, rng, unk)] += 1.0 / draws;
        return h;
    }

    private static double entropy(double[] p) {
        double e = 0;
        for (double x : p) if (x > 0) e -= x * Math.log(x);
        return e;
    }

    @Test
    void configRejectsOutOfRangeOptionsNamingThem() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PLAIN.withTemperature(0)).getMessage().contains("temperature"));
        assertThrows(IllegalArgumentException.class, () -> PLAIN.withTemperature(-1));
        assertThrows(IllegalArgumentException.class, () -> PLAIN.withTemperature(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> PLAIN.withTemperature(Double.POSITIVE_INFINITY));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PLAIN.withTopK(0)).getMessage().contains("topK"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PLAIN.withTopP(0)).getMessage().contains("topP"));
        assertThrows(IllegalArgumentException.class, () -> PLAIN.withTopP(1.0001));
        assertThrows(IllegalArgumentException.class, () -> PLAIN.withTopP(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> PLAIN.withMaxLength(0));
        SamplingConfig ok = PLAIN.withTemperature(1e-9).withTopK(1).withTopP(1e-9).withMaxLength(1);
        assertEquals(1, ok.topK());
    }

    @Test
    void plainSamplingFollowsTheSoftmax() {
        double[] p = {0.5, 0.25, 0.125, 0.125};
        double[] h = histogram(new Sampler(PLAIN), logitsOf(p), 40_000, 1, LanguageModel.NONE);
        for (int i = 0; i < p.length; i++) assertEquals(p[i], h[i], 0.01, "token " + i);
        assertArrayEquals(p, new Sampler(PLAIN).distribution(logitsOf(p), LanguageModel.NONE), 1e-12);
    }

    @Test
    void theSameSeedGivesTheSameDraws() {
        double[] z = randomLogits(new Rng(3), 30);
        Sampler s = new Sampler(PLAIN.withTopP(0.9).withTemperature(1.3));
        int[] a = new int[200], b = new int[200], c = new int[200];
        Rng ra = new Rng(42), rb = new Rng(42), rc = new Rng(43);
        for (int i = 0; i < 200; i++) {
            a[i] = s.next(z, ra, LanguageModel.NONE);
            b[i] = s.next(z, rb, LanguageModel.NONE);
            c[i] = s.next(z, rc, LanguageModel.NONE);
        }
        assertArrayEquals(a, b);
        assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(c));
    }

    @Test
    void temperatureTowardsZeroIsGreedy() {
        Rng rng = new Rng(5);
        Sampler cold = new Sampler(PLAIN.withTemperature(1e-6));
        Sampler greedy = new Sampler(SamplingConfig.greedyDecoding());
        for (int trial = 0; trial < 200; trial++) {
            double[] z = randomLogits(rng, 1 + trial % 40);
            int best = greedy.next(z, null, LanguageModel.NONE);
            for (int k = 0; k < 5; k++) assertEquals(best, cold.next(z, rng, LanguageModel.NONE));
            assertEquals(1.0, cold.distribution(z, LanguageModel.NONE)[best], 1e-12);
        }
    }

    @Test
    void higherTemperatureGivesMoreEntropy() {
        double[] z = randomLogits(new Rng(8), 12);
        double previous = -1;
        for (double t : new double[] {0.25, 0.5, 1, 2, 4}) {
            double h = entropy(histogram(new Sampler(PLAIN.withTemperature(t)), z, 20_000, 11, LanguageModel.NONE));
            assertTrue(h > previous + 0.05, "entropy at temperature " + t + " is " + h + ", not above " + previous);
            previous = h;
        }
        assertTrue(previous < Math.log(12) + 1e-9);
    }

    @Test
    void topKNeverLeavesTheKMostProbable() {
        Rng rng = new Rng(13);
        for (int k : new int[] {1, 2, 5, 19, 20, 50}) {
            double[] z = randomLogits(rng, 20);
            Integer[] order = new Integer[20];
            for (int i = 0; i < 20; i++) order[i] = i;
            java.util.Arrays.sort(order, (a, b) -> Double.compare(z[b], z[a]));
            Set<Integer> top = new HashSet<>();
            for (int r = 0; r < Math.min(k, 20); r++) top.add(order[r]);
            Sampler s = new Sampler(PLAIN.withTopK(k).withTemperature(3));   // flat: the tail would be drawn often
            double[] p = s.distribution(z, LanguageModel.NONE);
            for (int i = 0; i < 20; i++) assertEquals(top.contains(i), p[i] > 0, "k=" + k + ", token " + i);
            for (int d = 0; d < 2000; d++) assertTrue(top.contains(s.next(z, rng, LanguageModel.NONE)), "k=" + k);
        }
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        double[] z = logitsOf(0.05, 0.5, 0.15, 0.2, 0.1);                 // sorted: 1 (.5), 3 (.2), 2 (.15), 4 (.1), 0 (.05)
        double[] p80 = new Sampler(PLAIN.withTopP(0.8)).distribution(z, LanguageModel.NONE);
        assertArrayEquals(new double[] {0, 0.5 / 0.85, 0.15 / 0.85, 0.2 / 0.85, 0}, p80, 1e-12);
        double[] p70 = new Sampler(PLAIN.withTopP(0.7)).distribution(z, LanguageModel.NONE);   // .5 + .2 reaches .7 exactly
        assertArrayEquals(new double[] {0, 0.5 / 0.7, 0, 0.2 / 0.7, 0}, p70, 1e-12);
        double[] p40 = new Sampler(PLAIN.withTopP(0.4)).distribution(z, LanguageModel.NONE);
        assertArrayEquals(new double[] {0, 1, 0, 0, 0}, p40, 0);
        assertArrayEquals(new double[] {0.05, 0.5, 0.15, 0.2, 0.1},
                new Sampler(PLAIN.withTopP(1)).distribution(z, LanguageModel.NONE), 1e-12);

        Rng rng = new Rng(17);                                             // the property, on random logits
        for (int trial = 0; trial < 300; trial++) {
            double[] zz = randomLogits(rng, 2 + trial % 30);
            double p = 0.05 + 0.9 * rng.nextDouble();
            double[] full = Sampler.softmax(zz, 1);
            double[] kept = new Sampler(PLAIN.withTopP(p)).distribution(zz, LanguageModel.NONE);
            double mass = 0, smallestKept = 1, largestDropped = 0;
            for (int i = 0; i < zz.length; i++) {
                if (kept[i] > 0) {
                    mass += full[i];
                    smallestKept = Math.min(smallestKept, full[i]);
                } else {
                    largestDropped = Math.max(largestDropped, full[i]);
                }
            }
            assertTrue(mass >= p - 1e-9, "kept mass " + mass + " < p = " + p);
            assertTrue(mass - smallestKept < p, "not the smallest set: without its least token it still has " + (mass - smallestKept));
            assertTrue(smallestKept >= largestDropped, "kept a less probable token than one it dropped");
        }
    }

    @Test
    void topKThenTopPOnTheRenormalisedTopK() {
        double[] z = logitsOf(0.4, 0.3, 0.2, 0.1);
        // top-2 renormalised: .4/.7 = .571, .3/.7 = .429; p = .6 needs both
        double[] p = new Sampler(PLAIN.withTopK(2).withTopP(0.6)).distribution(z, LanguageModel.NONE);
        assertArrayEquals(new double[] {0.4 / 0.7, 0.3 / 0.7, 0, 0}, p, 1e-12);
    }

    @Test
    void unkIsNeverEmittedWhenResampling() {
        int unk = 2;
        double[] z = logitsOf(0.1, 0.2, 0.6, 0.1);                         // <unk> is the most probable
        Sampler s = new Sampler(PLAIN.withResampleUnk(true));
        double[] h = histogram(s, z, 20_000, 3, unk);
        assertEquals(0, h[unk]);
        assertEquals(0.25, h[0], 0.015);                                  // the rest keep their proportions: .1/.4
        assertEquals(0.5, h[1], 0.015);
        assertTrue(histogram(new Sampler(PLAIN), z, 2000, 3, unk)[unk] > 0.5, "without the ban <unk> is drawn");
        assertEquals(1, new Sampler(SamplingConfig.greedyDecoding().withResampleUnk(true)).next(z, null, unk));
        assertEquals(unk, new Sampler(SamplingConfig.greedyDecoding()).next(z, null, unk));
        // <unk> the only top-k candidate: the best other token is taken
        Sampler top1 = new Sampler(PLAIN.withTopK(1).withResampleUnk(true));
        for (int i = 0; i < 50; i++) assertEquals(1, top1.next(z, new Rng(i), unk));
    }

    @Test
    void badLogitsAreRejected() {
        Sampler s = new Sampler(PLAIN);
        assertThrows(IllegalArgumentException.class, () -> s.next(new double[] {0, Double.NaN}, new Rng(0), -1));
        assertThrows(IllegalArgumentException.class, () -> s.next(new double[0], new Rng(0), -1));
        double inf = Double.NEGATIVE_INFINITY;
        assertThrows(IllegalArgumentException.class, () -> s.next(new double[] {inf, inf}, new Rng(0), -1));
        assertEquals(1, s.next(new double[] {inf, 0, inf}, new Rng(0), -1));   // -inf: a token that never comes
        double[] huge = {1e4, 1e4 - 1, -1e4};                                 // max-shifted: no overflow
        double[] p = s.distribution(huge, -1);
        assertEquals(1 / (1 + Math.exp(-1)), p[0], 1e-12);
    }
}
