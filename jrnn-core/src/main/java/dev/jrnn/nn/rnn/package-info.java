/**
 * Recurrent networks: cells, the layer that unrolls them, and the stock layers compatible with PyTorch.
 *
 * <p>Sequences are {@code [batch, time, features]} at every API here (batch first, as Keras); states are
 * {@code [batch, hidden]}; the stock layers' {@code h0}/{@code hN} are {@code [layers·directions, batch,
 * hidden]}, as PyTorch.
 *
 * <ul>
 * <li><b>Cells</b> are one time step, written with autograd ops one line per equation:
 *     {@link dev.jrnn.nn.rnn.SimpleRnnCell}, {@link dev.jrnn.nn.rnn.LstmCell} (optional peepholes and
 *     forget-gate bias), {@link dev.jrnn.nn.rnn.GruCell} (both {@link dev.jrnn.nn.rnn.GruVariant}s),
 *     {@link dev.jrnn.nn.rnn.MinimalGruCell} (Ng's one-gate GRU, docs/recurrent.md),
 *     {@link dev.jrnn.nn.rnn.StackedCell}, or your own {@link dev.jrnn.nn.rnn.RecurrentCell}.</li>
 * <li><b>States</b> are typed records: {@link dev.jrnn.nn.rnn.HiddenState}, {@link dev.jrnn.nn.rnn.LstmState},
 *     {@link dev.jrnn.nn.rnn.StackedState} ({@link dev.jrnn.nn.rnn.RnnState}).</li>
 * <li><b>{@link dev.jrnn.nn.rnn.Recurrent}</b> owns the loop: {@code returnSequences}, {@code goBackwards},
 *     initial and final state, variable lengths (masking), stepping ({@link dev.jrnn.nn.rnn.StatefulRunner});
 *     {@link dev.jrnn.nn.rnn.Bidirectional} runs two of them and merges ({@link dev.jrnn.nn.rnn.MergeMode}).</li>
 * <li><b>Stock layers</b> {@link dev.jrnn.nn.rnn.SimpleRnn}, {@link dev.jrnn.nn.rnn.Lstm},
 *     {@link dev.jrnn.nn.rnn.Gru} ({@link dev.jrnn.nn.rnn.RnnBase}, {@link dev.jrnn.nn.rnn.RnnConfig}) match
 *     {@code torch.nn.RNN/LSTM/GRU}: names, shapes, gate order, stacking, directions; they run either the
 *     fused kernels ({@link dev.jrnn.nn.rnn.RnnKernels}) or the cells over the same parameters.</li>
 * <li><b>xLSTM</b> (Beck et al. 2024): {@link dev.jrnn.nn.rnn.SLstm} over {@link dev.jrnn.nn.rnn.SLstmCell} and
 *     {@link dev.jrnn.nn.rnn.MLstm} over {@link dev.jrnn.nn.rnn.MLstmCell} (parallel form for training,
 *     {@link dev.jrnn.nn.rnn.MLstmKernels}); states {@link dev.jrnn.nn.rnn.SLstmState},
 *     {@link dev.jrnn.nn.rnn.MLstmState}.</li>
 * <li>{@link dev.jrnn.nn.rnn.TttLinear} (cell {@link dev.jrnn.nn.rnn.TttLinearCell}, state
 *     {@link dev.jrnn.nn.rnn.TttState}): TTT-Linear, a layer whose hidden state is a linear model trained by a
 *     gradient step at every token (Sun et al. 2024), on the same options as the stock layers.</li>
 * <li>{@link dev.jrnn.nn.rnn.Sequences}: reversal within lengths, masks, last valid step.</li>
 * </ul>
 *
 * <p>See {@code docs/recurrent.md} for a tour with examples.
 */
package dev.jrnn.nn.rnn;
