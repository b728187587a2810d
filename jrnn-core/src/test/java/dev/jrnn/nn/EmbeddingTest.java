package dev.jrnn.nn;

import dev.jrnn.autograd.GradCheck;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EmbeddingTest {
    private static final DType F64 = DType.FLOAT64;

    @Test
    void looksUpRowsInTheGivenShape() {
        Embedding emb = new Embedding(10, 4, new Rng(1));
        int[] ids = {3, 0, 9, 3, 7, 1};
        Tensor y = emb.forward(ids, 2, 3);                           // [batch=2, time=3] -> [2, 3, 4]
        assertArrayEquals(new int[] {2, 3, 4}, y.shape());
        for (int p = 0; p < ids.length; p++) {
            for (int j = 0; j < 4; j++) {
                assertEquals(emb.weight().data().get(ids[p], j), y.data().get(p / 3, p % 3, j));
            }
        }
        assertArrayEquals(new int[] {6, 4}, emb.forward(ids).shape());   // no shape: one axis
        assertEquals(List.of("weight"), List.copyOf(emb.namedParameters().keySet()));
        assertEquals(DType.FLOAT32, emb.weight().dtype());
    }

    @Test
    void initialisedStandardNormalAsTorch() {
        NdArray w = Embedding.builder(200, 50).dtype(F64).rng(new Rng(2)).build().weight().data();
        double mean = w.mean().item(), var = w.square().mean().item() - mean * mean;
        assertEquals(0, mean, 0.02);
        assertEquals(1, var, 0.05);
    }

    @Test
    void gradientAddsUpOverRepeatedIds() {
        Embedding emb = Embedding.builder(5, 3).dtype(F64).rng(new Rng(3)).build();
        int[] ids = {1, 4, 1, 1, 0, 4};
        GradCheck.assertMatches(() -> emb.forward(ids, 3, 2).tanh(), List.of(emb.weight()));
        emb.forward(ids, 6).sum().backward();
        assertArrayEquals(new double[] {1, 3, 0, 0, 2}, emb.weight().grad().sum(1, false).mul(1.0 / 3).toDoubleArray(), 1e-12);
    }

    @Test
    void paddingRowStartsAtZeroAndNeverLearns() {
        Embedding emb = Embedding.builder(6, 3).paddingIdx(0).dtype(F64).rng(new Rng(4)).build();
        assertEquals(0, emb.weight().data().slice(0, 0, 1).sumOfSquares());
        emb.forward(new int[] {0, 2, 0, 5}, 2, 2).sum().backward();
        assertEquals(0, emb.weight().grad().slice(0, 0, 1).sumOfSquares(), "no gradient for the padding row");
        assertEquals(3, emb.weight().grad().slice(0, 2, 3).sum().item(), 1e-12);
        assertEquals(5, Embedding.builder(6, 3).paddingIdx(-1).build().paddingIdx(), "negative counts from the end");
        var e = assertThrows(IllegalArgumentException.class, () -> Embedding.builder(6, 3).paddingIdx(6));
        assertTrue(e.getMessage().contains("paddingIdx 6 is out of range for vocabSize=6"), e.getMessage());
    }

    @Test
    void frozenAndPretrained() {
        NdArray table = NdArray.of(new double[] {1, 2, 3, 4, 5, 6}, 3, 2);
        Embedding emb = Embedding.fromPretrained(table, true);
        Tensor y = emb.forward(new int[] {2, 0}, 2);
        assertArrayEquals(new double[] {5, 6, 1, 2}, y.data().toDoubleArray());
        assertFalse(y.requiresGrad(), "frozen: no graph");
        table.setFlat(0, 100);
        assertEquals(1, emb.weight().data().getFlat(0), "the table is copied");
        emb.unfreeze();
        emb.forward(new int[] {1}, 1).sum().backward();
        assertEquals(2, emb.weight().grad().sumOfSquares(), 1e-12);
        Embedding padded = Embedding.fromPretrained(table, false, 1);
        assertEquals(3, padded.weight().data().get(1, 0), "pretrained padding row keeps its values (as PyTorch)");
        padded.forward(new int[] {1, 2}, 2).sum().backward();
        assertEquals(0, padded.weight().grad().slice(0, 1, 2).sumOfSquares());
        assertTrue(Embedding.builder(3, 2).frozen(true).build().weight().isFrozen());
        assertNull(Embedding.builder(3, 2).frozen(true).build().weight().grad());
    }

    @Test
    void outOfRangeIdsNameTheIdItsPositionAndTheVocabulary() {
        Embedding emb = new Embedding(10, 4, new Rng(5));
        var e = assertThrows(IndexOutOfBoundsException.class, () -> emb.forward(new int[] {1, 2, 3, 4, 12, 5}, 2, 3));
        assertTrue(e.getMessage().contains("Embedding.forward: id 12 at position [1, 1] is out of range for vocabSize=10 "
                + "(valid ids 0..9)"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> emb.forward(new int[] {-1}, 1));
        var e2 = assertThrows(IllegalArgumentException.class, () -> emb.forward(new int[] {1, 2, 3}, 2, 2));
        assertTrue(e2.getMessage().contains("shape [2, 2] holds 4 ids, but 3 were given"), e2.getMessage());
    }

    @Test
    void idsAsATensorForSequential() {
        Embedding emb = new Embedding(10, 4, new Rng(6));
        Tensor ids = Tensor.of(new float[] {1, 2, 3, 9}, 2, 2);
        assertArrayEquals(new int[] {2, 2, 4}, emb.forward(ids).shape());
        var e = assertThrows(IllegalArgumentException.class, () -> emb.forward(Tensor.of(new float[] {1.5f}, 1)));
        assertTrue(e.getMessage().contains("whole numbers, got 1.5 at position [0]"), e.getMessage());
    }
}
