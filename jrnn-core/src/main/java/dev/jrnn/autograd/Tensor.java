package dev.jrnn.autograd;

import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.tensor.ShapeMismatchException;
import dev.jrnn.tensor.Shapes;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A value in a define-by-run computation graph: an {@link NdArray} plus what is needed to run reverse-mode
 * differentiation through it.
 *
 * <p>Every differentiable operation is a method here whose local chain rule is written right under its
 * forward computation. A tensor that {@linkplain #requiresGrad() requires a gradient} and was not computed
 * by an operation is a leaf; {@link #backward()} accumulates {@code dL/dleaf} into each leaf's
 * {@link #grad()} (gradients add up across calls until {@link #zeroGrad()}). Inside
 * {@link Autograd#noGrad()} no graph is recorded.
 *
 * <p>Sequences at the API are {@code [batch, time, features]} throughout jrnn.
 */
public class Tensor {
    private final NdArray data;
    private NdArray grad;
    private boolean requiresGrad;
    private final Node node;

    /** How an operation's output passes its gradient back to the inputs. */
    @FunctionalInterface
    public interface Backward {
        /**
         * Given {@code dL/dOutput}, returns {@code dL/dInput} for every input in order, each with the
         * input's shape ({@code null} for an input that needs no gradient).
         */
        NdArray[] apply(NdArray gradOutput);
    }

    private record Node(String op, Tensor[] inputs, Backward backward) {}

    /** A leaf tensor over {@code data}; it collects gradients when {@code requiresGrad}. */
    protected Tensor(NdArray data, boolean requiresGrad) {
        this(data, requiresGrad, null);
    }

    private Tensor(NdArray data, boolean requiresGrad, Node node) {
        if (data == null) {
            throw new IllegalArgumentException("Tensor: data is null");
        }
        this.data = data;
        this.requiresGrad = requiresGrad;
        this.node = node;
    }

    // ------------------------------------------------------------------ creation

    /** A constant (no gradient) over {@code data}. */
    public static Tensor constant(NdArray data) {
        return new Tensor(data, false);
    }

    /** A leaf that collects a gradient, over {@code data}. */
    public static Tensor variable(NdArray data) {
        return new Tensor(data, true);
    }

    /** A float32 constant of the given shape over {@code values}. */
    public static Tensor of(float[] values, int... shape) {
        return constant(NdArray.of(values, shape));
    }

    /** A float64 constant of the given shape over {@code values}. */
    public static Tensor of(double[] values, int... shape) {
        return constant(NdArray.of(values, shape));
    }

    /** A float32 zero constant. */
    public static Tensor zeros(int... shape) {
        return constant(NdArray.zeros(shape));
    }

    /** A zero constant of the given dtype. */
    public static Tensor zeros(DType dtype, int... shape) {
        return constant(NdArray.zeros(dtype, shape));
    }

    /** Normal samples (mean 0, std 1) as a constant. */
    public static Tensor randn(Rng rng, DType dtype, int... shape) {
        return constant(NdArray.randn(rng, dtype, 0, 1, shape));
    }

    /**
     * The result of a custom operation: {@code value} computed by the caller, and {@code backward}
     * giving each input's gradient. This is how fused kernels (the recurrent fast path) join the graph.
     * When gradients are off, or no input requires one, the result is a constant and {@code backward} is
     * never called.
     */
    public static Tensor custom(String op, NdArray value, Backward backward, Tensor... inputs) {
        if (Autograd.isEnabled()) {
            for (Tensor t : inputs) {
                if (t != null && t.requiresGrad) {
                    return new Tensor(value, true, new Node(op, inputs, backward));
                }
            }
        }
        return new Tensor(value, false, null);
    }

    // ------------------------------------------------------------------ accessors

    /** The values. Optimizers update them in place. */
    public NdArray data() { return data; }

    /** The accumulated gradient of a leaf, or {@code null} before any backward pass. */
    public NdArray grad() { return grad; }

    /** Whether gradients flow to (or through) this tensor. */
    public boolean requiresGrad() { return requiresGrad; }

    /** True for tensors not produced by a recorded operation. */
    public boolean isLeaf() { return node == null; }

    /** Turns gradient collection on or off for a leaf (e.g. to freeze a parameter). */
    public Tensor setRequiresGrad(boolean requiresGrad) {
        if (node != null) {
            throw new IllegalStateException("setRequiresGrad: only leaves can change this; this tensor is the output of "
                    + node.op + " (use detach() for a leaf copy)");
        }
        this.requiresGrad = requiresGrad;
        return this;
    }

    /** Drops the accumulated gradient. */
    public void zeroGrad() { grad = null; }

    /** Replaces the gradient (gradient clipping and tests use this). */
    public void setGrad(NdArray g) {
        if (g != null && !g.hasShape(data.shape())) {
            throw Shapes.mismatch("setGrad", "grad", g.shape(), Shapes.str(data.shape()));
        }
        grad = g;
    }

    /** The shape (a copy). */
    public int[] shape() { return data.shape(); }

    /** Size of dimension {@code axis} (negative counts from the end). */
    public int dim(int axis) { return data.dim(axis); }

    /** Number of dimensions. */
    public int rank() { return data.rank(); }

    /** The element type. */
    public DType dtype() { return data.dtype(); }

    /** The only element, as a double. */
    public double item() { return data.item(); }

    /** The same values, cut from the graph: a constant leaf sharing storage. */
    public Tensor detach() { return new Tensor(data, false); }

    /** Name of the operation that produced this tensor, or {@code "leaf"}. */
    public String op() { return node == null ? "leaf" : node.op; }

    @Override
    public String toString() {
        return "Tensor(" + op() + (requiresGrad ? ", requiresGrad" : "") + ") " + data;
    }

    // ------------------------------------------------------------------ backward

    /** Backpropagates from this scalar: accumulates {@code d this / d leaf} into every leaf's grad. */
    public void backward() {
        if (data.size() != 1) {
            throw new IllegalStateException("backward(): needs a scalar (one element), but this tensor has shape "
                    + Shapes.str(data.shape()) + "; reduce it first (e.g. sum() or mean()) or pass a gradient");
        }
        backward(NdArray.ones(data.dtype(), data.shape()));
    }

    /** Backpropagates {@code seed} (= dL/dthis, same shape as this tensor) to every leaf. */
    public void backward(NdArray seed) {
        if (!requiresGrad) {
            throw new IllegalStateException("backward(): this tensor does not require a gradient (no input of the "
                    + "graph requires one, or it was computed under noGrad())");
        }
        if (!seed.hasShape(data.shape())) {
            throw Shapes.mismatch("backward", "seed", seed.shape(), Shapes.str(data.shape()));
        }
        if (seed.dtype() != data.dtype()) {
            throw new IllegalArgumentException("backward(): seed is " + seed.dtype() + ", but this tensor is "
                    + data.dtype() + "; convert it with seed.to(" + data.dtype().name() + ")");
        }
        List<Tensor> order = topologicalOrder();
        Map<Tensor, NdArray> grads = new IdentityHashMap<>();
        grads.put(this, seed);
        for (int i = order.size() - 1; i >= 0; i--) {
            Tensor t = order.get(i);
            NdArray g = grads.remove(t);
            if (g == null) {
                continue;
            }
            if (t.node == null) {
                t.grad = t.grad == null ? g.copy() : t.grad.add(g);
                continue;
            }
            NdArray[] gi = t.node.backward.apply(g);
            Tensor[] in = t.node.inputs;
            if (gi.length != in.length) {
                throw new IllegalStateException(t.node.op + ".backward returned " + gi.length + " gradients for "
                        + in.length + " inputs");
            }
            for (int k = 0; k < in.length; k++) {
                if (in[k] == null || !in[k].requiresGrad || gi[k] == null) {
                    continue;
                }
                if (!gi[k].hasShape(in[k].data.shape())) {
                    throw new ShapeMismatchException(t.node.op + ".backward: gradient for input " + k + " has shape "
                            + Shapes.str(gi[k].shape()) + ", expected the input's shape " + Shapes.str(in[k].data.shape()));
                }
                if (gi[k].dtype() != in[k].data.dtype()) {
                    throw new IllegalStateException(t.node.op + ".backward: gradient for input " + k + " is "
                            + gi[k].dtype() + ", expected the input's dtype " + in[k].data.dtype());
                }
                NdArray prev = grads.get(in[k]);
                grads.put(in[k], prev == null ? gi[k] : prev.add(gi[k]));
            }
        }
    }

    private List<Tensor> topologicalOrder() {
        List<Tensor> order = new ArrayList<>();
        Map<Tensor, Boolean> visited = new IdentityHashMap<>();
        ArrayDeque<Object[]> stack = new ArrayDeque<>();   // {tensor, next input index}
        stack.push(new Object[] {this, 0});
        visited.put(this, Boolean.TRUE);
        while (!stack.isEmpty()) {
            Object[] top = stack.peek();
            Tensor t = (Tensor) top[0];
            int next = (Integer) top[1];
            Tensor[] in = t.node == null ? new Tensor[0] : t.node.inputs;
            if (next < in.length) {
                top[1] = next + 1;
                Tensor c = in[next];
                if (c != null && c.requiresGrad && visited.put(c, Boolean.TRUE) == null) {
                    stack.push(new Object[] {c, 0});
                }
            } else {
                stack.pop();
                order.add(t);   // after all inputs: inputs come first
            }
        }
        return order;
    }

    // ------------------------------------------------------------------ elementwise arithmetic

    /** {@code this + other}, broadcasting. */
    public Tensor add(Tensor other) {
        NdArray y = data.add(other.data);
        return custom("add", y, g -> new NdArray[] {g.sumTo(data.shape()), g.sumTo(other.data.shape())}, this, other);
    }

    /** {@code this - other}, broadcasting. */
    public Tensor sub(Tensor other) {
        NdArray y = data.sub(other.data);
        return custom("sub", y, g -> new NdArray[] {g.sumTo(data.shape()), g.neg().sumTo(other.data.shape())}, this, other);
    }

    /** {@code this * other} elementwise, broadcasting. */
    public Tensor mul(Tensor other) {
        NdArray y = data.mul(other.data);
        return custom("mul", y, g -> new NdArray[] {
            requiresGrad ? g.mul(other.data).sumTo(data.shape()) : null,     // d(ab)/da = b
            other.requiresGrad ? g.mul(data).sumTo(other.data.shape()) : null // d(ab)/db = a
        }, this, other);
    }

    /** {@code this / other} elementwise, broadcasting. */
    public Tensor div(Tensor other) {
        NdArray y = data.div(other.data);
        return custom("div", y, g -> new NdArray[] {
            requiresGrad ? g.div(other.data).sumTo(data.shape()) : null,              // d(a/b)/da = 1/b
            other.requiresGrad ? g.mul(y).div(other.data).neg().sumTo(other.data.shape()) : null  // d(a/b)/db = -a/b^2
        }, this, other);
    }

    /** {@code this + s}. */
    public Tensor add(double s) {
        return custom("addScalar", data.add(s), g -> new NdArray[] {g}, this);
    }

    /** {@code this * s}. */
    public Tensor mul(double s) {
        return custom("mulScalar", data.mul(s), g -> new NdArray[] {g.mul(s)}, this);
    }

    /** {@code s - this}. */
    public Tensor rsub(double s) {
        return custom("rsub", data.affine(-1, s), g -> new NdArray[] {g.neg()}, this);
    }

    /** {@code -this}. */
    public Tensor neg() {
        return custom("neg", data.neg(), g -> new NdArray[] {g.neg()}, this);
    }

    /** {@code this ^ p} for a scalar exponent. */
    public Tensor pow(double p) {
        NdArray y = data.pow(p);
        return custom("pow", y, g -> new NdArray[] {
            p == 0 ? g.zerosLike() : g.mul(data.pow(p - 1).mul(p))   // p x^(p-1); x^0 is constant (no 0 * inf at x = 0)
        }, this);
    }

    /** {@code this * this}. */
    public Tensor square() {
        return custom("square", data.square(), g -> new NdArray[] {g.mul(data).mul(2)}, this);   // 2x
    }

    // ------------------------------------------------------------------ unary maths

    /** {@code e^x}. */
    public Tensor exp() {
        NdArray y = data.exp();
        return custom("exp", y, g -> new NdArray[] {g.mul(y)}, this);   // (e^x)' = e^x
    }

    /** Natural logarithm. */
    public Tensor log() {
        return custom("log", data.log(), g -> new NdArray[] {g.div(data)}, this);   // 1/x
    }

    /** Square root. */
    public Tensor sqrt() {
        NdArray y = data.sqrt();
        return custom("sqrt", y, g -> new NdArray[] {g.div(y).mul(0.5)}, this);   // 1/(2 sqrt x)
    }

    /** Absolute value (gradient 0 at 0). */
    public Tensor abs() {
        return custom("abs", data.abs(), g -> new NdArray[] {g.mul(data.sign())}, this);
    }

    /** Hyperbolic tangent. */
    public Tensor tanh() {
        NdArray y = data.tanh();
        return custom("tanh", y, g -> new NdArray[] {g.mul(y.square().affine(-1, 1))}, this);   // 1 - tanh^2
    }

    /** Logistic sigmoid. */
    public Tensor sigmoid() {
        NdArray y = data.sigmoid();
        return custom("sigmoid", y, g -> new NdArray[] {g.mul(y.mul(y.affine(-1, 1)))}, this);   // s (1 - s)
    }

    /** {@code max(x, 0)} (gradient 0 at 0). */
    public Tensor relu() {
        return custom("relu", data.relu(), g -> new NdArray[] {g.mul(data.gt(0))}, this);
    }

    /** ELU: {@code x} for {@code x > 0}, else {@code alpha (e^x - 1)}. */
    public Tensor elu(double alpha) {
        NdArray y = data.elu(alpha);
        return custom("elu", y, g -> {
            NdArray pos = data.gt(0);   // slope 1 where x > 0, alpha e^x = y + alpha elsewhere
            return new NdArray[] {g.mul(pos.add(pos.affine(-1, 1).mul(y.add(alpha))))};
        }, this);
    }

    /** Clamps to {@code [lo, hi]}; the gradient passes where the input was inside. */
    public Tensor clamp(double lo, double hi) {
        return custom("clamp", data.clamp(lo, hi), g -> {
            NdArray inside = data.gt(lo).mul(data.neg().gt(-hi));
            return new NdArray[] {g.mul(inside)};
        }, this);
    }

    /** Softmax over {@code axis} (max-shifted, so large logits do not overflow). */
    public Tensor softmax(int axis) {
        int a = Shapes.axis("softmax", axis, data.rank());
        NdArray s = data.sub(data.max(a, true)).exp();
        s = s.div(s.sum(a, true));
        NdArray y = s;
        return custom("softmax", y, g -> new NdArray[] {y.mul(g.sub(g.mul(y).sum(a, true)))}, this);   // s (g - <g, s>)
    }

    /** Log-softmax over {@code axis}: {@code x - max - log sum exp(x - max)}. */
    public Tensor logSoftmax(int axis) {
        int a = Shapes.axis("logSoftmax", axis, data.rank());
        NdArray shifted = data.sub(data.max(a, true));
        NdArray y = shifted.sub(shifted.exp().sum(a, true).log());
        return custom("logSoftmax", y, g -> new NdArray[] {g.sub(y.exp().mul(g.sum(a, true)))}, this);   // g - softmax * sum g
    }

    // ------------------------------------------------------------------ reductions

    /** Sum of all elements (a scalar). */
    public Tensor sum() {
        int[] s = data.shape();
        return custom("sum", data.sum(), g -> new NdArray[] {g.reshape(ones(s.length)).broadcastTo(s)}, this);
    }

    /** Mean of all elements (a scalar). */
    public Tensor mean() {
        int[] s = data.shape();
        double n = data.size();
        return custom("mean", data.mean(), g -> new NdArray[] {g.reshape(ones(s.length)).broadcastTo(s).mul(1 / n)}, this);
    }

    /** Sum over {@code axis}. */
    public Tensor sum(int axis, boolean keepDim) {
        int a = Shapes.axis("sum", axis, data.rank());
        int[] s = data.shape();
        return custom("sumAxis", data.sum(a, keepDim), g -> new NdArray[] {unsqueezed(g, a, keepDim).broadcastTo(s)}, this);
    }

    /** Mean over {@code axis}. */
    public Tensor mean(int axis, boolean keepDim) {
        int a = Shapes.axis("mean", axis, data.rank());
        int[] s = data.shape();
        double n = s[a];
        return custom("meanAxis", data.mean(a, keepDim),
                g -> new NdArray[] {unsqueezed(g, a, keepDim).broadcastTo(s).mul(1 / n)}, this);
    }

    /** Maximum over {@code axis}; the gradient goes to the first maximal element. */
    public Tensor max(int axis, boolean keepDim) {
        int a = Shapes.axis("max", axis, data.rank());
        int[] s = data.shape();
        return custom("max", data.max(a, keepDim), g -> {
            int[] arg = data.argmax(a);
            NdArray mask = data.zerosLike();
            int inner = 1;
            for (int i = a + 1; i < s.length; i++) inner *= s[i];
            for (int p = 0; p < arg.length; p++) {
                int o = p / inner, j = p % inner;
                mask.setFlat((o * s[a] + arg[p]) * inner + j, 1);
            }
            return new NdArray[] {mask.mul(unsqueezed(g, a, keepDim))};
        }, this);
    }

    private static NdArray unsqueezed(NdArray g, int axis, boolean keptDim) {
        if (keptDim) {
            return g;
        }
        int[] gs = g.shape();
        int[] s = new int[gs.length + 1];
        for (int i = 0, j = 0; i < s.length; i++) s[i] = i == axis ? 1 : gs[j++];
        return g.reshape(s);
    }

    private static int[] ones(int n) {
        int[] s = new int[n];
        Arrays.fill(s, 1);
        return s;
    }

    // ------------------------------------------------------------------ matrix products

    /** Matrix product; shapes as in {@link NdArray#matmul(NdArray)}. */
    public Tensor matmul(Tensor other) {
        NdArray y = data.matmul(other.data);
        return custom("matmul", y, g -> {
            NdArray ga = null, gb = null;
            if (requiresGrad) {
                ga = g.matmul(other.data, false, true);   // dA = dC B^T
            }
            if (other.requiresGrad) {
                if (other.data.rank() == 2 && data.rank() > 2) {
                    int k = data.dim(-1);
                    gb = data.reshape(-1, k).matmul(g.reshape(-1, g.dim(-1)), true, false);   // dB = A^T dC over all rows
                } else {
                    gb = data.matmul(g, true, false);   // dB = A^T dC
                }
            }
            return new NdArray[] {ga, gb};
        }, this, other);
    }

    /**
     * {@code this · otherᵀ} without materialising the transpose: {@code [..., k] x [n, k] -> [..., n]}. This
     * is how layers apply PyTorch-layout weights ({@code [out, in]}).
     */
    public Tensor matmulTransposed(Tensor other) {
        if (other.rank() != 2) {
            throw Shapes.mismatch("matmulTransposed", "b", other.shape(), "[n, k] (a weight matrix)");
        }
        NdArray y = data.matmul(other.data, false, true);
        return custom("matmulT", y, g -> {
            NdArray ga = requiresGrad ? g.matmul(other.data) : null;   // dA = dC B
            NdArray gb = null;
            if (other.requiresGrad) {
                int k = data.dim(-1), n = other.dim(0);
                gb = g.reshape(-1, n).matmul(data.reshape(-1, k), true, false);   // dB = dCᵀ A over all rows
            }
            return new NdArray[] {ga, gb};
        }, this, other);
    }

    // ------------------------------------------------------------------ shape

    /** Same elements, new shape (one dimension may be -1). */
    public Tensor reshape(int... shape) {
        int[] s = data.shape();
        return custom("reshape", data.reshape(shape), g -> new NdArray[] {g.reshape(s)}, this);
    }

    /** Swaps two axes. */
    public Tensor transpose(int axis0, int axis1) {
        return custom("transpose", data.transpose(axis0, axis1), g -> new NdArray[] {g.transpose(axis0, axis1)}, this);
    }

    /** Transpose of a matrix. */
    public Tensor t() {
        return custom("t", data.t(), g -> new NdArray[] {g.t()}, this);
    }

    /** Reorders axes: result axis {@code i} is this tensor's axis {@code perm[i]}. */
    public Tensor permute(int... perm) {
        NdArray y = data.permute(perm);   // first: it validates perm
        int[] inverse = new int[perm.length];
        for (int i = 0; i < perm.length; i++) inverse[perm[i]] = i;
        return custom("permute", y, g -> new NdArray[] {g.permute(inverse)}, this);
    }

    /** Elements {@code [start, end)} along {@code axis}. */
    public Tensor slice(int axis, int start, int end) {
        int a = Shapes.axis("slice", axis, data.rank());
        int[] s = data.shape();
        return custom("slice", data.slice(a, start, end), g -> new NdArray[] {padAlong(g, a, start, s)}, this);
    }

    /** Places {@code g} at offset {@code start} of axis {@code a} in zeros of {@code shape}: the backward of slicing. */
    private static NdArray padAlong(NdArray g, int a, int start, int[] shape) {
        int[] before = g.shape(), after = g.shape();
        before[a] = start;
        after[a] = shape[a] - start - g.dim(a);
        return NdArray.concat(a, NdArray.zeros(g.dtype(), before), g, NdArray.zeros(g.dtype(), after));
    }

    /** The slice at {@code index} along {@code axis}, with that axis removed. */
    public Tensor select(int axis, int index) {
        int a = Shapes.axis("select", axis, data.rank());
        int[] s = data.shape();
        return custom("select", data.select(a, index),
                g -> new NdArray[] {padAlong(unsqueezed(g, a, false), a, index, s)}, this);
    }

    /** Joins tensors along an existing axis. */
    public static Tensor concat(int axis, Tensor... parts) {
        NdArray[] arrays = new NdArray[parts.length];
        int[] sizes = new int[parts.length];
        for (int i = 0; i < parts.length; i++) arrays[i] = parts[i].data;
        NdArray y = NdArray.concat(axis, arrays);
        int a = Shapes.axis("concat", axis, y.rank());
        for (int i = 0; i < parts.length; i++) sizes[i] = parts[i].data.dim(a);
        return custom("concat", y, g -> g.split(a, sizes), parts);
    }

    /** Stacks equally shaped tensors along a new axis. */
    public static Tensor stack(int axis, Tensor... parts) {
        if (parts.length == 0) {
            throw new IllegalArgumentException("stack: needs at least one tensor");
        }
        int a = Shapes.axis("stack", axis, parts[0].rank() + 1);
        Tensor[] expanded = new Tensor[parts.length];
        for (int i = 0; i < parts.length; i++) {
            int[] s = parts[i].shape();
            if (!Arrays.equals(s, parts[0].shape())) {
                throw Shapes.mismatch("stack", "part " + i, s, Shapes.str(parts[0].shape()) + " like part 0");
            }
            int[] e = new int[s.length + 1];
            for (int k = 0, j = 0; k < e.length; k++) e[k] = k == a ? 1 : s[j++];
            expanded[i] = parts[i].reshape(e);
        }
        return concat(a, expanded);
    }

    /** Splits along {@code axis} into parts of the given sizes. */
    public Tensor[] split(int axis, int... sizes) {
        int a = Shapes.axis("split", axis, data.rank());
        data.split(a, sizes);   // validates the sizes
        Tensor[] out = new Tensor[sizes.length];
        int start = 0;
        for (int i = 0; i < sizes.length; i++) {
            out[i] = slice(a, start, start + sizes[i]);
            start += sizes[i];
        }
        return out;
    }

    /** Splits along {@code axis} into {@code n} equal parts. */
    public Tensor[] chunk(int n, int axis) {
        int a = Shapes.axis("chunk", axis, data.rank());
        if (n <= 0 || data.dim(a) % n != 0) {
            throw new ShapeMismatchException("chunk: axis " + axis + " of shape " + Shapes.str(data.shape()) + " (size "
                    + data.dim(a) + ") cannot be split into " + n + " equal parts");
        }
        int[] sizes = new int[n];
        Arrays.fill(sizes, data.dim(a) / n);
        return split(a, sizes);
    }

    // ------------------------------------------------------------------ indexing

    /**
     * Row lookup in a table {@code [V, D...]}: the rows named by {@code indices}, shaped
     * {@code indexShape + [D...]}. The gradient adds into the looked-up rows (an embedding lookup).
     */
    public Tensor take(int[] indices, int... indexShape) {
        int[] s = data.shape();
        NdArray y = data.take(indices, indexShape);
        int[] ix = indices.clone();   // the caller may refill its index buffer before backward
        return custom("take", y, g -> new NdArray[] {NdArray.zeros(g.dtype(), s).indexAddInPlace(ix, g)}, this);
    }

    /** For {@code [N, C]}, element {@code [i, labels[i]]} of every row, as {@code [N]}. */
    public Tensor pick(int[] labels) {
        int[] s = data.shape();
        NdArray y = data.pick(labels);
        int[] lab = labels.clone();   // the caller may refill its label buffer before backward
        return custom("pick", y, g -> {
            NdArray out = NdArray.zeros(g.dtype(), s);
            for (int i = 0; i < lab.length; i++) out.setFlat(i * s[1] + lab[i], g.getFlat(i));
            return new NdArray[] {out};
        }, this);
    }
}
