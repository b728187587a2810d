package dev.jrnn.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code jrnn train TASK ...}: the parent of the training tasks; alone it prints its usage. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a model (task lm: a char- or word-level language model on a text file; task classify: a text "
                + "classifier on a TSV file of labelled texts).",
        subcommands = {TrainLmCommand.class, TrainClassifyCommand.class})
final class TrainCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "train needs a task: lm or classify");
    }
}
