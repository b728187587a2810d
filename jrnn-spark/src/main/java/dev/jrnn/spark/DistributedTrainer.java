package dev.jrnn.spark;

import dev.jrnn.io.Safetensors;
import dev.jrnn.io.SafetensorsException;
import dev.jrnn.nn.Module;
import dev.jrnn.nn.Parameter;
import dev.jrnn.optim.GradClip;
import dev.jrnn.optim.Optimizer;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Data-parallel training of a jrnn model on Spark, the model and optimizer living on the driver. Two modes:
 *
 * <ul>
 * <li>{@link Mode#SYNCHRONOUS}: step {@code s} reads the global batch of positions {@code [sB, (s+1)B)} of the
 *     epoch's shuffled order ({@link #batchIndices}); every partition computes the gradient of the summed loss of
 *     its share of that batch on a replica holding the broadcast parameters; {@code treeReduce} sums them, the
 *     driver divides by the batch's item count, clips and applies one optimizer step. N partitions on a global
 *     batch therefore train as one JVM on that batch, up to the order of the sums.</li>
 * <li>{@link Mode#LOCAL_SGD} (local SGD / parameter averaging; Deeplearning4j's parameter averaging, McMahan et
 *     al. 2017): every partition trains its own replica for {@code k} steps on batches of {@code B / P} drawn from
 *     its own examples, starting from the broadcast parameters <i>and optimizer state</i>; the driver then averages
 *     both. One communication round per {@code k} steps instead of one per step.</li>
 * </ul>
 *
 * <p>A round is one Spark job whose result is a pure function of what the driver broadcast for it, and the driver
 * applies it only once the job has succeeded; a task that fails and is retried recomputes the same values, so no
 * update is ever applied twice. (A model that draws random numbers itself, such as dropout, draws them afresh in a
 * retried task: the update still happens once, but it is not bit-identical to an undisturbed run.)
 *
 * <p>With {@link Config#withCheckpoints} the driver writes {@code checkpoint.safetensors} (parameters
 * {@code model.NAME}, optimizer state {@code optim.KEY}, the step, the round and the configuration as metadata) to
 * any Hadoop file system path every {@code n} rounds, through a temporary file and renames; {@link #resume()} reads
 * it back and checks it belongs to this configuration.
 *
 * @param <M> the model type
 */
public final class DistributedTrainer<M extends Module> {
    /** The checkpoint's file name in the checkpoint directory. */
    public static final String CHECKPOINT_FILE = "checkpoint.safetensors";
    /** The {@code format} metadata of a checkpoint. */
    public static final String FORMAT = "jrnn-spark-checkpoint";

    /** How partitions combine their work. */
    public enum Mode {
        /** Gradients of every partition summed and applied once per step. */
        SYNCHRONOUS,
        /** Each partition runs {@code k} local steps; parameters and optimizer state are then averaged. */
        LOCAL_SGD
    }

    /** Makes the optimizer of a model (on the driver, and on each replica in local SGD); shipped to executors. */
    @FunctionalInterface
    public interface OptimizerFactory extends Serializable {
        /** An optimizer over {@code model.parameters()}. */
        Optimizer create(Module model);
    }

    /**
     * The run's settings.
     *
     * @param mode                  synchronous or local SGD
     * @param globalBatch           examples per step over all partitions ({@code B}); local SGD gives each of the
     *                              {@code P} partitions batches of {@code B / P}
     * @param localSteps            {@code k}: local steps per communication round (1 in synchronous mode)
     * @param seed                  the shuffling seed
     * @param clipNorm              global gradient norm clip, 0 = off
     * @param checkpointDir         a Hadoop path (file:, hdfs:, s3a:, ...) for checkpoints, or null for none
     * @param checkpointEveryRounds write a checkpoint every this many rounds (and after the last)
     * @param treeDepth             depth of {@code treeReduce}
     */
    public record Config(Mode mode, int globalBatch, int localSteps, long seed, double clipNorm, String checkpointDir,
                         int checkpointEveryRounds, int treeDepth) {
        /** Checks every field. */
        public Config {
            Objects.requireNonNull(mode, "mode");
            if (globalBatch < 1) throw new IllegalArgumentException("DistributedTrainer.Config: globalBatch must be >= 1, got " + globalBatch);
            if (localSteps < 1) throw new IllegalArgumentException("DistributedTrainer.Config: localSteps must be >= 1, got " + localSteps);
            if (mode == Mode.SYNCHRONOUS && localSteps != 1) {
                throw new IllegalArgumentException("DistributedTrainer.Config: synchronous mode takes one step per round, got localSteps " + localSteps);
            }
            if (!(clipNorm >= 0) || Double.isInfinite(clipNorm)) {
                throw new IllegalArgumentException("DistributedTrainer.Config: clipNorm must be >= 0 (0 = off), got " + clipNorm);
            }
            if (checkpointEveryRounds < 1) {
                throw new IllegalArgumentException("DistributedTrainer.Config: checkpointEveryRounds must be >= 1, got " + checkpointEveryRounds);
            }
            if (treeDepth < 1) throw new IllegalArgumentException("DistributedTrainer.Config: treeDepth must be >= 1, got " + treeDepth);
        }

        /** Synchronous training on global batches of {@code globalBatch}. */
        public static Config synchronous(int globalBatch, long seed) {
            return new Config(Mode.SYNCHRONOUS, globalBatch, 1, seed, 0, null, 1, 2);
        }

        /** Local SGD: {@code k} local steps per round on batches of {@code globalBatch / partitions}. */
        public static Config localSgd(int globalBatch, int k, long seed) {
            return new Config(Mode.LOCAL_SGD, globalBatch, k, seed, 0, null, 1, 2);
        }

        /** The same with a global-norm gradient clip. */
        public Config withClipNorm(double c) {
            return new Config(mode, globalBatch, localSteps, seed, c, checkpointDir, checkpointEveryRounds, treeDepth);
        }

        /** The same, writing a checkpoint to {@code dir} every {@code everyRounds} rounds. */
        public Config withCheckpoints(String dir, int everyRounds) {
            return new Config(mode, globalBatch, localSteps, seed, clipNorm, dir, everyRounds, treeDepth);
        }

        /** The same with another {@code treeReduce} depth. */
        public Config withTreeDepth(int d) {
            return new Config(mode, globalBatch, localSteps, seed, clipNorm, checkpointDir, checkpointEveryRounds, d);
        }

        /** The fields a checkpoint must match to be resumed by this configuration. */
        Map<String, String> identity() {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("mode", mode.name());
            m.put("global_batch", Integer.toString(globalBatch));
            m.put("local_steps", Integer.toString(localSteps));
            m.put("seed", Long.toString(seed));
            return m;
        }
    }

    /**
     * One communication round.
     *
     * @param round    the round, from 0
     * @param step     steps done after it (global steps, or local steps per partition)
     * @param meanLoss the mean loss per item over the round's batches
     */
    public record RoundLog(long round, long step, double meanLoss) {}

    private final SparkSession spark;
    private final TrainingTask<M> task;
    private final OptimizerFactory optimizerFactory;
    private final Config config;
    private final M model;
    private final Optimizer optimizer;
    private final String runId = UUID.randomUUID().toString();
    private long step;
    private long rounds;

    /** A trainer whose model starts from {@code task.build()}. */
    public DistributedTrainer(SparkSession spark, TrainingTask<M> task, OptimizerFactory optimizerFactory, Config config) {
        this.spark = Objects.requireNonNull(spark, "spark");
        this.task = Objects.requireNonNull(task, "task");
        this.optimizerFactory = Objects.requireNonNull(optimizerFactory, "optimizerFactory");
        this.config = Objects.requireNonNull(config, "config");
        this.model = task.build();
        model.train(true);
        this.optimizer = optimizerFactory.create(model).names(model.namedParameters());
    }

    /** The driver's model (the trained parameters). */
    public M model() { return model; }

    /** The driver's optimizer. */
    public Optimizer optimizer() { return optimizer; }

    /** Steps done: global steps (synchronous) or local steps per partition (local SGD). */
    public long steps() { return step; }

    /** Communication rounds done (Spark jobs that moved parameters or gradients). */
    public long rounds() { return rounds; }

    // ------------------------------------------------------------------ batches

    /** The order of an epoch's {@code n} examples: a permutation drawn from the seed and the epoch. */
    public static int[] epochOrder(long seed, long epoch, int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        new Rng(seed * 0x9E3779B97F4A7C15L + epoch).shuffle(order);
        return order;
    }

    /**
     * The indices (in the data's order) of the examples of synchronous step {@code step}: positions
     * {@code [jB, (j+1)B)} of the epoch's order, {@code j} the step within the epoch (a last partial batch is
     * dropped).
     */
    public static int[] batchIndices(long seed, long step, int n, int globalBatch) {
        long perEpoch = stepsPerEpoch(n, globalBatch);
        int j = (int) (step % perEpoch);
        int[] order = epochOrder(seed, step / perEpoch, n);
        int[] out = new int[globalBatch];
        System.arraycopy(order, j * globalBatch, out, 0, globalBatch);
        return out;
    }

    private static long stepsPerEpoch(long n, int globalBatch) {
        if (n < globalBatch) {
            throw new IllegalArgumentException("jrnn: " + n + " training examples are fewer than one global batch of " + globalBatch);
        }
        return n / globalBatch;
    }

    // ------------------------------------------------------------------ training

    /**
     * Trains until {@link #steps()} reaches {@code totalSteps} (a resumed trainer continues from its checkpoint).
     *
     * @param data the training examples; their order (as {@code zipWithIndex} numbers them) defines the batches
     * @return one entry per round run by this call
     */
    public List<RoundLog> fit(JavaRDD<TrainingExample> data, long totalSteps) throws IOException {
        JavaRDD<Indexed> indexed = data.zipWithIndex().map(t -> new Indexed(t._2(), t._1())).persist(StorageLevel.MEMORY_AND_DISK());
        try {
            long n = indexed.count();
            stepsPerEpoch(n, config.globalBatch());
            int partitions = indexed.getNumPartitions();
            if (config.mode() == Mode.LOCAL_SGD && config.globalBatch() % partitions != 0) {
                throw new IllegalArgumentException("jrnn: local SGD splits the global batch of " + config.globalBatch()
                        + " over " + partitions + " partitions; make it a multiple of " + partitions);
            }
            List<RoundLog> out = new ArrayList<>();
            while (step < totalSteps) {
                int k = (int) Math.min(config.localSteps(), totalSteps - step);
                Vectors sum = config.mode() == Mode.SYNCHRONOUS ? synchronousRound(indexed, n) : localRound(indexed, n, k, partitions);
                step += k;
                rounds++;
                out.add(new RoundLog(rounds - 1, step, sum.lossSum / sum.weight));
                if (config.checkpointDir() != null && (rounds % config.checkpointEveryRounds() == 0 || step >= totalSteps)) {
                    writeCheckpoint();
                }
            }
            return out;
        } finally {
            indexed.unpersist(false);
        }
    }

    private Vectors synchronousRound(JavaRDD<Indexed> indexed, long n) {
        int[] batch = batchIndices(config.seed(), step, (int) n, config.globalBatch());
        Map<Long, Integer> position = new ConcurrentHashMap<>();
        for (int i = 0; i < batch.length; i++) position.put((long) batch[i], i);
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<TreeMap<String, double[]>> params = jsc.broadcast(Vectors.parameters(model.namedParameters(), ""));
        Broadcast<Map<Long, Integer>> members = jsc.broadcast(new TreeMap<>(position));
        try {
            Vectors sum = indexed.mapPartitions(new GradientOfShare<>(task, runId, params, members, step))
                    .treeReduce(merge(), config.treeDepth());
            if (sum.weight <= 0) {
                throw new IllegalStateException("jrnn: step " + step + " found no examples of its batch");
            }
            Map<String, Parameter> named = model.namedParameters();
            optimizer.zeroGrad();
            for (Map.Entry<String, Parameter> e : named.entrySet()) {
                double[] g = sum.values.get(e.getKey());
                if (g == null) continue;                                  // no gradient reached it (unused parameter)
                double[] mean = g.clone();
                for (int i = 0; i < mean.length; i++) mean[i] /= sum.weight;
                Parameter p = e.getValue();
                p.setGrad(Vectors.array(mean, p.dtype(), p.shape()));
            }
            double norm = config.clipNorm() > 0 ? GradClip.byGlobalNorm(optimizer.parameters(), config.clipNorm()) : Double.NaN;
            if (Double.isNaN(norm)) optimizer.checkedStep(sum.lossSum / sum.weight);
            else optimizer.checkedStep(sum.lossSum / sum.weight, norm);
            return sum;
        } finally {
            params.destroy();
            members.destroy();
        }
    }

    private Vectors localRound(JavaRDD<Indexed> indexed, long n, int k, int partitions) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        TreeMap<String, double[]> state = Vectors.parameters(model.namedParameters(), "model.");
        optimizer.state().forEach((key, v) -> state.put("optim." + key, v.toDoubleArray()));
        Broadcast<TreeMap<String, double[]>> shipped = jsc.broadcast(state);
        try {
            LocalSteps<M> fn = new LocalSteps<>(task, optimizerFactory, runId, shipped, step, k,
                    config.globalBatch() / partitions, stepsPerEpoch(n, config.globalBatch()), config.seed(), config.clipNorm());
            Vectors sum = indexed.mapPartitionsWithIndex(fn, false).treeReduce(merge(), config.treeDepth());
            if (sum.count == 0) throw new IllegalStateException("jrnn: no partition holds training examples");
            sum.values.replaceAll((key, v) -> {
                double[] mean = v.clone();
                for (int i = 0; i < mean.length; i++) mean[i] /= sum.count;
                return mean;
            });
            load(sum.values);
            return sum;
        } finally {
            shipped.destroy();
        }
    }

    /** Sets the driver's parameters ({@code model.NAME}) and optimizer state ({@code optim.KEY}) from doubles. */
    private void load(Map<String, double[]> state) {
        Map<String, Parameter> named = model.namedParameters();
        Map<String, NdArray> optim = new LinkedHashMap<>();
        List<Parameter> params = optimizer.parameters();
        for (Map.Entry<String, double[]> e : state.entrySet()) {
            String key = e.getKey();
            double[] v = e.getValue();
            if (key.startsWith("model.")) {
                Parameter p = named.get(key.substring(6));
                if (p == null) throw new IllegalStateException("jrnn: no parameter '" + key.substring(6) + "' in the model");
                Vectors.set(p, v);
            } else if (key.startsWith("optim.")) {
                String k = key.substring(6);
                int dot = k.indexOf('.');
                if (dot < 0) {                                         // step, lr, skipped: counters stay whole
                    double x = k.equals(Optimizer.LR_KEY) ? v[0] : Math.rint(v[0]);
                    optim.put(k, NdArray.scalar(DType.FLOAT64, x));
                } else {
                    Parameter p = params.get(Integer.parseInt(k.substring(0, dot)));
                    optim.put(k, Vectors.array(v, p.dtype(), p.shape()));
                }
            }
        }
        optimizer.loadState(optim);
    }

    private static Function2<Vectors, Vectors, Vectors> merge() {
        return Vectors::merge;
    }

    // ------------------------------------------------------------------ checkpoints

    private Path checkpointPath() {
        return new Path(config.checkpointDir(), CHECKPOINT_FILE);
    }

    private void writeCheckpoint() throws IOException {
        Map<String, NdArray> tensors = new LinkedHashMap<>();
        model.namedParameters().forEach((n, p) -> tensors.put("model." + n, p.data().copy()));
        optimizer.state().forEach((k, v) -> tensors.put("optim." + k, v));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("version", "1");
        meta.putAll(config.identity());
        meta.put("step", Long.toString(step));
        meta.put("rounds", Long.toString(rounds));
        meta.put("optimizer", optimizer.name());
        byte[] bytes = Safetensors.encode(tensors, meta);
        Path target = checkpointPath();
        FileSystem fs = target.getFileSystem(spark.sparkContext().hadoopConfiguration());
        Path tmp = new Path(config.checkpointDir(), CHECKPOINT_FILE + ".tmp-" + UUID.randomUUID());
        Path previous = new Path(config.checkpointDir(), CHECKPOINT_FILE + ".previous");
        try (FSDataOutputStream out = fs.create(tmp, true)) {
            out.write(bytes);
            out.hsync();
        }
        // Hadoop's rename does not replace: keep the old one aside until the new one is in place
        fs.delete(previous, false);
        if (fs.exists(target) && !fs.rename(target, previous)) throw new IOException(target + ": cannot move the old checkpoint aside");
        if (!fs.rename(tmp, target)) throw new IOException(tmp + ": cannot rename to " + target);
        fs.delete(previous, false);
    }

    /**
     * Continues from the checkpoint in {@code checkpointDir} (or its {@code .previous} copy, left by a crash between
     * the renames), if there is one: parameters, optimizer state, step and round count.
     *
     * @return whether a checkpoint was found
     * @throws IOException naming the file when it is damaged, of another format, or written by another
     *                     configuration (mode, batch, k, seed), or does not fit this model and optimizer
     */
    public boolean resume() throws IOException {
        if (config.checkpointDir() == null) throw new IllegalStateException("jrnn: resume needs Config.withCheckpoints(dir, n)");
        Path target = checkpointPath();
        FileSystem fs = target.getFileSystem(spark.sparkContext().hadoopConfiguration());
        if (!fs.exists(target)) target = new Path(config.checkpointDir(), CHECKPOINT_FILE + ".previous");
        if (!fs.exists(target)) return false;
        byte[] bytes;
        try (FSDataInputStream in = fs.open(target)) {
            bytes = in.readAllBytes();
        }
        Safetensors.File file;
        try {
            file = Safetensors.decode(bytes, target.toString());
        } catch (SafetensorsException e) {
            throw new IOException(target + ": damaged checkpoint: " + e.getMessage(), e);
        }
        Map<String, String> meta = file.metadata();
        if (!FORMAT.equals(meta.get("format"))) {
            throw new IOException(target + ": format is '" + meta.get("format") + "', expected '" + FORMAT + "'");
        }
        List<String> problems = new ArrayList<>();
        config.identity().forEach((k, v) -> {
            if (!v.equals(meta.get(k))) problems.add(k + " " + meta.get(k) + " (this run: " + v + ")");
        });
        if (!optimizer.name().equals(meta.get("optimizer"))) {
            problems.add("optimizer " + meta.get("optimizer") + " (this run: " + optimizer.name() + ")");
        }
        if (!problems.isEmpty()) {
            throw new IOException(target + ": written by another run: " + String.join(", ", problems));
        }
        long savedStep = parseCount(meta, "step", target);
        long savedRounds = parseCount(meta, "rounds", target);
        Map<String, NdArray> weights = new LinkedHashMap<>();
        Map<String, NdArray> optim = new LinkedHashMap<>();
        file.tensors().forEach((k, v) -> {
            if (k.startsWith("model.")) weights.put(k.substring(6), v);
            else if (k.startsWith("optim.")) optim.put(k.substring(6), v);
        });
        try {
            optimizer.checkState(optim);
            model.loadStateDict(weights);
        } catch (IllegalArgumentException e) {
            throw new IOException(target + ": does not fit this model: " + e.getMessage(), e);
        }
        optimizer.loadState(optim);
        step = savedStep;
        rounds = savedRounds;
        return true;
    }

    private static long parseCount(Map<String, String> meta, String key, Path where) throws IOException {
        String v = meta.get(key);
        try {
            long x = Long.parseLong(v);
            if (x < 0) throw new NumberFormatException();
            return x;
        } catch (NumberFormatException e) {
            throw new IOException(where + ": metadata '" + key + "' must be a count >= 0, found " + v);
        }
    }

    // ------------------------------------------------------------------ executor side

    /** An example and its index in the data. */
    record Indexed(long index, TrainingExample example) implements Serializable {}

    /** Replicas of each run's model, reused by the tasks of this JVM (building one costs an initialisation). */
    private static final ConcurrentHashMap<String, ConcurrentLinkedQueue<Module>> REPLICAS = new ConcurrentHashMap<>();

    @SuppressWarnings("unchecked")
    private static <M extends Module> M borrow(String runId, TrainingTask<M> task) {
        if (!REPLICAS.containsKey(runId)) REPLICAS.keySet().removeIf(k -> !k.equals(runId));   // a new run: drop old ones
        Module m = REPLICAS.computeIfAbsent(runId, k -> new ConcurrentLinkedQueue<>()).poll();
        M replica = m != null ? (M) m : task.build();
        replica.train(true);
        return replica;
    }

    private static void giveBack(String runId, Module replica) {
        ConcurrentLinkedQueue<Module> q = REPLICAS.get(runId);
        if (q != null) q.add(replica);
    }

    private static void setParameters(Module replica, Map<String, double[]> values, String prefix) {
        for (Map.Entry<String, Parameter> e : replica.namedParameters().entrySet()) {
            double[] v = values.get(prefix + e.getKey());
            if (v == null) throw new IllegalStateException("jrnn: the broadcast state lacks parameter '" + e.getKey() + "'");
            Vectors.set(e.getValue(), v);
        }
    }

    /** Synchronous mode: the summed-loss gradient of this partition's share of the step's batch. */
    private static final class GradientOfShare<M extends Module> implements FlatMapFunction<Iterator<Indexed>, Vectors> {
        private static final long serialVersionUID = 1L;
        private final TrainingTask<M> task;
        private final String runId;
        private final Broadcast<TreeMap<String, double[]>> params;
        private final Broadcast<Map<Long, Integer>> members;
        private final long step;

        GradientOfShare(TrainingTask<M> task, String runId, Broadcast<TreeMap<String, double[]>> params,
                        Broadcast<Map<Long, Integer>> members, long step) {
            this.task = task;
            this.runId = runId;
            this.params = params;
            this.members = members;
            this.step = step;
        }

        @Override
        public Iterator<Vectors> call(Iterator<Indexed> rows) {
            Map<Long, Integer> in = members.value();
            List<Indexed> mine = new ArrayList<>();
            while (rows.hasNext()) {
                Indexed r = rows.next();
                if (in.containsKey(r.index())) mine.add(r);
            }
            Vectors out = new Vectors();
            if (mine.isEmpty()) return List.of(out).iterator();
            mine.sort(Comparator.comparingInt(r -> in.get(r.index())));       // the batch's order, whatever the partition's
            List<TrainingExample> examples = new ArrayList<>(mine.size());
            for (Indexed r : mine) examples.add(r.example());
            M replica = borrow(runId, task);
            try {
                setParameters(replica, params.value(), "");
                replica.zeroGrad();
                TrainingTask.BatchLoss loss = task.loss(replica, examples, step);
                loss.sum().backward();
                for (Map.Entry<String, Parameter> e : replica.namedParameters().entrySet()) {
                    if (e.getValue().grad() != null) out.values.put(e.getKey(), e.getValue().grad().toDoubleArray());
                }
                out.lossSum = loss.sum().item();
                out.weight = loss.weight();
                out.count = 1;
            } finally {
                giveBack(runId, replica);
            }
            return List.of(out).iterator();
        }
    }

    /** Local SGD: {@code k} steps on this partition's own examples, then its parameters and optimizer state. */
    private static final class LocalSteps<M extends Module>
            implements Function2<Integer, Iterator<Indexed>, Iterator<Vectors>> {
        private static final long serialVersionUID = 1L;
        private final TrainingTask<M> task;
        private final OptimizerFactory optimizerFactory;
        private final String runId;
        private final Broadcast<TreeMap<String, double[]>> state;
        private final long firstStep, stepsPerEpoch, seed;
        private final int k, localBatch;
        private final double clipNorm;

        LocalSteps(TrainingTask<M> task, OptimizerFactory optimizerFactory, String runId,
                   Broadcast<TreeMap<String, double[]>> state, long firstStep, int k, int localBatch, long stepsPerEpoch,
                   long seed, double clipNorm) {
            this.task = task;
            this.optimizerFactory = optimizerFactory;
            this.runId = runId;
            this.state = state;
            this.firstStep = firstStep;
            this.k = k;
            this.localBatch = localBatch;
            this.stepsPerEpoch = stepsPerEpoch;
            this.seed = seed;
            this.clipNorm = clipNorm;
        }

        @Override
        public Iterator<Vectors> call(Integer partition, Iterator<Indexed> rows) {
            List<Indexed> shard = new ArrayList<>();
            rows.forEachRemaining(shard::add);
            Vectors out = new Vectors();
            if (shard.isEmpty()) return List.of(out).iterator();
            shard.sort(Comparator.comparingLong(Indexed::index));
            M replica = borrow(runId, task);
            try {
                TreeMap<String, double[]> s = state.value();
                setParameters(replica, s, "model.");
                Optimizer opt = optimizerFactory.create(replica).names(replica.namedParameters());
                Map<String, NdArray> optim = new LinkedHashMap<>();
                List<Parameter> params = opt.parameters();
                s.forEach((key, v) -> {
                    if (!key.startsWith("optim.")) return;
                    String kk = key.substring(6);
                    int dot = kk.indexOf('.');
                    optim.put(kk, dot < 0 ? NdArray.scalar(DType.FLOAT64, v[0])
                            : Vectors.array(v, params.get(Integer.parseInt(kk.substring(0, dot))).dtype(),
                                    params.get(Integer.parseInt(kk.substring(0, dot))).shape()));
                });
                opt.loadState(optim);
                int m = shard.size();
                int[] order = null;
                long orderEpoch = -1;
                for (long t = firstStep; t < firstStep + k; t++) {
                    long epoch = t / stepsPerEpoch;
                    if (epoch != orderEpoch) {                              // this partition's own shuffle per epoch
                        order = epochOrder(seed * 31 + partition, epoch, m);
                        orderEpoch = epoch;
                    }
                    long j = t % stepsPerEpoch;
                    List<TrainingExample> batch = new ArrayList<>(localBatch);
                    for (int q = 0; q < localBatch; q++) batch.add(shard.get(order[(int) ((j * localBatch + q) % m)]).example());
                    opt.zeroGrad();
                    TrainingTask.BatchLoss loss = task.loss(replica, batch, t);
                    double sum = loss.sum().item();
                    loss.sum().mul(1.0 / loss.weight()).backward();          // the batch mean, as one JVM trains
                    if (clipNorm > 0) opt.checkedStep(sum / loss.weight(), GradClip.byGlobalNorm(opt.parameters(), clipNorm));
                    else opt.checkedStep(sum / loss.weight());
                    out.lossSum += sum;
                    out.weight += loss.weight();
                }
                out.values.putAll(Vectors.parameters(replica.namedParameters(), "model."));
                opt.state().forEach((key, v) -> out.values.put("optim." + key, v.toDoubleArray()));
                out.count = 1;
            } finally {
                giveBack(runId, replica);
            }
            return List.of(out).iterator();
        }
    }
}
