package dev.jrnn.cli;

import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * How long a training command runs besides its epochs (a picocli mixin, the one place of these flags):
 * {@code --minutes} or {@code --seconds}, the time budget of this invocation with validation included
 * ({@link dev.jrnn.train.Trainer.Builder#maxSeconds}), {@code --max-steps}, counting the steps of resumed runs, and
 * {@code --patience}: early stopping on the validation loss with the best epoch's parameters restored.
 */
final class BudgetOptions {
    @Option(names = "--minutes", paramLabel = "M", description = "Time budget of this invocation, validation included: "
            + "training stops early enough for the last validation to fit.")
    Double minutes;

    @Option(names = "--seconds", paramLabel = "S", description = "The time budget in seconds (instead of --minutes).")
    Double seconds;

    @Option(names = "--max-steps", paramLabel = "N", description = "Stop after N steps in all, counting resumed ones.")
    Long maxSteps;

    @Option(names = "--patience", defaultValue = "0", paramLabel = "N",
            description = "Stop after N epochs without a better validation loss, and keep the best epoch's parameters "
                    + "(default: ${DEFAULT-VALUE} = off).")
    int patience;

    /** Rejects values out of range, as a usage error of {@code spec}'s command. */
    void validate(CommandLine.Model.CommandSpec spec) {
        Cli.require(spec, minutes == null || seconds == null, "give --minutes or --seconds, not both");
        Cli.require(spec, minutes == null || minutes > 0 && Double.isFinite(minutes), "--minutes must be > 0, got " + minutes);
        Cli.require(spec, seconds == null || seconds > 0 && Double.isFinite(seconds), "--seconds must be > 0, got " + seconds);
        Cli.require(spec, maxSteps == null || maxSteps >= 1, "--max-steps must be >= 1, got " + maxSteps);
        Cli.require(spec, patience >= 0, "--patience must be >= 0 (0 = off), got " + patience);
    }

    /** The time budget in seconds, 0 for none. */
    double budgetSeconds() {
        return minutes != null ? minutes * 60 : seconds != null ? seconds : 0;
    }

    /** Whether a time or step budget is set (then a command without --epochs may leave the epochs to it). */
    boolean limited() {
        return minutes != null || seconds != null || maxSteps != null;
    }

    /** The step limit for the trainer, 0 for none. */
    long stepLimit() {
        return maxSteps == null ? 0 : maxSteps;
    }
}
