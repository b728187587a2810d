package dev.jrnn.train.diagnostics;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.rnn.RnnOutput;
import dev.jrnn.nn.rnn.TttLinear;
import dev.jrnn.nn.rnn.TttLinearCell;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link GradientProbe} on TTT-Linear: the output probe, the inner learning rate's gate, the state left alone. */
class TttDiagnosticsTest {
    @Test
    void probesTheOutputsAndCountsTheInnerLearningRateGate() {
        int batch = 2, time = 5, in = 3, hidden = 4, heads = 2;
        TttLinear l = TttLinear.builder(in, hidden, heads, 2).dtype(DType.FLOAT64).rng(new Rng(1)).build();
        Tensor x = Tensor.constant(NdArray.randn(new Rng(2), DType.FLOAT64, 0, 1, batch, time, in));
        NdArray g = NdArray.rand(new Rng(3), DType.FLOAT64, -1, 1, batch, time, hidden);
        LayerReport r = GradientProbe.measure(l, ProbeBatch.of(x, (RnnOutput o) -> o.output().mul(Tensor.constant(g)).sum()))
                .layer("l0");
        assertEquals("ttt_linear", r.cell());
        // the cell never reads h_t back, so ∂L/∂h_t is the loss weight at t: the norms are known exactly
        double[] expected = new double[time];
        for (int t = 0; t < time; t++) {
            for (int b = 0; b < batch; b++) {
                double sq = 0;
                for (int u = 0; u < hidden; u++) sq += Math.pow(g.get(b, t, u), 2);
                expected[t] += Math.sqrt(sq) / batch;
            }
        }
        assertArrayEquals(expected, r.gradNorm(), 1e-12);
        assertEquals(List.of("eta"), r.gates().stream().map(GateStats::gate).toList());
        TttLinearCell.Extras e = l.cell(0, false).extras();
        NdArray eta = x.data().reshape(batch * time, in).matmul(e.lrWeight().data(), false, true).add(e.lrBias().data()).sigmoid();
        assertEquals(batch * time * heads, r.gate("eta").count());
        assertEquals(eta.mean().item(), r.gate("eta").mean(), 1e-12);
        assertTrue(r.spectralRadius().isEmpty(), "no weight_hh, no spectral radius");
        assertTrue(l.namedParameters().values().stream().allMatch(p -> p.grad() == null), "the layer's gradients are left as they were");
    }
}
