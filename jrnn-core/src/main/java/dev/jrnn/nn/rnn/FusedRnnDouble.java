package dev.jrnn.nn.rnn;

import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.nn.rnn.RnnKernels.Dims;
import dev.jrnn.tensor.Blas;

import java.util.Arrays;

/**
 * The float64 twin of {@link FusedRnnFloat}: the same loops over {@code double[]}, used for gradient
 * checks and by users who need float64. Do not edit the body by hand: it is {@link FusedRnnFloat}'s body
 * with the word {@code float} replaced by {@code double}, {@code sgemm} by {@code dgemm} and the class
 * name swapped (tools/twins.txt, {@code tools/gen_twins.py}; {@code TwinsTest} checks this). The activations resolve to the accurate float64
 * overloads of {@link KernelMath}.
 */
final class FusedRnnDouble {
    private final CellType type;
    private final int batch, time, input, hidden, gh;
    private final int proj;   // P, or 0 without a projection
    private final int rec;    // R: the width of h (P with a projection, else H)
    private final int[] lengths;
    private final boolean reverse;

    // Saved by forward for backward (step-major, see the class comment).
    private double[] xs;      // [T·B, I]        x in processing order
    private double[] gates;   // [T·B, G·H]      gate activations (RNN: h itself)
    private double[] hs;      // [(T+1)·B, R]    hs[0] = h0, hs[s+1] = h after step s
    private double[] cs;      // [(T+1)·B, H]    LSTM: cs[0] = c0, cs[s+1] = c after step s
    private double[] aux;     // [T·B, H]        LSTM tanh(c'); GRU W_hn h + b_hn; GRU_RESET_BEFORE r ⊙ h
    private double[] ms;      // [T·B, H]        LSTM with projection: m = o ⊙ tanh(c') (W_hr's input)
    private final double[] tmp;   // [H] scratch of one row

    /** A kernel for one call; {@link #forward} fills the saved buffers that {@link #backward} reads. */
    FusedRnnDouble(Dims d) {
        this.type = d.type();
        this.batch = d.batch();
        this.time = d.time();
        this.input = d.input();
        this.hidden = d.hidden();
        this.gh = d.gates() * d.hidden();
        this.proj = d.proj();
        this.rec = d.proj() > 0 ? d.proj() : d.hidden();
        this.lengths = d.lengths();
        this.reverse = d.reverse();
        this.tmp = new double[hidden];
    }

    private int timeOf(int s) {
        return reverse ? time - 1 - s : s;
    }

    private boolean valid(int b, int t) {
        return lengths == null || t < lengths[b];
    }

    // ================================================================== forward

    /**
     * Runs the layer. Inputs in the API layout ({@code x [B, T, I]}, weights {@code [G·H, ·]}); a null
     * {@code h0}/{@code c0} is zeros, a null bias is no bias. Writes {@code out [B, T, H]} (must be zero on
     * entry: masked steps are not written), {@code hN [B, H]} and, for LSTM, {@code cN [B, H]}. With a
     * projection {@code whr [P, H]} (else null), {@code h0}, {@code out} and {@code hN} have width P.
     */
    void forward(double[] x, double[] h0, double[] c0, double[] wih, double[] whh, double[] bih, double[] bhh,
                 double[] whr, double[] out, double[] hN, double[] cN) {
        final int B = batch, T = time, I = input, H = hidden, GH = gh, BH = B * H, R = rec, BR = B * R;
        xs = new double[T * B * I];
        for (int s = 0; s < T; s++) {
            int t = timeOf(s);
            for (int b = 0; b < B; b++) {
                System.arraycopy(x, (b * T + t) * I, xs, (s * B + b) * I, I);
            }
        }
        hs = new double[(T + 1) * BR];
        if (h0 != null) {
            System.arraycopy(h0, 0, hs, 0, BR);
        }
        double[] mp = null;   // [B, P]: W_hr m of one step
        if (proj > 0) {
            ms = new double[T * BH];
            mp = new double[BR];
        }
        if (type == CellType.LSTM) {
            cs = new double[(T + 1) * BH];
            if (c0 != null) {
                System.arraycopy(c0, 0, cs, 0, BH);
            }
        }
        if (type != CellType.RNN_TANH && type != CellType.RNN_RELU) {
            aux = new double[T * BH];
        }

        // 1. Input projection of all steps in one GEMM, biases folded in once. GRU keeps b_hn apart:
        //    r multiplies (W_hn h + b_hn), so it is added to the recurrent product instead.
        double[] bias = new double[GH];
        double[] bhn = null;
        if (bih != null) {
            for (int k = 0; k < GH; k++) bias[k] += bih[k];
        }
        if (bhh != null) {
            int folded = type == CellType.GRU ? 2 * H : GH;
            for (int k = 0; k < folded; k++) bias[k] += bhh[k];
            if (type == CellType.GRU) {
                bhn = new double[H];
                System.arraycopy(bhh, 2 * H, bhn, 0, H);
            }
        }
        gates = new double[T * B * GH];
        for (int r = 0; r < T * B; r++) {
            System.arraycopy(bias, 0, gates, r * GH, GH);
        }
        Blas.dgemm(false, true, T * B, GH, I, 1, xs, 0, I, wih, 0, I, 1, gates, 0, GH);   // += X W_ihᵀ

        // 2. Per step: the recurrent GEMM, then one fused pass over the gates.
        double[] hh = type == CellType.GRU ? new double[B * GH] : null;   // W_hh h of one step (GRU)
        for (int s = 0; s < T; s++) {
            int t = timeOf(s);
            int hp = s * BH;   // offset of this step's h_prev block in hs (and of its rows in aux)
            int g0 = s * B * GH;
            switch (type) {
                case RNN_TANH, RNN_RELU -> {
                    Blas.dgemm(false, true, B, GH, H, 1, hs, hp, H, whh, 0, H, 1, gates, g0, GH);
                    stepRnn(s, t, type == CellType.RNN_RELU, out);
                }
                case LSTM -> {
                    Blas.dgemm(false, true, B, GH, R, 1, hs, s * BR, R, whh, 0, R, 1, gates, g0, GH);
                    stepLstm(s, t, out);
                    if (proj > 0) {
                        Blas.dgemm(false, true, B, R, H, 1, ms, hp, H, whr, 0, H, 0, mp, 0, R);   // h' = W_hr m
                        project(s, t, mp, out);
                    }
                }
                case GRU -> {
                    Blas.dgemm(false, true, B, GH, H, 1, hs, hp, H, whh, 0, H, 0, hh, 0, GH);
                    stepGru(s, t, hh, bhn, out);
                }
                case GRU_RESET_BEFORE -> {
                    // r and z first (they read W_h{r,z} h), then n reads W_hn (r ⊙ h).
                    Blas.dgemm(false, true, B, 2 * H, H, 1, hs, hp, H, whh, 0, H, 1, gates, g0, GH);
                    stepGruResetBeforeGates(s, t);
                    Blas.dgemm(false, true, B, H, H, 1, aux, hp, H, whh, 2 * H * H, H, 1, gates, g0 + 2 * H, GH);
                    stepGruResetBeforeState(s, t, out);
                }
                default -> throw new AssertionError(type);
            }
        }
        System.arraycopy(hs, T * BR, hN, 0, BR);
        if (cN != null) {
            System.arraycopy(cs, T * BH, cN, 0, BH);
        }
    }

    /** Copies the state of row {@code b} through a masked step. */
    private void carry(int s, int b) {
        int R = rec, from = (s * batch + b) * R;
        System.arraycopy(hs, from, hs, from + batch * R, R);
        if (cs != null) {
            int H = hidden, cf = (s * batch + b) * H;
            System.arraycopy(cs, cf, cs, cf + batch * H, H);
        }
    }

    /** Writes the projected {@code h' = W_hr m} of the valid rows of step {@code s} to {@code hs} and the output. */
    private void project(int s, int t, double[] mp, double[] out) {
        final int B = batch, T = time, R = rec;
        for (int b = 0; b < B; b++) {
            if (valid(b, t)) {   // masked rows were carried by stepLstm
                System.arraycopy(mp, b * R, hs, ((s + 1) * B + b) * R, R);
                System.arraycopy(mp, b * R, out, (b * T + t) * R, R);
            }
        }
    }

    /** h' = act(pre), pre = W_ih x + b_ih + W_hh h + b_hh already in {@code gates}. */
    private void stepRnn(int s, int t, boolean relu, double[] out) {
        final int B = batch, T = time, H = hidden;
        for (int b = 0; b < B; b++) {
            if (!valid(b, t)) {
                carry(s, b);
                continue;
            }
            int gr = (s * B + b) * H, hn = (s + 1) * B * H + b * H, o = (b * T + t) * H;
            if (relu) {
                KernelMath.relu(gates, gr, H);
            } else {
                KernelMath.tanh(gates, gr, H);
            }
            System.arraycopy(gates, gr, hs, hn, H);
            System.arraycopy(gates, gr, out, o, H);
        }
    }

    // The fused passes below are split into short loops that each write one array they do not read at
    // another offset: then C2 can prove the loop free of dependences and vectorise it (one loop doing
    // everything in place runs about 4x slower).

    /**
     * i, f, o = σ(·), g = tanh(·); c' = f ⊙ c + i ⊙ g; h' = o ⊙ tanh(c') (with a projection this m goes to
     * {@code ms}, and {@link #project} writes h'). Gates overwritten by activations.
     */
    private void stepLstm(int s, int t, double[] out) {
        final int B = batch, T = time, H = hidden, GH = gh;
        final double[] gt = gates, cs = this.cs, tc = aux;
        for (int b = 0; b < B; b++) {
            if (!valid(b, t)) {
                carry(s, b);
                continue;
            }
            int gr = (s * B + b) * GH, cp = (s * B + b) * H, cn = cp + B * H, o = (b * T + t) * H;
            KernelMath.sigmoid(gt, gr, 2 * H);           // i, f
            KernelMath.tanh(gt, gr + 2 * H, H);          // g
            KernelMath.sigmoid(gt, gr + 3 * H, H);       // o
            for (int j = 0; j < H; j++) {
                tc[cp + j] = gt[gr + H + j] * cs[cp + j] + gt[gr + j] * gt[gr + 2 * H + j];   // c' = f c + i g
            }
            System.arraycopy(tc, cp, cs, cn, H);
            KernelMath.tanh(tc, cp, H);                  // saved: backward needs 1 − tanh²(c')
            if (proj > 0) {
                for (int j = 0; j < H; j++) {
                    ms[cp + j] = gt[gr + 3 * H + j] * tc[cp + j];   // m = o tanh(c'), projected afterwards
                }
                continue;
            }
            for (int j = 0; j < H; j++) {
                out[o + j] = gt[gr + 3 * H + j] * tc[cp + j];   // h' = o tanh(c')
            }
            System.arraycopy(out, o, hs, cn, H);
        }
    }

    /**
     * r = σ(x_r + hh_r), z = σ(x_z + hh_z), n = tanh(x_n + r ⊙ (hh_n + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h,
     * where x_· holds W_i· x + biases and {@code hh} = W_hh h of this step.
     */
    private void stepGru(int s, int t, double[] hh, double[] bhn, double[] out) {
        final int B = batch, T = time, H = hidden, GH = gh;
        final double[] gt = gates, hs = this.hs, hnS = aux, tmp = this.tmp;
        for (int b = 0; b < B; b++) {
            if (!valid(b, t)) {
                carry(s, b);
                continue;
            }
            int gr = (s * B + b) * GH, hr = b * GH, hp = (s * B + b) * H, hn = hp + B * H, o = (b * T + t) * H;
            for (int j = 0; j < 2 * H; j++) {
                gt[gr + j] += hh[hr + j];
            }
            KernelMath.sigmoid(gt, gr, 2 * H);           // r, z
            System.arraycopy(hh, hr + 2 * H, hnS, hp, H);
            if (bhn != null) {
                for (int j = 0; j < H; j++) {
                    hnS[hp + j] += bhn[j];               // saved: dr needs W_hn h + b_hn
                }
            }
            for (int j = 0; j < H; j++) {
                tmp[j] = gt[gr + 2 * H + j] + gt[gr + j] * hnS[hp + j];
            }
            KernelMath.tanh(tmp, 0, H);                  // n
            System.arraycopy(tmp, 0, gt, gr + 2 * H, H);
            for (int j = 0; j < H; j++) {
                tmp[j] += gt[gr + H + j] * (hs[hp + j] - tmp[j]);   // (1 − z) n + z h
            }
            System.arraycopy(tmp, 0, hs, hn, H);
            System.arraycopy(tmp, 0, out, o, H);
        }
    }

    /** GRU_RESET_BEFORE, first half: r = σ(·), z = σ(·) and the saved {@code r ⊙ h} that W_hn reads. */
    private void stepGruResetBeforeGates(int s, int t) {
        final int B = batch, H = hidden, GH = gh;
        final double[] gt = gates, hs = this.hs, rh = aux;
        for (int b = 0; b < B; b++) {
            if (!valid(b, t)) {
                continue;   // rh stays 0; the state is carried in the second half
            }
            int gr = (s * B + b) * GH, hp = (s * B + b) * H;
            KernelMath.sigmoid(gt, gr, 2 * H);
            for (int j = 0; j < H; j++) {
                rh[hp + j] = gt[gr + j] * hs[hp + j];
            }
        }
    }

    /** GRU_RESET_BEFORE, second half: n = tanh(x_n + W_hn (r ⊙ h) + b_hn), h' = (1 − z) ⊙ n + z ⊙ h. */
    private void stepGruResetBeforeState(int s, int t, double[] out) {
        final int B = batch, T = time, H = hidden, GH = gh;
        final double[] gt = gates, hs = this.hs, tmp = this.tmp;
        for (int b = 0; b < B; b++) {
            if (!valid(b, t)) {
                carry(s, b);
                continue;
            }
            int gr = (s * B + b) * GH, hp = (s * B + b) * H, hn = hp + B * H, o = (b * T + t) * H;
            KernelMath.tanh(gt, gr + 2 * H, H);
            for (int j = 0; j < H; j++) {
                double n = gt[gr + 2 * H + j];
                tmp[j] = n + gt[gr + H + j] * (hs[hp + j] - n);
            }
            System.arraycopy(tmp, 0, hs, hn, H);
            System.arraycopy(tmp, 0, out, o, H);
        }
    }

    // ================================================================== backward

    /**
     * The gradients of one forward call. {@code dPacked} is the gradient of the packed result
     * {@code [output (B·T·H) | h (B·H) | c (B·H, LSTM only)]}. Each result array is written when non-null
     * (so unneeded gradients cost nothing) and must be zero on entry: {@code dx [B, T, I]}, {@code dh0},
     * {@code dc0 [B, H]}, {@code dwih [G·H, I]}, {@code dwhh [G·H, H]}, {@code dbih}, {@code dbhh [G·H]}.
     * With a projection ({@code whr [P, H]}, else null) the output, h and {@code dh0} have width P,
     * {@code dwhh} is {@code [4H, P]} and {@code dwhr [P, H]} is written.
     * Leaves the saved buffers untouched, so it may run more than once.
     */
    void backward(double[] dPacked, double[] wih, double[] whh, double[] whr, double[] dx, double[] dh0, double[] dc0,
                  double[] dwih, double[] dwhh, double[] dbih, double[] dbhh, double[] dwhr) {
        final int B = batch, T = time, I = input, H = hidden, GH = gh, BH = B * H, R = rec, BR = B * R;
        final int BTR = B * T * R;
        final double[] dOut = dPacked;   // [B, T, R] at offset 0
        double[] dh = Arrays.copyOfRange(dPacked, BTR, BTR + BR);   // dL/dh entering the step being undone
        double[] dc = type == CellType.LSTM ? Arrays.copyOfRange(dPacked, BTR + BR, BTR + BR + BH) : null;
        double[] dhs = proj > 0 ? new double[T * BR] : null;   // projection: dL/dh' per step, for dW_hr
        double[] dm = proj > 0 ? new double[BH] : null;        // projection: dL/dm of one step
        double[] dG = new double[T * B * GH];   // dL/d(W_hh h + b_hh) per step: what the recurrent GEMMs need
        double[] dN = type == CellType.GRU ? new double[T * BH] : null;   // GRU: dL/d(W_in x + b_in) ≠ n block of dG
        double[] drh = type == CellType.GRU_RESET_BEFORE ? new double[BH] : null;
        boolean wantBias = dbih != null || dbhh != null;
        double[] dbG = new double[GH];   // column sums of dG, added up step by step while each block is in cache
        double[] dbN = type == CellType.GRU ? new double[H] : null;

        // 3. Walk time in reverse; per step one fused pass to dGates, then dh_prev += dGates W_hh.
        for (int s = T - 1; s >= 0; s--) {
            int t = timeOf(s);
            int g0 = s * B * GH;
            switch (type) {
                case RNN_TANH, RNN_RELU -> {
                    backRnn(s, t, type == CellType.RNN_RELU, dOut, dh, dG);
                    Blas.dgemm(false, false, B, H, GH, 1, dG, g0, GH, whh, 0, H, 1, dh, 0, H);
                }
                case LSTM -> {
                    if (proj > 0) {
                        backProject(s, t, dOut, dh, dhs);
                        Blas.dgemm(false, false, B, H, R, 1, dhs, s * BR, R, whr, 0, H, 0, dm, 0, H);   // dm = dh' W_hr
                    }
                    backLstm(s, t, dOut, dh, dc, dm, dG);
                    Blas.dgemm(false, false, B, R, GH, 1, dG, g0, GH, whh, 0, R, 1, dh, 0, R);
                }
                case GRU -> {
                    backGru(s, t, dOut, dh, dG, dN);
                    Blas.dgemm(false, false, B, H, GH, 1, dG, g0, GH, whh, 0, H, 1, dh, 0, H);
                }
                case GRU_RESET_BEFORE -> {
                    backGruResetBeforeState(s, t, dOut, dh, dG);
                    // d(r ⊙ h) = dn_pre W_hn
                    Blas.dgemm(false, false, B, H, H, 1, dG, g0 + 2 * H, GH, whh, 2 * H * H, H, 0, drh, 0, H);
                    backGruResetBeforeGates(s, t, dh, drh, dG);
                    Blas.dgemm(false, false, B, H, 2 * H, 1, dG, g0, GH, whh, 0, H, 1, dh, 0, H);
                }
                default -> throw new AssertionError(type);
            }
            if (wantBias) {
                columnSums(dG, g0, B, GH, dbG);
                if (dN != null) {
                    columnSums(dN, s * BH, B, H, dbN);
                }
            }
        }
        if (dh0 != null) {
            System.arraycopy(dh, 0, dh0, 0, BR);
        }
        if (dc0 != null && dc != null) {
            System.arraycopy(dc, 0, dc0, 0, BH);
        }

        // Weight gradients over all steps at once: dW_hh = dGᵀ H_prev, dW_ih = dG_xᵀ X, dX = dG_x W_ih.
        final int TB = T * B;
        if (dwhh != null) {
            if (type == CellType.GRU_RESET_BEFORE) {   // W_hn reads r ⊙ h, not h
                Blas.dgemm(true, false, 2 * H, H, TB, 1, dG, 0, GH, hs, 0, H, 0, dwhh, 0, H);
                Blas.dgemm(true, false, H, H, TB, 1, dG, 2 * H, GH, aux, 0, H, 0, dwhh, 2 * H * H, H);
            } else {
                Blas.dgemm(true, false, GH, R, TB, 1, dG, 0, GH, hs, 0, R, 0, dwhh, 0, R);
            }
        }
        if (dwhr != null) {
            Blas.dgemm(true, false, R, H, TB, 1, dhs, 0, R, ms, 0, H, 0, dwhr, 0, H);   // dW_hr = dH'ᵀ M
        }
        if (dbhh != null) {
            System.arraycopy(dbG, 0, dbhh, 0, GH);   // b_hh adds to W_hh h: its gradient is dG's
        }
        boolean gru = type == CellType.GRU;   // then the n block of dG_x is dN, not dG's
        int xCols = gru ? 2 * H : GH;
        if (dwih != null) {
            Blas.dgemm(true, false, xCols, I, TB, 1, dG, 0, GH, xs, 0, I, 0, dwih, 0, I);
            if (gru) {
                Blas.dgemm(true, false, H, I, TB, 1, dN, 0, H, xs, 0, I, 0, dwih, 2 * H * I, I);
            }
        }
        if (dbih != null) {
            System.arraycopy(dbG, 0, dbih, 0, xCols);
            if (gru) {
                System.arraycopy(dbN, 0, dbih, 2 * H, H);
            }
        }
        if (dx != null) {
            double[] dxs = new double[TB * I];
            Blas.dgemm(false, false, TB, I, xCols, 1, dG, 0, GH, wih, 0, I, 0, dxs, 0, I);
            if (gru) {
                Blas.dgemm(false, false, TB, I, H, 1, dN, 0, H, wih, 2 * H * I, I, 1, dxs, 0, I);
            }
            for (int s = 0; s < T; s++) {
                int t = timeOf(s);
                for (int b = 0; b < B; b++) {
                    System.arraycopy(dxs, (s * B + b) * I, dx, (b * T + t) * I, I);
                }
            }
        }
    }

    /** {@code sums[c] += Σ_r m[from + r·cols + c]} over {@code rows} rows of {@code cols}. */
    private static void columnSums(double[] m, int from, int rows, int cols, double[] sums) {
        for (int r = 0; r < rows; r++) {
            int base = from + r * cols;
            for (int c = 0; c < cols; c++) {
                sums[c] += m[base + c];
            }
        }
    }

    /** dpre = dh ⊙ act'(pre): tanh' = 1 − h², relu' = [h > 0]; h does not reach h_prev directly. */
    private void backRnn(int s, int t, boolean relu, double[] dOut, double[] dh, double[] dG) {
        final int B = batch, T = time, H = hidden;
        final double[] hs = this.hs;
        for (int b = 0; b < B; b++) {
            if (!valid(b, t)) {
                continue;   // dG stays 0, dh passes through
            }
            int gr = (s * B + b) * H, hn = (s + 1) * B * H + b * H, o = (b * T + t) * H, d = b * H;
            if (relu) {
                for (int j = 0; j < H; j++) {
                    dG[gr + j] = hs[hn + j] > 0 ? dh[d + j] + dOut[o + j] : 0;
                }
            } else {
                for (int j = 0; j < H; j++) {
                    double h = hs[hn + j];
                    dG[gr + j] = (dh[d + j] + dOut[o + j]) * (1 - h * h);
                }
            }
            Arrays.fill(dh, d, d + H, 0);
        }
    }

    /**
     * The valid rows of step {@code s} with a projection: {@code dhs} gets dh' = dh + dOut (W_hr's output
     * gradient), and dh is cleared there (the rest of dh' reaches h_prev through the gates).
     */
    private void backProject(int s, int t, double[] dOut, double[] dh, double[] dhs) {
        final int B = batch, T = time, R = rec;
        for (int b = 0; b < B; b++) {
            if (!valid(b, t)) {
                continue;   // dhs stays 0 (so dm and dW_hr get nothing), dh passes through
            }
            int r = (s * B + b) * R, o = (b * T + t) * R, d = b * R;
            for (int j = 0; j < R; j++) {
                dhs[r + j] = dh[d + j] + dOut[o + j];
                dh[d + j] = 0;
            }
        }
    }

    /**
     * dc' += dm ⊙ o ⊙ (1 − tanh²c'); di = dc' ⊙ g, df = dc' ⊙ c, dg = dc' ⊙ i, do = dm ⊙ tanh c', each times
     * its activation's slope; dc = dc' ⊙ f. Here dm = dh + dOut, or with a projection the given {@code dm}.
     */
    private void backLstm(int s, int t, double[] dOut, double[] dh, double[] dc, double[] dm, double[] dG) {
        final int B = batch, T = time, H = hidden, GH = gh;
        final double[] gt = gates, cs = this.cs, tcS = aux;
        for (int b = 0; b < B; b++) {
            if (!valid(b, t)) {
                continue;
            }
            int gr = (s * B + b) * GH, cp = (s * B + b) * H, o = (b * T + t) * H, d = b * H;
            for (int j = 0; j < H; j++) {
                double i = gt[gr + j], f = gt[gr + H + j], g = gt[gr + 2 * H + j], og = gt[gr + 3 * H + j];
                double tc = tcS[cp + j];
                double dhj = dm != null ? dm[d + j] : dh[d + j] + dOut[o + j];
                double dcj = dc[d + j] + dhj * og * (1 - tc * tc);
                dG[gr + j] = dcj * g * i * (1 - i);
                dG[gr + H + j] = dcj * cs[cp + j] * f * (1 - f);
                dG[gr + 2 * H + j] = dcj * i * (1 - g * g);
                dG[gr + 3 * H + j] = dhj * tc * og * (1 - og);
                dc[d + j] = dcj * f;
            }
            if (dm == null) {   // with a projection backProject has cleared dh (width P) already
                Arrays.fill(dh, d, d + H, 0);
            }
        }
    }

    /**
     * dn = dh ⊙ (1 − z), dz = dh ⊙ (h − n), dh_prev (direct) = dh ⊙ z; dn_pre = dn ⊙ (1 − n²);
     * dr_pre = dn_pre ⊙ (W_hn h + b_hn) ⊙ r(1 − r). The recurrent side sees dn_pre ⊙ r, the input side dn_pre.
     */
    private void backGru(int s, int t, double[] dOut, double[] dh, double[] dG, double[] dN) {
        final int B = batch, T = time, H = hidden, GH = gh;
        final double[] gt = gates, hs = this.hs, hnS = aux;
        for (int b = 0; b < B; b++) {
            if (!valid(b, t)) {
                continue;
            }
            int gr = (s * B + b) * GH, hp = (s * B + b) * H, o = (b * T + t) * H, d = b * H;
            for (int j = 0; j < H; j++) {
                double r = gt[gr + j], z = gt[gr + H + j], n = gt[gr + 2 * H + j];
                double dhj = dh[d + j] + dOut[o + j];
                double dnPre = dhj * (1 - z) * (1 - n * n);
                double dzPre = dhj * (hs[hp + j] - n) * z * (1 - z);
                double drPre = dnPre * hnS[hp + j] * r * (1 - r);
                dG[gr + j] = drPre;
                dG[gr + H + j] = dzPre;
                dG[gr + 2 * H + j] = dnPre * r;
                dN[hp + j] = dnPre;
                dh[d + j] = dhj * z;
            }
        }
    }

    /** GRU_RESET_BEFORE, undoing the second half: dn_pre and dz_pre; dh gets this step's output gradient. */
    private void backGruResetBeforeState(int s, int t, double[] dOut, double[] dh, double[] dG) {
        final int B = batch, T = time, H = hidden, GH = gh;
        final double[] gt = gates, hs = this.hs;
        for (int b = 0; b < B; b++) {
            if (!valid(b, t)) {
                continue;
            }
            int gr = (s * B + b) * GH, hp = (s * B + b) * H, o = (b * T + t) * H, d = b * H;
            for (int j = 0; j < H; j++) {
                double z = gt[gr + H + j], n = gt[gr + 2 * H + j];
                double dhj = dh[d + j] + dOut[o + j];
                dG[gr + H + j] = dhj * (hs[hp + j] - n) * z * (1 - z);
                dG[gr + 2 * H + j] = dhj * (1 - z) * (1 - n * n);
                dh[d + j] = dhj;
            }
        }
    }

    /** GRU_RESET_BEFORE, undoing the first half: dr_pre = d(r ⊙ h) ⊙ h ⊙ r(1 − r); dh_prev = dh ⊙ z + d(r ⊙ h) ⊙ r. */
    private void backGruResetBeforeGates(int s, int t, double[] dh, double[] drh, double[] dG) {
        final int B = batch, H = hidden, GH = gh;
        final double[] gt = gates, hs = this.hs;
        for (int b = 0; b < B; b++) {
            if (!valid(b, t)) {
                continue;
            }
            int gr = (s * B + b) * GH, hp = (s * B + b) * H, d = b * H;
            for (int j = 0; j < H; j++) {
                double r = gt[gr + j], z = gt[gr + H + j];
                double dq = drh[d + j];
                dG[gr + j] = dq * hs[hp + j] * r * (1 - r);
                dh[d + j] = dh[d + j] * z + dq * r;
            }
        }
    }
}
