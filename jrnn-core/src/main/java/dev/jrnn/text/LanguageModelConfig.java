package dev.jrnn.text;

import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.tensor.DType;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The shape of a {@link LanguageModel} and the ids of its special tokens: one validated record, saved with
 * the weights ({@link #toMetadata()}, {@link #fromMetadata}).
 *
 * <p><b>The start input.</b> The probability of a sentence and generation "from nothing" need an input before
 * the first token. With {@code startId} set, that input is the token {@code startId} ({@code <bos>}, or
 * {@code <eos>} for a model trained on a stream of sentences each ended by {@code <eos>}: PTB's convention,
 * where the previous sentence's {@code <eos>} is what precedes a sentence). With {@code startId = }
 * {@link LanguageModel#NONE} it is the zero vector, as in Ng's
 * <i>Sequence Models</i> course ({@code x⟨1⟩ = 0⃗}; docs/text-generation.md).
 *
 * @param cell         the recurrent cell: {@code LSTM}, {@code GRU} ({@code GRU_RESET_BEFORE}), {@code RNN_TANH}, {@code RNN_RELU}
 * @param vocabSize    {@code V}, the number of token ids, &gt;= 2
 * @param embeddingDim {@code E}, the size of a token vector, &gt;= 1
 * @param hiddenSize   {@code H}, the size of each recurrent layer's state, &gt;= 1
 * @param numLayers    stacked recurrent layers, &gt;= 1
 * @param dropout      drop probability in {@code [0, 1)} on the embeddings, between recurrent layers and before the
 *                     output layer, in training mode only (Zaremba et al. 2014)
 * @param dtype        parameter type (float32, or float64 for exact tests)
 * @param seed         the seed of the initial weights and the dropout masks
 * @param startId      the start input (see above), or {@link LanguageModel#NONE} for the zero vector
 * @param eosId        {@code <eos>}: ends generation, and is appended when a sentence is scored; or {@code NONE}
 * @param unkId        {@code <unk>}: the token {@link SamplingConfig#resampleUnk()} never emits; or {@code NONE}
 */
public record LanguageModelConfig(CellType cell, int vocabSize, int embeddingDim, int hiddenSize,
                                  int numLayers, double dropout, DType dtype, long seed,
                                  int startId, int eosId, int unkId) {
    /** The file-format version written by {@link #toMetadata()}. */
    public static final int FORMAT_VERSION = 1;

    /** Validates every field, naming it. */
    public LanguageModelConfig {
        Objects.requireNonNull(cell, "cell");
        Objects.requireNonNull(dtype, "dtype");
        if (vocabSize < 2) {
            throw new IllegalArgumentException("LanguageModelConfig: vocabSize must be >= 2, got " + vocabSize);
        }
        if (embeddingDim < 1 || hiddenSize < 1 || numLayers < 1) {
            throw new IllegalArgumentException("LanguageModelConfig: embeddingDim, hiddenSize and numLayers must be >= 1, got "
                    + embeddingDim + ", " + hiddenSize + ", " + numLayers);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("LanguageModelConfig: dropout must be in [0, 1), got " + dropout);
        }
        checkId("startId", startId, vocabSize);
        checkId("eosId", eosId, vocabSize);
        checkId("unkId", unkId, vocabSize);
    }

    private static void checkId(String name, int id, int vocabSize) {
        if (id != LanguageModel.NONE && (id < 0 || id >= vocabSize)) {
            throw new IllegalArgumentException("LanguageModelConfig: " + name + " " + id + " is outside the vocabulary 0.."
                    + (vocabSize - 1) + " (use LanguageModel.NONE = -1 for none)");
        }
    }

    /**
     * A one-layer LSTM model without dropout, float32, seed 0, no special tokens (start = the zero vector).
     *
     * @param vocabSize    {@code V}
     * @param embeddingDim {@code E}
     * @param hiddenSize   {@code H}
     */
    public static LanguageModelConfig of(int vocabSize, int embeddingDim, int hiddenSize) {
        return new LanguageModelConfig(CellType.LSTM, vocabSize, embeddingDim, hiddenSize, 1, 0,
                DType.FLOAT32, 0, LanguageModel.NONE, LanguageModel.NONE, LanguageModel.NONE);
    }

    /** A copy with another cell type. */
    public LanguageModelConfig withCell(CellType c) {
        return new LanguageModelConfig(c, vocabSize, embeddingDim, hiddenSize, numLayers, dropout, dtype, seed, startId, eosId, unkId);
    }

    /** A copy with {@code n} stacked recurrent layers. */
    public LanguageModelConfig withLayers(int n) {
        return new LanguageModelConfig(cell, vocabSize, embeddingDim, hiddenSize, n, dropout, dtype, seed, startId, eosId, unkId);
    }

    /** A copy with another dropout probability. */
    public LanguageModelConfig withDropout(double p) {
        return new LanguageModelConfig(cell, vocabSize, embeddingDim, hiddenSize, numLayers, p, dtype, seed, startId, eosId, unkId);
    }

    /** A copy with another parameter type. */
    public LanguageModelConfig withDType(DType d) {
        return new LanguageModelConfig(cell, vocabSize, embeddingDim, hiddenSize, numLayers, dropout, d, seed, startId, eosId, unkId);
    }

    /** A copy with another seed. */
    public LanguageModelConfig withSeed(long s) {
        return new LanguageModelConfig(cell, vocabSize, embeddingDim, hiddenSize, numLayers, dropout, dtype, s, startId, eosId, unkId);
    }

    /**
     * A copy with the special token ids (each {@link LanguageModel#NONE} when absent).
     *
     * @param start the start input ({@code <bos>}, or {@code <eos>} for sentence streams), or NONE for the zero vector
     * @param eos   {@code <eos>}, or NONE
     * @param unk   {@code <unk>}, or NONE
     */
    public LanguageModelConfig withSpecials(int start, int eos, int unk) {
        return new LanguageModelConfig(cell, vocabSize, embeddingDim, hiddenSize, numLayers, dropout, dtype, seed, start, eos, unk);
    }

    /** The fields as string metadata of a safetensors file, keys prefixed {@code lm.}. */
    public Map<String, String> toMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("lm.format", Integer.toString(FORMAT_VERSION));
        m.put("lm.cell", cell.name());
        m.put("lm.vocabSize", Integer.toString(vocabSize));
        m.put("lm.embeddingDim", Integer.toString(embeddingDim));
        m.put("lm.hiddenSize", Integer.toString(hiddenSize));
        m.put("lm.numLayers", Integer.toString(numLayers));
        m.put("lm.dropout", Double.toString(dropout));
        m.put("lm.dtype", dtype.name());
        m.put("lm.seed", Long.toString(seed));
        m.put("lm.startId", Integer.toString(startId));
        m.put("lm.eosId", Integer.toString(eosId));
        m.put("lm.unkId", Integer.toString(unkId));
        return m;
    }

    /**
     * Reads what {@link #toMetadata()} wrote, validating everything.
     *
     * @throws IllegalArgumentException naming the missing or bad key, or an unsupported format version
     */
    public static LanguageModelConfig fromMetadata(Map<String, String> m) {
        String version = get(m, "lm.format");
        if (!version.equals(Integer.toString(FORMAT_VERSION))) {
            throw new IllegalArgumentException("LanguageModelConfig: unsupported format version " + version + " (this jrnn reads "
                    + FORMAT_VERSION + ")");
        }
        try {
            return new LanguageModelConfig(CellType.valueOf(get(m, "lm.cell")),
                    Integer.parseInt(get(m, "lm.vocabSize")), Integer.parseInt(get(m, "lm.embeddingDim")),
                    Integer.parseInt(get(m, "lm.hiddenSize")), Integer.parseInt(get(m, "lm.numLayers")),
                    Double.parseDouble(get(m, "lm.dropout")), DType.valueOf(get(m, "lm.dtype")),
                    Long.parseLong(get(m, "lm.seed")), Integer.parseInt(get(m, "lm.startId")),
                    Integer.parseInt(get(m, "lm.eosId")), Integer.parseInt(get(m, "lm.unkId")));
        } catch (IllegalArgumentException e) {          // NumberFormatException and valueOf's errors
            throw new IllegalArgumentException("LanguageModelConfig: bad metadata: " + e.getMessage(), e);
        }
    }

    private static String get(Map<String, String> m, String key) {
        String v = m.get(key);
        if (v == null) {
            throw new IllegalArgumentException("LanguageModelConfig: metadata key '" + key + "' is missing (not a jrnn language model file?)");
        }
        return v;
    }
}
