package dev.jrnn.train;

import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.Rng;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.jrnn.TestArrays.assertArray;
import static dev.jrnn.TestArrays.s;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SequenceDatasetTest {
    private static final List<int[]> SEQS = List.of(new int[] {5, 6, 7}, new int[] {8}, new int[] {1, 2});

    @Test
    void tokenBatchIsPaddedWithMaskAndLengths() {
        SequenceDataset d = SequenceDataset.ofTokenSteps(SEQS, List.of(new int[] {1, 2, 3}, new int[] {4}, new int[] {5, 6}))
                .withPad(9);
        Batch b = d.batch(new int[] {0, 1, 2});
        assertEquals(3, b.size());
        assertEquals(3, b.maxLength());
        assertArrayEquals(new int[] {5, 6, 7, 8, 9, 9, 1, 2, 9}, b.tokens());
        assertArrayEquals(new int[] {3, 1, 2}, b.lengths());
        assertArray(b.mask(), s(3, 3), 0, 1, 1, 1, 1, 0, 0, 1, 1, 0);
        assertArrayEquals(new int[] {1, 2, 3, 4, -1, -1, 5, 6, -1}, b.stepLabels());
        assertNull(b.features());
        assertEquals(6, b.validSteps());
        Batch two = d.batch(new int[] {1, 2});
        assertEquals(2, two.maxLength(), "padded to the longest in the batch, not in the dataset");
    }

    @Test
    void featureBatchZeroPadsAndCarriesTargets() {
        List<float[][]> seqs = List.of(new float[][] {{1, 2}, {3, 4}}, new float[][] {{5, 6}});
        SequenceDataset d = SequenceDataset.ofFeatures(seqs, new float[][] {{0.5f}, {1}}).withDType(DType.FLOAT64);
        Batch b = d.batch(new int[] {1, 0});
        assertArray(b.features(), s(2, 2, 2), 0, 5, 6, 0, 0, 1, 2, 3, 4);
        assertArray(b.targets(), s(2, 1), 0, 1, 0.5);
        assertEquals(DType.FLOAT64, b.mask().dtype());
        assertArrayEquals(new int[] {1, 0}, b.indices());
    }

    @Test
    void epochOrderIsASeededPermutation() {
        List<int[]> seqs = new ArrayList<>();
        for (int i = 0; i < 10; i++) seqs.add(new int[i + 1]);
        SequenceDataset d = SequenceDataset.ofTokens(seqs, new int[10]);
        List<int[]> a = d.epochOrder(4, new Rng(7), 0);
        List<int[]> b = d.epochOrder(4, new Rng(7), 0);
        assertEquals(3, a.size());
        assertEquals(2, a.get(2).length, "the last batch holds the rest");
        int[] all = a.stream().flatMapToInt(Arrays::stream).sorted().toArray();
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, all);
        for (int i = 0; i < 3; i++) assertArrayEquals(a.get(i), b.get(i), "same seed, same order");
        int[] flatA = a.stream().flatMapToInt(Arrays::stream).toArray();
        int[] other = d.epochOrder(4, new Rng(8), 0).stream().flatMapToInt(Arrays::stream).toArray();
        assertNotEquals(Arrays.toString(flatA), Arrays.toString(other));
        assertArrayEquals(new int[] {0, 1, 2, 3}, d.epochOrder(4, null, 0).get(0), "no generator: stored order");
    }

    @Test
    void bucketingGroupsSimilarLengths() {
        List<int[]> seqs = new ArrayList<>();
        Rng lengths = new Rng(3);
        for (int i = 0; i < 64; i++) seqs.add(new int[1 + lengths.nextInt(50)]);
        SequenceDataset d = SequenceDataset.ofTokens(seqs, new int[64]);
        int padBucketed = 0, padPlain = 0;
        for (int[] rows : d.epochOrder(8, new Rng(1), 8)) padBucketed += padding(d, rows);
        for (int[] rows : d.epochOrder(8, new Rng(1), 0)) padPlain += padding(d, rows);
        assertTrue(padBucketed * 4 < padPlain, "bucketed padding " + padBucketed + " vs plain " + padPlain);
        int[] all = d.epochOrder(8, new Rng(1), 8).stream().flatMapToInt(Arrays::stream).sorted().toArray();
        assertEquals(64, Arrays.stream(all).distinct().count());
    }

    private static int padding(SequenceDataset d, int[] rows) {
        Batch b = d.batch(rows);
        return b.size() * b.maxLength() - b.validSteps();
    }

    @Test
    void badDataIsRefusedWithTheReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SequenceDataset.ofTokens(SEQS, new int[2]));
        assertEquals("SequenceDataset: 2 labels for 3 sequences", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> SequenceDataset.ofTokenSteps(SEQS, List.of(new int[3], new int[2], new int[2])));
        assertEquals("SequenceDataset: sequence 1 has 1 steps but 2 step labels", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> SequenceDataset.ofTokens(List.of(new int[0]), new int[1]));
        assertTrue(e.getMessage().contains("sequence 0 is empty"));
    }
}
