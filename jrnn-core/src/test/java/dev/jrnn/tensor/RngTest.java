package dev.jrnn.tensor;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RngTest {

    @Test
    void matchesTheSplitMix64ReferenceOutputs() {
        // Reference values of Vigna's splitmix64.c
        Rng r = new Rng(0);
        assertEquals(0xE220A8397B1DCDAFL, r.nextLong());
        assertEquals(0x6E789E6AA1B965F4L, r.nextLong());
        Rng q = new Rng(1234567);
        assertEquals(0x599ED017FB08FC85L, q.nextLong());
        assertEquals(0x2C73F08458540FA5L, q.nextLong());
    }

    @Test
    void sameSeedSameSequenceDifferentSeedDifferent() {
        Rng a = new Rng(42), b = new Rng(42), c = new Rng(43);
        boolean anyDiff = false;
        for (int i = 0; i < 1000; i++) {
            long x = a.nextLong();
            assertEquals(x, b.nextLong());
            anyDiff |= x != c.nextLong();
        }
        assertTrue(anyDiff);
        assertEquals(new Rng(7).nextGaussian(), new Rng(7).nextGaussian());
        assertEquals(new Rng(7).nextDouble(), new Rng(7).nextDouble());
    }

    @Test
    void stateRestoresExactly() {
        Rng r = new Rng(99);
        for (int i = 0; i < 17; i++) r.nextGaussian();
        long saved = r.state();
        double[] first = new double[50];
        for (int i = 0; i < 50; i++) first[i] = i % 3 == 0 ? r.nextGaussian() : i % 3 == 1 ? r.nextDouble() : r.nextInt(1000);
        r.setState(saved);
        double[] again = new double[50];
        for (int i = 0; i < 50; i++) again[i] = i % 3 == 0 ? r.nextGaussian() : i % 3 == 1 ? r.nextDouble() : r.nextInt(1000);
        assertArrayEquals(first, again);
        Rng other = new Rng(0);
        other.setState(saved);
        assertEquals(first[0], other.nextGaussian());
    }

    @Test
    void gaussianMomentsOver100kSamples() {
        Rng r = new Rng(2024);
        int n = 100_000;
        double sum = 0, sumSq = 0, sum4 = 0;
        int beyond3 = 0;
        for (int i = 0; i < n; i++) {
            double g = r.nextGaussian();
            sum += g;
            sumSq += g * g;
            sum4 += g * g * g * g;
            if (Math.abs(g) > 3) beyond3++;
        }
        double mean = sum / n, var = sumSq / n - mean * mean;
        assertEquals(0, mean, 0.015);     // 4.7 standard errors
        assertEquals(1, var, 0.02);       // 4.5 standard errors
        assertEquals(3, sum4 / n, 0.15);  // kurtosis of a normal (4.8 standard errors)
        assertEquals(0.0027 * n, beyond3, 80);
    }

    @Test
    void nextDoubleIsInUnitInterval() {
        Rng r = new Rng(3);
        double sum = 0;
        for (int i = 0; i < 100_000; i++) {
            double u = r.nextDouble();
            assertTrue(u >= 0 && u < 1, "u = " + u);
            sum += u;
        }
        assertEquals(0.5, sum / 100_000, 0.005);
    }

    @Test
    void nextIntStaysInBoundsAndCoversTheRange() {
        Rng r = new Rng(11);
        int[] counts = new int[10];
        for (int i = 0; i < 100_000; i++) {
            int v = r.nextInt(10);
            assertTrue(v >= 0 && v < 10, "v = " + v);
            counts[v]++;
        }
        for (int c : counts) assertEquals(10_000, c, 500, Arrays.toString(counts));
        for (int i = 0; i < 1000; i++) assertEquals(0, r.nextInt(1));
        for (int i = 0; i < 1000; i++) {
            int v = r.nextInt(Integer.MAX_VALUE);
            assertTrue(v >= 0, "v = " + v);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.nextInt(0));
        assertTrue(e.getMessage().contains("bound must be positive, got 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> r.nextInt(-5));
    }

    @Test
    void shuffleIsAPermutationAndSeeded() {
        int[] a = new int[100];
        for (int i = 0; i < a.length; i++) a[i] = i;
        int[] b = a.clone();
        new Rng(5).shuffle(a);
        new Rng(5).shuffle(b);
        assertArrayEquals(a, b);
        int[] sorted = a.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) assertEquals(i, sorted[i]);
        int[] identity = new int[100];
        for (int i = 0; i < identity.length; i++) identity[i] = i;
        assertNotEquals(Arrays.toString(identity), Arrays.toString(a));
    }
}
