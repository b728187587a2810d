package dev.jrnn.spark;

import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.io.ModelFile;
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
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Batch inference on a local[2] session gives what one JVM gives (the calls of jrnn predict), row for row. */
class JrnnPredictorTest {
    private static final String[] WORDS = {"a", "good", "film", "bad", "plot", "great", "awful", "acting", "the", "was"};
    private static SparkSession spark;
    @TempDir
    static Path tmp;
    private static Path classifier;
    private static List<String> texts;                   // with nulls and blanks among them

    @BeforeAll
    static void start() throws IOException {
        spark = SparkTests.session("local[2]", "JrnnPredictorTest");
        WordTokenizer t = WordTokenizer.builder().lowerCase(true).build();
        Vocabulary v = Vocabulary.builder().specials(SpecialToken.PAD, SpecialToken.UNK).addTexts(List.of(WORDS), t).build();
        TextClassifier m = new TextClassifier(TextClassifier.Config.of(v.size(), 6, 8, 3)
                .withCell(CellType.LSTM).withSeed(5).withPadId(v.padId()));
        classifier = tmp.resolve("classifier");
        TextClassifierFiles.save(classifier, m, List.of("neg", "neutral", "pos"), 12, v, t, ModelFile.Provenance.unknown());
        Rng rng = new Rng(9);
        texts = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            if (i % 97 == 3) { texts.add(null); continue; }
            if (i % 89 == 7) { texts.add("  "); continue; }
            StringBuilder b = new StringBuilder();
            int n = 1 + rng.nextInt(20);
            for (int k = 0; k < n; k++) b.append(k == 0 ? "" : " ").append(WORDS[rng.nextInt(WORDS.length)]);
            texts.add(b.toString());
        }
    }

    @AfterAll
    static void stop() {
        if (spark != null) spark.stop();
    }

    private static Dataset<Row> frame(List<String> values, int partitions) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) rows.add(RowFactory.create((long) i, values.get(i)));
        StructType schema = new StructType().add("id", DataTypes.LongType).add("text", DataTypes.StringType);
        return spark.createDataFrame(rows, schema).repartition(partitions).sortWithinPartitions("id");
    }

    /** What jrnn predict computes: the non-empty lines in chunks of 256. */
    private static Map<Long, double[]> singleJvm(List<String> values) throws IOException {
        TextClassifierFiles.Loaded m = TextClassifierFiles.load(classifier);
        List<Long> ids = new ArrayList<>();
        List<String> inputs = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i) != null && !values.get(i).isBlank()) {
                ids.add((long) i);
                inputs.add(values.get(i));
            }
        }
        Map<Long, double[]> out = new HashMap<>();
        for (int s = 0; s < inputs.size(); s += 256) {
            double[][] p = m.predictProbabilities(inputs.subList(s, Math.min(inputs.size(), s + 256)));
            for (int i = 0; i < p.length; i++) out.put(ids.get(s + i), p[i]);
        }
        return out;
    }

    private static double[] probabilities(Row prediction) {
        List<Object> list = prediction.getList(2);
        double[] out = new double[list.size()];
        for (int i = 0; i < out.length; i++) out[i] = (Double) list.get(i);
        return out;
    }

    @Test
    void classifierColumnMatchesOneJvmAndCountsEmptyInputs() throws IOException {
        Map<Long, double[]> expected = singleJvm(texts);
        JrnnPredictor p = JrnnPredictor.load(spark, classifier);
        int loadedBefore = ShippedModel.loadedCount();
        List<Row> got = p.transform(frame(texts, 4), "text", "sentiment", 64).collectAsList();
        assertTrue(ShippedModel.loadedCount() <= loadedBefore + 1, "four tasks load the model once per JVM, not once each");
        assertTrue(ShippedModel.isLoaded(ShippedModel.read(classifier).key()));
        assertEquals(texts.size(), got.size());
        int empty = 0;
        List<String> classes = List.of("neg", "neutral", "pos");
        for (Row r : got) {
            long id = r.getLong(0);
            double[] want = expected.get(id);
            if (want == null) {
                assertTrue(r.isNullAt(2), "row " + id + " has no text, so no prediction");
                empty++;
                continue;
            }
            Row pred = r.getStruct(2);
            assertArrayEquals(want, probabilities(pred), 1e-6, "row " + id);
            int best = 0;
            for (int c = 1; c < want.length; c++) if (want[c] > want[best]) best = c;
            assertEquals(classes.get(best), pred.getString(0), "row " + id);
            assertEquals(want[best], pred.getDouble(1), 1e-6, "row " + id);
        }
        assertTrue(empty > 5);
        assertEquals(empty, p.emptyInputs(), "every null or blank input is counted once");
    }

    @Test
    void samePartitionAndBatchesAsJrnnPredictGiveTheSameBits() throws IOException {
        List<String> nonEmpty = texts.stream().filter(s -> s != null && !s.isBlank()).toList();
        Map<Long, double[]> expected = singleJvm(nonEmpty);
        List<Row> got = JrnnPredictor.load(spark, classifier).transform(frame(nonEmpty, 1), "text", "p", 256).collectAsList();
        for (Row r : got) assertArrayEquals(expected.get(r.getLong(0)), probabilities(r.getStruct(2)), 0.0, "row " + r.getLong(0));
    }

    @Test
    void sqlFunctionAndPipelineTransformerGiveTheSameAnswers() throws IOException {
        Map<Long, double[]> expected = singleJvm(texts);
        JrnnPredictor.load(spark, classifier).register(spark, "sentiment");
        frame(texts, 3).createOrReplaceTempView("reviews");
        List<Row> sql = spark.sql("SELECT id, sentiment(text) AS s FROM reviews").collectAsList();
        for (Row r : sql) {
            double[] want = expected.get(r.getLong(0));
            if (want == null) assertTrue(r.isNullAt(1));
            else assertArrayEquals(want, probabilities(r.getStruct(1)), 1e-6, "row " + r.getLong(0));
        }
        JrnnModelTransformer t = new JrnnModelTransformer().setModelPath(classifier.toString()).setOutputCol("s").setBatchSize(32);
        List<Row> piped = new Pipeline().setStages(new PipelineStage[] {t}).fit(frame(texts, 3)).transform(frame(texts, 3))
                .select("id", "s.label", "s.probability").collectAsList();
        assertEquals(texts.size(), piped.size());
        for (Row r : piped) {
            double[] want = expected.get(r.getLong(0));
            if (want == null) assertTrue(r.isNullAt(1));
            else assertEquals(Arrays.stream(want).max().orElseThrow(), r.getDouble(2), 1e-6);
        }
    }

    @Test
    void languageModelScoresEqualLogProbability() throws IOException {
        CharTokenizer t = new CharTokenizer();
        Vocabulary v = Vocabulary.builder().specials(SpecialToken.UNK).addAll(t.tokenize("abcdefgh ")).build();
        Path dir = tmp.resolve("lm");
        LanguageModelFiles.save(dir, new LanguageModel(LanguageModelConfig.of(v.size(), 4, 6).withSeed(2)), v, t,
                ModelFile.Provenance.unknown());
        LanguageModelFiles.Loaded m = LanguageModelFiles.load(dir);
        List<String> lines = List.of("abc", "", "hag bed", "fade", "cab bad dag");
        List<Row> got = JrnnPredictor.load(spark, dir).transform(frame(lines, 2), "text", "score", 2)
                .orderBy("id").collectAsList();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isEmpty()) {
                assertTrue(got.get(i).isNullAt(2));
                continue;
            }
            int[] ids = m.encode(lines.get(i));
            Row s = got.get(i).getStruct(2);
            assertEquals(m.model().logProbability(ids), s.getDouble(0), 0.0, lines.get(i));
            assertEquals(ids.length, s.getInt(1));
            assertEquals(Math.exp(-s.getDouble(0) / ids.length), s.getDouble(2), 1e-12);
        }
    }

    @Test
    void seq2seqOutputsEqualGreedyDecoding() throws IOException {
        CharTokenizer t = new CharTokenizer();
        List<String> lines = List.of("12+3", "", "7+45", "9+9", "100+1");
        Vocabulary src = Vocabulary.builder().specials(SpecialToken.UNK).addTexts(lines, t).build();
        Vocabulary tgt = Vocabulary.builder().specials(SpecialToken.UNK, SpecialToken.EOS, SpecialToken.BOS)
                .addTexts(List.of("0123456789"), t).build();
        Path dir = tmp.resolve("seq2seq");
        Seq2SeqFiles.save(dir, new Seq2Seq(Seq2SeqConfig.of(src.size(), tgt.size(), 5, 7, tgt.bosId(), tgt.eosId())),
                src, t, tgt, t, 6, ModelFile.Provenance.unknown());
        List<String> want = Seq2SeqFiles.load(dir).greedy(List.of("12+3", "7+45", "9+9", "100+1"));
        List<Row> got = JrnnPredictor.load(spark, dir).transform(frame(lines, 2), "text", "sum", 256).orderBy("id").collectAsList();
        assertTrue(got.get(1).isNullAt(2));
        assertEquals(want, List.of(got.get(0).getString(2), got.get(2).getString(2), got.get(3).getString(2), got.get(4).getString(2)));
    }

    @Test
    void regressorForecastsEachRowsTable() throws IOException {
        ForecastSpec spec = new ForecastSpec(List.of("x", "temp"), List.of("temp"), 5, 2);
        double[][] rows = new double[30][];
        for (int r = 0; r < 30; r++) rows[r] = new double[] {Math.sin(r * 0.5), 20 + Math.cos(r * 0.2) * 3};
        Standardizer z = Standardizer.fit(TimeSeries.of(List.of("x", "temp"), rows), spec.columns(), 0, 24);
        Path dir = tmp.resolve("regressor");
        SequenceRegressorFiles.save(dir, new SequenceRegressor(SequenceRegressor.Config.of(2, 4, 2)), spec, z,
                ModelFile.Provenance.unknown());
        SequenceRegressorFiles.Loaded m = SequenceRegressorFiles.load(dir);
        List<String> tables = new ArrayList<>();
        for (int s = 0; s < 6; s++) {
            StringBuilder b = new StringBuilder("temp,x\n");
            for (int r = s; r < s + 7 + s; r++) b.append(rows[r % 30][1]).append(',').append(rows[r % 30][0]).append('\n');
            tables.add(b.toString());
        }
        List<Row> got = JrnnPredictor.load(spark, dir).transform(frame(tables, 2), "text", "forecast", 4).orderBy("id").collectAsList();
        for (int i = 0; i < tables.size(); i++) {
            double[] want = m.forecast(TimeSeries.parse(tables.get(i), "t", TimeSeries.Header.AUTO));
            List<Object> y = got.get(i).getList(2);
            assertEquals(want.length, y.size());
            for (int k = 0; k < want.length; k++) assertEquals(want[k], (Double) y.get(k), 0.0, "table " + i);
        }
    }

    @Test
    void anUnreadableModelFailsTheJobWithJrnnsMessage() throws IOException {
        Map<String, byte[]> files = ShippedModel.read(classifier).files();
        byte[] w = files.get(ModelFile.WEIGHTS_FILE);
        files.put(ModelFile.WEIGHTS_FILE, Arrays.copyOf(w, w.length / 2));    // truncated on its way
        JrnnPredictor p = JrnnPredictor.of(spark, ShippedModel.of("hdfs-copy/classifier", TextClassifierFiles.MODEL_TYPE, files));
        Exception e = assertThrows(Exception.class, () -> p.transform(frame(texts, 2), "text", "p", 8).collectAsList());
        String all = SparkTests.messages(e);
        assertTrue(all.contains("jrnn: cannot load model hdfs-copy/classifier on "), all);
        assertTrue(all.contains(ModelFile.WEIGHTS_FILE), "the loader's message names the damaged file: " + all);
    }

    @Test
    void wrongColumnsAreNamed() throws IOException {
        JrnnPredictor p = JrnnPredictor.load(spark, classifier);
        assertEquals("jrnn: the input column 'review' is not in the DataFrame (columns: id, text)",
                assertThrows(IllegalArgumentException.class, () -> p.transform(frame(texts, 1), "review", "p", 8)).getMessage());
        assertEquals("jrnn: the input column 'id' must be a string column (a text per row), found bigint",
                assertThrows(IllegalArgumentException.class, () -> p.transform(frame(texts, 1), "id", "p", 8)).getMessage());
        assertEquals("jrnn: the output column 'text' is already in the DataFrame; choose another name",
                assertThrows(IllegalArgumentException.class, () -> p.transform(frame(texts, 1), "text", "text", 8)).getMessage());
    }
}
