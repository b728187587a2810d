package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.DType;

/**
 * One time step of a recurrent network: {@code (x_t, s_{t-1}) -> s_t}. A cell knows nothing about time;
 * the {@link Recurrent} layer owns the loop, masking, reversal, the initial state and
 * {@code returnSequences}.
 *
 * <p>A new cell is one {@link #step} written with {@link Tensor} operations: autograd derives its
 * backward, and {@code Recurrent} unrolls it. Cells that hold parameters extend
 * {@link dev.jrnn.nn.Module} so that the layer around them finds their parameters. The step's output is
 * {@link RnnState#h() state.h()}.
 *
 * <pre>{@code
 * final class MinimalRnnCell extends Module implements RecurrentCell<HiddenState> {
 *     // h' = tanh(x K + h R)
 *     public HiddenState step(Tensor x, HiddenState s) {           // x: [B, I]; s.h: [B, H]
 *         return new HiddenState(x.matmul(kernel).add(s.h().matmul(recurrentKernel)).tanh());
 *     }
 *     ...
 * }
 * var layer = Recurrent.of(new MinimalRnnCell(5, 32, rng)).returnSequences(true);
 * }</pre>
 *
 * @param <S> the state type ({@link HiddenState}, {@link LstmState}, or the cell's own record)
 */
public interface RecurrentCell<S extends RnnState> {
    /** Number of input features {@code I}: the step's {@code x} is {@code [batch, I]}. */
    int inputSize();

    /** Size {@code H} of the hidden state and of the step's output {@code [batch, H]}. */
    int hiddenSize();

    /**
     * Features of the step's output {@code h} ({@code [batch, outputSize]}): {@link #hiddenSize()} unless the
     * cell projects its output to another size (an {@link LstmCell} with a projection: {@code P}).
     */
    default int outputSize() {
        return hiddenSize();
    }

    /**
     * One time step.
     *
     * @param x     the input at this step, {@code [batch, inputSize]}
     * @param state the previous state, tensors {@code [batch, hiddenSize]}
     * @return the new state; its {@link RnnState#h()} is the step's output
     */
    S step(Tensor x, S state);

    /** The all-zero state for a batch, in {@code dtype}: the default initial state. */
    S zeroState(int batch, DType dtype);
}
