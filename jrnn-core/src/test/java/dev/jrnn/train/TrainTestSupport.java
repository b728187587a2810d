package dev.jrnn.train;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.Losses;
import dev.jrnn.nn.Module;
import dev.jrnn.nn.rnn.Lstm;
import dev.jrnn.nn.rnn.RnnOutput;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.Rng;

import java.util.ArrayList;
import java.util.List;

/** A small LSTM classifier and a generated task (is the sum of a ±1 sequence positive?) for the fit-loop tests. */
final class TrainTestSupport {
    private TrainTestSupport() {}

    /** LSTM over [B, T, 1] then a linear head on the final hidden state: two classes. */
    static final class MajorityModel extends Module {
        final Lstm rnn;
        final Linear head;

        final int hidden;

        MajorityModel(long seed, DType dtype) {
            this(seed, dtype, 8, "rnn");
        }

        /** With another hidden size or another name for the recurrent layer (for mismatched checkpoints). */
        MajorityModel(long seed, DType dtype, int hidden, String rnnName) {
            Rng rng = new Rng(seed);
            this.hidden = hidden;
            rnn = registerModule(rnnName, Lstm.builder(1, hidden).dtype(dtype).rng(rng).build());
            head = registerModule("head", new Linear(hidden, 2, true, dtype, rng));
        }

        /** Logits [B, 2] from the state at each sequence's last valid step. */
        Tensor logits(Batch b) {
            RnnOutput out = rnn.forward(b.featureTensor(), null, null, b.lengths());
            Tensor h = out.hN().reshape(b.size(), hidden);                     // [B, H]
            return head.forward(h);                                       // [B, 2]
        }

        ModelStep step() {
            return (batch, training) -> {
                Tensor logits = logits(batch);
                return StepOutput.of(Losses.crossEntropy(logits, batch.labels()), batch.size())
                        .metric("acc", Metrics.accuracy(logits.data(), batch.labels(), null));
            };
        }
    }

    /** {@code n} sequences of ±1 of length 3..8 (odd sums, so never a tie), label 1 when the sum is positive. */
    static SequenceDataset majority(int n, long seed, DType dtype) {
        Rng rng = new Rng(seed);
        List<float[][]> seqs = new ArrayList<>();
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int len = 3 + 2 * rng.nextInt(3);                              // 3, 5 or 7: odd
            float[][] s = new float[len][1];
            int sum = 0;
            for (int t = 0; t < len; t++) {
                s[t][0] = rng.nextInt(2) == 0 ? -1 : 1;
                sum += (int) s[t][0];
            }
            seqs.add(s);
            labels[i] = sum > 0 ? 1 : 0;
        }
        return SequenceDataset.ofFeatures(seqs, labels).withDType(dtype);
    }
}
