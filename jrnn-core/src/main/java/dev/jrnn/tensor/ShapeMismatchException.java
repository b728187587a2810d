package dev.jrnn.tensor;

/**
 * Thrown when an argument's shape does not fit an operation or layer. The message always names the
 * operation, the argument, the expected and the actual shape, and where possible the likely fix.
 */
public class ShapeMismatchException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception with a complete message. */
    public ShapeMismatchException(String message) {
        super(message);
    }
}
