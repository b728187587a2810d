package dev.jrnn.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.io.LayerFiles;
import dev.jrnn.io.ModelFile;
import dev.jrnn.nn.Layer;
import dev.jrnn.series.SequenceRegressorFiles;
import dev.jrnn.series.TimeSeries;
import dev.jrnn.text.LanguageModelFiles;
import dev.jrnn.text.Seq2SeqFiles;
import dev.jrnn.tensor.ShapeMismatchException;
import dev.jrnn.text.TextClassifierFiles;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzzes the model-directory loaders ({@link LanguageModelFiles}, {@link TextClassifierFiles}, {@link Seq2SeqFiles},
 * {@link SequenceRegressorFiles}, {@link LayerFiles}; through them {@link ModelFile}, {@code ModelConfig} and {@code Safetensors}). The
 * input is a small archive: one byte choosing the loader, then entries of {@code [file index][length, 2 bytes big
 * endian][bytes]} naming one of {@link #NAMES}; the entries become the directory. A model that loads is then used
 * once (encode, classify, translate a few tokens), so that a config the loader let through cannot fail later.
 */
class ModelDirectoryFuzzTest {
    /** The files an archive entry can be. */
    static final List<String> NAMES = List.of(ModelFile.CONFIG_FILE, ModelFile.WEIGHTS_FILE, ModelFile.VOCAB_FILE,
            Seq2SeqFiles.SOURCE_VOCAB_FILE, Seq2SeqFiles.TARGET_VOCAB_FILE);

    private static final Path DIR = FuzzSupport.scratch("model").resolve("model");

    /** Every kind of saved model, as saved and with a config that records no checksums. */
    static Stream<byte[]> seeds() {
        List<byte[]> out = new ArrayList<>();
        for (SavedModels.Kind kind : SavedModels.Kind.values()) {
            out.add(archive(kind, SavedModels.files(kind)));
            out.add(archive(kind, SavedModels.withoutChecksums(SavedModels.files(kind))));
        }
        return out.stream();
    }

    static byte[] archive(SavedModels.Kind kind, Map<String, byte[]> files) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(kind.ordinal());
        files.forEach((name, bytes) -> {
            if (bytes.length > 0xFFFF) throw new IllegalArgumentException(name + " is too large for an archive entry");
            out.write(NAMES.indexOf(name));
            out.write(bytes.length >>> 8);
            out.write(bytes.length & 0xFF);
            out.write(bytes, 0, bytes.length);
        });
        return out.toByteArray();
    }

    @Test
    void everySeedLoads() throws Exception {
        for (byte[] seed : seeds().toList()) loadAndUse(seed);
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "5m")
    void load(byte[] data) throws Exception {
        if (data.length > 0) FuzzSupport.expectSuccessOrRejection(DIR.toString(), () -> loadAndUse(data));
    }

    /** Unpacks the archive into {@link #DIR}, loads it with the loader it names and uses the model. */
    private static void loadAndUse(byte[] data) throws Exception {
        FuzzSupport.clear(DIR.getParent());
        Files.createDirectories(DIR);
        int at = 1;
        while (at < data.length) {
            String name = NAMES.get((data[at] & 0xFF) % NAMES.size());
            int length = at + 2 < data.length ? ((data[at + 1] & 0xFF) << 8) | (data[at + 2] & 0xFF) : 0;
            int start = Math.min(at + 3, data.length), end = Math.min(start + length, data.length);
            Files.write(DIR.resolve(name), java.util.Arrays.copyOfRange(data, start, end));
            at = end;
        }
        loadAndUse(SavedModels.Kind.values()[(data[0] & 0xFF) % SavedModels.Kind.values().length], DIR);
    }

    /** Loads the model directory {@code dir} with the loader of {@code kind} and uses the model once. */
    static void loadAndUse(SavedModels.Kind kind, Path dir) throws Exception {
        switch (kind) {
            case LANGUAGE_MODEL -> {
                LanguageModelFiles.Loaded m = LanguageModelFiles.load(dir);
                if (m.vocabulary() != null) m.decode(m.encode("the cat"));
            }
            case TEXT_CLASSIFIER -> TextClassifierFiles.load(dir).predictProbabilities(List.of("a good film", ""));
            case SEQ2SEQ -> {
                // decode a few tokens, not the saved max_length: a model may honestly ask for 10^9 (as --max-length may)
                Seq2SeqFiles.Loaded m = Seq2SeqFiles.load(dir);
                m.decode(m.model().greedy(m.encode("1+2"), Math.min(m.maxLength(), 8)));
            }
            case SEQUENCE_REGRESSOR -> {
                SequenceRegressorFiles.Loaded m = SequenceRegressorFiles.load(dir);
                int window = m.spec().window();
                if (window <= 64) {                                  // a forecast from a table of zeros
                    m.forecast(TimeSeries.of(m.spec().columns(), new double[window][m.spec().columns().size()]));
                }
            }
            case LAYERS -> {
                Layer m = LayerFiles.load(dir);
                try {
                    m.forward(Tensor.of(new float[] {0, 0, 0}, 1, 3));                // ids, or 3 features
                } catch (ShapeMismatchException e) {
                    // a model whose layers do not chain (or that reads other inputs) is a valid file all the same
                }
            }
        }
    }
}
