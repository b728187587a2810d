package dev.jrnn.examples;

import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.nn.Attention;
import dev.jrnn.optim.Adam;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.text.Seq2Seq;
import dev.jrnn.text.Seq2SeqConfig;
import dev.jrnn.train.Plots;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Sequence reversal with and without attention (issue 17, item 5): the model reads {@code --min-length} to
 * {@code --max-length} letters drawn from an alphabet of {@code --alphabet} and writes them backwards, then
 * {@code <eos>}. Without attention the encoder's final state must hold the whole sequence; with attention the decoder
 * can look up source position {@code n − t} when it writes token {@code t}.
 *
 * <p>Data: a validation set ({@code --valid} sequences, used only to stop and to keep the best weights) and a test
 * set ({@code --test}, scored once at the end) are drawn first, with their own generators; training draws fresh
 * sequences for every batch. Every model gets the same budget of {@code --steps} batches, evaluated on the validation
 * set every {@code --eval-every} steps (greedy decoding, token accuracy); the best weights are kept and a run stops
 * early at validation exact match {@code --target}. The models of one run have about the same number of
 * parameters: the model without attention gets the largest hidden size whose count does not exceed that of the
 * largest attention model (attention adds {@code W_c} or the additive score's weights).
 *
 * <p>Reports: test exact match and token accuracy (position by position against the target; a missing or extra
 * token counts wrong) per source-length bucket of {@code --bucket} letters (the last bucket also takes the remainder), a CSV of the validation curve, and a PNG
 * heat map of the attention weights of the first attention model on one test sequence.
 *
 * <pre>
 * java -cp ... dev.jrnn.examples.Seq2SeqReverse [--attention none,luong-general,bahdanau] [--cell lstm] [--hidden 64]
 *   [--embed 16] [--alphabet 20] [--min-length 20] [--max-length 50] [--batch 32] [--lr 3e-3] [--clip 1]
 *   [--steps 2000] [--eval-every 200] [--target 0.99] [--valid 300] [--test 1000] [--bucket 10] [--seed 1]
 *   [--png docs/img/seq2seq-reverse-attention.png] [--csv runs/examples/reverse.csv]
 * </pre>
 */
public final class Seq2SeqReverse {
    /** Target ids: the letters {@code 0 … A−1}, then {@code <bos>} = A, {@code <eos>} = A + 1. */
    private Seq2SeqReverse() {}

    /** The test scores of one model. */
    public record Score(String attention, int hidden, long parameters, long steps, double seconds, double bestValidTokenAccuracy,
                        double testExactMatch, double testTokenAccuracy, double[] bucketExactMatch, double[] bucketTokenAccuracy) {}

    /** What a run measured: one score per model, the buckets' lower bounds. */
    public record Result(List<Score> scores, int[] bucketStarts) {}

    public static void main(String[] argv) throws IOException {
        Result r = run(new Args(argv));
        for (Score s : r.scores) {
            System.out.printf(Locale.ROOT, "RESULT reverse attention=%s hidden=%d params=%d steps=%d time=%.0fs "
                            + "test_exact_match=%.4f test_token_accuracy=%.4f%n", s.attention, s.hidden, s.parameters, s.steps,
                    s.seconds, s.testExactMatch, s.testTokenAccuracy);
        }
    }

    static List<int[]> draw(Rng rng, int n, int alphabet, int minLength, int maxLength) {
        List<int[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int[] s = new int[minLength + rng.nextInt(maxLength - minLength + 1)];
            for (int j = 0; j < s.length; j++) s[j] = rng.nextInt(alphabet);
            out.add(s);
        }
        return out;
    }

    static int[] reversed(int[] s) {
        int[] r = new int[s.length];
        for (int i = 0; i < s.length; i++) r[i] = s[s.length - 1 - i];
        return r;
    }

    static List<int[]> reversedAll(List<int[]> sources) {
        List<int[]> out = new ArrayList<>(sources.size());
        for (int[] s : sources) out.add(reversed(s));
        return out;
    }

    /** Right tokens at the target's positions (a missing token is wrong), and the target length. */
    static int rightTokens(int[] got, int[] want) {
        int right = 0;
        for (int i = 0; i < Math.min(got.length, want.length); i++) right += got[i] == want[i] ? 1 : 0;
        return right;
    }

    /** Token accuracy: right tokens over {@code max(target length, output length)}, summed over the pairs. */
    static double[] score(Seq2Seq m, List<int[]> src, List<int[]> tgt, int maxOut) {
        List<int[]> got = new ArrayList<>();
        for (int i = 0; i < src.size(); i += 256) got.addAll(m.greedy(src.subList(i, Math.min(src.size(), i + 256)), maxOut));
        double exact = 0, right = 0, total = 0;
        for (int i = 0; i < src.size(); i++) {
            exact += java.util.Arrays.equals(got.get(i), tgt.get(i)) ? 1 : 0;
            right += rightTokens(got.get(i), tgt.get(i));
            total += Math.max(got.get(i).length, tgt.get(i).length);
        }
        return new double[] {exact / src.size(), right / total};
    }

    static Seq2SeqConfig config(CellType cell, int alphabet, int embed, int hidden, long seed, Attention.Type type) {
        return Seq2SeqConfig.of(alphabet, alphabet + 2, embed, hidden, alphabet, alphabet + 1).withCell(cell).withSeed(seed)
                .withAttention(type);
    }

    /** Runs every model; see the class comment for the options. */
    public static Result run(Args a) throws IOException {
        String[] kinds = a.words("attention", "none,luong-general,bahdanau");
        String cellName = a.string("cell", "lstm").toLowerCase(Locale.ROOT);
        int hidden = a.integer("hidden", 64);
        int embed = a.integer("embed", 16);
        int alphabet = a.integer("alphabet", 20);
        int minLength = a.integer("min-length", 20);
        int maxLength = a.integer("max-length", 50);
        int batch = a.integer("batch", 32);
        double lr = a.number("lr", 3e-3);
        double clip = a.number("clip", 1);
        int steps = a.integer("steps", 2000);
        int evalEvery = a.integer("eval-every", 200);
        double target = a.number("target", 0.99);
        int validSize = a.integer("valid", 300);
        int testSize = a.integer("test", 1000);
        int bucket = a.integer("bucket", 10);
        long seed = a.longValue("seed", 1);
        Path png = a.path("png", Path.of("docs/img/seq2seq-reverse-attention.png"));
        Path csv = a.path("csv", Path.of("runs/examples/reverse.csv"));
        a.checkAllUsed();
        CellType cell = switch (cellName) {
            case "lstm" -> CellType.LSTM;
            case "gru" -> CellType.GRU;
            default -> throw new IllegalArgumentException("--cell must be lstm or gru, got " + cellName);
        };
        if (alphabet < 2 || minLength < 1 || maxLength < minLength || steps < 1 || evalEvery < 1 || bucket < 1
                || validSize < 1 || testSize < 1 || batch < 1) {
            throw new IllegalArgumentException("Seq2SeqReverse: needs --alphabet >= 2, 1 <= --min-length <= --max-length, and "
                    + "--steps, --eval-every, --bucket, --valid, --test, --batch >= 1");
        }
        List<Attention.Type> types = new ArrayList<>();
        for (String k : kinds) types.add(Attention.Type.parse(k));

        // equal size: the model without attention gets the hidden size that matches the largest attention model
        long budget = 0;
        for (Attention.Type t : types) {
            if (t != Attention.Type.NONE) budget = Math.max(budget, new Seq2Seq(config(cell, alphabet, embed, hidden, seed, t)).parameterCount());
        }
        int noneHidden = hidden;
        if (budget > 0) {
            while (new Seq2Seq(config(cell, alphabet, embed, noneHidden + 1, seed, Attention.Type.NONE)).parameterCount() <= budget) {
                noneHidden++;
            }
        }

        List<int[]> validSrc = draw(new Rng(seed + 101), validSize, alphabet, minLength, maxLength);
        List<int[]> testSrc = draw(new Rng(seed + 202), testSize, alphabet, minLength, maxLength);
        List<int[]> validTgt = reversedAll(validSrc), testTgt = reversedAll(testSrc);
        int maxOut = maxLength + 5;
        int buckets = Math.max(1, (maxLength - minLength + 1) / bucket);   // the last bucket takes the remainder
        int[] bucketStarts = new int[buckets];
        for (int b = 0; b < buckets; b++) bucketStarts[b] = minLength + b * bucket;

        System.out.printf(Locale.ROOT, "reverse: %d-%d letters of %d, fresh training sequences every batch of %d; %d validation, "
                        + "%d test sequences; %s, embedding %d; Adam %g, clip %g; at most %d steps, validation every %d%n",
                minLength, maxLength, alphabet, batch, validSize, testSize, cellName, embed, lr, clip, steps, evalEvery);
        StringBuilder log = new StringBuilder("attention,step,seconds,train_loss,valid_exact_match,valid_token_accuracy\n");
        List<Score> scores = new ArrayList<>();
        boolean drawn = false;
        for (Attention.Type type : types) {
            int h = type == Attention.Type.NONE ? noneHidden : hidden;
            Seq2Seq model = new Seq2Seq(config(cell, alphabet, embed, h, seed, type));
            Adam adam = new Adam(model.parameters(), Adam.Config.adam(lr));
            Rng train = new Rng(seed + 303);                                 // the same training stream for every model
            System.out.printf(Locale.ROOT, "%s: hidden %d, %d parameters%n", type.cliName(), h, model.parameterCount());
            long start = System.nanoTime();
            Map<String, NdArray> best = copy(model.stateDict());
            double bestAcc = -1, lossSum = 0;
            int n = 0;
            long step = 0;
            while (step < steps) {
                List<int[]> src = draw(train, batch, alphabet, minLength, maxLength);
                lossSum += model.trainBatch(src, reversedAll(src), adam, clip);
                n++;
                step++;
                if (step % evalEvery == 0 || step == steps) {
                    double[] v = score(model, validSrc, validTgt, maxOut);
                    double sec = (System.nanoTime() - start) / 1e9;
                    System.out.printf(Locale.ROOT, "  step %d  train loss %.4f  valid exact match %.4f  token accuracy %.4f  %.0fs%n",
                            step, lossSum / n, v[0], v[1], sec);
                    log.append(String.format(Locale.ROOT, "%s,%d,%.1f,%.6f,%.6f,%.6f%n", type.cliName(), step, sec, lossSum / n, v[0], v[1]));
                    lossSum = 0;
                    n = 0;
                    if (v[1] > bestAcc) {
                        bestAcc = v[1];
                        best = copy(model.stateDict());
                    }
                    if (v[0] >= target) break;
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            model.loadStateDict(best);
            double[] em = new double[buckets], ta = new double[buckets];
            double exactAll = 0, tokenAll = 0;
            for (int b = 0; b < buckets; b++) {
                List<int[]> bs = new ArrayList<>(), bt = new ArrayList<>();
                for (int i = 0; i < testSrc.size(); i++) {
                    if (Math.min((testSrc.get(i).length - minLength) / bucket, buckets - 1) == b) {
                        bs.add(testSrc.get(i));
                        bt.add(testTgt.get(i));
                    }
                }
                if (bs.isEmpty()) {
                    em[b] = ta[b] = Double.NaN;
                    continue;
                }
                double[] s = score(model, bs, bt, maxOut);
                em[b] = s[0];
                ta[b] = s[1];
            }
            double[] all = score(model, testSrc, testTgt, maxOut);
            exactAll = all[0];
            tokenAll = all[1];
            scores.add(new Score(type.cliName(), h, model.parameterCount(), step, seconds, bestAcc, exactAll, tokenAll, em, ta));
            System.out.printf(Locale.ROOT, "%s: test exact match %.4f, token accuracy %.4f (best validation token accuracy %.4f), %d steps, %.0fs%n",
                    type.cliName(), exactAll, tokenAll, bestAcc, step, seconds);
            for (int b = 0; b < buckets; b++) {
                System.out.printf(Locale.ROOT, "  length %d-%d: exact match %.4f, token accuracy %.4f%n", bucketStarts[b],
                        b == buckets - 1 ? maxLength : bucketStarts[b] + bucket - 1, em[b], ta[b]);
            }
            if (type != Attention.Type.NONE && !drawn && png != null) {
                int[] source = testSrc.get(0);
                Seq2Seq.Alignment al = model.align(source, maxOut);
                if (al.output().length > 0) {
                    Files.createDirectories(png.toAbsolutePath().getParent());
                    Plots.heatMap(String.format(Locale.ROOT, "%s attention, reversing %d letters (rows: output, columns: source)",
                            type.cliName(), source.length), letters(source), letters(al.output()), al.weights(), png);
                    System.out.println("wrote " + png);
                    drawn = true;
                }
            }
        }
        if (csv != null) {
            Files.createDirectories(csv.toAbsolutePath().getParent());
            Files.writeString(csv, log.toString());
        }
        return new Result(scores, bucketStarts);
    }

    private static List<String> letters(int[] ids) {
        List<String> out = new ArrayList<>(ids.length);
        for (int i = 0; i < ids.length; i++) out.add(i + ":" + (char) ('a' + ids[i]));   // position-tagged: labels stay distinct
        return out;
    }

    private static Map<String, NdArray> copy(Map<String, NdArray> state) {
        Map<String, NdArray> out = new LinkedHashMap<>();
        state.forEach((k, v) -> out.put(k, v.copy()));
        return out;
    }
}
