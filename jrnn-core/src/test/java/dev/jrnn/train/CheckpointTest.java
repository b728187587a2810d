package dev.jrnn.train;

import dev.jrnn.io.Safetensors;
import dev.jrnn.nn.Parameter;
import dev.jrnn.optim.Adam;
import dev.jrnn.optim.DivergedException;
import dev.jrnn.optim.Optimizer;
import dev.jrnn.optim.Sgd;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.train.TrainTestSupport.MajorityModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Atomic writes survive a crash; damaged or mismatched checkpoints fail with the reason, before anything changes. */
class CheckpointTest {

    /** A model with a trained optimizer (so that the state has moments), checkpointed to {@code file}. */
    private static MajorityModel saved(Path file, long seed) throws IOException {
        MajorityModel m = new MajorityModel(seed, DType.FLOAT32);
        Adam adam = new Adam(m.parameters(), Adam.Config.adam(0.01));
        adam.names(m.namedParameters());
        SequenceDataset data = TrainTestSupport.majority(8, 1, DType.FLOAT32);
        adam.zeroGrad();
        m.step().apply(data.batch(new int[] {0, 1, 2, 3}), true).loss().backward();
        adam.step();
        Checkpoint.write(file, m, adam, Map.of("epoch", "3", "config", "{}"));
        return m;
    }

    private static double[] flat(MajorityModel m) {
        return m.parameters().stream().flatMapToDouble(p -> Arrays.stream(p.data().toDoubleArray())).toArray();
    }

    private static Optimizer adamFor(MajorityModel m) {
        return new Adam(m.parameters(), Adam.Config.adam(0.01)).names(m.namedParameters());
    }

    @Test
    void roundTripRestoresModelAndOptimizer(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("c.safetensors");
        MajorityModel original = saved(f, 1);
        MajorityModel other = new MajorityModel(2, DType.FLOAT32);
        Optimizer opt = adamFor(other);
        Checkpoint cp = Checkpoint.read(f);
        assertEquals(3, cp.getLong("epoch"));
        assertEquals("2", cp.get("version"));
        cp.restore(other, opt);
        assertArrayEquals(flat(original), flat(other), 0.0);
        assertEquals(1, opt.steps());
        assertTrue(cp.optimizerState().containsKey("0.rnn.weight_ih_l0.exp_avg"));
    }

    @Test
    void aWriteKilledHalfWayLeavesThePreviousCheckpointLoadable(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("c.safetensors");
        MajorityModel first = saved(f, 1);
        byte[] before = Files.readAllBytes(f);
        MajorityModel second = new MajorityModel(5, DType.FLOAT32);
        IOException e = assertThrows(IOException.class, () -> Checkpoint.write(f, second, adamFor(second), Map.of(),
                () -> { throw new IOException("killed"); }));
        assertEquals("killed", e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(f), "the previous checkpoint is untouched");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(f), files.toList(), "no temporary file left behind");
        }
        MajorityModel back = new MajorityModel(9, DType.FLOAT32);
        Checkpoint.read(f).restore(back, adamFor(back));
        assertArrayEquals(flat(first), flat(back), 0.0);
    }

    @Test
    void damagedFilesNameTheProblem(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("c.safetensors");
        saved(f, 1);
        byte[] good = Files.readAllBytes(f);

        Path truncated = dir.resolve("truncated.safetensors");
        Files.write(truncated, Arrays.copyOf(good, good.length / 2));
        IOException e = assertThrows(IOException.class, () -> Checkpoint.read(truncated));
        assertTrue(e.getMessage().startsWith("checkpoint " + truncated + " is damaged (truncated or not a safetensors "
                + "file?): "), e.getMessage());

        Path header = dir.resolve("header.safetensors");
        byte[] bad = good.clone();
        bad[8] = 'X';   // the JSON header's opening brace
        Files.write(header, bad);
        e = assertThrows(IOException.class, () -> Checkpoint.read(header));
        assertTrue(e.getMessage().contains("is damaged"), e.getMessage());

        Path weights = dir.resolve("weights.safetensors");
        Safetensors.write(weights, Map.of("w", NdArray.zeros(DType.FLOAT32, 2)));
        e = assertThrows(IOException.class, () -> Checkpoint.read(weights));
        assertEquals("checkpoint " + weights + ": not a jrnn checkpoint (metadata format is missing, expected "
                + "'jrnn-checkpoint'); a plain weights file loads with Safetensors.read", e.getMessage());

        e = assertThrows(IOException.class, () -> Checkpoint.read(dir.resolve("missing.safetensors")));
        assertTrue(e.getMessage().endsWith("no such file"));
    }

    @Test
    void mismatchedModelsAndOptimizersAreRefusedBeforeAnythingChanges(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("c.safetensors");
        saved(f, 1);
        Checkpoint cp = Checkpoint.read(f);

        MajorityModel wider = new MajorityModel(2, DType.FLOAT32, 9, "rnn");
        double[] widerBefore = flat(wider);
        Optimizer widerOpt = adamFor(wider);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cp.restore(wider, widerOpt));
        assertTrue(e.getMessage().startsWith("checkpoint " + f + " does not fit this model/optimizer, nothing was restored: "),
                e.getMessage());
        assertTrue(e.getMessage().contains("'rnn.weight_hh_l0' has shape [32, 8] in the checkpoint, the model has [36, 9]"),
                e.getMessage());
        assertArrayEquals(widerBefore, flat(wider), 0.0);
        assertEquals(0, widerOpt.steps());

        MajorityModel renamed = new MajorityModel(2, DType.FLOAT32, 8, "encoder");
        double[] renamedBefore = flat(renamed);
        e = assertThrows(IllegalArgumentException.class, () -> cp.restore(renamed, adamFor(renamed)));
        assertTrue(e.getMessage().contains("parameters missing from the checkpoint: [encoder.bias_hh_l0, "), e.getMessage());
        assertTrue(e.getMessage().contains("parameters the model does not have: [rnn.bias_hh_l0, "), e.getMessage());
        assertArrayEquals(renamedBefore, flat(renamed), 0.0);

        MajorityModel same = new MajorityModel(2, DType.FLOAT32);
        double[] sameBefore = flat(same);
        Sgd sgd = new Sgd(same.parameters(), 0.1);
        e = assertThrows(IllegalArgumentException.class, () -> cp.restore(same, sgd));
        assertTrue(e.getMessage().contains("the checkpoint's optimizer is Adam, this one is Sgd"), e.getMessage());
        assertArrayEquals(sameBefore, flat(same), 0.0, "the model is not touched when only the optimizer is wrong");
    }

    @Test
    void trainerRefusesADamagedCheckpointWithoutChangingItsModel(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("c.safetensors");
        saved(f, 1);
        byte[] good = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(good, good.length - 10));
        MajorityModel m = new MajorityModel(2, DType.FLOAT32);
        double[] before = flat(m);
        Trainer t = Trainer.builder(m, adamFor(m), m.step()).out(null).build();
        assertThrows(IOException.class, () -> t.resumeFrom(f));
        assertArrayEquals(before, flat(m), 0.0);
        for (Parameter p : m.parameters()) assertTrue(p.data().allFinite());
    }

    @Test
    void numbersOutsideTheirRangeAreRefusedNamingFileKeyRangeAndValue(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("c.safetensors");
        saved(f, 1);
        Checkpoint cp = Checkpoint.read(f);
        assertEquals(3, cp.getInt("epoch", 0, 5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cp.getInt("epoch", 0, 2));
        assertEquals("checkpoint " + f + ": metadata 'epoch' is 3, outside the allowed range 0 to 2 (was the file edited or "
                + "damaged?)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> cp.getDouble("epoch", 0, 1.5));
        assertEquals("checkpoint " + f + ": metadata 'epoch' is 3, outside the allowed range 0.0 to 1.5 (was the file "
                + "edited or damaged?)", e.getMessage());
    }

    @Test
    void parametersHoldingNanAreNeverWrittenOverTheLastGoodCheckpoint(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("c.safetensors");
        MajorityModel m = saved(f, 1);
        byte[] good = Files.readAllBytes(f);
        m.head.namedParameters().get("bias").data().setFlat(1, Double.POSITIVE_INFINITY);
        DivergedException e = assertThrows(DivergedException.class,
                () -> Checkpoint.write(f, m, adamFor(m), Map.of("epoch", "4", "config", "{}")));
        assertEquals("checkpoint " + f + " not written: parameter 'head.bias' holds NaN or infinite values (training "
                + "diverged)", e.getMessage());
        assertArrayEquals(good, Files.readAllBytes(f));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(1, s.count(), "no temporary file either");
        }
    }

    @Test
    void aVersionOneCheckpointIsRefusedWithAClearMessage(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("old.safetensors");
        saved(f, 1);
        Safetensors.File file = Safetensors.readWithMetadata(f);
        Map<String, String> meta = new java.util.LinkedHashMap<>(file.metadata());
        meta.put("version", "1");                                        // as written before the one training loop
        Safetensors.write(f, file.tensors(), meta);
        IOException e = assertThrows(IOException.class, () -> Checkpoint.read(f));
        assertEquals("checkpoint " + f + " was written by an older jrnn (checkpoint version 1, before the one training "
                + "loop) and cannot be resumed; start a new run in another directory", e.getMessage());
    }
}
