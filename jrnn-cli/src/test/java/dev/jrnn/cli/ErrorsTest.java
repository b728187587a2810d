package dev.jrnn.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every mistake gives one line on standard error and a non-zero status, never a stack trace: 2 for a bad flag or
 * value (a usage error), 1 for a missing or damaged file.
 */
class ErrorsTest {
    @TempDir
    Path tmp;

    /** Runs, checks the status and that standard error is exactly one line starting "jrnn: ", returns that line. */
    static String fails(int status, String... args) {
        Run r = Run.of(args);
        assertEquals(status, r.status(), String.join(" ", args) + "\n" + r);
        String err = r.errorText();
        assertEquals(1, err.lines().count(), "one line for " + Arrays.toString(args) + ":\n" + err);
        assertTrue(err.startsWith("jrnn: "), err);
        assertFalse(err.contains("Exception") || err.contains("\tat "), "no stack trace: " + err);
        return err;
    }

    @ParameterizedTest
    @ValueSource(strings = {"demo", "train lm --data x --out y", "train classify --data x --out y",
            "train seq2seq --data x --out y", "train regress --data x --out y", "eval m --data x", "sample m", "embed",
            "inspect m", "predict m"})
    void unknownFlagsAreUsageErrors(String commandLine) {
        String[] args = (commandLine + " --frobnicate").split(" ");
        String command = commandLine.replaceAll(" (--|m$|m ).*", "");
        String err = fails(2, args);
        assertTrue(err.contains("Unknown option: '--frobnicate'"), err);
        assertTrue(err.endsWith("(see jrnn " + command + " --help)"), err);
    }

    @ParameterizedTest
    @ValueSource(strings = {"demo", "train", "train lm", "train classify", "train seq2seq", "train regress", "eval", "sample",
            "embed", "inspect", "predict", "help"})
    void everyCommandHasHelp(String command) {
        Run r = Run.of((command + " --help").replace("help --help", "help").split(" "));
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().startsWith("Usage: jrnn"), r.out());
        if (!command.equals("help")) assertTrue(r.out().contains("Example"), "an example in the footer: " + r.out());
    }

    @Test
    void topLevelUsageAndVersion() {
        Run usage = Run.of();
        assertEquals(0, usage.status());
        for (String c : new String[] {"demo", "train", "eval", "sample", "embed", "inspect"}) {
            assertTrue(usage.out().contains("  " + c + " "), c + " in\n" + usage.out());
        }
        Run v = Run.of("--version");
        assertTrue(v.out().startsWith("jrnn "), v.out());
        assertTrue(fails(2, "frobnicate").contains("Unmatched argument at index 0: 'frobnicate'"));
        assertEquals("jrnn: train needs a task: lm, classify, seq2seq or regress (see jrnn train --help)", fails(2, "train"));
    }

    @Test
    void missingRequiredOptionsAndBadValuesAreUsageErrors() {
        assertTrue(fails(2, "train", "lm", "--out", "x").contains("Missing required option: '--data=FILE'"));
        assertTrue(fails(2, "train", "lm", "--data", "x", "--out", "y", "--lr", "fast").contains(
                "Invalid value for option '--lr': 'fast' is not a double"));
        String badCell = fails(2, "train", "lm", "--data", "x", "--out", "y", "--cell", "lsmt");
        assertTrue(badCell.contains("expected one of [LSTM, GRU, RNN, MINGRU, MINLSTM, SLSTM, MLSTM, TTT_LINEAR, ttt-linear] (case-insensitive) but was 'lsmt'"),
                badCell);
        assertEquals("jrnn: --dropout must be in [0, 1), got 1.0 (see jrnn train lm --help)",
                fails(2, "train", "lm", "--data", "x", "--out", "y", "--dropout", "1"));
        assertEquals("jrnn: --momentum is for --optimizer sgd (see jrnn train lm --help)",
                fails(2, "train", "lm", "--data", "x", "--out", "y", "--momentum", "0.9"));
        assertEquals("jrnn: --temperature must be > 0, got 0.0 (see jrnn sample --help)",
                fails(2, "sample", "m", "--temperature", "0"));
        assertEquals("jrnn: --top-p must be in (0, 1], got 1.5 (see jrnn sample --help)", fails(2, "sample", "m", "--top-p", "1.5"));
        assertEquals("jrnn: give exactly one of --vectors FILE and --model DIR (see jrnn embed --help)",
                fails(2, "embed", "--nearest", "king"));
        assertEquals("jrnn: nothing to do: give --nearest WORD, --analogy A B C or --similarity A B (see jrnn embed --help)",
                fails(2, "embed", "--vectors", "v.txt"));
        assertTrue(fails(2, "embed", "--vectors", "v.txt", "--analogy", "king", "man").contains("--analogy"));
    }

    @Test
    void missingFilesAreNamed() {
        Path none = tmp.resolve("none.txt");
        assertEquals("jrnn: --data " + none + ": no such file", fails(1, "train", "lm", "--data", none.toString(), "--out",
                tmp.resolve("out").toString()));
        assertEquals("jrnn: " + none + ": no such model directory", fails(1, "sample", none.toString()));
        assertEquals("jrnn: " + none + ": no such model directory", fails(1, "eval", none.toString(), "--data", "x"));
        assertEquals("jrnn: " + none + ": no such model directory", fails(1, "inspect", none.toString()));
        assertEquals("jrnn: --vectors " + none + ": no such file", fails(1, "embed", "--vectors", none.toString(), "--nearest", "a"));
        assertEquals("jrnn: " + tmp + ": no checkpoint.safetensors to resume from (start without --resume)",
                fails(1, "train", "lm", "--data", none.toString(), "--out", tmp.toString(), "--resume"));
    }

    @Test
    void damagedFilesAreNamed() throws IOException {
        Path model = Files.createDirectories(tmp.resolve("model"));
        assertEquals("jrnn: " + model.resolve("config.json") + ": missing (a jrnn model directory holds config.json and "
                + "weights.safetensors)", fails(1, "sample", model.toString()));
        Files.writeString(model.resolve("config.json"), "{\"format\": \"jrnn-model\", \"format_version\": 3}");
        assertEquals("jrnn: " + model.resolve("config.json") + ": unsupported version 3 (this jrnn reads 1); it was written by "
                + "a newer jrnn", fails(1, "inspect", model.toString()));
        Path bad = Files.write(tmp.resolve("bad.safetensors"), new byte[] {1, 2, 3});
        assertTrue(fails(1, "inspect", bad.toString()).contains("too short for the 8-byte header length"));
        Path latin1 = Files.write(tmp.resolve("latin1.txt"), new byte[] {'c', 'a', 'f', (byte) 0xe9});
        assertEquals("jrnn: --data " + latin1 + ": not UTF-8 text",
                fails(1, "train", "lm", "--data", latin1.toString(), "--out", tmp.resolve("o").toString()));
        Path tiny = Files.writeString(tmp.resolve("tiny.txt"), "ab");
        assertTrue(fails(1, "train", "lm", "--data", tiny.toString(), "--out", tmp.resolve("o2").toString())
                .contains("a language model needs a longer text"));
    }
}
