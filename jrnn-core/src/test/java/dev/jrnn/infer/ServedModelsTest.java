package dev.jrnn.infer;

import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.series.SequenceRegressor;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.Rng;
import dev.jrnn.text.LanguageModel;
import dev.jrnn.text.LanguageModelConfig;
import dev.jrnn.text.SamplingConfig;
import dev.jrnn.text.TextClassifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The served language model, classifier and regressor against the trained models' own inference methods. */
class ServedModelsTest {
    static Stream<Arguments> cases() {
        return Stream.of(Arguments.of(CellType.LSTM, DType.FLOAT32, 2), Arguments.of(CellType.GRU, DType.FLOAT64, 1),
                Arguments.of(CellType.RNN_TANH, DType.FLOAT32, 1), Arguments.of(CellType.GRU_RESET_BEFORE, DType.FLOAT32, 2));
    }

    static double tol(DType d) {
        return d == DType.FLOAT32 ? 1e-4 : 1e-11;
    }

    @ParameterizedTest(name = "{0} {1} layers={2}")
    @MethodSource("cases")
    void languageModelSessionMatchesTheModelsSession(CellType cell, DType dtype, int layers) {
        LanguageModel lm = new LanguageModel(LanguageModelConfig.of(11, 6, 9).withCell(cell).withLayers(layers)
                .withDType(dtype).withSeed(3).withSpecials(1, 2, LanguageModel.NONE));
        ServedLanguageModel served = ServedLanguageModel.of(lm);
        LanguageModel.Session want = lm.session();
        ServedLanguageModel.Session got = served.openSession();
        assertArrayEquals(want.logits(), got.logits(), tol(dtype), "after the start input");
        int[] tokens = {4, 7, 0, 10, 3, 3, 8};
        for (int i = 0; i < tokens.length; i++) {
            assertArrayEquals(want.feed(tokens[i]), got.feed(tokens[i]), tol(dtype), "after token " + i);
        }
        assertEquals(tokens.length, got.tokens());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> got.feed(11));
        assertTrue(e.getMessage().contains("token 11 is out of range 0..10"), e.getMessage());
    }

    @ParameterizedTest(name = "{0} {1} layers={2}")
    @MethodSource("cases")
    void generationMatchesTheModels(CellType cell, DType dtype, int layers) {
        LanguageModel lm = new LanguageModel(LanguageModelConfig.of(11, 6, 9).withCell(cell).withLayers(layers)
                .withDType(dtype).withSeed(7).withSpecials(1, 2, 3));
        ServedLanguageModel served = ServedLanguageModel.of(lm);
        List<SamplingConfig> configs = List.of(SamplingConfig.defaults().withMaxLength(40).withSeed(1),
                SamplingConfig.defaults().withMaxLength(25).withGreedy(true),
                SamplingConfig.defaults().withMaxLength(60).withTemperature(1.5).withTopK(4).withStopAtEos(true)
                        .withResampleUnk(true));
        int[][] prompts = {{}, {4, 5, 6}};
        for (SamplingConfig c : configs) {
            for (int[] prompt : prompts) {
                for (long seed = 1; seed <= 4; seed++) {
                    LanguageModel.Generation want = lm.generate(prompt, c, new Rng(seed));
                    java.util.List<Integer> streamed = new java.util.ArrayList<>();
                    LanguageModel.Generation got = served.generate(prompt, c, new Rng(seed), streamed::add);
                    String what = c + " prompt " + prompt.length + " seed " + seed;
                    assertArrayEquals(want.tokens(), got.tokens(), what);
                    assertArrayEquals(want.tokens(), streamed.stream().mapToInt(Integer::intValue).toArray(), what + " streamed");
                    assertEquals(want.endedAtEos(), got.endedAtEos(), what);
                    assertEquals(want.logProbability(), got.logProbability(), 100 * tol(dtype), what);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} {1} layers={2}")
    @MethodSource("cases")
    void classifierMatchesTheModel(CellType cell, DType dtype, int layers) {
        for (boolean bidirectional : new boolean[] {false, true}) {
            TextClassifier model = new TextClassifier(TextClassifier.Config.of(13, 5, 8, 3).withCell(cell)
                    .withLayers(layers).withBidirectional(bidirectional).withDType(dtype).withSeed(4).withPadId(0));
            int[][] ids = {{1, 2, 3}, {}, {12, 5, 6, 7, 8, 9, 1}, {4}, {3, 3, 3, 3}, {11, 10}};
            double[][] want = model.predictProbabilities(ids), got = ServedTextClassifier.of(model).predictProbabilities(ids);
            for (int i = 0; i < ids.length; i++) {
                assertArrayEquals(want[i], got[i], tol(dtype), "text " + i + " bidirectional=" + bidirectional);
            }
        }
    }

    @ParameterizedTest(name = "{0} {1} layers={2}")
    @MethodSource("cases")
    void regressorMatchesTheModel(CellType cell, DType dtype, int layers) {
        SequenceRegressor model = new SequenceRegressor(SequenceRegressor.Config.of(3, 7, 2).withCell(cell)
                .withLayers(layers).withBidirectional(layers == 2).withDType(dtype).withSeed(5));
        Rng rng = new Rng(6);
        float[][][] windows = new float[9][6][3];
        for (float[][] w : windows) for (float[] s : w) for (int j = 0; j < 3; j++) s[j] = (float) rng.nextGaussian();
        double[][] want = model.predict(windows), got = ServedRegressor.of(model).predict(windows);
        for (int i = 0; i < windows.length; i++) assertArrayEquals(want[i], got[i], tol(dtype), "window " + i);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServedRegressor.of(model).predict(new float[][][] {{{1, 2}}}));
        assertTrue(e.getMessage().contains("window 0 step 0 has 2 features, expected 3"), e.getMessage());
    }

    /** Two threads sharing one served language model get, bit for bit, what one thread gets. */
    @Test
    void sessionsOnManyThreadsGiveTheSameBits() throws Exception {
        ServedLanguageModel served = ServedLanguageModel.of(new LanguageModel(LanguageModelConfig.of(17, 8, 12)
                .withLayers(2).withSeed(7)));
        List<int[]> prompts = new ArrayList<>();
        Rng rng = new Rng(8);
        for (int p = 0; p < 16; p++) {
            int[] t = new int[5 + p];
            for (int i = 0; i < t.length; i++) t[i] = rng.nextInt(17);
            prompts.add(t);
        }
        List<double[]> alone = new ArrayList<>();
        for (int[] p : prompts) alone.add(allLogits(served, p));
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<double[]>> f = new ArrayList<>();
            for (int[] p : prompts) f.add(pool.submit(() -> allLogits(served, p)));
            for (int i = 0; i < prompts.size(); i++) assertArrayEquals(alone.get(i), f.get(i).get(), "prompt " + i);
        } finally {
            pool.shutdownNow();
        }
    }

    private static double[] allLogits(ServedLanguageModel m, int[] tokens) {
        ServedLanguageModel.Session s = m.openSession();
        double[] out = new double[tokens.length * 17];
        for (int i = 0; i < tokens.length; i++) System.arraycopy(s.feed(tokens[i]), 0, out, i * 17, 17);
        return out;
    }

    @Test
    void predictClassTakesTheFirstMaximum() {
        assertEquals(1, ServedTextClassifier.predictClass(new double[] {0.2, 0.5, 0.3}));
        assertEquals(0, ServedTextClassifier.predictClass(new double[] {0.4, 0.4, 0.2}));
        assertEquals(1, ServedTextClassifier.predictClass(new double[] {0.1, 0.45, 0.45}));
        assertEquals(0, ServedTextClassifier.predictClass(new double[] {-3}));
        assertThrows(IllegalArgumentException.class, () -> ServedTextClassifier.predictClass(new double[0]));
    }
}
