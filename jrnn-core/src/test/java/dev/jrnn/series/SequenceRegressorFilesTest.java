package dev.jrnn.series;

import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.io.ModelFile;
import dev.jrnn.io.ModelFileException;
import dev.jrnn.io.TorchNames;
import dev.jrnn.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A sequence regressor saved with its columns and scale loads back identical; damage is named. */
class SequenceRegressorFilesTest {
    /** The shapes the loader checks before it builds a model are those of the model it builds, for every cell. */
    @Test
    void expectedShapesAreThoseOfTheModel() {
        for (CellType cell : CellType.values()) {
            for (int layers = 1; layers <= 2; layers++) {
                for (boolean bi : new boolean[] {false, true}) {
                    SequenceRegressor.Config c = new SequenceRegressor.Config(cell, 3, 6, layers, bi, 2, 0, DType.FLOAT32, 1);
                    Map<String, int[]> expected = SequenceRegressorFiles.expectedShapes(c);
                    Map<String, int[]> actual = TorchNames.shapesOf(new SequenceRegressor(c));
                    assertEquals(actual.keySet(), expected.keySet(), cell + " x" + layers + (bi ? " bi" : ""));
                    actual.forEach((n, sh) -> assertArrayEquals(sh, expected.get(n), cell + " " + n));
                }
            }
        }
    }

    @TempDir
    Path tmp;

    private static TimeSeries table() {
        double[][] rows = new double[30][];
        for (int r = 0; r < 30; r++) rows[r] = new double[] {Math.sin(r * 0.5), 20 + Math.cos(r * 0.2) * 3, r % 4};
        return TimeSeries.of(List.of("x", "temp", "k"), rows);
    }

    private static final ForecastSpec SPEC = new ForecastSpec(List.of("x", "temp"), List.of("temp"), 5, 2);

    private Path save(String name, SequenceRegressor m) throws IOException {
        Standardizer z = Standardizer.fit(table(), SPEC.columns(), 0, 24);
        Path dir = tmp.resolve(name);
        SequenceRegressorFiles.save(dir, m, SPEC, z, ModelFile.Provenance.now("weather.csv", 3, 30, 2.0,
                Map.of("valid_mae", 0.5), "jrnn train regress"));
        return dir;
    }

    private Path saveDefault(String name) throws IOException {
        return save(name, new SequenceRegressor(SequenceRegressor.Config.of(2, 6, 2).withSeed(4)));
    }

    private static String failure(Path dir) {
        return assertThrows(ModelFileException.class, () -> SequenceRegressorFiles.load(dir)).getMessage();
    }

    private static void editConfig(Path dir, String from, String to) throws IOException {
        Path c = dir.resolve("config.json");
        String s = Files.readString(c);
        assertTrue(s.contains(from), "config.json has no '" + from + "':\n" + s);
        Files.writeString(c, s.replace(from, to));
    }

    @Test
    void saveThenLoadGivesIdenticalForecasts() throws IOException {
        SequenceRegressor m = new SequenceRegressor(SequenceRegressor.Config.of(2, 6, 2).withCell(CellType.GRU)
                .withLayers(2).withBidirectional(true).withDropout(0.3).withSeed(9));
        Path dir = save("m", m);
        SequenceRegressorFiles.Loaded back = SequenceRegressorFiles.load(dir);
        assertEquals(m.config(), back.model().config());
        assertEquals(SPEC, back.spec());
        Standardizer z = Standardizer.fit(table(), SPEC.columns(), 0, 24);
        assertEquals(z, back.standardizer());
        TimeSeries s = table();
        double[] expected = SPEC.unscale(z, m.predict(new float[][][] {SPEC.window(s, z, 30)})[0]);
        assertArrayEquals(expected, back.forecast(s), 0.0);
        double[][] many = back.forecast(s, new int[] {5, 17, 30});
        assertArrayEquals(expected, many[2], 0.0);
        assertEquals("weather.csv", back.provenance().trainingData());
        assertFalse(back.model().isTraining());
        TimeSeries other = TimeSeries.of(List.of("temp", "x"), new double[][] {{1, 2}, {3, 4}, {5, 6}, {7, 8}, {9, 10}});
        assertEquals(2, back.forecast(other).length, "columns are found by name, in any order");
        TimeSeries shortOne = TimeSeries.of(List.of("temp", "x"), new double[][] {{1, 2}});
        assertTrue(assertThrows(IOException.class, () -> back.forecast(shortOne)).getMessage()
                .endsWith("has 1 rows; the model reads windows of 5"));
        TimeSeries noX = TimeSeries.of(List.of("temp"), new double[][] {{1}, {2}, {3}, {4}, {5}});
        assertTrue(assertThrows(IOException.class, () -> back.forecast(noX)).getMessage().contains("no column 'x'"));
    }

    @Test
    void saveRefusesAModelThatDoesNotFitItsSpec() {
        Standardizer z = new Standardizer(List.of("x"), new double[] {0}, new double[] {1});
        SequenceRegressor wrongIn = new SequenceRegressor(SequenceRegressor.Config.of(3, 4, 2));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SequenceRegressorFiles.save(tmp.resolve("a"), wrongIn, SPEC,
                z, ModelFile.Provenance.unknown())).getMessage().contains("reads 3 features per step, but there are 2 input"));
        SequenceRegressor wrongOut = new SequenceRegressor(SequenceRegressor.Config.of(2, 4, 3));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SequenceRegressorFiles.save(tmp.resolve("b"), wrongOut, SPEC,
                z, ModelFile.Provenance.unknown())).getMessage().contains("has 3 outputs, but horizon 2 x 1"));
        SequenceRegressor ok = new SequenceRegressor(SequenceRegressor.Config.of(2, 4, 2));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SequenceRegressorFiles.save(tmp.resolve("c"), ok, SPEC,
                z, ModelFile.Provenance.unknown())).getMessage().contains("no normalisation statistics for column 'temp'"));
    }

    @Test
    void truncatedWeightsAreNamed() throws IOException {
        Path dir = saveDefault("t");
        Path w = dir.resolve("weights.safetensors");
        byte[] b = Files.readAllBytes(w);
        Files.write(w, Arrays.copyOf(b, b.length / 2));
        assertEquals(w + ": is " + b.length / 2 + " bytes, but config.json records " + b.length + " (truncated)", failure(dir));
    }

    @Test
    void damagedConfigFieldsAreNamed() throws IOException {
        Path dir = saveDefault("f");
        Path c = dir.resolve("config.json");
        editConfig(dir, "\"hidden_size\": 6", "\"hidden_size\": 7");
        assertTrue(failure(dir).contains("rnn.weight_hh_l0 has shape [24, 6], expected [28, 7]"), failure(dir));
        editConfig(dir, "\"hidden_size\": 7", "\"hidden_size\": 6");
        editConfig(dir, "\"horizon\": 2", "\"horizon\": 3");
        assertEquals(c + ": field 'model.output_size' is 2, but series.horizon 3 x 1 target(s) is 3", failure(dir));
        editConfig(dir, "\"horizon\": 3", "\"horizon\": 0");
        assertEquals(c + ": field 'series.horizon' must be >= 1, found 0", failure(dir));
        editConfig(dir, "\"horizon\": 0", "\"horizon\": 2");
        editConfig(dir, "\"inputs\": [\"x\", \"temp\"]", "\"inputs\": [\"x\"]");
        assertEquals(c + ": field 'model.input_size' is 2, but series.inputs names 1 column(s) [x]", failure(dir));
        editConfig(dir, "\"inputs\": [\"x\"]", "\"inputs\": [\"x\", 3]");
        assertEquals(c + ": field 'series.inputs' must hold non-empty column names only, found the number 3", failure(dir));
        editConfig(dir, "\"inputs\": [\"x\", 3]", "\"inputs\": [\"x\", \"temp\"]");
        editConfig(dir, "\"std\": ", "\"std\": -");
        assertTrue(failure(dir).startsWith(c + ": field 'normalization.x.std' must be a finite number > 0, found -"), failure(dir));
        editConfig(dir, "\"std\": -", "\"std\": ");
        editConfig(dir, "\"temp\": {", "\"tmp\": {");
        assertEquals(c + ": field 'normalization.temp' is missing (every input and target column needs its mean and std)",
                failure(dir));
        editConfig(dir, "\"tmp\": {", "\"temp\": {");
        editConfig(dir, "\"model_type\": \"sequence_regressor\"", "\"model_type\": \"seq2seq\"");
        assertEquals(c + ": field 'model_type' is \"seq2seq\"; this loader reads \"sequence_regressor\"", failure(dir));
        editConfig(dir, "\"model_type\": \"seq2seq\"", "\"model_type\": \"sequence_regressor\"");
        SequenceRegressorFiles.load(dir);
    }

    @Test
    void persistenceCarriesEachTargetsLastValueAcrossTheHorizon() throws java.io.IOException {
        TimeSeries s = TimeSeries.parse("a,b,c\n1,10,100\n2,20,200\n3,30,300\n", "test", TimeSeries.Header.AUTO);
        ForecastSpec fs = new ForecastSpec(List.of("a"), List.of("c", "b"), 2, 3);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {200, 20, 200, 20, 200, 20}, fs.persistence(s, 2));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {300, 30, 300, 30, 300, 30}, fs.persistence(s, 3));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> fs.persistence(s, 0));
    }
}
