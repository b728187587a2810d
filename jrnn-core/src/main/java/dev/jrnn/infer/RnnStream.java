package dev.jrnn.infer;

import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;

import java.util.Arrays;

/**
 * One sequence run through a {@link PackedRnn} one step at a time: the per-request state (every layer's
 * {@code h}, and {@code c} for LSTM) and scratch memory, over the model's shared, immutable weights.
 *
 * <p><b>Not thread-safe</b>: a stream belongs to one thread at a time (open one per request, conversation or
 * thread; they are cheap: a few arrays of {@code G·H}). Any number of streams over one model may step at once.
 *
 * <p>A step allocates nothing: {@link #step(float[])} writes into arrays the stream allocated when it was opened.
 * Its result is computed exactly as a batch of one would be step by step, whatever other streams run beside it.
 */
public final class RnnStream {
    private final PackedRnn model;
    private final int layers, hidden, state, input;   // state: R, the features of h (P with a projection, else H)
    private final boolean lstm;
    private final float[][] hf, cf;          // float32: [L][H] states
    private final float[][][] scratchF;      // [L] per-layer scratch
    private final float[] outF;              // the top layer's h, handed to the caller
    private final double[][] hd, cd;
    private final double[][][] scratchD;
    private final PackedFloat.SplitStep[] splitF;    // [L] split-step buffers (-Djrnn.infer.stepThreads=2), else nulls
    private final PackedDouble.SplitStep[] splitD;
    private final double[] outD;
    private long steps;

    RnnStream(PackedRnn model) {
        this.model = model;
        this.layers = model.config().numLayers();
        this.hidden = model.config().hiddenSize();
        this.state = model.config().stateSize();
        this.input = model.config().inputSize();
        this.lstm = model.config().mode() == CellType.LSTM;
        boolean f = model.dtype() == DType.FLOAT32;
        hf = f ? new float[layers][state] : null;
        cf = f && lstm ? new float[layers][hidden] : null;
        scratchF = f ? new float[layers][][] : null;
        outF = f ? new float[state] : null;
        hd = f ? null : new double[layers][state];
        cd = !f && lstm ? new double[layers][hidden] : null;
        scratchD = f ? null : new double[layers][][];
        outD = f ? null : new double[state];
        splitF = f ? new PackedFloat.SplitStep[layers] : null;
        splitD = f ? null : new PackedDouble.SplitStep[layers];
        for (int k = 0; k < layers; k++) {
            if (f) {
                scratchF[k] = model.floatLayer(k).scratch();
                splitF[k] = model.floatLayer(k).splitStep();
            } else {
                scratchD[k] = model.doubleLayer(k).scratch();
                splitD[k] = model.doubleLayer(k).splitStep();
            }
        }
    }

    /** The model this stream runs. */
    public PackedRnn model() { return model; }

    /** Steps taken since the stream was opened or last {@link #reset()}. */
    public long steps() { return steps; }

    /**
     * One step of a float32 model.
     *
     * @param x the input at this step, {@code [I]}
     * @return the top layer's new hidden state {@code [R]} ({@code [P]} with a projection, else {@code [H]}): an
     *         array owned by this stream, overwritten by the next step (copy it to keep it); writing into it does not change the stream's state
     */
    public float[] step(float[] x) {
        check(x == null ? -1 : x.length, DType.FLOAT32);
        for (int k = 0; k < layers; k++) {
            model.floatLayer(k).step(k == 0 ? x : hf[k - 1], 0, hf[k], lstm ? cf[k] : null, scratchF[k], splitF[k]);
        }
        steps++;
        System.arraycopy(hf[layers - 1], 0, outF, 0, state);
        return outF;
    }

    /** One step of a float64 model; as {@link #step(float[])}. */
    public double[] step(double[] x) {
        check(x == null ? -1 : x.length, DType.FLOAT64);
        for (int k = 0; k < layers; k++) {
            model.doubleLayer(k).step(k == 0 ? x : hd[k - 1], 0, hd[k], lstm ? cd[k] : null, scratchD[k], splitD[k]);
        }
        steps++;
        System.arraycopy(hd[layers - 1], 0, outD, 0, state);
        return outD;
    }

    /** Validates one step's input; builds a message only when there is an error (a step allocates nothing). */
    private void check(int length, DType dtype) {
        if (length == input && dtype == model.dtype()) {
            return;
        }
        String op = model.layerName() + " stream.step";
        if (length < 0) {
            throw new IllegalArgumentException(op + ": x is null");
        }
        if (dtype != model.dtype()) {
            throw new IllegalArgumentException(op + ": x is " + dtype + " but the model is " + model.dtype()
                    + "; call step(" + (model.dtype() == DType.FLOAT32 ? "float[]" : "double[]") + ")");
        }
        if (length != input) {
            throw new IllegalArgumentException(op + ": x has shape [" + length + "], expected [" + input
                    + "] (inputSize=" + input + "; one step of one sequence)");
        }
    }

    /** Back to the zero state, as if just opened. */
    public void reset() {
        for (int k = 0; k < layers; k++) {
            if (hf != null) {
                Arrays.fill(hf[k], 0f);
                if (cf != null) Arrays.fill(cf[k], 0f);
            } else {
                Arrays.fill(hd[k], 0.0);
                if (cd != null) Arrays.fill(cd[k], 0.0);
            }
        }
        steps = 0;
    }

    /** A copy of every layer's hidden state, {@code [L, R]} (PyTorch's {@code h_n} for a batch of one, squeezed). */
    public NdArray hidden() {
        return hf != null ? NdArray.of(copy(hf)) : NdArray.of(copy(hd));
    }

    /** A copy of every layer's LSTM cell state {@code [L, H]}; null for other cells. */
    public NdArray cell() {
        if (!lstm) return null;
        return cf != null ? NdArray.of(copy(cf)) : NdArray.of(copy(cd));
    }

    private static float[][] copy(float[][] a) {
        float[][] out = new float[a.length][];
        for (int i = 0; i < a.length; i++) out[i] = a[i].clone();
        return out;
    }

    private static double[][] copy(double[][] a) {
        double[][] out = new double[a.length][];
        for (int i = 0; i < a.length; i++) out[i] = a[i].clone();
        return out;
    }
}
