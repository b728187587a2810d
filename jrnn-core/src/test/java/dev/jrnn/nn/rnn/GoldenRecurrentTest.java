package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.io.KerasImport;
import dev.jrnn.io.Safetensors;
import dev.jrnn.nn.Activation;
import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.NdArray;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.jrnn.nn.rnn.RnnTestSupport.F64;
import static dev.jrnn.nn.rnn.RnnTestSupport.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The recurrent layers and cells against the golden fixtures of {@code tools/golden} (an independent numpy
 * float64 implementation, cross-checked against torch 2.13): forward values to 1e-12, and the
 * vector-Jacobian products with the stored upstream gradients ({@code gout}, {@code ghn}, {@code gcn}) to
 * 1e-7, for every input, initial state and weight. The stock layers run both paths (TTT-Linear: its cell on both).
 */
class GoldenRecurrentTest {
    private static final double FORWARD_TOL = 1e-12;
    private static final double GRAD_TOL = 1e-7;

    static Stream<String> fixtures() throws IOException, URISyntaxException {
        URL url = GoldenRecurrentTest.class.getResource("/golden/index.json");
        if (url == null) {
            return Stream.of("(none)");
        }
        try (Stream<Path> files = Files.list(Path.of(url.toURI()).getParent())) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".safetensors")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void reproducesTheFixture(String file) throws IOException, URISyntaxException {
        URL url = GoldenRecurrentTest.class.getResource("/golden/" + file);
        Assumptions.assumeTrue(url != null, "no golden fixtures on the test classpath");
        Safetensors.File f = Safetensors.readWithMetadata(Path.of(url.toURI()));
        Map<String, NdArray> t = f.tensors();
        Map<String, String> m = f.metadata();
        String cell = m.get("cell");
        switch (cell) {
            case "rnn_tanh": case "rnn_relu": case "lstm": case "gru": case "min_gru": case "min_lstm":
                for (RnnBase.Path p : RnnBase.Path.values()) {
                    stock(file, t, m, p);
                }
                break;
            case "ttt_linear":
                for (RnnBase.Path p : RnnBase.Path.values()) {
                    ttt(file, t, m, p);
                }
                break;
            case "minimal_gru": case "peephole_lstm":
                cellCase(file, t, m);
                break;
            case "keras_simple_rnn": case "keras_lstm": case "keras_gru":
                keras(file, t, m);
                break;
            default:
                throw new AssertionError(file + ": unknown cell " + cell);
        }
    }

    private static void stock(String file, Map<String, NdArray> t, Map<String, String> m, RnnBase.Path path) {
        int in = Integer.parseInt(m.get("input_size")), hidden = Integer.parseInt(m.get("hidden_size"));
        RnnBase.Builder<? extends RnnBase> b;
        switch (m.get("cell")) {
            case "lstm": b = Lstm.builder(in, hidden); break;
            case "gru": b = Gru.builder(in, hidden); break;
            case "min_gru": b = MinGru.builder(in, hidden); break;         // FAST: the log-space scan; READABLE: steps
            case "min_lstm": b = MinLstm.builder(in, hidden); break;
            case "rnn_relu": b = SimpleRnn.builder(in, hidden).nonlinearity(Activation.Kind.RELU); break;
            default: b = SimpleRnn.builder(in, hidden);
        }
        RnnBase layer = b.numLayers(Integer.parseInt(m.get("num_layers"))).bidirectional(Boolean.parseBoolean(m.get("bidirectional")))
                .bias(Boolean.parseBoolean(m.get("bias"))).dtype(F64).path(path).build();
        Map<String, NdArray> weights = new LinkedHashMap<>();
        for (String n : layer.namedParameters().keySet()) weights.put(n, t.get(n));
        layer.loadStateDict(weights);                                   // the fixture's names are torch's state_dict names
        Inputs x = new Inputs(t);
        RnnOutput o = layer.forwardFrom(x.x, x.state(), x.lengths);
        check(file + " " + path, t, o.output(), o.hN(), o.cN(), x, layer.namedParameters());
    }

    /** TTT-Linear with the fixture's heads and mini-batch size; {@code c0}/{@code c_n} are the fast weights. */
    private static void ttt(String file, Map<String, NdArray> t, Map<String, String> m, RnnBase.Path path) {
        int in = Integer.parseInt(m.get("input_size")), hidden = Integer.parseInt(m.get("hidden_size"));
        TttLinear layer = TttLinear.builder(in, hidden, Integer.parseInt(m.get("heads")), Integer.parseInt(m.get("mini_batch")))
                .numLayers(Integer.parseInt(m.get("num_layers"))).bidirectional(Boolean.parseBoolean(m.get("bidirectional")))
                .bias(Boolean.parseBoolean(m.get("bias"))).dtype(F64).path(path).build();
        Map<String, NdArray> weights = new LinkedHashMap<>();
        for (String n : layer.namedParameters().keySet()) weights.put(n, t.get(n));
        assertEquals(weights.keySet().stream().map(n -> "grad." + n).toList(), t.keySet().stream()
                .filter(n -> n.startsWith("grad.") && !n.equals("grad.x") && !n.equals("grad.c0")).toList(),
                file + ": the fixture's parameters are the layer's, in its order");
        layer.loadStateDict(weights);
        Inputs x = new Inputs(t);
        RnnOutput o = layer.forward(x.x, x.c0, x.lengths);
        Map<String, Parameter> params = new LinkedHashMap<>(layer.namedParameters());
        if (x.c0 != null) {                                             // given fast weights: W_0 is not read
            params.keySet().removeIf(n -> {
                boolean w0 = n.startsWith("ttt_w0");
                if (w0) assertEquals(0, t.get("grad." + n).maxAbsDiff(t.get("grad." + n).zerosLike()), n);
                return w0;
            });
        }
        check(file + " " + path, t, o.output(), o.hN(), o.cN(), x, params);
    }

    private static void cellCase(String file, Map<String, NdArray> t, Map<String, String> m) {
        Map<String, Parameter> params = new LinkedHashMap<>();
        for (String n : t.keySet()) {
            if (n.startsWith("weight_") || n.startsWith("bias_")) params.put(n, new Parameter(t.get(n).copy()));
        }
        Inputs x = new Inputs(t);
        Tensor h0 = x.h0 == null ? null : x.h0.select(0, 0);
        if (m.get("cell").equals("minimal_gru")) {
            MinimalGruCell cell = MinimalGruCell.over(params.get("weight_ih_l0"), params.get("weight_hh_l0"),
                    params.get("bias_ih_l0"), params.get("bias_hh_l0"));
            RecurrentResult<HiddenState> r = Recurrent.of(cell).returnSequences(true)
                    .forward(x.x, x.lengths, h0 == null ? null : new HiddenState(h0));
            check(file, t, r.output(), stack(r.state().h()), null, x, params);
        } else {
            LstmCell cell = LstmCell.over(params.get("weight_ih_l0"), params.get("weight_hh_l0"), params.get("bias_ih_l0"),
                    params.get("bias_hh_l0"), params.get("weight_peephole_l0"));
            LstmState s0 = h0 == null ? null : new LstmState(h0, x.c0.select(0, 0));
            RecurrentResult<LstmState> r = Recurrent.of(cell).returnSequences(true).forward(x.x, x.lengths, s0);
            check(file, t, r.output(), stack(r.state().h()), stack(r.state().c()), x, params);
        }
    }

    /** Keras weights converted with {@link KerasImport} and loaded into the stock layer (a reset-before GRU included). */
    private static void keras(String file, Map<String, NdArray> t, Map<String, String> m) {
        NdArray k = t.get("keras.kernel"), r = t.get("keras.recurrent_kernel"), bias = t.get("keras.bias");
        int in = Integer.parseInt(m.get("input_size")), hidden = Integer.parseInt(m.get("hidden_size"));
        KerasImport.TorchWeights w;
        RnnBase.Builder<? extends RnnBase> b;
        switch (m.get("cell")) {
            case "keras_simple_rnn": w = KerasImport.simpleRnn(k, r, bias); b = SimpleRnn.builder(in, hidden); break;
            case "keras_lstm": w = KerasImport.lstm(k, r, bias); b = Lstm.builder(in, hidden); break;
            default: {
                KerasImport.GruWeights g = KerasImport.gru(k, r, bias);
                w = g.weights();
                b = Gru.builder(in, hidden).variant(g.variant());
            }
        }
        for (RnnBase.Path p : RnnBase.Path.values()) {
            RnnBase layer = b.dtype(F64).path(p).build();
            layer.loadStateDict(w.toStateDict(0, false));
            Inputs x = new Inputs(t);
            RnnOutput o = layer.forwardFrom(x.x, x.state(), x.lengths);
            check(file + " " + p, t, o.output(), o.hN(), o.cN(), x, Map.of());   // gradients: of x and states only
        }
    }

    private static Tensor stack(Tensor s) {
        return s.reshape(1, s.dim(0), s.dim(1));                      // [B, H] -> [1, B, H], as h_n
    }

    private static void check(String what, Map<String, NdArray> t, Tensor output, Tensor hN, Tensor cN, Inputs x,
                              Map<String, ? extends Tensor> params) {
        assertClose(t.get("output"), output.data(), FORWARD_TOL, what + ": output");
        assertClose(t.get("h_n"), hN.data(), FORWARD_TOL, what + ": h_n");
        if (t.containsKey("c_n")) {
            assertClose(t.get("c_n"), cN.data(), FORWARD_TOL, what + ": c_n");
        }
        for (Tensor p : params.values()) p.zeroGrad();
        Tensor loss = output.mul(Tensor.constant(t.get("gout"))).sum().add(hN.mul(Tensor.constant(t.get("ghn"))).sum());
        if (t.containsKey("gcn")) {
            loss = loss.add(cN.mul(Tensor.constant(t.get("gcn"))).sum());
        }
        loss.backward();
        List<String> compared = new ArrayList<>();
        assertClose(t.get("grad.x"), x.x.grad(), GRAD_TOL, what + ": grad.x");
        compared.add("x");
        if (t.containsKey("grad.h0")) {
            assertClose(t.get("grad.h0"), x.h0.grad(), GRAD_TOL, what + ": grad.h0");
            compared.add("h0");
        }
        if (t.containsKey("grad.c0")) {
            assertClose(t.get("grad.c0"), x.c0.grad(), GRAD_TOL, what + ": grad.c0");
            compared.add("c0");
        }
        params.forEach((n, p) -> {
            assertTrue(t.containsKey("grad." + n), what + ": the fixture has no grad." + n);
            assertClose(t.get("grad." + n), p.grad(), GRAD_TOL, what + ": grad." + n);
            compared.add(n);
        });
        assertEquals(compared.size(), compared.stream().distinct().count());
    }

    /** The inputs of a fixture as fresh float64 leaves. */
    private static final class Inputs {
        final Tensor x;
        final Tensor h0;
        final Tensor c0;
        final int[] lengths;

        Inputs(Map<String, NdArray> t) {
            x = Tensor.variable(t.get("x").copy());
            h0 = t.containsKey("h0") ? Tensor.variable(t.get("h0").copy()) : null;
            c0 = t.containsKey("c0") ? Tensor.variable(t.get("c0").copy()) : null;
            if (t.containsKey("lengths")) {
                double[] l = t.get("lengths").toDoubleArray();
                lengths = new int[l.length];
                for (int i = 0; i < l.length; i++) lengths[i] = (int) l[i];
            } else {
                lengths = null;
            }
        }

        RnnState state() {
            return h0 == null ? null : c0 == null ? new HiddenState(h0) : new LstmState(h0, c0);
        }
    }
}
