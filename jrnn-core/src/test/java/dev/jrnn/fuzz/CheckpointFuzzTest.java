package dev.jrnn.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.io.ModelConfig;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.Module;
import dev.jrnn.optim.Adam;
import dev.jrnn.optim.ReduceOnPlateau;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.train.Checkpoint;
import dev.jrnn.train.Trainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzzes resuming from a checkpoint file ({@link Trainer#resumeFrom}: {@link Checkpoint#read}, every metadata value
 * the trainer reads, the history and meter it decodes, restoring the model and the Adam state), then the run
 * configuration stored in the metadata as the CLI reads it. Seeded with checkpoints the trainer writes.
 */
class CheckpointFuzzTest {
    private static final Path FILE = FuzzSupport.scratch("checkpoint").resolve("checkpoint.safetensors");

    /** A linear layer: enough for model and optimizer state under their real names. */
    static final class Tiny extends Module {
        final Linear head = registerModule("head", new Linear(3, 2, new Rng(1)));
    }

    private static Trainer trainer(Tiny model, boolean plateau) {
        Adam adam = new Adam(model.parameters(), Adam.Config.adam(0.01));
        adam.names(model.namedParameters());
        Trainer.Builder b = Trainer.builder(model, adam, (batch, training) -> {
            throw new IllegalStateException("the fuzz target never trains");
        }).out(null).rng("dropout", new Rng(2)).runConfig("{\"task\": \"fuzz\", \"hidden\": 2}");
        if (plateau) b.plateau(new ReduceOnPlateau(0.5, 2, 1e-5, 1e-4));
        return b.build();
    }

    /** Checkpoints as the trainer writes them: after one Adam step (so with moments), with and without a plateau. */
    static Stream<byte[]> seeds() {
        return Stream.of(false, true).map(plateau -> {
            try {
                Tiny m = new Tiny();
                Trainer t = trainer(m, plateau);
                m.head.forward(Tensor.constant(NdArray.of(new float[][] {{1, 2, 3}}))).sum().backward();
                t.optimizer().step();
                Path f = Files.createTempFile("jrnn-fuzz-seed", ".safetensors");
                t.saveCheckpoint(f);
                byte[] bytes = Files.readAllBytes(f);
                Files.delete(f);
                return bytes;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Test
    void everySeedResumes() throws Exception {
        java.util.List<byte[]> seeds = seeds().toList();
        resume(seeds.get(0), false);
        resume(seeds.get(1), true);
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "5m")
    void resume(byte[] data) throws Exception {
        FuzzSupport.expectSuccessOrRejection(FILE.toString(), () -> resume(data, (data.length & 1) == 1));
    }

    private static void resume(byte[] data, boolean plateau) throws Exception {
        Files.write(FILE, data);
        trainer(new Tiny(), plateau).resumeFrom(FILE);
        Checkpoint cp = Checkpoint.read(FILE);
        if (cp.metadata().containsKey("config")) ModelConfig.parse(cp.get("config"), FILE + " (metadata 'config')");
    }
}
