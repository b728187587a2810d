package dev.jrnn.io;

import java.io.IOException;

/**
 * Thrown when a safetensors file is malformed or holds something jrnn cannot load. The message always
 * names the file, the tensor (when one is at fault), what was expected and what was found, e.g.
 * {@code model.safetensors: tensor 'weight_ih_l0': data_offsets [0, 96] span 96 bytes, but dtype F32 and
 * shape [4, 3] need 48}.
 *
 * <p>It is an {@link IOException} so that callers reading files handle one family of errors; problems with
 * the arguments of a write (a {@code null} tensor, an empty name) are {@link IllegalArgumentException}s.
 */
public class SafetensorsException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception with a complete message.
     *
     * @param message the full message, starting with the file name
     */
    public SafetensorsException(String message) {
        super(message);
    }

    /**
     * Creates the exception with a complete message and the underlying cause.
     *
     * @param message the full message, starting with the file name
     * @param cause   the low-level error (an I/O failure while reading the data)
     */
    public SafetensorsException(String message, Throwable cause) {
        super(message, cause);
    }
}
