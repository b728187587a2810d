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
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.text.EmbeddingMatrix;
import dev.jrnn.text.PretrainedEmbeddings;
import dev.jrnn.text.Vocabulary;
import dev.jrnn.text.WordTokenizer;
import dev.jrnn.train.Batch;
import dev.jrnn.train.Callback;
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
import java.util.LinkedHashMap;
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
 * {@code --rnn lstm} etc. to change its recurrent layer). {@code --init keras} re-initialises the recurrent layer as
 * Keras does ({@link RnnBase#initKeras}: Glorot kernels, orthogonal recurrent kernels, zero biases, LSTM forget
 * bias 1) instead of PyTorch's uniform default.
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
 *   [--clip 0] [--dropout 0] [--seed 42] [--train-limit N (of the 25k, before the split)] [--test-limit N] [--out runs/examples/imdb-MODEL]
 *   [--valid-fraction 0.1] [--split-seed 42] [--patience 2] [--monitor val_loss|val_acc] [--init torch|keras]
 * </pre>
 *
 * <p>Selection: {@code --valid-fraction} of the training reviews (drawn with {@code --split-seed}, the same for
 * every {@code --seed}) is held out as the validation set; the vocabulary is built from the rest. After every epoch
 * the validation loss (or accuracy, {@code --monitor val_acc}) is measured; training stops after {@code --patience} epochs without improvement (0 = run all
 * {@code --epochs}) and the parameters of the best validation epoch are restored. The test set is read only at the
 * end: once for the chosen model and once for the last epoch's.
 */
public final class ImdbSentiment {

    /** One labelled review. */
    public record Review(int label, String text) {}

    /**
     * What a run measured. {@code testLoss}/{@code testAcc} are the test figures of the model chosen on validation
     * (the epoch with the lowest validation loss, whose parameters early stopping restores); {@code lastTestAcc} is
     * the test accuracy of the last epoch trained. The test set is evaluated only these two times, after training.
     */
    public record Result(String model, int epochs, int bestEpoch, double trainLoss, double trainAcc, double validLoss,
                         double validAcc, double testLoss, double testAcc, double lastTestLoss, double lastTestAcc,
                         double secondsPerEpoch, long parameters, History history) {}

    private ImdbSentiment() {}

    public static void main(String[] argv) throws IOException {
        Result r = run(new Args(argv));
        System.out.printf(Locale.ROOT, "RESULT imdb model=%s seed=%s epochs=%d best_epoch=%d valid_acc=%.4f "
                        + "test_acc=%.4f test_loss=%.4f last_test_acc=%.4f train_acc=%.4f s/epoch=%.1f params=%d%n",
                r.model, new Args(argv).string("seed", "42"), r.epochs, r.bestEpoch, r.validAcc, r.testAcc, r.testLoss,
                r.lastTestAcc, r.trainAcc, r.secondsPerEpoch, r.parameters);
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

    /** Reads {@code --init torch|keras} (default torch): true for Keras' initialisation. */
    static boolean kerasInit(Args a) {
        String init = a.string("init", "torch");
        if (!init.equals("torch") && !init.equals("keras")) {
            throw new IllegalArgumentException("--init must be torch or keras, got " + init);
        }
        return init.equals("keras");
    }

    /**
     * {@code --init keras}: re-initialises {@code rnn} as Keras does ({@link RnnBase#initKeras}) from a stream of its
     * own, so that the rest of the model is drawn as with PyTorch's initialisation.
     */
    static void initKeras(RnnBase rnn, long seed) {
        rnn.initKeras(new Rng(seed * 31 + 7));
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
        double validFraction = a.number("valid-fraction", 0.1);
        if (!(validFraction > 0 && validFraction < 1)) {
            throw new IllegalArgumentException("--valid-fraction must be in (0, 1), got " + validFraction);
        }
        long splitSeed = a.longValue("split-seed", 42);
        int patience = a.integer("patience", 2);
        String monitor = a.string("monitor", "val_loss");
        boolean kerasInit = kerasInit(a);
        if (!monitor.equals("val_loss") && !monitor.equals("val_acc")) {
            throw new IllegalArgumentException("--monitor must be val_loss or val_acc, got " + monitor);
        }
        if (patience < 0) throw new IllegalArgumentException("--patience must be >= 0 (0 = off), got " + patience);
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
        // the training reviews (or --train-limit of them), shuffled by the split seed, then cut into validation + train
        List<Review> all = subset(read(data.resolve("train.tsv.gz")), trainLimit, splitSeed);
        int nValid = Math.max(1, (int) Math.round(all.size() * validFraction));
        List<Review> valid = all.subList(0, nValid);
        List<Review> train = all.subList(nValid, all.size());
        List<Review> test = subset(read(data.resolve("test.tsv.gz")), testLimit, splitSeed + 1);
        WordTokenizer tok = WordTokenizer.keras();
        List<String> texts = new ArrayList<>(train.size());
        for (Review r : train) texts.add(clean(r.text()));
        Vocabulary vocab = Vocabulary.builder().maxSize(vocabSize).addTexts(texts, tok).build();   // train split only
        SequenceDataset trainSet = encode(train, vocab, tok, maxLen);
        SequenceDataset validSet = encode(valid, vocab, tok, maxLen);
        SequenceDataset testSet = encode(test, vocab, tok, maxLen);
        System.out.printf(Locale.ROOT, "imdb: %d train / %d validation / %d test reviews, vocabulary %d (incl. <pad> "
                + "<unk> <eos>), cut to the last %d tokens; prepared in %.1f s%n", train.size(), valid.size(), test.size(),
                vocab.size(), maxLen,
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
        RnnBase rnn = recurrent(rnnKind, embed, hidden, layers, bidirectional, dropout, rng);
        if (kerasInit) initKeras(rnn, seed);
        Model net = new Model(emb, rnn, layers, bidirectional, hidden, dropout, rng);
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
                .withProgress(Trainer.ProgressMode.LINES, 100).withCheckpoints(0, 0).withEarlyStopping(patience)
                .withMonitor(monitor);
        List<Parameter> trainableParams = new ArrayList<>();
        net.parameters().forEach(p -> { if (p.requiresGrad()) trainableParams.add(p); });
        LastEpoch lastEpoch = new LastEpoch(net);
        Trainer trainer = Trainer.builder(net, new Adam(trainableParams, Adam.Config.adam(lr)), step)
                .config(cfg).outputDir(out).callback(lastEpoch).build();
        long tFit = System.nanoTime();
        History h = trainer.fit(trainSet, validSet);
        double secPerEpoch = (System.nanoTime() - tFit) / 1e9 / h.epochs();
        int best = patience > 0 ? bestEpoch(h, monitor) : h.epochs() - 1;   // no early stopping: no restore
        Map<String, Double> chosen = h.rows().get(best);
        Map<String, Double> test1 = trainer.evaluate(testSet);      // the chosen (restored) model
        net.loadStateDict(lastEpoch.weights);
        Map<String, Double> testLast = trainer.evaluate(testSet);   // the last epoch's model
        System.out.printf(Locale.ROOT, "chosen on validation: epoch %d of %d (val_loss %.4f, val_acc %.4f); test acc %.4f "
                        + "(last epoch: %.4f)%n", best + 1, h.epochs(), chosen.get("val_loss"), chosen.get("val_acc"),
                test1.get("acc"), testLast.get("acc"));
        return new Result(model, h.epochs(), best + 1, chosen.get("train_loss"), chosen.get("train_acc"),
                chosen.get("val_loss"), chosen.get("val_acc"), test1.get("loss"), test1.get("acc"), testLast.get("loss"),
                testLast.get("acc"), secPerEpoch, trainable, h);
    }

    /**
     * The 0-based epoch with the best {@code metric} (the lowest, or the highest for an accuracy; the first of
     * equals), as early stopping chooses it.
     */
    static int bestEpoch(History h, String metric) {
        double[] v = h.values(metric);
        double sign = Trainer.higherIsBetter(metric) ? -1 : 1;
        int best = 0;
        for (int i = 1; i < v.length; i++) if (sign * v[i] < sign * v[best]) best = i;
        return best;
    }

    /** Keeps a copy of the parameters at the end of every epoch, so the last epoch can be tested after a restore. */
    static final class LastEpoch implements Callback {
        private final Module model;
        Map<String, NdArray> weights;

        LastEpoch(Module model) { this.model = model; }

        @Override
        public void onEpochEnd(Trainer trainer, int epoch, Map<String, Double> metrics) {
            Map<String, NdArray> copy = new LinkedHashMap<>();
            model.stateDict().forEach((n, v) -> copy.put(n, v.copy()));
            weights = copy;
        }
    }
}
