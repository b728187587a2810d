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
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertEquals(2, Main.run("demo", "--no-such-flag"));
        } finally {
            System.setErr(oldErr);
        }
        String text = err.toString(StandardCharsets.UTF_8).trim();
        assertTrue(text.startsWith("jrnn: Unknown option: '--no-such-flag'"), text);
        assertEquals(1, text.lines().count(), text);
    }

    @Test
    void badValueIsReportedWithoutStackTrace() {
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertEquals(1, Main.run("demo", "--hidden", "0"));
        } finally {
            System.setErr(oldErr);
        }
        String text = err.toString(StandardCharsets.UTF_8).trim();
        assertEquals("jrnn: demo: --points must be >= 2 and --hidden, --epochs, --batch >= 1", text);
    }
}
