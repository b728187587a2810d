package dev.jrnn.examples;

import dev.jrnn.autograd.Autograd;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Embedding;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.Losses;
import dev.jrnn.nn.Module;
import dev.jrnn.nn.rnn.RnnBase;
import dev.jrnn.optim.Adam;
import dev.jrnn.tensor.Rng;
import dev.jrnn.train.Batch;
import dev.jrnn.train.ConfusionMatrix;
import dev.jrnn.train.History;
import dev.jrnn.train.Metrics;
import dev.jrnn.train.ModelStep;
import dev.jrnn.train.Plots;
import dev.jrnn.train.SequenceDataset;
import dev.jrnn.train.StepOutput;
import dev.jrnn.train.Trainer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Surnames by language (PyTorch's char-RNN tutorial data, 18 languages): a character-level many-to-one
 * classifier, Embedding(chars, 32) → GRU or LSTM → final state → Linear(hidden, 18), cross-entropy, Adam.
 * Names are folded to ASCII (NFD, combining marks dropped) as the tutorial does. Writes the test confusion
 * matrix as a PNG.
 *
 * <p>Split (issue 18): the files repeat names (Arabic's 2,000 lines hold 108 distinct names), and some names are
 * listed under two or more languages. The data is first reduced to distinct (name, language) pairs; then every
 * distinct <em>name</em> goes to exactly one of train / validation / test (80/10/10, stratified by the first
 * language the name is listed under, drawn with {@code --split-seed}), together with all its languages. So no
 * surname is in two splits; a name listed under two languages appears once per language in its split, and on
 * such a name at most one of the answers can be right (the count is printed). Training stops after
 * {@code --patience} epochs without a lower validation loss, and the best validation epoch's parameters are
 * restored; the test set is read once for that model (accuracy, macro accuracy, confusion PNG) and once for the
 * last epoch's.
 *
 * <pre>
 * java -cp ... dev.jrnn.examples.NamesByLanguage [--data ../shared/data/names] [--rnn gru|lstm] [--hidden 128]
 *   [--embed 32] [--epochs 10] [--batch 64] [--lr 3e-3] [--seed 42] [--split-seed 42] [--patience 2]
 *   [--limit N (distinct names per language)] [--png docs/img/names-confusion.png] [--out runs/examples/names]
 * </pre>
 */
public final class NamesByLanguage {

    /**
     * What a run measured: the test figures of the model chosen on validation ({@code bestEpoch}, 1-based), and the
     * test accuracy of the last epoch trained.
     */
    public record Result(double testAcc, double macroAcc, double trainAcc, double testLoss, int epochs, int bestEpoch,
                         double validAcc, double lastTestAcc, double secondsPerEpoch, long[][] confusion,
                         String[] languages, Path png, History history) {}

    private NamesByLanguage() {}

    public static void main(String[] argv) throws IOException {
        Result r = run(new Args(argv));
        System.out.printf(Locale.ROOT, "RESULT names test_acc=%.4f macro_acc=%.4f last_test_acc=%.4f valid_acc=%.4f "
                + "best_epoch=%d epochs=%d train_acc=%.4f test_loss=%.4f s/epoch=%.1f png=%s%n", r.testAcc, r.macroAcc,
                r.lastTestAcc, r.validAcc, r.bestEpoch, r.epochs, r.trainAcc, r.testLoss, r.secondsPerEpoch, r.png);
    }

    /** NFD, combining marks removed (é → e); ß and other letters without a decomposition stay. */
    static String fold(String s) {
        return Normalizer.normalize(s, Normalizer.Form.NFD).replaceAll("\\p{M}", "");
    }

    static final class Model extends Module {
        final Embedding emb;
        final RnnBase rnn;
        final Linear head;

        Model(int chars, int embed, int hidden, int classes, String kind, Rng rng) {
            emb = registerModule("embedding", Embedding.builder(chars, embed).paddingIdx(0).rng(rng).build());
            rnn = registerModule("rnn", ImdbSentiment.recurrent(kind, embed, hidden, 1, false, rng));
            head = registerModule("head", new Linear(hidden, classes, rng));
        }

        Tensor logits(Batch b) {
            Tensor x = emb.forward(b.tokens(), b.size(), b.maxLength());
            return head.forward(rnn.forwardFrom(x, null, b.lengths()).hN().select(0, 0));
        }
    }

    public static Result run(Args a) throws IOException {
        Path data = a.path("data", DataPaths.dataset("names"));
        String kind = a.string("rnn", "gru");
        int hidden = a.integer("hidden", 128);
        int embed = a.integer("embed", 32);
        int epochs = a.integer("epochs", 10);
        int batchSize = a.integer("batch", 64);
        double lr = a.number("lr", 3e-3);
        long seed = a.longValue("seed", 42);
        long splitSeed = a.longValue("split-seed", 42);
        int patience = a.integer("patience", 2);
        if (patience < 0) throw new IllegalArgumentException("--patience must be >= 0 (0 = off), got " + patience);
        int limit = a.integer("limit", 0);
        Path png = a.path("png", Path.of("docs/img/names-confusion.png"));
        Path out = a.path("out", Path.of("runs/examples/names"));
        a.checkAllUsed();

        List<Path> files;
        try (Stream<Path> s = Files.list(data)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".txt")).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new IOException("no <Language>.txt files in " + data.toAbsolutePath() + "; pass --data DIR");
        }
        String[] languages = new String[files.size()];
        Map<String, TreeSet<Integer>> langsOf = new TreeMap<>();   // distinct folded name -> its languages
        TreeSet<Integer> chars = new TreeSet<>();
        int lines = 0;
        for (int l = 0; l < files.size(); l++) {
            languages[l] = files.get(l).getFileName().toString().replace(".txt", "");
            for (String line : Files.readAllLines(files.get(l), StandardCharsets.UTF_8)) {
                String n = fold(line.strip());
                if (!n.isEmpty()) {
                    lines++;
                    langsOf.computeIfAbsent(n, k -> new TreeSet<>()).add(l);
                    n.codePoints().forEach(chars::add);
                }
            }
        }
        int[] charId = new int[chars.last() + 1];   // 0 = padding; ids 1.. in code point order
        int next = 1;
        for (int c : chars) charId[c] = next++;
        int vocab = next;

        List<List<Pair>> parts = split(langsOf, limit, splitSeed);
        long multi = langsOf.values().stream().filter(ls -> ls.size() > 1).count();
        List<List<int[]>> seqs = new ArrayList<>();
        List<List<Integer>> labs = new ArrayList<>();
        for (List<Pair> part : parts) {
            List<int[]> sq = new ArrayList<>();
            List<Integer> lb = new ArrayList<>();
            for (Pair p : part) {
                sq.add(p.name().codePoints().map(c -> charId[c]).toArray());
                lb.add(p.language());
            }
            seqs.add(sq);
            labs.add(lb);
        }
        SequenceDataset train = dataset(seqs.get(0), labs.get(0));
        SequenceDataset valid = dataset(seqs.get(1), labs.get(1));
        SequenceDataset test = dataset(seqs.get(2), labs.get(2));
        System.out.printf(Locale.ROOT, "names: %d languages, %d characters; %d lines, %d distinct names (%d of them listed "
                        + "under 2+ languages, kept once per language in one split); %d train / %d validation / %d test "
                        + "(name, language) pairs, no name in two splits%n", languages.length, vocab - 1, lines,
                langsOf.size(), multi, train.size(), valid.size(), test.size());

        Rng rng = new Rng(seed);
        Model net = new Model(vocab, embed, hidden, languages.length, kind, rng);
        ImdbSentiment.LastEpoch lastEpoch = new ImdbSentiment.LastEpoch(net);
        ModelStep step = (b, training) -> {
            Tensor logits = net.logits(b);
            return StepOutput.of(Losses.crossEntropy(logits, b.labels()), b.size())
                    .metric("acc", Metrics.accuracy(logits.data(), b.labels(), null), b.size());
        };
        Trainer trainer = Trainer.builder(net, new Adam(net.parameters(), Adam.Config.adam(lr)), step)
                .config(Trainer.Config.of(epochs, batchSize).withSeed(seed).withClipNorm(5).withBucketing(8)
                        .withProgress(Trainer.ProgressMode.LINES, 1000).withCheckpoints(0, 0).withEarlyStopping(patience))
                .outputDir(out).callback(lastEpoch).build();
        long t0 = System.nanoTime();
        History h = trainer.fit(train, valid);
        double sec = (System.nanoTime() - t0) / 1e9 / h.epochs();
        int best = patience > 0 ? ImdbSentiment.bestEpoch(h, "val_loss") : h.epochs() - 1;   // restored by the trainer
        Map<String, Double> chosen = h.rows().get(best);
        Map<String, Double> testChosen = trainer.evaluate(test);

        long[][] conf = new long[languages.length][languages.length];
        net.eval();
        try (Autograd.Scope ignored = Autograd.noGrad()) {
            for (int[] rows : test.epochOrder(256, null, 0)) {
                Batch b = test.batch(rows);
                float[] lg = net.logits(b).data().toFloatArray();
                int c = languages.length;
                for (int i = 0; i < b.size(); i++) {
                    int arg = 0;
                    for (int j = 1; j < c; j++) if (lg[i * c + j] > lg[i * c + arg]) arg = j;
                    conf[b.labels()[i]][arg]++;
                }
            }
        }
        long right = 0, all = 0;
        double macro = 0;
        for (int i = 0; i < conf.length; i++) {
            long row = 0;
            for (long v : conf[i]) row += v;
            right += conf[i][i];
            all += row;
            macro += row == 0 ? 0 : conf[i][i] / (double) row;
        }
        macro /= conf.length;
        double acc = right / (double) all;
        Plots.confusionMatrix(ConfusionMatrix.ofCounts(conf), List.of(languages), String.format(Locale.ROOT,
                "Names by language: %s(%d), test accuracy %.1f%% (macro %.1f%%), %d test names",
                kind.toUpperCase(Locale.ROOT), hidden, 100 * acc, 100 * macro, all), png);
        System.out.println("wrote " + png);
        net.loadStateDict(lastEpoch.weights);
        double lastAcc = trainer.evaluate(test).get("acc");
        System.out.printf(Locale.ROOT, "chosen on validation: epoch %d of %d (val_loss %.4f, val_acc %.4f); test acc %.4f "
                + "(last epoch: %.4f)%n", best + 1, h.epochs(), chosen.get("val_loss"), chosen.get("val_acc"), acc, lastAcc);
        return new Result(acc, macro, chosen.get("train_acc"), testChosen.get("loss"), h.epochs(), best + 1,
                chosen.get("val_acc"), lastAcc, sec, conf, languages, png, h);
    }

    /** One example: a distinct (folded) name and one language it is listed under. */
    public record Pair(String name, int language) {}

    /**
     * Splits distinct names into train / validation / test (80/10/10): names grouped by their first (smallest)
     * language, each group shuffled by {@code seed}, its first 10% to test and the next 10% to validation (at least
     * one each), at most {@code limit} names per group when {@code limit > 0}. A name goes to one split with all its
     * languages, so no name is in two splits.
     *
     * @param langsOf every distinct name and the languages it is listed under (non-empty sets)
     * @return three lists of (name, language): train, validation, test
     */
    static List<List<Pair>> split(Map<String, TreeSet<Integer>> langsOf, int limit, long seed) {
        Map<Integer, List<String>> byFirst = new TreeMap<>();
        for (Map.Entry<String, TreeSet<Integer>> e : new TreeMap<>(langsOf).entrySet()) {
            byFirst.computeIfAbsent(e.getValue().first(), k -> new ArrayList<>()).add(e.getKey());
        }
        Rng rng = new Rng(seed);
        List<List<Pair>> parts = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        for (List<String> names : byFirst.values()) {
            int[] idx = new int[names.size()];
            for (int i = 0; i < idx.length; i++) idx[i] = i;
            rng.shuffle(idx);
            int n = limit > 0 ? Math.min(limit, idx.length) : idx.length;
            int nTest = Math.max(1, (int) Math.round(0.1 * n)), nValid = Math.max(1, (int) Math.round(0.1 * n));
            for (int k = 0; k < n; k++) {
                String name = names.get(idx[k]);
                int part = k < nTest ? 2 : k < nTest + nValid ? 1 : 0;
                for (int l : langsOf.get(name)) parts.get(part).add(new Pair(name, l));
            }
        }
        return parts;
    }

    private static SequenceDataset dataset(List<int[]> seqs, List<Integer> labels) {
        return SequenceDataset.ofTokens(seqs, labels.stream().mapToInt(i -> i).toArray());
    }
}
