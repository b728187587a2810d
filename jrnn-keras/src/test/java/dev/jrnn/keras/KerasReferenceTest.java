package dev.jrnn.keras;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.NdArray;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The four DL4J models that come with Keras-computed activations ({@code *_inputs_and_outputs.h5}): jrnn's import
 * reproduces the recurrent layer's activations and the model's predictions (not {@code outputs/}, which holds the
 * training targets). All four use {@code hard_sigmoid}; one is Keras 1 with per-gate weights.
 */
class KerasReferenceTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "simple_lstm_tf_keras_1, lstm_input_1, lstm_1",
            "simple_rnn_tf_keras_2, simple_rnn_1_input, simple_rnn_1",
            "simple_flatten_rnn_tf_keras_2, simple_rnn_1_input, simple_rnn_1",
            "simple_flatten_lstm_tf_keras_2, lstm_1_input, lstm_1"})
    void reproducesKerasActivationsAndPredictions(String name, String input, String rnn) throws Exception {
        Path model = TestData.keras("dl4j/" + name + "_model.h5");
        Path ref = TestData.keras("dl4j/" + name + "_inputs_and_outputs.h5");
        KerasModel m = KerasModel.load(model);
        NdArray x = TestData.dataset(ref, "inputs/" + input);
        m.eval();
        Map<String, Tensor> acts = m.layerOutputs(Tensor.constant(x));
        double e1 = TestData.assertClose(TestData.dataset(ref, "activations/" + rnn), acts.get(rnn).data(), 1e-5, name + " " + rnn);
        List<NdArray> y = m.predict(x);
        assertEquals(1, y.size());
        double e2 = TestData.assertClose(TestData.dataset(ref, "predictions/dense_1"), y.get(0), 2e-5, name + " predictions");
        System.out.printf("%s: max |error| %s %.3g, predictions %.3g%n", name, rnn, e1, e2);
    }
}
