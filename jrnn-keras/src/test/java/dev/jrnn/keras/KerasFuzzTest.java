package dev.jrnn.keras;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Fuzzes jrnn's Keras reader, {@link KerasModel#load} (so {@link KerasFile#read}: the {@code .keras} zip, its JSON
 * and the HDF5 weights through jHDF, or a Keras 1/2 {@code .h5} file) and {@link KerasFile#withConfig}. The input is
 * a byte picking how the rest is used, then the bytes: 0 the whole model file; 1 {@code model.weights.h5} inside a
 * {@code .keras} zip with a fixed valid {@code config.json} (so the fuzzer reaches HDF5 without building zips);
 * 2 a weights-only {@code .h5} read against a fixed architecture. The outcome must be a model or a
 * {@link KerasException} naming the file (docs/fuzzing.md). Seeded with small files written at test time with
 * jHDF's writer: a Keras 3 {@code .keras} zip and a Keras 2 {@code .h5}, each holding a one-unit LSTM.
 */
class KerasFuzzTest {
    /** A Keras 3 model: an LSTM of 1 unit over 2 features. */
    static final String CONFIG3 = "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"seq\", \"layers\": ["
            + "{\"class_name\": \"InputLayer\", \"config\": {\"batch_shape\": [null, 3, 2], \"name\": \"in\"}},"
            + "{\"class_name\": \"LSTM\", \"config\": {\"name\": \"lstm\", \"units\": 1}}]}}";
    /** The same model as Keras 2 writes it. */
    static final String CONFIG2 = "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"seq\", \"layers\": ["
            + "{\"class_name\": \"LSTM\", \"config\": {\"name\": \"lstm\", \"units\": 1,"
            + " \"batch_input_shape\": [null, 3, 2]}}]}, \"keras_version\": \"2.4.0\"}";

    private static final Path DIR = scratch();

    /** The three modes, each on a valid file. */
    static Stream<byte[]> seeds() {
        return Stream.of(tagged(0, kerasZip(weights3())), tagged(0, h5Model()), tagged(1, weights3()), tagged(2, h5Model()));
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "5m")
    void load(byte[] data) throws Exception {
        if (data.length == 0) return;
        byte[] rest = Arrays.copyOfRange(data, 1, data.length);
        int mode = Math.floorMod(data[0], 3);
        Path file;
        switch (mode) {
            case 0 -> file = Files.write(DIR.resolve("fuzz.keras"), rest);
            case 1 -> file = Files.write(DIR.resolve("fuzz-weights.keras"), kerasZip(rest));
            default -> file = Files.write(DIR.resolve("fuzz.weights.h5"), rest);
        }
        try {
            if (mode == 2) {
                KerasModel.from(KerasFile.withConfig(CONFIG2, file), dev.jrnn.tensor.DType.FLOAT32);
            } else {
                KerasModel.load(file);
            }
        } catch (KerasException e) {
            if (e.getMessage() == null || !e.getMessage().contains(file.toString())) {
                throw new AssertionError("the rejection does not name the file " + file + ": " + e, e);
            }
        }
    }

    /** Every seed gives a model: a seed that stops being valid fails here instead of weakening the fuzzing. */
    @Test
    void seedsLoad() throws Exception {
        Path zip = Files.write(DIR.resolve("seed.keras"), kerasZip(weights3()));
        Path h5 = Files.write(DIR.resolve("seed.h5"), h5Model());
        for (KerasModel m : new KerasModel[] {KerasModel.load(zip), KerasModel.load(h5),
                KerasModel.from(KerasFile.withConfig(CONFIG2, h5), dev.jrnn.tensor.DType.FLOAT32)}) {
            assertFalse(m.layers().isEmpty(), m.source());
        }
    }

    private static byte[] tagged(int mode, byte[] file) {
        byte[] out = new byte[file.length + 1];
        out[0] = (byte) mode;
        System.arraycopy(file, 0, out, 1, file.length);
        return out;
    }

    /** Keras 3's {@code model.weights.h5}: {@code layers/lstm/cell/vars/0..2} (kernel, recurrent kernel, bias). */
    private static byte[] weights3() {
        return h5(root -> {
            WritableGroup vars = root.putGroup("layers").putGroup("lstm").putGroup("cell").putGroup("vars");
            vars.putDataset("0", new float[][] {{0.1f, 0.2f, 0.3f, 0.4f}, {-0.1f, -0.2f, -0.3f, -0.4f}});
            vars.putDataset("1", new float[][] {{0.5f, 0.6f, 0.7f, 0.8f}});
            vars.putDataset("2", new float[] {0f, 1f, 0f, 0f});
        });
    }

    /** A Keras 2 full-model {@code .h5}: {@code model_config}, {@code model_weights/lstm/lstm/...} and weight_names. */
    private static byte[] h5Model() {
        return h5(root -> {
            root.putAttribute("model_config", CONFIG2);
            root.putAttribute("keras_version", "2.4.0");
            WritableGroup layer = root.putGroup("model_weights").putGroup("lstm");
            layer.putAttribute("weight_names", new String[] {"lstm/kernel:0", "lstm/recurrent_kernel:0", "lstm/bias:0"});
            WritableGroup w = layer.putGroup("lstm");
            w.putDataset("kernel:0", new float[][] {{0.1f, 0.2f, 0.3f, 0.4f}, {-0.1f, -0.2f, -0.3f, -0.4f}});
            w.putDataset("recurrent_kernel:0", new float[][] {{0.5f, 0.6f, 0.7f, 0.8f}});
            w.putDataset("bias:0", new float[] {0f, 1f, 0f, 0f});
        });
    }

    private interface Fill {
        void into(WritableHdfFile root);
    }

    private static byte[] h5(Fill fill) {
        try {
            Path p = Files.createTempFile(DIR, "seed", ".h5");
            try (WritableHdfFile f = HdfFile.write(p)) {
                fill.into(f);
            }
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A {@code .keras} zip: the Keras 3 config, metadata and the given weights file. */
    private static byte[] kerasZip(byte[] weights) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ZipOutputStream z = new ZipOutputStream(bytes)) {
                z.putNextEntry(new ZipEntry("metadata.json"));
                z.write("{\"keras_version\": \"3.8.0\"}".getBytes(StandardCharsets.UTF_8));
                z.putNextEntry(new ZipEntry("config.json"));
                z.write(CONFIG3.getBytes(StandardCharsets.UTF_8));
                z.putNextEntry(new ZipEntry("model.weights.h5"));
                z.write(weights);
                z.closeEntry();
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path scratch() {
        try {
            Path dir = Files.createTempDirectory("jrnn-fuzz-keras-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path p : files.toList()) Files.deleteIfExists(p);
                    Files.deleteIfExists(dir);
                } catch (IOException ignored) {
                    // a temporary folder left behind is harmless
                }
            }));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
