package dev.jrnn.text;

import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.nn.Attention;
import dev.jrnn.tensor.DType;

import java.util.Objects;

/**
 * The shape of a {@link Seq2Seq} encoder–decoder and its target-side special tokens, validated in one place.
 * Encoder and decoder share the cell type, the number of layers and the hidden size, so that the encoder's
 * final state can be the decoder's initial state as it is.
 *
 * @param cell            {@code LSTM}, {@code GRU} ({@code GRU_RESET_BEFORE}), {@code RNN_TANH} or {@code RNN_RELU}
 * @param sourceVocabSize ids of the source side, &gt;= 1
 * @param targetVocabSize ids of the target side (the output layer's size), &gt;= 2, {@code bosId} and {@code eosId} included
 * @param embeddingDim    token vector size on both sides, &gt;= 1
 * @param hiddenSize      recurrent state size of encoder and decoder, &gt;= 1
 * @param numLayers       stacked layers of encoder and decoder, &gt;= 1
 * @param dropout         in {@code [0, 1)}: on the embeddings, between layers and before the output layer, training only
 * @param dtype           parameter type
 * @param seed            seed of the initial weights and dropout masks
 * @param bosId           the target token fed to the decoder first ({@code <bos>}, "go")
 * @param eosId           the target token that ends an output ({@code <eos>}); learnt after every target
 * @param attention       how the decoder reads the encoder's outputs: {@code NONE} (only the final state),
 *                        {@code BAHDANAU}, {@code LUONG_DOT} or {@code LUONG_GENERAL} (see {@link Seq2Seq})
 */
public record Seq2SeqConfig(CellType cell, int sourceVocabSize, int targetVocabSize, int embeddingDim,
                            int hiddenSize, int numLayers, double dropout, DType dtype, long seed, int bosId, int eosId,
                            Attention.Type attention) {
    /** Validates every field, naming it. */
    public Seq2SeqConfig {
        Objects.requireNonNull(cell, "cell");
        Objects.requireNonNull(attention, "attention");
        Objects.requireNonNull(dtype, "dtype");
        if (sourceVocabSize < 1 || targetVocabSize < 2) {
            throw new IllegalArgumentException("Seq2SeqConfig: needs sourceVocabSize >= 1 and targetVocabSize >= 2, got "
                    + sourceVocabSize + " and " + targetVocabSize);
        }
        if (embeddingDim < 1 || hiddenSize < 1 || numLayers < 1) {
            throw new IllegalArgumentException("Seq2SeqConfig: embeddingDim, hiddenSize and numLayers must be >= 1, got "
                    + embeddingDim + ", " + hiddenSize + ", " + numLayers);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("Seq2SeqConfig: dropout must be in [0, 1), got " + dropout);
        }
        if (bosId < 0 || bosId >= targetVocabSize || eosId < 0 || eosId >= targetVocabSize || bosId == eosId) {
            throw new IllegalArgumentException("Seq2SeqConfig: bosId and eosId must be two different target ids in 0.."
                    + (targetVocabSize - 1) + ", got " + bosId + " and " + eosId);
        }
    }

    /** A config without attention ({@link Attention.Type#NONE}). */
    public Seq2SeqConfig(CellType cell, int sourceVocabSize, int targetVocabSize, int embeddingDim,
                         int hiddenSize, int numLayers, double dropout, DType dtype, long seed, int bosId, int eosId) {
        this(cell, sourceVocabSize, targetVocabSize, embeddingDim, hiddenSize, numLayers, dropout, dtype, seed, bosId, eosId,
                Attention.Type.NONE);
    }

    /** A one-layer LSTM encoder–decoder, no dropout, float32, seed 0. */
    public static Seq2SeqConfig of(int sourceVocabSize, int targetVocabSize, int embeddingDim, int hiddenSize,
                                   int bosId, int eosId) {
        return new Seq2SeqConfig(CellType.LSTM, sourceVocabSize, targetVocabSize, embeddingDim, hiddenSize,
                1, 0, DType.FLOAT32, 0, bosId, eosId);
    }

    /** A copy with another cell type. */
    public Seq2SeqConfig withCell(CellType c) {
        return new Seq2SeqConfig(c, sourceVocabSize, targetVocabSize, embeddingDim, hiddenSize, numLayers, dropout, dtype, seed, bosId, eosId, attention);
    }

    /** A copy with {@code n} layers in encoder and decoder. */
    public Seq2SeqConfig withLayers(int n) {
        return new Seq2SeqConfig(cell, sourceVocabSize, targetVocabSize, embeddingDim, hiddenSize, n, dropout, dtype, seed, bosId, eosId, attention);
    }

    /** A copy with another dropout probability. */
    public Seq2SeqConfig withDropout(double p) {
        return new Seq2SeqConfig(cell, sourceVocabSize, targetVocabSize, embeddingDim, hiddenSize, numLayers, p, dtype, seed, bosId, eosId, attention);
    }

    /** A copy with another parameter type. */
    public Seq2SeqConfig withDType(DType d) {
        return new Seq2SeqConfig(cell, sourceVocabSize, targetVocabSize, embeddingDim, hiddenSize, numLayers, dropout, d, seed, bosId, eosId, attention);
    }

    /** A copy with another seed. */
    public Seq2SeqConfig withSeed(long s) {
        return new Seq2SeqConfig(cell, sourceVocabSize, targetVocabSize, embeddingDim, hiddenSize, numLayers, dropout, dtype, s, bosId, eosId, attention);
    }

    /** A copy with another attention. */
    public Seq2SeqConfig withAttention(Attention.Type a) {
        return new Seq2SeqConfig(cell, sourceVocabSize, targetVocabSize, embeddingDim, hiddenSize, numLayers, dropout, dtype, seed, bosId, eosId, a);
    }
}
