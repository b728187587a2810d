package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.ShapeMismatchException;
import dev.jrnn.tensor.Shapes;

/**
 * The training path of the scan layers {@link MinGru} and {@link MinLstm} (Feng et al. 2024, "Were RNNs All
 * We Needed?"): their gates read {@code x_t} only, so every step is {@code h_t = a_t ⊙ h_{t−1} + b_t} with
 * {@code a_t}, {@code b_t} known before the loop starts. Two stages replace the {@code T} dependent steps of
 * an LSTM:
 * <ol>
 * <li>one product for all gates of all steps, {@code [B·T, I] × [I, G·H]} (an ordinary autograd
 *     {@code matmulTransposed}; its backward is the two big GEMMs {@code dW = dPreᵀ X}, {@code dX = dPre W});</li>
 * <li>a scan over time in log space, one fused op ({@link #scan}):
 * <pre>
 * A_t = Σ_{k≤t} log a_k                              (a cumulative sum)
 * S_t = log Σ_{k≤t} exp(log b_k − A_k)               (a log-cumsum-exp)
 * h_t = exp(A_t) ⊙ h_0 + exp(A_t + S_t)
 * </pre>
 *     which is the recurrence unrolled: {@code h_t = (Π_{k≤t} a_k) h_0 + Σ_{k≤t} (Π_{k<j≤t} a_j) b_k}. The
 *     products of gates never leave log space, so they cannot underflow over long sequences. {@code b_t > 0}
 *     always ({@code b = z ⊙ g(h̃)} with {@code g > 0}); {@code h_0} may have any sign, as it sits outside the
 *     logarithm. First every step's {@code log a_t}, {@code log b_t} (independent of each other), then the
 *     scan, which keeps {@code P_t = A_t + S_t} as one running value, {@code P_t = logaddexp(log a_t + P_{t−1},
 *     log b_t)}, so that the large {@code A_t} and {@code S_t} of a long sequence never cancel.</li>
 * </ol>
 * The log coefficients per cell, from the pre-activations {@code pre = W x + b} (row blocks as in
 * {@link CellType}), with {@code softplus(s) = log(1 + e^s)}:
 * <pre>
 * MIN_GRU   (z, h)     log a = −softplus(k_z)            log b = −softplus(−k_z) + log g(k_h)
 * MIN_LSTM  (f, i, h)  d = softplus(−k_f) − softplus(−k_i)
 *                      log a = −softplus(d)               log b = −softplus(−d) + log g(k_h)
 * g(v) = v + ½ for v &gt; 0, σ(v) otherwise                 (positive and continuous, as in the paper)
 * </pre>
 *
 * <p>Backward walks time in reverse with one carry per unit, {@code δ_t = ∂L/∂h_t + a_{t+1} δ_{t+1}}, giving
 * {@code ∂L/∂a_t = δ_t h_{t−1}} and {@code ∂L/∂b_t = δ_t}, then the gates' local derivatives; it reads
 * {@code h_{t−1}} from the op's own output, so nothing beyond the output is stored.
 *
 * <p>On a CPU the scan is one pass over time per (sequence, unit), vectorised across units, on the calling
 * thread; what makes the layer fast is that no step waits for a matrix product (the
 * logarithms and exponentials of the log space are what it costs). Arithmetic is double inside for both dtypes. Lengths
 * and direction are as in {@link RnnKernels}: sequence {@code b} is read at {@code t = 0..L_b−1} (reverse:
 * {@code L_b−1..0}); outputs past {@code L_b} are zero and receive no gradient.
 */
public final class ScanKernels {
    private ScanKernels() {}

    /**
     * How the forward scan is evaluated; both give the same {@code h_t} (to rounding, tested) and share one
     * backward.
     */
    public enum Form {
        /**
         * The log-space scan of the class comment (the paper's form; the default): products of gates stay logarithms,
         * which is what a parallel prefix evaluation needs to be stable. About six logarithms and exponentials per
         * element and step.
         */
        LOG_SPACE,
        /**
         * {@code a_t}, {@code b_t} directly ({@code 1 − z = σ(−k)}, ...), then {@code h_t = a_t h_{t−1} + b_t} in time
         * order. Evaluated in order, the recurrence is stable without logarithms (each step is a convex combination
         * of {@code h_{t−1}} and {@code h̃_t}), and it costs one or two exponentials per element and step.
         */
        LINEAR
    }

    /**
     * One scan layer in one direction: the product of all gates, then {@link #scan}.
     *
     * @param type     {@code MIN_GRU} or {@code MIN_LSTM}
     * @param x        {@code [B, T, I]}
     * @param h0       {@code [B, H]} or null for zeros
     * @param weightIh {@code [G·H, I]}, row blocks as in {@code type}
     * @param biasIh   {@code [G·H]} or null
     * @param lengths  valid lengths {@code 1..T} or null for all {@code T}
     * @param reverse  read each sequence from its last valid step back to 0
     * @return {@code output [B, T, H]} in input time order and the final state {@code h [B, H]} ({@code c} is null)
     * @throws ShapeMismatchException naming the argument and both shapes
     */
    public static RnnKernels.Result run(CellType type, Tensor x, Tensor h0, Tensor weightIh, Tensor biasIh,
                                        int[] lengths, boolean reverse) {
        return run(type, x, h0, weightIh, biasIh, lengths, reverse, Form.LOG_SPACE);
    }

    /** As {@link #run(CellType, Tensor, Tensor, Tensor, Tensor, int[], boolean)}, with the scan's {@link Form}. */
    public static RnnKernels.Result run(CellType type, Tensor x, Tensor h0, Tensor weightIh, Tensor biasIh,
                                        int[] lengths, boolean reverse, Form form) {
        String op = "ScanKernels.run(" + type + ")";
        checkType(op, type);
        if (x == null || weightIh == null) {
            throw new IllegalArgumentException(op + ": x and weightIh are required");
        }
        if (x.rank() != 3 || x.dim(0) < 1 || x.dim(1) < 1) {
            throw Shapes.mismatch(op, "x", x.shape(), "[batch, time, input] (rank 3, every dimension at least 1)");
        }
        int B = x.dim(0), T = x.dim(1), I = x.dim(2), G = type.gates();
        if (weightIh.rank() != 2 || weightIh.dim(1) != I || weightIh.dim(0) % G != 0 || weightIh.dim(0) == 0) {
            throw Shapes.mismatch(op, "weightIh", weightIh.shape(), "[" + G + "·hidden, " + I + "] (row blocks "
                    + type.blocks() + "; input = " + I + " from x)");
        }
        int H = weightIh.dim(0) / G;
        if (biasIh != null && !biasIh.data().hasShape(G * H)) {
            throw Shapes.mismatch(op, "biasIh", biasIh.shape(), Shapes.str(G * H) + " = [" + G + "·hidden] with hidden = " + H);
        }
        Tensor pre = x.reshape(B * T, I).matmulTransposed(weightIh);       // [B·T, G·H]: every gate of every step at once
        if (biasIh != null) {
            pre = pre.add(biasIh);
        }
        Tensor out = scan(type, pre.reshape(B, T, G * H), h0, lengths, reverse, form);   // [B, T, H]
        Tensor hN = reverse ? out.select(1, 0) : Sequences.lastValid(out, lengths); // after each sequence's last step
        return new RnnKernels.Result(out, hN, null);
    }

    /**
     * The log-space scan of the class comment as one autograd op.
     *
     * @param type    {@code MIN_GRU} or {@code MIN_LSTM}
     * @param pre     gate pre-activations {@code [B, T, G·H]}, row blocks as in {@code type}
     * @param h0      {@code [B, H]} or null for zeros
     * @param lengths valid lengths {@code 1..T} or null
     * @param reverse read each sequence from its last valid step back to 0
     * @return {@code h_t} for every step {@code [B, T, H]}, zero past each sequence's length
     */
    public static Tensor scan(CellType type, Tensor pre, Tensor h0, int[] lengths, boolean reverse) {
        return scan(type, pre, h0, lengths, reverse, Form.LOG_SPACE);
    }

    /** As {@link #scan(CellType, Tensor, Tensor, int[], boolean)}, evaluated in the given {@link Form}. */
    public static Tensor scan(CellType type, Tensor pre, Tensor h0, int[] lengths, boolean reverse, Form form) {
        java.util.Objects.requireNonNull(form, "form");
        String op = "ScanKernels.scan(" + type + ")";
        checkType(op, type);
        int G = type.gates();
        if (pre == null || pre.rank() != 3 || pre.dim(2) % G != 0 || pre.dim(2) == 0) {
            throw Shapes.mismatch(op, "pre", pre == null ? new int[0] : pre.shape(),
                    "[batch, time, " + G + "·hidden] (row blocks " + type.blocks() + ")");
        }
        int B = pre.dim(0), T = pre.dim(1), H = pre.dim(2) / G;
        Sequences.checkLengths(op, lengths, B, T);
        if (h0 != null) {
            if (!h0.data().hasShape(B, H)) {
                throw Shapes.mismatch(op, "h0", h0.shape(), Shapes.str(B, H) + " = [batch, hidden]");
            }
            if (h0.dtype() != pre.dtype()) {
                throw new IllegalArgumentException(op + ": h0 is " + h0.dtype() + " but pre is " + pre.dtype());
            }
        }
        Dims d = new Dims(type == CellType.MIN_LSTM, B, T, H, lengths == null ? null : lengths.clone(), reverse);
        NdArray out = NdArray.zeros(pre.dtype(), B, T, H);
        NdArray h0d = h0 == null ? null : h0.data();
        if (form == Form.LINEAR) {
            forEachSequence(d, b -> linearSequence(d, pre.data(), h0d, out, b));
        } else {
            forEachSequence(d, b -> forwardSequence(d, pre.data(), h0d, out, b));
        }
        return Tensor.custom(op, out, g -> backward(d, g, pre, h0, out), pre, h0);
    }

    private static void checkType(String op, CellType type) {
        if (type == null || type.hasRecurrentWeights() || type == CellType.TTT_LINEAR) {
            throw new IllegalArgumentException(op + ": type must be MIN_GRU or MIN_LSTM (cells whose gates read x only)"
                    + (type == null ? "" : "; " + type + (type == CellType.TTT_LINEAR
                    ? " runs as TttLinearCell" : " runs in RnnKernels.run")));
        }
    }

    /** Sizes and options of one scan. */
    private record Dims(boolean lstm, int batch, int time, int hidden, int[] lengths, boolean reverse) {
        int gates() { return lstm ? 3 : 2; }

        int length(int b) { return lengths == null ? time : lengths[b]; }

        /** The input time index of processing step {@code s} of sequence {@code b}. */
        int t(int b, int s) { return reverse ? length(b) - 1 - s : s; }
    }

    /**
     * Runs {@code body} for every sequence, on the calling thread: as the fused kernels' elementwise passes, the scan
     * does not fork (a caller waiting for a descheduled helper thread cost more than it gained on a loaded machine).
     */
    private static void forEachSequence(Dims d, java.util.function.IntConsumer body) {
        for (int b = 0; b < d.batch(); b++) {
            body.accept(b);
        }
    }

    /** {@link Form#LINEAR}, sequence {@code b}: {@code h_t = a_t h_{t−1} + b_t} with the coefficients computed directly. */
    private static void linearSequence(Dims d, NdArray pre, NdArray h0, NdArray out, int b) {
        int T = d.time(), H = d.hidden(), GH = d.gates() * H, len = d.length(b);
        double[] p = new double[T * GH], y = new double[T * H], h = new double[H];
        load(pre, b * T * GH, p, T * GH);
        if (h0 != null) {
            load(h0, b * H, h, H);
        }
        for (int s = 0; s < len; s++) {
            int t = d.t(b, s), row = t * GH, at = t * H;
            if (d.lstm()) {
                for (int u = 0; u < H; u++) {
                    double f = sigmoid(p[row + u]), i = sigmoid(p[row + H + u]), sum = f + i;
                    double hTilde = g(p[row + 2 * H + u]);
                    double next = sum > 1e-300 ? (f * h[u] + i * hTilde) / sum                  // f' h + i' h̃
                            : lstmByLogRatio(p[row + u], p[row + H + u], h[u], hTilde);          // both gates underflow
                    h[u] = next;
                    y[at + u] = next;
                }
            } else {
                for (int u = 0; u < H; u++) {
                    double z = sigmoid(p[row + u]);
                    double next = h[u] + z * (g(p[row + H + u]) - h[u]);                        // (1 − z) h + z h̃
                    h[u] = next;
                    y[at + u] = next;
                }
            }
        }
        store(y, out, b * T * H, T * H);
    }

    /** {@code f' h + i' h̃} through {@code d = log(i / f)} when {@code f + i} underflows. */
    private static double lstmByLogRatio(double kf, double ki, double h, double hTilde) {
        double diff = softplus(-kf) - softplus(-ki);
        return sigmoid(-diff) * h + sigmoid(diff) * hTilde;
    }

    /**
     * Sequence {@code b}: first {@code log a}, {@code log b} of every valid step (no dependence between steps),
     * then the scan, {@code A_t = A_{t−1} + log a_t} and {@code P_t = logaddexp(log a_t + P_{t−1}, log b_t)}, which
     * is {@code A_t + S_t} of the class comment kept as one running value (so no large {@code A} and {@code S}
     * cancel), and {@code h_t = exp(A_t) h_0 + exp(P_t)}.
     */
    private static void forwardSequence(Dims d, NdArray pre, NdArray h0, NdArray out, int b) {
        int T = d.time(), H = d.hidden(), GH = d.gates() * H, len = d.length(b);
        double[] p = new double[T * GH], logA = new double[T * H], logB = new double[T * H], y = new double[T * H];
        load(pre, b * T * GH, p, T * GH);
        for (int t = 0; t < len; t++) {                                     // valid steps are 0..len−1 in either direction
            logCoefficients(d.lstm(), p, t * GH, H, logA, logB, t * H);
        }
        double[] init = new double[H], cumLogA = new double[H], logH = new double[H];
        if (h0 != null) {
            load(h0, b * H, init, H);
        }
        java.util.Arrays.fill(logH, Double.NEGATIVE_INFINITY);             // log 0: the zero-initial part starts empty
        for (int s = 0; s < len; s++) {
            int t = d.t(b, s), row = t * H;
            for (int u = 0; u < H; u++) {
                double la = logA[row + u];
                double x = la + logH[u], z = logB[row + u];
                double hi = Math.max(x, z), lo = Math.min(x, z);
                logH[u] = lo == Double.NEGATIVE_INFINITY ? hi : hi + Math.log(1 + Math.exp(lo - hi));   // P_t
                y[row + u] = Math.exp(logH[u]);
            }
            if (h0 != null) {
                for (int u = 0; u < H; u++) {
                    cumLogA[u] += logA[row + u];                           // A_t
                    y[row + u] += Math.exp(cumLogA[u]) * init[u];
                }
            }
        }
        store(y, out, b * T * H, T * H);
    }

    /**
     * Gradient of {@code pre} and {@code h0}: the reverse scan {@code δ_t = ∂L/∂h_t + a_{t+1} δ_{t+1}}, then each
     * gate's local chain rule.
     */
    private static NdArray[] backward(Dims d, NdArray gradOut, Tensor preT, Tensor h0T, NdArray out) {
        NdArray pre = preT.data(), dPre = NdArray.zeros(pre.dtype(), d.batch(), d.time(), d.gates() * d.hidden());
        NdArray dH0 = h0T != null && h0T.requiresGrad() ? NdArray.zeros(pre.dtype(), d.batch(), d.hidden()) : null;
        NdArray h0 = h0T == null ? null : h0T.data();
        forEachSequence(d, b -> backwardSequence(d, gradOut, pre, h0, out, dPre, dH0, b));
        return new NdArray[] {preT.requiresGrad() ? dPre : null, dH0};
    }

    private static void backwardSequence(Dims d, NdArray gradOut, NdArray pre, NdArray h0, NdArray out, NdArray dPre,
                                         NdArray dH0, int b) {
        int T = d.time(), H = d.hidden(), GH = d.gates() * H;
        double[] p = new double[T * GH], y = new double[T * H], gy = new double[T * H], dp = new double[T * GH];
        double[] init = new double[H], delta = new double[H];
        load(pre, b * T * GH, p, T * GH);
        load(out, b * T * H, y, T * H);
        load(gradOut, b * T * H, gy, T * H);
        if (h0 != null) {
            load(h0, b * H, init, H);
        }
        for (int s = d.length(b) - 1; s >= 0; s--) {
            int t = d.t(b, s), row = t * GH;
            int prevRow = s == 0 ? -1 : d.t(b, s - 1) * H;                  // h_{t−1} in processing order
            for (int u = 0; u < H; u++) {
                double dh = delta[u] + gy[t * H + u];                      // δ_t
                double hPrev = prevRow < 0 ? init[u] : y[prevRow + u];
                double a = d.lstm()
                        ? gradLstm(p, dp, row, H, u, dh * hPrev, dh)
                        : gradGru(p, dp, row, H, u, dh * hPrev, dh);
                delta[u] = a * dh;                                         // carried to h_{t−1}
            }
        }
        store(dp, dPre, b * T * GH, T * GH);
        if (dH0 != null) {
            store(delta, dH0, b * H, H);
        }
    }

    /**
     * {@code log a}, {@code log b} of the {@code h} units of one step from its pre-activations {@code p[row ..]},
     * written at {@code at} of {@code logA}, {@code logB}. Softplus as {@code max(s, 0) + log(1 + e^{−|s|})}.
     */
    private static void logCoefficients(boolean lstm, double[] p, int row, int h, double[] logA, double[] logB, int at) {
        if (lstm) {
            for (int u = 0; u < h; u++) {
                double kf = p[row + u], ki = p[row + h + u], v = p[row + 2 * h + u];
                double diff = softplus(-kf) - softplus(-ki);               // log(i / f)
                double la = -softplus(diff);                               // log f' = log(f / (f + i))
                logA[at + u] = la;
                logB[at + u] = la + diff + logG(v);                        // log i' = log f' + log(i / f); + log g(h̃)
            }
        } else {
            for (int u = 0; u < h; u++) {
                double k = p[row + u], v = p[row + h + u];
                double la = -softplus(k);                                  // log(1 − z) = log σ(−k)
                logA[at + u] = la;
                logB[at + u] = la + k + logG(v);                           // log z = log σ(−k) + k; + log g(h̃)
            }
        }
    }

    /**
     * minGRU, unit {@code u}: {@code a = 1 − z}, {@code b = z g}; writes {@code ∂L/∂k_z}, {@code ∂L/∂k_h} into
     * {@code dp} from {@code dA = ∂L/∂a}, {@code dB = ∂L/∂b}; returns {@code a}.
     */
    private static double gradGru(double[] p, double[] dp, int row, int h, int u, double dA, double dB) {
        double z = sigmoid(p[row + u]), v = p[row + h + u];
        double sv = v > 0 ? 0 : sigmoid(v);
        double g = v > 0 ? v + 0.5 : sv, gPrime = v > 0 ? 1 : sv * (1 - sv);
        dp[row + u] = z * (1 - z) * (dB * g - dA);                         // da/dk = −z(1−z), db/dk = z(1−z) g
        dp[row + h + u] = dB * z * gPrime;                                 // db/dv = z g'(v)
        return 1 - z;
    }

    /**
     * minLSTM, unit {@code u}: {@code a = f' = f/(f+i)}, {@code b = i' g} with {@code i' = i/(f+i)}; with
     * {@code q = f' i'}: {@code ∂f'/∂k_f = q(1−f)}, {@code ∂f'/∂k_i = −q(1−i)}, {@code ∂i'/∂k = −∂f'/∂k}. Returns
     * {@code a}.
     */
    private static double gradLstm(double[] p, double[] dp, int row, int h, int u, double dA, double dB) {
        double kf = p[row + u], ki = p[row + h + u], v = p[row + 2 * h + u];
        double f = sigmoid(kf), i = sigmoid(ki);
        double fn, in;
        if (f + i > 1e-300) {
            fn = f / (f + i);
            in = i / (f + i);
        } else {                                                           // both gates underflow: through log(i / f)
            double diff = softplus(-kf) - softplus(-ki);
            fn = sigmoid(-diff);
            in = sigmoid(diff);
        }
        double q = fn * in;
        double sv = v > 0 ? 0 : sigmoid(v);
        double g = v > 0 ? v + 0.5 : sv, gPrime = v > 0 ? 1 : sv * (1 - sv);
        dp[row + u] = q * (1 - f) * (dA - dB * g);
        dp[row + h + u] = q * (1 - i) * (dB * g - dA);
        dp[row + 2 * h + u] = dB * in * gPrime;
        return fn;
    }

    /** {@code g(v) = v + ½} for {@code v > 0}, {@code σ(v)} otherwise. */
    static double g(double v) {
        return v > 0 ? v + 0.5 : sigmoid(v);
    }

    private static double logG(double v) {
        return v > 0 ? Math.log(v + 0.5) : v - Math.log(1 + Math.exp(v));  // log σ(v) = v − softplus(v), e^v ≤ 1
    }

    private static double sigmoid(double v) {
        return v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
    }

    /** {@code log(1 + e^s)} without overflow. */
    private static double softplus(double s) {
        return Math.max(s, 0) + Math.log(1 + Math.exp(-Math.abs(s)));
    }

    private static void load(NdArray a, int offset, double[] buf, int n) {
        if (a.dtype() == DType.FLOAT32) {
            float[] f = a.floatData();
            for (int k = 0; k < n; k++) buf[k] = f[offset + k];
        } else {
            System.arraycopy(a.doubleData(), offset, buf, 0, n);
        }
    }

    private static void store(double[] buf, NdArray a, int offset, int n) {
        if (a.dtype() == DType.FLOAT32) {
            float[] f = a.floatData();
            for (int k = 0; k < n; k++) f[offset + k] = (float) buf[k];
        } else {
            System.arraycopy(buf, 0, a.doubleData(), offset, n);
        }
    }
}
