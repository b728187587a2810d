package dev.jrnn.cli;

import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The recurrent part of a model as every {@code train} command spells it (a picocli mixin, the one place of these
 * flags): {@code --cell}, {@code --layers}, {@code --hidden}, {@code --dropout}. The default width depends on the task
 * and comes with the instance ({@code @Mixin ModelShapeOptions shape = new ModelShapeOptions(128)}); the commands that
 * have token vectors or read in both directions add {@code --embedding} and {@code --bidirectional}, spelt alike.
 */
final class ModelShapeOptions {
    @Option(names = "--cell", defaultValue = "lstm", paramLabel = "lstm|gru|rnn|mingru|minlstm|slstm|mlstm|ttt-linear", description = "Recurrent cell (default: ${DEFAULT-VALUE}).")
    TrainLmCommand.Cell cell;

    @Option(names = "--layers", defaultValue = "1", paramLabel = "N", description = "Stacked recurrent layers (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--hidden", paramLabel = "H", description = "Hidden units per layer (and direction) (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--dropout", defaultValue = "0", paramLabel = "P",
            description = "Dropout in [0, 1): on the inputs (token vectors), between layers and before the output layer "
                    + "(default: ${DEFAULT-VALUE}).")
    double dropout;

    /** Picocli's instance (unused: every command gives its default width). */
    ModelShapeOptions() {
        this(128);
    }

    /** The flags with {@code hidden} units by default. */
    ModelShapeOptions(int hidden) {
        this.hidden = hidden;
    }

    /** Rejects values out of range, as a usage error of {@code spec}'s command; {@code embedding} may be null. */
    void validate(CommandLine.Model.CommandSpec spec, Integer embedding) {
        Cli.require(spec, layers >= 1 && hidden >= 1, "--layers and --hidden must be >= 1, got " + layers + " and " + hidden);
        Cli.sizes(spec, layers, hidden, embedding);
        Cli.require(spec, embedding == null || embedding >= 1, "--embedding must be >= 1, got " + embedding);
        Cli.require(spec, dropout >= 0 && dropout < 1, "--dropout must be in [0, 1), got " + dropout);
    }

    /** The cell's name as the flag spells it. */
    String cellName() {
        return cell.name().toLowerCase(java.util.Locale.ROOT);
    }
}
