package dev.jrnn.keras;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.series.SequenceRegressor;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Keras models saved as jrnn's sequence regressor: the stock layers give Keras's numbers. */
class KerasRegressorTest {
    @Test
    void simpleRnnFileReproducesItsKerasPredictions() throws Exception {
        KerasFile f = KerasFile.read(TestData.keras("dl4j/simple_rnn_tf_keras_2_model.h5"));
        SequenceRegressor r = KerasRegressor.convert(f);
        var ref = TestData.keras("dl4j/simple_rnn_tf_keras_2_inputs_and_outputs.h5");
        r.eval();
        NdArray y = r.forward(Tensor.constant(TestData.dataset(ref, "inputs/simple_rnn_1_input")), null).data();
        TestData.assertClose(TestData.dataset(ref, "predictions/dense_1"), y, 1e-5, "regressor predictions");
    }

    /** Stacked, bidirectional and GRU variants built in memory: the regressor equals the Keras-exact model. */
    @ParameterizedTest(name = "{0} layers={1} bidirectional={2} reset_after={3}")
    @CsvSource({"LSTM, 2, false, false", "GRU, 1, true, false", "GRU, 2, false, true", "SimpleRNN, 2, true, false"})
    void stockLayersMatchKerasCells(String cls, int layers, boolean bi, boolean resetAfter) throws Exception {
        int in = 3, units = 5, out = 2, gates = cls.equals("LSTM") ? 4 : cls.equals("GRU") ? 3 : 1;
        Rng rng = new Rng(5);
        StringBuilder cfg = new StringBuilder("{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\":"
                + " \"InputLayer\", \"config\": {\"name\": \"x\", \"batch_shape\": [null, 6, " + in + "]}}");
        Map<String, List<NdArray>> w = new LinkedHashMap<>();
        for (int k = 0; k < layers; k++) {
            String layer = "{\"class_name\": \"" + cls + "\", \"config\": {\"name\": \"r" + k + "\", \"units\": " + units
                    + ", \"recurrent_activation\": \"sigmoid\", \"return_sequences\": " + (k < layers - 1)
                    + ", \"reset_after\": " + resetAfter + "}}";
            if (bi) layer = "{\"class_name\": \"Bidirectional\", \"config\": {\"name\": \"r" + k + "\", \"merge_mode\": \"concat\", \"layer\": " + layer + "}}";
            cfg.append(", ").append(layer);
            List<NdArray> ws = new ArrayList<>();
            int inK = k == 0 ? in : units * (bi ? 2 : 1);
            for (int d = 0; d < (bi ? 2 : 1); d++) {
                ws.add(NdArray.rand(rng, DType.FLOAT32, -0.6, 0.6, inK, gates * units));
                ws.add(NdArray.rand(rng, DType.FLOAT32, -0.6, 0.6, units, gates * units));
                ws.add(NdArray.rand(rng, DType.FLOAT32, -0.3, 0.3, resetAfter ? new int[] {2, gates * units} : new int[] {gates * units}));
            }
            w.put("r" + k, ws);
        }
        cfg.append(", {\"class_name\": \"Dropout\", \"config\": {\"name\": \"drop\", \"rate\": 0.25}}");
        cfg.append(", {\"class_name\": \"Dense\", \"config\": {\"name\": \"d\", \"units\": ").append(out).append("}}]}}");
        w.put("d", List.of(NdArray.rand(rng, DType.FLOAT32, -1, 1, units * (bi ? 2 : 1), out), NdArray.rand(rng, DType.FLOAT32, -1, 1, out)));
        KerasFile f = KerasFile.of("mem", cfg.toString(), "2.2.4", w);
        KerasModel keras = KerasModel.from(f, DType.FLOAT32);
        SequenceRegressor r = KerasRegressor.convert(f);
        r.eval();
        NdArray x = NdArray.rand(rng, DType.FLOAT32, -1, 1, 4, 6, in);
        TestData.assertClose(keras.predict(x).get(0), r.forward(Tensor.constant(x), null).data(), 1e-5, "regressor vs KerasModel");
        assertTrue(r.config().dropout() == 0.25);
    }

    @Test
    void modelsWithoutASavedKindSayWhy() throws Exception {
        KerasException hard = assertThrows(KerasException.class,
                () -> KerasRegressor.convert(KerasFile.read(TestData.keras("dl4j/simple_lstm_tf_keras_1_model.h5"))));
        assertTrue(hard.getMessage().contains("layer 'lstm_1' (LSTM)") && hard.getMessage().contains("hard_sigmoid"), hard.getMessage());
        KerasException sigmoidOut = assertThrows(KerasException.class,
                () -> KerasRegressor.convert(KerasFile.read(TestData.keras("trafficflow/gru.h5"))));
        assertTrue(sigmoidOut.getMessage().contains("layer 'dense_1' (Dense)") && sigmoidOut.getMessage().contains("linear"),
                sigmoidOut.getMessage());
        KerasException functional = assertThrows(KerasException.class,
                () -> KerasRegressor.convert(KerasFile.read(TestData.keras("forward/gru.h5"))));
        assertTrue(functional.getMessage().contains("a functional model (class Model) does not map"), functional.getMessage());
        KerasException masking = assertThrows(KerasException.class,
                () -> KerasRegressor.convert(KerasFile.read(TestData.keras("keras3/model.keras"))));
        assertTrue(masking.getMessage().contains("layer 'masking' (Masking)"), masking.getMessage());
        assertFalse(masking.getMessage().contains("\n"));
    }
}
