package dev.jrnn.cli;

import dev.jrnn.train.Trainer;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.util.Locale;

/**
 * How a training command shows its progress (a picocli mixin, the one place of these flags): {@code --progress} in the
 * library's words ({@link Trainer.ProgressMode}: auto, bar, lines, quiet; {@code none} is accepted for quiet, the word
 * {@code train lm} and {@code demo} used before) and {@code --log-every}.
 */
final class ProgressOptions {
    @Option(names = "--progress", defaultValue = "auto", paramLabel = "auto|bar|lines|quiet", converter = ModeConverter.class,
            description = "Progress within an epoch: a bar on a terminal, lines elsewhere, or forced; quiet (or none) "
                    + "prints the epoch summaries only (default: ${DEFAULT-VALUE}).")
    Trainer.ProgressMode progress;

    @Option(names = "--log-every", defaultValue = "50", paramLabel = "N",
            description = "With lines, a progress line every N steps (default: ${DEFAULT-VALUE}).")
    int logEvery;

    /** Rejects values out of range, as a usage error of {@code spec}'s command. */
    void validate(CommandLine.Model.CommandSpec spec) {
        Cli.require(spec, logEvery >= 0, "--log-every must be >= 0, got " + logEvery);
    }

    /** The mode's name in any case; {@code none} means quiet. */
    static final class ModeConverter implements CommandLine.ITypeConverter<Trainer.ProgressMode> {
        @Override
        public Trainer.ProgressMode convert(String value) {
            String v = value.trim().toUpperCase(Locale.ROOT);
            if (v.equals("NONE")) return Trainer.ProgressMode.QUIET;
            try {
                return Trainer.ProgressMode.valueOf(v);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("expected auto, bar, lines or quiet (or none), got '" + value + "'");
            }
        }
    }
}
