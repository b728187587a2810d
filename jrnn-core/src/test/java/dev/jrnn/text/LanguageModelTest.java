package dev.jrnn.text;

import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The language model's probabilities (chain rule, by hand from a forward pass), stateful generation against
 * rerunning the prefix, sampling through the model (seeds, temperature, {@code <unk>}, {@code <eos>}), files.
 * Untrained float64 models: these are identities, not quality.
 */
class LanguageModelTest {
    private static final int V = 9, BOS = 0, EOS = 1, UNK = 2;

    private static LanguageModel model(CellType cell, int layers, int start) {
        return new LanguageModel(LanguageModelConfig.of(V, 5, 7).withCell(cell).withLayers(layers)
                .withDType(DType.FLOAT64).withSeed(3).withSpecials(start, EOS, UNK));
    }

    /** {@code ln softmax(row)[target]}, written out independently of the library. */
    private static double logSoftmaxAt(NdArray logits, int t, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < V; v++) max = Math.max(max, logits.get(0, t, v));
        double z = 0;
        for (int v = 0; v < V; v++) z += Math.exp(logits.get(0, t, v) - max);
        return logits.get(0, t, target) - max - Math.log(z);
    }

    @Test
    void sentenceLogProbabilityIsTheSumOfStepLogProbabilitiesByHand() {
        for (int start : new int[] {BOS, LanguageModel.NONE}) {                 // <bos> or the zero vector x<1> = 0
            LanguageModel lm = model(CellType.LSTM, 2, start);
            int[] sentence = {4, 7, 3, 8, 5};
            int[] inputs = {start, 4, 7, 3, 8, 5};                              // the start input, then y1..y5
            int[] targets = {4, 7, 3, 8, 5, EOS};                               // y1..y5, then <eos>
            NdArray logits = lm.forward(inputs, 1, 6, null).logits().data();   // [1, 6, V]
            double byHand = 0;
            for (int t = 0; t < 6; t++) byHand += logSoftmaxAt(logits, t, targets[t]);
            assertEquals(byHand, lm.logProbability(sentence), 1e-12, "start " + start);
            double withoutEos = byHand - logSoftmaxAt(logits, 5, EOS);
            assertEquals(withoutEos, lm.logProbability(sentence, false), 1e-12);
            assertEquals(6, lm.stepLogProbabilities(sentence, true).length);
            assertEquals(0, lm.logProbability(new int[0], false));
            assertEquals(logSoftmaxAt(logits, 0, EOS), lm.logProbability(new int[0], true), 1e-12);
        }
    }

    @Test
    void sentenceProbabilityIsTheProductOfConditionalsFromSeparateRuns() {
        LanguageModel lm = model(CellType.GRU, 1, BOS);
        int[] sentence = {3, 3, 6, 2, 8};
        double product = 1;
        for (int t = 0; t <= sentence.length; t++) {                           // P(y_t | y_<t), each from scratch
            double[] p = Sampler.softmax(lm.nextLogits(Arrays.copyOf(sentence, t)), 1);
            double total = 0;
            for (double x : p) total += x;
            assertEquals(1, total, 1e-12);                                     // a distribution at every step
            product *= p[t < sentence.length ? sentence[t] : EOS];
        }
        assertEquals(product, Math.exp(lm.logProbability(sentence)), 1e-15);
    }

    @ParameterizedTest
    @EnumSource(value = CellType.class, names = {"LSTM", "GRU", "RNN_TANH", "MIN_GRU", "MIN_LSTM", "SLSTM", "MLSTM", "TTT_LINEAR"})
    void statefulStepsEqualRerunningTheWholePrefix(CellType cell) {
        for (int start : new int[] {BOS, LanguageModel.NONE}) {
            LanguageModel lm = model(cell, 2, start);
            int[] text = {5, 3, 8, 8, 4, 6, 2, 7};
            LanguageModel.Session s = lm.session();
            assertArrayEquals(lm.nextLogits(new int[0]), s.logits(), 1e-12);
            for (int t = 0; t < text.length; t++) {
                double[] stepwise = s.feed(text[t]);                              // one step from the kept state
                double[] rerun = lm.nextLogits(Arrays.copyOf(text, t + 1));       // the whole prefix again
                assertArrayEquals(rerun, stepwise, 1e-12, cell + ", start " + start + ", step " + t);
                assertArrayEquals(Sampler.softmax(rerun, 1), Sampler.softmax(stepwise, 1), 1e-12);
            }
            assertEquals(text.length, s.steps());
            LanguageModel.Session chunked = lm.session();                          // several tokens per call: same state
            chunked.feed(5, 3, 8);
            assertArrayEquals(s.logits(), chunked.feed(8, 4, 6, 2, 7), 1e-12);
            assertArrayEquals(new int[] {2, 1, 7}, chunked.state().h().shape());   // [layers, batch 1, hidden]
        }
    }

    @Test
    void generationIsReproducibleWithASeed() {
        LanguageModel lm = model(CellType.LSTM, 1, BOS);
        SamplingConfig cfg = SamplingConfig.defaults().withMaxLength(40).withStopAtEos(false).withTemperature(1.5);
        int[] a = lm.generate(new int[] {4}, cfg.withSeed(7)).tokens();
        int[] b = lm.generate(new int[] {4}, cfg.withSeed(7)).tokens();
        int[] c = lm.generate(new int[] {4}, cfg.withSeed(8)).tokens();
        assertArrayEquals(a, b);
        assertEquals(40, a.length);
        assertFalse(Arrays.equals(a, c), "another seed, another text");
    }

    @Test
    void generationLogProbabilityIsTheModelsOwn() {
        LanguageModel lm = model(CellType.LSTM, 1, BOS);
        int[] prompt = {4, 5};
        LanguageModel.Generation g = lm.generate(prompt, SamplingConfig.defaults().withMaxLength(6).withStopAtEos(false).withSeed(1));
        int[] whole = new int[prompt.length + g.tokens().length];
        System.arraycopy(prompt, 0, whole, 0, 2);
        System.arraycopy(g.tokens(), 0, whole, 2, g.tokens().length);
        double expected = lm.logProbability(whole, false) - lm.logProbability(prompt, false);
        assertEquals(expected, g.logProbability(), 1e-10);
    }

    @Test
    void temperatureTowardsZeroGeneratesTheGreedyText() {
        for (long seed = 0; seed < 5; seed++) {
            LanguageModel lm = new LanguageModel(LanguageModelConfig.of(V, 5, 7).withSeed(seed).withSpecials(BOS, EOS, UNK));
            SamplingConfig base = SamplingConfig.defaults().withMaxLength(30).withStopAtEos(false);
            int[] greedy = lm.generate(new int[0], base.withGreedy(true)).tokens();
            int[] cold = lm.generate(new int[0], base.withTemperature(1e-6).withSeed(seed + 100)).tokens();
            assertArrayEquals(greedy, cold, "seed " + seed);
        }
    }

    /** A model whose output bias makes {@code token} overwhelmingly likely. */
    private static LanguageModel biasedTowards(int token) {
        LanguageModel lm = model(CellType.LSTM, 1, BOS);
        lm.output().bias().data().set(6.0, token);
        return lm;
    }

    @Test
    void unkIsNeverEmittedWhenResamplingIsOn() {
        LanguageModel lm = biasedTowards(UNK);
        SamplingConfig cfg = SamplingConfig.defaults().withMaxLength(300).withStopAtEos(false).withSeed(4);
        long unks = Arrays.stream(lm.generate(new int[0], cfg).tokens()).filter(t -> t == UNK).count();
        assertTrue(unks > 150, "the bias makes <unk> frequent without resampling: " + unks);
        int[] clean = lm.generate(new int[0], cfg.withResampleUnk(true)).tokens();
        assertEquals(300, clean.length);
        assertTrue(Arrays.stream(clean).noneMatch(t -> t == UNK));
        int[] greedy = lm.generate(new int[0], cfg.withGreedy(true).withResampleUnk(true)).tokens();
        assertTrue(Arrays.stream(greedy).noneMatch(t -> t == UNK));
    }

    @Test
    void generationStopsAtEosOrMaxLength() {
        LanguageModel lm = biasedTowards(EOS);
        LanguageModel.Generation g = lm.generate(new int[] {3}, SamplingConfig.defaults().withMaxLength(50).withSeed(2));
        assertTrue(g.endedAtEos());
        assertTrue(g.tokens().length < 50);
        assertTrue(Arrays.stream(g.tokens()).noneMatch(t -> t == EOS), "<eos> is not part of the text");
        LanguageModel.Generation cut = lm.generate(new int[] {3}, SamplingConfig.defaults().withMaxLength(50).withStopAtEos(false));
        assertFalse(cut.endedAtEos());
        assertEquals(50, cut.tokens().length);
    }

    @Test
    void beamOfOneIsGreedyGeneration() {
        for (long seed = 0; seed < 4; seed++) {
            LanguageModel lm = new LanguageModel(LanguageModelConfig.of(V, 6, 8).withSeed(seed).withSpecials(BOS, EOS, UNK));
            lm.output().bias().data().set(1.5, EOS);                          // so that some end before the limit
            int[] prompt = {4, 6};
            LanguageModel.Generation greedy = lm.generate(prompt, SamplingConfig.greedyDecoding().withMaxLength(12));
            BeamSearch.Hypothesis beam = lm.beamSearch(prompt, BeamSearchConfig.of(1, 12)).get(0);
            assertArrayEquals(greedy.tokens(), beam.tokens(), "seed " + seed);
            assertEquals(greedy.endedAtEos(), beam.finished());
            assertEquals(greedy.logProbability(), beam.logProbability(), 1e-5);
        }
    }

    @Test
    void anUntrainedModelIsNearUniformAndTrainingModeDoesNotLeak() {
        LanguageModel lm = new LanguageModel(LanguageModelConfig.of(V, 5, 7).withDropout(0.5).withSeed(1));
        int[] corpus = new int[400];
        Rng rng = new Rng(2);
        for (int i = 0; i < corpus.length; i++) corpus[i] = rng.nextInt(V);
        LanguageModel.Evaluation e = lm.evaluate(corpus, 4, 10);
        assertEquals(4 * 99, e.tokens());
        assertTrue(e.perplexity() > V * 0.7 && e.perplexity() < V * 2, "perplexity " + e.perplexity());
        assertEquals(e.meanNll() / Math.log(2), e.bitsPerToken(), 1e-12);
        assertTrue(lm.isTraining(), "evaluate restores the mode");
        assertEquals(e.meanNll(), lm.evaluate(corpus, 4, 10).meanNll(), 0, "no dropout while evaluating");
    }

    @Test
    void forwardChecksItsArguments() {
        LanguageModel lm = model(CellType.LSTM, 1, BOS);
        assertThrows(IllegalArgumentException.class, () -> lm.forward(new int[5], 2, 3, null));
        assertThrows(IndexOutOfBoundsException.class, () -> lm.forward(new int[] {V}, 1, 1, null));
        assertThrows(IllegalArgumentException.class, () -> LanguageModelConfig.of(V, 4, 4).withSpecials(V, -1, -1));
        assertThrows(IllegalArgumentException.class, () -> LanguageModelConfig.of(1, 4, 4));
        LanguageModel noEos = new LanguageModel(LanguageModelConfig.of(V, 4, 4));
        assertThrows(IllegalStateException.class, () -> noEos.logProbability(new int[] {3}, true));
        assertEquals(noEos.logProbability(new int[] {3}, false), noEos.logProbability(new int[] {3}), 0);
        Tensor logits = lm.forward(new int[] {3, 4, 5, 6, 7, 8}, 2, 3, null).logits();
        assertArrayEquals(new int[] {2, 3, V}, logits.shape());
    }

    @Test
    void saveAndLoadGiveTheSameModel(@TempDir Path dir) throws Exception {
        LanguageModel lm = model(CellType.GRU, 2, LanguageModel.NONE);
        Path file = dir.resolve("lm.safetensors");
        lm.save(file, Map.of("vocab", "a b c"));
        LanguageModel.Loaded loaded = LanguageModel.load(file);
        assertEquals(lm.config(), loaded.model().config());
        assertEquals("a b c", loaded.metadata().get("vocab"));
        int[] s = {3, 4, 5};
        assertEquals(lm.logProbability(s), loaded.model().logProbability(s), 0);
        assertEquals(List.copyOf(lm.namedParameters().keySet()), List.copyOf(loaded.model().namedParameters().keySet()));
        assertThrows(IllegalArgumentException.class, () -> lm.save(dir.resolve("x"), Map.of("lm.cell", "GRU")));
        Map<String, String> meta = new java.util.HashMap<>(lm.config().toMetadata());
        meta.put("lm.format", "99");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LanguageModelConfig.fromMetadata(meta))
                .getMessage().contains("unsupported format version 99"));
    }
}
