package dev.jrnn.keras;

import dev.jrnn.io.Json;
import dev.jrnn.tensor.NdArray;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The Keras files without stored activations against {@code tools/keras_reference.py}: a NumPy forward pass written
 * from the Keras equations on the same weights, for a seeded input (masked models get padded sequences). The
 * fixtures are in {@code src/test/resources/keras-reference/}.
 */
class KerasNumpyReferenceTest {
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"dl4j/bidirectional_lstm_tensorflow_1.h5", "dl4j/bidirectional_lstm_tensorflow_2.h5",
            "dl4j/embedding_lstm_tensorflow_2.h5", "dl4j/masking_zero_lstm.h5", "dl4j/lstm_functional_tf_keras_2.h5",
            "dl4j/rnn_29.h5", "forward/gru.h5", "forward/bidirectional_gru.h5", "trafficflow/gru.h5", "keras3/model.keras"})
    void matchesTheNumpyReference(String file) throws Exception {
        Map<String, Object> ref = fixture(file.replace("/", "__").replaceAll("\\.[a-z0-9]+$", "") + ".json");
        KerasModel m = KerasModel.load(TestData.keras(file));
        List<NdArray> y = m.predict(array(first(ref.get("inputs"))));
        List<?> outs = (List<?>) ref.get("outputs");
        assertEquals(outs.size(), y.size(), file + ": number of outputs");
        assertEquals(m.outputNames().size(), outs.size());
        for (int i = 0; i < outs.size(); i++) {
            Map<?, ?> o = (Map<?, ?>) outs.get(i);
            assertEquals(o.get("layer"), m.outputNames().get(i));
            double err = TestData.assertClose(array(o), y.get(i), 2e-6, file + " output " + o.get("layer"));
            System.out.printf("%s %s: max |error| %.3g%n", file, o.get("layer"), err);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> fixture(String name) throws Exception {
        try (InputStream in = KerasNumpyReferenceTest.class.getResourceAsStream("/keras-reference/" + name)) {
            assertNotNull(in, "fixture " + name + " (run tools/keras_reference.py)");
            return (Map<String, Object>) Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private static Map<?, ?> first(Object list) {
        return (Map<?, ?>) ((List<?>) list).get(0);
    }

    private static NdArray array(Map<?, ?> m) {
        List<?> shape = (List<?>) m.get("shape"), data = (List<?>) m.get("data");
        int[] s = new int[shape.size()];
        for (int i = 0; i < s.length; i++) s[i] = ((BigInteger) shape.get(i)).intValueExact();
        double[] d = new double[data.size()];
        for (int i = 0; i < d.length; i++) d[i] = ((Number) data.get(i)).doubleValue();
        return NdArray.of(d, s);
    }
}
