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
 * Names are folded to ASCII (NFD, combining marks dropped) as the tutorial does. Split: per language, a
 * seeded 80/20 split (stratified). Writes the test confusion matrix as a PNG.
 *
 * <pre>
 * java -cp ... dev.jrnn.examples.NamesByLanguage [--data ../shared/data/names] [--rnn gru|lstm] [--hidden 128]
 *   [--embed 32] [--epochs 10] [--batch 64] [--lr 3e-3] [--seed 42] [--limit N (names per language)]
 *   [--png docs/img/names-confusion.png] [--out runs/examples/names]
 * </pre>
 */
public final class NamesByLanguage {

    /** What a run measured. */
    public record Result(double testAcc, double macroAcc, double trainAcc, double testLoss, int epochs,
                         double secondsPerEpoch, long[][] confusion, String[] languages, Path png, History history) {}

    private NamesByLanguage() {}

    public static void main(String[] argv) throws IOException {
        Result r = run(new Args(argv));
        System.out.printf(Locale.ROOT, "RESULT names test_acc=%.4f macro_acc=%.4f train_acc=%.4f test_loss=%.4f "
                + "epochs=%d s/epoch=%.1f png=%s%n", r.testAcc, r.macroAcc, r.trainAcc, r.testLoss, r.epochs,
                r.secondsPerEpoch, r.png);
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
        Map<Integer, List<String>> byLang = new TreeMap<>();
        TreeSet<Integer> chars = new TreeSet<>();
        for (int l = 0; l < files.size(); l++) {
            languages[l] = files.get(l).getFileName().toString().replace(".txt", "");
            List<String> names = new ArrayList<>();
            for (String line : Files.readAllLines(files.get(l), StandardCharsets.UTF_8)) {
                String n = fold(line.strip());
                if (!n.isEmpty()) {
                    names.add(n);
                    n.codePoints().forEach(chars::add);
                }
            }
            byLang.put(l, names);
        }
        int[] charId = new int[chars.last() + 1];   // 0 = padding; ids 1.. in code point order
        int next = 1;
        for (int c : chars) charId[c] = next++;
        int vocab = next;

        Rng split = new Rng(seed);
        List<int[]> trainSeq = new ArrayList<>(), testSeq = new ArrayList<>();
        List<Integer> trainLab = new ArrayList<>(), testLab = new ArrayList<>();
        for (Map.Entry<Integer, List<String>> e : byLang.entrySet()) {
            List<String> names = e.getValue();
            int[] idx = new int[names.size()];
            for (int i = 0; i < idx.length; i++) idx[i] = i;
            split.shuffle(idx);
            int n = limit > 0 ? Math.min(limit, idx.length) : idx.length;
            int nTest = Math.max(1, (int) Math.round(0.2 * n));
            for (int k = 0; k < n; k++) {
                int[] ids = names.get(idx[k]).codePoints().map(c -> charId[c]).toArray();
                (k < nTest ? testSeq : trainSeq).add(ids);
                (k < nTest ? testLab : trainLab).add(e.getKey());
            }
        }
        SequenceDataset train = SequenceDataset.ofTokens(trainSeq, trainLab.stream().mapToInt(i -> i).toArray());
        SequenceDataset test = SequenceDataset.ofTokens(testSeq, testLab.stream().mapToInt(i -> i).toArray());
        System.out.printf(Locale.ROOT, "names: %d languages, %d characters, %d train / %d test names (stratified 80/20)%n",
                languages.length, vocab - 1, train.size(), test.size());

        Rng rng = new Rng(seed);
        Model net = new Model(vocab, embed, hidden, languages.length, kind, rng);
        ModelStep step = (b, training) -> {
            Tensor logits = net.logits(b);
            return StepOutput.of(Losses.crossEntropy(logits, b.labels()), b.size())
                    .metric("acc", Metrics.accuracy(logits.data(), b.labels(), null), b.size());
        };
        Trainer trainer = Trainer.builder(net, new Adam(net.parameters(), Adam.Config.adam(lr)), step)
                .config(Trainer.Config.of(epochs, batchSize).withSeed(seed).withClipNorm(5).withBucketing(8)
                        .withProgress(Trainer.ProgressMode.LINES, 1000).withCheckpoints(0, 0))
                .outputDir(out).build();
        long t0 = System.nanoTime();
        History h = trainer.fit(train, test);
        double sec = (System.nanoTime() - t0) / 1e9 / h.epochs();

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
        Map<String, Double> last = h.last();
        return new Result(acc, macro, last.get("train_acc"), last.get("val_loss"), h.epochs(), sec, conf, languages, png, h);
    }
}
