package dev.jrnn.onnx;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The ONNX project's own backend conformance cases for LSTM, GRU and RNN ({@code ../shared/data/onnx-rnn-conformance},
 * onnx v1.22.0, opset 22): every case loads and reproduces its expected outputs to 1e-5 relative.
 */
class ConformanceTest {
    @ParameterizedTest
    @ValueSource(strings = {"test_gru_batchwise", "test_gru_defaults", "test_gru_seq_length", "test_gru_with_initial_bias",
            "test_lstm_batchwise", "test_lstm_defaults", "test_lstm_with_initial_bias", "test_lstm_with_peepholes",
            "test_rnn_seq_length", "test_simple_rnn_batchwise", "test_simple_rnn_defaults", "test_simple_rnn_with_initial_bias"})
    void caseReproducesItsOutputs(String folder) throws Exception {
        Path dir = TestData.shared("onnx-rnn-conformance").resolve(folder);
        OnnxGraph g = OnnxGraph.load(dir.resolve("model.onnx"));
        assertEquals(22, g.opset());
        Path data = dir.resolve("test_data_set_0");
        Map<String, OnnxValue> feeds = new LinkedHashMap<>();
        for (int i = 0; Files.exists(data.resolve("input_" + i + ".pb")); i++) {
            Path f = data.resolve("input_" + i + ".pb");
            feeds.put(TestData.readPb(f).getName(), TestData.value(f));
        }
        Map<String, OnnxValue> out = g.run(feeds);
        List<String> names = g.outputNames();
        int checked = 0;
        for (int i = 0; Files.exists(data.resolve("output_" + i + ".pb")); i++) {
            Path f = data.resolve("output_" + i + ".pb");
            String name = TestData.readPb(f).getName();
            double err = TestData.assertClose(TestData.value(f).array(), out.get(name).array(), 1e-5, folder + " " + name);
            System.out.printf("conformance %-34s %-4s max relative error %.2e%n", folder, name, err);
            checked++;
        }
        assertEquals(names.size(), checked, "every graph output has expected data");
    }
}
