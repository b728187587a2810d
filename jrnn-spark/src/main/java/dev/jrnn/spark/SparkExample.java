package dev.jrnn.spark;

import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.io.ModelFile;
import dev.jrnn.nn.Losses;
import dev.jrnn.optim.Adam;
import dev.jrnn.optim.GradClip;
import dev.jrnn.optim.Optimizer;
import dev.jrnn.text.SpecialToken;
import dev.jrnn.text.TextClassifier;
import dev.jrnn.text.TextClassifierFiles;
import dev.jrnn.text.Vocabulary;
import dev.jrnn.text.WordTokenizer;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * The local end-to-end example and the measuring tool of {@code docs/spark.md}: on a local Spark (no cluster), train
 * an IMDB sentiment classifier data-parallel ({@code --mode sync|local}, or {@code single}: the same batches in this
 * JVM without Spark), save it as a model directory, then classify the IMDB test reviews as a DataFrame with
 * {@link JrnnPredictor} (or in this JVM with {@code --predict single}). {@code --model DIR} skips training and
 * classifies with a saved model (e.g. from {@code jrnn train classify}). Prints accuracies and timings.
 *
 * <pre>
 * mvn -B -ntp -q -pl jrnn-spark -am compile exec:exec -Dexample.args="--steps 60 --limit 2000"
 * </pre>
 */
public final class SparkExample {
    private SparkExample() {}

    /** The options (see {@link #usage()}). */
    private static final class Options {
        String master = "local[2]";                   // unless spark-submit gives one
        Path data = Path.of("../shared/data/imdb");
        Path model;
        Path out = Path.of("runs/spark-imdb");
        String mode = "sync";
        String predict = "spark";
        int k = 10, batch = 64, trainExamples = 4000, limit = 0, maxLen = 200, vocab = 10000, hidden = 64, embedding = 32;
        int partitions = 0, evalExamples = 2000;
        long steps = 60;
        double epochs = 0, lr = 0.005;
    }

    private static String usage() {
        return "usage: SparkExample [--master local[2]] [--data DIR] [--model DIR | --out DIR] [--mode sync|local|single]\n"
                + "  [--k 10] [--batch 64] [--steps 60 | --epochs E] [--train-examples 4000] [--partitions P] [--lr 0.005]\n"
                + "  [--max-len 200 (tokens read per review)]\n"
                + "  [--predict spark|single|none] [--limit N (test reviews; 0 = all 25000)] [--eval-examples 2000]";
    }

    /** Runs the example; see the class comment. A failure prints one line and exits with status 1. */
    public static void main(String[] args) {
        try {
            run(parse(args));
        } catch (IOException | RuntimeException e) {
            System.err.println("SparkExample: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            System.exit(1);
        }
    }

    private static void run(Options o) throws IOException {
        Path train = o.data.resolve("train.tsv.gz"), test = o.data.resolve("test.tsv.gz");
        if (!Files.isRegularFile(test)) {
            System.err.println("SparkExample: " + test + " not found; pass --data DIR holding IMDB's train.tsv.gz and test.tsv.gz");
            System.exit(2);
        }
        SparkSession.Builder builder = SparkSession.builder().appName("jrnn-spark example").config("spark.ui.enabled", "false");
        if (System.getProperty("spark.master") == null) builder.master(o.master);     // spark-submit's --master wins
        SparkSession spark = builder.getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        try {
            Path modelDir = o.model != null ? o.model : trainClassifier(spark, o, train, test);
            if (!o.predict.equals("none")) classify(spark, o, modelDir, test);
        } finally {
            spark.stop();
        }
    }

    private static Options parse(String[] args) {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) fail("option " + a + " needs a value");
            String v = args[++i];
            switch (a) {
                case "--master": o.master = v; break;
                case "--data": o.data = Path.of(v); break;
                case "--model": o.model = Path.of(v); break;
                case "--out": o.out = Path.of(v); break;
                case "--mode": o.mode = oneOf(a, v, "sync", "local", "single"); break;
                case "--predict": o.predict = oneOf(a, v, "spark", "single", "none"); break;
                case "--k": o.k = Integer.parseInt(v); break;
                case "--batch": o.batch = Integer.parseInt(v); break;
                case "--steps": o.steps = Long.parseLong(v); break;
                case "--epochs": o.epochs = Double.parseDouble(v); break;
                case "--train-examples": o.trainExamples = Integer.parseInt(v); break;
                case "--eval-examples": o.evalExamples = Integer.parseInt(v); break;
                case "--partitions": o.partitions = Integer.parseInt(v); break;
                case "--limit": o.limit = Integer.parseInt(v); break;
                case "--max-len": o.maxLen = Integer.parseInt(v); break;
                case "--lr": o.lr = Double.parseDouble(v); break;
                default: fail("unknown option " + a);
            }
        }
        return o;
    }

    private static String oneOf(String option, String v, String... allowed) {
        for (String s : allowed) if (s.equals(v)) return v;
        fail(option + " must be one of " + String.join("|", allowed) + ", got " + v);
        return v;
    }

    private static void fail(String message) {
        System.err.println("SparkExample: " + message + "\n" + usage());
        System.exit(2);
    }

    /** IMDB's {@code id<TAB>rating<TAB>label<TAB>text} rows as (label, text). */
    private static List<String[]> read(Path tsv, int limit) throws IOException {
        List<String[]> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(tsv)),
                StandardCharsets.UTF_8))) {
            String line = r.readLine();                                     // header
            while ((line = r.readLine()) != null && (limit <= 0 || out.size() < limit)) {
                String[] f = line.split("\t", 4);
                if (f.length != 4) throw new IOException(tsv + ": expected id<TAB>rating<TAB>label<TAB>text, found " + line);
                out.add(new String[] {f[2], f[3]});
            }
        }
        return out;
    }

    /** {@code n} rows drawn evenly from a file sorted by label. */
    private static List<String[]> sample(List<String[]> all, int n, long seed) {
        int[] order = DistributedTrainer.epochOrder(seed, 0, all.size());
        List<String[]> out = new ArrayList<>();
        for (int i = 0; i < Math.min(n, order.length); i++) out.add(all.get(order[i]));
        return out;
    }

    private static Path trainClassifier(SparkSession spark, Options o, Path train, Path test) throws IOException {
        WordTokenizer tok = WordTokenizer.builder().lowerCase(true).punctuation(WordTokenizer.Punctuation.SPLIT).build();
        List<String[]> rows = sample(read(train, 0), o.trainExamples, 1);
        List<String> texts = new ArrayList<>();
        for (String[] r : rows) texts.add(r[1]);
        Vocabulary vocab = Vocabulary.builder().specials(SpecialToken.PAD, SpecialToken.UNK).maxSize(o.vocab).addTexts(texts, tok).build();
        List<TrainingExample> examples = new ArrayList<>();
        for (String[] r : rows) {
            int[] ids = TextClassifierFiles.clip(vocab.encode(r[1], tok), o.maxLen);
            examples.add(new TrainingExample(ids.length == 0 ? new int[] {vocab.padId()} : ids, Integer.parseInt(r[0])));
        }
        TextClassifier.Config config = TextClassifier.Config.of(vocab.size(), o.embedding, o.hidden, 2)
                .withCell(CellType.LSTM).withSeed(1).withPadId(vocab.padId());
        long steps = o.epochs > 0 ? Math.round(o.epochs * (examples.size() / o.batch)) : o.steps;
        double lr = o.lr;
        DistributedTrainer.OptimizerFactory adam = m -> new Adam(m.parameters(), Adam.Config.adam(lr));
        int partitions = o.partitions > 0 ? o.partitions : spark.sparkContext().defaultParallelism();
        System.out.printf("training: %d reviews (max %d tokens, vocabulary %d), LSTM %d, batch %d, %d steps (%.2f epochs), mode %s%s%n",
                examples.size(), o.maxLen, vocab.size(), o.hidden, o.batch, steps, steps / (double) (examples.size() / o.batch),
                o.mode, o.mode.equals("single") ? "" : " on " + spark.sparkContext().master() + ", " + partitions + " partitions"
                        + (o.mode.equals("local") ? ", k = " + o.k : ""));
        TextClassifier model;
        long rounds;
        long t0 = System.nanoTime();
        if (o.mode.equals("single")) {
            model = trainAlone(config, examples, steps, o, adam);
            rounds = 0;
        } else {
            DistributedTrainer.Config c = o.mode.equals("sync") ? DistributedTrainer.Config.synchronous(o.batch, 1)
                    : DistributedTrainer.Config.localSgd(o.batch, o.k, 1);
            DistributedTrainer<TextClassifier> d = new DistributedTrainer<>(spark, new TextClassifierTask(config), adam,
                    c.withClipNorm(5));
            List<DistributedTrainer.RoundLog> log = d.fit(JavaSparkContext.fromSparkContext(spark.sparkContext())
                    .parallelize(examples, partitions), steps);
            for (DistributedTrainer.RoundLog r : log) {
                if ((r.round() + 1) % Math.max(1, log.size() / 6) == 0) {
                    System.out.printf("  round %d  step %d  loss %.4f%n", r.round() + 1, r.step(), r.meanLoss());
                }
            }
            model = d.model();
            rounds = d.rounds();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        model.eval();
        double acc = accuracy(model, vocab, tok, o, sample(read(test, 0), o.evalExamples, 2));
        System.out.printf("trained in %.1f s (%.1f ms per step), %d communication rounds; test accuracy %.4f on %d reviews%n",
                seconds, 1000 * seconds / steps, rounds, acc, o.evalExamples);
        Path parent = o.out.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        TextClassifierFiles.save(o.out, model, List.of("0", "1"), o.maxLen, vocab, tok,
                ModelFile.Provenance.now("imdb train.tsv.gz (" + examples.size() + " reviews)", -1, steps, seconds,
                        Map.of("test_accuracy", acc), "SparkExample --mode " + o.mode));
        System.out.println("saved " + o.out);
        return o.out;
    }

    /** The same global batches as the synchronous mode, in this JVM with the plain API. */
    private static TextClassifier trainAlone(TextClassifier.Config config, List<TrainingExample> examples, long steps,
                                             Options o, DistributedTrainer.OptimizerFactory adam) {
        TextClassifier m = new TextClassifier(config);
        Optimizer opt = adam.create(m);
        int pad = config.padId();
        for (long s = 0; s < steps; s++) {
            int[] idx = DistributedTrainer.batchIndices(1, s, examples.size(), o.batch);
            int t = 1;
            for (int i : idx) t = Math.max(t, examples.get(i).tokens().length);
            int[] flat = new int[o.batch * t], lengths = new int[o.batch], labels = new int[o.batch];
            java.util.Arrays.fill(flat, pad);
            for (int b = 0; b < o.batch; b++) {
                TrainingExample e = examples.get(idx[b]);
                System.arraycopy(e.tokens(), 0, flat, b * t, e.tokens().length);
                lengths[b] = e.tokens().length;
                labels[b] = e.label();
            }
            opt.zeroGrad();
            Tensor loss = Losses.crossEntropy(m.logits(flat, o.batch, t, lengths), labels);
            loss.backward();
            opt.checkedStep(loss.item(), GradClip.byGlobalNorm(opt.parameters(), 5));
            if ((s + 1) % Math.max(1, steps / 6) == 0) System.out.printf("  step %d  loss %.4f%n", s + 1, loss.item());
        }
        return m;
    }

    private static double accuracy(TextClassifier m, Vocabulary v, WordTokenizer tok, Options o, List<String[]> rows) {
        int[][] ids = new int[rows.size()][];
        for (int i = 0; i < ids.length; i++) ids[i] = TextClassifierFiles.clip(v.encode(rows.get(i)[1], tok), o.maxLen);
        double[][] p = m.predictProbabilities(ids);
        int right = 0;
        for (int i = 0; i < p.length; i++) if ((p[i][1] > p[i][0] ? 1 : 0) == Integer.parseInt(rows.get(i)[0])) right++;
        return right / (double) rows.size();
    }

    private static void classify(SparkSession spark, Options o, Path modelDir, Path test) throws IOException {
        List<String[]> rows = read(test, o.limit);
        long t0 = System.nanoTime();
        long right = 0, n = rows.size();
        String where;
        if (o.predict.equals("single")) {
            TextClassifierFiles.Loaded m = TextClassifierFiles.load(modelDir);
            for (int s = 0; s < rows.size(); s += JrnnPredictor.DEFAULT_BATCH_SIZE) {
                List<String> chunk = new ArrayList<>();
                for (int i = s; i < Math.min(rows.size(), s + JrnnPredictor.DEFAULT_BATCH_SIZE); i++) chunk.add(rows.get(i)[1]);
                double[][] p = m.predictProbabilities(chunk);
                for (int i = 0; i < p.length; i++) {
                    String label = m.classes().get(p[i][1] > p[i][0] ? 1 : 0);
                    if (label.equals(rows.get(s + i)[0])) right++;
                }
            }
            where = "one JVM, no Spark (jrnn predict's calls)";
        } else {
            List<Row> data = new ArrayList<>();
            for (String[] r : rows) data.add(RowFactory.create(r[0], r[1]));
            StructType schema = new StructType().add("label", DataTypes.StringType).add("text", DataTypes.StringType);
            int partitions = o.partitions > 0 ? o.partitions : spark.sparkContext().defaultParallelism();
            Dataset<Row> reviews = spark.createDataFrame(data, schema).repartition(partitions).cache();
            reviews.count();                                             // the table in memory before the clock starts
            t0 = System.nanoTime();
            JrnnPredictor predictor = JrnnPredictor.load(spark, modelDir);
            Dataset<Row> scored = predictor.transform(reviews, "text", "sentiment", JrnnPredictor.DEFAULT_BATCH_SIZE);
            Map<String, Long> counts = new HashMap<>();
            for (Row r : scored.groupBy(scored.col("label").equalTo(scored.col("sentiment.label")).as("right")).count().collectAsList()) {
                counts.put(String.valueOf(r.get(0)), r.getLong(1));
            }
            right = counts.getOrDefault("true", 0L);
            where = "Spark " + spark.sparkContext().master() + ", " + partitions + " partitions, model broadcast " + ShippedModel.read(modelDir).bytes()
                    + " bytes; empty inputs: " + predictor.emptyInputs();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("classified %d test reviews in %.1f s: %.0f reviews/s, accuracy %.4f (%s)%n", n, seconds, n / seconds,
                right / (double) n, where);
    }
}
