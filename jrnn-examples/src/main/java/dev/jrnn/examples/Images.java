package dev.jrnn.examples;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Headless PNG drawing with Java2D (no display needed): a confusion-matrix heat map. */
public final class Images {
    private Images() {}

    /**
     * A row-normalised confusion matrix: cell (true i, predicted j) is shaded by {@code counts[i][j] / row total},
     * with the percentage written in it; the row labels carry each class's accuracy.
     */
    public static void confusionMatrix(long[][] counts, String[] labels, String title, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        int n = labels.length, cell = 40, left = 190, top = 70, right = 30, bottom = 130;
        int w = left + n * cell + right, h = top + n * cell + bottom;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString(title, 10, 25);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString("rows: true language (accuracy)   columns: predicted   cells: % of the row", 10, 48);
        Font small = new Font(Font.SANS_SERIF, Font.PLAIN, 10);
        for (int i = 0; i < n; i++) {
            long total = 0;
            for (long c : counts[i]) total += c;
            for (int j = 0; j < n; j++) {
                double f = total == 0 ? 0 : counts[i][j] / (double) total;
                int shade = (int) Math.round(255 * (1 - f));
                g.setColor(new Color(shade, shade, 255));
                g.fillRect(left + j * cell, top + i * cell, cell, cell);
                if (counts[i][j] > 0) {
                    g.setColor(f > 0.5 ? Color.WHITE : Color.BLACK);
                    g.setFont(small);
                    String s = String.format(Locale.ROOT, "%.0f", 100 * f);
                    FontMetrics fm = g.getFontMetrics();
                    g.drawString(s, left + j * cell + (cell - fm.stringWidth(s)) / 2, top + i * cell + cell / 2 + 4);
                }
            }
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            double acc = total == 0 ? 0 : counts[i][i] / (double) total;
            String lab = String.format(Locale.ROOT, "%s (%.0f%%, n=%d)", labels[i], 100 * acc, total);
            FontMetrics fm = g.getFontMetrics();
            g.drawString(lab, left - 6 - fm.stringWidth(lab), top + i * cell + cell / 2 + 4);
        }
        g.setColor(Color.GRAY);
        g.setStroke(new BasicStroke(1));
        g.drawRect(left, top, n * cell, n * cell);
        g.setColor(Color.BLACK);
        AffineTransform saved = g.getTransform();
        for (int j = 0; j < n; j++) {
            g.setTransform(saved);
            g.translate(left + j * cell + cell / 2 + 4, top + n * cell + 6);
            g.rotate(Math.PI / 2);
            g.drawString(labels[j], 0, 0);
        }
        g.setTransform(saved);
        g.dispose();
        Files.createDirectories(file.toAbsolutePath().getParent());
        ImageIO.write(img, "png", file.toFile());
    }
}
