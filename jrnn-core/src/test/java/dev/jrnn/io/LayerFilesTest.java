package dev.jrnn.io;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Activation;
import dev.jrnn.nn.Dropout;
import dev.jrnn.nn.Embedding;
import dev.jrnn.nn.Layer;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.Sequential;
import dev.jrnn.nn.rnn.Gru;
import dev.jrnn.nn.rnn.Lstm;
import dev.jrnn.nn.rnn.SimpleRnn;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LayerFilesTest {
    @TempDir
    Path tmp;

    /** Token ids → LSTM → dropout → linear → tanh → (linear) : every layer kind the format describes. */
    private static Sequential textModel(DType dtype, Rng rng) {
        return new Sequential(
                Embedding.builder(20, 6).paddingIdx(0).dtype(dtype).rng(rng).build(),
                Lstm.builder(6, 8).projSize(5).dtype(dtype).rng(rng).build().asLayer(false),
                new Dropout(0.3, rng),
                new Linear(5, 4, true, dtype, rng),
                new Activation(Activation.Kind.TANH),
                new Sequential(new Linear(4, 3, false, dtype, rng)));
    }

    private static Tensor ids() {
        return Tensor.of(new float[] {1, 2, 3, 0, 4, 5, 6, 7, 19, 18, 17, 16}, 2, 6);
    }

    @Test
    void aSavedModelLoadsWithTheSameArchitectureWeightsAndOutputs() throws IOException {
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Sequential model = textModel(dtype, new Rng(7));
            model.eval();
            Path dir = tmp.resolve("m-" + dtype);
            LayerFiles.save(dir, model);

            Layer back = LayerFiles.load(dir);
            assertFalse(back.isTraining(), "loaded in evaluation mode");
            assertEquals(model.toString(), back.toString());
            assertEquals(LayerFiles.architecture(model), LayerFiles.architecture(back));
            Map<String, NdArray> a = model.stateDict(), b = back.stateDict();
            assertEquals(a.keySet(), b.keySet());
            a.forEach((name, arr) -> {
                assertEquals(dtype, b.get(name).dtype(), name);
                assertArrayEquals(arr.toDoubleArray(), b.get(name).toDoubleArray(), 0.0, name);
            });
            double[] expected = model.forward(ids()).data().toDoubleArray();
            assertEquals(2 * 3, expected.length);
            assertArrayEquals(expected, back.forward(ids()).data().toDoubleArray(), 0.0);
        }
    }

    @Test
    void recurrentOptionsAndFrozenTablesSurvive() throws IOException {
        Rng rng = new Rng(3);
        Sequential model = new Sequential(
                Embedding.fromPretrained(NdArray.rand(rng, DType.FLOAT32, -1, 1, 10, 4), true),
                Gru.builder(4, 6).numLayers(2).bidirectional(true).dropout(0.1).rng(rng).build().asLayer(true),
                SimpleRnn.builder(12, 3).nonlinearity(Activation.Kind.RELU).bias(false).rng(rng).build().asLayer(true));
        Path dir = tmp.resolve("gru");
        LayerFiles.save(dir, model);
        String json = Files.readString(dir.resolve(ModelFile.CONFIG_FILE));
        assertTrue(json.contains("\"model_type\": \"layers\""), json);
        assertTrue(json.contains("\"mode\": \"RNN_RELU\""), json);

        Layer back = LayerFiles.load(dir);
        assertEquals(LayerFiles.architecture(model), LayerFiles.architecture(back));
        Embedding table = (Embedding) ((Sequential) back).layers().get(0);
        assertTrue(table.weight().isFrozen());
        model.eval();
        Tensor x = Tensor.of(new float[] {1, 2, 3, 9, 8, 7}, 2, 3);
        assertArrayEquals(model.forward(x).data().toDoubleArray(), back.forward(x).data().toDoubleArray(), 0.0);
    }

    @Test
    void aLayerTheFormatCannotDescribeIsRefusedByName() {
        Layer own = new Layer() {
            @Override public Tensor forward(Tensor x) { return x; }
        };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LayerFiles.save(tmp.resolve("x"), new Sequential(new Linear(2, 2, new Rng(1)), own)));
        assertTrue(e.getMessage().startsWith("LayerFiles.save: model.1 is a dev.jrnn.io.LayerFilesTest$"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("x")));
    }

    @Test
    void parametersOfTwoDtypesAreRefused() {
        Rng rng = new Rng(1);
        Sequential mixed = new Sequential(new Linear(2, 2, true, DType.FLOAT32, rng), new Linear(2, 2, true, DType.FLOAT64, rng));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LayerFiles.architecture(mixed));
        assertEquals("LayerFiles.save: parameter 1.weight is float64 but the ones before it are float32; a saved model"
                + " has one dtype", e.getMessage());
    }

    /**
     * Seeded random damage to the architecture (a value replaced by another kind or an extreme number, a field
     * dropped): every load gives the model or a {@link ModelFileException}, never another exception or a huge
     * allocation.
     */
    @Test
    void randomlyDamagedArchitecturesLoadOrAreRefusedCleanly() throws IOException {
        Path dir = tmp.resolve("fz");
        LayerFiles.save(dir, textModel(DType.FLOAT32, new Rng(7)));
        Path config = dir.resolve(ModelFile.CONFIG_FILE);
        String json = Files.readString(config);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\"[a-z_]+\"): ([^,\\n\\[{]+)").matcher(
                json.substring(json.indexOf("\"architecture\""), json.indexOf("\"provenance\"")));
        List<String[]> fields = new java.util.ArrayList<>();
        int base = json.indexOf("\"architecture\"");
        while (m.find()) fields.add(new String[] {m.group(), Integer.toString(base + m.start()), m.group(1)});
        assertTrue(fields.size() > 30, "fields found: " + fields.size());
        String[] values = {"-1", "0", "1", "2147483648", "16777217", "1e308", "-0.5", "0.99", "\"LSTM\"", "\"Linear\"",
                "\"GRU_RESET_BEFORE\"", "\"FLOAT64\"", "null", "true", "false", "[]", "{}", "\"\""};
        Rng rng = new Rng(2024);
        int loaded = 0, refused = 0;
        for (int trial = 0; trial < 400; trial++) {
            String[] f = fields.get(rng.nextInt(fields.size()));
            int at = Integer.parseInt(f[1]);
            String replacement = rng.nextInt(8) == 0 ? "\"dropped\": 0" : f[2] + ": " + values[rng.nextInt(values.length)];
            Files.writeString(config, json.substring(0, at) + replacement + json.substring(at + f[0].length()));
            try {
                LayerFiles.load(dir).forward(ids());
                loaded++;
            } catch (ModelFileException e) {
                assertTrue(e.getMessage().startsWith(dir.toString()), e.getMessage());
                refused++;
            } catch (RuntimeException e) {
                if (e instanceof dev.jrnn.tensor.ShapeMismatchException) {
                    loaded++;                       // a model that loads but does not read these inputs (e.g. in = 3)
                    continue;
                }
                throw new AssertionError("'" + f[0] + "' -> '" + replacement + "' gave " + e, e);
            }
        }
        assertTrue(loaded >= 10 && refused >= 300, loaded + " loaded, " + refused + " refused");
    }

    @Test
    void aDamagedArchitectureIsReportedWithTheFileTheLayerAndTheField() throws IOException {
        Path dir = tmp.resolve("m");
        LayerFiles.save(dir, textModel(DType.FLOAT32, new Rng(7)));
        Path config = dir.resolve(ModelFile.CONFIG_FILE);
        String json = Files.readString(config);

        Files.writeString(config, json.replace("\"version\": 1", "\"version\": 2"));
        ModelFileException e = assertThrows(ModelFileException.class, () -> LayerFiles.load(dir));
        assertEquals(config + ": field 'architecture.version' is 2; this jrnn reads architecture version 1", e.getMessage());

        Files.writeString(config, json.replace("\"type\": \"Dropout\"", "\"type\": \"Conv1d\""));
        e = assertThrows(ModelFileException.class, () -> LayerFiles.load(dir));
        assertTrue(e.getMessage().contains("'architecture.layer.layers.type' is \"Conv1d\", not a layer this jrnn reads"),
                e.getMessage());

        Files.writeString(config, json.replace("\"p\": 0.3", "\"p\": 1.5"));
        e = assertThrows(ModelFileException.class, () -> LayerFiles.load(dir));
        assertEquals(config + ": layer.layers[2] (Dropout) is not valid: Dropout: p must be in [0, 1), got 1.5", e.getMessage());

        Files.writeString(config, json.replace("\"out\": 3", "\"out\": 2"));    // the inner Linear(4, 3) read as (4, 2)
        e = assertThrows(ModelFileException.class, () -> LayerFiles.load(dir));
        assertEquals(dir.resolve(ModelFile.WEIGHTS_FILE) + ": does not match config.json: 5.0.weight has shape [3, 4],"
                + " expected [2, 4]", e.getMessage());

        Files.writeString(config, json.replace("\"out\": 3", "\"out\": 3000000"));   // refused before it is allocated
        e = assertThrows(ModelFileException.class, () -> LayerFiles.load(dir));
        assertTrue(e.getMessage().startsWith(config + ": layer.layers[5].layers[0] needs at least 12000000 parameters, but "
                + "weights.safetensors has only 12 left for it"), e.getMessage());

        Files.writeString(config, json.replace("\"model_type\": \"layers\"", "\"model_type\": \"text_classifier\""));
        assertThrows(ModelFileException.class, () -> LayerFiles.load(dir));
        Files.writeString(config, json);
        assertEquals(LayerFiles.architecture(textModel(DType.FLOAT32, new Rng(7))),
                LayerFiles.architecture(LayerFiles.load(dir)));
        assertEquals(json, new String(Files.readAllBytes(config), StandardCharsets.UTF_8));
    }
}
