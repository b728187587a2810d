package dev.jrnn.spark;

/**
 * A jrnn failure inside a Spark job (a model that cannot be read on an executor, a bad training input), with the
 * model or data named and jrnn's own message, so that the job's failure reads as one line instead of a bare stack
 * trace.
 */
public final class JrnnSparkException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A failure with its message and cause. */
    public JrnnSparkException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A failure with its message. */
    public JrnnSparkException(String message) {
        super(message);
    }
}
