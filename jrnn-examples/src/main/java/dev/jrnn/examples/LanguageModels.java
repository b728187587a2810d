package dev.jrnn.examples;

import dev.jrnn.nn.Init;
import dev.jrnn.nn.Parameter;
import dev.jrnn.optim.Adam;
import dev.jrnn.optim.LrSchedule;
import dev.jrnn.optim.Optimizer;
import dev.jrnn.optim.Sgd;
import dev.jrnn.tensor.Rng;
import dev.jrnn.text.CharTokenizer;
import dev.jrnn.text.LanguageModel;
import dev.jrnn.text.LanguageModelConfig;
import dev.jrnn.text.LanguageModelTrainer;
import dev.jrnn.text.SamplingConfig;
import dev.jrnn.text.SpecialToken;
import dev.jrnn.text.Tokenizer;
import dev.jrnn.text.Vocabulary;
import dev.jrnn.text.WordTokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * The two language models of the seed experiments through the library API (the same models as the CLI recipes of
 * {@code docs/results.md} §2–3, which use {@code jrnn train lm}):
 * <ul>
 *   <li>{@code --task shakespeare}: char level on {@code tinyshakespeare/input.txt}, split by position: the first
 *       90% for training, the next 5% for validation, the last 5% for test; Embedding(V, 64) → 2×LSTM(512),
 *       dropout 0.2 → Linear; Adam 2e-3, clip 5, 64 rows × 100 steps; reports validation and test nats and bits per
 *       character, then samples.</li>
 *   <li>{@code --task ptb}: word level on PTB's prepared files; Zaremba et al. 2014 "small": 2×LSTM(200),
 *       embedding 200, U(±0.1) init, 20 rows × 20 steps, SGD, the rate halved after every epoch past the 4th, 13
 *       epochs; reports validation and test perplexity. Zaremba's loss is summed over the 20 steps with lr 1 and
 *       clip 5; jrnn's is the mean, so the same updates are lr 20 and clip 0.25 (PyTorch's example does the same).</li>
 * </ul>
 *
 * <p>The learning-rate schedule is fixed by flags before the run ({@code --lr}, and {@code --lr-decay G
 * --decay-after K}: the rate is multiplied by G for every epoch after the first K), and so is the number of epochs;
 * nothing is chosen by looking at the test split, which is evaluated once, after the last epoch.
 *
 * <pre>
 * java -cp ... dev.jrnn.examples.LanguageModels --task shakespeare|ptb [--data DIR] [--epochs N] [--hidden H]
 *   [--max-seconds S] [--limit TOKENS] [--seed 1] [--lr R] [--lr-decay G] [--decay-after K] [--batch ROWS]
 *   [--bptt STEPS] [--dropout P]
 * </pre>
 * ({@code --batch}, {@code --bptt} and {@code --dropout} default to the values above.)
 */
public final class LanguageModels {

    /** What a run measured (NaN where not measured). */
    public record Result(String task, int epochs, double validNll, double validPerplexity, double testNll,
                         double testPerplexity, String sample) {}

    private LanguageModels() {}

    public static void main(String[] argv) throws IOException {
        Result r = run(new Args(argv));
        System.out.printf(Locale.ROOT, "RESULT lm task=%s epochs=%d valid_nll=%.4f valid_bits=%.4f valid_ppl=%.2f test_nll=%.4f "
                        + "test_bits=%.4f test_ppl=%.2f%n", r.task, r.epochs, r.validNll, r.validNll / Math.log(2),
                r.validPerplexity, r.testNll, r.testNll / Math.log(2), r.testPerplexity);
    }

    static String read(Path file) throws IOException {
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Runs one task; see the class comment. */
    public static Result run(Args a) throws IOException {
        String task = a.string("task", "shakespeare").toLowerCase(Locale.ROOT);
        boolean ptb = switch (task) {
            case "ptb" -> true;
            case "shakespeare" -> false;
            default -> throw new IllegalArgumentException("--task must be shakespeare or ptb, got " + task);
        };
        Path data = a.path("data", DataPaths.dataset(ptb ? "ptb" : "tinyshakespeare"));
        int epochs = a.integer("epochs", ptb ? 13 : 10);
        int hidden = a.integer("hidden", ptb ? 200 : 512);
        double maxSeconds = a.number("max-seconds", 0);
        int limit = a.integer("limit", 0);
        long seed = a.longValue("seed", 1);
        double lr = a.number("lr", ptb ? 20 : 2e-3);
        double decay = a.number("lr-decay", ptb ? 0.5 : 1);
        int decayAfter = a.integer("decay-after", ptb ? 4 : 0);
        int batch = a.integer("batch", ptb ? 20 : 64);
        int bptt = a.integer("bptt", ptb ? 20 : 100);
        double dropout = a.number("dropout", ptb ? 0 : 0.2);
        a.checkAllUsed();

        Tokenizer tok;
        List<String> train, valid, test = List.of();
        if (ptb) {
            if (!Files.isRegularFile(data.resolve("ptb.train.txt.gz"))) {
                throw new IOException("no PTB data at " + data.toAbsolutePath() + " (expected ptb.{train,valid,test}.txt.gz); pass --data DIR");
            }
            tok = WordTokenizer.builder().punctuation(WordTokenizer.Punctuation.KEEP).eos(true).build();
            train = tok.tokenize(read(data.resolve("ptb.train.txt.gz")));
            valid = tok.tokenize(read(data.resolve("ptb.valid.txt.gz")));
            test = tok.tokenize(read(data.resolve("ptb.test.txt.gz")));
        } else {
            Path file = data.resolve("input.txt");
            if (!Files.isRegularFile(file)) {
                throw new IOException("no Tiny Shakespeare at " + file.toAbsolutePath() + "; pass --data DIR");
            }
            tok = CharTokenizer.builder().build();
            List<String> all = tok.tokenize(read(file));
            int cut = (int) Math.round(all.size() * 0.9), cut2 = (int) Math.round(all.size() * 0.95);
            train = all.subList(0, cut);
            valid = all.subList(cut, cut2);
            test = all.subList(cut2, all.size());
        }
        if (limit > 0) {                                   // a slice, for the smoke test
            train = train.subList(0, Math.min(limit, train.size()));
            valid = valid.subList(0, Math.min(limit / 5, valid.size()));
            test = test.subList(0, Math.min(limit / 5, test.size()));
        }
        Vocabulary vocab = Vocabulary.builder().specials(ptb ? new SpecialToken[] {SpecialToken.UNK, SpecialToken.EOS}
                : new SpecialToken[] {SpecialToken.UNK}).addAll(train).build();
        int[] trainIds = vocab.encode(train), validIds = vocab.encode(valid), testIds = vocab.encode(test);

        LanguageModelConfig cfg = LanguageModelConfig.of(vocab.size(), ptb ? 200 : 64, hidden).withLayers(2)
                .withDropout(dropout).withSeed(seed);
        LanguageModel lm = new LanguageModel(cfg);
        Optimizer opt;
        LrSchedule schedule = LrSchedule.decayAfter(lr, decayAfter, decay);
        if (ptb) {
            Rng rng = new Rng(seed);
            for (Parameter p : lm.parameters()) p.data().copyFrom(Init.uniform(rng, p.data().dtype(), 0.1, p.data().shape()));
            opt = new Sgd(lm.parameters(), schedule.lr(0));
        } else {
            opt = new Adam(lm.parameters(), Adam.Config.adam(schedule.lr(0)));
        }
        LanguageModelTrainer.Config tc = LanguageModelTrainer.Config.of(batch, bptt, epochs).withClipNorm(ptb ? 0.25 : 5);
        if (maxSeconds > 0) tc = tc.withMaxSeconds(maxSeconds);
        System.out.printf(Locale.ROOT, "%s: %,d training tokens, %,d validation, %,d test; vocabulary %,d; 2 x LSTM(%d): %,d parameters%n",
                task, trainIds.length, validIds.length, testIds.length, vocab.size(), hidden, lm.parameterCount());

        Optimizer o = opt;
        List<LanguageModelTrainer.Epoch> log = new LanguageModelTrainer(tc).onEpoch(e -> {
            System.out.println(e);
            o.setLr(schedule.lr(e.epoch()));                // e.epoch() is 1-based: the next epoch's rate
        }).fit(lm, opt, trainIds, validIds);

        LanguageModel.Evaluation v = log.get(log.size() - 1).validation();
        double testPpl = Double.NaN, testNll = Double.NaN;
        if (testIds.length > 1) {
            LanguageModel.Evaluation t = lm.evaluate(testIds, 1, 256);   // one row, the state carried through the whole split
            testPpl = t.perplexity();
            testNll = t.meanNll();
            System.out.printf(Locale.ROOT, "test: %.4f nats per token, perplexity %.2f%n", testNll, testPpl);
        }
        String sample = "";
        if (!ptb) {
            int[] prompt = vocab.encode(tok.tokenize("ROMEO:"));
            LanguageModel.Generation g = lm.generate(prompt, SamplingConfig.defaults().withTemperature(0.8)
                    .withMaxLength(300).withSeed(seed));
            sample = vocab.decode(g.tokens(), tok);
            System.out.println("ROMEO:" + sample);
        }
        return new Result(task, log.size(), v == null ? Double.NaN : v.meanNll(), v == null ? Double.NaN : v.perplexity(),
                testNll, testPpl, sample);
    }
}
