package dev.jrnn.fuzz;

import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.io.LayerFiles;
import dev.jrnn.io.ModelConfig;
import dev.jrnn.io.ModelFile;
import dev.jrnn.io.ModelFileException;
import dev.jrnn.nn.Activation;
import dev.jrnn.nn.Dropout;
import dev.jrnn.nn.Embedding;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.Sequential;
import dev.jrnn.nn.rnn.Gru;
import dev.jrnn.series.ForecastSpec;
import dev.jrnn.series.SequenceRegressor;
import dev.jrnn.series.SequenceRegressorFiles;
import dev.jrnn.series.Standardizer;
import dev.jrnn.series.TimeSeries;
import dev.jrnn.tensor.Rng;
import dev.jrnn.text.CharTokenizer;
import dev.jrnn.text.LanguageModel;
import dev.jrnn.text.LanguageModelConfig;
import dev.jrnn.text.LanguageModelFiles;
import dev.jrnn.text.Seq2Seq;
import dev.jrnn.text.Seq2SeqConfig;
import dev.jrnn.text.Seq2SeqFiles;
import dev.jrnn.text.SpecialToken;
import dev.jrnn.text.TextClassifier;
import dev.jrnn.text.TextClassifierFiles;
import dev.jrnn.text.Vocabulary;
import dev.jrnn.text.WordTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One small model of every kind, saved by its own loader's {@code save}, as the bytes of each file of the model
 * directory: the valid starting points of the model-directory and config fuzz targets.
 */
final class SavedModels {
    private SavedModels() {}

    /** The kinds of model directory, each with its loader. */
    enum Kind {
        LANGUAGE_MODEL, TEXT_CLASSIFIER, SEQ2SEQ, SEQUENCE_REGRESSOR, LAYERS
    }

    private static final Map<Kind, Map<String, byte[]>> FILES = build();

    /** The files of the saved model of {@code kind}, by name (config.json first). */
    static Map<String, byte[]> files(Kind kind) {
        return FILES.get(kind);
    }

    /** Every saved {@code config.json}. */
    static Stream<byte[]> configs() {
        return FILES.values().stream().map(f -> f.get(ModelFile.CONFIG_FILE));
    }

    /**
     * The same files with the {@code files} section of {@code config.json} reduced to the names (no sizes, no
     * SHA-256), as a hand-made config may have it, so that a changed weights or vocabulary file reaches its parser
     * instead of failing the checksum.
     */
    static Map<String, byte[]> withoutChecksums(Map<String, byte[]> files) {
        try {
            ModelConfig config = ModelConfig.parse(new String(files.get(ModelFile.CONFIG_FILE), StandardCharsets.UTF_8),
                    ModelFile.CONFIG_FILE);
            ModelConfig.Builder names = ModelConfig.builder();
            for (String name : config.getObject("files").keys()) names.put(name, ModelConfig.builder().build());
            ModelConfig stripped = ModelConfig.builder().putAll(config).put("files", names.build()).build();
            Map<String, byte[]> out = new LinkedHashMap<>(files);
            out.put(ModelFile.CONFIG_FILE, stripped.toJson().getBytes(StandardCharsets.UTF_8));
            return out;
        } catch (ModelFileException e) {
            throw new IllegalStateException("a saved config does not parse", e);
        }
    }

    private static Map<Kind, Map<String, byte[]>> build() {
        Path root = FuzzSupport.scratch("models");
        Map<Kind, Map<String, byte[]>> out = new EnumMap<>(Kind.class);
        try {
            for (Kind kind : Kind.values()) {
                Path dir = root.resolve(kind.name());
                save(kind, dir);
                Map<String, byte[]> files = new LinkedHashMap<>();
                files.put(ModelFile.CONFIG_FILE, Files.readAllBytes(dir.resolve(ModelFile.CONFIG_FILE)));
                try (Stream<Path> list = Files.list(dir)) {
                    for (Path p : list.sorted().toList()) files.putIfAbsent(p.getFileName().toString(), Files.readAllBytes(p));
                }
                out.put(kind, files);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static void save(Kind kind, Path dir) throws IOException {
        ModelFile.Provenance made = ModelFile.Provenance.now("corpus.txt", 1, 2, 0.5, Map.of("valid_loss", 1.25), "fuzz seed");
        switch (kind) {
            case LANGUAGE_MODEL -> {
                CharTokenizer t = new CharTokenizer();
                Vocabulary v = Vocabulary.builder().specials(SpecialToken.UNK).addAll(t.tokenize("the cat sat.\n")).build();
                LanguageModel lm = new LanguageModel(LanguageModelConfig.of(v.size(), 3, 4).withLayers(2).withDropout(0.1)
                        .withSeed(1).withSpecials(v.indexOf("\n"), LanguageModel.NONE, v.unkId()));
                LanguageModelFiles.save(dir, lm, v, t, made);
            }
            case TEXT_CLASSIFIER -> {
                WordTokenizer t = WordTokenizer.builder().lowerCase(true).punctuation(WordTokenizer.Punctuation.SPLIT).build();
                List<String> texts = List.of("a good film", "a bad plot!");
                Vocabulary v = Vocabulary.builder().specials(SpecialToken.PAD, SpecialToken.UNK).addTexts(texts, t).build();
                TextClassifier m = new TextClassifier(TextClassifier.Config.of(v.size(), 3, 4, 2)
                        .withCell(CellType.GRU).withBidirectional(true).withSeed(2).withPadId(v.padId()));
                TextClassifierFiles.save(dir, m, List.of("neg", "pos"), 5, v, t, made);
            }
            case SEQ2SEQ -> {
                CharTokenizer t = new CharTokenizer();
                Vocabulary s = Vocabulary.builder().specials(SpecialToken.UNK).addTexts(List.of("1+2"), t).build();
                Vocabulary g = Vocabulary.builder().specials(SpecialToken.UNK, SpecialToken.EOS, SpecialToken.BOS)
                        .addTexts(List.of("3"), t).build();
                Seq2Seq m = new Seq2Seq(Seq2SeqConfig.of(s.size(), g.size(), 3, 4, g.bosId(), g.eosId())
                        .withCell(CellType.RNN_TANH).withSeed(3));
                Seq2SeqFiles.save(dir, m, s, t, g, t, 4, made);
            }
            case SEQUENCE_REGRESSOR -> {
                List<double[]> rows = new ArrayList<>();
                for (int r = 0; r < 12; r++) rows.add(new double[] {Math.sin(r), 20 + r % 3});
                TimeSeries table = TimeSeries.of(List.of("x", "temp"), rows.toArray(new double[0][]));
                ForecastSpec spec = new ForecastSpec(List.of("x", "temp"), List.of("temp"), 3, 1);
                Standardizer z = Standardizer.fit(table, spec.columns(), 0, 10);
                SequenceRegressor m = new SequenceRegressor(SequenceRegressor.Config.of(2, 3, 1).withSeed(4));
                SequenceRegressorFiles.save(dir, m, spec, z, made);
            }
            case LAYERS -> {
                Rng rng = new Rng(5);
                LayerFiles.save(dir, new Sequential(Embedding.builder(6, 3).paddingIdx(0).rng(rng).build(),
                        Gru.builder(3, 4).rng(rng).build().asLayer(false), new Dropout(0.1, rng), new Linear(4, 2, rng),
                        new Activation(Activation.Kind.LOG_SOFTMAX)), made);
            }
        }
    }
}
