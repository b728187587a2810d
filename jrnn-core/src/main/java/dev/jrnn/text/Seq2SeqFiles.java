package dev.jrnn.text;

import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.io.ModelConfig;
import dev.jrnn.io.ModelFile;
import dev.jrnn.io.ModelFileException;
import dev.jrnn.io.TorchNames;
import dev.jrnn.nn.Attention;
import dev.jrnn.tensor.DType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A {@link Seq2Seq} encoder–decoder saved as a model directory ({@link ModelFile}: {@code config.json},
 * {@code weights.safetensors}, {@code source_vocab.txt}, {@code target_vocab.txt}) with both sides' tokenizer
 * settings and vocabularies, the decoding limit and the provenance, so that {@code jrnn predict DIR} needs nothing
 * else. Mirrors {@link LanguageModelFiles} and {@link TextClassifierFiles}.
 *
 * <pre>{@code
 * Seq2SeqFiles.save(dir, model, srcVocab, new CharTokenizer(), tgtVocab, new CharTokenizer(), 12,
 *         ModelFile.Provenance.now("pairs.tsv", 10, 800, 42.0, Map.of("valid_exact_match", 0.93), "jrnn train seq2seq ..."));
 * Seq2SeqFiles.Loaded m = Seq2SeqFiles.load(dir);
 * String out = m.greedy(List.of("12+7")).get(0);                       // "19"
 * }</pre>
 *
 * <p>The sections of {@code config.json} ({@code model_type = "seq2seq"}):
 * <pre>
 * "model":    {"cell": "LSTM", "source_vocab_size": 13, "target_vocab_size": 14, "embedding_dim": 16,
 *              "hidden_size": 64, "num_layers": 1, "dropout": 0.0, "dtype": "FLOAT32", "seed": 1,
 *              "bos_id": 2, "eos_id": 1, "attention": "LUONG_GENERAL"}   (NONE when absent: files from before attention)
 * "source":   {"tokenizer": {"type": "char", ...},                           (as in LanguageModelFiles)
 *              "vocabulary": {"file": "source_vocab.txt", "size": 13, "fingerprint": "…SHA-256…"}}
 * "target":   {"tokenizer": {...}, "vocabulary": {"file": "target_vocab.txt", "size": 14, "fingerprint": "…"}}
 * "decoding": {"max_length": 12}                 (the default limit of generated target tokens)
 * "weights":  {"file": "weights.safetensors", "names": "pytorch", "dtype": "F32", "parameters": 12345}
 * "provenance": {...}
 * </pre>
 * {@link #load} checks everything before it builds the model: the container ({@link ModelFile#open}: files, sizes,
 * SHA-256, version), every field of {@code model} (a valid {@link Seq2SeqConfig}), both tokenizers, both
 * vocabularies (their own format, their sizes against {@code config.json} and against the model's embeddings, their
 * fingerprints), the target vocabulary's {@code <bos>} and {@code <eos>} ids against {@code model.bos_id} and
 * {@code model.eos_id}, and every weight name and shape ({@link #expectedShapes}).
 */
public final class Seq2SeqFiles {
    /** The {@code model_type} of an encoder–decoder. */
    public static final String MODEL_TYPE = "seq2seq";
    /** The source-side vocabulary file. */
    public static final String SOURCE_VOCAB_FILE = "source_vocab.txt";
    /** The target-side vocabulary file. */
    public static final String TARGET_VOCAB_FILE = "target_vocab.txt";

    private Seq2SeqFiles() {}

    /**
     * A loaded encoder–decoder with what it needs to read sources and write targets.
     *
     * @param model             the model, weights loaded, in evaluation mode
     * @param sourceVocabulary  the source side's vocabulary
     * @param sourceTokenizer   the source side's tokenizer
     * @param targetVocabulary  the target side's vocabulary ({@code <bos>} and {@code <eos>} included)
     * @param targetTokenizer   the target side's tokenizer (used to join the output tokens)
     * @param maxLength         the default decoding limit, in target tokens
     * @param provenance        where it came from, or null
     * @param config            {@code config.json} as read
     * @param dir               the model directory
     */
    public record Loaded(Seq2Seq model, Vocabulary sourceVocabulary, Tokenizer sourceTokenizer, Vocabulary targetVocabulary,
                         Tokenizer targetTokenizer, int maxLength, ModelFile.Provenance provenance, ModelConfig config,
                         Path dir) {
        /** A source text as ids (unknown tokens become the source {@code <unk>}, or fail without one); may be empty. */
        public int[] encode(String source) {
            return sourceVocabulary.encode(source, sourceTokenizer);
        }

        /** Target ids as text. */
        public String decode(int[] target) {
            return targetVocabulary.decode(target, targetTokenizer);
        }

        /**
         * Greedy decoding of several sources at once (up to {@link #maxLength} tokens each). A source with no tokens
         * (an empty line) gives an empty output: the encoder needs at least one token.
         */
        public List<String> greedy(List<String> sources) {
            List<int[]> ids = new ArrayList<>(sources.size());
            List<Integer> rows = new ArrayList<>();
            for (int i = 0; i < sources.size(); i++) {
                int[] s = encode(sources.get(i));
                if (s.length > 0) {
                    ids.add(s);
                    rows.add(i);
                }
            }
            List<String> out = new ArrayList<>(java.util.Collections.nCopies(sources.size(), ""));
            if (!ids.isEmpty()) {
                List<int[]> got = model.greedy(ids, maxLength);
                for (int k = 0; k < got.size(); k++) out.set(rows.get(k), decode(got.get(k)));
            }
            return out;
        }

        /**
         * Beam search for one source; the best hypotheses first, each as its text and its log-probability. An empty
         * source gives no hypotheses.
         *
         * @param beam the search's options ({@code <eos>} is the model's when the config names none)
         */
        public List<Map.Entry<String, Double>> beamSearch(String source, BeamSearchConfig beam) {
            int[] s = encode(source);
            List<Map.Entry<String, Double>> out = new ArrayList<>();
            if (s.length == 0) return out;
            for (BeamSearch.Hypothesis h : model.beamSearch(s, beam)) {
                out.add(Map.entry(decode(h.tokens()), h.logProbability()));
            }
            return out;
        }
    }

    // ------------------------------------------------------------------ saving

    /**
     * Saves an encoder–decoder as a model directory, atomically (see {@link ModelFile#write}).
     *
     * @param dir               the directory to create (or replace, when it holds a model)
     * @param model             the model
     * @param sourceVocabulary  the source vocabulary (size {@code model.config().sourceVocabSize()})
     * @param sourceTokenizer   the {@link CharTokenizer} or {@link WordTokenizer} of the source side
     * @param targetVocabulary  the target vocabulary (size {@code targetVocabSize()}), whose {@code <bos>} and
     *                          {@code <eos>} ids are the config's {@code bosId} and {@code eosId}
     * @param targetTokenizer   the tokenizer of the target side
     * @param maxLength         the default decoding limit (e.g. the longest training target plus a margin), &gt;= 1
     * @param provenance        where the model came from
     */
    public static void save(Path dir, Seq2Seq model, Vocabulary sourceVocabulary, Tokenizer sourceTokenizer,
                            Vocabulary targetVocabulary, Tokenizer targetTokenizer, int maxLength,
                            ModelFile.Provenance provenance) throws IOException {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(sourceVocabulary, "sourceVocabulary");
        Objects.requireNonNull(sourceTokenizer, "sourceTokenizer");
        Objects.requireNonNull(targetVocabulary, "targetVocabulary");
        Objects.requireNonNull(targetTokenizer, "targetTokenizer");
        Objects.requireNonNull(provenance, "provenance");
        Seq2SeqConfig c = model.config();
        if (sourceVocabulary.size() != c.sourceVocabSize() || targetVocabulary.size() != c.targetVocabSize()) {
            throw new IllegalArgumentException("Seq2SeqFiles.save: the vocabularies have " + sourceVocabulary.size() + " and "
                    + targetVocabulary.size() + " tokens, the model's sourceVocabSize and targetVocabSize are "
                    + c.sourceVocabSize() + " and " + c.targetVocabSize());
        }
        if (targetVocabulary.bosId() != c.bosId() || targetVocabulary.eosId() != c.eosId()) {
            throw new IllegalArgumentException("Seq2SeqFiles.save: the target vocabulary has <bos> " + targetVocabulary.bosId()
                    + " and <eos> " + targetVocabulary.eosId() + ", the model's bosId and eosId are " + c.bosId() + " and "
                    + c.eosId());
        }
        if (maxLength < 1) throw new IllegalArgumentException("Seq2SeqFiles.save: maxLength must be >= 1, got " + maxLength);
        ModelConfig config = ModelConfig.builder()
                .put("model_type", MODEL_TYPE)
                .put("model", modelSection(c))
                .put("source", side(sourceTokenizer, sourceVocabulary, SOURCE_VOCAB_FILE))
                .put("target", side(targetTokenizer, targetVocabulary, TARGET_VOCAB_FILE))
                .put("decoding", ModelConfig.builder().put("max_length", (long) maxLength).build())
                .put("weights", ModelConfig.builder().put("file", ModelFile.WEIGHTS_FILE).put("names", "pytorch")
                        .put("dtype", c.dtype() == DType.FLOAT64 ? "F64" : "F32").put("parameters", model.parameterCount()).build())
                .put("provenance", provenance.toConfig())
                .build();
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(SOURCE_VOCAB_FILE, sourceVocabulary.toText().getBytes(StandardCharsets.UTF_8));
        files.put(TARGET_VOCAB_FILE, targetVocabulary.toText().getBytes(StandardCharsets.UTF_8));
        ModelFile.write(dir, config, model.stateDict(), files);
    }

    private static ModelConfig side(Tokenizer tokenizer, Vocabulary vocabulary, String file) {
        return ModelConfig.builder()
                .put("tokenizer", LanguageModelFiles.tokenizerSection(tokenizer))
                .put("vocabulary", VocabularySection.of(file, vocabulary))
                .build();
    }

    /** The {@code model} section: every field of the config. */
    public static ModelConfig modelSection(Seq2SeqConfig c) {
        return ModelConfig.builder()
                .put("cell", c.cell().name()).put("source_vocab_size", (long) c.sourceVocabSize())
                .put("target_vocab_size", (long) c.targetVocabSize()).put("embedding_dim", (long) c.embeddingDim())
                .put("hidden_size", (long) c.hiddenSize()).put("num_layers", (long) c.numLayers())
                .put("dropout", c.dropout()).put("dtype", c.dtype().name()).put("seed", c.seed())
                .put("bos_id", (long) c.bosId()).put("eos_id", (long) c.eosId())
                .put("attention", c.attention().name()).build();
    }

    /**
     * Reads the {@code model} section back.
     *
     * @throws ModelFileException naming the field that is missing, of the wrong type, or out of range
     */
    public static Seq2SeqConfig modelFrom(ModelConfig m) throws ModelFileException {
        CellType cell = m.getEnum("cell", CellType.class);
        int vs = m.getSize("source_vocab_size"), vt = m.getSize("target_vocab_size");
        int e = m.getSize("embedding_dim"), h = m.getSize("hidden_size"), l = m.getLayers("num_layers");
        double dropout = m.getDouble("dropout");
        DType dtype = m.getEnum("dtype", DType.class);
        long seed = m.getLong("seed");
        int bos = m.getInt("bos_id"), eos = m.getInt("eos_id");
        Attention.Type attention = m.has("attention") ? m.getEnum("attention", Attention.Type.class) : Attention.Type.NONE;
        try {
            return new Seq2SeqConfig(cell, vs, vt, e, h, l, dropout, dtype, seed, bos, eos, attention);
        } catch (IllegalArgumentException ex) {
            throw new ModelFileException(m.source() + ": section 'model' is not a valid seq2seq model: " + ex.getMessage(), ex);
        }
    }

    /**
     * The parameter names and shapes an encoder–decoder of this config has, from the config alone:
     * {@code source_embedding.weight [Vs, E]}, {@code encoder.*} and {@code decoder.*} under PyTorch's recurrent names,
     * {@code target_embedding.weight [Vt, E]}, {@code output.weight [Vt, H]}, {@code output.bias [Vt]}; with Bahdanau
     * attention the decoder reads {@code E + H} features and {@code attention.query.weight [H, H]},
     * {@code attention.key.weight [H, H]}, {@code attention.v.weight [1, H]} are added; with Luong general
     * {@code attention.weight [H, H]}, and with both Luong kinds {@code combine.weight [H, 2H]}.
     */
    public static Map<String, int[]> expectedShapes(Seq2SeqConfig c) {
        int e = c.embeddingDim(), h = c.hiddenSize();
        Map<String, int[]> rnn = TorchNames.recurrentShapes(c.cell(), e, h, c.numLayers(), false, true);
        Map<String, int[]> dec = c.attention() == Attention.Type.BAHDANAU
                ? TorchNames.recurrentShapes(c.cell(), e + h, h, c.numLayers(), false, true) : rnn;
        Map<String, int[]> out = new LinkedHashMap<>();
        out.put("source_embedding.weight", new int[] {c.sourceVocabSize(), e});
        rnn.forEach((n, s) -> out.put("encoder." + n, s));
        out.put("target_embedding.weight", new int[] {c.targetVocabSize(), e});
        dec.forEach((n, s) -> out.put("decoder." + n, s));
        out.put("output.weight", new int[] {c.targetVocabSize(), h});
        out.put("output.bias", new int[] {c.targetVocabSize()});
        switch (c.attention()) {
            case BAHDANAU -> {
                out.put("attention.query.weight", new int[] {h, h});
                out.put("attention.key.weight", new int[] {h, h});
                out.put("attention.v.weight", new int[] {1, h});
            }
            case LUONG_GENERAL -> out.put("attention.weight", new int[] {h, h});
            default -> { }
        }
        if (c.attention() == Attention.Type.LUONG_DOT || c.attention() == Attention.Type.LUONG_GENERAL) {
            out.put("combine.weight", new int[] {h, 2 * h});
        }
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
        Seq2SeqConfig mc = modelFrom(config.getObject("model"));
        ModelConfig decoding = config.getObject("decoding");
        long maxLength = decoding.getLong("max_length");
        if (maxLength < 1) throw decoding.fieldError("max_length", "must be >= 1, found " + maxLength);
        if (maxLength > Seq2Seq.MAX_LENGTH) {
            throw decoding.fieldError("max_length", "is " + maxLength + ", above the limit of " + Seq2Seq.MAX_LENGTH
                    + " tokens (Seq2Seq.MAX_LENGTH)");
        }
        ModelFile.Provenance provenance = file.provenance();

        ModelConfig source = config.getObject("source"), targetSection = config.getObject("target");
        Tokenizer sourceTok = LanguageModelFiles.tokenizerFrom(source.getObject("tokenizer"));
        Tokenizer targetTok = LanguageModelFiles.tokenizerFrom(targetSection.getObject("tokenizer"));
        Vocabulary sourceVocab = VocabularySection.read(file, source.getObject("vocabulary"), mc.sourceVocabSize(),
                "source_vocab_size", "source embedding").vocabulary();
        VocabularySection.Read target = VocabularySection.read(file, targetSection.getObject("vocabulary"),
                mc.targetVocabSize(), "target_vocab_size", "target embedding and output layer");
        Vocabulary targetVocab = target.vocabulary();
        VocabularySection.checkSpecial(target.path(), "bos_id", mc.bosId(), targetVocab.bosId(), "<bos>");
        VocabularySection.checkSpecial(target.path(), "eos_id", mc.eosId(), targetVocab.eosId(), "<eos>");
        file.checkLayerCount(config.getObject("model"), "num_layers", mc.numLayers());
        file.checkWeights(expectedShapes(mc));

        Seq2Seq model = new Seq2Seq(mc);
        model.loadStateDict(file.readWeights(mc.dtype()));
        model.eval();
        return new Loaded(model, sourceVocab, sourceTok, targetVocab, targetTok, (int) maxLength, provenance, config, dir);
    }
}
