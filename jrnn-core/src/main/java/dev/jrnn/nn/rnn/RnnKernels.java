package dev.jrnn.nn.rnn;

import dev.jrnn.autograd.Autograd;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.ShapeMismatchException;
import dev.jrnn.tensor.Shapes;

/**
 * The fast path of the stock recurrent layers: one layer in one direction over a whole sequence, as a
 * single autograd op with a hand-derived backward (the readable path is a cell stepped by the
 * {@code Recurrent} layer; both read the same parameters and are tested against each other).
 *
 * <p>Weight layout, names and gate order are PyTorch's: {@code weightIh} is {@code [G·H, I]} and
 * {@code weightHh} {@code [G·H, H]}, their row blocks one per gate, top to bottom (G gates, H hidden
 * units, I input features). With {@code x} the input of a step and {@code h}, {@code c} the state it
 * enters with:
 * <pre>
 * RNN_TANH, RNN_RELU (G = 1)   h' = act(W_ih x + b_ih + W_hh h + b_hh),  act = tanh or max(·, 0)
 * LSTM (G = 4: i, f, g, o)     i = σ(W_ii x + b_ii + W_hi h + b_hi)      f = σ(W_if x + b_if + W_hf h + b_hf)
 *                              g = tanh(W_ig x + b_ig + W_hg h + b_hg)   o = σ(W_io x + b_io + W_ho h + b_ho)
 *                              c' = f ⊙ c + i ⊙ g                        h' = o ⊙ tanh(c')
 * LSTM with projection (P)     as LSTM but h' = W_hr (o ⊙ tanh(c')), W_hr [P, H]: h, the output and
 *                              W_hh's columns have width P, c keeps H (PyTorch's proj_size)
 * GRU (G = 3: r, z, n)         r = σ(W_ir x + b_ir + W_hr h + b_hr)      z = σ(W_iz x + b_iz + W_hz h + b_hz)
 *                              n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
 *                              h' = (1 − z) ⊙ n + z ⊙ h
 * GRU_RESET_BEFORE (G = 3)     as GRU but n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn)
 *                              (Cho et al. 2014; Keras reset_after=False)
 * </pre>
 *
 * <h2>How it is computed</h2>
 * <ol>
 * <li>The input projection of all steps in one GEMM, {@code [T·B, I] × [I, G·H]}, with
 *     {@code b_ih + b_hh} folded in once (GRU keeps {@code b_hn} apart: r multiplies it).</li>
 * <li>Per step only the recurrent GEMM {@code [B, H] × [H, G·H]}, then one fused pass over the gates
 *     computing the activations and the new state in place. Kept for backward: gate activations,
 *     {@code h} and {@code c} of every step (and tanh c', {@code W_hn h + b_hn} or {@code r ⊙ h}).</li>
 * <li>Backward walks time in reverse, keeping only {@code dGates} (one {@code [T·B, G·H]} buffer), then
 *     {@code dW_ih = dGatesᵀ X}, {@code dW_hh = dGatesᵀ H_prev}, {@code dX = dGates W_ih} as single GEMMs
 *     over all steps and the bias gradients as column sums.</li>
 * </ol>
 * float32 and float64 run the same loops ({@link FusedRnnFloat}, {@link FusedRnnDouble}); float32 uses
 * fast vectorisable activations ({@link KernelMath}, absolute error below 4e-7).
 *
 * <h2>Lengths and direction</h2>
 * Sequence {@code b} is valid at steps {@code 0 .. lengths[b]-1}. Forwards it runs {@code t = 0 ..
 * L_b-1}; in reverse it runs {@code t = L_b-1} down to 0, starting from {@code h0} at its last valid step
 * (PyTorch's packed sequences). The output at {@code t ≥ L_b} is 0, and the returned {@code h}, {@code c}
 * are the states after each sequence's last processed step.
 */
public final class RnnKernels {
    private RnnKernels() {}

    /**
     * One layer in one direction.
     *
     * @param output {@code [B, T, H]} ({@code [B, T, P]} with a projection), zero at steps past each sequence's length
     * @param h      final hidden state {@code [B, H]} ({@code [B, P]} with a projection), after each sequence's last
     *               valid step
     * @param c      final cell state {@code [B, H]} for LSTM, else null
     */
    public record Result(Tensor output, Tensor h, Tensor c) {}

    /** The sizes and options of one call, shared by the float and double kernels. */
    record Dims(CellType type, int batch, int time, int input, int hidden, int proj, int[] lengths, boolean reverse) {
        int gates() { return type.gates(); }

        /** R: the width of h and of the output (P with a projection, else H). */
        int rec() { return proj > 0 ? proj : hidden; }
    }

    /**
     * Runs one layer-direction as a single autograd op. Gradients flow to every input that requires one,
     * from all three results.
     *
     * <p>Shapes: B batch, T time, I input features, H hidden units (taken from {@code weightHh}), G gates of
     * {@code type}. All tensors must share one dtype.
     *
     * @param x        {@code [B, T, I]}
     * @param h0       {@code [B, H]} or null for zeros
     * @param c0       {@code [B, H]} or null for zeros (LSTM only)
     * @param weightIh {@code [G*H, I]}, gate row blocks in PyTorch order
     * @param weightHh {@code [G*H, H]}
     * @param biasIh   {@code [G*H]} or null
     * @param biasHh   {@code [G*H]} or null
     * @param lengths  per-sequence valid lengths (1..T) or null for all T
     * @param reverse  process each sequence from its last valid step back to step 0 (PyTorch's reverse direction)
     * @throws ShapeMismatchException   when a shape does not fit, naming the argument, both shapes and the fix
     * @throws IllegalArgumentException for bad lengths, mixed dtypes, or {@code c0} given to a cell without one
     */
    public static Result run(CellType type, Tensor x, Tensor h0, Tensor c0, Tensor weightIh, Tensor weightHh,
                             Tensor biasIh, Tensor biasHh, int[] lengths, boolean reverse) {
        return run(type, x, h0, c0, weightIh, weightHh, biasIh, biasHh, null, lengths, reverse);
    }

    /**
     * As {@link #run(CellType, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, int[], boolean)}, for an
     * LSTM with a projection {@code weightHr [P, H]} (PyTorch's {@code weight_hr_l{k}}, {@code proj_size = P}):
     * {@code h' = W_hr (o ⊙ tanh(c'))}. Then {@code weightHh} is {@code [4H, P]}, {@code h0} and the returned
     * {@code h} are {@code [B, P]}, the output {@code [B, T, P]}; {@code c0} and {@code c} stay {@code [B, H]}.
     * A null {@code weightHr} is the plain cell.
     *
     * @param weightHr {@code [P, H]} or null; LSTM only
     */
    public static Result run(CellType type, Tensor x, Tensor h0, Tensor c0, Tensor weightIh, Tensor weightHh,
                             Tensor biasIh, Tensor biasHh, Tensor weightHr, int[] lengths, boolean reverse) {
        Dims d = validate(type, x, h0, c0, weightIh, weightHh, biasIh, biasHh, weightHr, lengths, reverse);
        final int B = d.batch(), T = d.time(), H = d.hidden(), R = d.rec();
        final boolean lstm = type == CellType.LSTM;
        final DType dtype = x.dtype();
        NdArray out = NdArray.zeros(dtype, B, T, R);
        NdArray hN = NdArray.zeros(dtype, B, R);
        NdArray cN = lstm ? NdArray.zeros(dtype, B, H) : null;

        Object kernel;   // a FusedRnnFloat or FusedRnnDouble holding what backward needs
        if (dtype == DType.FLOAT32) {
            FusedRnnFloat k = new FusedRnnFloat(d);
            k.forward(x.data().floatData(), fl(h0), fl(c0), fl(weightIh), fl(weightHh), fl(biasIh), fl(biasHh),
                    fl(weightHr), out.floatData(), hN.floatData(), lstm ? cN.floatData() : null);
            kernel = k;
        } else {
            FusedRnnDouble k = new FusedRnnDouble(d);
            k.forward(x.data().doubleData(), db(h0), db(c0), db(weightIh), db(weightHh), db(biasIh), db(biasHh),
                    db(weightHr), out.doubleData(), hN.doubleData(), lstm ? cN.doubleData() : null);
            kernel = k;
        }

        Tensor[] inputs = {x, h0, c0, weightIh, weightHh, biasIh, biasHh, weightHr};
        if (!Autograd.isEnabled() || !anyRequiresGrad(inputs)) {
            return new Result(Tensor.constant(out), Tensor.constant(hN), lstm ? Tensor.constant(cN) : null);
        }
        // One op whose value packs [output | h | c] (flat), so that one backward sees the gradients of all
        // three; the results are views of it whose backward places their gradient in the packed layout.
        int nOut = B * T * R, nH = B * R, total = nOut + nH + (lstm ? B * H : 0);
        NdArray packed = NdArray.zeros(dtype, total);
        copyInto(out, packed, 0);
        copyInto(hN, packed, nOut);
        if (lstm) {
            copyInto(cN, packed, nOut + nH);
        }
        Tensor all = Tensor.custom("RnnKernels.run(" + type + ")", packed,
                g -> backward(kernel, d, g, inputs), inputs);
        Tensor output = part("RnnKernels.output", all, out, 0);
        Tensor h = part("RnnKernels.h", all, hN, nOut);
        Tensor c = lstm ? part("RnnKernels.c", all, cN, nOut + nH) : null;
        return new Result(output, h, c);
    }

    /** Gradients of {@code x, h0, c0, weightIh, weightHh, biasIh, biasHh, weightHr} from the packed output gradient. */
    private static NdArray[] backward(Object kernel, Dims d, NdArray g, Tensor[] in) {
        NdArray[] grads = new NdArray[in.length];
        for (int k = 0; k < in.length; k++) {
            if (in[k] != null && in[k].requiresGrad()) {
                grads[k] = in[k].data().zerosLike();
            }
        }
        NdArray weightIh = in[3].data(), weightHh = in[4].data();
        NdArray weightHr = in[7] == null ? null : in[7].data();
        if (kernel instanceof FusedRnnFloat k) {
            k.backward(g.to(DType.FLOAT32).floatData(), weightIh.floatData(), weightHh.floatData(), fl(weightHr),
                    fl(grads[0]), fl(grads[1]), fl(grads[2]), fl(grads[3]), fl(grads[4]), fl(grads[5]), fl(grads[6]),
                    fl(grads[7]));
        } else {
            ((FusedRnnDouble) kernel).backward(g.to(DType.FLOAT64).doubleData(), weightIh.doubleData(),
                    weightHh.doubleData(), db(weightHr), db(grads[0]), db(grads[1]), db(grads[2]), db(grads[3]),
                    db(grads[4]), db(grads[5]), db(grads[6]), db(grads[7]));
        }
        return grads;
    }

    /** A result tensor over {@code value}, whose gradient lands at {@code offset} of its packed parent's. */
    private static Tensor part(String op, Tensor packed, NdArray value, int offset) {
        int total = packed.data().size();
        return Tensor.custom(op, value, g -> {
            NdArray full = NdArray.zeros(g.dtype(), total);
            copyInto(g, full, offset);
            return new NdArray[] {full};
        }, packed);
    }

    private static void copyInto(NdArray src, NdArray dst, int offset) {
        if (dst.dtype() == DType.FLOAT32) {
            System.arraycopy(src.to(DType.FLOAT32).floatData(), 0, dst.floatData(), offset, src.size());
        } else {
            System.arraycopy(src.to(DType.FLOAT64).doubleData(), 0, dst.doubleData(), offset, src.size());
        }
    }

    private static boolean anyRequiresGrad(Tensor[] ts) {
        for (Tensor t : ts) {
            if (t != null && t.requiresGrad()) {
                return true;
            }
        }
        return false;
    }

    private static float[] fl(Tensor t) {
        return t == null ? null : t.data().floatData();
    }

    private static double[] db(Tensor t) {
        return t == null ? null : t.data().doubleData();
    }

    private static float[] fl(NdArray a) {
        return a == null ? null : a.floatData();
    }

    private static double[] db(NdArray a) {
        return a == null ? null : a.doubleData();
    }

    // ------------------------------------------------------------------ argument checks

    private static Dims validate(CellType type, Tensor x, Tensor h0, Tensor c0, Tensor weightIh, Tensor weightHh,
                                 Tensor biasIh, Tensor biasHh, Tensor weightHr, int[] lengths, boolean reverse) {
        if (type == null) {
            throw new IllegalArgumentException("RnnKernels.run: type is null; pass one of RNN_TANH, RNN_RELU, LSTM, GRU, "
                    + "GRU_RESET_BEFORE");
        }
        String op = "RnnKernels.run(" + type + ")";
        if (type.isXlstm()) {
            throw new IllegalArgumentException(op + ": " + type + " has no fused kernel; run it through its layer ("
                    + RnnConfig.layerName(type) + ")");
        }
        if (!type.hasRecurrentWeights()) {
            throw new IllegalArgumentException(op + ": " + type + " has no weight_hh; " + (type == CellType.TTT_LINEAR
                    ? "it runs as TttLinearCell (TttLinear)" : "its fast path is ScanKernels.run"));
        }
        requireNonNull(op, "x", x);
        requireNonNull(op, "weightIh", weightIh);
        requireNonNull(op, "weightHh", weightHh);
        int G = type.gates();
        String gh = G == 1 ? "hidden" : G + "·hidden";
        String blocks = G == 1 ? "" : ", row blocks " + type.blocks() + " as in PyTorch";

        int[] xs = x.shape();
        if (xs.length != 3) {
            throw Shapes.mismatch(op, "x", xs, "[batch, time, input] (rank 3)"
                    + (xs.length == 2 ? "; for one step of a batch use x.reshape(batch, 1, input)" : ""));
        }
        if (xs[0] < 1 || xs[1] < 1 || xs[2] < 1) {
            throw Shapes.mismatch(op, "x", xs, "[batch, time, input] with every dimension at least 1");
        }
        int B = xs[0], T = xs[1], I = xs[2];

        int[] whs = weightHh.shape();
        if (weightHr != null) {
            return validateProjected(op, type, x, h0, c0, weightIh, weightHh, biasIh, biasHh, weightHr, lengths, reverse);
        }
        if (whs.length != 2 || whs[1] < 1 || whs[0] != G * whs[1]) {
            String exp = whs.length == 2 && whs[1] >= 1
                    ? Shapes.str(G * whs[1], whs[1]) + " = [" + gh + ", hidden] with hidden = " + whs[1] + blocks
                    : "[" + gh + ", hidden]" + blocks;
            throw Shapes.mismatch(op, "weightHh", whs, exp + " (hidden is read from its second dimension)");
        }
        int H = whs[1];
        long gateCells = (long) B * T * G * H;   // the largest buffer the kernel keeps (gates of every step)
        if (gateCells > Integer.MAX_VALUE - 16 || (long) B * T * I > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException(op + ": x " + Shapes.str(xs) + " with hidden = " + H + " needs "
                    + gateCells + " gate values, more than one Java array holds; split the batch or the sequence "
                    + "(truncated BPTT) into smaller calls");
        }
        expectShape(op, "weightIh", weightIh, new int[] {G * H, I},
                "[" + gh + ", input] with hidden = " + H + " (from weightHh) and input = " + I + " (from x)" + blocks);
        if (biasIh != null) {
            expectShape(op, "biasIh", biasIh, new int[] {G * H}, "[" + gh + "] with hidden = " + H);
        }
        if (biasHh != null) {
            expectShape(op, "biasHh", biasHh, new int[] {G * H}, "[" + gh + "] with hidden = " + H);
        }
        if (h0 != null) {
            expectShape(op, "h0", h0, new int[] {B, H}, "[batch, hidden] with batch = " + B + " (from x) and hidden = "
                    + H + " (from weightHh)");
        }
        return checkRest(op, type, x, h0, c0, weightIh, weightHh, biasIh, biasHh, null, lengths, reverse, H, 0);
    }

    /** {@code weightHr [P, H]} gives H and P; then {@code weightHh [4H, P]}, {@code h0 [B, P]}, {@code c0 [B, H]}. */
    private static Dims validateProjected(String op, CellType type, Tensor x, Tensor h0, Tensor c0, Tensor weightIh, Tensor weightHh,
                                          Tensor biasIh, Tensor biasHh, Tensor weightHr, int[] lengths,
                                          boolean reverse) {
        if (type != CellType.LSTM) {
            throw new IllegalArgumentException(op + ": weightHr (a projection, PyTorch's proj_size) is for LSTM only;"
                    + " pass null");
        }
        int[] xs = x.shape(), hr = weightHr.shape();
        if (hr.length != 2 || hr[0] < 1 || hr[1] < 1) {
            throw Shapes.mismatch(op, "weightHr", hr, "[proj, hidden] (rank 2, PyTorch's weight_hr_l{k})");
        }
        int B = xs[0], I = xs[2], P = hr[0], H = hr[1];
        if ((long) B * xs[1] * 4 * H > Integer.MAX_VALUE - 16 || (long) B * xs[1] * I > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException(op + ": x " + Shapes.str(xs) + " with hidden = " + H + " needs more "
                    + "values than one Java array holds; split the batch or the sequence (truncated BPTT) into smaller calls");
        }
        expectShape(op, "weightHh", weightHh, new int[] {4 * H, P}, "[4·hidden, proj] with hidden = " + H
                + " and proj = " + P + " (from weightHr [proj, hidden]), row blocks i, f, g, o as in PyTorch");
        expectShape(op, "weightIh", weightIh, new int[] {4 * H, I}, "[4·hidden, input] with hidden = " + H
                + " (from weightHr) and input = " + I + " (from x), row blocks i, f, g, o as in PyTorch");
        if (biasIh != null) {
            expectShape(op, "biasIh", biasIh, new int[] {4 * H}, "[4·hidden] with hidden = " + H);
        }
        if (biasHh != null) {
            expectShape(op, "biasHh", biasHh, new int[] {4 * H}, "[4·hidden] with hidden = " + H);
        }
        if (h0 != null) {
            expectShape(op, "h0", h0, new int[] {B, P}, "[batch, proj] with batch = " + B + " (from x) and proj = "
                    + P + " (from weightHr): with a projection h has proj features");
        }
        return checkRest(op, CellType.LSTM, x, h0, c0, weightIh, weightHh, biasIh, biasHh, weightHr, lengths, reverse,
                H, P);
    }

    /** The checks shared by both shapes of weights: c0, dtypes, lengths. */
    private static Dims checkRest(String op, CellType type, Tensor x, Tensor h0, Tensor c0, Tensor weightIh,
                                  Tensor weightHh, Tensor biasIh, Tensor biasHh, Tensor weightHr, int[] lengths,
                                  boolean reverse, int H, int P) {
        int[] xs = x.shape();
        int B = xs[0], T = xs[1];
        if (c0 != null) {
            if (type != CellType.LSTM) {
                throw new IllegalArgumentException(op + ": c0 was given, but only LSTM has a cell state; pass null");
            }
            expectShape(op, "c0", c0, new int[] {B, H}, "[batch, hidden] with batch = " + B + " (from x) and hidden = "
                    + H + " (from weightHh)");
        }
        DType dt = x.dtype();
        String[] names = {"h0", "c0", "weightIh", "weightHh", "biasIh", "biasHh", "weightHr"};
        Tensor[] others = {h0, c0, weightIh, weightHh, biasIh, biasHh, weightHr};
        for (int k = 0; k < others.length; k++) {
            if (others[k] != null && others[k].dtype() != dt) {
                throw new IllegalArgumentException(op + ": " + names[k] + " is " + others[k].dtype() + " but x is " + dt
                        + "; all inputs must share one dtype (convert with to(" + dt.name() + "))");
            }
        }
        int[] lens = null;
        if (lengths != null) {
            if (lengths.length != B) {
                throw new IllegalArgumentException(op + ": lengths has " + lengths.length + " entries, expected one per "
                        + "sequence of the batch (batch = " + B + " from x " + Shapes.str(xs) + ")");
            }
            for (int b = 0; b < B; b++) {
                if (lengths[b] < 1 || lengths[b] > T) {
                    throw new IllegalArgumentException(op + ": lengths[" + b + "] = " + lengths[b] + " is out of range "
                            + "1.." + T + " (the time dimension of x " + Shapes.str(xs) + "); an empty sequence "
                            + "cannot be run, drop it from the batch");
                }
            }
            lens = lengths.clone();   // the backward closure must not see later edits by the caller
        }
        return new Dims(type, B, T, xs[2], H, P, lens, reverse);
    }

    private static void requireNonNull(String op, String name, Tensor t) {
        if (t == null) {
            throw new IllegalArgumentException(op + ": " + name + " is null");
        }
    }

    private static void expectShape(String op, String name, Tensor t, int[] expected, String meaning) {
        if (!t.data().hasShape(expected)) {
            throw Shapes.mismatch(op, name, t.shape(), Shapes.str(expected) + " = " + meaning);
        }
    }
}
