package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Shapes;

/**
 * The parallel form of mLSTM (Beck et al. 2024, appendix): a whole sequence at once, as the fast path of
 * {@link MLstm} for training. Since every gate of {@link MLstmCell} reads {@code x_t} alone, the memory after step
 * {@code t} is a weighted sum over the steps {@code s ≤ t}, and the outputs of all steps come from one
 * attention-like product per head. With {@code F_t = Σ_{s≤t} log f_s} (a cumulative sum),
 * <pre>
 * D̃_ts = F_t − F_s + ĩ_s  for s ≤ t,  −∞ above the diagonal       log weight of step s in the memory at t
 * D̃_t0 = F_t + m_0                                                  log weight of the initial state
 * m_t  = max(max_s D̃_ts, D̃_t0)                                      the recurrent form's stabiliser, unrolled
 * D_ts = exp(D̃_ts − m_t)     d_t = exp(D̃_t0 − m_t)
 * S    = (Q Kᵀ) ⊙ D                                                  [T, T] per head
 * h̃_t  = (Σ_s S_ts v_s + d_t C_0 q_t) / max(|Σ_s S_ts + d_t n_0ᵀ q_t|, exp(−m_t))
 * h_t  = o_t ⊙ h̃_t
 * </pre>
 * which is the recurrent form's {@code C_t q_t / max(|n_tᵀ q_t|, exp(−m_t))} with {@code C_t}, {@code n_t} and
 * {@code m_t} unrolled, so both forms give the same numbers (tested, forward and gradients). The final state is
 * that sum at each sequence's last valid step: {@code C = Σ_s D_{Ls} v_s k_sᵀ + d_L C_0}, {@code n = Σ_s D_{Ls} k_s
 * + d_L n_0}. The stabiliser is computed on values (the outputs do not depend on it); everything else is
 * autograd ops, so the backward is derived. Cost: {@code O(T² · H)} time and {@code O(T²)} memory per head and
 * sequence, against the recurrent form's {@code O(T · H · d)} in {@code T} dependent steps.
 */
public final class MLstmKernels {
    private MLstmKernels() {}

    /**
     * One layer-direction's result.
     *
     * @param output {@code [B, T, H]} in the input's time order, zero past each sequence's length
     * @param state  the state after each sequence's last processed step (tensors as {@link MLstmState})
     */
    public record Result(Tensor output, MLstmState state) {}

    /**
     * Runs one layer-direction in the parallel form.
     *
     * @param x          {@code [B, T, I]}
     * @param init       the state before the first step ({@link MLstmState}, tensors {@code [B, ·]}), or null for zeros
     * @param weightIh   {@code [4H, I]}, rows q, k, v, o
     * @param biasIh     {@code [4H]} or null
     * @param weightGate {@code [2·heads, I]}, rows ĩ then f̃
     * @param biasGate   {@code [2·heads]} or null
     * @param heads      {@code NH}, dividing H
     * @param lengths    valid lengths 1..T, or null for all T
     * @param reverse    run each sequence from its last valid step back to step 0
     */
    public static Result run(Tensor x, MLstmState init, Tensor weightIh, Tensor biasIh, Tensor weightGate, Tensor biasGate,
                             int heads, int[] lengths, boolean reverse) {
        String op = "MLstmKernels.run";
        if (x.rank() != 3 || x.dim(2) != weightIh.dim(1)) {
            throw Shapes.mismatch(op, "x", x.shape(), "[batch, time, " + weightIh.dim(1) + "] (the input size of weight_ih)");
        }
        int b = x.dim(0), t = x.dim(1), hidden = weightIh.dim(0) / 4, nh = heads, d = hidden / nh;
        Sequences.checkLengths(op, lengths, b, t);
        DType dt = x.dtype();
        Tensor in = reverse ? Sequences.reverse(x, lengths) : x;        // processing order
        Tensor[] p = affine(in, weightIh, biasIh).chunk(4, 2);           // [B, T, H] each: q, k, v, o
        Tensor q = perHead(p[0], nh, d);                                 // [B, NH, T, d]
        Tensor k = perHead(p[1].mul(1 / Math.sqrt(d)), nh, d);
        Tensor v = perHead(p[2], nh, d);
        Tensor o = p[3].sigmoid();
        Tensor[] g = affine(in, weightGate, biasGate).chunk(2, 2);       // [B, T, NH] each: ĩ, f̃
        Tensor iTilde = g[0].permute(0, 2, 1);                           // [B, NH, T]
        Tensor logF = XLstmMath.logSigmoid(g[1]).permute(0, 2, 1);
        Tensor cum = logF.matmul(Tensor.constant(upperOnes(dt, t)));     // F_t = Σ_{s≤t} log f_s
        Tensor logD = cum.reshape(b, nh, t, 1).sub(cum.reshape(b, nh, 1, t)).add(iTilde.reshape(b, nh, 1, t))
                .add(Tensor.constant(causal(dt, t)));                    // [B, NH, T, T], −∞ above the diagonal
        Tensor m0 = init == null ? Tensor.zeros(dt, b, nh) : init.m();
        Tensor logD0 = cum.add(m0.reshape(b, nh, 1));                    // [B, NH, T]
        NdArray m = logD.data().max(3, false).maximum(logD0.data());     // [B, NH, T], a constant
        Tensor mT = Tensor.constant(m);
        Tensor dMat = logD.sub(mT.reshape(b, nh, t, 1)).exp();          // D_ts
        Tensor d0 = logD0.sub(mT).exp();                                 // d_t
        Tensor s = q.matmul(k.transpose(2, 3)).mul(dMat);                // [B, NH, T, T]
        Tensor num = s.matmul(v);                                        // [B, NH, T, d]
        Tensor den = s.sum(3, false);                                    // [B, NH, T]: n_tᵀ q_t
        Tensor c0 = null, n0 = null;
        if (init != null) {
            c0 = init.c().reshape(b, nh, d, d);
            n0 = init.n().reshape(b, nh, d);
            num = num.add(d0.reshape(b, nh, t, 1).mul(q.matmul(c0.transpose(2, 3))));   // + d_t C_0 q_t
            den = den.add(d0.mul(q.matmul(n0.reshape(b, nh, d, 1)).reshape(b, nh, t)));  // + d_t n_0ᵀ q_t
        }
        den = XLstmMath.atLeast(den.abs(), m.neg().exp());
        Tensor hTilde = num.div(den.reshape(b, nh, t, 1)).permute(0, 2, 1, 3).reshape(b, t, hidden);
        Tensor out = o.mul(hTilde);                                      // [B, T, H], processing order
        if (lengths != null) {
            out = out.mul(Tensor.constant(validMask(dt, lengths, t)));   // zero past each length
        }
        // the final state: row L_b − 1 of D (and of d, m) weighs the steps into the memory
        NdArray last = lastOneHot(dt, lengths, b, t);                    // [B, 1, T]
        Tensor w = dMat.mul(Tensor.constant(last.reshape(b, 1, t, 1))).sum(2, false);   // [B, NH, T(s)]
        Tensor cN = v.mul(w.reshape(b, nh, t, 1)).transpose(2, 3).matmul(k);            // Σ_s w_s v_s k_sᵀ
        Tensor nN = k.mul(w.reshape(b, nh, t, 1)).sum(2, false);                        // Σ_s w_s k_s
        if (init != null) {
            Tensor dLast = d0.mul(Tensor.constant(last)).sum(2, false);                 // [B, NH]
            cN = cN.add(dLast.reshape(b, nh, 1, 1).mul(c0));
            nN = nN.add(dLast.reshape(b, nh, 1).mul(n0));
        }
        Tensor mN = Tensor.constant(m.mul(last).sum(2, false));
        Tensor hN = Sequences.lastValid(out, lengths);
        MLstmState state = new MLstmState(hN, cN.reshape(b, nh * d * d), nN.reshape(b, hidden), mN);
        return new Result(reverse ? Sequences.reverse(out, lengths) : out, state);
    }

    private static Tensor affine(Tensor x, Tensor w, Tensor bias) {
        Tensor y = x.matmulTransposed(w);
        return bias == null ? y : y.add(bias);
    }

    /** {@code [B, T, NH·d] -> [B, NH, T, d]}. */
    private static Tensor perHead(Tensor a, int nh, int d) {
        return a.reshape(a.dim(0), a.dim(1), nh, d).permute(0, 2, 1, 3);
    }

    /** {@code U[s, t] = 1} for {@code s ≤ t}: a row times U is its cumulative sum. */
    private static NdArray upperOnes(DType dt, int t) {
        NdArray u = NdArray.zeros(dt, t, t);
        for (int s = 0; s < t; s++) {
            for (int j = s; j < t; j++) u.setFlat(s * t + j, 1);
        }
        return u;
    }

    /** 0 on and below the diagonal, −∞ above: step t reads steps s ≤ t only. */
    private static NdArray causal(DType dt, int t) {
        NdArray c = NdArray.zeros(dt, t, t);
        for (int i = 0; i < t; i++) {
            for (int j = i + 1; j < t; j++) c.setFlat(i * t + j, Double.NEGATIVE_INFINITY);
        }
        return c;
    }

    /** {@code [B, T, 1]}: 1 at the valid steps. */
    private static NdArray validMask(DType dt, int[] lengths, int t) {
        NdArray mk = NdArray.zeros(dt, lengths.length, t, 1);
        for (int i = 0; i < lengths.length; i++) {
            for (int j = 0; j < lengths[i]; j++) mk.setFlat(i * t + j, 1);
        }
        return mk;
    }

    /** {@code [B, 1, T]}: 1 at each sequence's last valid step. */
    private static NdArray lastOneHot(DType dt, int[] lengths, int b, int t) {
        NdArray e = NdArray.zeros(dt, b, 1, t);
        for (int i = 0; i < b; i++) e.setFlat(i * t + (lengths == null ? t : lengths[i]) - 1, 1);
        return e;
    }
}
