package dev.jrnn.io;

import dev.jrnn.nn.rnn.GruVariant;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.ShapeMismatchException;
import dev.jrnn.tensor.Shapes;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Converts Keras recurrent weights to the PyTorch layout jrnn uses, and back. Pure functions on
 * {@link NdArray}s: reading the Keras file (HDF5, or a safetensors export) is the caller's part.
 *
 * <p>Keras stores one layer as {@code kernel [I, G*H]} (gate blocks side by side in the columns),
 * {@code recurrent_kernel [H, G*H]} and {@code bias}; PyTorch stores {@code weight_ih [G*H, I]} (gate blocks
 * stacked in the rows), {@code weight_hh [G*H, H]}, {@code bias_ih [G*H]} and {@code bias_hh [G*H]}. So the
 * kernels are transposed and, where the gate orders differ, the blocks reordered:
 * <ul>
 *   <li><b>SimpleRNN</b>: one block; {@code bias_ih = bias}, {@code bias_hh = 0}.</li>
 *   <li><b>LSTM</b>: Keras gates i, f, c, o = PyTorch i, f, g, o (same order); {@code bias_ih = bias},
 *       {@code bias_hh = 0}.</li>
 *   <li><b>GRU, reset_after=True</b> (the Keras 2.3+ default, cuDNN-compatible): Keras blocks z, r, h become
 *       PyTorch r, z, n; bias {@code [2, 3H]}: row 0 (input) → {@code bias_ih}, row 1 (recurrent) →
 *       {@code bias_hh}, both reordered. The cell computes {@code n = tanh(W_in x + b_in + r * (W_hn h + b_hn))},
 *       exactly PyTorch's GRU.</li>
 *   <li><b>GRU, reset_after=False</b>: same reorder, bias {@code [3H]} → {@code bias_ih}, {@code bias_hh = 0};
 *       this cell applies the reset gate <i>before</i> the recurrent product,
 *       {@code n = tanh(W_in x + b_in + W_hn (r * h))}, so it needs jrnn's reset-before GRU variant:
 *       {@link #gru} returns {@link GruVariant#RESET_BEFORE} to tell the caller.</li>
 * </ul>
 * A missing bias ({@code use_bias=False}) may be passed as {@code null} and becomes zeros. The result has the
 * kernel's dtype; the other arrays are converted to it. All arrays are copies. Activations are not part of the
 * weights: the conversion assumes Keras's defaults (tanh, and sigmoid for the gates), which match PyTorch.
 *
 * <p>The reverse direction ({@link #toKerasSimpleRnn}, {@link #toKerasLstm}, {@link #toKerasGru}) folds
 * {@code bias_ih + bias_hh} into the one Keras bias where Keras has a single bias (SimpleRNN, LSTM); this keeps
 * the function but not the split, so jrnn → Keras → jrnn returns {@code bias_ih + bias_hh} as {@code bias_ih} and
 * zeros as {@code bias_hh}. For GRU (reset_after=True) the round trip is exact. Gradients are not weights:
 * map them with {@link #gradientsToKerasSimpleRnn} and {@link #gradientsToKerasLstm} (the bias gradient of a layer
 * imported from Keras is {@code grad(bias_ih)}, not the sum, which would double it); {@link #toKerasGru} maps
 * reset-after GRU gradients as they are.
 */
public final class KerasImport {
    /** Keras GRU blocks (z, r, h) → PyTorch blocks (r, z, n): PyTorch block {@code j} is Keras block {@code GRU_PERM[j]}. */
    private static final int[] GRU_PERM = {1, 0, 2};

    private KerasImport() {}

    /**
     * One direction of one recurrent layer in PyTorch layout.
     *
     * @param weightIh {@code weight_ih_l{k}}, shape {@code [G*H, I]}
     * @param weightHh {@code weight_hh_l{k}}, shape {@code [G*H, H]}
     * @param biasIh   {@code bias_ih_l{k}}, shape {@code [G*H]}
     * @param biasHh   {@code bias_hh_l{k}}, shape {@code [G*H]}
     */
    public record TorchWeights(NdArray weightIh, NdArray weightHh, NdArray biasIh, NdArray biasHh) {
        /** Checks that no array is {@code null} and that the four shapes fit together. */
        public TorchWeights {
            Objects.requireNonNull(weightIh, "weightIh");
            Objects.requireNonNull(weightHh, "weightHh");
            Objects.requireNonNull(biasIh, "biasIh");
            Objects.requireNonNull(biasHh, "biasHh");
            if (weightHh.rank() != 2 || weightIh.rank() != 2 || weightIh.dim(0) != weightHh.dim(0)
                    || !biasIh.hasShape(weightHh.dim(0)) || !biasHh.hasShape(weightHh.dim(0))) {
                throw new ShapeMismatchException("KerasImport.TorchWeights: shapes weight_ih " + Shapes.str(weightIh.shape())
                        + ", weight_hh " + Shapes.str(weightHh.shape()) + ", bias_ih " + Shapes.str(biasIh.shape())
                        + ", bias_hh " + Shapes.str(biasHh.shape()) + " do not fit together; expected [G*H, I], [G*H, H],"
                        + " [G*H], [G*H]");
            }
        }

        /**
         * Hidden size {@code H} (the second dimension of {@code weight_hh}).
         *
         * @return H
         */
        public int hiddenSize() { return weightHh.dim(1); }

        /**
         * Input size {@code I} (the second dimension of {@code weight_ih}).
         *
         * @return I
         */
        public int inputSize() { return weightIh.dim(1); }

        /**
         * The four arrays under their PyTorch names, in PyTorch's order.
         *
         * @param layer   layer index
         * @param reverse whether this is the reverse direction of a bidirectional layer
         * @return {@code weight_ih_l{layer}[_reverse]}, {@code weight_hh_...}, {@code bias_ih_...}, {@code bias_hh_...}
         */
        public Map<String, NdArray> toStateDict(int layer, boolean reverse) {
            Map<String, NdArray> out = new LinkedHashMap<>();
            out.put(TorchNames.weightIh(layer, reverse), weightIh);
            out.put(TorchNames.weightHh(layer, reverse), weightHh);
            out.put(TorchNames.biasIh(layer, reverse), biasIh);
            out.put(TorchNames.biasHh(layer, reverse), biasHh);
            return out;
        }

        /**
         * Picks one direction of one layer out of a PyTorch state dict (names without module prefix). When both
         * biases are absent (a layer built with {@code bias=False}) they become zeros.
         *
         * @param state   the parameters
         * @param layer   layer index
         * @param reverse the reverse direction
         * @return the four arrays (shared with {@code state}, not copied)
         * @throws IllegalArgumentException naming the missing names
         */
        public static TorchWeights fromStateDict(Map<String, NdArray> state, int layer, boolean reverse) {
            String wi = TorchNames.weightIh(layer, reverse), wh = TorchNames.weightHh(layer, reverse);
            String bi = TorchNames.biasIh(layer, reverse), bh = TorchNames.biasHh(layer, reverse);
            List<String> missing = new ArrayList<>();
            for (String n : new String[] {wi, wh}) {
                if (state.get(n) == null) missing.add(n);
            }
            boolean hasBi = state.get(bi) != null, hasBh = state.get(bh) != null;
            if (hasBi != hasBh) missing.add(hasBi ? bh : bi);
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException("KerasImport.TorchWeights.fromStateDict: missing " + missing
                        + " (found " + state.keySet() + ")");
            }
            NdArray whh = state.get(wh);
            NdArray zeros = NdArray.zeros(whh.dtype(), whh.rank() == 2 ? whh.dim(0) : 0);
            return new TorchWeights(state.get(wi), whh, hasBi ? state.get(bi) : zeros, hasBh ? state.get(bh) : zeros.copy());
        }
    }

    /**
     * Converted GRU weights and the cell they need.
     *
     * @param weights the weights in PyTorch layout and gate order (r, z, n)
     * @param variant {@link GruVariant#RESET_AFTER} (PyTorch's GRU) or {@link GruVariant#RESET_BEFORE}
     */
    public record GruWeights(TorchWeights weights, GruVariant variant) {
        /** Checks that neither field is {@code null}. */
        public GruWeights {
            Objects.requireNonNull(weights, "weights");
            Objects.requireNonNull(variant, "variant");
        }
    }

    /**
     * One Keras recurrent layer's weights.
     *
     * @param kernel          {@code [I, G*H]}
     * @param recurrentKernel {@code [H, G*H]}
     * @param bias            {@code [G*H]}, or {@code [2, 3H]} for a GRU with {@code reset_after=True}
     */
    public record KerasWeights(NdArray kernel, NdArray recurrentKernel, NdArray bias) {
        /** Checks that no array is {@code null}. */
        public KerasWeights {
            Objects.requireNonNull(kernel, "kernel");
            Objects.requireNonNull(recurrentKernel, "recurrentKernel");
            Objects.requireNonNull(bias, "bias");
        }
    }

    // ------------------------------------------------------------------ Keras → jrnn

    /**
     * Converts a Keras {@code SimpleRNN} layer.
     *
     * @param kernel          {@code [I, H]}
     * @param recurrentKernel {@code [H, H]}
     * @param bias            {@code [H]}, or {@code null} for {@code use_bias=False}
     * @return {@code weight_ih [H, I]}, {@code weight_hh [H, H]}, {@code bias_ih = bias}, {@code bias_hh = 0}
     * @throws ShapeMismatchException naming the Keras weight, its shape and the expected one
     */
    public static TorchWeights simpleRnn(NdArray kernel, NdArray recurrentKernel, NdArray bias) {
        String op = "KerasImport.simpleRnn";
        int h = hiddenFromRecurrent(op, recurrentKernel, 1);
        DType dt = checkKernel(op, kernel, recurrentKernel, 1, h);
        NdArray b = vectorBias(op, bias, 1, h, dt);
        return new TorchWeights(kernel.t(), recurrentKernel.to(dt).t(), b, NdArray.zeros(dt, h));
    }

    /**
     * Converts a Keras {@code LSTM} layer (gate columns i, f, c, o; PyTorch rows i, f, g, o: the same order).
     *
     * @param kernel          {@code [I, 4H]}
     * @param recurrentKernel {@code [H, 4H]}
     * @param bias            {@code [4H]}, or {@code null} for {@code use_bias=False}
     * @return {@code weight_ih [4H, I]}, {@code weight_hh [4H, H]}, {@code bias_ih = bias}, {@code bias_hh = 0}
     * @throws ShapeMismatchException naming the Keras weight, its shape and the expected one
     */
    public static TorchWeights lstm(NdArray kernel, NdArray recurrentKernel, NdArray bias) {
        String op = "KerasImport.lstm";
        int h = hiddenFromRecurrent(op, recurrentKernel, 4);
        DType dt = checkKernel(op, kernel, recurrentKernel, 4, h);
        NdArray b = vectorBias(op, bias, 4, h, dt);
        return new TorchWeights(kernel.t(), recurrentKernel.to(dt).t(), b, NdArray.zeros(dt, 4 * h));
    }

    /**
     * Converts a Keras {@code GRU} layer, telling the variant from the bias: {@code [2, 3H]} is
     * {@code reset_after=True}, {@code [3H]} is {@code reset_after=False}.
     *
     * @param kernel          {@code [I, 3H]}, gate columns z, r, h
     * @param recurrentKernel {@code [H, 3H]}
     * @param bias            {@code [2, 3H]} or {@code [3H]}; not {@code null} (use the overload with
     *                        {@code resetAfter} for {@code use_bias=False})
     * @return the weights in PyTorch order r, z, n and the variant
     * @throws ShapeMismatchException naming the Keras weight, its shape and the expected one
     */
    public static GruWeights gru(NdArray kernel, NdArray recurrentKernel, NdArray bias) {
        if (bias == null) {
            throw new IllegalArgumentException("KerasImport.gru: without a bias the variant cannot be told from the"
                    + " shapes; call gru(kernel, recurrentKernel, null, resetAfter) with the layer's reset_after setting");
        }
        return gru(kernel, recurrentKernel, bias, bias.rank() == 2);
    }

    /**
     * Converts a Keras {@code GRU} layer whose {@code reset_after} setting is known.
     *
     * @param kernel          {@code [I, 3H]}, gate columns z, r, h
     * @param recurrentKernel {@code [H, 3H]}
     * @param bias            {@code [2, 3H]} when {@code resetAfter} (row 0 input, row 1 recurrent), else
     *                        {@code [3H]}; or {@code null} for {@code use_bias=False}
     * @param resetAfter      the Keras layer's {@code reset_after}
     * @return the weights in PyTorch order r, z, n and the variant ({@link GruVariant#RESET_BEFORE} when
     *         {@code resetAfter} is false: build jrnn's reset-before GRU cell for these weights)
     * @throws ShapeMismatchException naming the Keras weight, its shape and the expected one
     */
    public static GruWeights gru(NdArray kernel, NdArray recurrentKernel, NdArray bias, boolean resetAfter) {
        String op = "KerasImport.gru(reset_after=" + (resetAfter ? "True" : "False") + ")";
        int h = hiddenFromRecurrent(op, recurrentKernel, 3);
        DType dt = checkKernel(op, kernel, recurrentKernel, 3, h);
        NdArray wih = reorderBlocks(kernel.t(), 3, GRU_PERM);
        NdArray whh = reorderBlocks(recurrentKernel.to(dt).t(), 3, GRU_PERM);
        NdArray bih, bhh;
        if (!resetAfter) {
            bih = reorderBlocks(vectorBias(op, bias, 3, h, dt), 3, GRU_PERM);
            bhh = NdArray.zeros(dt, 3 * h);
        } else if (bias == null) {
            bih = NdArray.zeros(dt, 3 * h);
            bhh = NdArray.zeros(dt, 3 * h);
        } else {
            if (!bias.hasShape(2, 3 * h)) {
                throw new ShapeMismatchException(op + ": bias has shape " + Shapes.str(bias.shape())
                        + ", expected [2, 3H] = [2, " + 3 * h + "] (row 0 input bias, row 1 recurrent bias; H = " + h
                        + ", inferred from recurrent_kernel " + Shapes.str(recurrentKernel.shape()) + ")"
                        + (bias.hasShape(3 * h) ? "; a [3H] bias belongs to a GRU with reset_after=False" : ""));
            }
            NdArray b = bias.to(dt);
            bih = reorderBlocks(b.select(0, 0), 3, GRU_PERM);
            bhh = reorderBlocks(b.select(0, 1), 3, GRU_PERM);
        }
        return new GruWeights(new TorchWeights(wih, whh, bih, bhh),
                resetAfter ? GruVariant.RESET_AFTER : GruVariant.RESET_BEFORE);
    }

    // ------------------------------------------------------------------ jrnn → Keras

    /**
     * Converts simple RNN weights back to a Keras {@code SimpleRNN} layer; the bias is {@code bias_ih + bias_hh}.
     *
     * @param w weights with {@code weight_ih [H, I]}
     * @return {@code kernel [I, H]}, {@code recurrent_kernel [H, H]}, {@code bias [H]}
     * @throws ShapeMismatchException when the weights do not have one gate block
     */
    public static KerasWeights toKerasSimpleRnn(TorchWeights w) {
        checkGates("KerasImport.toKerasSimpleRnn", w, 1);
        return new KerasWeights(w.weightIh().t(), w.weightHh().t(), w.biasIh().add(w.biasHh().to(w.biasIh().dtype())));
    }

    /**
     * Converts LSTM weights back to a Keras {@code LSTM} layer; the bias is {@code bias_ih + bias_hh}.
     *
     * @param w weights with {@code weight_ih [4H, I]} (gates i, f, g, o)
     * @return {@code kernel [I, 4H]}, {@code recurrent_kernel [H, 4H]}, {@code bias [4H]} (gates i, f, c, o)
     * @throws ShapeMismatchException when the weights do not have four gate blocks
     */
    public static KerasWeights toKerasLstm(TorchWeights w) {
        checkGates("KerasImport.toKerasLstm", w, 4);
        return new KerasWeights(w.weightIh().t(), w.weightHh().t(), w.biasIh().add(w.biasHh().to(w.biasIh().dtype())));
    }

    /**
     * Maps the gradients of a simple RNN imported from Keras back to the Keras layer's weights. The Keras bias was
     * imported as {@code bias_ih} (with {@code bias_hh} a constant zero), so its gradient is {@code grad(bias_ih)}
     * alone; {@link #toKerasSimpleRnn} would add {@code grad(bias_hh)}, which always equals it, and double it.
     *
     * @param grads the gradients in PyTorch layout, as {@link TorchWeights}
     * @return {@code d kernel [I, H]}, {@code d recurrent_kernel [H, H]}, {@code d bias [H]}
     * @throws ShapeMismatchException when the gradients do not have one gate block
     */
    public static KerasWeights gradientsToKerasSimpleRnn(TorchWeights grads) {
        checkGates("KerasImport.gradientsToKerasSimpleRnn", grads, 1);
        return new KerasWeights(grads.weightIh().t(), grads.weightHh().t(), grads.biasIh().copy());
    }

    /**
     * Maps the gradients of an LSTM imported from Keras back to the Keras layer's weights; the bias gradient is
     * {@code grad(bias_ih)} alone (see {@link #gradientsToKerasSimpleRnn}). Gate order i, f, c, o is PyTorch's.
     *
     * @param grads the gradients in PyTorch layout
     * @return {@code d kernel [I, 4H]}, {@code d recurrent_kernel [H, 4H]}, {@code d bias [4H]}
     * @throws ShapeMismatchException when the gradients do not have four gate blocks
     */
    public static KerasWeights gradientsToKerasLstm(TorchWeights grads) {
        checkGates("KerasImport.gradientsToKerasLstm", grads, 4);
        return new KerasWeights(grads.weightIh().t(), grads.weightHh().t(), grads.biasIh().copy());
    }

    /**
     * Converts GRU weights (PyTorch's reset-after cell) back to a Keras {@code GRU} layer with
     * {@code reset_after=True}.
     *
     * @param w weights with {@code weight_ih [3H, I]} (gates r, z, n)
     * @return {@code kernel [I, 3H]}, {@code recurrent_kernel [H, 3H]} (gates z, r, h) and {@code bias [2, 3H]}
     *         (row 0 {@code bias_ih}, row 1 {@code bias_hh})
     * @throws ShapeMismatchException when the weights do not have three gate blocks
     */
    public static KerasWeights toKerasGru(TorchWeights w) {
        checkGates("KerasImport.toKerasGru", w, 3);
        DType dt = w.weightIh().dtype();
        NdArray kernel = reorderBlocks(w.weightIh(), 3, GRU_PERM).t();
        NdArray rk = reorderBlocks(w.weightHh().to(dt), 3, GRU_PERM).t();
        NdArray bias = NdArray.stack(0, reorderBlocks(w.biasIh().to(dt), 3, GRU_PERM),
                reorderBlocks(w.biasHh().to(dt), 3, GRU_PERM));
        return new KerasWeights(kernel, rk, bias);
    }

    // ------------------------------------------------------------------ helpers

    private static String blocks(int gates) {
        return gates == 1 ? "H" : gates + "H";
    }

    /** H from {@code recurrent_kernel [H, G*H]}. */
    private static int hiddenFromRecurrent(String op, NdArray rk, int gates) {
        if (rk == null) {
            throw new IllegalArgumentException(op + ": recurrent_kernel is null");
        }
        if (rk.rank() != 2 || rk.dim(0) < 1 || rk.dim(1) != gates * rk.dim(0)) {
            String hint = "";
            if (rk.rank() == 2 && rk.dim(1) % gates == 0 && rk.dim(1) > 0) {
                hint = "; its second dimension suggests H = " + rk.dim(1) / gates;
            } else if (rk.rank() == 2) {
                hint = "; is this the right layer type?";
            }
            throw new ShapeMismatchException(op + ": recurrent_kernel has shape " + Shapes.str(rk.shape())
                    + ", expected [H, " + blocks(gates) + "] with H its first dimension"
                    + (rk.rank() == 2 && rk.dim(0) >= 1 ? " ([" + rk.dim(0) + ", " + gates * rk.dim(0) + "])" : "") + hint);
        }
        return rk.dim(0);
    }

    private static DType checkKernel(String op, NdArray kernel, NdArray rk, int gates, int h) {
        if (kernel == null) {
            throw new IllegalArgumentException(op + ": kernel is null");
        }
        if (kernel.rank() != 2 || kernel.dim(1) != gates * h) {
            throw new ShapeMismatchException(op + ": kernel has shape " + Shapes.str(kernel.shape())
                    + ", expected [input_size, " + blocks(gates) + "] = [*, " + gates * h + "] (H = " + h
                    + ", inferred from recurrent_kernel " + Shapes.str(rk.shape()) + ")");
        }
        return kernel.dtype();
    }

    /** A {@code [G*H]} bias converted to {@code dt}, zeros when {@code null}. */
    private static NdArray vectorBias(String op, NdArray bias, int gates, int h, DType dt) {
        if (bias == null) {
            return NdArray.zeros(dt, gates * h);
        }
        if (!bias.hasShape(gates * h)) {
            String hint = gates == 3 && bias.hasShape(2, 3 * h)
                    ? "; a [2, 3H] bias belongs to a GRU with reset_after=True" : "";
            throw new ShapeMismatchException(op + ": bias has shape " + Shapes.str(bias.shape()) + ", expected ["
                    + blocks(gates) + "] = [" + gates * h + "] (H = " + h + ", inferred from recurrent_kernel)" + hint);
        }
        return bias.to(dt).copy();
    }

    private static void checkGates(String op, TorchWeights w, int gates) {
        int h = w.hiddenSize();
        if (w.weightHh().dim(0) != gates * h) {
            throw new ShapeMismatchException(op + ": weight_hh has shape " + Shapes.str(w.weightHh().shape())
                    + ", expected [" + blocks(gates) + ", H] = [" + gates * h + ", " + h + "] (H = " + h
                    + " from its second dimension); is this the right cell type?");
        }
    }

    /** Splits the rows (axis 0) of {@code m} into {@code gates} equal blocks and returns them in order {@code perm}. */
    static NdArray reorderBlocks(NdArray m, int gates, int[] perm) {
        NdArray[] parts = m.chunk(gates, 0);
        NdArray[] out = new NdArray[gates];
        for (int j = 0; j < gates; j++) out[j] = parts[perm[j]];
        return NdArray.concat(0, out);
    }
}
