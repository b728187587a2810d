package dev.jrnn.train;

import java.io.IOException;

/**
 * Where truncated-BPTT chunks come from: {@link TruncatedBptt} for a corpus in memory, {@link StreamingCorpus} for
 * one read from disk as it goes. {@link StepSource#chunks} makes either the steps of a {@link Trainer}.
 */
public interface ChunkSource {
    /** Parallel rows {@code B}. */
    int rows();

    /** Steps per chunk {@code k} (the last chunk may be shorter). */
    int chunkLength();

    /** Chunks in one pass, &gt;= 1. */
    int chunks();

    /**
     * Chunk {@code i} of all rows. A pass asks for them in increasing order; a source that reads as it goes may
     * take longer for any other order (it reads from the start again, or skips ahead).
     *
     * @throws IOException when the source cannot be read
     */
    TruncatedBptt.Chunk chunk(int i) throws IOException;

    /** What one pass covers, for the trainer's first line. */
    String describe();
}
