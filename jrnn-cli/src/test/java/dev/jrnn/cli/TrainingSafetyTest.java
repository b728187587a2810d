package dev.jrnn.cli;

import dev.jrnn.io.DirectoryLock;
import dev.jrnn.io.Safetensors;
import dev.jrnn.optim.Adam;
import dev.jrnn.optim.DivergedException;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.text.LanguageModel;
import dev.jrnn.text.LanguageModelConfig;
import dev.jrnn.text.WordTokenizer;
import dev.jrnn.text.LanguageModelFiles;
import dev.jrnn.train.Callback;
import dev.jrnn.train.Checkpoint;
import dev.jrnn.train.StepSource;
import dev.jrnn.train.Trainer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The training defects of issue #15, each reproduced: a model replaced without {@code --overwrite}, two runs in one
 * {@code --out}, temporary files left by a killed run, edited checkpoint numbers, divergence saved as success, a file
 * given as {@code --out}, SIGTERM losing the run (in a forked JVM), validation outside the time budget.
 */
class TrainingSafetyTest {
    @TempDir
    static Path tmp;

    static Path corpus, tsv, pairs, csv;

    @BeforeAll
    static void data() throws IOException {
        corpus = Files.writeString(tmp.resolve("corpus.txt"), CommandsTest.CORPUS);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 40; i++) b.append(i % 2 == 0 ? "pos\tgood film\n" : "neg\tbad film\n");
        tsv = Files.writeString(tmp.resolve("labels.tsv"), b.toString());
        pairs = Files.writeString(tmp.resolve("pairs.tsv"), Seq2SeqCommandsTest.reversals(new Random(4), 60));
        csv = Files.writeString(tmp.resolve("weather.csv"), RegressCommandsTest.weather(120, true));
    }

    /** {@code jrnn train lm} on the small corpus with a tiny model; more flags after. */
    static String[] lm(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "lm", "--data", corpus.toString(), "--out", out.toString(),
                "--hidden", "16", "--embedding", "8", "--bptt", "16", "--batch", "4", "--progress", "none"));
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    /** Each training task on its small data set, tiny, with the flags given after. */
    static String[] task(String task, Path out, String... more) {
        List<String> a = new ArrayList<>(switch (task) {
            case "lm" -> List.of(lm(out));
            case "classify" -> List.of("train", "classify", "--data", tsv.toString(), "--out", out.toString(), "--hidden", "8",
                    "--embedding", "4", "--batch", "8", "--progress", "quiet");
            case "seq2seq" -> List.of("train", "seq2seq", "--data", pairs.toString(), "--out", out.toString(), "--hidden", "8",
                    "--embedding", "4", "--batch", "8", "--progress", "quiet");
            case "regress" -> List.of("train", "regress", "--data", csv.toString(), "--out", out.toString(), "--target", "temp",
                    "--inputs", "temp,humidity", "--window", "8", "--hidden", "8", "--batch", "16", "--progress", "quiet");
            default -> throw new IllegalArgumentException(task);
        });
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    // ------------------------------------------------------------------ 3: a trained model is not replaced silently

    @Test
    void aTrainedModelIsReplacedOnlyWithOverwrite() throws IOException {
        Path out = tmp.resolve("kept");
        assertEquals(0, Run.of(lm(out, "--max-steps", "3")).status());
        Files.delete(out.resolve("checkpoint.safetensors"));                 // the model alone, as the issue found it
        byte[] weights = Files.readAllBytes(out.resolve("model/weights.safetensors"));
        assertEquals("jrnn: " + out.resolve("model") + " already holds a trained model: add --overwrite to replace it, or "
                + "choose another --out", ErrorsTest.fails(1, lm(out, "--max-steps", "3")));
        assertArrayEquals(weights, Files.readAllBytes(out.resolve("model/weights.safetensors")), "untouched");

        Run over = Run.of(lm(out, "--max-steps", "3", "--seed", "2", "--overwrite"));
        assertEquals(0, over.status(), over.toString());
        assertFalse(Arrays.equals(weights, Files.readAllBytes(out.resolve("model/weights.safetensors"))), "replaced");
        assertTrue(ErrorsTest.fails(2, lm(out, "--resume", "--overwrite")).startsWith("jrnn: --resume continues the run in "
                + "--out and --overwrite starts it afresh: give one of them, not both"));

        // --overwrite over a whole run deletes its checkpoint at once, so that it cannot be resumed by mistake
        Run again = Run.of(lm(out, "--max-steps", "2", "--overwrite", "--checkpoint-every", "0"));
        assertEquals(0, again.status(), again.toString());
        assertTrue(again.out().contains("--overwrite: deleted the previous run's " + out.resolve("checkpoint.safetensors")
                + "; " + out.resolve("model") + " is replaced when this run saves its model"), again.out());
        assertEquals(2, Checkpoint.read(out.resolve("checkpoint.safetensors")).getLong("step"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"lm", "classify", "seq2seq", "regress"})
    void everyTrainTaskRefusesToReplaceAModelBeforeItReadsItsData(String task) throws IOException {
        Path out = tmp.resolve("model-" + task);
        Files.createDirectories(out.resolve("model"));
        String[] args = task(task, out);
        args[3] = tmp.resolve("no-such-file").toString();                    // --data: the model check comes first
        assertEquals("jrnn: " + out.resolve("model") + " already holds a trained model: add --overwrite to replace it, or "
                + "choose another --out", ErrorsTest.fails(1, args));
    }

    @Test
    void theDemoRefusesToReplaceAModelWithoutOverwrite() throws IOException {
        Path out = Files.createDirectories(tmp.resolve("demo-out"));
        Files.writeString(out.resolve("config.json"), "{}");
        assertEquals("jrnn: --out " + out + " is not empty (it holds a model or other files): add --overwrite to replace it,"
                + " or choose another --out", ErrorsTest.fails(1, "demo", "--out", out.toString()));
        assertEquals("{}", Files.readString(out.resolve("config.json")));
    }

    // ------------------------------------------------------------------ 10: --out naming a file

    @ParameterizedTest
    @ValueSource(strings = {"lm", "classify", "seq2seq", "regress"})
    void aFileAsOutIsRefusedByName(String task) throws IOException {
        Path file = Files.writeString(tmp.resolve("a-file-" + task), "x");
        assertEquals("jrnn: --out " + file + " is a file, expected a directory (see jrnn train " + task + " --help)",
                ErrorsTest.fails(2, task(task, file)));
        assertEquals("jrnn: --out " + file + " is a file, expected a directory (see jrnn demo --help)",
                ErrorsTest.fails(2, "demo", "--out", file.toString()));
    }

    // ------------------------------------------------------------------ 4: one run per --out

    @ParameterizedTest
    @ValueSource(strings = {"lm", "classify", "seq2seq", "regress"})
    void aSecondRunIntoTheSameOutRefusesAtStart(String task) throws IOException {
        Path out = tmp.resolve("busy-" + task);
        try (DirectoryLock first = DirectoryLock.acquire(out)) {             // the first run, still training
            String e = ErrorsTest.fails(1, task(task, out, "--max-steps", "2"));
            assertTrue(e.startsWith("jrnn: --out " + out + " is in use by another jrnn run (pid "
                    + ProcessHandle.current().pid() + ", since "), e);
            assertTrue(e.endsWith("; lock file " + out.resolve(".jrnn.lock") + "): wait for that run to finish, or choose "
                    + "another --out"), e);
            assertFalse(Files.exists(out.resolve("model")));
        }
        Run after = Run.of(task(task, out, "--max-steps", "2"));           // the first run is over: its lock is gone
        assertEquals(0, after.status(), after.toString());
        assertTrue(Files.isDirectory(out.resolve("model")));
    }

    @Test
    void aFailedStartLeavesNoDirectoryBehind() {
        Path out = tmp.resolve("never-made");
        String[] args = lm(out);
        args[3] = tmp.resolve("no-such-file").toString();
        ErrorsTest.fails(1, args);
        assertFalse(Files.exists(out), "the directory this run created for itself is removed again");
    }

    // ------------------------------------------------------------------ 7: orphan temporary files

    @Test
    void theNextRunRemovesTemporaryFilesThatAKilledRunLeft() throws IOException {
        Path out = tmp.resolve("orphans");
        assertEquals(0, Run.of(lm(out, "--max-steps", "3", "--checkpoint-every", "1")).status());
        Path orphan = out.resolve(".checkpoint.safetensors.5e1f0c2a9b3d4e67.tmp");     // kill -9 during a checkpoint
        Files.write(orphan, new byte[1 << 20]);
        Path orphanDir = Files.createDirectories(out.resolve(".model.0badc0ffee.tmp"));  // ... during the model's save
        Files.writeString(orphanDir.resolve("weights.safetensors"), "partial");
        Path mine = Files.writeString(out.resolve("notes.tmp"), "the user's own file");
        Run r = Run.of(lm(out, "--max-steps", "5", "--resume"));
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("removed 2 unfinished temporary file(s) that an interrupted run left in " + out
                + ": .checkpoint.safetensors.5e1f0c2a9b3d4e67.tmp, .model.0badc0ffee.tmp"), r.out());
        assertFalse(Files.exists(orphan));
        assertFalse(Files.exists(orphanDir));
        assertTrue(Files.exists(mine), "only jrnn's temporary names are removed");
    }

    // ------------------------------------------------------------------ 8: checkpoint numbers are range-checked

    @Test
    void editedCheckpointNumbersAreRefusedOnResumeNamingFileFieldRangeAndValue() throws IOException {
        Path out = tmp.resolve("edited");
        assertEquals(0, Run.of(lm(out, "--max-steps", "3", "--checkpoint-every", "0")).status());
        Path ckpt = out.resolve("checkpoint.safetensors");
        Safetensors.File saved = Safetensors.readWithMetadata(ckpt);
        assertEquals("3", saved.metadata().get("step"));
        String tail = " (was the file edited or damaged?)";
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("epoch=-3", "metadata 'epoch' is -3, outside the allowed range 0 to 3" + tail);
        cases.put("epoch=2147483647", "metadata 'epoch' is 2147483647, outside the allowed range 0 to 3" + tail);
        cases.put("step=-1", "metadata 'step' is -1, outside the allowed range 0 to 9007199254740992" + tail);
        cases.put("batch=-1", "metadata 'batch' is -1, outside the allowed range 0 to 3" + tail);
        cases.put("early.bad=5", "metadata 'early.bad' is 5, outside the allowed range 0 to 0" + tail);
        byte[] good = Files.readAllBytes(ckpt);
        for (Map.Entry<String, String> c : cases.entrySet()) {
            String[] kv = c.getKey().split("=", 2);
            Map<String, String> meta = new LinkedHashMap<>(saved.metadata());
            meta.put(kv[0], kv[1]);
            Safetensors.write(ckpt, saved.tensors(), meta);
            assertEquals("jrnn: checkpoint " + ckpt + ": " + c.getValue(), ErrorsTest.fails(1, lm(out, "--resume")), c.getKey());
        }
        Files.write(ckpt, good);
        assertEquals(0, Run.of(lm(out, "--resume", "--max-steps", "4")).status(), "the real checkpoint still resumes");
    }

    @Test
    void editedTrainerCheckpointsAreRefusedTheSameWay() throws IOException {
        Path out = tmp.resolve("edited-classify");
        assertEquals(0, Run.of(task("classify", out, "--max-steps", "3")).status());
        Path ckpt = out.resolve("checkpoint.safetensors");
        Safetensors.File saved = Safetensors.readWithMetadata(ckpt);
        Map<String, String> meta = new LinkedHashMap<>(saved.metadata());
        meta.put("epoch", "-3");
        Safetensors.write(ckpt, saved.tensors(), meta);
        assertEquals("jrnn: checkpoint " + ckpt + ": metadata 'epoch' is -3, outside the allowed range 0 to 3 (was the file "
                + "edited or damaged?)", ErrorsTest.fails(1, task("classify", out, "--resume")));
    }

    // ------------------------------------------------------------------ 9: divergence is not saved as success

    @ParameterizedTest
    @ValueSource(strings = {"lm", "classify", "seq2seq", "regress"})
    void aDivergedRunFailsAndSavesNoModel(String task) {
        Path out = tmp.resolve("diverged-" + task);
        String e = ErrorsTest.fails(1, task(task, out, "--lr", "1e30", "--checkpoint-every", "1"));
        assertTrue(e.startsWith("jrnn: training diverged at step "), e);
        // a step's checkpoint is written once the next loss shows its weights sane: after step 1 they were not
        assertTrue(e.contains(". The model was not saved; no checkpoint was written before it. "), e);
        assertFalse(Files.exists(out.resolve("checkpoint.safetensors")));
        assertTrue(e.endsWith("Lower --lr (now 1.0E30) or clip the gradient norm harder (--clip-norm, now 5.0), then start "
                + "afresh with --overwrite.") || e.endsWith("Lower --lr (now 1.0E30) or clip the gradient norm (--clip-norm 1),"
                + " then start afresh with --overwrite."), e);
        assertFalse(Files.exists(out.resolve("model")), "no model from diverged weights");
    }

    @Test
    void anLmRunThatDivergesMidRunKeepsItsLastGoodCheckpoint() throws IOException {
        Path out = Files.createDirectories(tmp.resolve("diverges-later"));
        LmData d = LmData.prepare("corpus", CommandsTest.CORPUS, null, 0.05, LmData.Level.CHAR, false, 1, 0,
                WordTokenizer.Punctuation.SPLIT);
        LanguageModel lm = new LanguageModel(LanguageModelConfig.of(d.vocabulary().size(), 8, 16)
                .withSpecials(d.startId(), d.eosId(), d.vocabulary().unkId()));
        Adam adam = new Adam(lm.parameters(), Adam.Config.adam(0.01));
        StepSource steps = lm.steps(d.train(), 4, 16);
        assertEquals(39, steps.steps());
        Trainer t = Trainer.builder(lm, adam)
                .config(Trainer.Config.of(3, 4).withClipNorm(5).withCheckpoints(1, 5).withProgress(Trainer.ProgressMode.QUIET, 0))
                .outputDir(out).out(null)
                .callback(new Callback() {
                    @Override
                    public void onEpochEnd(Trainer trainer, int epoch, Map<String, Double> row) {
                        adam.setLr(1e30);                 // epoch 2 diverges: its first step ruins the weights
                    }
                }).build();
        DivergedException e = assertThrows(DivergedException.class, () -> t.fit(steps, lm.steps(d.valid(), 2, 16)));
        assertEquals(41, e.step(), e.getMessage());
        // step 40 is a checkpoint step, but its weights gave step 41 that loss: the checkpoint of epoch 1 stays
        Checkpoint c = Checkpoint.read(out.resolve("checkpoint.safetensors"));
        assertEquals(39, c.getLong("step"));
        assertTrue(c.modelState().values().stream().allMatch(NdArray::allFinite));
    }

    @Test
    void aDivergedLmRunNamesTheLossAndTheCheckpointBeforeIt() {
        Path out = tmp.resolve("diverged-lm-detail");
        String e = ErrorsTest.fails(1, lm(out, "--lr", "1e30", "--checkpoint-every", "0"));
        assertTrue(e.matches("jrnn: training diverged at step \\d+: the (loss is .*|gradient of '.*' is not finite .*)\\. "
                + "The model was not saved; no checkpoint was written before it\\. Lower --lr \\(now 1\\.0E30\\) .*"), e);
    }

    @Test
    void aDivergedDemoSavesNothing() throws IOException {
        Path text = Files.writeString(tmp.resolve("demo.txt"), CommandsTest.CORPUS);
        Path out = tmp.resolve("demo-diverged");
        String e = ErrorsTest.fails(1, "demo", "--text", text.toString(), "--lr", "1e30", "--seconds", "60", "--hidden", "16",
                "--embedding", "8", "--bptt", "16", "--batch", "4", "--samples", "0", "--progress", "none", "--out",
                out.toString());
        assertTrue(e.startsWith("jrnn: training diverged at step "), e);
        assertTrue(e.endsWith(". Nothing was saved. Lower --lr (now 1.0E30)."), e);
        assertFalse(Files.exists(out));
    }

    // ------------------------------------------------------------------ 12: the time budget covers validation

    @Test
    void aValidationThatWouldOverrunTheBudgetEndsScoringWhatItDid() throws IOException {
        Path out = tmp.resolve("budget");
        Path valid = Files.writeString(tmp.resolve("valid.txt"), CommandsTest.CORPUS.repeat(4));
        // a budget shorter than any step: training stops after one, and validation after its first chunk
        Run r = Run.of(lm(out, "--valid", valid.toString(), "--minutes", "1e-7"));
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().matches("(?s).*  val_fraction 0\\.0\\d+ .*\\(time budget reached after 1 of 41 steps\\).*"), r.out());
        Map<String, Double> m = LanguageModelFiles.load(out.resolve("model")).provenance().finalMetrics();
        assertTrue(m.get("valid_fraction_scored") > 0 && m.get("valid_fraction_scored") < 0.02, m.toString());
        assertEquals(1, LanguageModelFiles.load(out.resolve("model")).provenance().steps());
    }

    @Test
    void aLongValidationShowsProgress() throws IOException {
        Path out = tmp.resolve("validating");
        Path valid = Files.writeString(tmp.resolve("valid-long.txt"), CommandsTest.CORPUS.repeat(2));
        String[] args = lm(out, "--valid", valid.toString(), "--max-steps", "2");
        args[Arrays.asList(args).indexOf("none")] = "bar";
        Run r = Run.of(args);
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("\rvalidating [##########----------]  50%  "), r.out());   // chunk 40 of 80
    }

    // ------------------------------------------------------------------ 12: SIGTERM / Ctrl-C saves and resumes

    /** What a forked {@code jrnn} printed (stdout and stderr together) and its exit status. */
    private record Forked(int status, String output) {}

    /**
     * Runs {@code jrnn ARGS} in a new JVM (the test class path), waits until {@code ready} holds, sends SIGTERM (as
     * {@code kill} or a service manager does) and waits for the process to end.
     */
    private static Forked sigtermWhen(java.util.function.Predicate<String> ready, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        StringBuffer output = new StringBuffer();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) output.append(line).append('\n');
            } catch (IOException ignored) {
                // the process is gone; what was read is in output
            }
        });
        reader.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!ready.test(output.toString()) && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(20);
        assertTrue(p.isAlive(), "the run is training when it is stopped:\n" + output);
        assertTrue(p.toHandle().destroy(), "SIGTERM sent");       // Process.destroy() would also close our end of its output
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "it exits:\n" + output);
        reader.join(10_000);
        return new Forked(p.exitValue(), output.toString());
    }

    /** What every stopped run prints, and its checkpoint's mark; returns the checkpoint's step. */
    private static long assertStoppedAndSaved(Forked f, Path out) throws IOException {
        String text = f.output();
        assertEquals(143, f.status(), text);                                   // 128 + SIGTERM: it was stopped, not done
        assertTrue(text.contains("jrnn: stopping at the next step, then saving a checkpoint and the model"), text);
        assertTrue(text.contains("interrupted: saved " + out.resolve("model") + " ("), text);
        assertTrue(text.contains("and " + out.resolve("checkpoint.safetensors") + " (marked stopped = interrupted); continue"
                + " with the same command and --resume"), text);
        Checkpoint c = Checkpoint.read(out.resolve("checkpoint.safetensors"));
        assertEquals("interrupted", c.get("stopped"));
        return c.getLong("step");
    }

    @Test
    void sigtermStopsAtAStepBoundarySavesTheModelAndTheRunResumes() throws Exception {
        Path out = tmp.resolve("sigterm");
        String[] args = lm(out, "--epochs", "1000", "--checkpoint-every", "100000", "--log-every", "1");
        args[Arrays.asList(args).indexOf("none")] = "lines";
        long step = assertStoppedAndSaved(sigtermWhen(o -> o.contains(" step 3/"), args), out);
        assertTrue(step >= 3, "no step was lost: " + step);
        assertEquals(step, LanguageModelFiles.load(out.resolve("model")).provenance().steps());

        Run resumed = Run.of(lm(out, "--epochs", "1000", "--checkpoint-every", "100000", "--resume", "--max-steps",
                Long.toString(step + 2)));
        assertEquals(0, resumed.status(), resumed.toString());
        assertTrue(resumed.out().contains("resuming from " + out.resolve("checkpoint.safetensors") + " (epoch "), resumed.out());
        assertTrue(resumed.out().contains(", step " + step + ")"), resumed.out());
        assertEquals(step + 2, LanguageModelFiles.load(out.resolve("model")).provenance().steps());
    }

    @Test
    void sigtermStopsATrainerRunTooAndItResumes() throws Exception {
        Path out = tmp.resolve("sigterm-classify");
        Path ckpt = out.resolve("checkpoint.safetensors");
        long step = assertStoppedAndSaved(sigtermWhen(o -> Files.exists(ckpt),
                task("classify", out, "--epochs", "100000", "--checkpoint-every", "3")), out);
        assertTrue(step >= 3, "no step was lost: " + step);
        Run resumed = Run.of(task("classify", out, "--epochs", "100000", "--resume", "--max-steps", Long.toString(step + 2)));
        assertEquals(0, resumed.status(), resumed.toString());
        assertTrue(resumed.out().contains("resuming from " + ckpt + " (epoch "), resumed.out());
        assertTrue(resumed.out().contains("saved " + out.resolve("model") + " ("), resumed.out());
    }
}
