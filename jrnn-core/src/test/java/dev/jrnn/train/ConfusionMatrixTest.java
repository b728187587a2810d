package dev.jrnn.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfusionMatrixTest {
    //            true:  0  0  0  0  1  1  1  2  2  2
    //       predicted:  0  0  0  1  1  1  0  2  1  0
    private static final int[] ACTUAL = {0, 0, 0, 0, 1, 1, 1, 2, 2, 2};
    private static final int[] PREDICTED = {0, 0, 0, 1, 1, 1, 0, 2, 1, 0};

    @Test
    void countsAndScoresByHand() {
        ConfusionMatrix m = ConfusionMatrix.of(3, ACTUAL, PREDICTED);
        assertArrayEquals(new long[][] {{3, 1, 0}, {1, 2, 0}, {1, 1, 1}}, m.counts());
        assertEquals(10, m.total());
        assertEquals(0.6, m.accuracy(), 1e-15);                     // 3 + 2 + 1 of 10
        assertEquals(3.0 / 5, m.precision(0), 1e-15);                // column 0: 3, 1, 1
        assertEquals(2.0 / 4, m.precision(1), 1e-15);                // column 1: 1, 2, 1
        assertEquals(1.0, m.precision(2), 1e-15);
        assertEquals(3.0 / 4, m.recall(0), 1e-15);
        assertEquals(2.0 / 3, m.recall(1), 1e-15);
        assertEquals(1.0 / 3, m.recall(2), 1e-15);
        assertEquals(2 * 0.6 * 0.75 / 1.35, m.f1(0), 1e-15);
        assertEquals(2 * 0.5 * (2.0 / 3) / (0.5 + 2.0 / 3), m.f1(1), 1e-15);
        assertEquals(0.5, m.f1(2), 1e-15);
        assertEquals((0.6 + 0.5 + 1) / 3, m.macroPrecision(), 1e-15);
        assertEquals((0.75 + 2.0 / 3 + 1.0 / 3) / 3, m.macroRecall(), 1e-15);
        assertEquals((m.f1(0) + m.f1(1) + m.f1(2)) / 3, m.macroF1(), 1e-15);
        assertEquals(4, m.support(0));
        assertEquals(4, m.predicted(1));
    }

    @Test
    void aClassNeverPredictedOrAbsentScoresZero() {
        ConfusionMatrix m = ConfusionMatrix.of(3, new int[] {0, 0, 1}, new int[] {0, 1, 1});
        assertEquals(0, m.precision(2));
        assertEquals(0, m.recall(2));
        assertEquals(0, m.f1(2));
        assertEquals((1 + 0.5 + 0) / 3, m.macroPrecision(), 1e-15);
    }

    @Test
    void badInputIsRefusedWithWhatWasFound() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfusionMatrix.of(2, new int[] {0, 2}, new int[] {0, 1}));
        assertTrue(e.getMessage().contains("item 1 has true class 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ConfusionMatrix.of(2, new int[] {0}, new int[] {0, 1}));
        assertThrows(IllegalArgumentException.class, () -> ConfusionMatrix.ofCounts(new long[][] {{1, 2}, {3}}));
        assertThrows(IllegalArgumentException.class, () -> ConfusionMatrix.ofCounts(new long[][] {{1, -2}, {3, 0}}));
        assertArrayEquals(new long[][] {{1, 2}, {3, 0}}, ConfusionMatrix.ofCounts(new long[][] {{1, 2}, {3, 0}}).counts());
    }

    @Test
    void thePngShadesEachCellByItsShareOfTheRow(@TempDir Path dir) throws IOException {
        Path png = dir.resolve("sub/confusion.png");
        Plots.confusionMatrix(ConfusionMatrix.of(3, ACTUAL, PREDICTED), List.of("a", "b", "c"), "test", png);
        BufferedImage img = ImageIO.read(png.toFile());
        int left = 190, top = 70, cell = 40;                         // the layout Plots draws
        // an empty cell is white, a full-row share would be pure blue; (0,0) holds 3/4 of its row, (0,2) none
        int full = img.getRGB(left + 2, top + 2), none = img.getRGB(left + 2 * cell + 2, top + 2);
        assertEquals(0xFFFFFF, none & 0xFFFFFF);
        int shade = (int) Math.round(255 * (1 - 0.75));
        assertEquals((shade << 16) | (shade << 8) | 255, full & 0xFFFFFF);
        assertNotEquals(full, img.getRGB(left + cell + 2, top + 2));
        assertThrows(IllegalArgumentException.class, () -> Plots.confusionMatrix(ConfusionMatrix.of(3, ACTUAL, PREDICTED),
                List.of("a", "b"), "t", png));
    }
}
