package dev.jrnn.bench;

/** A library that runs the workloads: jrnn, or a peer (in the {@code peers} Maven profile). */
public interface Engine {
    /** Short name for the table. */
    String name();

    /** Version and thread settings, one line. */
    String describe();

    /** Why this engine cannot run {@code w}, or null when it can. */
    default String unsupported(Workload w) { return null; }

    /**
     * Builds the model of {@code w} with the parameters of {@code data} (PyTorch layouts and names) and the data.
     * The returned step runs one training step (or one inference pass) and returns the loss (or a checksum).
     */
    Step prepare(Workload w, BenchData data) throws Exception;

    /** One step of a workload. */
    interface Step extends AutoCloseable {
        /** Runs one step; returns the loss before the update (training) or the sum of the outputs (inference). */
        double run() throws Exception;

        /** The loss of a forward pass with the current parameters, without an update (for the cross-check). */
        double loss() throws Exception;

        @Override
        default void close() throws Exception {}
    }
}
