package dev.jrnn.text;

import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.autograd.GradCheck;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Attention;
import dev.jrnn.optim.Adam;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.Rng;
import dev.jrnn.train.diagnostics.DiagnosticsReport;
import dev.jrnn.train.diagnostics.GradientProbe;
import dev.jrnn.train.diagnostics.LayerReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The encoder–decoder with attention: whole-model gradients against central differences, padding that changes
 * nothing, greedy and beam decoding, the attention matrix, and a reversal learnt that needs the source positions.
 */
class Seq2SeqAttentionTest {
    static final int DIGITS = Seq2SeqTest.DIGITS, BOS = Seq2SeqTest.BOS, EOS = Seq2SeqTest.EOS;

    static Seq2Seq model(Attention.Type type, CellType cell, int layers, long seed) {
        return new Seq2Seq(Seq2SeqConfig.of(DIGITS, DIGITS + 2, 3, 4, BOS, EOS).withCell(cell).withLayers(layers)
                .withDType(DType.FLOAT64).withSeed(seed).withAttention(type));
    }

    @ParameterizedTest
    @EnumSource(value = Attention.Type.class, names = {"BAHDANAU", "LUONG_DOT", "LUONG_GENERAL"})
    void wholeModelGradientsMatchCentralDifferences(Attention.Type type) {
        for (CellType cell : new CellType[] {CellType.LSTM, CellType.GRU}) {
            Seq2Seq m = model(type, cell, cell == CellType.LSTM ? 2 : 1, 3);
            List<int[]> src = List.of(new int[] {1, 2, 3, 4}, new int[] {7}, new int[] {0, 9});
            List<int[]> tgt = List.of(new int[] {3, 1}, new int[] {8, 8, 2}, new int[0]);
            List<Tensor> wrt = new ArrayList<>(m.parameters());
            GradCheck.Report r = GradCheck.assertMatches(() -> m.loss(src, tgt), wrt);
            assertTrue(r.passed(), type + " " + cell + ": " + r);
            assertTrue(m.namedParameters().keySet().stream().anyMatch(n -> n.startsWith("attention.")) || type == Attention.Type.LUONG_DOT);
        }
    }

    @ParameterizedTest
    @EnumSource(Attention.Type.class)
    void probeOfTheEncoderScoresTheModelsLossOverEachSourcesLength(Attention.Type type) {
        Seq2Seq m = model(type, CellType.LSTM, 2, 5);
        List<int[]> src = List.of(new int[] {1, 2, 3, 4}, new int[] {7}, new int[] {0, 9});
        List<int[]> tgt = List.of(new int[] {3, 1}, new int[] {8, 8, 2}, new int[0]);
        DiagnosticsReport r = GradientProbe.measure(m.encoder(), m.probe(src, tgt));
        assertEquals(m.loss(src, tgt).item(), r.loss(), 1e-12, type + ": the probe's loss is the model's");
        LayerReport top = r.layers().get(r.layers().size() - 1);
        assertEquals(4, top.length());
        int[] lengths = {4, 1, 2};
        for (int b = 0; b < 3; b++) {
            for (int t = 0; t < 4; t++) {
                double g = top.exampleGradNorm()[t][b];                       // [T][B]; NaN on padding
                assertTrue(t < lengths[b] ? g > 0 && Double.isFinite(g) : Double.isNaN(g), type + " row " + b + " step " + t + ": " + g);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Attention.Type.class, names = {"BAHDANAU", "LUONG_DOT", "LUONG_GENERAL"})
    void paddedBatchesEqualEachPairAlone(Attention.Type type) {
        Seq2Seq m = model(type, CellType.LSTM, 2, 4);
        List<int[]> src = List.of(new int[] {1, 2, 3, 4, 5}, new int[] {7}, new int[] {0, 9});
        List<int[]> tgt = List.of(new int[] {3}, new int[] {8, 8, 8, 2}, new int[0]);
        double weighted = 0, tokens = 0;
        for (int b = 0; b < 3; b++) {
            double alone = m.loss(List.of(src.get(b)), List.of(tgt.get(b))).item();
            int n = tgt.get(b).length + 1;
            weighted += n * alone;
            tokens += n;
            assertEquals(-n * alone, m.logProbability(src.get(b), tgt.get(b)), 1e-12, "chain rule, pair " + b);
        }
        assertEquals(weighted / tokens, m.loss(src, tgt).item(), 1e-12, type.name());

        m.namedParameters().get("output.bias").data().set(0.8, EOS);           // some outputs end early
        Rng rng = new Rng(5);
        List<int[]> sources = new ArrayList<>();
        for (int i = 0; i < 10; i++) sources.add(Seq2SeqTest.randomDigits(rng, 1, 7));
        List<int[]> batched = m.greedy(sources, 9);
        for (int i = 0; i < sources.size(); i++) {
            assertArrayEquals(m.greedy(sources.get(i), 9), batched.get(i), type + ": source " + i);
            BeamSearch.Hypothesis best = m.beamSearch(sources.get(i), BeamSearchConfig.of(1, 9)).get(0);
            assertArrayEquals(batched.get(i), best.tokens(), type + ": beam 1 is greedy, source " + i);
            assertTrue(m.beamSearch(sources.get(i), BeamSearchConfig.of(3, 9)).get(0).logProbability()
                    >= best.logProbability() - 1e-12, "a wider beam finds no worse");
        }
    }

    @Test
    void alignmentHasOneDistributionPerOutputToken() {
        Seq2Seq m = model(Attention.Type.LUONG_GENERAL, CellType.GRU, 1, 6);
        int[] source = {4, 1, 5, 9, 2};
        Seq2Seq.Alignment a = m.align(source, 8);
        assertArrayEquals(m.greedy(source, 8), a.output());
        assertEquals(a.output().length, a.weights().length);
        for (double[] row : a.weights()) {
            assertEquals(source.length, row.length);
            double sum = 0;
            for (double w : row) {
                assertTrue(w >= 0);
                sum += w;
            }
            assertEquals(1, sum, 1e-12);
        }
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> model(Attention.Type.NONE, CellType.GRU, 1, 6).align(source, 8));
        assertTrue(e.getMessage().contains("attention=none"), e.getMessage());
    }

    @Test
    void attentionChangesTheModelAndOldConstructorsMeanNone() {
        Seq2SeqConfig c = new Seq2SeqConfig(CellType.LSTM, 10, 12, 3, 4, 1, 0, DType.FLOAT64, 1, BOS, EOS);
        assertEquals(Attention.Type.NONE, c.attention());
        assertEquals(Attention.Type.BAHDANAU, c.withAttention(Attention.Type.BAHDANAU).withSeed(2).attention());
        assertNotEquals(new Seq2Seq(c).parameterCount(), new Seq2Seq(c.withAttention(Attention.Type.LUONG_DOT)).parameterCount());
        assertThrows(NullPointerException.class, () -> c.withAttention(null));
    }

    @Test
    void learnsToReverseDigitStringsWithAttention() {
        Seq2Seq m = new Seq2Seq(Seq2SeqConfig.of(DIGITS, DIGITS + 2, 16, 32, BOS, EOS).withSeed(7)
                .withCell(CellType.GRU).withAttention(Attention.Type.LUONG_DOT));
        Adam adam = new Adam(m.parameters(), Adam.Config.adam(0.01));
        Rng data = new Rng(11);
        List<int[]> testSrc = new ArrayList<>(), testTgt = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            int[] s = Seq2SeqTest.randomDigits(data, 4, 8);
            testSrc.add(s);
            testTgt.add(Seq2SeqTest.reversed(s));
        }
        double accuracy = 0;
        int step = 0;
        while (accuracy < 0.95 && step < 800) {                                  // a step budget, not a clock
            List<int[]> src = new ArrayList<>(), tgt = new ArrayList<>();
            for (int b = 0; b < 32; b++) {
                int[] s = Seq2SeqTest.randomDigits(data, 4, 8);
                src.add(s);
                tgt.add(Seq2SeqTest.reversed(s));
            }
            m.trainBatch(src, tgt, adam, 1.0);
            step++;
            if (step % 100 == 0) accuracy = m.exactMatch(testSrc, testTgt, 10);
        }
        assertTrue(accuracy >= 0.9, "exact match " + accuracy + " after " + step + " steps");
        Seq2Seq.Alignment a = m.align(new int[] {1, 2, 3, 4, 5, 6}, 10);
        assertArrayEquals(new int[] {6, 5, 4, 3, 2, 1}, a.output());
        int onAntiDiagonal = 0;                                   // output t copies source position 5 − t
        for (int t = 0; t < 6; t++) {
            int arg = 0;
            for (int j = 1; j < 6; j++) if (a.weights()[t][j] > a.weights()[t][arg]) arg = j;
            onAntiDiagonal += arg == 5 - t ? 1 : 0;
        }
        assertTrue(onAntiDiagonal >= 4, "the strongest weight of output t should be on source 5 - t: " + onAntiDiagonal + " of 6");
    }
}
