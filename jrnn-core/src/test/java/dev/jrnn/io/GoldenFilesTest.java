package dev.jrnn.io;

import dev.jrnn.nn.rnn.GruVariant;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reads every golden fixture ({@code src/test/resources/golden}, written by numpy, see
 * {@code tools/golden/README.md}) with {@link Safetensors} and checks it against {@code index.json}; then uses
 * the Keras fixtures to check {@link KerasImport} end to end (converted weights reproduce the stored outputs).
 * Skipped while the fixtures do not exist.
 */
class GoldenFilesTest {
    static Path golden;
    static List<Map<String, Object>> cases;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void loadIndex() throws IOException, URISyntaxException, Json.JsonException {
        URL url = GoldenFilesTest.class.getResource("/golden/index.json");
        Assumptions.assumeTrue(url != null, "no golden fixtures (golden/index.json) on the test classpath yet");
        Path index = Path.of(url.toURI());
        golden = index.getParent();
        Map<String, Object> root = (Map<String, Object>) Json.parse(Files.readString(index, StandardCharsets.UTF_8));
        cases = (List<Map<String, Object>>) root.get("cases");
        assertFalse(cases.isEmpty(), "index.json lists no cases");
    }

    @SuppressWarnings("unchecked")
    static Map<String, String> metadata(Map<String, Object> c) {
        return (Map<String, String>) (Map<?, ?>) c.get("metadata");
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyFileMatchesTheIndex() throws IOException, NoSuchAlgorithmException {
        Set<String> listed = new TreeSet<>();
        for (Map<String, Object> c : cases) {
            String file = (String) c.get("file");
            listed.add(file);
            Path p = golden.resolve(file);
            assertTrue(Files.isRegularFile(p), file + " is listed in index.json but missing");
            byte[] bytes = Files.readAllBytes(p);
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
            assertEquals(c.get("sha256"), sha, file + ": sha256");

            Safetensors.File f = Safetensors.readWithMetadata(p);
            Map<String, Object> shapes = (Map<String, Object>) c.get("tensors");
            assertEquals(new TreeSet<>(shapes.keySet()), new TreeSet<>(f.tensors().keySet()), file + ": tensor names");
            shapes.forEach((name, shape) -> {
                List<BigInteger> dims = (List<BigInteger>) shape;
                int[] expected = dims.stream().mapToInt(BigInteger::intValueExact).toArray();
                NdArray a = f.tensors().get(name);
                assertArrayEquals(expected, a.shape(), file + ": shape of " + name);
                assertEquals(DType.FLOAT64, a.dtype(), file + ": dtype of " + name);
                assertTrue(a.allFinite(), file + ": " + name + " is finite");
            });
            assertEquals(metadata(c), f.metadata(), file + ": metadata");
            Safetensors.Header h = Safetensors.readHeader(p);
            assertEquals(0, h.headerLength() % 8, file + ": header padded to 8");
            assertTrue(h.tensors().stream().allMatch(t -> t.dtype() == Safetensors.DataType.F64), file + ": all F64");
        }
        try (Stream<Path> s = Files.list(golden)) {
            Set<String> present = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".safetensors"))
                    .collect(Collectors.toCollection(TreeSet::new));
            assertEquals(present, listed, "every fixture file is listed in index.json");
        }
    }

    @Test
    void torchLayoutNamesMatchTheirConfiguration() throws IOException {
        int checked = 0;
        for (Map<String, Object> c : cases) {
            Map<String, String> m = metadata(c);
            if (!"torch".equals(m.get("layout"))) continue;
            if (m.get("cell").startsWith("min_")) continue;     // minGRU/minLSTM: no weight_hh, not a torch.nn layer to infer
            if (m.get("cell").equals("ttt_linear")) continue;   // TTT-Linear: no weight_hh either (GoldenRecurrentTest)
            Map<String, NdArray> all = Safetensors.read(golden.resolve((String) c.get("file")));
            Map<String, NdArray> weights = new LinkedHashMap<>();
            all.forEach((n, a) -> {
                if (TorchNames.parse(n).isPresent()) weights.put(n, a);
            });
            TorchNames.RecurrentSpec spec = TorchNames.infer(weights, Integer.parseInt(m.get("gates")));
            String file = (String) c.get("file");
            assertEquals(Integer.parseInt(m.get("input_size")), spec.inputSize(), file);
            assertEquals(Integer.parseInt(m.get("hidden_size")), spec.hiddenSize(), file);
            assertEquals(Integer.parseInt(m.get("num_layers")), spec.numLayers(), file);
            assertEquals(Boolean.parseBoolean(m.get("bidirectional")), spec.bidirectional(), file);
            assertEquals(Boolean.parseBoolean(m.get("bias")), spec.bias(), file);
            checked++;
        }
        assertTrue(checked > 0, "no torch-layout fixture");
    }

    // ------------------------------------------------------------------ Keras fixtures through KerasImport

    @Test
    void kerasFixturesReproduceTheirOutputsAfterConversion() throws IOException {
        int checked = 0;
        for (Map<String, Object> c : cases) {
            Map<String, String> m = metadata(c);
            String cell = m.get("cell");
            if (!"keras".equals(m.get("layout"))) continue;
            String file = (String) c.get("file");
            Assumptions.assumeFalse(Boolean.parseBoolean(m.get("has_lengths")), file + ": lengths not handled here");
            Map<String, NdArray> t = Safetensors.read(golden.resolve(file));
            NdArray k = t.get("keras.kernel"), r = t.get("keras.recurrent_kernel"), b = t.get("keras.bias");
            Cell step;
            KerasImport.TorchWeights w;
            switch (cell) {
                case "keras_simple_rnn":
                    w = KerasImport.simpleRnn(k, r, b);
                    step = GoldenFilesTest::rnnTanh;
                    break;
                case "keras_lstm":
                    w = KerasImport.lstm(k, r, b);
                    step = GoldenFilesTest::lstm;
                    break;
                case "keras_gru": {
                    KerasImport.GruWeights g = KerasImport.gru(k, r, b);
                    assertEquals(Boolean.parseBoolean(m.get("reset_after")),
                            g.variant() == GruVariant.RESET_AFTER, file + ": variant");
                    w = g.weights();
                    step = g.variant() == GruVariant.RESET_AFTER ? GoldenFilesTest::gruResetAfter
                            : GoldenFilesTest::gruResetBefore;
                    break;
                }
                default:
                    throw new AssertionError(file + ": unknown Keras cell " + cell);
            }
            run(file, t, w, step);
            checked++;
        }
        assertTrue(checked > 0, "no Keras fixture");
    }

    /** One time step in PyTorch layout: updates h (and c) in place. */
    interface Cell {
        void step(KerasImport.TorchWeights w, double[] x, double[] h, double[] c);
    }

    static void run(String file, Map<String, NdArray> t, KerasImport.TorchWeights w, Cell cell) {
        NdArray x = t.get("x"), out = t.get("output"), hn = t.get("h_n"), cn = t.get("c_n");
        NdArray h0 = t.get("h0"), c0 = t.get("c0");
        int batch = x.dim(0), time = x.dim(1), in = x.dim(2), hid = w.hiddenSize();
        double maxDiff = 0;
        for (int bi = 0; bi < batch; bi++) {
            double[] h = new double[hid], c = new double[hid];
            for (int j = 0; j < hid; j++) {
                if (h0 != null) h[j] = h0.get(0, bi, j);
                if (c0 != null) c[j] = c0.get(0, bi, j);
            }
            for (int ti = 0; ti < time; ti++) {
                double[] xt = new double[in];
                for (int i = 0; i < in; i++) xt[i] = x.get(bi, ti, i);
                cell.step(w, xt, h, c);
                for (int j = 0; j < hid; j++) maxDiff = Math.max(maxDiff, Math.abs(h[j] - out.get(bi, ti, j)));
            }
            for (int j = 0; j < hid; j++) {
                maxDiff = Math.max(maxDiff, Math.abs(h[j] - hn.get(0, bi, j)));
                if (cn != null) maxDiff = Math.max(maxDiff, Math.abs(c[j] - cn.get(0, bi, j)));
            }
        }
        assertTrue(maxDiff < 1e-12, file + ": converted weights reproduce output/h_n/c_n, max |diff| = " + maxDiff);
    }

    static double[] affine(NdArray wm, double[] v, NdArray b) {
        double[] y = new double[wm.dim(0)];
        for (int j = 0; j < y.length; j++) {
            double s = b.get(j);
            for (int i = 0; i < v.length; i++) s += wm.get(j, i) * v[i];
            y[j] = s;
        }
        return y;
    }

    static double sig(double v) {
        return 1 / (1 + Math.exp(-v));
    }

    static void rnnTanh(KerasImport.TorchWeights w, double[] x, double[] h, double[] c) {
        double[] gi = affine(w.weightIh(), x, w.biasIh()), gh = affine(w.weightHh(), h, w.biasHh());
        for (int j = 0; j < h.length; j++) h[j] = Math.tanh(gi[j] + gh[j]);
    }

    static void lstm(KerasImport.TorchWeights w, double[] x, double[] h, double[] c) {
        int n = h.length;
        double[] gi = affine(w.weightIh(), x, w.biasIh()), gh = affine(w.weightHh(), h, w.biasHh());
        for (int j = 0; j < n; j++) {
            double i = sig(gi[j] + gh[j]), f = sig(gi[n + j] + gh[n + j]);
            double g = Math.tanh(gi[2 * n + j] + gh[2 * n + j]), o = sig(gi[3 * n + j] + gh[3 * n + j]);
            c[j] = f * c[j] + i * g;
            h[j] = o * Math.tanh(c[j]);
        }
    }

    static void gruResetAfter(KerasImport.TorchWeights w, double[] x, double[] h, double[] c) {
        int n = h.length;
        double[] gi = affine(w.weightIh(), x, w.biasIh()), gh = affine(w.weightHh(), h, w.biasHh());
        for (int j = 0; j < n; j++) {
            double r = sig(gi[j] + gh[j]), z = sig(gi[n + j] + gh[n + j]);
            double nn = Math.tanh(gi[2 * n + j] + r * gh[2 * n + j]);
            h[j] = (1 - z) * nn + z * h[j];
        }
    }

    static void gruResetBefore(KerasImport.TorchWeights w, double[] x, double[] h, double[] c) {
        int n = h.length;
        double[] gi = affine(w.weightIh(), x, w.biasIh()), gh = affine(w.weightHh(), h, w.biasHh());
        double[] rh = new double[n];
        for (int j = 0; j < n; j++) rh[j] = sig(gi[j] + gh[j]) * h[j];
        double[] ghr = affine(w.weightHh(), rh, w.biasHh()); // only the n block is used
        double[] next = new double[n];
        for (int j = 0; j < n; j++) {
            double z = sig(gi[n + j] + gh[n + j]);
            double nn = Math.tanh(gi[2 * n + j] + ghr[2 * n + j]);
            next[j] = (1 - z) * nn + z * h[j];
        }
        System.arraycopy(next, 0, h, 0, n);
    }
}
