package dev.jrnn.cli;

import dev.jrnn.io.Safetensors;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.text.LanguageModel;
import dev.jrnn.text.LanguageModelFiles;
import dev.jrnn.text.SamplingConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every subcommand end to end on tiny data: train a char LM for a few steps, then inspect, sample, eval and embed
 * it; resume a run and get the same bits; a word-level model; embed over a tiny GloVe file; the demo, small.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CommandsTest {
    /** A small corpus with a lot of repetition, so that a few steps learn something. */
    static final String CORPUS = "the cat sat on the mat. the dog sat on the log. a cat and a dog.\n".repeat(40);

    @TempDir
    static Path tmp;

    Path data;
    Path run;

    static String[] tiny(String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("--hidden", "16", "--embedding", "8", "--bptt", "16",
                "--batch", "4", "--lr", "0.01", "--progress", "lines", "--log-every", "10"));
        args.addAll(List.of(more));
        return args.toArray(new String[0]);
    }

    static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @BeforeAll
    void trainOnce() throws IOException {
        data = Files.writeString(tmp.resolve("corpus.txt"), CORPUS);
        run = tmp.resolve("run");
        Run r = Run.of(concat(new String[] {"train", "lm", "--data", data.toString(), "--out", run.toString()},
                tiny("--epochs", "2", "--checkpoint-every", "20")));
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("epoch 1/2 step 10/39  loss "), r.out());
        assertTrue(r.out().contains("epoch 2/2  train_loss "), r.out());
        assertTrue(r.out().contains("saved " + run.resolve("model")), r.out());
    }

    @Test
    void trainWritesTheModelTheCheckpointAndTheMetrics() throws IOException {
        assertTrue(Files.isRegularFile(run.resolve("model/config.json")));
        assertTrue(Files.isRegularFile(run.resolve("model/weights.safetensors")));
        assertTrue(Files.isRegularFile(run.resolve("model/vocab.txt")));
        assertTrue(Files.isRegularFile(run.resolve("checkpoint.safetensors")));
        List<String> csv = Files.readAllLines(run.resolve("metrics.csv"));
        assertEquals(3, csv.size(), csv.toString());
        assertEquals("epoch,step,lr,time_s,skipped,train_loss,train_grad_norm,train_ppl,train_bpc,val_loss,val_ppl,val_bpc",
                csv.get(0));
        LanguageModelFiles.Loaded m = LanguageModelFiles.load(run.resolve("model"));
        assertEquals(16, m.model().config().hiddenSize());
        assertEquals(2, m.provenance().epochs());
        assertTrue(m.provenance().command().startsWith("jrnn train lm --data "), m.provenance().command());
        assertTrue(m.provenance().finalMetrics().containsKey("valid_bits_per_char"));
    }

    @Test
    void inspectSummarisesModelsAndCheckpoints() {
        Run r = Run.of("inspect", run.toString());                    // the --out directory finds model/ inside
        assertEquals(0, r.status(), r.toString());
        for (String s : List.of("language model (jrnn model format version 1)", "LSTM, 1 layer of 16, embedding 8",
                "rnn.weight_ih_l0  [64, 8]", "rnn.weight_hh_l0  [64, 16]", "total", "tokenizer: CharTokenizer",
                "special ids: start ", "trained on ", "2 epochs", "final metrics: train_loss", "command: jrnn train lm")) {
            assertTrue(r.out().contains(s), s + " in\n" + r.out());
        }
        Run c = Run.of("inspect", run.resolve("checkpoint.safetensors").toString());
        assertEquals(0, c.status(), c.toString());
        assertTrue(c.out().contains("format: jrnn-checkpoint"), c.out());
        assertTrue(c.out().contains("optim.0.embedding.weight.exp_avg"), c.out());
    }

    @Test
    void sampleIsReproducibleAndFollowsItsOptions() {
        String[] a = {"sample", run.toString(), "--seed-text", "the ", "--length", "40", "--seed", "3"};
        Run first = Run.of(a), again = Run.of(a);
        assertEquals(0, first.status(), first.toString());
        assertTrue(first.out().startsWith("the "), first.out());
        assertEquals(first.out(), again.out(), "the same seed gives the same text");
        assertEquals("the ".length() + 40 + 1, first.out().length(), "seed text + 40 chars + a line break: " + first.out());
        assertNotEquals(first.out(), Run.of(concat(a, "--seed", "4")).out(), "another seed, another text");
        Run greedy = Run.of("sample", run.toString(), "--greedy", "--length", "30");
        assertEquals(greedy.out(), Run.of("sample", run.toString(), "--greedy", "--length", "30", "--seed", "9").out(),
                "greedy decoding ignores the seed");
        Run many = Run.of("sample", run.toString(), "--count", "2", "--length", "20", "--top-k", "3", "--top-p", "0.9",
                "--temperature", "0.5");
        assertEquals(0, many.status(), many.toString());
        assertTrue(many.out().contains("--- sample 1 ---") && many.out().contains("--- sample 2 ---"), many.out());
    }

    /** {@code sample} runs through the serving API and prints what the model's own {@code generate} drew before. */
    @Test
    void sampleGivesTheTextTheModelsOwnGenerationGives() throws IOException {
        LanguageModelFiles.Loaded m = LanguageModelFiles.load(Cli.modelDir(run));
        int[] prompt = m.encode("the ");
        for (SamplingConfig cfg : List.of(SamplingConfig.defaults().withMaxLength(60).withResampleUnk(true),
                SamplingConfig.defaults().withMaxLength(40).withGreedy(true).withResampleUnk(true),
                SamplingConfig.defaults().withMaxLength(50).withTemperature(0.5).withTopK(3).withTopP(0.9)
                        .withResampleUnk(true))) {
            for (long seed : new long[] {1, 5}) {
                LanguageModel.Generation g = m.model().generate(prompt, cfg, new Rng(seed));
                int[] all = java.util.Arrays.copyOf(prompt, prompt.length + g.tokens().length);
                System.arraycopy(g.tokens(), 0, all, prompt.length, g.tokens().length);
                List<String> args = new java.util.ArrayList<>(List.of("sample", run.toString(), "--seed-text", "the ",
                        "--length", Integer.toString(cfg.maxLength()), "--seed", Long.toString(seed),
                        "--temperature", Double.toString(cfg.temperature()), "--top-p", Double.toString(cfg.topP())));
                if (cfg.greedy()) args.add("--greedy");
                if (cfg.topK() > 0) args.addAll(List.of("--top-k", Integer.toString(cfg.topK())));
                Run r = Run.of(args.toArray(new String[0]));
                assertEquals(0, r.status(), r.toString());
                assertEquals(m.decode(all) + System.lineSeparator(), r.out(), cfg + " seed " + seed);
            }
        }
    }

    @Test
    void evalReportsPerplexityAndBitsPerChar() throws IOException {
        Run r = Run.of("eval", run.resolve("model").toString(), "--data", data.toString(), "--out", tmp.resolve("lm-eval").toString());
        assertEquals(0, r.status(), r.toString());
        Matcher m = Pattern.compile("perplexity ([0-9.]+)\\s+([0-9.]+) bits/char").matcher(r.out());
        assertTrue(m.find(), r.out());
        double ppl = Double.parseDouble(m.group(1)), bits = Double.parseDouble(m.group(2));
        assertEquals(Math.log(ppl) / Math.log(2), bits, 1e-3);
        assertTrue(ppl < 10, "two epochs on a repetitive text beat the 16-token uniform guess: " + r.out());
        assertTrue(r.out().contains(Cli.fmt("%,d char tokens scored", CORPUS.length() - 1)), r.out());
        dev.jrnn.io.ModelConfig json = dev.jrnn.io.ModelConfig.parse(Files.readString(tmp.resolve("lm-eval/eval.json")), "eval.json");
        assertEquals(ppl, json.getDouble("perplexity"), 1e-3);
        assertEquals(CORPUS.length() - 1, json.getLong("tokens"));
    }

    @Test
    void embedUsesAModelsEmbeddingTable() {
        Run r = Run.of("embed", "--model", run.toString(), "--nearest", "a", "-k", "3");
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("the embedding table of a language model"), r.out());
        assertTrue(r.out().contains("nearest to a:"), r.out());
        assertTrue(r.out().contains("   3  "), r.out());
    }

    @Test
    void embedFindsNeighboursAndAnalogiesInAGloveFile() throws IOException {
        Path glove = tmp.resolve("tiny-glove.txt");
        try (InputStream in = getClass().getResourceAsStream("/tiny-glove.txt")) {
            Files.write(glove, in.readAllBytes());
        }
        Run r = Run.of("embed", "--vectors", glove.toString(), "--nearest", "king", "--analogy", "king", "man", "woman",
                "--similarity", "apple", "pear", "-k", "2");
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("(GLOVE_TEXT): 9 words, 4 dimensions"), r.out());
        assertTrue(r.out().contains("nearest to king:\n   1  prince"), r.out());
        assertTrue(r.out().contains("king - man + woman  (man is to king as woman is to ?):\n   1  queen     0.9581"), r.out());
        assertTrue(r.out().contains("cosine(apple, pear) = 0.9901"), r.out());
        Run unknown = Run.of("embed", "--vectors", glove.toString(), "--nearest", "King");
        assertEquals(1, unknown.status(), unknown.toString());
        assertEquals(1, unknown.errorText().lines().count(), unknown.errorText());
        assertTrue(unknown.errorText().contains("'King' is not in the vocabulary"), unknown.errorText());
    }

    @Test
    void aResumedRunContinuesBitForBit() throws IOException {
        String[] common = tiny("--data", data.toString(), "--epochs", "2");
        Path straight = tmp.resolve("straight"), broken = tmp.resolve("broken");
        assertEquals(0, Run.of(concat(new String[] {"train", "lm", "--out", straight.toString()}, common)).status());
        Run part = Run.of(concat(new String[] {"train", "lm", "--out", broken.toString(), "--max-steps", "7"}, common));
        assertEquals(0, part.status(), part.toString());
        assertTrue(part.out().contains("(step limit reached after 7 of 39 steps)"), part.out());
        assertTrue(part.out().contains("continue with the same command and --resume"), part.out());
        Run rest = Run.of(concat(new String[] {"train", "lm", "--out", broken.toString(), "--resume"}, common));
        assertEquals(0, rest.status(), rest.toString());
        assertTrue(rest.out().contains("resuming from " + broken.resolve("checkpoint.safetensors") + " (epoch 1, step 7)"), rest.out());
        Map<String, NdArray> a = Safetensors.read(straight.resolve("model/weights.safetensors"));
        Map<String, NdArray> b = Safetensors.read(broken.resolve("model/weights.safetensors"));
        assertEquals(a.keySet(), b.keySet());
        a.forEach((n, v) -> assertArrayEquals(v.toFloatArray(), b.get(n).toFloatArray(), n + " differs after resuming"));
        assertEquals(Seq2SeqCommandsTest.withoutTimes(straight.resolve("metrics.csv")),
                Seq2SeqCommandsTest.withoutTimes(broken.resolve("metrics.csv")),
                "the same losses, epoch by epoch");

        Run changed = Run.of(concat(concat(new String[] {"train", "lm", "--out", broken.toString(), "--resume"}, common),
                "--hidden", "12"));
        assertEquals(2, changed.status(), "--hidden twice is a usage error: " + changed);
        String[] other = tiny("--data", data.toString(), "--epochs", "3");
        other[1] = "12";                                                // --hidden 12 instead of 16
        Run mismatch = Run.of(concat(new String[] {"train", "lm", "--out", broken.toString(), "--resume"}, other));
        assertEquals(1, mismatch.status(), mismatch.toString());
        assertEquals("jrnn: " + broken.resolve("checkpoint.safetensors") + " was written by a different run: --hidden was 16,"
                + " now 12 (use the same data and settings, or another --out)", mismatch.errorText());
        Run again = Run.of(concat(new String[] {"train", "lm", "--out", broken.toString()}, common));
        assertEquals(1, again.status(), again.toString());
        assertEquals("jrnn: " + broken + " already holds a run (checkpoint.safetensors): add --resume to continue it, "
                + "--overwrite to start afresh (replacing its checkpoint and model), or choose another --out", again.errorText());
    }

    @Test
    void wordLevelModelsTrainAndSample() throws IOException {
        Path out = tmp.resolve("words");
        Run t = Run.of(concat(new String[] {"train", "lm", "--data", data.toString(), "--out", out.toString(), "--level", "word",
                "--cell", "gru", "--optimizer", "sgd", "--lr", "0.5", "--momentum", "0.9", "--clip-norm", "1"}, "--hidden", "16",
                "--embedding", "8", "--bptt", "8", "--batch", "4", "--epochs", "1", "--progress", "none"));
        assertEquals(0, t.status(), t.toString());
        assertTrue(t.out().contains("data: " + data + ": 798 word tokens for training, 42 for validation; vocabulary 12"), t.out());
        Run s = Run.of("sample", out.toString(), "--seed-text", "the cat", "--length", "12", "--seed", "2");
        assertEquals(0, s.status(), s.toString());
        assertTrue(s.out().startsWith("the cat"), s.out());
        assertTrue(s.out().split("\\s+").length >= 8, "12 more words, some of them line ends: " + s.out());
        // streamed word by word: the pieces put together are the decoding of the whole, spaces and line ends included
        LanguageModelFiles.Loaded m = LanguageModelFiles.load(Cli.modelDir(out));
        LanguageModel.Generation g = dev.jrnn.infer.ServedLanguageModel.of(m.model()).generate(m.encode("the cat"),
                SamplingConfig.defaults().withTemperature(0.8).withTopP(1).withMaxLength(12).withResampleUnk(true).withSeed(2),
                new Rng(2));
        int[] prompt = m.encode("the cat"), all = java.util.Arrays.copyOf(prompt, prompt.length + g.tokens().length);
        System.arraycopy(g.tokens(), 0, all, prompt.length, g.tokens().length);
        assertEquals(m.decode(all) + System.lineSeparator(), s.out());
        StringBuilder pieces = new StringBuilder(m.decode(new int[] {all[0]}));
        for (int i = 1; i < all.length; i++) pieces.append(SampleCommand.piece(m, all[i - 1], all[i]));
        assertEquals(m.decode(all), pieces.toString());
        Run inspect = Run.of("inspect", out.toString());
        assertTrue(inspect.out().contains("GRU, 1 layer of 16") && inspect.out().contains("WordTokenizer("), inspect.out());
    }

    @Test
    void zarembasScheduleInitAndWhitespaceTokens() throws IOException {
        Path out = tmp.resolve("zaremba");
        Run t = Run.of(concat(new String[] {"train", "lm", "--data", data.toString(), "--out", out.toString(), "--level", "word",
                "--punctuation", "keep", "--optimizer", "sgd", "--lr", "1", "--lr-decay", "0.5", "--lr-decay-after", "1",
                "--init-uniform", "0.1"}, "--hidden", "16", "--embedding", "8", "--bptt", "8", "--batch", "4", "--epochs", "3",
                "--progress", "none"));
        assertEquals(0, t.status(), t.toString());
        List<String> epochs = t.out().lines().filter(l -> l.startsWith("epoch ")).toList();
        assertEquals(3, epochs.size(), t.out());
        assertTrue(epochs.get(0).contains("  lr 1.00  "), epochs.get(0));
        assertTrue(epochs.get(1).contains("  lr 0.500  "), epochs.get(1));
        assertTrue(epochs.get(2).contains("  lr 0.250  "), epochs.get(2));
        Run more = Run.of(concat(new String[] {"train", "lm", "--data", data.toString(), "--out", out.toString(), "--level", "word",
                "--punctuation", "keep", "--optimizer", "sgd", "--lr", "1", "--lr-decay", "0.1", "--lr-decay-after", "1",
                "--init-uniform", "0.1", "--resume"}, "--hidden", "16", "--embedding", "8", "--bptt", "8", "--batch", "4",
                "--epochs", "4", "--progress", "none"));
        assertEquals(0, more.status(), "the schedule may change on resume: " + more);
        assertTrue(more.out().contains("  lr 0.00100  "), "epoch 4 (index 3) at 1 * 0.1^3: " + more.out());
        Run split = Run.of(concat(new String[] {"train", "lm", "--data", data.toString(), "--out", tmp.resolve("split").toString(),
                "--level", "word"}, "--hidden", "16", "--embedding", "8", "--bptt", "8", "--batch", "4", "--max-steps", "1",
                "--progress", "none"));
        assertTrue(split.out().contains(": 798 word tokens for training"), "split cuts the '.' off 'mat.': " + split.out());
        assertTrue(t.out().contains(": 684 word tokens for training"), "keep leaves 'mat.' whole: " + t.out());

        Path init = tmp.resolve("init");
        Run i = Run.of(concat(new String[] {"train", "lm", "--data", data.toString(), "--out", init.toString(), "--optimizer", "sgd",
                "--lr", "1e-9", "--init-uniform", "0.01"}, "--hidden", "16", "--embedding", "8", "--bptt", "8", "--batch", "4",
                "--max-steps", "1", "--progress", "none"));
        assertEquals(0, i.status(), i.toString());
        double max = 0, sumAbs = 0;
        long n = 0;
        for (NdArray w : Safetensors.read(init.resolve("model/weights.safetensors")).values()) {
            for (float v : w.toFloatArray()) {
                max = Math.max(max, Math.abs(v));
                sumAbs += Math.abs(v);
                n++;
            }
        }
        assertTrue(max <= 0.01 + 1e-6, "every weight and bias drawn from U(-0.01, 0.01), max |w| = " + max);
        assertEquals(0.005, sumAbs / n, 0.001, "mean |w| of U(-a, a) is a/2");
        Run bad = Run.of("train", "lm", "--data", data.toString(), "--out", tmp.resolve("bad").toString(), "--lr-decay", "1.5");
        assertEquals(2, bad.status(), bad.toString());
        assertTrue(bad.errorText().contains("--lr-decay must be in (0, 1], got 1.5"), bad.errorText());
    }

    @Test
    void diagnoseRecordsGradientFlowEveryNSteps() throws IOException {
        Path out = tmp.resolve("diagnose");
        Run t = Run.of(concat(new String[] {"train", "lm", "--data", data.toString(), "--out", out.toString(), "--diagnose", "4",
                "--max-steps", "8"}, "--hidden", "16", "--embedding", "8", "--bptt", "8", "--batch", "4", "--progress", "none"));
        assertEquals(0, t.status(), t.toString());
        assertEquals(3, t.out().lines().filter(l -> l.startsWith("diagnostics: ")).count(), "steps 0, 4 and 8: " + t.out());
        List<String> jsonl = Files.readAllLines(out.resolve("diagnostics/diagnostics.jsonl"));
        assertEquals(3, jsonl.size(), String.join("\n", jsonl));
        assertTrue(jsonl.get(2).contains("\"step\":8"), jsonl.get(2));
        assertTrue(Files.size(out.resolve("diagnostics/spectral-radius.png")) > 1000, "the spectral-radius plot is drawn");
        Run bad = Run.of("train", "lm", "--data", data.toString(), "--out", tmp.resolve("bad-diag").toString(), "--diagnose", "0");
        assertEquals(2, bad.status(), bad.toString());
        assertTrue(bad.errorText().contains("--diagnose must be >= 1"), bad.errorText());
    }

    /**
     * Trains a tiny model of one cell for 8 steps with {@code --diagnose 4}, checks the three diagnostics lines and
     * that the diagnostics name the cell as {@code diagnosedAs}, and loads the saved model, whose cell must be
     * {@code configName}.
     */
    LanguageModelFiles.Loaded trainCell(String cell, Path out, String diagnosedAs, String configName) throws IOException {
        Run t = Run.of(concat(new String[] {"train", "lm", "--data", data.toString(), "--out", out.toString(), "--cell", cell,
                "--diagnose", "4", "--max-steps", "8"}, "--hidden", "16", "--embedding", "8", "--bptt", "8", "--batch", "4",
                "--progress", "none"));
        assertEquals(0, t.status(), t.toString());
        assertEquals(3, t.out().lines().filter(l -> l.startsWith("diagnostics: ")).count(), t.out());
        String third = Files.readAllLines(out.resolve("diagnostics/diagnostics.jsonl")).get(2);
        assertTrue(third.contains(diagnosedAs), third);
        LanguageModelFiles.Loaded m = LanguageModelFiles.load(out.resolve("model"));
        assertEquals(configName, m.model().config().cell().name());
        return m;
    }

    /** {@code inspect}'s output for a model folder, after checking that it succeeded. */
    static String inspect(Path out) {
        Run i = Run.of("inspect", out.toString());
        assertEquals(0, i.status(), i.toString());
        return i.out();
    }

    /** {@code sample} prints what the model's own {@code generate} draws with the same seed and settings. */
    static Run assertSampleIsTheModelsOwnGeneration(LanguageModelFiles.Loaded m, Path out) {
        SamplingConfig cfg = SamplingConfig.defaults().withMaxLength(30).withTemperature(0.8).withResampleUnk(true);
        int[] prompt = m.encode("the ");
        LanguageModel.Generation g = m.model().generate(prompt, cfg, new Rng(7));
        int[] all = java.util.Arrays.copyOf(prompt, prompt.length + g.tokens().length);
        System.arraycopy(g.tokens(), 0, all, prompt.length, g.tokens().length);
        Run own = Run.of("sample", out.toString(), "--seed-text", "the ", "--length", "30", "--seed", "7",
                "--temperature", Double.toString(cfg.temperature()), "--top-p", Double.toString(cfg.topP()));
        assertEquals(0, own.status(), own.toString());
        assertEquals(m.decode(all) + System.lineSeparator(), own.out(), m.model().config().cell().name());
        return own;
    }

    /** sLSTM and mLSTM models train (with diagnostics), sample through their own session and show their parameters. */
    @Test
    void xLstmCellsTrainDiagnoseSampleAndInspect() throws IOException {
        for (String cell : List.of("slstm", "mlstm")) {
            Path out = tmp.resolve("xlstm-" + cell);
            LanguageModelFiles.Loaded m = trainCell(cell, out, "\"" + cell + "\"", cell.toUpperCase(java.util.Locale.ROOT));
            String shown = inspect(out);
            assertTrue(shown.matches("(?s).*rnn\\.weight_ih_l0 +\\[64, 8\\].*"), shown);
            if (cell.equals("mlstm")) {
                assertTrue(shown.matches("(?s).*rnn\\.weight_gate_l0 +\\[2, 8\\].*") && !shown.contains("weight_hh"), shown);
            } else {
                assertTrue(shown.matches("(?s).*rnn\\.weight_hh_l0 +\\[64, 16\\].*"), shown);
            }
            assertSampleIsTheModelsOwnGeneration(m, out);
            Run resumed = Run.of(concat(new String[] {"train", "lm", "--data", data.toString(), "--out", out.toString(), "--cell",
                    cell, "--resume", "--max-steps", "12"}, "--hidden", "16", "--embedding", "8", "--bptt", "8", "--batch", "4",
                    "--progress", "none"));
            assertEquals(0, resumed.status(), resumed.toString());                 // the four-tensor state from the checkpoint
        }
    }

    @Test
    void scanCellsTrainDiagnoseSampleAndInspect() throws IOException {
        for (String cell : List.of("mingru", "minlstm")) {
            Path out = tmp.resolve("scan-" + cell);
            LanguageModelFiles.Loaded m = trainCell(cell, out, cell.equals("mingru") ? "min_gru" : "min_lstm",
                    cell.equals("mingru") ? "MIN_GRU" : "MIN_LSTM");
            String shown = inspect(out);
            int gates = cell.equals("mingru") ? 2 : 3;
            assertTrue(shown.contains("rnn.weight_ih_l0  [" + gates * 16 + ", 8]"), shown);
            assertTrue(!shown.contains("weight_hh"), "a scan layer has no weight_hh:\n" + shown);
            Run s = Run.of("sample", out.toString(), "--seed-text", "the ", "--length", "20", "--seed", "3");
            assertEquals(0, s.status(), s.toString());
            assertEquals("the ".length() + 20 + 1, s.out().length(), s.out());
            assertSampleIsTheModelsOwnGeneration(m, out);  // through ServedLanguageModel (PackedRnn's scan step)
        }
    }

    @Test
    void theDemoTrainsSamplesAndCanSaveItsModel() throws IOException {
        Path saved = tmp.resolve("demo-model");
        Run r = Run.of("demo", "--seconds", "1.5", "--hidden", "24", "--embedding", "8", "--bptt", "32", "--samples", "2",
                "--length", "40", "--progress", "lines", "--out", saved.toString());
        assertEquals(0, r.status(), r.toString());
        for (String s : List.of("jrnn demo: a character-level LSTM learns to write like Shakespeare, trained for 1.5 s.",
                "text:  Shakespeare's Coriolanus: 139,022 characters to learn from, the last 15,447 held out to validate; 61 distinct",
                "log2(62) = 5.95 bits per character", "(time budget reached after ", "Validation: ",
                "--- sample 1 of 2 (temperature 0.7) ---", "--- sample 2 of 2 (temperature 0.7) ---", "saved the model to " + saved)) {
            assertTrue(r.out().contains(s), s + " in\n" + r.out());
        }
        assertEquals(61 + 1, LanguageModelFiles.load(saved).vocabulary().size());
    }

    @Test
    void theSpiralsDemoIsStillThere() {
        Run r = Run.of("demo", "--help");
        assertEquals(0, r.status());
        assertTrue(r.out().contains("--spirals"), r.out());
    }

    /** The BLAS backend's line is logged at INFO once per JVM; the command line lets it through only with --verbose. */
    @Test
    void theBlasLineOnlyWithVerbose() {
        java.util.logging.Logger blas = java.util.logging.Logger.getLogger("dev.jrnn.tensor.Blas");
        assertEquals(0, Run.of("inspect", run.toString()).status());
        assertTrue(!blas.isLoggable(java.util.logging.Level.INFO) && blas.isLoggable(java.util.logging.Level.WARNING));
        Run v = Run.of("inspect", run.toString(), "--verbose");
        assertEquals(0, v.status(), v.toString());
        assertTrue(blas.isLoggable(java.util.logging.Level.INFO), "--verbose lets the backend line through");
        assertEquals(0, Run.of("train", "lm", "--help", "--verbose").status(), "every command takes --verbose");
        assertEquals(0, Run.of("inspect", run.toString()).status());
        assertTrue(!blas.isLoggable(java.util.logging.Level.INFO), "the next run without --verbose is quiet again");
    }

    /** --cell ttt-linear: trains, diagnoses, inspects, and samples through the model's own step (not packed). */
    @Test
    void tttLinearTrainsDiagnosesSamplesAndInspects() throws IOException {
        Path out = tmp.resolve("ttt");
        LanguageModelFiles.Loaded m = trainCell("ttt-linear", out, "ttt_linear", "TTT_LINEAR");
        String shown = inspect(out);
        assertTrue(shown.matches("(?s).*rnn\\.weight_ih_l0 +\\[48, 8\\].*rnn\\.ttt_w0_l0 +\\[1, 16, 16\\].*"), shown);
        Run own = assertSampleIsTheModelsOwnGeneration(m, out);
        assertTrue(own.errorText().contains("ttt-linear models are not packed"), own.errorText());
    }
}
