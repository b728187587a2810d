package dev.jrnn.text;

import java.util.Locale;

/**
 * One answer of {@link Similarity#nearest} or {@link Similarity#analogy}: a token, its id and its cosine
 * similarity to the query.
 *
 * @param word       the token
 * @param id         its id in the vocabulary (= its row of the matrix)
 * @param similarity cosine similarity to the query vector, in {@code [-1, 1]}
 */
public record Neighbour(String word, int id, double similarity) {
    /** {@code word (0.7839)}. */
    @Override
    public String toString() {
        return word + String.format(Locale.ROOT, " (%.4f)", similarity);
    }
}
