package dev.jrnn.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MainTest {
    @Test
    void spiralsDemoLearns() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        double acc = DemoCommand.SpiralsDemo.run(150, 32, 400, 30, 0.05, 0.99, 3,
                new PrintStream(buf, true, StandardCharsets.UTF_8));
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(acc >= 0.99, "accuracy " + acc + "\n" + out);
        assertTrue(out.contains("learned: training accuracy"), out);
        assertTrue(out.contains("epoch    1  loss"), out);
    }

    @Test
    void unknownFlagGivesOneLineAndStatus2() {
        Run r = Run.of("demo", "--no-such-flag");
        assertEquals(2, r.status());
        String text = r.errorText();
        assertEquals("jrnn: Unknown option: '--no-such-flag' (see jrnn demo --help)", text);
    }

    @Test
    void badValueIsReportedWithoutStackTrace() {
        Run r = Run.of("demo", "--hidden", "0");
        assertEquals(2, r.status());
        assertEquals("jrnn: --hidden, --layers, --embedding, --batch and --bptt must be >= 1 (see jrnn demo --help)", r.errorText());
    }
}
