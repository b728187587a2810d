package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.io.Safetensors;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.jrnn.nn.rnn.RnnTestSupport.F64;
import static dev.jrnn.nn.rnn.RnnTestSupport.assertClose;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * sLSTM and mLSTM against {@code golden/xlstm/xlstm.safetensors}, written by {@code tools/golden/make_golden.py --xlstm}:
 * a numpy float64 implementation of the paper's equations in their unstabilised form (true {@code c}, {@code n},
 * {@code C} carried), gradients by central differences. Every case runs through both paths (for mLSTM: the parallel
 * and the recurrent form).
 */
class XLstmGoldenTest {
    private static final double FORWARD_TOL = 1e-12;
    private static final double GRAD_TOL = 1e-7;

    @ParameterizedTest(name = "{0} heads={2} layers={3} bidirectional={4} {5}")
    @CsvSource({
        "slstm_l2_bi_state_lengths, slstm, 1, 2, true, FAST",
        "slstm_l2_bi_state_lengths, slstm, 1, 2, true, READABLE",
        "slstm_l1, slstm, 1, 1, false, FAST",
        "mlstm_h2_state_lengths, mlstm, 2, 1, false, FAST",
        "mlstm_h2_state_lengths, mlstm, 2, 1, false, READABLE",
        "mlstm_h1_l2_bi, mlstm, 1, 2, true, FAST",
        "mlstm_h1_l2_bi, mlstm, 1, 2, true, READABLE",
    })
    void reproducesTheFixture(String name, String cell, int heads, int layers, boolean bi, RnnBase.Path path)
            throws IOException, URISyntaxException {
        URL url = XLstmGoldenTest.class.getResource("/golden/xlstm/xlstm.safetensors");
        Assumptions.assumeTrue(url != null, "no xLSTM fixture on the test classpath");
        Map<String, NdArray> t = Safetensors.readWithMetadata(Path.of(url.toURI())).tensors();
        RnnBase l = (cell.equals("slstm") ? SLstm.builder(3, 4) : MLstm.builder(3, 4).heads(heads))
                .numLayers(layers).bidirectional(bi).dtype(F64).rng(new Rng(0)).path(path).build();
        l.namedParameters().forEach((n, p) -> {
            NdArray v = t.get(name + "." + n);
            assertTrue(v != null, "the fixture has no " + name + "." + n);
            p.data().copyFrom(v);
        });
        double[] lens = t.get(name + ".lengths").toDoubleArray();
        int[] lengths = new int[lens.length];
        for (int b = 0; b < lens.length; b++) lengths[b] = (int) lens[b];
        Tensor x = Tensor.variable(t.get(name + ".x"));
        boolean withState = name.contains("state");
        List<Tensor> s = new ArrayList<>();
        for (String k : new String[] {"h0", "c0", "n0", "m0"}) {
            s.add(k.equals("m0") ? Tensor.constant(t.get(name + "." + k)) : Tensor.variable(t.get(name + "." + k)));
        }
        RnnState init = !withState ? null : cell.equals("slstm") ? new SLstmState(s.get(0), s.get(1), s.get(2), s.get(3))
                : new MLstmState(s.get(0), s.get(1), s.get(2), s.get(3));
        RnnOutput o = l.forwardFrom(x, init, lengths);
        assertClose(t.get(name + ".output"), o.output().data(), FORWARD_TOL, name + " output");
        String[] fin = {"h_n", "c_n", "n_n", "m_n"};
        for (int j = 0; j < 4; j++) {
            assertClose(t.get(name + "." + fin[j]), o.state().tensors().get(j).data(), FORWARD_TOL, name + " " + fin[j]);
        }
        o.output().mul(Tensor.constant(t.get(name + ".gout"))).sum()
                .add(o.hN().mul(Tensor.constant(t.get(name + ".ghn"))).sum()).backward();
        l.namedParameters().forEach((n, p) -> assertClose(t.get(name + ".grad." + n), p.grad(), GRAD_TOL, name + " d" + n));
        assertClose(t.get(name + ".grad.x"), x.grad(), GRAD_TOL, name + " dx");
        if (withState) {
            for (int j = 0; j < 3; j++) {
                NdArray g = s.get(j).grad() != null ? s.get(j).grad() : s.get(j).data().zerosLike();   // mLSTM: h0 is read by nothing
                assertClose(t.get(name + ".grad." + fin[j].charAt(0) + "0"), g, GRAD_TOL, name + " d" + fin[j].charAt(0) + "0");
            }
        }
    }
}
