package dev.jrnn.onnx;

import java.io.IOException;

/**
 * An ONNX file jrnn cannot read or run, or a model it cannot write. The message is one line: the file, then the node
 * (its name and op type, with the opset) or the tensor, what was expected and what was found.
 */
public class OnnxException extends IOException {
    private static final long serialVersionUID = 1L;

    /** An error with its complete message. */
    public OnnxException(String message) {
        super(message);
    }

    /** An error with its complete message and the low-level cause (kept for debugging, not printed by the CLI). */
    public OnnxException(String message, Throwable cause) {
        super(message, cause);
    }
}
