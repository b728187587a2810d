package dev.jrnn.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The heat map PNG (attention weights): a readable image is written, and a matrix that does not fit its labels is refused. */
class PlotsHeatMapTest {
    @TempDir
    Path tmp;

    @Test
    void writesAPngOfTheMatrix() throws Exception {
        double[][] w = {{0.9, 0.1, 0}, {0.2, 0.7, 0.1}};
        Path png = Plots.heatMap("weights", List.of("0:a", "1:b", "2:c"), List.of("0:c", "1:b"), w, tmp.resolve("w.png"));
        BufferedImage img = ImageIO.read(png.toFile());
        assertTrue(img != null && img.getWidth() >= 640 && img.getHeight() > 200, "a PNG image");
        int dark = 0;                                   // the 0.9 cell is drawn in the dark end of the scale
        for (int x = 0; x < img.getWidth(); x++) {
            for (int y = 0; y < img.getHeight(); y++) {
                int rgb = img.getRGB(x, y), r = (rgb >> 16) & 255, b = rgb & 255;
                if (b > 80 && r < 40) dark++;
            }
        }
        assertTrue(dark > 100, "dark-blue pixels: " + dark);
    }

    @Test
    void aMatrixThatDoesNotFitItsLabelsIsRefused() {
        Path png = tmp.resolve("x.png");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Plots.heatMap("t", List.of("a", "b"), List.of("x"), new double[][] {{1, 2, 3}}, png));
        assertEquals("Plots.heatMap: a 1 x 3 matrix needs 1 row labels and 3 column labels, got 1 and 2", e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Plots.heatMap("t", List.of("a", "b"), List.of("x", "y"), new double[][] {{1, 2}, {3}}, png));
        assertThrows(IllegalArgumentException.class, () -> Plots.heatMap("t", List.of(), List.of(), new double[0][], png));
    }
}
