package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;

/**
 * What a {@link Bidirectional} layer returns.
 *
 * @param output         the merged output ({@code [B, T, ·]} with {@code returnSequences}, else {@code [B, ·]}),
 *                       or null for {@link MergeMode#NONE}
 * @param forwardOutput  the forward layer's output, {@code [B, T, H]} or {@code [B, H]}
 * @param backwardOutput the backward layer's output realigned to the input's time order ({@code [B, T, H]}: step
 *                       {@code t} is the backward state after reading {@code x[b, len_b−1] .. x[b, t]}), or without
 *                       {@code returnSequences} its last output {@code [B, H]} (after reading back to step 0)
 * @param forwardState   the forward layer's final state (after each sequence's last valid step)
 * @param backwardState  the backward layer's final state (after reading step 0)
 * @param <S>            the cells' state type
 */
public record BidirectionalResult<S extends RnnState>(Tensor output, Tensor forwardOutput, Tensor backwardOutput,
                                                      S forwardState, S backwardState) {}
