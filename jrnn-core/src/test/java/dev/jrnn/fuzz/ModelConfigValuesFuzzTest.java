package dev.jrnn.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jrnn.io.ModelConfig;
import dev.jrnn.io.ModelFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes the model-directory loaders through their {@code config.json} values: starting from a saved model of a
 * kind the fuzzer picks (its config without checksums), the fuzzer replaces up to four fields anywhere in the config
 * with an integer, a number, a string, a boolean, null, an empty object or nothing. Raw-byte fuzzing of the same
 * directories ({@link ModelDirectoryFuzzTest}) rarely keeps the JSON valid long enough to reach these values.
 */
class ModelConfigValuesFuzzTest {
    private static final Path DIR = FuzzSupport.scratch("values").resolve("model");
    private static final Map<SavedModels.Kind, Map<String, byte[]>> FILES = new java.util.EnumMap<>(SavedModels.Kind.class);
    private static final Map<SavedModels.Kind, ModelConfig> CONFIGS = new java.util.EnumMap<>(SavedModels.Kind.class);

    static {
        for (SavedModels.Kind kind : SavedModels.Kind.values()) {
            FILES.put(kind, SavedModels.withoutChecksums(SavedModels.files(kind)));
            try {
                CONFIGS.put(kind, ModelConfig.parse(new String(FILES.get(kind).get(ModelFile.CONFIG_FILE),
                        StandardCharsets.UTF_8), ModelFile.CONFIG_FILE));
            } catch (java.io.IOException e) {
                throw new IllegalStateException("a saved config does not parse", e);
            }
        }
    }

    @FuzzTest(maxDuration = "5m")
    void load(FuzzedDataProvider data) throws Exception {
        SavedModels.Kind kind = data.pickValue(SavedModels.Kind.values());
        Map<String, byte[]> files = FILES.get(kind);
        ModelConfig config = CONFIGS.get(kind);
        int edits = data.consumeInt(1, 4);
        for (int i = 0; i < edits; i++) {
            List<List<String>> paths = new ArrayList<>();
            leaves(config, new ArrayList<>(), paths);
            if (paths.isEmpty()) break;
            config = replace(config, data.pickValue(paths), 0, data);
        }
        FuzzSupport.clear(DIR.getParent());
        Files.createDirectories(DIR);
        for (Map.Entry<String, byte[]> f : files.entrySet()) Files.write(DIR.resolve(f.getKey()), f.getValue());
        Files.writeString(DIR.resolve(ModelFile.CONFIG_FILE), config.toJson());
        FuzzSupport.expectSuccessOrRejection(DIR.toString(), () -> ModelDirectoryFuzzTest.loadAndUse(kind, DIR));
    }

    /** Every field path, objects included (so that a whole section can be replaced). */
    private static void leaves(ModelConfig c, List<String> prefix, List<List<String>> out) {
        for (String key : c.keys()) {
            List<String> path = new ArrayList<>(prefix);
            path.add(key);
            out.add(path);
            if (c.get(key) instanceof ModelConfig) leaves((ModelConfig) c.get(key), path, out);
        }
    }

    /** {@code c} with the field at {@code path} (from {@code depth}) replaced by a value the fuzzer chooses. */
    private static ModelConfig replace(ModelConfig c, List<String> path, int depth, FuzzedDataProvider data) {
        String key = path.get(depth);
        ModelConfig.Builder b = ModelConfig.builder().putAll(c);
        if (depth + 1 < path.size()) return b.put(key, replace((ModelConfig) c.get(key), path, depth + 1, data)).build();
        switch (data.consumeInt(0, 7)) {
            case 0 -> b.put(key, data.consumeLong());
            case 1 -> b.put(key, (long) data.consumeInt(-2, 70));             // small sizes and ids, where limits are
            case 2 -> b.put(key, data.consumeRegularDouble());
            case 3 -> b.put(key, data.consumeString(24));
            case 4 -> b.put(key, data.consumeBoolean());
            case 5 -> b.put(key, (String) null);
            case 6 -> b.put(key, ModelConfig.builder().build());
            default -> b.remove(key);
        }
        return b.build();
    }
}
