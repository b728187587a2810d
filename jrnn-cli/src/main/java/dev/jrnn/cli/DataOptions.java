package dev.jrnn.cli;

import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * Where a {@code train} command reads and writes (a picocli mixin, the one place of these flags): {@code --data},
 * {@code --valid}, {@code --valid-fraction}, {@code --out}. The file format, and how the held-out share is drawn (the
 * tail of a text or a series, a seeded random pick of labelled lines), are the command's; the default share comes with
 * the instance ({@code @Mixin DataOptions files = new DataOptions(0.1)}).
 */
final class DataOptions {
    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Training data in the format above (UTF-8; .gz is read too).")
    Path data;

    @Option(names = "--valid", paramLabel = "FILE", description = "Validation data in the same format (default: --valid-fraction of --data).")
    Path valid;

    @Option(names = "--valid-fraction", paramLabel = "F",
            description = "Without --valid, the share of --data held out for validation, as described above; 0 = none "
                    + "(default: ${DEFAULT-VALUE}).")
    double validFraction;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory (created if needed).")
    Path out;

    /** Picocli's instance (unused: every command gives its default share). */
    DataOptions() {
        this(0);
    }

    /** The flags with {@code validFraction} held out by default. */
    DataOptions(double validFraction) {
        this.validFraction = validFraction;
    }

    /** Rejects values out of range, as a usage error of {@code spec}'s command. */
    void validate(CommandLine.Model.CommandSpec spec) {
        Cli.require(spec, validFraction >= 0 && validFraction <= 0.5, "--valid-fraction must be in [0, 0.5], got " + validFraction);
    }
}
