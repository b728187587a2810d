package dev.jrnn.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code jrnn train TASK ...}: the parent of the training tasks; alone it prints its usage. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train a model. Tasks: lm (a char- or word-level language model on a text file), classify (a text "
                + "classifier on a TSV file of labelled texts), seq2seq (an encoder-decoder on a TSV file of "
                + "source<TAB>target pairs), regress (a forecaster on a CSV file of numeric columns).",
                "Every task writes OUT/model/ and OUT/checkpoint.safetensors, continues with --resume, and reads its "
                        + "options from a JSON file with --config FILE.",
                "One run per OUT at a time; an OUT that holds a run or a model needs --resume or --overwrite. Ctrl-C "
                        + "stops at the next step and saves the checkpoint and the model; a run that diverges (NaN or "
                        + "an exploding loss) stops with status 1 and saves no model."},
        subcommands = {TrainLmCommand.class, TrainClassifyCommand.class, TrainSeq2SeqCommand.class, TrainRegressCommand.class},
        footer = {"", "Example:", "  jrnn train seq2seq --help"})
final class TrainCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "train needs a task: lm, classify, seq2seq or regress");
    }
}
