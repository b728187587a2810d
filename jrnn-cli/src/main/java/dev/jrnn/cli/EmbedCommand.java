package dev.jrnn.cli;

import dev.jrnn.io.Printable;
import dev.jrnn.text.LanguageModelFiles;
import dev.jrnn.text.Neighbour;
import dev.jrnn.text.PretrainedEmbeddings;
import dev.jrnn.text.Similarity;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code jrnn embed}: nearest words, analogies and similarities over word vectors. */
@Command(name = "embed", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Explore word vectors: nearest neighbours by cosine similarity, analogies (a - b + c, "
                + "gensim's most_similar), and the similarity of two words.",
                "The vectors come from a GloVe or word2vec file (text or binary, gzipped or not), or from the "
                        + "embedding table of a saved language model."},
        footer = {"", "Examples:",
                "  jrnn embed --vectors glove.6B.50d.txt.gz --nearest king --nearest computer",
                "  jrnn embed --vectors glove.6B.50d.txt.gz --analogy king man woman",
                "  jrnn embed --model runs/ptb --nearest money"})
final class EmbedCommand implements Callable<Integer> {
    /** The file format, as the flag spells it. */
    enum Format { AUTO, GLOVE, WORD2VEC, WORD2VEC_BINARY }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--vectors", paramLabel = "FILE", description = "A GloVe / word2vec file.")
    Path vectors;

    @Option(names = "--model", paramLabel = "DIR", description = "A saved language model: use its embedding table instead.")
    Path model;

    @Option(names = "--format", defaultValue = "auto", paramLabel = "auto|glove|word2vec|word2vec_binary",
            description = "Format of --vectors (default: ${DEFAULT-VALUE}: detected).")
    Format format;

    @Option(names = "--limit", paramLabel = "N", description = "Read only the first N vectors (the most frequent words).")
    Long limit;

    @Option(names = "--nearest", paramLabel = "WORD", description = "Print the words nearest to WORD (repeatable).")
    List<String> nearest = new ArrayList<>();

    @Option(names = "--analogy", arity = "3", paramLabel = "WORD",
            description = "A B C: the words nearest to A - B + C (king man woman -> queen).")
    List<String> analogy;

    @Option(names = "--similarity", arity = "2", paramLabel = "WORD", description = "A B: the cosine similarity of two words.")
    List<String> similarity;

    @Option(names = {"-k", "--top"}, defaultValue = "10", paramLabel = "K", description = "Answers per query (default: ${DEFAULT-VALUE}).")
    int k;

    @Override
    public Integer call() throws IOException {
        Cli.require(spec, (vectors == null) != (model == null), "give exactly one of --vectors FILE and --model DIR");
        Cli.require(spec, !nearest.isEmpty() || analogy != null || similarity != null,
                "nothing to do: give --nearest WORD, --analogy A B C or --similarity A B");
        Cli.require(spec, k >= 1, "-k must be >= 1, got " + k);
        Cli.require(spec, limit == null || limit >= 1, "--limit must be >= 1, got " + limit);
        Similarity sim;
        String what;
        long t0 = System.nanoTime();
        if (vectors != null) {
            Cli.existingFile(vectors, "--vectors");
            PretrainedEmbeddings.Format f = format == Format.AUTO ? PretrainedEmbeddings.detectFormat(vectors)
                    : format == Format.GLOVE ? PretrainedEmbeddings.Format.GLOVE_TEXT
                    : format == Format.WORD2VEC ? PretrainedEmbeddings.Format.WORD2VEC_TEXT
                    : PretrainedEmbeddings.Format.WORD2VEC_BINARY;
            PretrainedEmbeddings.LoadOptions opts = PretrainedEmbeddings.LoadOptions.all();
            if (limit != null) opts = opts.limit(limit);
            PretrainedEmbeddings e = PretrainedEmbeddings.load(vectors, f, opts);
            sim = e.similarity();
            what = Cli.fmt("%s (%s): %,d words, %d dimensions", vectors, f, e.size(), e.dim());
        } else {
            LanguageModelFiles.Loaded m = LanguageModelFiles.load(Cli.modelDir(model));
            if (m.vocabulary() == null) throw new Cli.Failure(m.dir() + ": the model has no vocabulary to look words up in");
            sim = Similarity.of(m.model().embedding(), m.vocabulary());
            what = Cli.fmt("%s (the embedding table of a language model): %,d tokens, %d dimensions", m.dir(), sim.size(), sim.dim());
        }
        System.out.println(Cli.fmt("%s; loaded in %.2fs", what, (System.nanoTime() - t0) / 1e9));
        for (String w : nearest) {
            print("nearest to " + w, sim.nearest(w, k));
        }
        if (analogy != null) {
            String a = analogy.get(0), b = analogy.get(1), c = analogy.get(2);
            print(a + " - " + b + " + " + c + "  (" + b + " is to " + a + " as " + c + " is to ?)", sim.analogy(a, b, c, k));
        }
        if (similarity != null) {
            System.out.println();
            System.out.println(Cli.fmt("cosine(%s, %s) = %.4f", similarity.get(0), similarity.get(1),
                    sim.cosine(similarity.get(0), similarity.get(1))));
        }
        return 0;
    }

    private static void print(String title, List<Neighbour> answers) {
        System.out.println();
        System.out.println(title + ":");
        int width = 4;
        for (Neighbour n : answers) width = Math.max(width, Printable.of(n.word()).length());
        int rank = 1;
        for (Neighbour n : answers) {                                     // words come from the file: escape controls
            System.out.println(Cli.fmt("  %2d  %-" + width + "s  %.4f", rank++, Printable.of(n.word()), n.similarity()));
        }
    }
}
