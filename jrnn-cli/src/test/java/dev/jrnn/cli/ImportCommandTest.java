package dev.jrnn.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code jrnn import keras}: a Keras file becomes a model directory that predict runs; the rest say why not. */
class ImportCommandTest {
    @TempDir
    Path dir;

    private static Path keras(String file) {
        for (String base : new String[] {"../../shared/data", "../shared/data", "/work/shared/data"}) {
            Path p = Path.of(System.getProperty("basedir", "."), base, "keras-models");
            if (Files.isDirectory(p)) return p.resolve(file).normalize();
        }
        assumeTrue(false, "../shared/data/keras-models is absent (third-party files, present in CI); skipped");
        return null;
    }

    @Test
    void simpleRnnBecomesARegressorThatPredictRuns() throws Exception {
        Path out = dir.resolve("model");
        Run r = Run.of("import", "keras", keras("dl4j/simple_rnn_tf_keras_2_model.h5").toString(), out.toString(),
                "--inputs", "x", "--targets", "y");
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("wrote " + out + ": sequence_regressor, RNN_TANH 1x50"), r.out());
        assertTrue(r.out().contains("checked: the saved model and the Keras model agree"), r.out());
        Path csv = Files.writeString(dir.resolve("s.csv"), "x\n0.5\n-1.2\n3.0\n");
        Run p = Run.of("predict", out.toString(), "--input", csv.toString());
        assertEquals(0, p.status(), p.toString());
        assertTrue(p.out().startsWith("step,y\n+1,"), p.out());
    }

    @Test
    void weightsWithASeparateArchitecture() throws Exception {
        Path h5 = keras("dl4j/simple_rnn_tf_keras_2_model.h5");
        String config;
        try (io.jhdf.HdfFile h = new io.jhdf.HdfFile(h5)) {
            config = (String) h.getAttribute("model_config").getData();       // what model.to_json() gives
        }
        Path json = Files.writeString(dir.resolve("model.json"), config);
        Path out = dir.resolve("w");
        Run r = Run.of("import", "keras", h5.toString(), out.toString(), "--architecture", json.toString());
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("inputs [x0], outputs [y0], window 1"), r.out());
        Path other = Files.writeString(dir.resolve("other.json"), config.replace("simple_rnn_1", "renamed_rnn"));
        Run bad = Run.of("import", "keras", h5.toString(), dir.resolve("b").toString(), "--architecture", other.toString());
        assertEquals(1, bad.status(), bad.toString());
        assertTrue(bad.errorText().contains("layer 'renamed_rnn' (SimpleRNN)") && bad.errorText().contains("no weights for this layer"),
                bad.errorText());
    }

    @Test
    void supportedModelWithoutASavedKindAndDamagedFilesGiveOneLine() throws Exception {
        Run r = Run.of("import", "keras", keras("keras3/model.keras").toString(), dir.resolve("m").toString());
        assertEquals(1, r.status(), r.toString());
        assertTrue(r.errorText().contains("layer 'masking' (Masking)") && r.errorText().contains("KerasModel.load runs it"), r.errorText());
        assertFalse(r.errorText().contains("\n"), r.errorText());
        byte[] all = Files.readAllBytes(keras("dl4j/simple_rnn_tf_keras_2_model.h5"));
        Path cut = Files.write(dir.resolve("cut.h5"), Arrays.copyOf(all, 3000));
        Run c = Run.of("import", "keras", cut.toString(), dir.resolve("c").toString());
        assertEquals(1, c.status(), c.toString());
        assertTrue(c.errorText().startsWith("jrnn: " + cut + ": cannot be read as HDF5"), c.errorText());
        assertFalse(c.errorText().contains("\n"), c.errorText());
        assertFalse(Files.exists(dir.resolve("c")));
    }
}
