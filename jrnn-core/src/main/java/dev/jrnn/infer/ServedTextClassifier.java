package dev.jrnn.infer;

import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.text.TextClassifier;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A {@link TextClassifier} frozen for serving: embedding, recurrent layers ({@link PackedRnn}) and output layer
 * copied once. Immutable and thread-safe: every {@link #predictProbabilities} call works in its own memory, so
 * any number of threads may call it at once. It computes what {@link TextClassifier#predictProbabilities}
 * computes, to rounding, without padding: each text runs for its own length only.
 */
public final class ServedTextClassifier {
    private final TextClassifier.Config config;
    private final PackedRnn rnn;
    private final PackedLinear output;
    private final NdArray embedding;   // [V, E], a copy

    private ServedTextClassifier(TextClassifier model) {
        this.config = model.config();
        this.rnn = PackedRnn.of(model.rnn());
        this.output = new PackedLinear(model.output());
        this.embedding = model.embedding().weight().data().copy();
    }

    /** Copies and packs {@code model}'s weights (their current values). */
    public static ServedTextClassifier of(TextClassifier model) {
        return new ServedTextClassifier(Objects.requireNonNull(model, "model"));
    }

    /** The model's configuration. */
    public TextClassifier.Config config() { return config; }

    /**
     * The class probabilities of every text, all of them in one batch. An empty text is read as one pad token
     * (id 0 when the model has no pad id), as {@link TextClassifier#predictProbabilities} does.
     *
     * @param ids one id sequence per text, ids in {@code 0..V-1}
     * @return {@code ids.length} rows of {@code C} probabilities
     */
    public double[][] predictProbabilities(int[][] ids) {
        Objects.requireNonNull(ids, "ids");
        if (ids.length == 0) return new double[0][];
        int e = config.embeddingDim(), pad = Math.max(0, config.padId());
        DType dtype = embedding.dtype();
        List<NdArray> seqs = new ArrayList<>(ids.length);
        for (int i = 0; i < ids.length; i++) {
            int[] row = ids[i].length == 0 ? new int[] {pad} : ids[i];
            NdArray x = NdArray.zeros(dtype, row.length, e);
            for (int t = 0; t < row.length; t++) {
                int id = row[t];
                if (id < 0 || id >= config.vocabSize()) {
                    throw new IllegalArgumentException("ServedTextClassifier.predictProbabilities: id " + id
                            + " of sequence " + i + " is out of range 0.." + (config.vocabSize() - 1));
                }
                if (dtype == DType.FLOAT32) System.arraycopy(embedding.floatData(), id * e, x.floatData(), t * e, e);
                else System.arraycopy(embedding.doubleData(), id * e, x.doubleData(), t * e, e);
            }
            seqs.add(x);
        }
        double[][] logits = output.applyToFinalStates(rnn, rnn.run(seqs));
        for (double[] z : logits) softmaxInPlace(z);
        return logits;
    }

    /**
     * The class a row of scores picks: the index of its largest value, the first one on a tie (as
     * {@link dev.jrnn.train.Metrics#accuracy} counts). The one rule for {@code jrnn predict}, {@code jrnn eval} and
     * jrnn-spark.
     *
     * @param scores one row of {@link #predictProbabilities} (or any monotone transform of it), at least one value
     * @return the class id
     */
    public static int predictClass(double[] scores) {
        if (scores.length == 0) throw new IllegalArgumentException("ServedTextClassifier.predictClass: no scores");
        int best = 0;
        for (int c = 1; c < scores.length; c++) if (scores[c] > scores[best]) best = c;
        return best;
    }

    static void softmaxInPlace(double[] z) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (double v : z) max = Math.max(max, v);
        for (int i = 0; i < z.length; i++) {
            z[i] = Math.exp(z[i] - max);
            sum += z[i];
        }
        for (int i = 0; i < z.length; i++) z[i] /= sum;
    }
}
