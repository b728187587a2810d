package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.GradCheck;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Activation;
import dev.jrnn.nn.Module;
import dev.jrnn.tensor.Rng;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static dev.jrnn.nn.rnn.RnnTestSupport.F64;
import static dev.jrnn.nn.rnn.RnnTestSupport.var;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every cell, unrolled by {@link Recurrent}: analytic gradients of the outputs and the final state with
 * respect to every parameter, the input and the initial state match central differences (float64), for
 * ordinary sizes and the edge cases batch = 1 and T = 1.
 */
class CellGradientTest {
    enum Kind { LSTM, LSTM_PEEPHOLE, LSTM_NO_BIAS, GRU_RESET_AFTER, GRU_RESET_BEFORE, GRU_NO_BIAS, MINIMAL_GRU,
        RNN_TANH, RNN_RELU, RNN_NO_BIAS, STACKED_LSTM_GRU }

    static RecurrentCell<? extends RnnState> make(Kind kind, int in, int hidden, Rng rng) {
        switch (kind) {
            case LSTM: return LstmCell.builder(in, hidden).dtype(F64).rng(rng).build();
            case LSTM_PEEPHOLE: return LstmCell.builder(in, hidden).dtype(F64).rng(rng).peephole(true).forgetBias(1).build();
            case LSTM_NO_BIAS: return LstmCell.builder(in, hidden).dtype(F64).rng(rng).bias(false).build();
            case GRU_RESET_AFTER: return GruCell.builder(in, hidden).dtype(F64).rng(rng).build();
            case GRU_RESET_BEFORE: return GruCell.builder(in, hidden).dtype(F64).rng(rng).variant(GruVariant.RESET_BEFORE).build();
            case GRU_NO_BIAS: return GruCell.builder(in, hidden).dtype(F64).rng(rng).bias(false).build();
            case MINIMAL_GRU: return new MinimalGruCell(in, hidden, true, F64, rng);
            case RNN_TANH: return SimpleRnnCell.builder(in, hidden).dtype(F64).rng(rng).build();
            case RNN_RELU: return SimpleRnnCell.builder(in, hidden).dtype(F64).rng(rng).activation(Activation.Kind.RELU).build();
            case RNN_NO_BIAS: return SimpleRnnCell.builder(in, hidden).dtype(F64).rng(rng).bias(false).build();
            case STACKED_LSTM_GRU: return new StackedCell(LstmCell.builder(in, hidden).dtype(F64).rng(rng).build(),
                    GruCell.builder(hidden, hidden).dtype(F64).rng(rng).build());
            default: throw new AssertionError(kind);
        }
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        int[][] sizes = {{3, 4}, {1, 4}, {3, 1}, {1, 1}};   // batch, time
        for (Kind k : Kind.values()) {
            for (int[] s : sizes) out.add(Arguments.of(k, s[0], s[1]));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} batch={1} time={2}")
    @MethodSource("cases")
    void gradientsMatchCentralDifferences(Kind kind, int batch, int time) {
        Rng rng = new Rng(31 * kind.ordinal() + 7 * batch + time);
        check(make(kind, 3, 2, rng), batch, time, rng);
    }

    private static <S extends RnnState> void check(RecurrentCell<S> cell, int batch, int time, Rng rng) {
        Recurrent<S> layer = Recurrent.of(cell).returnSequences(true);
        Tensor x = var(rng, batch, time, cell.inputSize());
        S zero = cell.zeroState(batch, F64);
        List<Tensor> init = new ArrayList<>();
        for (Tensor t : zero.tensors()) init.add(var(rng, t.shape()));
        @SuppressWarnings("unchecked")
        S s0 = (S) zero.withTensors(init);
        List<Tensor> wrt = new ArrayList<>(((Module) cell).parameters());
        wrt.add(x);
        wrt.addAll(init);
        GradCheck.Report r = GradCheck.assertMatches(() -> {
            RecurrentResult<S> res = layer.forward(x, null, s0);
            List<Tensor> parts = new ArrayList<>();
            parts.add(res.output().reshape(-1));                      // every step's output
            for (Tensor t : res.state().tensors()) parts.add(t.reshape(-1));   // and the whole final state (c too)
            return Tensor.concat(0, parts.toArray(new Tensor[0]));
        }, wrt);
        int expected = 0;
        for (Tensor t : wrt) expected += t.data().size();
        assertTrue(r.checked() == expected, "every element checked");
    }

    /** A single step straight from the cell (no layer), including a state that is not zero. */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.EnumSource(Kind.class)
    void oneStepOfTheCellAlone(Kind kind) {
        Rng rng = new Rng(99 + kind.ordinal());
        stepCheck(make(kind, 2, 3, rng), rng);
    }

    private static <S extends RnnState> void stepCheck(RecurrentCell<S> cell, Rng rng) {
        Tensor x = var(rng, 2, cell.inputSize());
        S zero = cell.zeroState(2, F64);
        List<Tensor> init = new ArrayList<>();
        for (Tensor t : zero.tensors()) init.add(var(rng, t.shape()));
        @SuppressWarnings("unchecked")
        S s0 = (S) zero.withTensors(init);
        List<Tensor> wrt = new ArrayList<>(((Module) cell).parameters());
        wrt.add(x);
        wrt.addAll(init);
        GradCheck.assertMatches(() -> {
            List<Tensor> parts = new ArrayList<>();
            for (Tensor t : cell.step(x, s0).tensors()) parts.add(t.reshape(-1));
            return Tensor.concat(0, parts.toArray(new Tensor[0]));
        }, wrt);
    }
}
