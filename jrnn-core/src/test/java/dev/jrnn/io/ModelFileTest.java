package dev.jrnn.io;

import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The model directory container: atomic writes, and one clear message per kind of damage. */
class ModelFileTest {
    @TempDir
    Path tmp;

    private static Map<String, NdArray> weights() {
        Rng rng = new Rng(3);
        Map<String, NdArray> w = new LinkedHashMap<>();
        w.put("layer.weight", NdArray.randn(rng, DType.FLOAT32, 0, 1, 4, 3));
        w.put("layer.bias", NdArray.randn(rng, DType.FLOAT32, 0, 1, 4));
        return w;
    }

    private static ModelConfig config(long hidden) {
        return ModelConfig.builder().put("model_type", "test-model")
                .put("model", ModelConfig.builder().put("hidden_size", hidden).build())
                .put("provenance", ModelFile.Provenance.now("data.txt", 3, 120, 61.5,
                        Map.of("valid_loss", 1.25), "jrnn train ...").toConfig())
                .build();
    }

    private Path save() throws IOException {
        Path dir = tmp.resolve("model");
        ModelFile.write(dir, config(4), weights(), Map.of("vocab.txt", "a\nb\n".getBytes(StandardCharsets.UTF_8)));
        return dir;
    }

    private static String message(Path dir) {
        return assertThrows(ModelFileException.class, () -> ModelFile.open(dir)).getMessage();
    }

    private static void editConfig(Path dir, String from, String to) throws IOException {
        Path c = dir.resolve("config.json");
        String s = Files.readString(c);
        assertTrue(s.contains(from), "config.json has no '" + from + "':\n" + s);
        Files.writeString(c, s.replace(from, to));
    }

    @Test
    void writesADirectoryThatOpensWithEverythingChecked() throws IOException {
        Path dir = save();
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("config.json", "vocab.txt", "weights.safetensors"),
                    s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of("model"), s.map(p -> p.getFileName().toString()).toList(), "no temporary directory left");
        }
        ModelFile f = ModelFile.open(dir);
        assertEquals("test-model", f.modelType());
        assertEquals(ModelFile.FORMAT, f.config().getString("format"));
        assertEquals(ModelFile.VERSION, f.config().getInt("format_version"));
        assertEquals(4, f.config().getObject("model").getInt("hidden_size"));
        assertTrue(f.hasFile("vocab.txt"));
        assertEquals("a\nb\n", new String(f.readFile("vocab.txt"), StandardCharsets.UTF_8));
        f.checkWeights(Map.of("layer.weight", new int[] {4, 3}, "layer.bias", new int[] {4}));
        Map<String, NdArray> back = f.readWeights(DType.FLOAT32);
        weights().forEach((n, v) -> assertArrayEquals(v.toFloatArray(), back.get(n).toFloatArray(), n));
        assertEquals(DType.FLOAT64, f.readWeights(DType.FLOAT64).get("layer.bias").dtype());
        ModelFile.Provenance p = f.provenance();
        assertEquals("data.txt", p.trainingData());
        assertEquals(3, p.epochs());
        assertEquals(120, p.steps());
        assertEquals(61.5, p.seconds());
        assertEquals(Map.of("valid_loss", 1.25), p.finalMetrics());
        assertEquals("jrnn train ...", p.command());
        assertEquals(ModelFile.jrnnVersion(), p.jrnnVersion());
        assertTrue(ModelFile.isModelDirectory(dir));
    }

    @Test
    void replacesAModelAtomicallyAndNeverAnythingElse() throws IOException {
        Path dir = save();
        ModelFile.write(dir, config(9), weights(), Map.of());
        assertEquals(9, ModelFile.open(dir).config().getObject("model").getInt("hidden_size"));
        assertFalse(Files.exists(dir.resolve("vocab.txt")), "the old directory is replaced as a whole");
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of("model"), s.map(p -> p.getFileName().toString()).toList(), "the old model is deleted");
        }
        // a failing write (a bad tensor name) leaves the previous model as it was, and no temporary directory
        Map<String, NdArray> bad = new LinkedHashMap<>(weights());
        bad.put("", NdArray.zeros(1));
        assertThrows(IllegalArgumentException.class, () -> ModelFile.write(dir, config(5), bad, Map.of()));
        assertEquals(9, ModelFile.open(dir).config().getObject("model").getInt("hidden_size"));
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(1, s.count());
        }
        Path other = Files.createDirectories(tmp.resolve("photos"));
        Files.writeString(other.resolve("cat.jpg"), "meow");
        assertEquals(other + ": exists and is not a jrnn model (no config.json); refusing to replace it",
                assertThrows(ModelFileException.class, () -> ModelFile.write(other, config(4), weights(), Map.of())).getMessage());
        assertTrue(Files.exists(other.resolve("cat.jpg")));
    }

    @Test
    void missingThingsAreNamed() throws IOException {
        Path none = tmp.resolve("nothing");
        assertEquals(none + ": no such model directory", message(none));
        Path file = Files.writeString(tmp.resolve("model.bin"), "x");
        assertTrue(message(file).startsWith(file + ": is a file; a jrnn model is a directory"));
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertEquals(empty.resolve("config.json") + ": missing (a jrnn model directory holds config.json and weights.safetensors)",
                message(empty));
        Path dir = save();
        Files.delete(dir.resolve("vocab.txt"));
        assertEquals(dir.resolve("vocab.txt") + ": missing (config.json lists it)", message(dir));
    }

    @Test
    void unsupportedVersionsAndForeignConfigsAreRefused() throws IOException {
        Path dir = save();
        editConfig(dir, "\"format_version\": 1", "\"format_version\": 2");
        assertEquals(dir.resolve("config.json") + ": unsupported version 2 (this jrnn reads 1); it was written by a newer jrnn",
                message(dir));
        editConfig(dir, "\"format_version\": 2", "\"format_version\": \"1\"");
        assertEquals(dir.resolve("config.json") + ": field 'format_version' must be an integer, found string \"1\"", message(dir));
        editConfig(dir, "\"format\": \"jrnn-model\"", "\"format\": \"hf\"");
        assertEquals(dir.resolve("config.json") + ": not a jrnn model config (field 'format' is string \"hf\", expected \"jrnn-model\")",
                message(dir));
        Files.writeString(dir.resolve("config.json"), "{\"format\": \"jrnn-model\", \"format_version\": 1,\n \"files\": {}");
        assertTrue(message(dir).startsWith(dir.resolve("config.json") + ": not valid JSON at line 2"), message(dir));
        Files.writeString(dir.resolve("config.json"), "{\"format\": \"jrnn-model\", \"format_version\": 1, \"files\": {}}");
        assertEquals(dir.resolve("config.json") + ": field 'model_type' is missing", message(dir));
        Files.writeString(dir.resolve("config.json"), "{\"format\": \"jrnn-model\", \"format_version\": 1, \"model_type\": \"x\", \"files\": {}}");
        assertEquals(dir.resolve("config.json") + ": field 'files.weights.safetensors' is missing (every model has weights)", message(dir));
    }

    @Test
    void truncatedChangedOrDamagedFilesAreCaughtBeforeAnyTensorIsRead() throws IOException {
        Path dir = save();
        Path w = dir.resolve("weights.safetensors");
        byte[] good = Files.readAllBytes(w);
        Files.write(w, Arrays.copyOf(good, good.length - 10));
        assertEquals(w + ": is " + (good.length - 10) + " bytes, but config.json records " + good.length + " (truncated)", message(dir));
        byte[] flipped = good.clone();
        flipped[flipped.length - 1] ^= 1;
        Files.write(w, flipped);
        assertTrue(message(dir).matches(".*weights\\.safetensors: SHA-256 [0-9a-f]{12}\\.\\.\\. differs from the [0-9a-f]{12}\\.\\.\\. that "
                + "config\\.json records \\(the file was damaged or replaced after saving\\)"), message(dir));
        // a hand-made config without sizes and checksums still gets the safetensors validation
        String cfg = Files.readString(dir.resolve("config.json"));
        Files.writeString(dir.resolve("config.json"), cfg.replaceAll("\"bytes\": \\d+,\\s*\"sha256\": \"[0-9a-f]+\"", "\"note\": 0"));
        Files.write(w, Arrays.copyOf(good, good.length - 10));
        assertTrue(message(dir).startsWith(w + ": damaged: tensor "), message(dir));
        assertTrue(message(dir).contains("truncated file?"), message(dir));
    }

    @Test
    void weightsThatDoNotMatchTheConfigAreListedInOneMessage() throws IOException {
        ModelFile f = ModelFile.open(save());
        Map<String, int[]> expected = new LinkedHashMap<>();
        expected.put("layer.weight", new int[] {5, 3});
        expected.put("layer.bias", new int[] {4});
        expected.put("other.weight", new int[] {1});
        ModelFileException e = assertThrows(ModelFileException.class, () -> f.checkWeights(expected));
        assertEquals(f.file("weights.safetensors") + ": does not match config.json: missing: [other.weight]; "
                + "layer.weight has shape [4, 3], expected [5, 3]", e.getMessage());
        ModelFileException u = assertThrows(ModelFileException.class,
                () -> f.checkWeights(Map.of("layer.weight", new int[] {4, 3})));
        assertEquals(f.file("weights.safetensors") + ": does not match config.json: unexpected: [layer.bias]", u.getMessage());
    }

    @Test
    void provenanceWithoutTrainingRoundTrips() throws Exception {
        ModelFile.Provenance p = ModelFile.Provenance.unknown();
        ModelFile.Provenance back = ModelFile.Provenance.fromConfig(ModelConfig.parse(p.toConfig().toJson(), "p"));
        assertNull(back.trainingData());
        assertNull(back.command());
        assertEquals(-1, back.epochs());
        assertTrue(Double.isNaN(back.seconds()));
        assertEquals(p.created(), back.created());
    }
}
