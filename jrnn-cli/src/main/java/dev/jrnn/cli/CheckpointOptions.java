package dev.jrnn.cli;

import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The checkpoint and progress flags of the tasks that train through {@link TrainerRun} ({@code train classify},
 * {@code train seq2seq}, {@code train regress}), a picocli mixin: {@code --checkpoint-every}, {@code --resume},
 * {@code --overwrite}, and the progress flags ({@link ProgressOptions}). Each command checks the values with its other options.
 */
final class CheckpointOptions {
    @Option(names = "--checkpoint-every", defaultValue = "200", paramLabel = "N",
            description = "Write OUT/checkpoint.safetensors every N steps, and after every epoch; 0 = epochs only (default: ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--resume", description = "Continue the run in --out from its checkpoint (same data and settings; --epochs and --max-steps may change).")
    boolean resume;

    @Option(names = "--overwrite", description = "Start afresh in an --out that holds a run or a model: its checkpoint is "
            + "deleted, its model replaced when this run saves one. Without it such an --out is refused.")
    boolean overwrite;

    @CommandLine.Mixin
    ProgressOptions show;
}
