package dev.jrnn.text;

import dev.jrnn.nn.Embedding;
import dev.jrnn.tensor.NdArray;

import java.util.Objects;

/**
 * Pretrained vectors laid out for a {@link Vocabulary}: row {@code i} of {@code weights} ({@code [vocab.size(), dim]})
 * is the vector of token {@code i}, made by {@link PretrainedEmbeddings#map}.
 *
 * @param weights    {@code [vocabulary.size(), dim]}; the {@code <pad>} row is zero
 * @param vocabulary the vocabulary the rows follow
 * @param coverage   which words were found in the pretrained file
 */
public record EmbeddingMatrix(NdArray weights, Vocabulary vocabulary, EmbeddingCoverage coverage) {
    /** Checks that the rows match the vocabulary. */
    public EmbeddingMatrix {
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(vocabulary, "vocabulary");
        Objects.requireNonNull(coverage, "coverage");
        if (weights.rank() != 2 || weights.dim(0) != vocabulary.size()) {
            throw new IllegalArgumentException("EmbeddingMatrix: weights have shape " + java.util.Arrays.toString(weights.shape())
                    + ", expected [" + vocabulary.size() + ", dim] (one row per vocabulary id)");
        }
    }

    /**
     * An {@link Embedding} over a copy of the weights, frozen (the vectors stay as loaded) or trainable
     * (fine-tuned with the model); the {@code <pad>} row, if any, is the padding index and never learns.
     */
    public Embedding toEmbedding(boolean freeze) {
        int pad = vocabulary.padId();
        return Embedding.fromPretrained(weights, freeze, pad >= 0 ? pad : null);
    }

    /** Cosine similarity, neighbours and analogies over these rows. */
    public Similarity similarity() {
        return Similarity.of(weights, vocabulary);
    }

    /** The vector size. */
    public int dim() { return weights.dim(1); }
}
