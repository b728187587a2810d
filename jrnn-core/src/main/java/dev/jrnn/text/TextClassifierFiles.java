package dev.jrnn.text;

import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.io.ModelConfig;
import dev.jrnn.io.ModelFile;
import dev.jrnn.io.ModelFileException;
import dev.jrnn.io.TorchNames;
import dev.jrnn.tensor.DType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A {@link TextClassifier} saved as a model directory ({@link ModelFile}: {@code config.json},
 * {@code weights.safetensors}, {@code vocab.txt}) with its class names, vocabulary, tokenizer settings, input length
 * and provenance, so that {@code jrnn predict DIR} needs nothing else. Mirrors {@link LanguageModelFiles}.
 *
 * <p>The sections of {@code config.json} ({@code model_type = "text_classifier"}):
 * <pre>
 * "model":      {"cell": "LSTM", "vocab_size": 20000, "embedding_dim": 64, "hidden_size": 128, "num_layers": 1,
 *                "bidirectional": true, "num_classes": 2, "dropout": 0.2, "dtype": "FLOAT32", "seed": 1, "pad_id": 0}
 * "classes":    ["neg", "pos"]                         (class id i is classes[i])
 * "input":      {"max_len": 400}                       (only the last max_len tokens are read; 0 = all)
 * "tokenizer":  {"type": "word", ...}                  (as in LanguageModelFiles)
 * "vocabulary": {"file": "vocab.txt", "size": 20000, "fingerprint": "…SHA-256…"}
 * "weights":    {"file": "weights.safetensors", "names": "pytorch", "dtype": "F32", "parameters": 123456}
 * "provenance": {...}
 * </pre>
 * {@link #load} checks everything (container, every field, the class list, the vocabulary's size and fingerprint,
 * every weight name and shape) before it builds the model.
 */
public final class TextClassifierFiles {
    /** The {@code model_type} of a text classifier. */
    public static final String MODEL_TYPE = "text_classifier";

    private TextClassifierFiles() {}

    /**
     * A loaded classifier with what it needs to read text.
     *
     * @param model      the model, weights loaded, in evaluation mode
     * @param classes    the class names, by id
     * @param maxLen     only the last {@code maxLen} tokens of a text are read (0: all)
     * @param vocabulary its vocabulary
     * @param tokenizer  its tokenizer
     * @param provenance where it came from, or null
     * @param config     {@code config.json} as read
     * @param dir        the model directory
     */
    public record Loaded(TextClassifier model, List<String> classes, int maxLen, Vocabulary vocabulary, Tokenizer tokenizer,
                         ModelFile.Provenance provenance, ModelConfig config, Path dir) {
        /** A text's ids as the model reads them: tokenized, encoded, cut to the last {@code maxLen}. */
        public int[] encode(String text) {
            return clip(vocabulary.encode(text, tokenizer), maxLen);
        }

        /** The class probabilities of each text. */
        public double[][] predictProbabilities(List<String> texts) {
            int[][] ids = new int[texts.size()][];
            for (int i = 0; i < ids.length; i++) ids[i] = encode(texts.get(i));
            return model.predictProbabilities(ids);
        }
    }

    /** The last {@code maxLen} ids of {@code ids} (all when {@code maxLen} is 0 or the sequence is shorter). */
    public static int[] clip(int[] ids, int maxLen) {
        return maxLen <= 0 || ids.length <= maxLen ? ids : Arrays.copyOfRange(ids, ids.length - maxLen, ids.length);
    }

    // ------------------------------------------------------------------ saving

    /**
     * Saves a classifier as a model directory, atomically (see {@link ModelFile#write}).
     *
     * @param dir        the directory to create (or replace, when it holds a model)
     * @param model      the model
     * @param classes    the class names, {@code model.config().numClasses()} distinct non-empty strings
     * @param maxLen     the input length the model was trained with (0: unlimited)
     * @param vocabulary its vocabulary (size {@code model.config().vocabSize()})
     * @param tokenizer  the {@link CharTokenizer} or {@link WordTokenizer} the vocabulary was built with
     * @param provenance where the model came from
     */
    public static void save(Path dir, TextClassifier model, List<String> classes, int maxLen, Vocabulary vocabulary,
                            Tokenizer tokenizer, ModelFile.Provenance provenance) throws IOException {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(vocabulary, "vocabulary");
        Objects.requireNonNull(tokenizer, "tokenizer");
        Objects.requireNonNull(provenance, "provenance");
        TextClassifier.Config c = model.config();
        String bad = classProblem(classes, c.numClasses());
        if (bad != null) throw new IllegalArgumentException("TextClassifierFiles.save: the class names " + bad);
        if (vocabulary.size() != c.vocabSize()) {
            throw new IllegalArgumentException("TextClassifierFiles.save: the vocabulary has " + vocabulary.size()
                    + " tokens, the model's vocabSize is " + c.vocabSize());
        }
        if (maxLen < 0) throw new IllegalArgumentException("TextClassifierFiles.save: maxLen must be >= 0, got " + maxLen);
        ModelConfig config = ModelConfig.builder()
                .put("model_type", MODEL_TYPE)
                .put("model", modelSection(c))
                .putStrings("classes", classes)
                .put("input", ModelConfig.builder().put("max_len", (long) maxLen).build())
                .put("tokenizer", LanguageModelFiles.tokenizerSection(tokenizer))
                .put("vocabulary", VocabularySection.of(ModelFile.VOCAB_FILE, vocabulary))
                .put("weights", ModelConfig.builder().put("file", ModelFile.WEIGHTS_FILE).put("names", "pytorch")
                        .put("dtype", c.dtype() == DType.FLOAT64 ? "F64" : "F32").put("parameters", model.parameterCount()).build())
                .put("provenance", provenance.toConfig())
                .build();
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(ModelFile.VOCAB_FILE, vocabulary.toText().getBytes(StandardCharsets.UTF_8));
        ModelFile.write(dir, config, model.stateDict(), files);
    }

    /** What is wrong with a class list, or null when it is fine. */
    private static String classProblem(List<String> classes, int n) {
        if (classes == null) return "are missing";
        if (classes.size() != n) return "are " + classes.size() + ", but the model has " + n + " classes";
        Set<String> seen = new HashSet<>();
        for (String s : classes) {
            if (s == null || s.isEmpty()) return "include an empty name";
            if (s.contains("\t") || s.contains("\n") || s.contains("\r")) return "include '" + s + "' with a tab or line break";
            if (!seen.add(s)) return "include '" + s + "' twice";
        }
        return null;
    }

    /** The {@code model} section: every field of the config. */
    public static ModelConfig modelSection(TextClassifier.Config c) {
        return ModelConfig.builder()
                .put("cell", c.cell().name()).put("vocab_size", (long) c.vocabSize())
                .put("embedding_dim", (long) c.embeddingDim()).put("hidden_size", (long) c.hiddenSize())
                .put("num_layers", (long) c.numLayers()).put("bidirectional", c.bidirectional())
                .put("num_classes", (long) c.numClasses()).put("dropout", c.dropout()).put("dtype", c.dtype().name())
                .put("seed", c.seed()).put("pad_id", (long) c.padId()).build();
    }

    /**
     * Reads the {@code model} section back.
     *
     * @throws ModelFileException naming the field that is missing, of the wrong type, or out of range
     */
    public static TextClassifier.Config modelFrom(ModelConfig m) throws ModelFileException {
        CellType cell = m.getEnum("cell", CellType.class);
        int v = m.getSize("vocab_size"), e = m.getSize("embedding_dim"), h = m.getSize("hidden_size");
        int l = m.getLayers("num_layers");
        boolean bi = m.getBoolean("bidirectional");
        int c = m.getSize("num_classes");
        double dropout = m.getDouble("dropout");
        DType dtype = m.getEnum("dtype", DType.class);
        long seed = m.getLong("seed");
        int pad = m.getInt("pad_id");
        try {
            return new TextClassifier.Config(cell, v, e, h, l, bi, c, dropout, dtype, seed, pad);
        } catch (IllegalArgumentException ex) {
            throw new ModelFileException(m.source() + ": section 'model' is not a valid text classifier: " + ex.getMessage(), ex);
        }
    }

    /**
     * The parameter names and shapes a classifier of this config has: {@code embedding.weight [V, E]}, the recurrent
     * layers under PyTorch's names, {@code output.weight [C, D·H]}, {@code output.bias [C]}.
     */
    public static Map<String, int[]> expectedShapes(TextClassifier.Config c) {
        Map<String, int[]> out = new LinkedHashMap<>();
        out.put("embedding.weight", new int[] {c.vocabSize(), c.embeddingDim()});
        TorchNames.recurrentShapes(c.cell(), c.embeddingDim(), c.hiddenSize(), c.numLayers(), c.bidirectional(), true)
                .forEach((n, s) -> out.put("rnn." + n, s));
        out.put("output.weight", new int[] {c.numClasses(), c.directions() * c.hiddenSize()});
        out.put("output.bias", new int[] {c.numClasses()});
        return out;
    }

    // ------------------------------------------------------------------ loading

    /**
     * Loads a model directory written by {@link #save}, checking everything first.
     *
     * @throws ModelFileException naming the file and the problem
     * @throws IOException        when a file cannot be read
     */
    public static Loaded load(Path dir) throws IOException {
        ModelFile file = ModelFile.open(dir, MODEL_TYPE);
        ModelConfig config = file.config();
        TextClassifier.Config mc = modelFrom(config.getObject("model"));
        List<String> classes = classesFrom(config, mc.numClasses());
        ModelConfig input = config.getObject("input");
        long maxLen = input.getLong("max_len");
        if (maxLen < 0 || maxLen > Integer.MAX_VALUE) throw input.fieldError("max_len", "must be >= 0 (0 = all), found " + maxLen);
        ModelFile.Provenance provenance = file.provenance();

        Tokenizer tokenizer = LanguageModelFiles.tokenizerFrom(config.getObject("tokenizer"));
        VocabularySection.Read read = VocabularySection.read(file, config.getObject("vocabulary"), mc.vocabSize(),
                "vocab_size", "embedding");
        Vocabulary vocab = read.vocabulary();
        VocabularySection.checkSpecial(read.path(), "pad_id", mc.padId(), vocab.padId(), "<pad>");
        file.checkLayerCount(config.getObject("model"), "num_layers", mc.numLayers());
        file.checkWeights(expectedShapes(mc));

        TextClassifier model = new TextClassifier(mc);
        model.loadStateDict(file.readWeights(mc.dtype()));
        model.eval();
        return new Loaded(model, classes, (int) maxLen, vocab, tokenizer, provenance, config, dir);
    }

    private static List<String> classesFrom(ModelConfig config, int n) throws ModelFileException {
        Object raw = config.get("classes");
        if (raw == null) throw config.fieldError("classes", "is missing");
        if (!(raw instanceof List)) throw config.fieldError("classes", "must be a list of class names, found " + kind(raw));
        List<String> out = new ArrayList<>();
        for (Object o : (List<?>) raw) {
            if (!(o instanceof String)) {
                throw config.fieldError("classes", "must hold strings only, found " + kind(o));
            }
            out.add((String) o);
        }
        String bad = classProblem(out, n);
        if (bad != null) throw config.fieldError("classes", "is not valid: the class names " + bad + " (model.num_classes)");
        return List.copyOf(out);
    }

    private static String kind(Object o) {
        if (o instanceof String) return "a string";
        if (o instanceof Number) return "a number";
        if (o instanceof Boolean) return "a boolean";
        if (o instanceof ModelConfig) return "an object";
        if (o instanceof List) return "a list";
        return "null";
    }
}
