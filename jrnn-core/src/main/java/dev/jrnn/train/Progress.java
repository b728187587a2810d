package dev.jrnn.train;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress of the {@link Trainer}'s epochs, in one of the {@link Trainer.ProgressMode}s: on a terminal a bar redrawn
 * in place ({@code \r}) with steps/s, the running loss and the time left; elsewhere (a log file, a CI job) a plain
 * line every N steps or seconds, so logs stay readable; in quiet mode only the epoch summaries.
 *
 * <pre>
 * bar:   epoch 2/10 [##########----------] 50/100  41.3 steps/s  loss 0.5312 (0.766 bits)  ETA 0:01
 * lines: epoch 2/10 step 50/100  loss 0.5312 (0.766 bits)  41.3 steps/s  ETA 0:01
 * </pre>
 */
final class Progress {
    private static final int WIDTH = 20;
    private final PrintStream out;
    private final Trainer.ProgressMode mode;
    private final boolean bar;
    private final int logEverySteps;
    private final double logEverySeconds;
    private final boolean bits;
    private int epoch, epochs, total, first;
    private long start;
    private double lastLine, lastValidationLine;
    private boolean barShown;

    /**
     * @param out             where to print (null for nothing at all)
     * @param mode            how to show progress; {@code AUTO} is a bar when {@code out} is the standard output
     *                        and that is a terminal ({@link #isTerminal()}), lines otherwise
     * @param logEverySteps   in lines mode, a line every this many steps (0: none)
     * @param logEverySeconds in lines mode, a line at least this often (0: none)
     * @param bits            show the loss in bits too (a language model's loss is nats per token)
     */
    Progress(PrintStream out, Trainer.ProgressMode mode, int logEverySteps, double logEverySeconds, boolean bits) {
        this.out = out;
        this.mode = mode;
        this.bar = mode == Trainer.ProgressMode.BAR || mode == Trainer.ProgressMode.AUTO && out == System.out && isTerminal();
        this.logEverySteps = logEverySteps;
        this.logEverySeconds = logEverySeconds;
        this.bits = bits;
    }

    /**
     * Whether the standard output is a terminal, right on every JDK: {@code System.console() != null} on JDK 17-21;
     * from JDK 22 on, where a console exists even when the output is redirected, {@code Console.isTerminal()}
     * (called reflectively, since this code compiles for 17).
     */
    static boolean isTerminal() {
        java.io.Console c = System.console();
        if (c == null) return false;
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(c);
        } catch (ReflectiveOperationException e) {
            return true;                                   // JDK < 22: a console means a terminal
        }
    }

    /** Starts timing an epoch of {@code total} steps, of which the first {@code done} are already done (resume). */
    void startEpoch(int epoch, int epochs, int total, int done) {
        this.epoch = epoch + 1;
        this.epochs = epochs;
        this.total = total;
        this.first = done;
        this.start = System.nanoTime();
        this.lastLine = 0;
    }

    /** Reports that {@code done} of the epoch's steps are finished, with the running mean loss. */
    void update(int done, double loss) {
        if (out == null || mode == Trainer.ProgressMode.QUIET) return;
        double seconds = (System.nanoTime() - start) / 1e9;
        double rate = seconds > 0 ? (done - first) / seconds : 0;
        String eta = rate > 0 ? clock((total - done) / rate) : "?";
        String lossText = String.format(Locale.ROOT, "loss %.4f", loss)
                + (bits ? String.format(Locale.ROOT, " (%.3f bits)", Metrics.bitsPerCharacter(loss)) : "");
        if (bar) {
            int filled = total == 0 ? WIDTH : (int) ((long) WIDTH * done / total);
            out.print(String.format(Locale.ROOT, "\r%s [%s%s] %d/%d  %.1f steps/s  %s  ETA %s ", epochText(),
                    "#".repeat(filled), "-".repeat(WIDTH - filled), done, total, rate, lossText, eta));
            out.flush();
            barShown = true;
        } else {
            boolean byStep = logEverySteps > 0 && (done % logEverySteps == 0 || done == total);
            boolean byTime = logEverySeconds > 0 && seconds - lastLine >= logEverySeconds;
            if (byStep || byTime) {
                lastLine = seconds;
                out.println(String.format(Locale.ROOT, "%s step %d/%d  %s  %.1f steps/s  ETA %s", epochText(), done, total,
                        lossText, rate, eta));
            }
        }
    }

    /** During a validation pass: the bar shows its share; lines mode prints a line every 10 s once it takes longer. */
    void validating(int done, int total, double seconds) {
        if (out == null || mode == Trainer.ProgressMode.QUIET) return;
        if (done == 1) lastValidationLine = 0;
        double frac = (double) done / total;
        if (bar) {
            int filled = (int) Math.round(frac * WIDTH);
            out.print(String.format(Locale.ROOT, "\rvalidating [%s%s] %3.0f%%  %s elapsed%s", "#".repeat(filled),
                    "-".repeat(WIDTH - filled), 100 * frac, clock(seconds), " ".repeat(40)));
            out.flush();
            barShown = true;
        } else if (seconds - lastValidationLine >= 10) {
            lastValidationLine = seconds;
            out.println(String.format(Locale.ROOT, "validating: %d of %d steps (%.0f%%), %s elapsed", done, total,
                    100 * frac, clock(seconds)));
        }
    }

    /** Ends the epoch's progress (clears the bar line) and prints the summary line. */
    void endEpoch(String summary) {
        if (out == null) return;
        if (barShown) {
            out.print("\r" + " ".repeat(WIDTH + 90) + "\r");
            barShown = false;
        }
        out.println(summary);
        out.flush();
    }

    /** Prints a line as it is. */
    void line(String s) {
        if (out != null) out.println(s);
    }

    private String epochText() {
        return epochs == Integer.MAX_VALUE ? "epoch " + epoch : "epoch " + epoch + "/" + epochs;
    }

    /** Seconds as {@code m:ss} (or {@code h:mm:ss}). */
    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
