package dev.jrnn.series;

import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.autograd.GradCheck;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.io.TorchNames;
import dev.jrnn.nn.Losses;
import dev.jrnn.optim.Adam;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.train.Batch;
import dev.jrnn.train.SequenceDataset;
import dev.jrnn.train.StepOutput;
import dev.jrnn.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The regressor's shapes and gradients, the windows and their scale, and a forecaster that learns a sine wave. */
class SequenceRegressorTest {
    @ParameterizedTest
    @CsvSource({"LSTM, 1, false", "GRU, 2, true", "RNN_TANH, 2, false", "RNN_RELU, 1, true", "GRU_RESET_BEFORE, 1, false"})
    void outputsHaveShapeBatchByKAndExpectedShapesMatch(CellType cell, int layers, boolean bi) {
        SequenceRegressor.Config c = SequenceRegressor.Config.of(3, 5, 4).withCell(cell).withLayers(layers).withBidirectional(bi);
        SequenceRegressor m = new SequenceRegressor(c);
        Tensor y = m.forward(Tensor.randn(new Rng(1), DType.FLOAT32, 2, 6, 3), null);
        assertArrayEquals(new int[] {2, 4}, y.shape());
        Map<String, int[]> expected = SequenceRegressorFiles.expectedShapes(c), actual = TorchNames.shapesOf(m);
        assertEquals(actual.keySet(), expected.keySet());
        actual.forEach((n, s) -> assertArrayEquals(s, expected.get(n), n));
        String e = assertThrows(IllegalArgumentException.class,
                () -> m.forward(Tensor.zeros(2, 6, 4), null)).getMessage();
        assertTrue(e.contains("x has shape [2, 6, 4], expected [batch, time, 3]"), e);
    }

    @ParameterizedTest
    @CsvSource({"LSTM, 2, 3", "GRU, 1, 1", "RNN_TANH, 3, 2"})                  // batch, time
    void gradientsMatchCentralDifferencesInFloat64(CellType cell, int batch, int time) {
        SequenceRegressor m = new SequenceRegressor(SequenceRegressor.Config.of(2, 3, 2).withCell(cell).withLayers(2)
                .withBidirectional(true).withDType(DType.FLOAT64).withSeed(7));
        NdArray x = NdArray.rand(new Rng(3), DType.FLOAT64, -1, 1, batch, time, 2);
        NdArray target = NdArray.rand(new Rng(4), DType.FLOAT64, -1, 1, batch, 2);
        GradCheck.assertMatches(() -> Losses.mse(m.forward(Tensor.constant(x), null), Tensor.constant(target)),
                new ArrayList<>(m.parameters()));
        GradCheck.assertMatches(in -> m.forward(in[0], null), x);                 // and with respect to the input
    }

    @Test
    void predictEqualsForwardInEvaluationMode() {
        SequenceRegressor m = new SequenceRegressor(SequenceRegressor.Config.of(2, 4, 3).withDropout(0.5).withLayers(2));
        float[][][] w = new float[300][5][2];                                       // more than one batch of 256
        Rng r = new Rng(2);
        for (float[][] win : w) for (float[] step : win) for (int j = 0; j < 2; j++) step[j] = (float) r.nextGaussian();
        double[][] p = m.predict(w);
        assertEquals(300, p.length);
        NdArray x = NdArray.zeros(DType.FLOAT32, 1, 5, 2);
        for (int t = 0; t < 5; t++) for (int j = 0; j < 2; j++) x.setFlat(t * 2 + j, w[299][t][j]);
        m.eval();
        assertArrayEquals(m.forward(Tensor.constant(x), null).data().toDoubleArray(), p[299], 1e-6);
        assertTrue(!m.isTraining());
    }

    @Test
    void windowsTargetsAndScaleLineUp() throws IOException {
        double[][] rows = new double[10][];
        for (int r = 0; r < 10; r++) rows[r] = new double[] {r, 10 * r, 5};
        TimeSeries s = TimeSeries.of(List.of("a", "b", "c"), rows);
        ForecastSpec spec = new ForecastSpec(List.of("a", "c"), List.of("b", "a"), 3, 2);
        assertEquals(List.of("a", "c", "b"), spec.columns());
        assertEquals(4, spec.outputSize());
        assertEquals("b@+1", spec.outputName(0));
        assertEquals("a@+2", spec.outputName(3));
        assertEquals(6, spec.windows(10), "ends 3 … 8");
        Standardizer z = Standardizer.fit(s, spec.columns(), 0, 8);
        assertEquals(3.5, z.mean()[0], 1e-12);
        assertEquals(Math.sqrt(5.25), z.std()[0], 1e-12);
        assertEquals(1.0, z.std()[1], "a constant column is only shifted");
        SequenceDataset d = spec.dataset(s, z, 3, 8);
        assertEquals(6, d.size());
        Batch b = d.batch(new int[] {0});
        float[] x = b.features().toFloatArray();                                    // rows 0, 1, 2 of a and c
        assertEquals((float) z.scale("a", 2), x[4]);
        assertEquals(0f, x[5]);
        double[] y = b.targets().toDoubleArray();                                   // b and a at rows 3 and 4
        assertEquals(z.scale("b", 30), y[0], 1e-6);
        assertEquals(z.scale("a", 4), y[3], 1e-6);
        double[] back = spec.unscale(z, new double[] {y[0], y[1], y[2], y[3]});
        assertArrayEquals(new double[] {30, 3, 40, 4}, back, 1e-5);
        assertArrayEquals(new double[] {80, 8, 90, 9}, spec.actual(s, 8));
        double[] past = spec.actual(s, 9);
        assertTrue(Double.isNaN(past[2]), "past the end of the table");
        assertThrows(IllegalArgumentException.class, () -> spec.dataset(s, z, 3, 9));
        assertThrows(IllegalArgumentException.class, () -> new ForecastSpec(List.of("a", "a"), List.of("b"), 3, 1));
        assertThrows(IllegalArgumentException.class, () -> new ForecastSpec(List.of("a"), List.of("b"), 0, 1));
    }

    @Test
    void aForecasterLearnsASineWaveBetterThanPersistence() throws IOException {
        int n = 240;
        double[][] rows = new double[n][];
        for (int r = 0; r < n; r++) rows[r] = new double[] {Math.sin(r * 0.3) * 2 + 1};
        TimeSeries s = TimeSeries.of(List.of("y"), rows);
        ForecastSpec spec = new ForecastSpec(List.of("y"), List.of("y"), 12, 1);
        int cut = 200;
        Standardizer z = Standardizer.fit(s, spec.columns(), 0, cut);
        SequenceDataset train = spec.dataset(s, z, 12, cut - 1), valid = spec.dataset(s, z, cut, n - 1);
        SequenceRegressor m = new SequenceRegressor(SequenceRegressor.Config.of(1, 16, 1).withSeed(3));
        Trainer t = Trainer.builder(m, new Adam(m.parameters(), Adam.Config.adam(0.02)),
                        (b, training) -> StepOutput.of(Losses.mse(m.forward(b.featureTensor(), null), b.targetTensor()), b.size()))
                .config(Trainer.Config.of(15, 16).withSeed(1).withProgress(Trainer.ProgressMode.QUIET, 0)).out(null).build();
        t.fit(train, valid);
        double mae = 0, persistence = 0;
        int count = 0;
        for (int e = cut; e < n; e++) {
            double pred = spec.unscale(z, m.predict(new float[][][] {spec.window(s, z, e)})[0])[0];
            mae += Math.abs(pred - s.value(e, 0));
            persistence += Math.abs(s.value(e - 1, 0) - s.value(e, 0));
            count++;
        }
        mae /= count;
        persistence /= count;
        assertTrue(mae < persistence / 2, "MAE " + mae + " vs persistence " + persistence);
    }
}
