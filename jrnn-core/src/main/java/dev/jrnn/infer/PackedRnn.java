package dev.jrnn.infer;

import dev.jrnn.nn.Parameter;
import dev.jrnn.nn.rnn.RnnBase;
import dev.jrnn.nn.rnn.RnnConfig;
import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Shapes;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * A stock recurrent layer ({@code SimpleRnn}, {@code Lstm}, {@code Gru}, {@code MinGru}, {@code MinLstm}: every
 * cell type, stacked, bidirectional, LSTM projections, float32 or float64) frozen for inference: its weights copied and packed once, shared by any
 * number of threads.
 *
 * <h2>Thread safety</h2>
 * A {@code PackedRnn} is immutable: {@link #of} copies the layer's weights (training the layer afterwards does
 * not change this model) and nothing writes them again, so one instance may be used by any number of threads at
 * once without locking. Everything that changes per request lives elsewhere: {@link #run} works in buffers of
 * the calling thread's own (kept between its calls, docs/serving.md), and each {@link RnnStream}
 * ({@link #openStream()}) owns one sequence's state and
 * scratch. A stream is not thread-safe: use it from one thread at a time (hand it over through anything that
 * orders memory, such as an executor or a concurrent queue). The results do not depend on how many threads run
 * at once: a request gives the same bits alone or beside others.
 *
 * <h2>Two ways in</h2>
 * <ul>
 * <li>{@link #openStream()}: one sequence, one step at a time ({@code s.step(x)}), for unidirectional layers.
 *     Each step is one packed matrix–vector product per weight matrix and one fused gate pass; a step allocates
 *     nothing. The scan layers ({@code MinGru}, {@code MinLstm}) step in their sequential form,
 *     {@code h_t = a_t ⊙ h_{t−1} + b_t}, with O(1) state: the same values as their training scan.</li>
 * <li>{@link #run(List)}: a batch of sequences of different lengths, each {@code [T_b, I]}. Sequences are
 *     sorted by length (as PyTorch's packed sequences), so each step works on the rows still running and no row
 *     is computed past its end; every direction's input projection is one GEMM over all steps.</li>
 * </ul>
 * Both compute what {@code RnnBase.forward} computes in evaluation mode (no dropout), with zero initial state,
 * to rounding: the products add their terms in another order than the fused training kernels.
 *
 * <pre>{@code
 * PackedRnn model = PackedRnn.of(lstm);              // once, when the model is loaded
 * RnnStream s = model.openStream();                  // per request or per conversation
 * for (float[] x : inputs) {
 *     float[] h = s.step(x);                         // [H], the top layer's new hidden state
 * }
 * }</pre>
 * (the same lines run in {@code PackedRnnTest.docExample}).
 */
public final class PackedRnn {
    private final RnnConfig config;
    private final DType dtype;
    private final PackedFloat[] floats;     // [L·D], float32 models; else null
    private final PackedDouble[] doubles;   // [L·D], float64 models; else null

    private PackedRnn(RnnConfig config, DType dtype, PackedFloat[] floats, PackedDouble[] doubles) {
        this.config = config;
        this.dtype = dtype;
        this.floats = floats;
        this.doubles = doubles;
    }

    /**
     * Copies and packs the weights of {@code rnn} (any stock layer, its current values); batch-1 LSTM steps on
     * {@code -Djrnn.infer.stepThreads} threads: {@code auto} (the default) splits them over two threads when the
     * JVM has two processors or more (see {@link #of(RnnBase, int)}).
     */
    public static PackedRnn of(RnnBase rnn) {
        return of(rnn, StepPartner.THREADS);
    }

    /**
     * Copies and packs the weights of {@code rnn}, choosing how batch-1 LSTM steps (streams, and the steps of
     * {@link #run} where one sequence is left) run: {@code 1}, on the calling thread; {@code 2}, split by hidden
     * units between the caller and a shared helper thread that spins between steps (docs/serving.md). Both give
     * the same bits; other cells and larger batches ignore it.
     *
     * @param stepThreads 1 or 2 (an LSTM with a projection steps on one thread)
     */
    public static PackedRnn of(RnnBase rnn, int stepThreads) {
        Objects.requireNonNull(rnn, "rnn");
        if (stepThreads != 1 && stepThreads != 2) {
            throw new IllegalArgumentException("PackedRnn.of: stepThreads must be 1 or 2, got " + stepThreads);
        }
        boolean split = stepThreads == 2;
        RnnConfig c = rnn.config();
        if (c.mode().isXlstm()) {
            throw new IllegalArgumentException("PackedRnn.of: " + rnn + " is an xLSTM layer (" + c.mode() + "), whose state"
                    + " (h, c, n, m) the packed kernels do not carry; run the layer itself (forwardFrom with the kept"
                    + " state, or cell(layer, reverse).step), as LanguageModel.session() does");
        }
        if (c.mode() == CellType.TTT_LINEAR) {
            throw new IllegalArgumentException("PackedRnn.of: " + rnn + " is a TttLinear layer (TTT_LINEAR), which is not"
                    + " packed: its state is a linear model per head trained at every token; step it through the model's"
                    + " own methods (LanguageModel.generate/session, TextClassifier.predictProbabilities,"
                    + " SequenceRegressor.predict), as jrnn sample and jrnn predict do");
        }
        DType dtype = rnn.weightIh(0, false).data().dtype();
        int dirs = c.numDirections(), n = c.numLayers() * dirs;
        PackedFloat[] f = dtype == DType.FLOAT32 ? new PackedFloat[n] : null;
        PackedDouble[] d = dtype == DType.FLOAT64 ? new PackedDouble[n] : null;
        for (int k = 0; k < c.numLayers(); k++) {
            for (int dir = 0; dir < dirs; dir++) {
                boolean rev = dir == 1;
                NdArray wih = rnn.weightIh(k, rev).data(), whh = data(rnn.weightHh(k, rev));   // whh: null for a scan cell
                NdArray bih = data(rnn.biasIh(k, rev)), bhh = data(rnn.biasHh(k, rev)), whr = data(rnn.weightHr(k, rev));
                int in = c.layerInputSize(k), h = c.hiddenSize();
                if (f != null) {
                    f[k * dirs + dir] = new PackedFloat(c.mode(), in, h, wih.floatData(), whh == null ? null : whh.floatData(),
                            bih == null ? null : bih.floatData(), bhh == null ? null : bhh.floatData(),
                            whr == null ? null : whr.floatData(), split);
                } else {
                    d[k * dirs + dir] = new PackedDouble(c.mode(), in, h, wih.doubleData(), whh == null ? null : whh.doubleData(),
                            bih == null ? null : bih.doubleData(), bhh == null ? null : bhh.doubleData(),
                            whr == null ? null : whr.doubleData(), split);
                }
            }
        }
        return new PackedRnn(c, dtype, f, d);
    }

    private static NdArray data(Parameter p) {
        return p == null ? null : p.data();
    }

    /** The layer's configuration (its {@code batchFirst} and {@code dropout} play no part here). */
    public RnnConfig config() { return config; }

    /** float32 or float64, the layer's parameter dtype. */
    public DType dtype() { return dtype; }

    /**
     * A new stream over this model: one sequence, stepped one input at a time, starting from the zero state.
     *
     * @throws IllegalStateException for a bidirectional layer (its reverse direction needs the whole sequence)
     */
    public RnnStream openStream() {
        if (config.bidirectional()) {
            throw new IllegalStateException(layerName() + ": a bidirectional layer cannot be streamed (its reverse "
                    + "direction reads the sequence from its end); use run(List.of(sequence)) instead");
        }
        return new RnnStream(this);
    }

    String layerName() {
        return "PackedRnn(" + config.mode() + ")";
    }

    /** Layer {@code k}'s forward direction (streams use unidirectional models only). */
    PackedFloat floatLayer(int k) { return floats[k]; }

    PackedDouble doubleLayer(int k) { return doubles[k]; }

    /**
     * The result of {@link #run}, in the order of the input sequences.
     *
     * @param outputs one {@code [T_b, D·R]} per sequence: the top layer's hidden state at every step, forward
     *                direction first ({@code R} = {@code P} with a projection, else {@code H})
     * @param hN      {@code [L·D, B, R]}: every layer-direction's state after the sequence's last step (the
     *                reverse direction's after {@code t = 0}), as PyTorch's {@code h_n}
     * @param cN      {@code [L·D, B, H]} for LSTM, else null
     */
    public record Output(List<NdArray> outputs, NdArray hN, NdArray cN) {}

    /**
     * Runs a batch of sequences of any lengths, from the zero state. Thread-safe: the call works in buffers of
     * the calling thread's own (a {@code ThreadLocal}, reused by its next call); only the returned arrays are new.
     *
     * @param sequences {@code B ≥ 1} arrays {@code [T_b, I]} ({@code T_b ≥ 1}) of this model's dtype
     */
    public Output run(List<NdArray> sequences) {
        Objects.requireNonNull(sequences, "sequences");
        String op = layerName() + ".run";
        final int B = sequences.size(), I = config.inputSize(), H = config.hiddenSize();
        if (B == 0) {
            throw new IllegalArgumentException(op + ": no sequences (expected at least one [time, " + I + "] array)");
        }
        int[] len = new int[B];
        for (int b = 0; b < B; b++) {
            NdArray x = sequences.get(b);
            if (x == null) {
                throw new IllegalArgumentException(op + ": sequence " + b + " is null");
            }
            if (x.rank() != 2 || x.dim(0) < 1 || x.dim(1) != I) {
                throw Shapes.mismatch(op, "sequences[" + b + "]", x.shape(), "[time >= 1, inputSize=" + I
                        + "] (one sequence; a padded batch [batch, time, features] must be split into its sequences)");
            }
            if (x.dtype() != dtype) {
                throw new IllegalArgumentException(op + ": sequence " + b + " is " + x.dtype() + " but the model is " + dtype);
            }
            len[b] = x.dim(0);
        }
        // Longest first: then the sequences still running at step s are a prefix of the rows.
        int[] order = IntStream.range(0, B).boxed().sorted(Comparator.comparingInt((Integer b) -> -len[b]))
                .mapToInt(Integer::intValue).toArray();
        int[] sortedLen = new int[B];
        for (int r = 0; r < B; r++) sortedLen[r] = len[order[r]];
        final int T = sortedLen[0];
        int[] n = new int[T], start = new int[T + 1];
        for (int s = 0; s < T; s++) {
            int m = 0;
            while (m < B && sortedLen[m] > s) m++;
            n[s] = m;
            start[s + 1] = start[s] + m;
        }
        final int rows = start[T], dirs = config.numDirections(), L = config.numLayers(), R = config.stateSize(), DH = dirs * R;

        // Layer 0's input, packed by time: row start[t] + r is sorted sequence r at time t.
        Scratch scratch = SCRATCH.get();
        Object in = scratch.get(dtype, 0, rows * I);
        for (int r = 0; r < B; r++) {
            Object x = raw(sequences.get(order[r]));
            for (int t = 0; t < sortedLen[r]; t++) {
                System.arraycopy(x, t * I, in, (start[t] + r) * I, I);
            }
        }
        NdArray hN = NdArray.zeros(dtype, L * dirs, B, R);
        NdArray cN = config.mode() == CellType.LSTM ? NdArray.zeros(dtype, L * dirs, B, H) : null;
        int inW = I;
        for (int k = 0; k < L; k++) {
            Object out = scratch.get(dtype, 1 + k % 2, rows * DH);   // layer k reads slot 0 or 2-k%2, writes 1+k%2
            for (int d = 0; d < dirs; d++) {
                boolean rev = d == 1;
                Object xs = in;
                if (rev) {   // step s of sequence r reads time len_r - 1 - s
                    xs = scratch.get(dtype, 3, rows * inW);
                    for (int s = 0; s < T; s++) {
                        for (int r = 0; r < n[s]; r++) {
                            System.arraycopy(in, (start[sortedLen[r] - 1 - s] + r) * inW, xs, (start[s] + r) * inW, inW);
                        }
                    }
                }
                Object ys = scratch.get(dtype, 4, rows * R), h = scratch.zeros(dtype, 5, B * R);
                Object c = cN == null ? null : scratch.zeros(dtype, 6, B * H);
                Object gates = scratch.get(dtype, 7, PackedFloat.gateRows(rows, B) * config.mode().gates() * H);
                int li = k * dirs + d;
                if (floats != null) {
                    floats[li].run((float[]) xs, n, start, rows, (float[]) ys, (float[]) h, (float[]) c, (float[]) gates);
                } else {
                    doubles[li].run((double[]) xs, n, start, rows, (double[]) ys, (double[]) h, (double[]) c, (double[]) gates);
                }
                for (int s = 0; s < T; s++) {
                    for (int r = 0; r < n[s]; r++) {
                        int t = rev ? sortedLen[r] - 1 - s : s;
                        System.arraycopy(ys, (start[s] + r) * R, out, (start[t] + r) * DH + d * R, R);
                    }
                }
                for (int r = 0; r < B; r++) {
                    System.arraycopy(h, r * R, raw(hN), (li * B + order[r]) * R, R);
                    if (c != null) {
                        System.arraycopy(c, r * H, raw(cN), (li * B + order[r]) * H, H);
                    }
                }
            }
            in = out;
            inW = DH;
        }
        List<NdArray> outputs = new ArrayList<>(Arrays.asList(new NdArray[B]));
        for (int r = 0; r < B; r++) {
            NdArray o = NdArray.zeros(dtype, sortedLen[r], DH);
            for (int t = 0; t < sortedLen[r]; t++) {
                System.arraycopy(in, (start[t] + r) * DH, raw(o), t * DH, DH);
            }
            outputs.set(order[r], o);
        }
        return new Output(List.copyOf(outputs), hN, cN);
    }

    /**
     * Each thread's working memory for {@link #run}, kept from call to call: a request then writes memory the CPU
     * has cached rather than memory it never touched (slots: the packed input, two layer outputs, a reversed input,
     * a direction's outputs, h, c, the gate pre-activations; W4 batch 1 under G1: 2.6–2.9 ms per sequence with the
     * buffers allocated per call, 1.7 ms with the heap pre-touched; docs/performance.md). A buffer above
     * {@link #KEPT} elements is allocated for its call only, so an idle thread holds at most a few of that size.
     */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static final int KEPT = 1 << 20;

    private static final class Scratch {
        private final Object[][] slots = new Object[2][8];   // [float32, float64][slot]

        /** Slot {@code slot}'s buffer of at least {@code n} elements of {@code dtype}, contents undefined. */
        Object get(DType dtype, int slot, int n) {
            int d = dtype == DType.FLOAT32 ? 0 : 1;
            Object b = slots[d][slot];
            if (b == null || java.lang.reflect.Array.getLength(b) < n) {
                b = d == 0 ? new float[n] : new double[n];
                if (n <= KEPT) slots[d][slot] = b;
            }
            return b;
        }

        /** {@link #get}, its first {@code n} elements zero. */
        Object zeros(DType dtype, int slot, int n) {
            Object b = get(dtype, slot, n);
            if (b instanceof float[] f) Arrays.fill(f, 0, n, 0f);
            else Arrays.fill((double[]) b, 0, n, 0.0);
            return b;
        }
    }

    private static Object raw(NdArray a) {
        return a.dtype() == DType.FLOAT32 ? a.floatData() : a.doubleData();
    }

    @Override
    public String toString() {
        return "PackedRnn(" + config.mode() + ", " + config.inputSize() + ", " + config.hiddenSize() + ", numLayers="
                + config.numLayers() + ", bidirectional=" + config.bidirectional() + ", " + dtype + ")";
    }
}
