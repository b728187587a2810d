package dev.jrnn.train;

import dev.jrnn.tensor.NdArray;
import org.junit.jupiter.api.Test;

import static dev.jrnn.TestArrays.d;
import static dev.jrnn.TestArrays.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MetricsTest {
    @Test
    void accuracyCountsArgmaxHitsOverValidRows() {
        NdArray logits = d(s(1, 3, 2), 0.1, 0.9, 2, -1, 5, 6);   // predictions 1, 0, 1
        assertEquals(2.0 / 3, Metrics.accuracy(logits, new int[] {1, 0, 0}, null), 1e-15);
        assertEquals(1.0, Metrics.accuracy(logits, new int[] {1, 0, -1}, d(s(1, 3), 1, 1, 0)), 1e-15);
        assertEquals(0, Metrics.accuracy(logits, new int[] {1, 0, 0}, d(s(1, 3), 0, 0, 0)));
    }

    @Test
    void binaryAccuracyThresholdsLogitsAtZero() {
        NdArray x = d(s(4), 2, -1, 0.5, -3);
        NdArray y = d(s(4), 1, 1, 1, 0);
        assertEquals(0.75, Metrics.binaryAccuracy(x, y, null), 1e-15);
        assertEquals(1.0, Metrics.binaryAccuracy(x, y, d(s(4), 1, 0, 1, 1)), 1e-15);
    }

    @Test
    void perplexityBitsPerCharacterAndMse() {
        assertEquals(Math.E, Metrics.perplexity(1), 1e-15);
        assertEquals(65, Metrics.perplexity(Math.log(65)), 1e-12, "uniform over 65 characters");
        assertEquals(1, Metrics.bitsPerCharacter(Math.log(2)), 1e-15);
        assertEquals(Math.log(65) / Math.log(2), Metrics.bitsPerCharacter(Math.log(65)), 1e-12);
        assertEquals(2.5, Metrics.mse(d(s(3), 1, 2, 9), d(s(3), 0, 0, 0), d(s(3), 1, 1, 0)), 1e-15);
        assertEquals(3, Metrics.count(d(s(2, 2), 1, 1, 0, 1), 4));
    }

    @Test
    void exactMatchAndTokenAccuracyOfDecodedSequences() {
        java.util.List<int[]> want = java.util.List.of(new int[] {1, 2}, new int[] {1, 2}, new int[] {}, new int[] {3, 4, 5});
        java.util.List<int[]> got = java.util.List.of(new int[] {1, 2}, new int[] {1, 2, 3}, new int[] {}, new int[] {3, 5});
        assertEquals(0.5, Metrics.exactMatch(got, want), 1e-15);
        // positions (end markers counted): 3 of 3, 2 of 4, 1 of 1, 1 of 4 ({3,5,$} against {3,4,5,$})
        assertEquals(7.0 / 12, Metrics.tokenAccuracy(got, want), 1e-15);
        assertEquals(0, Metrics.exactMatch(java.util.List.of(), java.util.List.of()));
        assertThrows(IllegalArgumentException.class, () -> Metrics.tokenAccuracy(got, want.subList(0, 3)));
    }

    @Test
    void maeAndRmse() {
        double[] p = {1, 2, 3, 4}, y = {2, 2, 5, 0};
        assertEquals((1 + 0 + 2 + 4) / 4.0, Metrics.mae(p, y), 1e-15);
        assertEquals(Math.sqrt((1 + 0 + 4 + 16) / 4.0), Metrics.rmse(p, y), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> Metrics.mae(p, new double[3]));
    }
}
