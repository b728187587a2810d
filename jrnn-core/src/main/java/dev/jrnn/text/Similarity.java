package dev.jrnn.text;

import dev.jrnn.nn.Embedding;
import dev.jrnn.tensor.NdArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Cosine similarity, nearest neighbours and analogies over any embedding matrix {@code [V, dim]} whose row
 * {@code i} is token {@code i} of a {@link Vocabulary} (pretrained vectors, or a trained {@link Embedding}'s
 * weight). As in Mikolov et al. 2013 (analogies by vector offsets):
 * <pre>
 * similarity(a, b) = cos θ = a·b / (|a| |b|)
 * nearest(w, k)    = the k tokens t ≠ w with the largest cos(v_t, v_w)
 * analogy(a, b, c) = the tokens t ∉ {a, b, c} with the largest cos(v_t, â − b̂ + ĉ)     (x̂ = x / |x|)
 * </pre>
 * The analogy is gensim's {@code most_similar(positive=[a, c], negative=[b])} ("3CosAdd"): the query is the
 * mean of the unit vectors (weights +1, −1, +1), made unit length, so {@code analogy("king", "man", "woman")}
 * asks "king − man + woman" and answers "queen" on GloVe. The similarities reported are cosines to that unit
 * query, the numbers gensim prints.
 *
 * <p>Candidates are every non-special token with a non-zero row: {@code <pad>}, {@code <unk>}, {@code <eos>},
 * {@code <bos>} and all-zero rows never appear in answers (they may still be queried). Ties are broken by the
 * smaller id (the more frequent word), so results are deterministic. The rows are normalised once, at
 * construction (a float32 copy); each query is one pass over the matrix, {@code O(V·dim)}.
 */
public final class Similarity {
    private static final Comparator<Neighbour> BEST_FIRST =
            Comparator.comparingDouble(Neighbour::similarity).reversed().thenComparingInt(Neighbour::id);

    private final Vocabulary vocab;
    private final int size;
    private final int dim;
    private final float[] unit;                                  // [size, dim], rows of length 1 (zero rows stay zero)
    private final boolean[] candidate;

    private Similarity(NdArray matrix, Vocabulary vocab) {
        this.vocab = vocab;
        this.size = matrix.dim(0);
        this.dim = matrix.dim(1);
        this.unit = new float[size * dim];
        this.candidate = new boolean[size];
        for (int i = 0; i < size; i++) {
            double ss = 0;
            for (int j = 0; j < dim; j++) {
                double x = matrix.getFlat(i * dim + j);
                ss += x * x;
            }
            double norm = Math.sqrt(ss);
            if (norm > 0) {
                for (int j = 0; j < dim; j++) {
                    unit[i * dim + j] = (float) (matrix.getFlat(i * dim + j) / norm);
                }
            }
            candidate[i] = norm > 0 && !vocab.isSpecial(i);
        }
    }

    /**
     * Similarities over {@code matrix} {@code [vocab.size(), dim]} (float32 or float64; copied).
     *
     * @throws IllegalArgumentException when the matrix is not 2-D with one row per vocabulary id, or holds a non-finite value
     */
    public static Similarity of(NdArray matrix, Vocabulary vocab) {
        Objects.requireNonNull(matrix, "matrix");
        Objects.requireNonNull(vocab, "vocab");
        if (matrix.rank() != 2 || matrix.dim(0) != vocab.size() || matrix.dim(1) == 0) {
            throw new IllegalArgumentException("Similarity.of: matrix has shape " + Arrays.toString(matrix.shape())
                    + ", expected [" + vocab.size() + ", dim] (one row per id of the vocabulary, dim > 0)");
        }
        if (!matrix.allFinite()) {
            throw new IllegalArgumentException("Similarity.of: the matrix holds NaN or infinite values");
        }
        return new Similarity(matrix, vocab);
    }

    /** Similarities over a (trained or pretrained) embedding's weight, whose rows follow {@code vocab}. */
    public static Similarity of(Embedding embedding, Vocabulary vocab) {
        return of(embedding.weight().data(), vocab);
    }

    // ------------------------------------------------------------------ plain cosines

    /** {@code a·b / (|a| |b|)}, accumulated in double; 0 when either vector is zero (as gensim). */
    public static double cosine(float[] a, float[] b) {
        checkLengths(a.length, b.length);
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return aa == 0 || bb == 0 ? 0 : ab / Math.sqrt(aa * bb);
    }

    /** {@code a·b / (|a| |b|)}; 0 when either vector is zero. */
    public static double cosine(double[] a, double[] b) {
        checkLengths(a.length, b.length);
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += a[i] * b[i];
            aa += a[i] * a[i];
            bb += b[i] * b[i];
        }
        return aa == 0 || bb == 0 ? 0 : ab / Math.sqrt(aa * bb);
    }

    /** Cosine of two arrays of the same size (any shape, read flat); 0 when either is zero. */
    public static double cosine(NdArray a, NdArray b) {
        return cosine(a.toDoubleArray(), b.toDoubleArray());
    }

    private static void checkLengths(int a, int b) {
        if (a != b) {
            throw new IllegalArgumentException("Similarity.cosine: vectors of different lengths " + a + " and " + b);
        }
    }

    // ------------------------------------------------------------------ over the matrix

    /**
     * Cosine similarity of two tokens.
     *
     * @throws IllegalArgumentException when a token is not in the vocabulary
     */
    public double cosine(String a, String b) {
        return cosine(require(a), require(b));
    }

    /** Cosine similarity of rows {@code i} and {@code j} (0 when either row is zero). */
    public double cosine(int i, int j) {
        Objects.checkIndex(i, size);
        Objects.checkIndex(j, size);
        double s = 0;
        for (int d = 0; d < dim; d++) {
            s += (double) unit[i * dim + d] * unit[j * dim + d];
        }
        return s;
    }

    /**
     * The {@code k} tokens most similar to {@code word}, best first, {@code word} itself excluded.
     *
     * @throws IllegalArgumentException when {@code word} is not in the vocabulary or its row is zero
     */
    public List<Neighbour> nearest(String word, int k) {
        return mostSimilar(List.of(word), List.of(), k);
    }

    /**
     * The {@code k} tokens whose rows are most similar to {@code vector} (any length; not normalised by the
     * caller), best first, leaving out the tokens in {@code exclude}.
     */
    public List<Neighbour> nearest(float[] vector, int k, Collection<String> exclude) {
        if (vector.length != dim) {
            throw new IllegalArgumentException("Similarity.nearest: the query has " + vector.length + " values, the rows " + dim);
        }
        double[] q = new double[dim];
        for (int j = 0; j < dim; j++) {
            q[j] = vector[j];
        }
        Set<Integer> ex = new HashSet<>();
        for (String w : exclude) {
            int id = vocab.indexOf(w);
            if (id >= 0) {
                ex.add(id);
            }
        }
        return search(normalise(q, "the query vector"), k, ex);
    }

    /**
     * gensim's {@code most_similar}: the {@code k} tokens closest to the unit-length mean of the unit vectors
     * of {@code positive} (weight +1) and {@code negative} (weight −1), best first, every input token excluded.
     *
     * @throws IllegalArgumentException for an unknown token, no tokens at all, a zero row, or a zero query
     *                                  (e.g. the same token positive and negative)
     */
    public List<Neighbour> mostSimilar(List<String> positive, List<String> negative, int k) {
        if (positive.isEmpty() && negative.isEmpty()) {
            throw new IllegalArgumentException("Similarity.mostSimilar: give at least one token");
        }
        double[] q = new double[dim];
        Set<Integer> ex = new HashSet<>();
        for (String w : positive) {
            ex.add(addUnit(q, w, +1));
        }
        for (String w : negative) {
            ex.add(addUnit(q, w, -1));
        }
        return search(normalise(q, "the query " + positive + " − " + negative), k, ex);
    }

    /**
     * The analogy {@code a − b + c} (king − man + woman → queen): {@code mostSimilar([a, c], [b], k)}, the three
     * inputs excluded. Read it "b is to a as c is to ?".
     */
    public List<Neighbour> analogy(String a, String b, String c, int k) {
        return mostSimilar(List.of(a, c), List.of(b), k);
    }

    /** A copy of the unit-length row of {@code word}. */
    public float[] unitVector(String word) {
        int id = require(word);
        return Arrays.copyOfRange(unit, id * dim, (id + 1) * dim);
    }

    /** The vocabulary the rows follow. */
    public Vocabulary vocabulary() { return vocab; }

    /** Number of rows. */
    public int size() { return size; }

    /** Vector size. */
    public int dim() { return dim; }

    private int addUnit(double[] q, String word, int sign) {
        int id = require(word);
        boolean zero = true;
        for (int j = 0; j < dim; j++) {
            float u = unit[id * dim + j];
            zero &= u == 0;
            q[j] += sign * u;
        }
        if (zero) {
            throw new IllegalArgumentException("Similarity: " + Vocabulary.quote(word) + " (id " + id + ") has an all-zero"
                    + " vector, which has no direction (a padding row, or a word missing from the pretrained file filled with zeros)");
        }
        return id;
    }

    private int require(String word) {
        int id = vocab.indexOf(Objects.requireNonNull(word, "word"));
        if (id < 0) {
            String lower = word.toLowerCase(Locale.ROOT);
            throw new IllegalArgumentException("Similarity: " + Vocabulary.quote(word) + " is not in the vocabulary ("
                    + size + " tokens)" + (!lower.equals(word) && vocab.contains(lower) ? "; did you mean "
                    + Vocabulary.quote(lower) + "?" : ""));
        }
        return id;
    }

    private static double[] normalise(double[] q, String what) {
        double ss = 0;
        for (double x : q) {
            ss += x * x;
        }
        if (!(ss > 0)) {
            throw new IllegalArgumentException("Similarity: " + what + " is a zero vector; it has no nearest neighbours");
        }
        double inv = 1 / Math.sqrt(ss);
        for (int j = 0; j < q.length; j++) {
            q[j] *= inv;
        }
        return q;
    }

    /** The k best candidates for a unit query: a min-heap of the best so far, then sorted best first. */
    private List<Neighbour> search(double[] q, int k, Set<Integer> exclude) {
        if (k < 1) {
            throw new IllegalArgumentException("Similarity: k must be at least 1, got " + k);
        }
        PriorityQueue<Neighbour> heap = new PriorityQueue<>(Math.min(k, size) + 1, BEST_FIRST.reversed());
        for (int i = 0; i < size; i++) {
            if (!candidate[i] || exclude.contains(i)) {
                continue;
            }
            double s = 0;
            int off = i * dim;
            for (int j = 0; j < dim; j++) {
                s += unit[off + j] * q[j];
            }
            if (heap.size() < k) {
                heap.add(new Neighbour(vocab.token(i), i, s));
            } else {
                Neighbour worst = heap.peek();
                if (s > worst.similarity()) {                    // equal similarity: the earlier (smaller) id stays
                    heap.poll();
                    heap.add(new Neighbour(vocab.token(i), i, s));
                }
            }
        }
        List<Neighbour> out = new ArrayList<>(heap);
        out.sort(BEST_FIRST);
        return out;
    }

    @Override
    public String toString() {
        return "Similarity(" + size + " tokens x " + dim + ")";
    }
}
