package dev.jrnn.io;

import java.io.IOException;

/**
 * A saved model that cannot be loaded: a missing file, a damaged file, an unsupported format version, a config
 * field that is missing or of the wrong type, weights that do not match the config, a vocabulary that does not
 * match the model. The message always starts with the file concerned and says what is wrong, e.g.
 * {@code runs/lm/model/config.json: unsupported version 2 (this jrnn reads 1)}.
 */
public class ModelFileException extends IOException {
    private static final long serialVersionUID = 1L;

    /** A problem described by {@code message} (which names the file). */
    public ModelFileException(String message) {
        super(message);
    }

    /** A problem described by {@code message} (which names the file), caused by {@code cause}. */
    public ModelFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
