package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;

/**
 * What a {@link Recurrent} layer returns: the output and the final state.
 *
 * @param output {@code [batch, time, hidden]} with {@code returnSequences}, else {@code [batch, hidden]}
 *               (the output of each sequence's last valid step); for {@link Recurrent#step} the step's
 *               output {@code [batch, hidden]} (or {@code [batch, 1, hidden]} for a {@code [batch, 1, I]} input)
 * @param state  the state after each sequence's last valid step, to continue from or read {@code h}/{@code c}
 * @param <S>    the cell's state type
 */
public record RecurrentResult<S extends RnnState>(Tensor output, S state) {}
