package dev.jrnn.examples;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Dropout;
import dev.jrnn.nn.Embedding;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.Losses;
import dev.jrnn.nn.Module;
import dev.jrnn.nn.Parameter;
import dev.jrnn.nn.rnn.Gru;
import dev.jrnn.nn.rnn.Lstm;
import dev.jrnn.nn.rnn.MinGru;
import dev.jrnn.nn.rnn.MinLstm;
import dev.jrnn.nn.rnn.MLstm;
import dev.jrnn.nn.rnn.SLstm;
import dev.jrnn.nn.rnn.RnnBase;
import dev.jrnn.nn.rnn.RnnOutput;
import dev.jrnn.nn.rnn.SimpleRnn;
import dev.jrnn.nn.rnn.TttLinear;
import dev.jrnn.optim.Adam;
import dev.jrnn.tensor.Rng;
import dev.jrnn.text.EmbeddingMatrix;
import dev.jrnn.text.PretrainedEmbeddings;
import dev.jrnn.text.Vocabulary;
import dev.jrnn.text.WordTokenizer;
import dev.jrnn.train.Batch;
import dev.jrnn.train.History;
import dev.jrnn.train.Metrics;
import dev.jrnn.train.ModelStep;
import dev.jrnn.train.SequenceDataset;
import dev.jrnn.train.StepOutput;
import dev.jrnn.train.Trainer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * IMDB sentiment (docs/results.md, "IMDB"): the 10,000 most frequent words, reviews cut to their last 80 tokens,
 * Embedding(10000, 100), 2 stacked SimpleRNN(64), one logit, binary cross-entropy, Adam.
 *
 * <p>Variants ({@code --model}): {@code simple} (the baseline), {@code lstm}, {@code gru}, {@code bilstm}
 * (both directions in each of the layers), {@code glove} (SimpleRNN over a frozen Embedding initialised from GloVe 6B 50d;
 * {@code --rnn lstm} etc. to change its recurrent layer).
 *
 * <p>Cutting and padding: like Keras' {@code pad_sequences} defaults a review longer than {@code --maxlen} keeps
 * its <em>last</em> tokens ({@code truncating='pre'}). Shorter reviews are not padded in front with zeros as
 * Keras does ({@code padding='pre'}); they are padded at the end and their lengths are given to the recurrent
 * layer, which stops at each review's last word (masking, like Keras with {@code mask_zero=True}). The
 * classifier reads the top layer's final state ({@code hN}; for the bidirectional model forward and reverse
 * concatenated).
 *
 * <pre>
 * java -cp ... dev.jrnn.examples.ImdbSentiment --model simple --epochs 5
 *   [--data ../shared/data/imdb] [--glove ../shared/data/glove-6B-50d-subset/glove.6B.50d.top2445.txt.gz]
 *   [--vocab 10000] [--maxlen 80] [--embed 100] [--hidden 64] [--layers 2] [--batch 64] [--lr 1e-3]
 *   [--clip 0] [--dropout 0] [--seed 42] [--train-limit N] [--test-limit N] [--out runs/examples/imdb-MODEL]
 * </pre>
 */
public final class ImdbSentiment {

    /** One labelled review. */
    public record Review(int label, String text) {}

    /** What a run measured. */
    public record Result(String model, int epochs, double trainLoss, double trainAcc, double testLoss, double testAcc,
                         double bestTestAcc, int bestEpoch, double secondsPerEpoch, long parameters, History history) {}

    private ImdbSentiment() {}

    public static void main(String[] argv) throws IOException {
        Result r = run(new Args(argv));
        System.out.printf(Locale.ROOT, "RESULT imdb model=%s epochs=%d test_acc=%.4f best_test_acc=%.4f (epoch %d) "
                        + "test_loss=%.4f train_acc=%.4f s/epoch=%.1f params=%d%n", r.model, r.epochs, r.testAcc,
                r.bestTestAcc, r.bestEpoch, r.testLoss, r.trainAcc, r.secondsPerEpoch, r.parameters);
    }

    /** Reads a split ({@code train.tsv.gz} / {@code test.tsv.gz}): header, then {@code id TAB rating TAB label TAB text}. */
    public static List<Review> read(Path file) throws IOException {
        List<Review> out = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(file), 1 << 16), StandardCharsets.UTF_8))) {
            String line = in.readLine();   // header
            if (line == null || !line.startsWith("id\t")) {
                throw new IOException(file + ": expected the header 'id<TAB>rating<TAB>label<TAB>text'");
            }
            while ((line = in.readLine()) != null) {
                String[] f = line.split("\t", 4);   // the text itself may contain tabs
                out.add(new Review(Integer.parseInt(f[2]), f[3]));
            }
        }
        return out;
    }

    /** A seeded random subset of {@code n} reviews (all when {@code n <= 0} or larger than the split), shuffled. */
    static List<Review> subset(List<Review> all, int n, long seed) {
        int[] idx = new int[all.size()];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        new Rng(seed).shuffle(idx);
        int k = n <= 0 ? idx.length : Math.min(n, idx.length);
        List<Review> out = new ArrayList<>(k);
        for (int i = 0; i < k; i++) out.add(all.get(idx[i]));
        return out;
    }

    static String clean(String text) {
        return text.replace("<br />", " ");   // the HTML line breaks would otherwise become the word "br"
    }

    static SequenceDataset encode(List<Review> reviews, Vocabulary vocab, WordTokenizer tok, int maxLen) {
        List<int[]> seqs = new ArrayList<>(reviews.size());
        int[] labels = new int[reviews.size()];
        for (int i = 0; i < reviews.size(); i++) {
            int[] ids = vocab.encode(tok.tokenize(clean(reviews.get(i).text())));
            if (ids.length > maxLen) {
                ids = Arrays.copyOfRange(ids, ids.length - maxLen, ids.length);   // Keras truncating='pre'
            }
            if (ids.length == 0) {
                ids = new int[] {vocab.unkId()};
            }
            seqs.add(ids);
            labels[i] = reviews.get(i).label();
        }
        return SequenceDataset.ofTokens(seqs, labels).withPad(vocab.padId());
    }

    /** Embedding → stacked recurrent layer → final state → Linear(…, 1). */
    static final class Model extends Module {
        final Embedding embedding;
        final RnnBase rnn;
        final Linear head;
        final Dropout inDrop, outDrop;
        final int layers, dirs;

        Model(Embedding embedding, RnnBase rnn, int layers, boolean bidirectional, int hidden, double dropout, Rng rng) {
            this.embedding = registerModule("embedding", embedding);
            this.rnn = registerModule("rnn", rnn);
            this.layers = layers;
            this.dirs = bidirectional ? 2 : 1;
            this.head = registerModule("head", new Linear(dirs * hidden, 1, rng));
            this.inDrop = registerModule("embedding_dropout", new Dropout(dropout, new Rng(rng.nextLong())));
            this.outDrop = registerModule("head_dropout", new Dropout(dropout, new Rng(rng.nextLong())));
        }

        Tensor logits(Batch b) {
            Tensor x = inDrop.forward(embedding.forward(b.tokens(), b.size(), b.maxLength()));    // [B, T, E]
            RnnOutput out = rnn.forwardFrom(x, null, b.lengths());
            Tensor hN = out.hN();                                                  // [L·D, B, H]
            Tensor summary = dirs == 1 ? hN.select(0, layers - 1)
                    : Tensor.concat(1, hN.select(0, 2 * layers - 2), hN.select(0, 2 * layers - 1));
            return head.forward(outDrop.forward(summary));                         // [B, 1]
        }
    }

    static RnnBase recurrent(String kind, int in, int hidden, int layers, boolean bidirectional, Rng rng) {
        return recurrent(kind, in, hidden, layers, bidirectional, 0, rng);
    }

    /** A stock recurrent layer with {@code dropout} between its stacked layers. */
    static RnnBase recurrent(String kind, int in, int hidden, int layers, boolean bidirectional, double dropout, Rng rng) {
        return switch (kind) {
            case "simple" -> SimpleRnn.builder(in, hidden).numLayers(layers).bidirectional(bidirectional).dropout(dropout)
                    .rng(rng).build();
            case "lstm" -> Lstm.builder(in, hidden).numLayers(layers).bidirectional(bidirectional).dropout(dropout).rng(rng).build();
            case "gru" -> Gru.builder(in, hidden).numLayers(layers).bidirectional(bidirectional).dropout(dropout).rng(rng).build();
            case "mingru" -> MinGru.builder(in, hidden).numLayers(layers).bidirectional(bidirectional).dropout(dropout)
                    .rng(rng).build();
            case "minlstm" -> MinLstm.builder(in, hidden).numLayers(layers).bidirectional(bidirectional).dropout(dropout)
                    .rng(rng).build();
            case "slstm" -> SLstm.builder(in, hidden).numLayers(layers).bidirectional(bidirectional).dropout(dropout)
                    .rng(rng).build();
            case "mlstm" -> MLstm.builder(in, hidden).numLayers(layers).bidirectional(bidirectional).dropout(dropout)
                    .rng(rng).build();
            case "ttt-linear" -> TttLinear.builder(in, hidden).numLayers(layers).bidirectional(bidirectional)
                    .dropout(dropout).rng(rng).build();
            default -> throw new IllegalArgumentException("unknown recurrent layer '" + kind
                    + "' (simple, lstm, gru, mingru, minlstm, slstm, mlstm, ttt-linear)");
        };
    }

    /** Runs one configuration; see the class comment for the options. */
    public static Result run(Args a) throws IOException {
        String model = a.string("model", "simple").toLowerCase(Locale.ROOT);
        Path data = a.path("data", DataPaths.dataset("imdb"));
        Path glovePath = a.path("glove", DataPaths.dataset("glove-6B-50d-subset").resolve("glove.6B.50d.top2445.txt.gz"));
        int vocabSize = a.integer("vocab", 10_000);
        int maxLen = a.integer("maxlen", 80);
        int embed = a.integer("embed", model.equals("glove") ? 50 : 100);
        int hidden = a.integer("hidden", 64);
        int layers = a.integer("layers", 2);
        int batchSize = a.integer("batch", 64);
        int epochs = a.integer("epochs", 5);
        double lr = a.number("lr", 1e-3);
        double clip = a.number("clip", 0);
        double dropout = a.number("dropout", 0);
        if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("--dropout must be in [0, 1), got " + dropout);
        long seed = a.longValue("seed", 42);
        int trainLimit = a.integer("train-limit", 0);
        int testLimit = a.integer("test-limit", 0);
        String rnnKind = a.string("rnn", switch (model) {
            case "lstm", "bilstm" -> "lstm";
            case "gru" -> "gru";
            case "simple", "glove" -> "simple";
            default -> throw new IllegalArgumentException("--model must be simple, lstm, gru, bilstm or glove, got " + model);
        });
        Path out = a.path("out", Path.of("runs/examples/imdb-" + model));
        a.checkAllUsed();
        boolean bidirectional = model.equals("bilstm");

        long t0 = System.nanoTime();
        if (!Files.isRegularFile(data.resolve("train.tsv.gz"))) {
            throw new IOException("no IMDB data at " + data.toAbsolutePath() + " (expected train.tsv.gz, test.tsv.gz); pass --data DIR");
        }
        List<Review> train = subset(read(data.resolve("train.tsv.gz")), trainLimit, seed);
        List<Review> test = subset(read(data.resolve("test.tsv.gz")), testLimit, seed + 1);
        WordTokenizer tok = WordTokenizer.keras();
        List<String> texts = new ArrayList<>(train.size());
        for (Review r : train) texts.add(clean(r.text()));
        Vocabulary vocab = Vocabulary.builder().maxSize(vocabSize).addTexts(texts, tok).build();   // train split only
        SequenceDataset trainSet = encode(train, vocab, tok, maxLen);
        SequenceDataset testSet = encode(test, vocab, tok, maxLen);
        System.out.printf(Locale.ROOT, "imdb: %d train / %d test reviews, vocabulary %d (incl. <pad> <unk> <eos>), "
                + "cut to the last %d tokens; prepared in %.1f s%n", train.size(), test.size(), vocab.size(), maxLen,
                (System.nanoTime() - t0) / 1e9);

        Rng rng = new Rng(seed);
        Embedding emb;
        if (model.equals("glove")) {
            PretrainedEmbeddings glove = PretrainedEmbeddings.load(glovePath, PretrainedEmbeddings.Format.GLOVE_TEXT,
                    PretrainedEmbeddings.LoadOptions.all().keepOnly(vocab, false));
            EmbeddingMatrix m = glove.map(vocab);
            System.out.println("glove: " + m.coverage());
            emb = m.toEmbedding(true);   // frozen
            embed = m.dim();
        } else {
            emb = Embedding.builder(vocab.size(), embed).paddingIdx(vocab.padId()).rng(rng).build();
        }
        Model net = new Model(emb, recurrent(rnnKind, embed, hidden, layers, bidirectional, dropout, rng), layers, bidirectional,
                hidden, dropout, rng);
        long trainable = net.parameters().stream().filter(p -> p.requiresGrad()).mapToLong(p -> p.data().size()).sum();
        System.out.printf(Locale.ROOT, "model %s: Embedding(%d, %d%s) -> %s(%d) x %d layers%s -> Linear(%d, 1); "
                        + "%d trainable parameters; dropout %s%n", model, vocab.size(), embed, model.equals("glove") ? ", frozen" : "",
                rnnKind, hidden, layers, bidirectional ? " bidirectional" : "", net.dirs * hidden, trainable, dropout);

        ModelStep step = (b, training) -> {
            Tensor logits = net.logits(b);
            float[] y = new float[b.size()];
            for (int i = 0; i < y.length; i++) y[i] = b.labels()[i];
            Tensor target = Tensor.of(y, b.size(), 1);
            return StepOutput.of(Losses.binaryCrossEntropyWithLogits(logits, target), b.size())
                    .metric("acc", Metrics.binaryAccuracy(logits.data(), target.data(), null), b.size());
        };
        Trainer.Config cfg = Trainer.Config.of(epochs, batchSize).withSeed(seed).withClipNorm(clip)
                .withProgress(Trainer.ProgressMode.LINES, 100).withCheckpoints(0, 0);
        List<Parameter> trainableParams = new ArrayList<>();
        net.parameters().forEach(p -> { if (p.requiresGrad()) trainableParams.add(p); });
        Trainer trainer = Trainer.builder(net, new Adam(trainableParams, Adam.Config.adam(lr)), step)
                .config(cfg).outputDir(out).build();
        long tFit = System.nanoTime();
        History h = trainer.fit(trainSet, testSet);
        double secPerEpoch = (System.nanoTime() - tFit) / 1e9 / h.epochs();
        Map<String, Double> last = h.last();
        double[] acc = h.values("val_acc");
        int best = 0;
        for (int i = 1; i < acc.length; i++) if (acc[i] > acc[best]) best = i;
        return new Result(model, h.epochs(), last.get("train_loss"), last.get("train_acc"), last.get("val_loss"),
                last.get("val_acc"), acc[best], best + 1, secPerEpoch, trainable, h);
    }
}
