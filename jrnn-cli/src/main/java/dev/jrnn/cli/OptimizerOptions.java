package dev.jrnn.cli;

import dev.jrnn.nn.Parameter;
import dev.jrnn.optim.Adam;
import dev.jrnn.optim.Optimizer;
import dev.jrnn.optim.Sgd;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.util.List;

/**
 * The optimizer flags that {@code train lm}, {@code train seq2seq} and {@code train regress} share (a picocli mixin):
 * {@code --optimizer}, {@code --momentum}, {@code --weight-decay}, {@code --clip-norm}. Each command keeps its own
 * {@code --lr}, whose default depends on the task.
 */
final class OptimizerOptions {
    /** The optimizer, as the flag spells it. */
    enum Kind { ADAM, ADAMW, SGD }

    @Option(names = "--optimizer", defaultValue = "adam", paramLabel = "adam|adamw|sgd", description = "Optimizer (default: ${DEFAULT-VALUE}).")
    Kind kind;

    @Option(names = "--momentum", defaultValue = "0", paramLabel = "M", description = "SGD momentum (default: ${DEFAULT-VALUE}).")
    double momentum;

    @Option(names = "--weight-decay", defaultValue = "0", paramLabel = "W", description = "Weight decay (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--clip-norm", defaultValue = "5", paramLabel = "N",
            description = "Clip the global gradient norm to N; 0 = off (default: ${DEFAULT-VALUE}).")
    double clipNorm;

    /** Whether plain SGD was chosen (the commands' learning-rate defaults depend on it). */
    boolean sgd() {
        return kind == Kind.SGD;
    }

    /** Rejects values out of range, as a usage error of {@code spec}'s command. */
    void validate(CommandLine.Model.CommandSpec spec) {
        Cli.require(spec, momentum >= 0 && momentum < 1, "--momentum must be in [0, 1), got " + momentum);
        Cli.require(spec, weightDecay >= 0, "--weight-decay must be >= 0, got " + weightDecay);
        Cli.require(spec, clipNorm >= 0, "--clip-norm must be >= 0 (0 = off), got " + clipNorm);
        Cli.require(spec, kind == Kind.SGD || momentum == 0, "--momentum is for --optimizer sgd");
    }

    /** The optimizer over {@code params} at learning rate {@code lr} (Adam/AdamW with betas 0.9, 0.999 and eps 1e-8). */
    Optimizer build(List<Parameter> params, double lr) {
        switch (kind) {
            case SGD: return new Sgd(params, new Sgd.Config(lr, momentum, false, weightDecay));
            case ADAMW: return new Adam(params, new Adam.Config(lr, 0.9, 0.999, 1e-8, weightDecay, true));
            default: return new Adam(params, new Adam.Config(lr, 0.9, 0.999, 1e-8, weightDecay, false));
        }
    }
}
