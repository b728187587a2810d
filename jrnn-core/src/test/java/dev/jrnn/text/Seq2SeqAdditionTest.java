package dev.jrnn.text;

import dev.jrnn.optim.Adam;
import dev.jrnn.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The encoder–decoder learns to add two numbers below 50 written as text, {@code "12+7" -> "19"}, char by char.
 * About 2,300 updates (some 14 s on two cores), so it runs only when asked:
 * {@code mvn test -Djrnn.slowTests=true -Dtest=Seq2SeqAdditionTest}.
 */
@EnabledIfSystemProperty(named = "jrnn.slowTests", matches = "true")
class Seq2SeqAdditionTest {
    private static final String SOURCE_CHARS = "0123456789+";
    private static final int BOS = 10, EOS = 11;                  // target ids: digits 0-9, then <bos>, <eos>

    private static int[] sourceIds(String s) {
        return s.chars().map(SOURCE_CHARS::indexOf).toArray();
    }

    private static int[] targetIds(String s) {
        return s.chars().map(c -> c - '0').toArray();
    }

    private static String text(int[] digits) {
        StringBuilder sb = new StringBuilder();
        for (int d : digits) sb.append((char) ('0' + d));
        return sb.toString();
    }

    @Test
    void learnsToAddSmallNumbers() {
        Rng data = new Rng(3);
        int max = 50;
        List<int[]> testSrc = new ArrayList<>(), testTgt = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            int a = data.nextInt(max), b = data.nextInt(max);
            testSrc.add(sourceIds(a + "+" + b));
            testTgt.add(targetIds(Integer.toString(a + b)));
        }
        Seq2Seq m = new Seq2Seq(Seq2SeqConfig.of(SOURCE_CHARS.length(), 12, 16, 96, BOS, EOS).withSeed(2));
        Adam adam = new Adam(m.parameters(), Adam.Config.adam(0.01));
        long start = System.nanoTime();
        double accuracy = 0;
        int step = 0;
        while (accuracy < 0.95 && step < 4000) {
            List<int[]> src = new ArrayList<>(), tgt = new ArrayList<>();
            for (int k = 0; k < 32; k++) {
                int a = data.nextInt(max), b = data.nextInt(max);
                src.add(sourceIds(a + "+" + b));
                tgt.add(targetIds(Integer.toString(a + b)));
            }
            double loss = m.trainBatch(src, tgt, adam, 1.0);
            step++;
            if (step % 100 == 0) {
                accuracy = m.exactMatch(testSrc, testTgt, 4);
                System.out.printf("add: step %d  loss %.4f  exact match %.3f  %.1fs%n", step, loss, accuracy,
                        (System.nanoTime() - start) / 1e9);
            }
        }
        System.out.println("12+7 -> " + text(m.greedy(sourceIds("12+7"), 4)));
        assertTrue(accuracy >= 0.9, "exact match " + accuracy + " after " + step + " steps");
        assertEquals("19", text(m.greedy(sourceIds("12+7"), 4)));
    }
}
