package dev.jrnn.train;

import dev.jrnn.tensor.NdArray;
import org.junit.jupiter.api.Test;

import static dev.jrnn.TestArrays.d;
import static dev.jrnn.TestArrays.s;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
