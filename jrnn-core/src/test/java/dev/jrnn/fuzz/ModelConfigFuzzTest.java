package dev.jrnn.fuzz;

import dev.jrnn.nn.rnn.CellType;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jrnn.io.ModelConfig;
import dev.jrnn.io.ModelFileException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzzes {@link ModelConfig#parse} (and through it the JSON reader) on the text of a {@code config.json}, then every
 * typed getter on every field, and writing the result back: whatever parsed must print as JSON that parses again.
 * Seeded with the configs that the model savers write.
 */
class ModelConfigFuzzTest {
    static final String FILE = "config.json";

    static Stream<byte[]> seeds() {
        return SavedModels.configs();
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "5m")
    void parse(byte[] data) throws Exception {
        String text = new String(data, StandardCharsets.UTF_8);
        FuzzSupport.expectSuccessOrRejection(FILE, () -> {
            ModelConfig c = ModelConfig.parse(text, FILE);
            readEveryField(c);
            ModelConfig.parse(c.toJson(), FILE);
            ModelConfig.parse(c.withSource("copy of " + FILE).toCompactJson(), FILE);
        });
    }

    private static void readEveryField(ModelConfig c) {
        for (String key : c.keys()) {
            List<Getter> getters = List.of(c::getString, c::getLong, c::getInt, c::getDouble, c::getBoolean,
                    k -> c.getEnum(k, CellType.class), k -> readEveryField(c.getObject(k)));
            for (Getter g : getters) {
                try {
                    g.get(key);
                } catch (ModelFileException e) {
                    if (!e.getMessage().startsWith(FILE + ": field '")) throw new AssertionError("unclear message: " + e, e);
                }
            }
        }
    }

    @FunctionalInterface
    private interface Getter {
        void get(String key) throws ModelFileException;
    }
}
