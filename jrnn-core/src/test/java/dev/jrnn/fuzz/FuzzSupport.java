package dev.jrnn.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * What every fuzz target of the readers accepts as an outcome, and a scratch folder for targets that read files.
 * A reader of untrusted bytes may succeed, or reject the input with an {@link IOException} (jrnn's own
 * {@code ModelFileException}, {@code SafetensorsException}, {@code FileFormatException}, or a plain one) or an
 * {@link IllegalArgumentException}, and either must name the file. Anything else escaping the reader (an index out
 * of bounds, a negative array size, a NullPointerException, an {@link OutOfMemoryError} under the fuzzing heap
 * limit, a bare {@link NumberFormatException}, which is an IllegalArgumentException without the file) is a finding.
 */
final class FuzzSupport {
    private FuzzSupport() {}

    /** A reader that may throw a checked exception. */
    @FunctionalInterface
    interface Read {
        void run() throws Exception;
    }

    /**
     * Runs {@code read}; returns normally when it succeeds or rejects the input naming {@code file}, else throws
     * (the exception it threw, or an AssertionError for a rejection that does not name the file).
     */
    static void expectSuccessOrRejection(String file, Read read) throws Exception {
        try {
            read.run();
        } catch (IOException | IllegalArgumentException e) {
            if (e instanceof NumberFormatException || e.getMessage() == null || !e.getMessage().contains(file)) {
                throw new AssertionError("the rejection does not name the file " + file + ": " + e, e);
            }
        }
    }

    /** A fresh, empty folder for this JVM's inputs, deleted when the JVM exits. */
    static Path scratch(String name) {
        try {
            Path dir = Files.createTempDirectory("jrnn-fuzz-" + name + "-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Empties {@code dir} (its files and sub-folders), keeping the folder itself. */
    static void clear(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                if (!p.equals(dir)) Files.delete(p);
            }
        }
    }

    private static void deleteTree(Path dir) {
        try {
            clear(dir);
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // a temporary folder left behind is harmless
        }
    }
}
