package dev.jrnn.examples;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the shared data sets are: {@code -Djrnn.data=DIR}, {@code $JRNN_DATA}, or {@code ../shared/data} next to the repository. */
public final class DataPaths {
    private DataPaths() {}

    /**
     * The shared data directory: the system property {@code jrnn.data}, else the environment variable
     * {@code JRNN_DATA}, else the first {@code ../shared/data} found walking up from the working directory (so it
     * works from the repository root and from a module directory). Null when none exists.
     */
    public static Path sharedData() {
        String p = System.getProperty("jrnn.data");
        if (p == null) {
            p = System.getenv("JRNN_DATA");
        }
        if (p != null) {
            Path d = Path.of(p);
            return Files.isDirectory(d) ? d : null;
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path d = dir.resolve("../shared/data").normalize();
            if (Files.isDirectory(d)) {
                return d;
            }
        }
        return null;
    }

    /** {@code sharedData()/name}, or {@code ../shared/data/name} (relative, for messages) when there is none. */
    public static Path dataset(String name) {
        Path root = sharedData();
        return root == null ? Path.of("../shared/data", name) : root.resolve(name);
    }
}
