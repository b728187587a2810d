package dev.jrnn.train;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress of an epoch: on a terminal a bar redrawn in place ({@code \r}) with steps/s, the running loss and
 * the time left; elsewhere (a log file, a CI job) a plain line every {@code logEvery} steps, so logs stay
 * readable.
 *
 * <pre>
 * bar:   epoch 2/10 [##########----------] 50/100  41.3 steps/s  loss 0.5312  ETA 0:01
 * lines: epoch 2/10 step 50/100  loss 0.5312  41.3 steps/s  ETA 0:01
 * </pre>
 */
final class Progress {
    private static final int WIDTH = 20;
    private final PrintStream out;
    private final boolean bar;
    private final int logEvery;
    private int epoch, epochs, total;
    private long start;
    private int first;

    /**
     * @param out      where to print (null for no progress output)
     * @param bar      redraw a bar in place (terminal) instead of printing lines
     * @param logEvery print a line every this many steps (lines mode); 0 for none
     */
    Progress(PrintStream out, boolean bar, int logEvery) {
        this.out = out;
        this.bar = bar;
        this.logEvery = logEvery;
    }

    /** Starts timing an epoch of {@code total} steps, of which the first {@code done} are already done (resume). */
    void startEpoch(int epoch, int epochs, int total, int done) {
        this.epoch = epoch + 1;
        this.epochs = epochs;
        this.total = total;
        this.first = done;
        this.start = System.nanoTime();
    }

    /** Reports that {@code done} of the epoch's steps are finished, with the running mean loss. */
    void update(int done, double loss) {
        if (out == null) {
            return;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double rate = seconds > 0 ? (done - first) / seconds : 0;
        String eta = rate > 0 ? clock((total - done) / rate) : "?";
        if (bar) {
            int filled = total == 0 ? WIDTH : (int) ((long) WIDTH * done / total);
            out.print(String.format(Locale.ROOT, "\repoch %d/%d [%s%s] %d/%d  %.1f steps/s  loss %.4f  ETA %s ",
                    epoch, epochs, "#".repeat(filled), "-".repeat(WIDTH - filled), done, total, rate, loss, eta));
            out.flush();
        } else if (logEvery > 0 && (done % logEvery == 0 || done == total)) {
            out.println(String.format(Locale.ROOT, "epoch %d/%d step %d/%d  loss %.4f  %.1f steps/s  ETA %s",
                    epoch, epochs, done, total, loss, rate, eta));
        }
    }

    /** Ends the epoch's progress (clears the bar line) and prints the summary line. */
    void endEpoch(String summary) {
        if (out == null) {
            return;
        }
        if (bar) {
            out.print("\r" + " ".repeat(WIDTH + 70) + "\r");
        }
        out.println(summary);
        out.flush();
    }

    /** Prints a line as it is. */
    void line(String s) {
        if (out != null) {
            out.println(s);
        }
    }

    /** Seconds as {@code m:ss} (or {@code h:mm:ss}). */
    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
