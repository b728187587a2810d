package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.io.Safetensors;
import dev.jrnn.nn.Activation;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The float32 side of PyTorch interop: each stock golden case's weights are written as an F32 safetensors
 * file with PyTorch's state_dict names (as {@code safetensors.torch.save_file(model.state_dict())} would),
 * loaded into a float32 layer that takes sequence-first input ({@code batchFirst(false)}, torch's default),
 * run on the fast path, and compared with the float64 reference to 1e-4 relative; then the layer's own
 * state dict is saved and loaded back bit for bit.
 */
class GoldenFloat32RoundTripTest {
    private static final double TOL = 1e-4;

    static Stream<String> stockFixtures() throws IOException, URISyntaxException {
        URL url = GoldenFloat32RoundTripTest.class.getResource("/golden/index.json");
        if (url == null) {
            return Stream.of("(none)");
        }
        try (Stream<Path> files = Files.list(Path.of(url.toURI()).getParent())) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".safetensors") && n.matches("(rnn_tanh|rnn_relu|lstm|gru)_.*"))
                    .sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stockFixtures")
    void float32SequenceFirstLayerLoadedFromTorchNamedFileMatchesTheReference(String file, @TempDir Path dir)
            throws IOException, URISyntaxException {
        URL url = getClass().getResource("/golden/" + file);
        Assumptions.assumeTrue(url != null, "no golden fixtures on the test classpath");
        Safetensors.File f = Safetensors.readWithMetadata(Path.of(url.toURI()));
        Map<String, NdArray> t = f.tensors();
        Map<String, String> m = f.metadata();
        int in = Integer.parseInt(m.get("input_size")), hidden = Integer.parseInt(m.get("hidden_size"));
        RnnBase.Builder<? extends RnnBase> b;
        switch (m.get("cell")) {
            case "lstm": b = Lstm.builder(in, hidden); break;
            case "gru": b = Gru.builder(in, hidden); break;
            case "rnn_relu": b = SimpleRnn.builder(in, hidden).nonlinearity(Activation.Kind.RELU); break;
            default: b = SimpleRnn.builder(in, hidden);
        }
        RnnBase layer = b.numLayers(Integer.parseInt(m.get("num_layers")))
                .bidirectional(Boolean.parseBoolean(m.get("bidirectional")))
                .bias(Boolean.parseBoolean(m.get("bias"))).batchFirst(false).dtype(DType.FLOAT32).build();

        // A float32 state_dict file as PyTorch would save it, then loaded by name.
        Map<String, NdArray> torchState = new LinkedHashMap<>();
        for (String n : layer.namedParameters().keySet()) torchState.put(n, t.get(n).to(DType.FLOAT32));
        Path weights = dir.resolve("torch_state.safetensors");
        Safetensors.write(weights, torchState);
        layer.loadStateDict(Safetensors.read(weights));

        Tensor x = Tensor.variable(t.get("x").to(DType.FLOAT32).transpose(0, 1));        // [T, B, I]
        Tensor h0 = t.containsKey("h0") ? Tensor.variable(t.get("h0").to(DType.FLOAT32)) : null;
        Tensor c0 = t.containsKey("c0") ? Tensor.variable(t.get("c0").to(DType.FLOAT32)) : null;
        int[] lengths = null;
        if (t.containsKey("lengths")) {
            double[] l = t.get("lengths").toDoubleArray();
            lengths = new int[l.length];
            for (int i = 0; i < l.length; i++) lengths[i] = (int) l[i];
        }
        RnnState s0 = h0 == null ? null : c0 == null ? new HiddenState(h0) : new LstmState(h0, c0);
        RnnOutput o = layer.forwardFrom(x, s0, lengths);
        assertArrayEquals(new int[] {t.get("x").dim(1), t.get("x").dim(0), t.get("output").dim(2)}, o.output().shape(),
                file + ": sequence-first output shape");
        close(file + " output", t.get("output"), o.output().data().transpose(0, 1));
        close(file + " h_n", t.get("h_n"), o.hN().data());
        if (t.containsKey("c_n")) close(file + " c_n", t.get("c_n"), o.cN().data());

        Tensor loss = o.output().mul(Tensor.constant(t.get("gout").to(DType.FLOAT32).transpose(0, 1))).sum()
                .add(o.hN().mul(Tensor.constant(t.get("ghn").to(DType.FLOAT32))).sum());
        if (t.containsKey("gcn")) loss = loss.add(o.cN().mul(Tensor.constant(t.get("gcn").to(DType.FLOAT32))).sum());
        loss.backward();
        close(file + " grad.x", t.get("grad.x"), x.grad().transpose(0, 1));
        if (h0 != null) close(file + " grad.h0", t.get("grad.h0"), h0.grad());
        if (c0 != null) close(file + " grad.c0", t.get("grad.c0"), c0.grad());
        layer.namedParameters().forEach((n, p) -> close(file + " grad." + n, t.get("grad." + n), p.grad()));

        // ...and back: the layer's state dict saved by jrnn reloads bit for bit under the same names.
        Path back = dir.resolve("jrnn_state.safetensors");
        Safetensors.write(back, layer.stateDict());
        Map<String, NdArray> reread = Safetensors.read(back);
        assertEquals(layer.stateDict().keySet(), reread.keySet());
        layer.stateDict().forEach((n, v) -> {
            assertEquals(DType.FLOAT32, reread.get(n).dtype(), n);
            assertArrayEquals(v.floatData(), reread.get(n).floatData(), n);
        });
    }

    /** |actual - expected| <= TOL * max(1, max|expected|), elementwise. */
    private static void close(String what, NdArray expected, NdArray actual) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        double scale = 1;
        for (int i = 0; i < expected.size(); i++) scale = Math.max(scale, Math.abs(expected.getFlat(i)));
        double diff = expected.maxAbsDiff(actual);
        assertTrue(diff <= TOL * scale, what + ": max |diff| " + diff + " > " + TOL * scale);
    }
}
