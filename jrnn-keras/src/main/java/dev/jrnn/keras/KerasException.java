package dev.jrnn.keras;

import java.io.IOException;

/**
 * A Keras file jrnn cannot read or run. The message is one line: the file, then the layer (its name and class) or
 * the part of the file, what is supported or expected and what was found.
 */
public class KerasException extends IOException {
    private static final long serialVersionUID = 1L;

    /** An error with its complete message (control characters, e.g. from names in a damaged file, are escaped). */
    public KerasException(String message) {
        super(oneLine(message));
    }

    /** An error with its complete message and the low-level cause (kept for debugging, not printed by the CLI). */
    public KerasException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    private static String oneLine(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c)) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.toString();
    }
}
