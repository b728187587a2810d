package dev.jrnn.spark;

import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Losses;
import dev.jrnn.nn.Module;
import dev.jrnn.nn.Parameter;
import dev.jrnn.optim.Adam;
import dev.jrnn.optim.Optimizer;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.text.LanguageModel;
import dev.jrnn.text.LanguageModelConfig;
import dev.jrnn.text.TextClassifier;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Data-parallel training on local[2] (3 tries per task, so that a task failed on purpose is retried) against
 * training in one JVM.
 */
class DistributedTrainerTest {
    private static final int VOCAB = 12, CLASSES = 3, BATCH = 16;
    private static final long SEED = 7;
    private static final TextClassifier.Config CLASSIFIER = TextClassifier.Config.of(VOCAB, 4, 6, CLASSES)
            .withCell(CellType.LSTM).withDType(DType.FLOAT64).withSeed(3).withPadId(0);
    private static final DistributedTrainer.OptimizerFactory ADAM = m -> new Adam(m.parameters(), Adam.Config.adam(0.01));
    /** Failures thrown on purpose (the tasks run in this JVM under local mode). */
    static final AtomicInteger FAILED = new AtomicInteger();

    private static SparkSession spark;
    private static JavaSparkContext jsc;
    private static List<TrainingExample> reviews;
    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        spark = SparkTests.session("local[2,3]", "DistributedTrainerTest");
        jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Rng rng = new Rng(11);
        reviews = new ArrayList<>();
        for (int i = 0; i < 96; i++) {
            int[] ids = new int[1 + rng.nextInt(8)];
            for (int t = 0; t < ids.length; t++) ids[t] = 1 + rng.nextInt(VOCAB - 1);
            reviews.add(new TrainingExample(ids, (ids[0] + ids[ids.length - 1]) % CLASSES));   // a learnable rule
        }
    }

    @AfterAll
    static void stop() {
        if (spark != null) spark.stop();
    }

    private static double maxDiff(Module a, Module b) {
        double worst = 0;
        Map<String, Parameter> pb = b.namedParameters();
        for (Map.Entry<String, Parameter> e : a.namedParameters().entrySet()) {
            double[] x = e.getValue().data().toDoubleArray(), y = pb.get(e.getKey()).data().toDoubleArray();
            for (int i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
        }
        return worst;
    }

    /** One JVM, the plain API: the mean cross-entropy of each global batch, backward, Adam. */
    private static TextClassifier classifierAlone(int steps) {
        TextClassifier m = new TextClassifier(CLASSIFIER);
        Optimizer opt = new Adam(m.parameters(), Adam.Config.adam(0.01));
        for (int s = 0; s < steps; s++) {
            int[] idx = DistributedTrainer.batchIndices(SEED, s, reviews.size(), BATCH);
            int t = 0;
            for (int i : idx) t = Math.max(t, reviews.get(i).tokens().length);
            int[] flat = new int[BATCH * t], lengths = new int[BATCH], labels = new int[BATCH];
            for (int b = 0; b < BATCH; b++) {
                TrainingExample e = reviews.get(idx[b]);
                System.arraycopy(e.tokens(), 0, flat, b * t, e.tokens().length);
                lengths[b] = e.tokens().length;
                labels[b] = e.label();
            }
            opt.zeroGrad();
            Tensor loss = Losses.crossEntropy(m.logits(flat, BATCH, t, lengths), labels);
            loss.backward();
            opt.checkedStep(loss.item());
        }
        return m;
    }

    @Test
    void synchronousClassifierOnThreePartitionsEqualsOneJvmOver100Steps() throws IOException {
        DistributedTrainer<TextClassifier> d = new DistributedTrainer<>(spark, new TextClassifierTask(CLASSIFIER), ADAM,
                DistributedTrainer.Config.synchronous(BATCH, SEED));
        List<DistributedTrainer.RoundLog> log = d.fit(jsc.parallelize(reviews, 3), 100);
        assertEquals(100, log.size());
        assertEquals(100, d.rounds());
        TextClassifier alone = classifierAlone(100);
        double diff = maxDiff(d.model(), alone);
        assertTrue(diff <= 1e-5, "largest parameter difference after 100 steps: " + diff);
        assertTrue(log.get(99).meanLoss() < log.get(0).meanLoss() - 0.1, "it learns: " + log.get(0) + " -> " + log.get(99));
        assertTrue(maxDiff(d.model(), new TextClassifier(CLASSIFIER)) > 0.01, "the parameters moved");
    }

    @Test
    void synchronousLanguageModelOnTwoPartitionsEqualsOneJvmOver100Steps() throws IOException {
        LanguageModelConfig c = LanguageModelConfig.of(VOCAB, 4, 8).withDType(DType.FLOAT64).withSeed(5);
        Rng rng = new Rng(4);
        int[] corpus = new int[400];
        for (int i = 0; i < corpus.length; i++) corpus[i] = i % 3 == 0 ? rng.nextInt(VOCAB) : (corpus[i - 1] + 1) % VOCAB;
        List<TrainingExample> windows = new ArrayList<>();
        for (int s = 0; s + 11 <= corpus.length; s += 10) windows.add(new TrainingExample(Arrays.copyOfRange(corpus, s, s + 11), -1));
        int batch = 8;
        DistributedTrainer<LanguageModel> d = new DistributedTrainer<>(spark, new LanguageModelTask(c), ADAM,
                DistributedTrainer.Config.synchronous(batch, SEED));
        d.fit(jsc.parallelize(windows, 2), 100);

        LanguageModel alone = new LanguageModel(c);
        Optimizer opt = new Adam(alone.parameters(), Adam.Config.adam(0.01));
        for (int s = 0; s < 100; s++) {
            int[] idx = DistributedTrainer.batchIndices(SEED, s, windows.size(), batch);
            int[] in = new int[batch * 10], target = new int[batch * 10];
            for (int b = 0; b < batch; b++) {
                int[] w = windows.get(idx[b]).tokens();
                System.arraycopy(w, 0, in, b * 10, 10);
                System.arraycopy(w, 1, target, b * 10, 10);
            }
            opt.zeroGrad();
            Tensor loss = Losses.sequenceCrossEntropy(alone.forward(in, batch, 10, null).logits(), target, null);
            loss.backward();
            opt.checkedStep(loss.item());
        }
        double diff = maxDiff(d.model(), alone);
        assertTrue(diff <= 1e-5, "largest parameter difference after 100 steps: " + diff);
    }

    /** Fails the first try of partition 1's task at step 5 (or local-SGD round starting at step 3). */
    static final class FailingOnce implements TrainingTask<TextClassifier> {
        private static final long serialVersionUID = 1L;
        private final TextClassifierTask inner = new TextClassifierTask(CLASSIFIER);
        private final long failAt;

        FailingOnce(long failAt) {
            this.failAt = failAt;
        }

        @Override
        public TextClassifier build() {
            return inner.build();
        }

        @Override
        public BatchLoss loss(TextClassifier model, List<TrainingExample> examples, long step) {
            TaskContext tc = TaskContext.get();
            if (step == failAt && tc.partitionId() == 1 && tc.attemptNumber() == 0) {
                FAILED.incrementAndGet();
                throw new IllegalStateException("killed on purpose at step " + step);
            }
            return inner.loss(model, examples, step);
        }
    }

    @Test
    void aTaskFailedOnPurposeIsRetriedAndItsUpdateAppliedOnce() throws IOException {
        DistributedTrainer<TextClassifier> clean = new DistributedTrainer<>(spark, new TextClassifierTask(CLASSIFIER), ADAM,
                DistributedTrainer.Config.synchronous(BATCH, SEED));
        clean.fit(jsc.parallelize(reviews, 3), 10);
        int before = FAILED.get();
        DistributedTrainer<TextClassifier> hit = new DistributedTrainer<>(spark, new FailingOnce(5), ADAM,
                DistributedTrainer.Config.synchronous(BATCH, SEED));
        hit.fit(jsc.parallelize(reviews, 3), 10);
        assertEquals(before + 1, FAILED.get(), "the task failed once and its retry succeeded");
        assertEquals(10, hit.optimizer().steps(), "ten updates, not eleven");
        assertTrue(maxDiff(clean.model(), hit.model()) <= 1e-12, "the retried step gave the same update");

        DistributedTrainer<TextClassifier> localClean = new DistributedTrainer<>(spark, new TextClassifierTask(CLASSIFIER), ADAM,
                DistributedTrainer.Config.localSgd(BATCH, 3, SEED));
        localClean.fit(jsc.parallelize(reviews, 2), 9);
        DistributedTrainer<TextClassifier> localHit = new DistributedTrainer<>(spark, new FailingOnce(4), ADAM,
                DistributedTrainer.Config.localSgd(BATCH, 3, SEED));
        localHit.fit(jsc.parallelize(reviews, 2), 9);
        assertEquals(before + 2, FAILED.get());
        assertEquals(9, localHit.optimizer().steps());
        assertEquals(0, maxDiff(localClean.model(), localHit.model()), 1e-12);
    }

    @Test
    void localSgdAveragesParametersAndOptimizerStateOfItsReplicas() throws IOException {
        int k = 4;
        JavaRDD<TrainingExample> data = jsc.parallelize(reviews, 2);
        DistributedTrainer<TextClassifier> d = new DistributedTrainer<>(spark, new TextClassifierTask(CLASSIFIER), ADAM,
                DistributedTrainer.Config.localSgd(BATCH, k, SEED));
        d.fit(data, k);
        assertEquals(1, d.rounds());
        assertEquals(k, d.steps());

        // each partition alone: k Adam steps on batches of B/2 drawn from its own examples, from the same start
        List<List<TrainingExample>> shards = data.glom().collect();
        List<TextClassifier> replicas = new ArrayList<>();
        List<Map<String, NdArray>> states = new ArrayList<>();
        TextClassifierTask task = new TextClassifierTask(CLASSIFIER);
        for (int p = 0; p < 2; p++) {
            TextClassifier m = task.build();
            Optimizer opt = ADAM.create(m).names(m.namedParameters());
            List<TrainingExample> shard = shards.get(p);
            int[] order = DistributedTrainer.epochOrder(SEED * 31 + p, 0, shard.size());
            for (int t = 0; t < k; t++) {
                List<TrainingExample> batch = new ArrayList<>();
                for (int q = 0; q < BATCH / 2; q++) batch.add(shard.get(order[(t * BATCH / 2 + q) % shard.size()]));
                opt.zeroGrad();
                TrainingTask.BatchLoss loss = task.loss(m, batch, t);
                loss.sum().mul(1.0 / loss.weight()).backward();
                opt.checkedStep(loss.sum().item() / loss.weight());
            }
            replicas.add(m);
            states.add(opt.state());
        }
        for (Map.Entry<String, Parameter> e : d.model().namedParameters().entrySet()) {
            double[] got = e.getValue().data().toDoubleArray();
            double[] a = replicas.get(0).namedParameters().get(e.getKey()).data().toDoubleArray();
            double[] b = replicas.get(1).namedParameters().get(e.getKey()).data().toDoubleArray();
            for (int i = 0; i < got.length; i++) assertEquals((a[i] + b[i]) / 2, got[i], 1e-12, e.getKey());
        }
        Map<String, NdArray> averaged = d.optimizer().state();
        assertEquals(states.get(0).keySet(), averaged.keySet());
        int slots = 0;
        for (String key : averaged.keySet()) {
            double[] got = averaged.get(key).toDoubleArray();
            double[] a = states.get(0).get(key).toDoubleArray(), b = states.get(1).get(key).toDoubleArray();
            for (int i = 0; i < got.length; i++) assertEquals((a[i] + b[i]) / 2, got[i], 1e-12, key);
            if (key.endsWith("exp_avg_sq")) slots++;
        }
        assertEquals(d.model().parameters().size(), slots, "Adam's second moments are averaged too");
        assertFalse(Arrays.equals(replicas.get(0).output().bias().data().toDoubleArray(),
                replicas.get(1).output().bias().data().toDoubleArray()), "the replicas did differ before averaging");
    }

    @Test
    void aRunResumedFromItsCheckpointEndsWhereTheUninterruptedOneEnds() throws IOException {
        String dir = tmp.resolve("ckpt").toUri().toString();            // a Hadoop path on the local file system
        DistributedTrainer.Config c = DistributedTrainer.Config.localSgd(BATCH, 2, SEED).withCheckpoints(dir, 2);
        DistributedTrainer<TextClassifier> whole = new DistributedTrainer<>(spark, new TextClassifierTask(CLASSIFIER), ADAM,
                DistributedTrainer.Config.localSgd(BATCH, 2, SEED));
        whole.fit(jsc.parallelize(reviews, 2), 12);

        DistributedTrainer<TextClassifier> first = new DistributedTrainer<>(spark, new TextClassifierTask(CLASSIFIER), ADAM, c);
        first.fit(jsc.parallelize(reviews, 2), 8);                        // then the driver "crashes"
        DistributedTrainer<TextClassifier> second = new DistributedTrainer<>(spark, new TextClassifierTask(CLASSIFIER), ADAM, c);
        assertTrue(second.resume());
        assertEquals(8, second.steps());
        assertEquals(4, second.rounds());
        second.fit(jsc.parallelize(reviews, 2), 12);
        assertEquals(6, second.rounds());
        assertEquals(0, maxDiff(whole.model(), second.model()), 1e-12);
        assertEquals(12, second.optimizer().steps());

        DistributedTrainer<TextClassifier> other = new DistributedTrainer<>(spark, new TextClassifierTask(CLASSIFIER), ADAM,
                DistributedTrainer.Config.localSgd(BATCH, 5, SEED).withCheckpoints(dir, 2));
        IOException e = assertThrows(IOException.class, other::resume);
        assertTrue(e.getMessage().endsWith("checkpoint.safetensors: written by another run: local_steps 2 (this run: 5)"),
                e.getMessage());
        DistributedTrainer<TextClassifier> fresh = new DistributedTrainer<>(spark, new TextClassifierTask(CLASSIFIER), ADAM,
                c.withCheckpoints(tmp.resolve("none").toUri().toString(), 1));
        assertFalse(fresh.resume(), "no checkpoint there: a fresh start");
    }

    @Test
    void anEpochsBatchesReadEveryExampleOnceAndTheNextEpochReshuffles() {
        boolean[] seen = new boolean[50];
        for (int s = 0; s < 5; s++) {
            for (int i : DistributedTrainer.batchIndices(SEED, s, 50, 10)) {
                assertFalse(seen[i], "example " + i + " twice in one epoch");
                seen[i] = true;
            }
        }
        for (boolean b : seen) assertTrue(b);
        assertFalse(Arrays.equals(DistributedTrainer.batchIndices(SEED, 0, 50, 10), DistributedTrainer.batchIndices(SEED, 5, 50, 10)));
        assertEquals("jrnn: 5 training examples are fewer than one global batch of 10",
                assertThrows(IllegalArgumentException.class, () -> DistributedTrainer.batchIndices(SEED, 0, 5, 10)).getMessage());
    }

    @Test
    void badSettingsAreRefusedWithTheirValues() {
        assertEquals("DistributedTrainer.Config: synchronous mode takes one step per round, got localSteps 3",
                assertThrows(IllegalArgumentException.class, () -> new DistributedTrainer.Config(
                        DistributedTrainer.Mode.SYNCHRONOUS, 16, 3, 1, 0, null, 1, 2)).getMessage());
        assertEquals("DistributedTrainer.Config: clipNorm must be >= 0 (0 = off), got -1.0",
                assertThrows(IllegalArgumentException.class, () -> DistributedTrainer.Config.synchronous(16, 1).withClipNorm(-1))
                        .getMessage());
        DistributedTrainer<TextClassifier> d = new DistributedTrainer<>(spark, new TextClassifierTask(CLASSIFIER), ADAM,
                DistributedTrainer.Config.localSgd(16, 2, SEED));
        assertEquals("jrnn: local SGD splits the global batch of 16 over 3 partitions; make it a multiple of 3",
                assertThrows(IllegalArgumentException.class, () -> d.fit(jsc.parallelize(reviews, 3), 4)).getMessage());
    }
}
