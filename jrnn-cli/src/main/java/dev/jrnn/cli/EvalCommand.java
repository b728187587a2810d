package dev.jrnn.cli;

import dev.jrnn.text.LanguageModel;
import dev.jrnn.text.LanguageModelFiles;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code jrnn eval MODEL --data FILE}: perplexity and bits per token of a saved language model on a text. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate a saved language model on a text file: mean loss (nats per token), perplexity and bits "
                + "per token (bits per character for a char model).",
                "Every token but the first is scored, the state carried from chunk to chunk as in training."},
        footer = {"", "Example:", "  jrnn eval runs/shakespeare --data valid.txt"})
final class EvalCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "A model directory (or a training --out directory holding model/).")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "The text to score (UTF-8; .gz is read too).")
    Path data;

    @Option(names = "--batch", defaultValue = "1", paramLabel = "B",
            description = "Parallel rows; > 1 is faster, but each row starts from the zero state (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--bptt", defaultValue = "256", paramLabel = "T", description = "Steps per chunk (default: ${DEFAULT-VALUE}).")
    int bptt;

    @Override
    public Integer call() throws IOException {
        Cli.require(spec, batch >= 1 && bptt >= 1, "--batch and --bptt must be >= 1, got " + batch + " and " + bptt);
        LanguageModelFiles.Loaded m = LanguageModelFiles.load(Cli.modelDir(model));
        String text = Cli.readText(data, "--data");
        int[] ids = m.encode(text);
        if (ids.length / batch < 2) {
            throw new Cli.Failure("--data " + data + ": " + ids.length + " tokens are too few to score with --batch " + batch);
        }
        long unknown = 0;
        int unk = m.vocabulary().unkId();
        for (int id : ids) if (id == unk && unk >= 0) unknown++;
        long t0 = System.nanoTime();
        LanguageModel.Evaluation e = m.model().evaluate(ids, batch, bptt);
        double seconds = (System.nanoTime() - t0) / 1e9;
        String unit = "char".equals(m.config().getObject("tokenizer").getString("type")) ? "char" : "word";
        System.out.println(Cli.fmt("%s on %s: %,d %s tokens scored%s", m.dir(), data, e.tokens(), unit,
                unknown > 0 ? Cli.fmt(" (%,d of %,d tokens not in the vocabulary, scored as <unk>)", unknown, ids.length) : ""));
        System.out.println(Cli.fmt("loss %.4f nats/%s  perplexity %.3f  %.4f bits/%s  (%.1fs)", e.meanNll(), unit,
                e.perplexity(), e.bitsPerToken(), unit, seconds));
        return 0;
    }
}
