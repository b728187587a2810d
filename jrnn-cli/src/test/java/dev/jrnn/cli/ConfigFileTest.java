package dev.jrnn.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --config FILE}: option values from JSON for any command; the command line wins; every mistake is one line. */
class ConfigFileTest {
    @TempDir
    Path tmp;

    private Path json(String name, String text) throws IOException {
        return Files.writeString(tmp.resolve(name), text);
    }

    @Test
    void aFileCanHoldEveryOptionRequiredOnesIncluded() throws IOException {
        Path data = Files.writeString(tmp.resolve("pairs.tsv"), Seq2SeqCommandsTest.reversals(new java.util.Random(1), 40));
        Path out = tmp.resolve("run");
        Path cfg = json("s2s.json", "{\"data\": \"" + data + "\", \"out\": \"" + out + "\", \"hidden\": 6, \"embedding\": 4,\n"
                + " \"cell\": \"GRU\", \"epochs\": 1, \"lr\": 0.01, \"progress\": \"quiet\", \"valid-fraction\": 0.25,"
                + " \"lowercase\": true, \"max-length\": null}");
        Run r = Run.of("train", "seq2seq", "--config", cfg.toString(), "--hidden", "5");
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("30 pairs for training, 10 for validation"), r.out());
        assertTrue(r.out().contains("model: gru encoder-decoder 1 x 5, embedding 4"), "--hidden 5 on the line wins: " + r.out());
        assertTrue(r.out().contains("Adam lr 0.01"), r.out());
    }

    @Test
    void otherCommandsReadConfigFilesToo() throws IOException {
        Path cfg = json("embed.json", "{\"vectors\": \"" + tmp.resolve("none.txt") + "\", \"top\": 3}");
        assertEquals("jrnn: --vectors " + tmp.resolve("none.txt") + ": no such file",
                ErrorsTest.fails(1, "embed", "--config", cfg.toString(), "--similarity", "a", "b"));
        Run help = Run.of("sample", "--help");
        assertTrue(help.out().contains("--config=FILE"), help.out());
        Run top = Run.of("--help");
        assertTrue(top.out().contains("--config FILE"), top.out());
    }

    @Test
    void unknownKeysAndBadValuesAreOneLineNamingTheFileAndKey() throws IOException {
        Path a = json("a.json", "{\"data\": \"x\", \"out\": \"y\", \"hiden\": 8}");
        assertEquals("jrnn: " + a + ": unknown key 'hiden' for jrnn train regress (did you mean 'hidden'?); keys are the long"
                + " option names without --, as in jrnn train regress --help", ErrorsTest.fails(2, "train", "regress", "--config", a.toString()));
        Path b = json("b.json", "{\"hidden\": \"8\"}");
        assertEquals("jrnn: " + b + ": key 'hidden': expected an integer, got \"8\"",
                ErrorsTest.fails(2, "train", "regress", "--config", b.toString()));
        Path c = json("c.json", "{\"cell\": \"lsmt\"}");
        assertEquals("jrnn: " + c + ": key 'cell': expected one of lstm, gru, rnn, mingru, minlstm, slstm, mlstm, ttt-linear, got \"lsmt\"",
                ErrorsTest.fails(2, "train", "lm", "--config", c.toString()));
        Path d = json("d.json", "{\"resume\": \"yes\"}");
        assertEquals("jrnn: " + d + ": key 'resume': expected true or false, got \"yes\"",
                ErrorsTest.fails(2, "train", "classify", "--config", d.toString()));
        Path e = json("e.json", "{\"lr\": [0.1, 0.2]}");
        assertEquals("jrnn: " + e + ": key 'lr': expected a number, got a list",
                ErrorsTest.fails(2, "train", "seq2seq", "--config", e.toString()));
        Path f = json("f.json", "{\"nearest\": \"king\"}");
        assertEquals("jrnn: " + f + ": key 'nearest': a repeatable option cannot be set in a config file; give it on the command"
                + " line", ErrorsTest.fails(2, "embed", "--config", f.toString()));
        Path g = json("g.json", "{\"hidden\": 8,\n \"cell\": }");
        assertTrue(ErrorsTest.fails(2, "train", "lm", "--config", g.toString())
                .startsWith("jrnn: " + g + ": not valid JSON at line 2, column "));
        Path h = json("h.json", "{\"data\": \"x\", \"out\": \"y\", \"dropout\": 1.5}");
        assertEquals("jrnn: --dropout must be in [0, 1), got 1.5 (set by " + h + ", key 'dropout'; see jrnn train regress --help)",
                ErrorsTest.fails(2, "train", "regress", "--config", h.toString()));
        assertEquals("jrnn: --config " + tmp.resolve("none.json") + ": no such file",
                ErrorsTest.fails(1, "train", "lm", "--config", tmp.resolve("none.json").toString()));
        Path i = json("i.json", "{\"config\": \"other.json\"}");
        assertTrue(ErrorsTest.fails(2, "train", "lm", "--config", i.toString()).contains("unknown key 'config'"));
    }

    @Test
    void valuesOnTheCommandLineStillFailAsUsual() throws IOException {
        Path ok = json("ok.json", "{\"data\": \"x\", \"out\": \"y\"}");
        assertEquals("jrnn: --dropout must be in [0, 1), got 2.0 (see jrnn train regress --help)",
                ErrorsTest.fails(2, "train", "regress", "--config", ok.toString(), "--dropout", "2"));
        assertTrue(ErrorsTest.fails(2, "train", "lm", "--out", "y").contains("Missing required option: '--data=FILE'"),
                "without a file, required options are still required");
    }
}
