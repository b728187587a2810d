package dev.jrnn.keras;

import dev.jrnn.autograd.GradCheck;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Building Keras models from configurations: hand-computed values, weights-only files, gradients, refusals. */
class KerasModelTest {
    private static final DType F64 = DType.FLOAT64;

    /**
     * {@code dl4j/embedding_lstm_calculator.json} (config only: Embedding with {@code mask_zero=true}, an LSTM with
     * linear activations, Dense relu without bias) with hand-picked weights, against the equations done by hand.
     */
    @Test
    void calculatorConfigWithMaskZeroMatchesHandComputation() throws Exception {
        String config = Files.readString(TestData.keras("dl4j/embedding_lstm_calculator.json"));
        double[] emb = new double[10];
        for (int i = 0; i < 10; i++) emb[i] = 0.1 * i;
        double[] k = {0.5, -0.3, 0.8, 0.2}, r = {0.1, 0.4, -0.2, 0.3}, b = {0.05, 0.6, -0.1, 0.2};
        double dense = 1.5;
        Map<String, List<NdArray>> w = new LinkedHashMap<>();
        w.put("embedding_1", List.of(NdArray.of(emb, 10, 1)));
        w.put("lstm_1", List.of(NdArray.of(k, 1, 4), NdArray.of(r, 1, 4), NdArray.of(b, 4)));
        w.put("dense_1", List.of(NdArray.of(new double[] {dense}, 1, 1)));
        KerasModel m = KerasModel.from(KerasFile.of("calculator", config, "2.1.2", w), F64);
        int[][] ids = {{3, 5, 0}, {7, 0, 0}, {2, 9, 4}};
        double[] flat = new double[9];
        for (int i = 0; i < 9; i++) flat[i] = ids[i / 3][i % 3];
        NdArray y = m.predict(NdArray.of(flat, 3, 3)).get(0);                  // [3, 3, 1]
        for (int s = 0; s < 3; s++) {
            double h = 0, c = 0;
            for (int t = 0; t < 3; t++) {
                double expected = 0;                                              // masked steps output zero
                if (ids[s][t] != 0) {
                    double x = emb[ids[s][t]];
                    double[] z = new double[4];
                    for (int g = 0; g < 4; g++) z[g] = x * k[g] + h * r[g] + b[g]; // linear gates i, f, c, o
                    c = z[1] * c + z[0] * z[2];
                    h = z[3] * c;
                    expected = Math.max(0, h * dense);
                }
                assertEquals(expected, y.get(s, t, 0), 1e-12, "sequence " + s + " step " + t);
            }
        }
    }

    @Test
    void weightsOnlyFileWithSeparateArchitectureGivesTheSameModel() throws Exception {
        Path file = TestData.keras("dl4j/lstm_functional_tf_keras_2.h5");
        KerasFile full = KerasFile.read(file);
        String config = toJson(file);
        KerasModel a = KerasModel.from(full, DType.FLOAT32);
        KerasModel b = KerasModel.from(KerasFile.withConfig(config, file), DType.FLOAT32);
        NdArray x = NdArray.rand(new Rng(3), DType.FLOAT32, -1, 1, 2, 10, 4);
        assertEquals(0, a.predict(x).get(0).maxAbsDiff(b.predict(x).get(0)));
        assertEquals(List.of("inputLayer_1"), a.inputNames());
        assertEquals(List.of("outputLayer_a"), a.outputNames());
    }

    /** The model_config attribute as text, read the way a user would get it from {@code model.to_json()}. */
    private static String toJson(Path h5) {
        try (io.jhdf.HdfFile h = new io.jhdf.HdfFile(h5)) {
            return (String) h.getAttribute("model_config").getData();
        }
    }

    /** Float64 gradient checks of every Keras cell, with respect to the weights and the input. */
    @ParameterizedTest(name = "{0} {1} {2} use_bias={3} {4}")
    @CsvSource({
            "SimpleRNN, tanh, tanh, true, , false",
            "SimpleRNN, relu, tanh, false, , true",
            "LSTM, tanh, hard_sigmoid, true, , false",
            "LSTM, tanh, sigmoid, false, , true",
            "GRU, tanh, sigmoid, true, true, false",
            "GRU, tanh, hard_sigmoid, true, false, true",
            "GRU, tanh, sigmoid, false, false, false",
            "LSTM, tanh, sigmoid, true, bi_ave, false",
            "GRU, tanh, hard_sigmoid, true, bi_concat, true"})
    void gradientsMatchCentralDifferences(String cls, String act, String rec, boolean useBias, String extra, boolean keras3)
            throws Exception {
        int in = 3, units = 4, time = 4, batch = 2;
        boolean bi = extra != null && extra.startsWith("bi_");
        boolean resetAfter = "true".equals(extra);
        String layer = "{\"class_name\": \"" + cls + "\", \"config\": {\"name\": \"rnn\", \"units\": " + units
                + ", \"activation\": \"" + act + "\", \"recurrent_activation\": \"" + rec + "\", \"use_bias\": " + useBias
                + ", \"return_sequences\": true, \"reset_after\": " + resetAfter + "}}";
        if (bi) {
            layer = "{\"class_name\": \"Bidirectional\", \"config\": {\"name\": \"rnn\", \"merge_mode\": \""
                    + extra.substring(3) + "\", \"layer\": " + layer + "}}";
        }
        String config = "{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\": \"InputLayer\", "
                + "\"config\": {\"name\": \"x\", \"batch_shape\": [null, " + time + ", " + in + "]}}, " + layer + "]}}";
        int gates = cls.equals("LSTM") ? 4 : cls.equals("GRU") ? 3 : 1;
        Rng rng = new Rng(17);
        List<NdArray> w = new ArrayList<>();
        for (int d = 0; d < (bi ? 2 : 1); d++) {
            w.add(NdArray.rand(rng, F64, -0.5, 0.5, in, gates * units));
            w.add(NdArray.rand(rng, F64, -0.5, 0.5, units, gates * units));
            if (useBias) w.add(NdArray.rand(rng, F64, -0.3, 0.3, resetAfter ? new int[] {2, gates * units} : new int[] {gates * units}));
        }
        KerasModel m = KerasModel.from(KerasFile.of("gradcheck", config, keras3 ? "3.8.0" : "2.2.4", Map.of("rnn", w)), F64);
        Tensor x = Tensor.variable(NdArray.rand(rng, F64, -1, 1, batch, time, in));
        List<Tensor> wrt = new ArrayList<>(m.parameters());
        wrt.add(x);
        NdArray probe = NdArray.rand(rng, F64, -1, 1, m.forward(x).get(0).shape());
        GradCheck.Report r = GradCheck.assertMatches(() -> m.forward(x).get(0).mul(Tensor.constant(probe)).sum(), wrt);
        assertTrue(r.checked() > 50, r.toString());
        for (Parameter p : m.parameters()) assertEquals(F64, p.dtype());
    }
}
