package dev.jrnn.train;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.rnn.RnnState;
import dev.jrnn.optim.GradClip;
import dev.jrnn.optim.Optimizer;

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
 * BPTT. Carrying the final state into the next call ({@link #run} returns it) gives a stateful mode for
 * streams that are read in several parts.
 */
public final class TruncatedBptt {
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

    /**
     * Where chunks come from: {@link TruncatedBptt} itself for a corpus in memory, {@link StreamingCorpus} for one
     * read from disk as it goes.
     */
    @FunctionalInterface
    public interface ChunkSource {
        /** The next chunk, or null when the streams are exhausted. */
        Chunk next() throws java.io.IOException;
    }

    /** The loss of one chunk and the state after it (still attached to the graph). */
    public record Result<S extends RnnState>(Tensor loss, S state) {}

    /** The model on one chunk, starting from {@code state} (null before the first chunk: zeros). */
    @FunctionalInterface
    public interface ChunkStep<S extends RnnState> {
        /** Runs the model over {@code chunk} from {@code state}; the loss must be the mean over the chunk's tokens. */
        Result<S> apply(Chunk chunk, S state);
    }

    /**
     * What a pass over the stream did.
     *
     * @param meanLoss   the token-weighted mean loss over all chunks
     * @param finalState the state after the last chunk, detached (pass it to the next {@link #run} to continue)
     * @param chunks     chunks processed
     * @param skipped    chunks whose update was skipped for non-finite gradients
     */
    public record Summary<S extends RnnState>(double meanLoss, S finalState, int chunks, long skipped) {}

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
    public int rows() {
        return streams.length;
    }

    /** Steps per chunk {@code k} (the last chunk may be shorter). */
    public int chunkLength() {
        return chunkLength;
    }

    /** Tokens per stream. */
    public int streamLength() {
        return streams[0].length;
    }

    /** Number of chunks in one pass: {@code ceil((N - 1) / k)}. */
    public int chunks() {
        return (streamLength() - 1 + chunkLength - 1) / chunkLength;
    }

    /** Chunk {@code i} of all streams. */
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

    /**
     * One pass over the stream. With an optimizer, every chunk is an update: zero the gradients, forward from the
     * carried state, backward, clip, {@link Optimizer#checkedStep}. Without one ({@code optimizer == null}), the
     * gradients of all chunks are only accumulated in the parameters (to inspect or compare them).
     *
     * @param step      the model on one chunk
     * @param initial   the state before the first chunk (null for zeros)
     * @param optimizer the optimizer, or null to accumulate gradients only
     * @param clipNorm  global-norm clipping per chunk (0 = off); ignored without an optimizer
     * @return the mean loss and the final (detached) state
     */
    public <S extends RnnState> Summary<S> run(ChunkStep<S> step, S initial, Optimizer optimizer, double clipNorm) {
        int[] next = {0};
        try {
            return run(() -> next[0] < chunks() ? chunk(next[0]++) : null, step, initial, optimizer, clipNorm);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);   // cannot happen: the chunks are in memory
        }
    }

    /**
     * One pass over the chunks of {@code source}; the same loop as {@link #run(ChunkStep, RnnState, Optimizer, double)},
     * for any source (e.g. a {@link StreamingCorpus} too large for memory).
     *
     * @throws java.io.IOException when the source cannot be read
     */
    @SuppressWarnings("unchecked")
    public static <S extends RnnState> Summary<S> run(ChunkSource source, ChunkStep<S> step, S initial,
                                                      Optimizer optimizer, double clipNorm) throws java.io.IOException {
        S state = initial;
        double lossSum = 0;
        long tokens = 0;
        long skippedBefore = optimizer == null ? 0 : optimizer.skippedSteps();
        int n = 0;
        for (Chunk chunk = source.next(); chunk != null; chunk = source.next()) {
            n++;
            if (optimizer != null) {
                optimizer.zeroGrad();
            }
            Result<S> r = step.apply(chunk, state);                   // forward from the carried state
            double loss = r.loss().item();
            r.loss().backward();                                      // back at most chunk.length() steps
            if (optimizer != null) {
                if (clipNorm > 0) {
                    GradClip.byGlobalNorm(optimizer.parameters(), clipNorm);
                }
                optimizer.checkedStep(loss);
            }
            lossSum += loss * chunk.batch() * chunk.length();
            tokens += (long) chunk.batch() * chunk.length();
            state = (S) r.state().detach();                           // keep the values, cut the graph
        }
        long skipped = optimizer == null ? 0 : optimizer.skippedSteps() - skippedBefore;
        return new Summary<>(tokens == 0 ? Double.NaN : lossSum / tokens, state, n, skipped);
    }
}
