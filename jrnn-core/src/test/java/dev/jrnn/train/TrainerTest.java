package dev.jrnn.train;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.io.DirectoryLock;
import dev.jrnn.io.Safetensors;
import dev.jrnn.nn.Parameter;
import dev.jrnn.optim.Adam;
import dev.jrnn.optim.DivergedException;
import dev.jrnn.optim.NonFiniteGradientException;
import dev.jrnn.optim.Sgd;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.train.TrainTestSupport.MajorityModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fit loop end to end on a generated task: learning, output, files, NaN handling, early stopping, determinism, resume. */
class TrainerTest {
    private static final SequenceDataset TRAIN = TrainTestSupport.majority(160, 1, DType.FLOAT32);
    private static final SequenceDataset VAL = TrainTestSupport.majority(60, 2, DType.FLOAT32);

    private static Trainer trainer(MajorityModel m, Trainer.Config c, Path dir, PrintStream out) {
        return Trainer.builder(m, new Adam(m.parameters(), Adam.Config.adam(0.03)), m.step())
                .config(c).outputDir(dir).out(out).runConfig("{\"task\":\"majority\",\"hidden\":8}").build();
    }

    private static double[][] params(MajorityModel m) {
        List<Parameter> ps = m.parameters();
        double[][] v = new double[ps.size()][];
        for (int i = 0; i < v.length; i++) v[i] = ps.get(i).data().toDoubleArray();
        return v;
    }

    private static void assertSameBits(double[][] a, double[][] b) {
        for (int i = 0; i < a.length; i++) assertArrayEquals(a[i], b[i], 0.0, "parameter " + i);
    }

    @Test
    void learnsTheTaskPrintsProgressAndWritesItsFiles(@TempDir Path dir) throws IOException {
        MajorityModel m = new MajorityModel(3, DType.FLOAT32);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Trainer t = trainer(m, Trainer.Config.of(8, 16).withClipNorm(1.0)
                .withProgress(Trainer.ProgressMode.LINES, 5), dir, new PrintStream(buf, true, StandardCharsets.UTF_8));
        History h = t.fit(TRAIN, VAL);
        String out = buf.toString(StandardCharsets.UTF_8);

        assertEquals(8, h.epochs());
        assertTrue(h.last().get("val_acc") >= 0.9, "val_acc " + h.last().get("val_acc") + "\n" + out);
        assertTrue(h.last().get("train_loss") < h.rows().get(0).get("train_loss"));
        assertEquals(80, h.last().get("step"));
        assertTrue(out.startsWith("training 370 parameters on 160 sequences (10 batches of 16), validating on 60 sequences (4 batches of 16); files in "),
                out);
        assertTrue(out.matches("(?s).*epoch 1/8 step 5/10  loss \\d\\.\\d{4}  \\d+\\.\\d steps/s  ETA \\d+:\\d\\d\n.*"), out);
        assertTrue(out.matches("(?s).*\nepoch 8/8  train_loss \\d\\.\\d{4}  train_acc \\d\\.\\d{4}  train_grad_norm \\d+\\.\\d{4}"
                + "  val_loss \\d\\.\\d{4}  val_acc \\d\\.\\d{4}  lr 0\\.0300  \\d+\\.\\d steps/s  \\d+\\.\\ds\n.*"), out);

        List<String> csv = Files.readAllLines(dir.resolve(Trainer.CSV_FILE));
        assertEquals("epoch,step,lr,time_s,skipped,train_loss,train_acc,train_grad_norm,val_loss,val_acc", csv.get(0));
        assertEquals(9, csv.size());
        assertTrue(csv.get(1).startsWith("1,10,0.03,"), csv.get(1));
        List<String> jsonl = Files.readAllLines(dir.resolve(Trainer.JSONL_FILE));
        assertEquals(8, jsonl.size());
        assertTrue(jsonl.get(7).startsWith("{\"epoch\":8,\"step\":80,\"lr\":0.03,"), jsonl.get(7));
        assertTrue(Files.size(dir.resolve("plots").resolve("loss.png")) > 1000, "loss plot\n" + out);
        assertTrue(Files.exists(dir.resolve("plots").resolve("acc.png")));
        assertFalse(out.contains("plots skipped"), out);

        // the saved model loads back into a fresh one and gives the same predictions
        MajorityModel back = new MajorityModel(99, DType.FLOAT32);
        back.loadStateDict(Safetensors.read(dir.resolve(Trainer.MODEL_FILE)));
        Batch b = VAL.batch(new int[] {0, 1, 2, 3, 4});
        assertArrayEquals(m.logits(b).data().toDoubleArray(), back.logits(b).data().toDoubleArray(), 0.0);
        Checkpoint cp = Checkpoint.read(dir.resolve(Trainer.CHECKPOINT_FILE));
        assertEquals("8", cp.get("epoch"));
        assertEquals("{\"task\":\"majority\",\"hidden\":8}", cp.get("config"));
        assertEquals("Adam", cp.get("optimizer"));
    }

    @Test
    void sameSeedTwiceGivesTheSameBits() throws IOException {
        double[][][] runs = new double[3][][];
        for (int r = 0; r < 3; r++) {
            MajorityModel m = new MajorityModel(3, DType.FLOAT32);
            trainer(m, Trainer.Config.of(2, 16).withSeed(r < 2 ? 5 : 6), null, null).fit(TRAIN, null);
            runs[r] = params(m);
        }
        assertSameBits(runs[0], runs[1]);
        assertFalse(java.util.Arrays.equals(runs[0][0], runs[2][0]), "another shuffling seed gives another run");
    }

    @Test
    void resumedRunContinuesBitForBit(@TempDir Path dir) throws IOException {
        Trainer.Config c = Trainer.Config.of(3, 16).withClipNorm(0.5).withCheckpoints(1, 4);
        MajorityModel uninterrupted = new MajorityModel(3, DType.FLOAT32);
        History full = trainer(uninterrupted, c, null, null).fit(TRAIN, VAL);

        // the same run, killed at step 14 (epoch 2, batch 4); the last checkpoint is from step 12
        MajorityModel crashed = new MajorityModel(3, DType.FLOAT32);
        Trainer first = Trainer.builder(crashed, new Adam(crashed.parameters(), Adam.Config.adam(0.03)), crashed.step())
                .config(c).outputDir(dir).out(null).callback(new Callback() {
                    @Override
                    public void onBatchEnd(Trainer trainer, long step, double loss, double norm) {
                        if (step == 14) throw new IllegalStateException("simulated crash");
                    }
                }).build();
        assertThrows(IllegalStateException.class, () -> first.fit(TRAIN, VAL));
        Checkpoint cp = Checkpoint.read(dir.resolve(Trainer.CHECKPOINT_FILE));
        assertEquals("12", cp.get("step"));
        assertEquals("1", cp.get("epoch"));
        assertEquals("2", cp.get("batch"));

        // a new process: another initialisation, restored from the checkpoint
        MajorityModel resumed = new MajorityModel(77, DType.FLOAT32);
        Trainer second = trainer(resumed, c, dir, null);
        second.resumeFrom(dir.resolve(Trainer.CHECKPOINT_FILE));
        History after = second.fit(TRAIN, VAL);

        assertSameBits(params(uninterrupted), params(resumed));
        assertEquals(3, after.epochs());
        for (int e = 0; e < 3; e++) {
            for (String k : List.of("train_loss", "train_acc", "val_loss", "step", "lr")) {
                assertEquals(full.rows().get(e).get(k), after.rows().get(e).get(k), 0.0, k + " of epoch " + (e + 1));
            }
        }
    }

    @Test
    void nonFiniteGradientStopsWithStepLossParameterAndAdvice() {
        MajorityModel m = new MajorityModel(3, DType.FLOAT32);
        long[] calls = {0};
        ModelStep poisoned = (batch, training) -> {
            StepOutput o = m.step().apply(batch, training);
            return ++calls[0] == 3 ? StepOutput.of(o.loss().mul(Double.NaN), batch.size()) : o;
        };
        Trainer t = Trainer.builder(m, new Sgd(m.parameters(), 0.1), poisoned).config(Trainer.Config.of(1, 16)).out(null).build();
        NonFiniteGradientException e = assertThrows(NonFiniteGradientException.class, () -> t.fit(TRAIN, null));
        assertTrue(e.getMessage().startsWith("step 3: the gradient of 'rnn.weight_ih_l0' is not finite (32 NaN and 0 "
                + "infinite of 32 elements); loss NaN. Gradients exploded: clip them (--clip-norm 1.0"), e.getMessage());

        calls[0] = 0;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        MajorityModel m2 = new MajorityModel(3, DType.FLOAT32);
        ModelStep poisoned2 = (batch, training) -> {
            StepOutput o = m2.step().apply(batch, training);
            return training && ++calls[0] == 3 ? StepOutput.of(o.loss().mul(Double.NaN), batch.size()) : o;
        };
        Trainer skipping = Trainer.builder(m2, new Sgd(m2.parameters(), 0.1), poisoned2)
                .config(Trainer.Config.of(1, 16).withSkipNonFinite(true).withProgress(Trainer.ProgressMode.QUIET, 0))
                .out(new PrintStream(buf, true, StandardCharsets.UTF_8)).build();
        History h = assertDoesNotThrowIo(() -> skipping.fit(TRAIN, null));
        assertEquals(1, h.last().get("skipped"));
        assertEquals(9, h.last().get("step"), "10 batches, one skipped");
        assertTrue(Double.isFinite(h.last().get("train_loss")), "the skipped batch is not in the mean");
        assertTrue(buf.toString(StandardCharsets.UTF_8).contains("skipped 1 non-finite steps"));
    }

    private interface IoSupplier<T> { T get() throws IOException; }

    private static <T> T assertDoesNotThrowIo(IoSupplier<T> s) {
        try {
            return s.get();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void earlyStoppingEndsARunThatStopsImproving() throws IOException {
        MajorityModel m = new MajorityModel(3, DType.FLOAT32);
        ModelStep flat = (batch, training) -> {
            Tensor zero = m.head.bias().sum().mul(0);                   // a constant loss that still has a graph
            return StepOutput.of(zero.add(1.0), batch.size());
        };
        Trainer t = Trainer.builder(m, new Sgd(m.parameters(), 0.1), flat)
                .config(Trainer.Config.of(10, 32).withEarlyStopping(2)).out(null).build();
        History h = t.fit(TRAIN, VAL);
        assertEquals(3, h.epochs(), "epoch 1 sets the best, epochs 2 and 3 do not improve");
        assertTrue(h.stoppedEarly());
    }

    @Test
    void anAccuracyMonitorIsBetterHigher() throws IOException {
        MajorityModel m = new MajorityModel(3, DType.FLOAT32);
        double[] acc = {0.5, 0.7, 0.6, 0.65, 0.55, 0.9};      // validation accuracy of epochs 1..6
        int[] epoch = {0};
        ModelStep step = (batch, training) -> {
            Tensor zero = m.head.bias().sum().mul(0);
            return StepOutput.of(zero.add(1.0), batch.size()).metric("acc", acc[epoch[0]], batch.size());
        };
        Callback next = new Callback() {
            @Override
            public void onEpochEnd(Trainer trainer, int e, Map<String, Double> metrics) {
                epoch[0] = e + 1;
            }
        };
        Trainer t = Trainer.builder(m, new Sgd(m.parameters(), 0.1), step).callback(next)
                .config(Trainer.Config.of(10, 32).withEarlyStopping(2).withMonitor("val_acc")).out(null).build();
        History h = t.fit(TRAIN, VAL);
        assertEquals(4, h.epochs(), "epoch 2 (0.7) is the best; epochs 3 and 4 do not beat it");
        assertTrue(h.stoppedEarly());
        assertTrue(Trainer.higherIsBetter("val_acc") && Trainer.higherIsBetter("train_accuracy")
                && Trainer.higherIsBetter("val_token_accuracy") && Trainer.higherIsBetter("val_f1")
                && Trainer.higherIsBetter("exact_match"));
        assertFalse(Trainer.higherIsBetter("val_loss") || Trainer.higherIsBetter("val_ppl")
                || Trainer.higherIsBetter("val_bpc") || Trainer.higherIsBetter("val_accent_loss"));
    }

    @Test
    void evaluateUsesEvalModeAndNoGraph() {
        MajorityModel m = new MajorityModel(3, DType.FLOAT32);
        boolean[] sawGraph = {false};
        ModelStep spy = (batch, training) -> {
            StepOutput o = m.step().apply(batch, training);
            sawGraph[0] |= o.loss().requiresGrad() || m.isTraining();
            return o;
        };
        Trainer t = Trainer.builder(m, new Sgd(m.parameters(), 0.1), spy).out(null).build();
        Map<String, Double> r = t.evaluate(VAL);
        assertFalse(sawGraph[0]);
        assertTrue(m.isTraining(), "back in training mode");
        assertEquals(Math.log(2), r.get("loss"), 0.2);
    }

    @Test
    void editedCheckpointNumbersAreRefusedBeforeAnythingChanges(@TempDir Path dir) throws IOException {
        MajorityModel m = new MajorityModel(3, DType.FLOAT32);
        trainer(m, Trainer.Config.of(2, 16).withCheckpoints(1, 0), dir, null).fit(TRAIN, VAL);   // 2 epochs of 10 steps
        Path good = dir.resolve(Trainer.CHECKPOINT_FILE);
        Safetensors.File saved = Safetensors.readWithMetadata(good);
        assertEquals("20", saved.metadata().get("step"));
        String tail = " (was the file edited or damaged?)";
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("epoch=-3", "metadata 'epoch' is -3, outside the allowed range 0 to 20" + tail);
        cases.put("epoch=2147483647", "metadata 'epoch' is 2147483647, outside the allowed range 0 to 20" + tail);
        cases.put("step=-1", "metadata 'step' is -1, outside the allowed range 0 to 9007199254740992" + tail);
        cases.put("batch=21", "metadata 'batch' is 21, outside the allowed range 0 to 20" + tail);
        cases.put("early.bad=3", "metadata 'early.bad' is 3, outside the allowed range 0 to 2" + tail);
        cases.put("early.best=NaN", "metadata 'early.best' is NaN, outside the allowed range -Infinity to Infinity" + tail);
        cases.put("epoch=1", "metadata 'history' is 2 rows, outside the allowed range exactly one row per completed epoch (1)"
                + tail);
        cases.put("meter=loss=NaN:3.0;", "metadata 'meter' entry 'loss=NaN:3.0' is outside the allowed range (a finite sum "
                + "and a finite weight >= 0)");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            String[] kv = c.getKey().split("=", 2);
            Map<String, String> meta = new java.util.LinkedHashMap<>(saved.metadata());
            meta.put(kv[0], kv[1]);
            Path edited = dir.resolve("edited.safetensors");
            Safetensors.write(edited, saved.tensors(), meta);
            MajorityModel fresh = new MajorityModel(9, DType.FLOAT32);
            double[][] before = params(fresh);
            Trainer t = trainer(fresh, Trainer.Config.of(3, 16), null, null);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.resumeFrom(edited), c.getKey());
            assertEquals("checkpoint " + edited + ": " + c.getValue(), e.getMessage(), c.getKey());
            assertSameBits(before, params(fresh));
            assertEquals(0, t.epoch());
        }
    }

    @Test
    void aDivergedRunStopsWithoutWritingItsModel(@TempDir Path dir) {
        MajorityModel m = new MajorityModel(3, DType.FLOAT32);
        Trainer t = Trainer.builder(m, new Adam(m.parameters(), Adam.Config.adam(1e30)), m.step())
                .config(Trainer.Config.of(2, 16)).outputDir(dir).out(null).build();
        DivergedException e = assertThrows(DivergedException.class, () -> t.fit(TRAIN, VAL));
        assertTrue(e.getMessage().startsWith("training diverged at step 2: ") || e.getMessage().startsWith("step 2: "),
                e.getMessage());
        assertFalse(Files.exists(dir.resolve(Trainer.MODEL_FILE)), "no model from diverged weights");
    }

    @Test
    void anOutputDirectoryHasOneWriterAndLosesItsStaleTemporaryFiles(@TempDir Path dir) throws IOException {
        Path orphan = Files.writeString(dir.resolve(".checkpoint.safetensors.00ff00ff.tmp"), "killed mid-write");
        MajorityModel m = new MajorityModel(3, DType.FLOAT32);
        Trainer t = trainer(m, Trainer.Config.of(1, 16), dir, null);
        try (DirectoryLock other = DirectoryLock.acquire(dir)) {
            DirectoryLock.Busy e = assertThrows(DirectoryLock.Busy.class, () -> t.fit(TRAIN, null));
            assertTrue(e.getMessage().startsWith(dir + " is in use by another jrnn run (pid "), e.getMessage());
            assertTrue(Files.exists(orphan), "nothing is touched while another run holds the directory");
        }
        t.fit(TRAIN, null);
        assertFalse(Files.exists(orphan));
        assertTrue(Files.exists(dir.resolve(Trainer.MODEL_FILE)));
    }

    @Test
    void aRunThatDivergesMidRunKeepsItsLastGoodCheckpoint(@TempDir Path dir) throws IOException {
        MajorityModel m = new MajorityModel(3, DType.FLOAT32);
        Adam adam = new Adam(m.parameters(), Adam.Config.adam(0.03));
        Trainer t = Trainer.builder(m, adam, m.step()).config(Trainer.Config.of(3, 16).withCheckpoints(1, 1)).outputDir(dir)
                .out(null).callback(new Callback() {
                    @Override
                    public void onEpochEnd(Trainer trainer, int epoch, Map<String, Double> metrics) {
                        adam.setLr(1e30);                   // epoch 2's first step ruins the weights
                    }
                }).build();
        DivergedException e = assertThrows(DivergedException.class, () -> t.fit(TRAIN, VAL));
        assertEquals(12, e.step(), e.getMessage());
        // step 11 is a checkpoint step, but its weights gave step 12 that loss: the checkpoint of epoch 1 stays
        Checkpoint c = Checkpoint.read(dir.resolve(Trainer.CHECKPOINT_FILE));
        assertEquals(10, c.getLong("step"));
        assertFalse(Files.exists(dir.resolve(Trainer.MODEL_FILE)));
    }
}
