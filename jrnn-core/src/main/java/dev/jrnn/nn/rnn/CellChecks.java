package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.Shapes;

import java.util.Arrays;

/**
 * Argument checks shared by the cells, so every message has one form (via {@link Shapes#mismatch}): the
 * cell, the argument, the actual and expected shape, and the likely fix. Public so that user cells can
 * give the same messages.
 */
public final class CellChecks {
    private CellChecks() {}

    /**
     * Checks that the step input {@code x} is {@code [batch, inputSize]}.
     *
     * @param op the cell and method, e.g. {@code "LstmCell.step"}
     */
    public static void input(String op, Tensor x, int inputSize) {
        if (x == null) {
            throw new IllegalArgumentException(op + ": x is null");
        }
        if (x.rank() != 2 || x.dim(1) != inputSize) {
            throw Shapes.mismatch(op, "x", x.shape(), "[batch, " + inputSize + "] (this cell was built with inputSize="
                    + inputSize + "). If x is [batch, time, features], pass it to the Recurrent layer, not to the cell.");
        }
    }

    /**
     * Checks a step's input {@code x} ({@link #input}), that its dtype is the parameters' and that a state was given.
     *
     * @param op       the cell and method, e.g. {@code "LstmCell.step"}
     * @param dtype    the dtype of the cell's parameters
     * @param state    the state passed to the step
     */
    static void step(String op, Tensor x, int inputSize, dev.jrnn.tensor.DType dtype, Object state) {
        input(op, x, inputSize);
        if (x.dtype() != dtype) {
            throw new IllegalArgumentException(op + ": x is " + x.dtype() + " but this cell's parameters are "
                    + dtype + "; build the cell with that dtype or convert x");
        }
        if (state == null) {
            throw new IllegalArgumentException(op + ": state is null (use zeroState(batch, dtype) for a fresh one)");
        }
    }

    /** Checks that a state tensor is {@code [batch, hidden]}. */
    public static void state(String op, String name, Tensor t, int batch, int hidden) {
        state(op, name, t, batch, hidden, "hidden", "hiddenSize");
    }

    /**
     * Checks that a state tensor is {@code [batch, size]}; {@code label} names the size in the message
     * ({@code hidden}, or {@code proj} for a projected LSTM's h) and {@code source} the cell property it comes from.
     */
    static void state(String op, String name, Tensor t, int batch, int size, String label, String source) {
        if (t == null) {
            throw new IllegalArgumentException(op + ": state tensor " + name + " is null");
        }
        if (t.rank() != 2 || t.dim(0) != batch || t.dim(1) != size) {
            throw Shapes.mismatch(op, name, t.shape(), "[batch=" + batch + ", " + label + "=" + size
                    + "] (the batch of x and this cell's " + source + ")");
        }
    }

    /** Checks a parameter's shape when a cell is built over existing parameters. */
    static void parameter(String op, String name, Parameter p, int... expected) {
        if (p == null) {
            throw new IllegalArgumentException(op + ": " + name + " is null");
        }
        if (!Arrays.equals(p.shape(), expected)) {
            throw Shapes.mismatch(op, name, p.shape(), Shapes.str(expected));
        }
    }

    /** Checks that sizes are positive. */
    static void sizes(String op, int inputSize, int hiddenSize) {
        if (inputSize <= 0 || hiddenSize <= 0) {
            throw new IllegalArgumentException(op + ": inputSize and hiddenSize must be positive, got inputSize="
                    + inputSize + ", hiddenSize=" + hiddenSize);
        }
    }
}
