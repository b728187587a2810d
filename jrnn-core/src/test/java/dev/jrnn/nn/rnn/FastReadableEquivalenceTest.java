package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.jrnn.nn.rnn.RnnBase.Path.FAST;
import static dev.jrnn.nn.rnn.RnnBase.Path.READABLE;
import static dev.jrnn.nn.rnn.RnnTestSupport.assertClose;
import static dev.jrnn.nn.rnn.RnnTestSupport.takeGrads;
import static dev.jrnn.nn.rnn.RnnTestSupport.weightedSum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The two paths of the stock layers over one set of parameters: the fused kernels ({@link RnnKernels})
 * and the readable cells give the same outputs, final states and gradients (parameters, input, initial
 * states). For {@link MinGru} and {@link MinLstm} that is the parallel scan ({@link ScanKernels}) against
 * sequential stepping. Skipped while the kernels are not written yet.
 */
class FastReadableEquivalenceTest {
    @BeforeAll
    static void kernelsMustExist() {
        assumeTrue(RnnTestSupport.kernelsAvailable(), "RnnKernels.run is not implemented yet");
    }

    @ParameterizedTest(name = "{0} {1} layers={2} bidirectional={3} bias={4} lengths={5} h0={6} batchFirst={7}")
    @CsvSource({
        "lstm, float64, 1, false, true, false, false, true",
        "lstm, float64, 2, true, true, true, true, true",
        "lstm, float64, 3, false, false, true, true, false",
        "lstm, float32, 2, true, true, true, true, true",
        "gru, float64, 1, true, true, false, true, true",
        "gru, float64, 2, true, true, true, true, false",
        "gru, float64, 3, false, true, true, false, true",
        "gru, float32, 2, true, false, true, true, true",
        "gru_before, float64, 2, true, true, true, true, true",
        "rnn_tanh, float64, 2, true, true, true, true, true",
        "rnn_tanh, float64, 3, false, false, false, true, true",
        "rnn_relu, float64, 2, true, true, true, true, true",
        "rnn_relu, float32, 1, false, true, true, false, true",
        "mingru, float64, 1, false, true, false, false, true",
        "mingru, float64, 2, true, true, true, true, true",
        "mingru, float64, 3, false, false, true, true, false",
        "mingru, float32, 2, true, true, true, true, true",
        "minlstm, float64, 1, false, true, false, true, true",
        "minlstm, float64, 2, true, true, true, true, true",
        "minlstm, float64, 3, true, false, true, false, false",
        "minlstm, float32, 2, true, true, true, true, true",
    })
    void fastAndReadablePathsAgree(String mode, String dtype, int layers, boolean bi, boolean bias, boolean withLengths,
                                   boolean withH0, boolean batchFirst) {
        DType dt = DType.parse(dtype);
        double tol = dt == DType.FLOAT64 ? 1e-10 : 2e-5;
        RnnBase.Builder<? extends RnnBase> b;
        switch (mode) {
            case "lstm": b = Lstm.builder(3, 4); break;
            case "gru": b = Gru.builder(3, 4); break;
            case "mingru": b = MinGru.builder(3, 4); break;              // FAST: log-space scan; READABLE: sequential
            case "minlstm": b = MinLstm.builder(3, 4); break;
            case "gru_before": b = Gru.builder(3, 4).variant(GruVariant.RESET_BEFORE); break;
            case "rnn_relu": b = SimpleRnn.builder(3, 4).nonlinearity(dev.jrnn.nn.Activation.Kind.RELU); break;
            default: b = SimpleRnn.builder(3, 4);
        }
        RnnBase layer = b.numLayers(layers).bidirectional(bi).bias(bias).batchFirst(batchFirst).dtype(dt)
                .rng(new Rng(40 + layers)).build();
        Rng rng = new Rng(41);
        int batch = 3, time = 5, ld = layers * (bi ? 2 : 1);
        int[] xShape = batchFirst ? new int[] {batch, time, 3} : new int[] {time, batch, 3};
        Tensor x = Tensor.variable(NdArray.randn(rng, dt, 0, 1, xShape));
        Tensor h0 = withH0 ? Tensor.variable(NdArray.randn(rng, dt, 0, 1, ld, batch, 4)) : null;
        Tensor c0 = withH0 && mode.equals("lstm") ? Tensor.variable(NdArray.randn(rng, dt, 0, 1, ld, batch, 4)) : null;
        int[] lengths = withLengths ? new int[] {5, 2, 4} : null;
        RnnState init = h0 == null ? null : c0 == null ? new HiddenState(h0) : new LstmState(h0, c0);
        List<Tensor> inputs = new ArrayList<>();
        inputs.add(x);
        if (h0 != null) inputs.add(h0);
        if (c0 != null) inputs.add(c0);

        List<RnnOutput> outs = new ArrayList<>();
        List<Map<String, NdArray>> paramGrads = new ArrayList<>();
        List<List<NdArray>> inputGrads = new ArrayList<>();
        for (RnnBase.Path p : new RnnBase.Path[] {READABLE, FAST}) {
            layer.path(p);
            RnnOutput o = layer.forwardFrom(x, init, lengths);
            Tensor loss = weightedSum(o.output(), 1).add(weightedSum(o.hN(), 2));
            if (o.cN() != null) loss = loss.add(weightedSum(o.cN(), 3));
            loss.backward();
            outs.add(o);
            paramGrads.add(takeGrads(layer));
            inputGrads.add(takeGrads(inputs));
        }
        assertClose(outs.get(0).output(), outs.get(1).output(), tol, "output");
        assertClose(outs.get(0).hN(), outs.get(1).hN(), tol, "hN");
        if (mode.equals("lstm")) {
            assertClose(outs.get(0).cN(), outs.get(1).cN(), tol, "cN");
        }
        int compared = 0;
        for (String n : paramGrads.get(0).keySet()) {
            assertClose(paramGrads.get(0).get(n), paramGrads.get(1).get(n), tol * 10, "d" + n);
            compared++;
        }
        for (int i = 0; i < inputs.size(); i++) {
            assertClose(inputGrads.get(0).get(i), inputGrads.get(1).get(i), tol * 10, "d input " + i);
            compared++;
        }
        assertEquals(layer.parameters().size() + inputs.size(), compared, "every gradient compared");
    }

    @Test
    @SuppressWarnings("try")
    void fastIsTheDefaultAndRunsWithoutGradients() {
        Lstm lstm = Lstm.builder(3, 4).numLayers(2).bidirectional(true).rng(new Rng(1)).build();
        Tensor x = Tensor.constant(NdArray.randn(new Rng(2), DType.FLOAT32, 0, 1, 2, 5, 3));
        RnnOutput fast;
        try (var scope = dev.jrnn.autograd.Autograd.noGrad()) {
            fast = lstm.forward(x);
        }
        RnnOutput readable = lstm.path(READABLE).forward(x);
        assertClose(readable.output(), fast.output(), 2e-5, "output");
        assertClose(readable.cN(), fast.cN(), 2e-5, "cN");
    }
}
