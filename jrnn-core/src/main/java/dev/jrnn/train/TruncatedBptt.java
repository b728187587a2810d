package dev.jrnn.train;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.rnn.RnnState;

import java.util.Arrays;

/**
 * Truncated backpropagation through time over one long token stream (a corpus for a language model), as in
 * Zaremba et al. and PyTorch's word-language-model example.
 *
 * <p>The corpus is cut into {@code B} parallel streams ({@code streams[b] = corpus[b·N, (b+1)·N)},
 * {@code N = floor(len / B)}, the tail dropped), read side by side in chunks of {@code k} steps: chunk
 * {@code i} has inputs {@code streams[:, i·k, i·k + k)} and targets shifted by one. The recurrent state
 * flows from chunk to chunk with its values kept but its graph cut ({@code state.detach()}), so each
 * backward pass goes back at most {@code k} steps while the forward pass still sees the whole history:
 * <pre>
 *   state = initial
 *   for each chunk:  (loss, state) = step(chunk, state);  loss.backward();  clip;  update;  state = state.detach()
 * </pre>
 * With {@code k} at least the stream length there is one chunk and the gradients are exactly those of full
 * BPTT. The loop above is the {@link Trainer}'s, over {@link StepSource#chunks}.
 */
public final class TruncatedBptt implements ChunkSource {
    /**
     * One chunk of all streams, batch-first.
     *
     * @param index   the chunk number, from 0
     * @param inputs  token ids {@code [B, length]} row-major
     * @param targets the next token of each input, {@code [B, length]} row-major
     * @param batch   {@code B}, the number of streams
     * @param length  steps in this chunk ({@code k}, or fewer for the last one)
     */
    public record Chunk(int index, int[] inputs, int[] targets, int batch, int length) {}

    /** The loss of one chunk and the state after it (still attached to the graph). */
    public record Result<S extends RnnState>(Tensor loss, S state) {}

    /** The model on one chunk, starting from {@code state} (null before the first chunk: zeros). */
    @FunctionalInterface
    public interface ChunkStep<S extends RnnState> {
        /** Runs the model over {@code chunk} from {@code state}; the loss must be the mean over the chunk's tokens. */
        Result<S> apply(Chunk chunk, S state);
    }

    private final int[][] streams;
    private final int chunkLength;

    /**
     * @param corpus      the token stream
     * @param batchSize   number of parallel streams {@code B}, &gt;= 1
     * @param chunkLength steps per chunk {@code k}, &gt;= 1 (backpropagation reaches back at most this far)
     */
    public TruncatedBptt(int[] corpus, int batchSize, int chunkLength) {
        if (batchSize < 1 || chunkLength < 1) {
            throw new IllegalArgumentException("TruncatedBptt: needs batchSize >= 1 and chunkLength >= 1, got "
                    + batchSize + " and " + chunkLength);
        }
        int n = corpus.length / batchSize;
        if (n < 2) {
            throw new IllegalArgumentException("TruncatedBptt: a corpus of " + corpus.length + " tokens gives streams of "
                    + n + " tokens for batchSize " + batchSize + "; each stream needs >= 2 (an input and its target)");
        }
        this.streams = new int[batchSize][];
        for (int b = 0; b < batchSize; b++) streams[b] = Arrays.copyOfRange(corpus, b * n, (b + 1) * n);
        this.chunkLength = chunkLength;
    }

    /** Parallel rows {@code B} the corpus is cut into. */
    @Override
    public int rows() {
        return streams.length;
    }

    /** Steps per chunk {@code k} (the last chunk may be shorter). */
    @Override
    public int chunkLength() {
        return chunkLength;
    }

    /** Tokens per stream. */
    public int streamLength() {
        return streams[0].length;
    }

    /** Number of chunks in one pass: {@code ceil((N - 1) / k)}. */
    @Override
    public int chunks() {
        return (streamLength() - 1 + chunkLength - 1) / chunkLength;
    }

    /** Chunk {@code i} of all streams. */
    @Override
    public Chunk chunk(int i) {
        if (i < 0 || i >= chunks()) {
            throw new IndexOutOfBoundsException("TruncatedBptt.chunk: " + i + " of " + chunks() + " chunks");
        }
        int start = i * chunkLength, len = Math.min(chunkLength, streamLength() - 1 - start), b = streams.length;
        int[] in = new int[b * len], tg = new int[b * len];
        for (int r = 0; r < b; r++) {
            System.arraycopy(streams[r], start, in, r * len, len);
            System.arraycopy(streams[r], start + 1, tg, r * len, len);
        }
        return new Chunk(i, in, tg, b, len);
    }

    @Override
    public String describe() {
        return rows() + " rows of " + streamLength() + " tokens (" + chunks() + " chunks of " + chunkLength + ")";
    }
}
