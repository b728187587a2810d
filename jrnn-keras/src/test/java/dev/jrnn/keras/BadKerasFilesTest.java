package dev.jrnn.keras;

import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Damaged, foreign and unsupported Keras files: each gives one clear line, never a stack trace or a wrong model. */
class BadKerasFilesTest {
    @TempDir
    Path dir;

    private static KerasException fails(Path file) {
        KerasException e = assertThrows(KerasException.class, () -> KerasModel.load(file));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        return e;
    }

    private static void contains(Exception e, String... parts) {
        for (String p : parts) assertTrue(e.getMessage().contains(p), "expected '" + p + "' in: " + e.getMessage());
    }

    @Test
    void emptyAndGarbageFiles() throws Exception {
        Path empty = Files.write(dir.resolve("empty.h5"), new byte[0]);
        contains(fails(empty), "not a Keras model file", "(empty file)");
        Path text = Files.writeString(dir.resolve("model.keras"), "hello, this is not a model");
        contains(fails(text), "not a Keras model file", ".keras zip", "HDF5");
    }

    @ParameterizedTest
    @ValueSource(ints = {16, 100, 1000, 5000, 20000})
    void truncatedH5(int keep) throws Exception {
        byte[] all = Files.readAllBytes(TestData.keras("dl4j/simple_rnn_tf_keras_2_model.h5"));
        Path cut = Files.write(dir.resolve("cut.h5"), Arrays.copyOf(all, keep));
        contains(fails(cut), "cut.h5");
    }

    @ParameterizedTest
    @ValueSource(ints = {10, 200, 1500, 4000})
    void truncatedKeras(int keep) throws Exception {
        byte[] all = Files.readAllBytes(TestData.keras("keras3/model.keras"));
        Path cut = Files.write(dir.resolve("cut.keras"), Arrays.copyOf(all, Math.min(keep, all.length - 1)));
        contains(fails(cut), "cut.keras");
    }

    @Test
    void kerasZipWithoutWeightsOrWithGarbageWeights() throws Exception {
        String config = "{\"class_name\": \"Sequential\", \"config\": {\"layers\": []}}";
        Path noWeights = zip("noweights.keras", Map.of("config.json", config.getBytes(StandardCharsets.UTF_8)));
        contains(fails(noWeights), "has no model.weights.h5");
        Path garbage = zip("garbage.keras", Map.of("config.json", config.getBytes(StandardCharsets.UTF_8),
                "model.weights.h5", "not hdf5".getBytes(StandardCharsets.UTF_8)));
        contains(fails(garbage), "model.weights.h5 inside the zip is not HDF5");
        Path badJson = zip("badjson.keras", Map.of("config.json", "{\"class_name\": ".getBytes(StandardCharsets.UTF_8)));
        contains(fails(badJson), "config.json: not valid JSON");
    }

    private Path zip(String name, Map<String, byte[]> entries) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        return Files.write(dir.resolve(name), bytes.toByteArray());
    }

    private static KerasException buildFails(String config, Map<String, List<NdArray>> weights) {
        KerasException e = assertThrows(KerasException.class,
                () -> KerasModel.from(KerasFile.of("test.h5", config, "2.2.4", weights), DType.FLOAT32));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e;
    }

    private static String sequential(String layer) {
        return "{\"class_name\": \"Sequential\", \"config\": [" + layer + "]}";
    }

    @Test
    void unsupportedLayerNamesTheLayerItsClassAndWhatIsSupported() {
        KerasException e = buildFails(sequential("{\"class_name\": \"Conv1D\", \"config\": {\"name\": \"conv\", \"filters\": 3}}"), Map.of());
        contains(e, "test.h5", "layer 'conv' (Conv1D)", "not supported", "supported: [InputLayer, Embedding", "LSTM", "GRU");
    }

    @Test
    void unsupportedActivationNamesTheLayerAndTheSupportedOnes() {
        String lstm = "{\"class_name\": \"LSTM\", \"config\": {\"name\": \"lstm_1\", \"units\": 2, \"activation\": \"selu\"}}";
        Map<String, List<NdArray>> w = Map.of("lstm_1", List.of(NdArray.zeros(3, 8), NdArray.zeros(2, 8), NdArray.zeros(8)));
        contains(buildFails(sequential(lstm), w), "layer 'lstm_1' (LSTM)", "activation 'selu' is not supported",
                "hard_sigmoid");
    }

    @Test
    void weightsThatDoNotFitTheConfig() {
        String lstm = "{\"class_name\": \"LSTM\", \"config\": {\"name\": \"lstm_1\", \"units\": 2}}";
        contains(buildFails(sequential(lstm), Map.of("lstm_1", List.of(NdArray.zeros(3, 8), NdArray.zeros(3, 12), NdArray.zeros(8)))),
                "layer 'lstm_1' (LSTM)", "recurrent_kernel has shape [3, 12], expected [2, 8]");
        contains(buildFails(sequential(lstm), Map.of("lstm_1", List.of(NdArray.zeros(3, 8), NdArray.zeros(2, 8), NdArray.zeros(6)))),
                "layer 'lstm_1' (LSTM)", "bias has shape [6]");
        contains(buildFails(sequential(lstm), Map.of()), "layer 'lstm_1' (LSTM)", "has 0 weight arrays", "no weights for this layer");
        String gru = "{\"class_name\": \"GRU\", \"config\": {\"name\": \"g\", \"units\": 2, \"reset_after\": true}}";
        contains(buildFails(sequential(gru), Map.of("g", List.of(NdArray.zeros(3, 6), NdArray.zeros(2, 6), NdArray.zeros(6)))),
                "layer 'g' (GRU)", "expected [2, 3H]", "reset_after=False");
        String dense = "{\"class_name\": \"Dense\", \"config\": {\"name\": \"d\", \"units\": 2}}";
        contains(buildFails(sequential(dense), Map.of("d", List.of(NdArray.zeros(3, 4), NdArray.zeros(2)))),
                "layer 'd' (Dense)", "kernel", "expected [input, 2]");
    }

    @Test
    void statefulAndSharedLayersAreRefused() {
        String lstm = "{\"class_name\": \"LSTM\", \"config\": {\"name\": \"l\", \"units\": 2, \"stateful\": true}}";
        contains(buildFails(sequential(lstm), Map.of("l", List.of(NdArray.zeros(3, 8), NdArray.zeros(2, 8), NdArray.zeros(8)))),
                "layer 'l' (LSTM)", "stateful=True is not supported");
        contains(buildFails("{\"class_name\": \"Subclassed\", \"config\": {}}", Map.of()), "model class 'Subclassed' is not supported");
    }

    @Test
    void weightsForALayerTheConfigLacks() {
        String dense = "{\"class_name\": \"Dense\", \"config\": {\"name\": \"d\", \"units\": 1, \"use_bias\": false}}";
        contains(buildFails(sequential(dense), Map.of("d", List.of(NdArray.zeros(2, 1)), "other", List.of(NdArray.zeros(2)))),
                "weights for layer 'other'", "does not use");
    }
}
