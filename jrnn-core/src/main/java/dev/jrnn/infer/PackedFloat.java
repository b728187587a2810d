package dev.jrnn.infer;

import dev.jrnn.nn.rnn.KernelMath;
import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.tensor.Blas;

import java.util.Arrays;

/**
 * One layer-direction of a {@link PackedRnn} in float32: its weights, packed once, and the inference loops
 * over them (no autograd, nothing saved for a backward pass).
 *
 * <p>{@link PackedDouble} is the same code over {@code double[]}: its body (from the class declaration on) is
 * this body with the word {@code float} replaced by {@code double}, {@code sgemm} by {@code dgemm} and the class
 * name swapped (tools/twins.txt), and {@code TwinsTest} checks that it stays so. Edit this file, then regenerate
 * the other's body with {@code python3 tools/gen_twins.py}.
 *
 * <h2>Packed layout</h2>
 * The step's products are matrix–vector products {@code y = W v} with {@code W} {@code [G·H, K]} (PyTorch's
 * layout). They are stored transposed and cut into rows, {@code wt[k]} = column {@code k} of {@code W}, a
 * {@code float[G·H]} of its own, so that the product is a sum of scaled rows, {@code y += wt[k] · v[k]} for each
 * {@code k}: a loop over {@code j} that reads {@code wt[k][j]} and writes {@code y[j]}, both indexed from 0, which
 * C2 vectorises (JDK 17's superword pass gives up on a flat array read at {@code k·G·H + j} next to {@code y[j]}:
 * measured 117 µs against 16 µs for the [1024×256] product here). Four rows at a time halve the loads and stores
 * of {@code y} (11.6 µs). {@code y} ({@code G·H} floats) stays in L1 and the weights stream from L2.
 *
 * <p>The PyTorch-layout copies are kept as well: a product over many rows (a long sequence's input projection, a
 * batch of {@link #SMALL_BATCH} or more rows) goes to {@link Blas#sgemm}, which is faster there.
 *
 * <h2>Gate passes</h2>
 * The same operations in the same order as the fused training kernels ({@code FusedRnnFloat}), on
 * {@link KernelMath}'s activations, so results differ from theirs only by the order of the products' sums. The
 * state is updated in place: every product that reads {@code h} has run before the pass writes it.
 */
final class PackedFloat {
    /**
     * Below this many rows a step's recurrent product runs as one packed matrix–vector product per row, from there
     * on as one {@link Blas#sgemm} (measured in docs/blas.md); {@code -Djrnn.infer.smallBatch=N} overrides it, for
     * benchmarks.
     */
    static final int SMALL_BATCH = Integer.getInteger("jrnn.infer.smallBatch", 8);

    /**
     * {@link #run} projects the inputs onto the gates ({@code X W_ihᵀ}, one {@link Blas#sgemm}) for a chunk of
     * steps at a time, at most this many rows (or one step's rows, when a step has more), into a buffer the caller
     * keeps per thread ({@link PackedRnn}'s working memory: a fresh buffer per call, 400 KB per W4 sequence, cost
     * half of W4's batch-1 time under G1, docs/performance.md).
     */
    static final int CHUNK_ROWS = 128;

    /** The rows of gate pre-activations {@link #run} keeps at once for {@code rows} rows of a batch of {@code batch}. */
    static int gateRows(int rows, int batch) {
        return Math.min(rows, Math.max(CHUNK_ROWS, batch));
    }

    final CellType type;
    final int input, hidden, gh;
    final int state;                // R: the features of h, P with a projection, else H
    private final float[][] wx;     // [I][G·H]   wx[k][j] = W_ih[j][k]
    private final float[][] wh;     // [R][G·H]   wh[k][j] = W_hh[j][k]; null for a scan cell (MIN_GRU, MIN_LSTM)
    private final float[][] wr;     // [H][P]     wr[k][j] = W_hr[j][k]: LSTM projection h = W_hr (o ⊙ tanh c); else null
    private final float[] wih;      // [G·H, I]   PyTorch layout, for Blas
    private final float[] whh;      // [G·H, R]   null for a scan cell
    private final float[] bias;     // [G·H]      b_ih + b_hh (GRU: without b_hn)
    private final float[] bhn;      // [H]        GRU: b_hn, added inside r ⊙ (W_hn h + b_hn); else null
    private final float[][][] wxHalf;   // [2][I][4·n_u]  split LSTM steps: half u's gate columns, gate-major; else null
    private final float[][][] whHalf;   // [2][H][4·n_u]
    private final float[][] biasHalf;   // [2][4·n_u]

    /**
     * Copies and packs one layer-direction's weights; a null bias is no bias, and a scan cell ({@code MIN_GRU},
     * {@code MIN_LSTM}) has null {@code whh} and {@code bhh}; {@code whr} ({@code [P, H]}) is an LSTM's projection,
     * or null. {@code split}: LSTM steps of fewer than {@link #SMALL_BATCH} rows, without a projection, run as
     * {@link SplitStep}s (two threads).
     */
    PackedFloat(CellType type, int input, int hidden, float[] wih, float[] whh, float[] bih, float[] bhh, float[] whr,
                boolean split) {
        this.type = type;
        this.input = input;
        this.hidden = hidden;
        this.state = whr == null ? hidden : whr.length / hidden;
        this.gh = type.gates() * hidden;
        this.wr = whr == null ? null : transposedRows(whr, state, hidden);
        this.wih = wih.clone();
        this.whh = whh == null ? null : whh.clone();
        this.wx = transposedRows(wih, gh, input);
        this.wh = whh == null ? null : transposedRows(whh, gh, state);
        this.bias = new float[gh];
        if (bih != null) {
            for (int j = 0; j < gh; j++) bias[j] += bih[j];
        }
        float[] n = null;
        if (bhh != null) {
            int folded = type == CellType.GRU ? 2 * hidden : gh;   // r multiplies (W_hn h + b_hn): keep b_hn apart
            for (int j = 0; j < folded; j++) bias[j] += bhh[j];
            if (type == CellType.GRU) {
                n = Arrays.copyOfRange(bhh, 2 * hidden, 3 * hidden);
            }
        }
        this.bhn = n;
        split &= type == CellType.LSTM && hidden >= 2 && whr == null;
        this.wxHalf = split ? new float[][][] {halfColumns(wx, 0), halfColumns(wx, 1)} : null;
        this.whHalf = split ? new float[][][] {halfColumns(wh, 0), halfColumns(wh, 1)} : null;
        this.biasHalf = split ? new float[][] {halfColumns(new float[][] {bias}, 0)[0], halfColumns(new float[][] {bias}, 1)[0]} : null;
    }

    /** Hidden units {@code lo(u) .. lo(u+1)}: the half of them that split step {@code u} computes. */
    private int lo(int u) {
        return u == 0 ? 0 : u == 1 ? hidden / 2 : hidden;
    }

    /** Half {@code u}'s columns of packed rows {@code w[k]} ({@code [G·H]}, gate-major): {@code [k][q·n + t] = w[k][q·H + lo + t]}. */
    private float[][] halfColumns(float[][] w, int u) {
        final int lo = lo(u), n = lo(u + 1) - lo, gates = type.gates();
        float[][] out = new float[w.length][gates * n];
        for (int k = 0; k < w.length; k++) {
            for (int q = 0; q < gates; q++) {
                System.arraycopy(w[k], q * hidden + lo, out[k], q * n, n);
            }
        }
        return out;
    }

    /** {@code out[k][j] = w[j·cols + k]}: the columns of a row-major {@code [rows, cols]} matrix as rows. */
    private static float[][] transposedRows(float[] w, int rows, int cols) {
        float[][] out = new float[cols][rows];
        for (int j = 0; j < rows; j++) {
            for (int k = 0; k < cols; k++) {
                out[k][j] = w[j * cols + k];
            }
        }
        return out;
    }

    // ================================================================== the packed product

    /**
     * {@code y[c0..c1) += Σ_k w[k][c0..c1) · v[vOff + k]} over {@code k < n}: columns {@code c0..c1} of the
     * product of a packed matrix with a vector, accumulated into {@code y}.
     */
    static void gemv(float[][] w, float[] v, int vOff, int n, float[] y, int c0, int c1) {
        int k = 0;
        for (; k + 3 < n; k += 4) {
            float v0 = v[vOff + k], v1 = v[vOff + k + 1], v2 = v[vOff + k + 2], v3 = v[vOff + k + 3];
            float[] w0 = w[k], w1 = w[k + 1], w2 = w[k + 2], w3 = w[k + 3];
            for (int j = c0; j < c1; j++) {
                y[j] += w0[j] * v0 + w1[j] * v1 + w2[j] * v2 + w3[j] * v3;
            }
        }
        for (; k < n; k++) {
            float vk = v[vOff + k];
            float[] wk = w[k];
            for (int j = c0; j < c1; j++) {
                y[j] += wk[j] * vk;
            }
        }
    }

    // ================================================================== one stream step

    /**
     * Per-stream scratch of one layer: the gates, GRU's {@code W_hh h}, one row, and a projection's
     * {@code o ⊙ tanh c} ({@code [H]}) and {@code W_hr} product ({@code [P]}).
     */
    float[][] scratch() {
        return new float[][] {new float[gh], new float[gh], new float[hidden], new float[hidden], new float[state]};
    }

    /**
     * One step of one sequence: reads {@code x[xOff .. xOff+I)}, updates {@code h} ({@code [R]}) and for LSTM
     * {@code c} ({@code [H]}) in place. Allocates nothing. With a {@link SplitStep} (from {@link #splitStep()})
     * the step runs on two threads, to the same bits.
     */
    void step(float[] x, int xOff, float[] h, float[] c, float[][] scratch, SplitStep split) {
        if (split != null) {
            split.step(x, xOff, null, 0, 1, h, c);
            return;
        }
        final int H = hidden, GH = gh;
        final float[] y = scratch[0], hh = scratch[1], tmp = scratch[2];
        System.arraycopy(bias, 0, y, 0, GH);
        gemv(wx, x, xOff, input, y, 0, GH);                   // y = b + W_ih x
        switch (type) {
            case RNN_TANH, RNN_RELU -> {
                gemv(wh, h, 0, H, y, 0, GH);
                rnnRow(y, 0, h, 0, type == CellType.RNN_RELU);
            }
            case LSTM -> {
                gemv(wh, h, 0, state, y, 0, GH);
                lstmRow(y, 0, h, 0, c, 0, tmp, scratch[3], scratch[4]);
            }
            case GRU -> {
                Arrays.fill(hh, 0f);
                gemv(wh, h, 0, H, hh, 0, GH);                 // W_hh h, kept apart: r multiplies its n block
                gruRow(y, 0, hh, 0, h, 0, tmp);
            }
            case GRU_RESET_BEFORE -> {
                gemv(wh, h, 0, H, y, 0, 2 * H);               // r, z read W_h{r,z} h
                gruGatesRow(y, 0, h, 0, tmp);                 // tmp = r ⊙ h
                gemv(wh, tmp, 0, H, y, 2 * H, 3 * H);         // n reads W_hn (r ⊙ h)
                gruStateRow(y, 0, h, 0);
            }
            case MIN_GRU, MIN_LSTM -> scanRow(y, 0, h, 0);   // gates from x alone: no recurrent product
            default -> throw new AssertionError(type);
        }
    }

    // ================================================================== a step split over two threads

    /** A split step with its own buffers (one row, for a stream), or null when this layer's steps run on one thread. */
    SplitStep splitStep() {
        return whHalf == null ? null : new SplitStep(new SplitBuffers().fit(1, lo(1), hidden - lo(1)));
    }

    /**
     * Each thread's split-step buffers for {@link #run}, kept between calls and shared by every layer the thread
     * runs (one at a time). They hold arrays only, no reference to a model, so a thread keeps no model alive.
     */
    private static final ThreadLocal<SplitBuffers> RUN_SPLIT = ThreadLocal.withInitial(SplitBuffers::new);

    /**
     * A split step over this thread's buffers, for the steps of {@link #run} with fewer than {@link #SMALL_BATCH}
     * rows; null when steps run on one thread.
     */
    private SplitStep runSplit(int rows) {
        if (whHalf == null) return null;
        return new SplitStep(RUN_SPLIT.get().fit(Math.min(rows, SMALL_BATCH - 1), lo(1), hidden - lo(1)));
    }

    /**
     * A split step's buffers: half 0 runs on the caller only (set 0); half 1 on the caller (set 0) or the helper
     * (set 1), possibly both at once, so it writes its h and c to its set's {@code hOut}/{@code cOut} and the
     * caller commits them. {@code y[0]} is half 0's gates, {@code y[1]}, {@code y[2]} half 1's in sets 0 and 1.
     */
    private static final class SplitBuffers {
        final float[][] y = new float[3][], tmp = new float[3][], row = new float[3][], hOut = new float[2][],
                cOut = new float[2][];
        float[] hNext;

        /** Grows every buffer to {@code rows} rows of halves of {@code n0} and {@code n1} units; returns this. */
        SplitBuffers fit(int rows, int n0, int n1) {
            hNext = grow(hNext, rows * n0);
            y[0] = grow(y[0], rows * 4 * n0);
            tmp[0] = grow(tmp[0], n0);
            row[0] = grow(row[0], 4 * n0);
            for (int b = 1; b <= 2; b++) {
                y[b] = grow(y[b], rows * 4 * n1);
                tmp[b] = grow(tmp[b], n1);
                row[b] = grow(row[b], 4 * n1);
                hOut[b - 1] = grow(hOut[b - 1], rows * n1);
                cOut[b - 1] = grow(cOut[b - 1], rows * n1);
            }
            return this;
        }

        private static float[] grow(float[] a, int n) {
            return a != null && a.length >= n ? a : new float[n];
        }
    }

    /**
     * An LSTM step of {@code m < SMALL_BATCH} rows split by hidden units: half {@code u} computes the gate
     * columns of units {@code lo(u) .. lo(u+1)} (its own packed copy of those columns of {@code W_ih} and
     * {@code W_hh}, so each core reads only its half of the weights, which stays in its L2) and their gate pass, on
     * the caller (half 0) and {@link StepPartner}'s thread (half 1). The products are the packed matrix–vector
     * products of the one-thread step, column for column the same sums in the same order, so the bits are the same.
     * (From {@code SMALL_BATCH} rows on a step is one two-thread {@link Blas#sgemm}: halves of one sgemm each were
     * measured slower, W4 B=64 41.7 against 33.6 ms, docs/performance.md.) Not thread-safe: one per stream or per
     * thread.
     */
    final class SplitStep implements StepPartner.Halves {
        private final float[][] y, tmp, row, hOut, cOut;
        private final float[] hNext;
        private float[] x, pre, h, c;
        private int xOff, preOff, m;

        private SplitStep(SplitBuffers b) {
            y = b.y;
            tmp = b.tmp;
            row = b.row;
            hOut = b.hOut;
            cOut = b.cOut;
            hNext = b.hNext;
        }

        /**
         * One step of {@code m} rows (at most the rows its buffers were fitted to): the gates' pre-activations
         * from {@code b + W_ih x} ({@code pre == null}, one row) or from {@code pre[preOff ..]} (rows of {@code G·H}: an input projection
         * done up front, bias included), then {@code + W_hh h}; {@code h} and {@code c} ({@code [m, H]}) updated
         * in place.
         */
        void step(float[] x, int xOff, float[] pre, int preOff, int m, float[] h, float[] c) {
            this.x = x;
            this.xOff = xOff;
            this.pre = pre;
            this.preOff = preOff;
            this.m = m;
            this.h = h;
            this.c = c;
            int set = StepPartner.shared().run(this);
            final int H = hidden, n0 = lo(1), n1 = H - n0;
            for (int r = 0; r < m; r++) {                  // h was read by both halves' products until here
                System.arraycopy(hNext, r * n0, h, r * H, n0);
                System.arraycopy(hOut[set], r * n1, h, r * H + n0, n1);
                System.arraycopy(cOut[set], r * n1, c, r * H + n0, n1);
            }
        }

        @Override
        public void half(int u, int set) {
            final int H = hidden, lo = lo(u), n = lo(u + 1) - lo, w = 4 * n, b = u == 0 ? 0 : 1 + set;
            final float[] yu = y[b];
            if (pre == null) {
                System.arraycopy(biasHalf[u], 0, yu, 0, w);
                gemv(wxHalf[u], x, xOff, input, yu, 0, w);
            } else {
                for (int r = 0; r < m; r++) {
                    for (int q = 0; q < 4; q++) {
                        System.arraycopy(pre, preOff + r * gh + q * H + lo, yu, r * w + q * n, n);
                    }
                }
            }
            gemv(whHalf[u], h, 0, H, yu, 0, w);
            for (int r = 1; r < m; r++) {                  // the kernel indexes y from 0 (see gemv)
                System.arraycopy(yu, r * w, row[b], 0, w);
                gemv(whHalf[u], h, r * H, H, row[b], 0, w);
                System.arraycopy(row[b], 0, yu, r * w, w);
            }
            for (int r = 0; r < m; r++) {
                if (u == 0) {
                    lstmGates(yu, r * w, n, hNext, r * n, c, r * H + lo, tmp[0]);
                } else {
                    System.arraycopy(c, r * H + lo, cOut[set], r * n, n);
                    lstmGates(yu, r * w, n, hOut[set], r * n, cOut[set], r * n, tmp[b]);
                }
            }
        }
    }

    // ================================================================== a batch

    /**
     * One direction over a packed batch. Sequences are sorted by length, longest first, so the {@code n[s]}
     * sequences still running at step {@code s} are rows {@code 0 .. n[s]-1}; their inputs are rows
     * {@code start[s] .. start[s]+n[s]-1} of {@code xs} ({@code [rows, I]}, in this direction's step order), and
     * their outputs go to the same rows of {@code ys} ({@code [rows, R]}). {@code h} ({@code [B, R]}) and {@code c}
     * ({@code [B, H]}), in sorted order, enter as the initial state and leave as each sequence's final state.
     * {@code gates} is working memory of at least {@link #gateRows}{@code (rows, B)} × {@code G·H} elements.
     */
    void run(float[] xs, int[] n, int[] start, int rows, float[] ys, float[] h, float[] c, float[] gates) {
        final int H = hidden, GH = gh, B = n[0], T = n.length, cap = gateRows(rows, B);
        float[] hh = type == CellType.GRU ? new float[B * GH] : null;
        float[] y = new float[GH], tmp = new float[H], rh = new float[B * H], full = new float[H], proj = new float[state];
        SplitStep split = runSplit(B);
        for (int s0 = 0, s1; s0 < T; s0 = s1) {
            s1 = s0 + 1;                                       // steps s0 .. s1-1: rows start[s0] .. start[s1]-1
            while (s1 < T && start[s1 + 1] - start[s0] <= cap) s1++;
            final int r0 = start[s0], chunk = start[s1] - r0;
            for (int r = 0; r < chunk; r++) {
                System.arraycopy(bias, 0, gates, r * GH, GH);
            }
            Blas.sgemm(false, true, chunk, GH, input, 1, xs, r0 * input, input, wih, 0, input, 1, gates, 0, GH);   // += X W_ihᵀ
            for (int s = s0; s < s1; s++) {
                step(n[s], (start[s] - r0) * GH, gates, hh, y, tmp, rh, full, proj, h, c, split);
                System.arraycopy(h, 0, ys, start[s] * state, n[s] * state);
            }
        }
    }

    /** One step of {@link #run} for its {@code m} running rows, whose gates start at {@code gates[g0]}. */
    private void step(int m, int g0, float[] gates, float[] hh, float[] y, float[] tmp, float[] rh, float[] full,
                      float[] proj, float[] h, float[] c, SplitStep split) {
        final int H = hidden, GH = gh;
        if (split != null && m < SMALL_BATCH) {              // the running rows' state is h[0..m·H), c[0..m·H)
            split.step(null, 0, gates, g0, m, h, c);
            return;
        }
        switch (type) {
            case RNN_TANH, RNN_RELU, LSTM -> recurrent(gates, g0, h, m, 0, GH, y);
            case GRU -> {
                Arrays.fill(hh, 0, m * GH, 0f);
                recurrent(hh, 0, h, m, 0, GH, y);
            }
            case GRU_RESET_BEFORE -> {
                recurrent(gates, g0, h, m, 0, 2 * H, y);
                for (int r = 0; r < m; r++) {
                    gruGatesRow(gates, g0 + r * GH, h, r * H, tmp);
                    System.arraycopy(tmp, 0, rh, r * H, H);
                }
                recurrent(gates, g0, rh, m, 2 * H, 3 * H, y);
            }
            case MIN_GRU, MIN_LSTM -> { }                     // no W_hh: the input projection is all
            default -> throw new AssertionError(type);
        }
        for (int r = 0; r < m; r++) {
            int g = g0 + r * GH;
            switch (type) {
                case RNN_TANH, RNN_RELU -> rnnRow(gates, g, h, r * H, type == CellType.RNN_RELU);
                case LSTM -> lstmRow(gates, g, h, r * state, c, r * H, tmp, full, proj);
                case GRU -> gruRow(gates, g, hh, r * GH, h, r * H, tmp);
                case GRU_RESET_BEFORE -> gruStateRow(gates, g, h, r * H);
                case MIN_GRU, MIN_LSTM -> scanRow(gates, g, h, r * H);
                default -> throw new AssertionError(type);
            }
        }
    }

    /**
     * Columns {@code c0..c1} of {@code W_hh v} for rows {@code 0..m-1} of {@code v} ({@code [m, R]}), added to
     * rows of {@code g} ({@code [·, G·H]} from offset {@code g0}): one packed product per row below
     * {@link #SMALL_BATCH} rows, one {@link Blas#sgemm} from there on.
     */
    private void recurrent(float[] g, int g0, float[] v, int m, int c0, int c1, float[] y) {
        final int R = state, GH = gh;
        if (m < SMALL_BATCH) {
            for (int r = 0; r < m; r++) {
                int row = g0 + r * GH;
                System.arraycopy(g, row + c0, y, c0, c1 - c0);     // the kernel indexes y from 0 (see gemv)
                gemv(wh, v, r * R, R, y, c0, c1);
                System.arraycopy(y, c0, g, row + c0, c1 - c0);
            }
        } else {
            Blas.sgemm(false, true, m, c1 - c0, R, 1, v, 0, R, whh, c0 * R, R, 1, g, g0 + c0, GH);
        }
    }

    // ================================================================== gate passes of one row
    // Split into short loops that each write one array, as in FusedRnnFloat, so C2 vectorises them.

    /** h' = act(pre), pre in {@code g[go ..]}. */
    private void rnnRow(float[] g, int go, float[] h, int ho, boolean relu) {
        if (relu) {
            KernelMath.relu(g, go, hidden);
        } else {
            KernelMath.tanh(g, go, hidden);
        }
        System.arraycopy(g, go, h, ho, hidden);
    }

    /**
     * i, f, o = σ(·), g = tanh(·); c' = f ⊙ c + i ⊙ g; h' = o ⊙ tanh(c'), or with a projection
     * h' = W_hr (o ⊙ tanh(c')) through {@code full} ({@code [H]}) and {@code proj} ({@code [P]}).
     */
    private void lstmRow(float[] g, int go, float[] h, int ho, float[] c, int co, float[] tmp, float[] full, float[] proj) {
        if (wr == null) {
            lstmGates(g, go, hidden, h, ho, c, co, tmp);
            return;
        }
        lstmGates(g, go, hidden, full, 0, c, co, tmp);
        Arrays.fill(proj, 0f);
        gemv(wr, full, 0, hidden, proj, 0, state);   // [P]: the kernel indexes y from 0, so not straight into h
        System.arraycopy(proj, 0, h, ho, state);
    }

    /** {@link #lstmRow} for {@code H} units whose gates are {@code g[go ..]} in blocks of {@code H} (i, f, g, o). */
    private static void lstmGates(float[] g, int go, int H, float[] h, int ho, float[] c, int co, float[] tmp) {
        KernelMath.sigmoid(g, go, 2 * H);           // i, f
        KernelMath.tanh(g, go + 2 * H, H);          // g
        KernelMath.sigmoid(g, go + 3 * H, H);       // o
        for (int j = 0; j < H; j++) {
            tmp[j] = g[go + H + j] * c[co + j] + g[go + j] * g[go + 2 * H + j];   // c' = f c + i g
        }
        System.arraycopy(tmp, 0, c, co, H);
        KernelMath.tanh(tmp, 0, H);
        for (int j = 0; j < H; j++) {
            h[ho + j] = g[go + 3 * H + j] * tmp[j];   // h' = o tanh(c')
        }
    }

    /** r, z = σ(x_· + hh_·), n = tanh(x_n + r ⊙ (hh_n + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h. */
    private void gruRow(float[] g, int go, float[] hh, int hho, float[] h, int ho, float[] tmp) {
        final int H = hidden;
        for (int j = 0; j < 2 * H; j++) {
            g[go + j] += hh[hho + j];
        }
        KernelMath.sigmoid(g, go, 2 * H);           // r, z
        if (bhn != null) {
            for (int j = 0; j < H; j++) {
                hh[hho + 2 * H + j] += bhn[j];
            }
        }
        for (int j = 0; j < H; j++) {
            tmp[j] = g[go + 2 * H + j] + g[go + j] * hh[hho + 2 * H + j];
        }
        KernelMath.tanh(tmp, 0, H);                 // n
        for (int j = 0; j < H; j++) {
            tmp[j] += g[go + H + j] * (h[ho + j] - tmp[j]);   // (1 − z) n + z h
        }
        System.arraycopy(tmp, 0, h, ho, H);
    }

    /** GRU_RESET_BEFORE, first half: r, z = σ(·) in place, {@code rh = r ⊙ h}. */
    private void gruGatesRow(float[] g, int go, float[] h, int ho, float[] rh) {
        final int H = hidden;
        KernelMath.sigmoid(g, go, 2 * H);
        for (int j = 0; j < H; j++) {
            rh[j] = g[go + j] * h[ho + j];
        }
    }

    /** GRU_RESET_BEFORE, second half: n = tanh(·) (its product already added), h' = (1 − z) ⊙ n + z ⊙ h. */
    private void gruStateRow(float[] g, int go, float[] h, int ho) {
        final int H = hidden;
        KernelMath.tanh(g, go + 2 * H, H);
        for (int j = 0; j < H; j++) {
            float n = g[go + 2 * H + j];
            h[ho + j] = n + g[go + H + j] * (h[ho + j] - n);
        }
    }

    /**
     * A scan cell's step, {@code h' = a ⊙ h + b} with {@code a}, {@code b} from the gates alone (docs/recurrent.md):
     * MIN_GRU (z, h̃ blocks) {@code h' = h + z ⊙ (h̃ − h)}; MIN_LSTM (f, i, h̃) {@code h' = (f ⊙ h + i ⊙ h̃) / (f + i)},
     * through {@code log(i / f)} where {@code f + i} underflows; {@code g(v) = v + ½} for {@code v > 0}, else
     * {@code σ(v)}. Computed per element in double with the library's {@code exp}, as {@code ScanKernels}'
     * linear form does, so float32 differs from the training scan only by the rounding of {@code h} per step.
     */
    private void scanRow(float[] g, int go, float[] h, int ho) {
        final int H = hidden;
        if (type == CellType.MIN_GRU) {
            for (int j = 0; j < H; j++) {
                double z = sigmoid(g[go + j]), prev = h[ho + j];
                h[ho + j] = (float) (prev + z * (candidate(g[go + H + j]) - prev));   // (1 − z) h + z h̃
            }
            return;
        }
        for (int j = 0; j < H; j++) {
            double kf = g[go + j], ki = g[go + H + j], f = sigmoid(kf), i = sigmoid(ki), sum = f + i;
            double prev = h[ho + j], hTilde = candidate(g[go + 2 * H + j]);
            if (sum > 1e-300) {
                h[ho + j] = (float) ((f * prev + i * hTilde) / sum);                 // f' h + i' h̃
            } else {                                                                 // both gates underflow
                double d = softplus(-kf) - softplus(-ki);                            // log(i / f)
                h[ho + j] = (float) (sigmoid(-d) * prev + sigmoid(d) * hTilde);
            }
        }
    }

    /** The scan cells' candidate {@code g(v)}: {@code v + ½} for {@code v > 0}, {@code σ(v)} otherwise (always > 0). */
    private static double candidate(double v) {
        return v > 0 ? v + 0.5 : sigmoid(v);
    }

    /** {@code σ(v)}, without overflow for either sign. */
    private static double sigmoid(double v) {
        return v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
    }

    /** {@code log(1 + e^s)} without overflow. */
    private static double softplus(double s) {
        return Math.max(s, 0) + Math.log(1 + Math.exp(-Math.abs(s)));
    }
}
