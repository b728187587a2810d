package dev.jrnn.text;

import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.optim.Adam;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.train.Checkpoint;
import dev.jrnn.train.History;
import dev.jrnn.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A language model trained by the one fit loop ({@link Trainer} over truncated-BPTT chunks), stopped mid-epoch and
 * resumed in a new trainer and model, ends bit-identical to the uninterrupted run: the checkpoint carries the
 * recurrent state between chunks and every dropout generator (embedding, between the stacked layers, output).
 */
class LanguageModelResumeTest {
    private static final int[] TRAIN = corpus(600, 1), VALID = corpus(120, 2);

    private static int[] corpus(int n, long seed) {
        Rng rng = new Rng(seed);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = i % 3 == 0 ? 0 : 1 + (int) (rng.nextDouble() * 5);   // some structure
        return ids;
    }

    private static LanguageModel model(long seed) {
        return new LanguageModel(LanguageModelConfig.of(6, 8, 12).withCell(CellType.LSTM).withLayers(2)
                .withDropout(0.3).withSeed(seed));
    }

    private static Trainer trainer(LanguageModel lm, Path dir, long maxSteps) {
        return Trainer.builder(lm, new Adam(lm.parameters(), Adam.Config.adam(0.01)))
                .config(Trainer.Config.of(2, 4).withClipNorm(1).withLanguageModelMetrics(true))
                .outputDir(dir).out(null).maxSteps(maxSteps).build();
    }

    @Test
    void aRunStoppedMidEpochAndResumedEndsBitIdentical(@TempDir Path a, @TempDir Path b) throws IOException {
        LanguageModel whole = model(3);
        History full = trainer(whole, a, 0).fit(whole.steps(TRAIN, 4, 10), whole.steps(VALID, 4, 10));
        int perEpoch = whole.steps(TRAIN, 4, 10).steps();
        assertEquals(2, full.epochs());

        LanguageModel first = model(3);
        Trainer stopped = trainer(first, b, perEpoch + 5);                 // stops in the middle of epoch 2
        stopped.fit(first.steps(TRAIN, 4, 10), first.steps(VALID, 4, 10));
        assertEquals("step limit reached", stopped.stopReason());
        stopped.saveCheckpoint();
        Checkpoint cp = Checkpoint.read(b.resolve(Trainer.CHECKPOINT_FILE));
        assertEquals(2, cp.carried().size(), "an LSTM carries h and c");
        assertTrue(cp.metadata().containsKey("rng.model.rnn.dropout"), "the dropout between stacked layers is saved");

        LanguageModel again = model(99);                                   // another initialisation, overwritten
        Trainer resumed = trainer(again, b, 0);
        resumed.resumeFrom(b.resolve(Trainer.CHECKPOINT_FILE));
        History after = resumed.fit(again.steps(TRAIN, 4, 10), again.steps(VALID, 4, 10));

        Map<String, NdArray> x = whole.stateDict(), y = again.stateDict();
        for (String n : x.keySet()) {
            assertArrayEquals(x.get(n).toDoubleArray(), y.get(n).toDoubleArray(), 0.0, n);
        }
        for (String k : List.of("train_loss", "val_loss", "val_ppl")) {
            assertEquals(full.rows().get(1).get(k), after.rows().get(1).get(k), 0.0, k);
        }
    }

    @Test
    void aCarriedStateOfAnotherShapeIsRefused(@TempDir Path b) throws IOException {
        LanguageModel first = model(3);
        Trainer stopped = trainer(first, b, 5);
        stopped.fit(first.steps(TRAIN, 4, 10), null);
        stopped.saveCheckpoint();
        LanguageModel again = model(3);
        Trainer resumed = trainer(again, null, 0);
        resumed.resumeFrom(b.resolve(Trainer.CHECKPOINT_FILE));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> resumed.fit(again.steps(TRAIN, 3, 10), null));              // 3 rows, the checkpoint has 4
        assertTrue(e.getMessage().startsWith("Trainer.fit: the checkpoint's carried state does not fit this data"), e.getMessage());
    }
}
