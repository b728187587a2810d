package dev.jrnn.onnx;

import java.io.IOException;

/**
 * An ONNX file jrnn cannot read or run, or a model it cannot write. The message is one line: the file, then the node
 * (its name and op type, with the opset) or the tensor, what was expected and what was found.
 */
public class OnnxException extends IOException {
    private static final long serialVersionUID = 1L;

    /** An error with its complete message (control characters, e.g. in names read from a damaged file, are escaped). */
    public OnnxException(String message) {
        super(oneLine(message));
    }

    /** An error with its complete message and the low-level cause (kept for debugging, not printed by the CLI). */
    public OnnxException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    /** {@code \n}, {@code \t} and other control characters as {@code \\uXXXX}, so that a message stays one line. */
    static String oneLine(String s) {
        if (s == null) return null;
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c)) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.toString();
    }
}
