package dev.jrnn.text;

import dev.jrnn.nn.Embedding;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SimilarityTest {
    private static final double R = Math.sqrt(0.5);

    /**
     * Axes (royalty, male, female, fruit). Unit rows, so the analogy query is easy to work out by hand:
     * king − man + woman = (R, R−1, 1, 0), closest to queen = (R, 0, R, 0).
     */
    private static final List<String> WORDS = List.of("king", "queen", "man", "woman", "prince", "apple", "pear", "banana");
    private static final double[][] ROWS = {
            {R, R, 0, 0},          // king
            {R, 0, R, 0},          // queen
            {0, 1, 0, 0},          // man
            {0, 0, 1, 0},          // woman
            {0.8, 0.6, 0, 0},      // prince: royal, male, younger
            {0, 0, 0, 1},          // apple
            {0, 0, 0.1, 1},        // pear
            {0, 0, 0, 2},          // banana: parallel to apple, twice as long
    };

    private static Similarity fixture(SpecialToken... specials) {
        Vocabulary v = Vocabulary.of(WORDS, specials);
        int k = v.specialCount();
        double[][] all = new double[k + ROWS.length][];
        for (int i = 0; i < k; i++) {
            all[i] = new double[] {i == 0 ? 0 : 1, 0, 0, 0};   // <pad> zero; other specials a royal direction
        }
        System.arraycopy(ROWS, 0, all, k, ROWS.length);
        return Similarity.of(NdArray.of(all), v);
    }

    private static List<String> words(List<Neighbour> ns) {
        return ns.stream().map(Neighbour::word).toList();
    }

    @Test
    void cosineOfVectors() {
        assertEquals(1, Similarity.cosine(new float[] {1, 2, 3}, new float[] {2, 4, 6}), 1e-12);
        assertEquals(-1, Similarity.cosine(new double[] {1, 0}, new double[] {-3, 0}), 1e-15);
        assertEquals(0, Similarity.cosine(new double[] {1, 0}, new double[] {0, 5}), 1e-15);
        assertEquals(0, Similarity.cosine(new double[] {0, 0}, new double[] {1, 5}), "a zero vector has cosine 0 (gensim)");
        assertEquals(11 / (Math.sqrt(5) * 5), Similarity.cosine(NdArray.vector(1, 2), NdArray.vector(3, 4)), 1e-7);
        assertThrows(IllegalArgumentException.class, () -> Similarity.cosine(new float[2], new float[3]));
        Similarity s = fixture();
        assertEquals(0.5, s.cosine("king", "queen"), 1e-7);
        assertEquals(1, s.cosine("apple", "banana"), 1e-7, "length does not matter");
        assertEquals(R, s.cosine("king", "man"), 1e-7);
    }

    @Test
    void nearestNeighboursExcludeTheQueryAndBreakTiesById() {
        Similarity s = fixture();
        List<Neighbour> n = s.nearest("apple", 3);
        assertEquals(List.of("banana", "pear", "king"), words(n));     // king: first of the zero-cosine ties
        assertEquals(1, n.get(0).similarity(), 1e-7);
        assertEquals(1 / Math.sqrt(1.01), n.get(1).similarity(), 1e-7);
        assertEquals(WORDS.indexOf("banana"), n.get(0).id());
        assertEquals(List.of("prince", "man", "queen"), words(s.nearest("king", 3)));   // 0.99, 0.71, 0.5
        assertEquals(WORDS.size() - 1, s.nearest("king", 100).size(), "k beyond the candidates: all of them");
    }

    @Test
    void nearestMatchesSortingAllCosines() {
        Rng rng = new Rng(11);
        List<String> words = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            words.add("w" + i);
        }
        NdArray m = NdArray.randn(rng, DType.FLOAT64, 0, 1, 300, 16);
        Similarity s = Similarity.of(m, Vocabulary.of(words));
        for (String q : List.of("w0", "w17", "w299")) {
            double[] qv = m.select(0, words.indexOf(q)).toDoubleArray();
            List<String> expected = words.stream().filter(w -> !w.equals(q))
                    .sorted(Comparator.comparingDouble((String w) -> -Similarity.cosine(qv, m.select(0, words.indexOf(w)).toDoubleArray())))
                    .limit(10).toList();
            List<Neighbour> got = s.nearest(q, 10);
            assertEquals(expected, words(got), q);
            for (Neighbour nb : got) {
                assertEquals(Similarity.cosine(qv, m.select(0, nb.id()).toDoubleArray()), nb.similarity(), 1e-6);
            }
        }
    }

    @Test
    void analogyKingMinusManPlusWomanIsQueen() {
        Similarity s = fixture();
        List<Neighbour> a = s.analogy("king", "man", "woman", 3);
        assertEquals("queen", a.get(0).word());
        double[] q = {R, R - 1, 1, 0};                                 // unit(king) - unit(man) + unit(woman)
        double expected = Similarity.cosine(q, ROWS[1]);
        assertEquals(expected, a.get(0).similarity(), 1e-6);
        assertEquals((0.5 + R) / Math.sqrt(0.5 + (R - 1) * (R - 1) + 1), expected, 1e-12);   // 0.9586
        assertTrue(words(a).stream().noneMatch(Set.of("king", "man", "woman")::contains), "inputs are excluded");
        assertEquals(words(a), words(s.mostSimilar(List.of("king", "woman"), List.of("man"), 3)));
        assertEquals("king", s.analogy("queen", "woman", "man", 1).get(0).word());
    }

    @Test
    void specialsAndZeroRowsAreNeverAnswers() {
        Similarity s = fixture(SpecialToken.PAD, SpecialToken.UNK, SpecialToken.EOS);
        for (String w : List.of("king", "apple", "man")) {
            for (Neighbour n : s.nearest(w, 20)) {
                assertTrue(n.id() >= 3, n + " is a special token");
            }
        }
        assertEquals(List.of("prince", "king"), words(s.nearest("<unk>", 2)), "a special can be queried; king ties queen, smaller id first");
        var e = assertThrows(IllegalArgumentException.class, () -> s.nearest("<pad>", 2));
        assertTrue(e.getMessage().contains("all-zero vector"), e.getMessage());
    }

    @Test
    void clearErrors() {
        Similarity s = fixture();
        var e = assertThrows(IllegalArgumentException.class, () -> s.nearest("King", 2));
        assertEquals("Similarity: 'King' is not in the vocabulary (8 tokens); did you mean 'king'?", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> s.mostSimilar(List.of("king"), List.of("king"), 2));
        assertTrue(e.getMessage().contains("is a zero vector"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> s.nearest("king", 0));
        e = assertThrows(IllegalArgumentException.class, () -> Similarity.of(NdArray.zeros(3, 4), Vocabulary.of(WORDS)));
        assertTrue(e.getMessage().contains("shape [3, 4], expected [8, dim]"), e.getMessage());
    }

    @Test
    void worksOnAnEmbeddingLayerAndOnRawQueryVectors() {
        Vocabulary v = Vocabulary.of(WORDS, SpecialToken.PAD);
        Embedding emb = Embedding.builder(v.size(), 4).paddingIdx(0).rng(new Rng(3)).build();
        Similarity s = Similarity.of(emb, v);
        assertEquals(v.size() - 2, s.nearest("king", 100).size(), "neither the query nor <pad>");
        Similarity f = fixture();
        List<Neighbour> n = f.nearest(new float[] {0, 0, 0, 5}, 2, List.of("banana"));
        assertEquals(List.of("apple", "pear"), words(n));
        assertEquals(4, f.unitVector("banana").length);
        assertEquals(1, f.unitVector("banana")[3], 1e-7);
    }
}
