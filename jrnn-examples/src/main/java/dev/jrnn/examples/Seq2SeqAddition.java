package dev.jrnn.examples;

import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.optim.Adam;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.text.Seq2Seq;
import dev.jrnn.text.Seq2SeqConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Encoder–decoder addition (issue 6, item 5; seeds 002 and 004's "many-to-many with different lengths"): the
 * model reads {@code "535+61"} character by character and writes {@code "596"}, then {@code <eos>}. The data is
 * generated: {@code --test} pairs {@code a + b} with {@code 0 <= a, b < 10^digits} are drawn first and held out,
 * then {@code --valid} other held-out pairs for selection; training uses either a fixed set of {@code --train} other pairs (an epoch is one pass over them, shuffled) or,
 * with {@code --train 0}, fresh pairs drawn for every batch (never a held-out one; an "epoch" is then
 * {@code --epoch-steps} batches). The score is the exact-match rate of greedy decoding.
 *
 * <p>Training: teacher forcing, Adam, global-norm clipping, the learning rate multiplied by {@code --lr-decay}
 * after every epoch. After every epoch the exact match on the <em>validation</em> pairs is measured; the run stops
 * after {@code --epochs}, after {@code --patience} epochs without a better validation score (0 = off) or once it
 * reaches {@code --target} (default 1, i.e. every validation pair right), and the parameters of the best
 * validation epoch are restored. The test pairs are decoded only at the end: once with the chosen parameters and
 * once with the last epoch's.
 * {@code --reverse true} feeds the source backwards (Sutskever et al. 2014), which puts the units digits, read
 * first by the decoder's output, next to it.
 *
 * <pre>
 * java -cp ... dev.jrnn.examples.Seq2SeqAddition [--digits 3] [--train 50000] [--test 2000] [--cell lstm]
 *   [--hidden 128] [--embed 16] [--layers 1] [--batch 128] [--lr 3e-3] [--lr-decay 1] [--clip 1] [--epochs 40]
 *   [--epoch-steps 400] [--valid 2000] [--patience 0] [--target 1] [--reverse false] [--seed 1]
 *   [--csv runs/examples/addition.csv]
 * </pre>
 */
public final class Seq2SeqAddition {
    /** Source characters: the digits, then {@code +}. */
    static final String SOURCE_CHARS = "0123456789+";
    /** Target ids: digits 0–9, then {@code <bos>}, {@code <eos>}. */
    static final int BOS = 10, EOS = 11;

    /**
     * What a run measured: {@code testExactMatch} with the parameters of the best validation epoch
     * ({@code bestEpoch}, 1-based), {@code lastTestExactMatch} with the last epoch's.
     */
    public record Result(int epochs, long steps, int bestEpoch, double validExactMatch, double testExactMatch,
                         double lastTestExactMatch, double trainLoss, double seconds, long parameters) {}

    private Seq2SeqAddition() {}

    public static void main(String[] argv) throws IOException {
        Result r = run(new Args(argv));
        System.out.printf(Locale.ROOT, "RESULT addition epochs=%d steps=%d best_epoch=%d valid_exact_match=%.4f "
                        + "test_exact_match=%.4f last_test_exact_match=%.4f train_loss=%.4f time=%.0fs params=%d%n", r.epochs,
                r.steps, r.bestEpoch, r.validExactMatch, r.testExactMatch, r.lastTestExactMatch, r.trainLoss, r.seconds,
                r.parameters);
    }

    static int[] sourceIds(String s, boolean reverse) {
        int[] ids = s.chars().map(SOURCE_CHARS::indexOf).toArray();
        if (reverse) {
            for (int i = 0, j = ids.length - 1; i < j; i++, j--) {
                int t = ids[i];
                ids[i] = ids[j];
                ids[j] = t;
            }
        }
        return ids;
    }

    static int[] targetIds(String s) {
        return s.chars().map(c -> c - '0').toArray();
    }

    static String text(int[] digits) {
        StringBuilder sb = new StringBuilder();
        for (int d : digits) sb.append(d < 10 ? (char) ('0' + d) : '?');
        return sb.toString();
    }

    /** Runs one configuration; see the class comment for the options. */
    public static Result run(Args a) throws IOException {
        int digits = a.integer("digits", 3);
        int trainSize = a.integer("train", 50_000);
        int testSize = a.integer("test", 2_000);
        int validSize = a.integer("valid", 2_000);
        int patience = a.integer("patience", 0);
        String cellName = a.string("cell", "lstm").toLowerCase(Locale.ROOT);
        int hidden = a.integer("hidden", 128);
        int embed = a.integer("embed", 16);
        int layers = a.integer("layers", 1);
        int batch = a.integer("batch", 128);
        double lr = a.number("lr", 3e-3);
        double lrDecay = a.number("lr-decay", 1);
        int epochSteps = a.integer("epoch-steps", 400);
        double clip = a.number("clip", 1);
        int epochs = a.integer("epochs", 40);
        double target = a.number("target", 1);
        boolean reverse = Boolean.parseBoolean(a.string("reverse", "false"));
        long seed = a.longValue("seed", 1);
        int maxSteps = a.integer("max-steps", 0);
        Path csv = a.path("csv", Path.of("runs/examples/addition.csv"));
        a.checkAllUsed();
        CellType cell = switch (cellName) {
            case "lstm" -> CellType.LSTM;
            case "gru" -> CellType.GRU;
            case "rnn", "simple" -> CellType.RNN_TANH;
            default -> throw new IllegalArgumentException("--cell must be lstm, gru or rnn, got " + cellName);
        };
        if (digits < 1 || digits > 4) throw new IllegalArgumentException("--digits must be in 1..4, got " + digits);
        long space = (long) Math.pow(10, digits) * (long) Math.pow(10, digits);
        if (!(lrDecay > 0 && lrDecay <= 1)) throw new IllegalArgumentException("--lr-decay must be in (0, 1], got " + lrDecay);
        if (trainSize < 0 || epochSteps < 1 || validSize < 1 || testSize < 1 || patience < 0) {
            throw new IllegalArgumentException("--train and --patience must be >= 0, --epoch-steps, --valid and --test >= 1; "
                    + "got " + trainSize + ", " + patience + ", " + epochSteps + ", " + validSize + ", " + testSize);
        }
        if (trainSize + validSize + testSize >= space) {
            throw new IllegalArgumentException("--train + --valid + --test = " + (trainSize + validSize + testSize)
                    + " but only " + space + " pairs exist with " + digits + " digits");
        }

        // Distinct pairs: the held-out ones first (test, then validation), then training pairs not among them.
        Rng data = new Rng(seed);
        int max = (int) Math.pow(10, digits);
        Set<Long> seen = new HashSet<>(), heldOut = new HashSet<>();
        List<int[]> testSrc = new ArrayList<>(), testTgt = new ArrayList<>(), validSrc = new ArrayList<>(),
                validTgt = new ArrayList<>(), trainSrc = new ArrayList<>(), trainTgt = new ArrayList<>();
        while (testSrc.size() < testSize || validSrc.size() < validSize || trainSrc.size() < trainSize) {
            int x = data.nextInt(max), y = data.nextInt(max);
            if (!seen.add((long) x * max + y)) continue;
            boolean test = testSrc.size() < testSize, valid = !test && validSrc.size() < validSize;
            if (test || valid) heldOut.add((long) x * max + y);
            (test ? testSrc : valid ? validSrc : trainSrc).add(sourceIds(x + "+" + y, reverse));
            (test ? testTgt : valid ? validTgt : trainTgt).add(targetIds(Integer.toString(x + y)));
        }
        int maxOut = digits + 1;

        Seq2Seq model = new Seq2Seq(Seq2SeqConfig.of(SOURCE_CHARS.length(), 12, embed, hidden, BOS, EOS)
                .withCell(cell).withLayers(layers).withSeed(seed));
        long params = model.parameterCount();
        Adam adam = new Adam(model.parameters(), Adam.Config.adam(lr));
        System.out.printf(Locale.ROOT, "addition: %d-digit operands, %s, %d validation + %d test pairs held out%s; %s "
                        + "encoder-decoder, %d layer(s) of %d, embedding %d: %d parameters; Adam lr %g (x%g per epoch), clip %g, "
                        + "batch %d%n", digits,
                trainSize == 0 ? "fresh training pairs every batch" : trainSize + " training pairs", validSize, testSize,
                reverse ? " (source reversed)" : "", cellName, layers, hidden, embed, params, lr, lrDecay, clip, batch);

        StringBuilder log = new StringBuilder("epoch,step,seconds,lr,train_loss,valid_exact_match\n");
        long start = System.nanoTime();
        int[] order = new int[trainSize];
        for (int i = 0; i < trainSize; i++) order[i] = i;
        Rng shuffle = new Rng(seed + 1);
        long step = 0;
        double acc = 0, lastLoss = Double.NaN, bestAcc = -1;
        int epoch = 0, bestEpoch = 0;
        Map<String, NdArray> bestWeights = null;
        while (epoch < epochs && acc < target && (maxSteps == 0 || step < maxSteps)
                && (patience == 0 || epoch - bestEpoch < patience)) {
            double lossSum = 0;
            int batches = 0;
            if (trainSize > 0) shuffle.shuffle(order);
            int perEpoch = trainSize > 0 ? (trainSize + batch - 1) / batch : epochSteps;
            for (int bi = 0; bi < perEpoch && (maxSteps == 0 || step < maxSteps); bi++) {
                List<int[]> src = new ArrayList<>(batch), tgt = new ArrayList<>(batch);
                if (trainSize > 0) {
                    for (int i = bi * batch; i < Math.min(trainSize, (bi + 1) * batch); i++) {
                        src.add(trainSrc.get(order[i]));
                        tgt.add(trainTgt.get(order[i]));
                    }
                } else {
                    while (src.size() < batch) {
                        int x = shuffle.nextInt(max), y = shuffle.nextInt(max);
                        if (heldOut.contains((long) x * max + y)) continue;
                        src.add(sourceIds(x + "+" + y, reverse));
                        tgt.add(targetIds(Integer.toString(x + y)));
                    }
                }
                lossSum += model.trainBatch(src, tgt, adam, clip);
                batches++;
                step++;
            }
            epoch++;
            lastLoss = lossSum / batches;
            acc = model.exactMatch(validSrc, validTgt, maxOut);
            if (acc > bestAcc) {
                bestAcc = acc;
                bestEpoch = epoch;
                bestWeights = new LinkedHashMap<>();
                for (Map.Entry<String, NdArray> e : model.stateDict().entrySet()) bestWeights.put(e.getKey(), e.getValue().copy());
            }
            double sec = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "epoch %d  step %d  lr %.3g  train loss %.4f  validation exact match %.4f  %.0fs%n",
                    epoch, step, adam.lr(), lastLoss, acc, sec);
            log.append(String.format(Locale.ROOT, "%d,%d,%.1f,%.6g,%.6f,%.6f%n", epoch, step, sec, adam.lr(), lastLoss, acc));
            adam.setLr(adam.lr() * lrDecay);
        }
        double lastTest = model.exactMatch(testSrc, testTgt, maxOut);
        if (bestWeights != null) model.loadStateDict(bestWeights);
        double test = model.exactMatch(testSrc, testTgt, maxOut);
        System.out.printf(Locale.ROOT, "chosen on validation: epoch %d of %d (validation exact match %.4f); test exact match "
                + "%.4f (last epoch: %.4f)%n", bestEpoch, epoch, bestAcc, test, lastTest);
        for (String q : new String[] {"535+61", "999+999", "0+0", "123+877"}) {
            String[] p = q.split("\\+");
            if (p[0].length() > digits || p[1].length() > digits) continue;
            System.out.println("  " + q + " -> " + text(model.greedy(sourceIds(q, reverse), maxOut)));
        }
        if (csv != null) {
            Files.createDirectories(csv.toAbsolutePath().getParent());
            Files.writeString(csv, log.toString());
        }
        return new Result(epoch, step, bestEpoch, bestAcc, test, lastTest, lastLoss, (System.nanoTime() - start) / 1e9,
                params);
    }
}
