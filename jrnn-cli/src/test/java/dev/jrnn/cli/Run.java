package dev.jrnn.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * One run of the command line inside the test JVM, with its exit status and what it printed.
 *
 * @param status the exit status
 * @param out    standard output
 * @param err    standard error
 */
record Run(int status, String out, String err) {
    /** Runs {@code jrnn ARGS} and captures both streams. */
    static Run of(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int status;
        try {
            status = Main.run(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Standard error without the BLAS backend's one-time log line (it belongs to whichever test loads BLAS first). */
    String errorText() {
        return err.lines().filter(l -> !l.startsWith("INFO: jrnn BLAS") && !l.contains("dev.jrnn.tensor.Blas"))
                .reduce((a, b) -> a + "\n" + b).orElse("").strip();
    }

    @Override
    public String toString() {
        return "exit " + status + "\n--- out:\n" + out + "--- err:\n" + err;
    }
}
