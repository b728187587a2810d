package dev.jrnn.text;

import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.io.ModelConfig;
import dev.jrnn.io.ModelFile;
import dev.jrnn.io.ModelFileException;
import dev.jrnn.io.TorchNames;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A {@link LanguageModel} saved as a model directory ({@link ModelFile}: {@code config.json},
 * {@code weights.safetensors}, {@code vocab.txt}) with its vocabulary, its tokenizer settings and its provenance,
 * so that {@code jrnn sample DIR} needs nothing else.
 *
 * <pre>{@code
 * LanguageModelFiles.save(dir, lm, vocab, new CharTokenizer(), ModelFile.Provenance.now("input.txt", 3, 1200, 61.0,
 *         Map.of("valid_bits_per_token", 1.93), "jrnn train lm ..."));
 * LanguageModelFiles.Loaded m = LanguageModelFiles.load(dir);
 * String text = m.decode(m.model().generate(m.encode("ROMEO:"), SamplingConfig.defaults()).tokens());
 * }</pre>
 *
 * <p>The sections of {@code config.json} ({@code model_type = "language-model"}):
 * <pre>
 * "model":      {"cell": "LSTM", "vocab_size": 65, "embedding_dim": 32, "hidden_size": 256, "num_layers": 2,
 *                "dropout": 0.1, "dtype": "FLOAT32", "seed": 1, "start_id": 0, "eos_id": -1, "unk_id": -1}
 * "tokenizer":  {"type": "char", "lower_case": false, "bos": false, "eos": false}            (or "word", below)
 * "vocabulary": {"file": "vocab.txt", "size": 65, "fingerprint": "…SHA-256…"}
 * "weights":    {"file": "weights.safetensors", "names": "pytorch", "dtype": "F32", "parameters": 276801}
 * "provenance": {...}                                                                       (see ModelFile)
 * </pre>
 * A word tokenizer is {@code {"type": "word", "lower_case", "punctuation": "FILTER"|"SPLIT"|"KEEP", "filters",
 * "keep_specials", "bos", "eos"}}. {@code tokenizer} and {@code vocabulary} are absent for a model saved without a
 * vocabulary (ids only).
 *
 * <p>{@link #load} validates everything before it builds the model: the container ({@link ModelFile#open}: files,
 * sizes, checksums, version), every field of {@code model} (present, of the right type, and a valid
 * {@link LanguageModelConfig}), the tokenizer settings, the vocabulary file (its own format), its size against
 * {@code model.vocab_size} and its fingerprint against the one recorded, the special ids against the vocabulary,
 * and every weight name and shape against the shapes the config implies ({@link #expectedShapes}); only then is the
 * model built and the weights read.
 */
public final class LanguageModelFiles {
    /** The {@code model_type} of a language model. */
    public static final String MODEL_TYPE = "language-model";

    private LanguageModelFiles() {}

    /**
     * A loaded model with what it needs to read and write text.
     *
     * @param model      the model, weights loaded, in evaluation mode
     * @param vocabulary its vocabulary, or null for an ids-only model
     * @param tokenizer  its tokenizer, or null for an ids-only model
     * @param provenance where it came from, or null
     * @param config     {@code config.json} as read
     * @param dir        the model directory
     */
    public record Loaded(LanguageModel model, Vocabulary vocabulary, Tokenizer tokenizer,
                         ModelFile.Provenance provenance, ModelConfig config, Path dir) {
        /** Text to ids with the model's tokenizer and vocabulary. */
        public int[] encode(String text) {
            requireVocabulary();
            return vocabulary.encode(text, tokenizer);
        }

        /** Ids to text with the model's vocabulary and tokenizer. */
        public String decode(int[] ids) {
            requireVocabulary();
            return vocabulary.decode(ids, tokenizer);
        }

        private void requireVocabulary() {
            if (vocabulary == null || tokenizer == null) {
                throw new IllegalStateException(dir + ": this model was saved without a vocabulary; it reads and writes ids only");
            }
        }
    }

    // ------------------------------------------------------------------ saving

    /**
     * Saves a language model as a model directory, atomically (see {@link ModelFile#write}).
     *
     * @param dir        the directory to create (or replace, when it holds a model)
     * @param model      the model
     * @param vocabulary its vocabulary (size {@code model.config().vocabSize()}), or null for an ids-only model
     * @param tokenizer  the tokenizer the vocabulary was built with ({@link CharTokenizer} or {@link WordTokenizer});
     *                   null exactly when {@code vocabulary} is
     * @param provenance where the model came from ({@link ModelFile.Provenance#unknown()} when it does not matter)
     */
    public static void save(Path dir, LanguageModel model, Vocabulary vocabulary, Tokenizer tokenizer,
                            ModelFile.Provenance provenance) throws IOException {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(provenance, "provenance");
        LanguageModelConfig c = model.config();
        if ((vocabulary == null) != (tokenizer == null)) {
            throw new IllegalArgumentException("LanguageModelFiles.save: give both a vocabulary and its tokenizer, or neither");
        }
        if (vocabulary != null && vocabulary.size() != c.vocabSize()) {
            throw new IllegalArgumentException("LanguageModelFiles.save: the vocabulary has " + vocabulary.size()
                    + " tokens, the model's vocabSize is " + c.vocabSize());
        }
        ModelConfig.Builder config = ModelConfig.builder()
                .put("model_type", MODEL_TYPE)
                .put("model", modelSection(c));
        Map<String, byte[]> files = new LinkedHashMap<>();
        if (vocabulary != null) {
            config.put("tokenizer", tokenizerSection(tokenizer));
            config.put("vocabulary", VocabularySection.of(ModelFile.VOCAB_FILE, vocabulary));
            files.put(ModelFile.VOCAB_FILE, vocabulary.toText().getBytes(StandardCharsets.UTF_8));
        }
        config.put("weights", ModelConfig.builder().put("file", ModelFile.WEIGHTS_FILE).put("names", "pytorch")
                .put("dtype", c.dtype() == DType.FLOAT64 ? "F64" : "F32").put("parameters", model.parameterCount()).build());
        config.put("provenance", provenance.toConfig());
        ModelFile.write(dir, config.build(), model.stateDict(), files);
    }

    /** The {@code model} section: every field of the config. */
    public static ModelConfig modelSection(LanguageModelConfig c) {
        return ModelConfig.builder()
                .put("cell", c.cell().name()).put("vocab_size", (long) c.vocabSize())
                .put("embedding_dim", (long) c.embeddingDim()).put("hidden_size", (long) c.hiddenSize())
                .put("num_layers", (long) c.numLayers()).put("dropout", c.dropout()).put("dtype", c.dtype().name())
                .put("seed", c.seed()).put("start_id", (long) c.startId()).put("eos_id", (long) c.eosId())
                .put("unk_id", (long) c.unkId()).build();
    }

    /**
     * Reads the {@code model} section back.
     *
     * @throws ModelFileException naming the field that is missing, of the wrong type, or out of range
     */
    public static LanguageModelConfig modelFrom(ModelConfig m) throws ModelFileException {
        CellType cell = m.getEnum("cell", CellType.class);
        int v = m.getSize("vocab_size"), e = m.getSize("embedding_dim"), h = m.getSize("hidden_size");
        int l = m.getLayers("num_layers");
        double dropout = m.getDouble("dropout");
        DType dtype = m.getEnum("dtype", DType.class);
        long seed = m.getLong("seed");
        int start = m.getInt("start_id"), eos = m.getInt("eos_id"), unk = m.getInt("unk_id");
        try {
            return new LanguageModelConfig(cell, v, e, h, l, dropout, dtype, seed, start, eos, unk);
        } catch (IllegalArgumentException ex) {
            throw new ModelFileException(m.source() + ": section 'model' is not a valid language model: " + ex.getMessage(), ex);
        }
    }

    /** The {@code tokenizer} section of a {@link CharTokenizer} or {@link WordTokenizer}. */
    public static ModelConfig tokenizerSection(Tokenizer t) {
        if (t instanceof CharTokenizer) {
            CharTokenizer c = (CharTokenizer) t;
            return ModelConfig.builder().put("type", "char").put("lower_case", c.lowerCase()).put("bos", c.bos())
                    .put("eos", c.eos()).put("unknown_as", c.unknownAs()).build();
        }
        if (t instanceof WordTokenizer) {
            WordTokenizer w = (WordTokenizer) t;
            return ModelConfig.builder().put("type", "word").put("lower_case", w.lowerCase())
                    .put("punctuation", w.punctuation().name()).put("filters", w.filters())
                    .put("keep_specials", w.keepSpecials()).put("bos", w.bos()).put("eos", w.eos()).build();
        }
        throw new IllegalArgumentException("LanguageModelFiles: cannot save the settings of a "
                + t.getClass().getName() + "; use CharTokenizer or WordTokenizer");
    }

    /**
     * Rebuilds a tokenizer from its section.
     *
     * @throws ModelFileException naming a missing or bad field, or an unknown type
     */
    public static Tokenizer tokenizerFrom(ModelConfig t) throws ModelFileException {
        String type = t.getString("type");
        switch (type) {
            case "char":
                return CharTokenizer.builder().lowerCase(t.getBoolean("lower_case")).bos(t.getBoolean("bos"))
                        .eos(t.getBoolean("eos")).unknownAs(t.getString("unknown_as", "\uFFFD")).build();
            case "word":
                return WordTokenizer.builder().lowerCase(t.getBoolean("lower_case"))
                        .punctuation(t.getEnum("punctuation", WordTokenizer.Punctuation.class))
                        .filters(t.getString("filters")).keepSpecials(t.getBoolean("keep_specials"))
                        .bos(t.getBoolean("bos")).eos(t.getBoolean("eos")).build();
            default:
                throw t.fieldError("type", "is \"" + type + "\", expected \"char\" or \"word\"");
        }
    }

    /**
     * The parameter names and shapes a language model of this config has, computed from the config alone (nothing
     * is built): {@code embedding.weight [V, E]}, the recurrent layers under PyTorch's names
     * ({@code rnn.weight_ih_l0 [G·H, E]}, ...), {@code output.weight [V, H]}, {@code output.bias [V]}.
     */
    public static Map<String, int[]> expectedShapes(LanguageModelConfig c) {
        Map<String, int[]> out = new LinkedHashMap<>();
        out.put("embedding.weight", new int[] {c.vocabSize(), c.embeddingDim()});
        TorchNames.recurrentShapes(c.cell(), c.embeddingDim(), c.hiddenSize(), c.numLayers(), false, true)
                .forEach((n, s) -> out.put("rnn." + n, s));
        out.put("output.weight", new int[] {c.vocabSize(), c.hiddenSize()});
        out.put("output.bias", new int[] {c.vocabSize()});
        return out;
    }

    // ------------------------------------------------------------------ loading

    /**
     * Loads a model directory written by {@link #save}, checking everything first (see the class comment).
     *
     * @throws ModelFileException naming the file and the problem
     * @throws IOException        when a file cannot be read
     */
    public static Loaded load(Path dir) throws IOException {
        ModelFile file = ModelFile.open(dir, MODEL_TYPE);
        ModelConfig config = file.config();
        LanguageModelConfig lmConfig = modelFrom(config.getObject("model"));
        ModelFile.Provenance provenance = file.provenance();

        Vocabulary vocab = null;
        Tokenizer tokenizer = null;
        if (config.has("vocabulary")) {
            tokenizer = tokenizerFrom(config.getObject("tokenizer"));
            VocabularySection.Read read = VocabularySection.read(file, config.getObject("vocabulary"), lmConfig.vocabSize(),
                    "vocab_size", "embedding");
            vocab = read.vocabulary();
            VocabularySection.checkSpecial(read.path(), "eos_id", lmConfig.eosId(), vocab.eosId(), "<eos>");
            VocabularySection.checkSpecial(read.path(), "unk_id", lmConfig.unkId(), vocab.unkId(), "<unk>");
        } else if (config.has("tokenizer")) {
            throw config.fieldError("vocabulary", "is missing, but a tokenizer is given (a tokenizer needs its vocabulary)");
        }
        file.checkLayerCount(config.getObject("model"), "num_layers", lmConfig.numLayers());
        file.checkWeights(expectedShapes(lmConfig));

        LanguageModel model = new LanguageModel(lmConfig);
        Map<String, NdArray> weights = file.readWeights(lmConfig.dtype());
        model.loadStateDict(weights);
        model.eval();
        return new Loaded(model, vocab, tokenizer, provenance, config, dir);
    }
}
