package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Module;
import dev.jrnn.tensor.DType;

import java.util.ArrayList;
import java.util.List;

/**
 * Cells stacked into one cell (Keras {@code StackedRNNCells}): at each time step the input goes through
 * cell 0, whose output feeds cell 1, and so on:
 * <pre>
 * s^0_t = cell_0(x_t, s^0_{t-1})     s^k_t = cell_k(h^{k-1}_t, s^k_{t-1})     output h_t = h^{L-1}_t
 * </pre>
 * The state is a {@link StackedState} (bottom layer first). Because the stack is itself a cell, the
 * {@link Recurrent} layer gives it masking, reversal and stepping for free. Cell {@code k}'s input size
 * must equal cell {@code k-1}'s hidden size. Cells that are modules are registered as children
 * {@code 0}, {@code 1}, ...
 */
public final class StackedCell extends Module implements RecurrentCell<StackedState> {
    private final List<RecurrentCell<?>> cells;

    /** Stacks {@code cells}, bottom first. */
    public StackedCell(RecurrentCell<?>... cells) {
        this(List.of(cells));
    }

    /** Stacks {@code cells}, bottom first. */
    public StackedCell(List<? extends RecurrentCell<?>> cells) {
        if (cells.isEmpty()) {
            throw new IllegalArgumentException("StackedCell: needs at least one cell");
        }
        for (int k = 1; k < cells.size(); k++) {
            if (cells.get(k).inputSize() != cells.get(k - 1).outputSize()) {
                throw new IllegalArgumentException("StackedCell: cell " + k + " has inputSize=" + cells.get(k).inputSize()
                        + " but cell " + (k - 1) + " outputs outputSize=" + cells.get(k - 1).outputSize()
                        + "; they must be equal");
            }
        }
        this.cells = List.copyOf(cells);
        for (int k = 0; k < cells.size(); k++) {
            if (cells.get(k) instanceof Module) {
                registerModule(Integer.toString(k), (Module) cells.get(k));
            }
        }
    }

    /** The cells, bottom first. */
    public List<RecurrentCell<?>> cells() { return cells; }

    @Override
    public int inputSize() { return cells.get(0).inputSize(); }

    @Override
    public int hiddenSize() { return cells.get(cells.size() - 1).hiddenSize(); }

    @Override
    public int outputSize() { return cells.get(cells.size() - 1).outputSize(); }

    @Override
    public StackedState step(Tensor x, StackedState state) {         // x: [B, I]
        if (state.layers().size() != cells.size()) {
            throw new IllegalArgumentException("StackedCell.step: the state has " + state.layers().size()
                    + " layers, this stack has " + cells.size());
        }
        List<RnnState> next = new ArrayList<>();
        Tensor input = x;
        for (int k = 0; k < cells.size(); k++) {
            RnnState s = stepOne(cells.get(k), input, state.layer(k));
            next.add(s);
            input = s.h();                                              // layer k's output feeds layer k+1
        }
        return new StackedState(next);
    }

    @SuppressWarnings("unchecked")
    private static <S extends RnnState> RnnState stepOne(RecurrentCell<S> cell, Tensor x, RnnState s) {
        return cell.step(x, (S) s);   // the state at position k was made by cell k
    }

    @Override
    public StackedState zeroState(int batch, DType dtype) {
        List<RnnState> out = new ArrayList<>();
        for (RecurrentCell<?> c : cells) out.add(c.zeroState(batch, dtype));
        return new StackedState(out);
    }
}
