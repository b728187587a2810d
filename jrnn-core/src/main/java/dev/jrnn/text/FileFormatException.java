package dev.jrnn.text;

import java.io.IOException;

/**
 * A text-package file (a vocabulary, a GloVe or word2vec file) that cannot be read as its format says. The
 * message starts with {@code FILE:LINE:} (or {@code FILE:} when no line applies, e.g. a binary file, whose
 * messages name the entry and byte offset instead), then says what was found, what was expected and, where
 * it helps, the likely cause.
 */
public final class FileFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final long line;
    private final String detail;

    /**
     * @param file   the file name or source description, as the user gave it
     * @param line   1-based line number, or 0 when the problem has no line (binary data, a missing header)
     * @param detail what is wrong, without the location prefix
     */
    public FileFormatException(String file, long line, String detail) {
        this(file, line, detail, null);
    }

    /** As {@link #FileFormatException(String, long, String)}, with the underlying cause. */
    public FileFormatException(String file, long line, String detail, Throwable cause) {
        super(file + (line > 0 ? ":" + line : "") + ": " + detail, cause);
        this.file = file;
        this.line = line;
        this.detail = detail;
    }

    /** The file (or source description) that is malformed. */
    public String file() { return file; }

    /** What is wrong, without the {@code FILE:LINE:} prefix. */
    public String detail() { return detail; }

    /** The 1-based line number of the problem, or 0 when none applies. */
    public long line() { return line; }
}
