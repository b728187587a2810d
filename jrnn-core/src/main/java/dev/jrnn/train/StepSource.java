package dev.jrnn.train;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.rnn.RnnState;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.tensor.Shapes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Where the steps of an epoch come from, for the one {@link Trainer} loop: every task is a fixed number of steps per
 * epoch, each a forward pass and a loss ({@link StepOutput}).
 * <ul>
 *   <li>{@link #batches}: padded batches of a {@link SequenceDataset}, in an order drawn from the trainer's seeded
 *       generator each epoch (classify, seq2seq, regress);</li>
 *   <li>{@link #chunks}: the truncated-BPTT chunks of one token stream, in order, carrying a typed recurrent state
 *       from chunk to chunk with its graph cut ({@code state.detach()}), from zeros at every epoch (language
 *       models). The carried state is part of a checkpoint ({@link #carried()}), so a run resumed mid-epoch goes on
 *       from exactly the state it stopped with.</li>
 * </ul>
 */
public interface StepSource {
    /** Steps in one epoch; every epoch has as many, &gt;= 1. */
    int steps();

    /** What one epoch covers, for the trainer's first line (e.g. {@code 1000 sequences (32 batches of 32)}). */
    String describe();

    /**
     * Starts an epoch: draws its order from {@code rng} (null: data order) and drops any carried state. Called once
     * before every training epoch and every validation pass, also when a run resumes mid-epoch.
     */
    void startEpoch(Rng rng);

    /**
     * The forward pass and loss of step {@code i} of the epoch (0-based, asked in increasing order, from the resume
     * point on a resumed epoch).
     *
     * @param training true while training (the trainer then differentiates the loss), false for validation (in
     *                 {@code Autograd.noGrad()}, model in eval mode)
     */
    StepOutput step(int i, boolean training);

    /** The state carried into the next step, as named arrays for a checkpoint; empty when nothing is carried. */
    default Map<String, NdArray> carried() {
        return Map.of();
    }

    /**
     * Puts back a state saved by {@link #carried()} (after {@link #startEpoch}, on resume).
     *
     * @throws IllegalArgumentException when it does not fit this source (count, shapes, non-finite values)
     */
    default void restoreCarried(Map<String, NdArray> state) {
        if (!state.isEmpty()) {
            throw new IllegalArgumentException("this step source carries no state, but the checkpoint holds " + state.keySet());
        }
    }

    /**
     * Shuffled batches of {@code data}: an epoch is {@code data.epochOrder(batchSize, rng, bucketBatches)}.
     *
     * @param data          the sequences
     * @param step          forward pass and loss of one batch
     * @param batchSize     sequences per batch, &gt;= 1
     * @param bucketBatches batches per length bucket ({@link SequenceDataset#epochOrder}); 0 = no bucketing
     */
    static StepSource batches(SequenceDataset data, ModelStep step, int batchSize, int bucketBatches) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(step, "step");
        int steps = (data.size() + batchSize - 1) / batchSize;
        return new StepSource() {
            private List<int[]> order;

            @Override public int steps() { return steps; }

            @Override public String describe() {
                return data.size() + " sequences (" + steps + " batches of " + batchSize + ")";
            }

            @Override public void startEpoch(Rng rng) {
                order = data.epochOrder(batchSize, rng, bucketBatches);
            }

            @Override public StepOutput step(int i, boolean training) {
                return step.apply(data.batch(order.get(i)), training);
            }
        };
    }

    /**
     * The chunks of {@code stream} in order, the state carried from chunk to chunk detached; each step's weight is the
     * number of tokens it predicts, so the epoch's loss is the mean per token.
     *
     * @param stream  the token stream cut into rows and chunks: a {@link TruncatedBptt} in memory or a
     *                {@link StreamingCorpus} read as it goes (whose read errors come as {@link UncheckedIOException})
     * @param step    the model on one chunk from a carried state (null before the first: zeros)
     * @param rebuild the typed state from its tensors (for a checkpoint), e.g. {@code LanguageModel::stateOf}
     */
    static <S extends RnnState> StepSource chunks(ChunkSource stream, TruncatedBptt.ChunkStep<S> step,
                                                  Function<List<Tensor>, S> rebuild) {
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(rebuild, "rebuild");
        return new StepSource() {
            private S state;

            @Override public int steps() { return stream.chunks(); }

            @Override public String describe() { return stream.describe(); }

            @Override public void startEpoch(Rng rng) {
                state = null;                                            // every epoch starts from zeros
            }

            @SuppressWarnings("unchecked")
            @Override public StepOutput step(int i, boolean training) {
                TruncatedBptt.Chunk chunk;
                try {
                    chunk = stream.chunk(i);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                TruncatedBptt.Result<S> r = step.apply(chunk, state);    // forward from the carried state
                state = (S) r.state().detach();                          // keep the values, cut the graph
                return StepOutput.of(r.loss(), (double) chunk.batch() * chunk.length());
            }

            @Override public Map<String, NdArray> carried() {
                Map<String, NdArray> out = new LinkedHashMap<>();
                if (state != null) {
                    List<Tensor> ts = state.tensors();
                    for (int k = 0; k < ts.size(); k++) out.put(Integer.toString(k), ts.get(k).data().copy());
                }
                return out;
            }

            @Override public void restoreCarried(Map<String, NdArray> saved) {
                if (saved.isEmpty()) {
                    state = null;
                    return;
                }
                List<Tensor> ts = new ArrayList<>();
                for (int k = 0; k < saved.size(); k++) {
                    NdArray a = saved.get(Integer.toString(k));
                    if (a == null) {
                        throw new IllegalArgumentException("the carried state's tensors are not numbered 0.." + (saved.size() - 1)
                                + ": " + saved.keySet());
                    }
                    if (a.rank() < 2 || a.shape()[a.rank() - 2] != stream.rows() || !a.allFinite()) {
                        throw new IllegalArgumentException("carried state tensor " + k + " has shape " + Shapes.str(a.shape())
                                + (a.allFinite() ? "" : " and non-finite values") + "; expected finite values with "
                                + stream.rows() + " rows");
                    }
                    ts.add(Tensor.constant(a.copy()));
                }
                state = rebuild.apply(ts);
            }
        };
    }
}
