package dev.jrnn.autograd;

import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Checks analytic gradients against central differences, in float64.
 *
 * <p>The function's output {@code y} is reduced to the scalar {@code L = sum(y * w)} with fixed random
 * weights {@code w}, so every output element matters and no two errors can cancel by symmetry. For each
 * input element {@code x_i}, the numeric derivative is {@code (L(x_i + eps) - L(x_i - eps)) / (2 eps)}
 * with {@link #EPS}. An element passes when {@code |analytic - numeric| <= ABS_TOL} (the floor for tiny
 * gradients) or {@code |analytic - numeric| / max(|analytic|, |numeric|) <= REL_TOL}.
 *
 * <pre>{@code
 * GradCheck.assertMatches(x -> x[0].matmul(x[1]).tanh(), a, b);   // a, b: NdArrays, any dtype
 * }</pre>
 */
public final class GradCheck {
    /** Finite-difference step. */
    public static final double EPS = 1e-6;
    /** Largest relative error accepted. */
    public static final double REL_TOL = 1e-5;
    /** Absolute differences below this always pass (gradients near zero). */
    public static final double ABS_TOL = 1e-8;

    private GradCheck() {}

    /**
     * The outcome of a check: the worst element, where it is, and both derivative values there.
     *
     * @param maxError    largest error over all elements (0 for elements within {@link #ABS_TOL})
     * @param input       index of the input holding the worst element
     * @param index       flat index of the worst element in that input
     * @param analytic    the backward pass's derivative there
     * @param numeric     the central difference there
     * @param checked     number of elements compared
     */
    public record Report(double maxError, int input, int index, double analytic, double numeric, int checked) {
        /** Whether every element passed. */
        public boolean passed() {
            return maxError <= REL_TOL;
        }

        @Override
        public String toString() {
            return String.format("gradient check %s: max relative error %.3g (tolerance %.0g, absolute floor %.0g) at "
                    + "input %d, element %d: analytic %.10g, numeric %.10g; %d elements checked",
                    passed() ? "passed" : "FAILED", maxError, REL_TOL, ABS_TOL, input, index, analytic, numeric, checked);
        }
    }

    /**
     * Checks {@code f} at the given inputs. The inputs are converted to float64 leaves that require
     * gradients; their originals are not modified.
     */
    public static Report check(Function<Tensor[], Tensor> f, NdArray... inputs) {
        Tensor[] leaves = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            leaves[i] = Tensor.variable(inputs[i].to(DType.FLOAT64).copy());
        }
        return check(() -> f.apply(leaves), List.of(leaves));
    }

    /**
     * Checks the gradient of {@code f} with respect to {@code wrt}: float64 leaves that {@code f} reads
     * (for example a layer's parameters). They are perturbed in place and restored.
     */
    public static Report check(Supplier<Tensor> f, List<Tensor> wrt) {
        for (Tensor t : wrt) {
            if (t.dtype() != DType.FLOAT64 || !t.isLeaf() || !t.requiresGrad()) {
                throw new IllegalArgumentException("GradCheck: every tensor checked must be a float64 leaf that requires "
                        + "a gradient; got " + t.dtype() + (t.isLeaf() ? " leaf" : " output of " + t.op())
                        + (t.requiresGrad() ? "" : " without requiresGrad"));
            }
            t.zeroGrad();
        }
        NdArray w;
        try (var scope = Autograd.enableGrad()) {   // the analytic pass needs a graph, even inside noGrad()
            Tensor y = f.get();
            w = NdArray.rand(new Rng(1234), DType.FLOAT64, -1, 1, y.shape());
            y.mul(Tensor.constant(w)).sum().backward();
        }
        List<NdArray> analytic = new ArrayList<>();
        for (Tensor t : wrt) {
            analytic.add(t.grad() == null ? t.data().zerosLike() : t.grad().copy());
        }
        double worst = -1, wa = 0, wn = 0;
        int wi = -1, wk = -1, checked = 0;
        try (var scope = Autograd.noGrad()) {
            for (int i = 0; i < wrt.size(); i++) {
                NdArray x = wrt.get(i).data();
                for (int k = 0; k < x.size(); k++) {
                    double orig = x.getFlat(k);
                    x.setFlat(k, orig + EPS);
                    double up = f.get().data().mul(w).sum().item();
                    x.setFlat(k, orig - EPS);
                    double down = f.get().data().mul(w).sum().item();
                    x.setFlat(k, orig);
                    double num = (up - down) / (2 * EPS);
                    double ana = analytic.get(i).getFlat(k);
                    double diff = Math.abs(ana - num);
                    double err = diff <= ABS_TOL ? 0 : diff / Math.max(Math.abs(ana), Math.abs(num));
                    if (Double.isNaN(diff)) {
                        err = Double.POSITIVE_INFINITY;
                    }
                    checked++;
                    if (err > worst) {
                        worst = err;
                        wi = i;
                        wk = k;
                        wa = ana;
                        wn = num;
                    }
                }
            }
        }
        for (Tensor t : wrt) {
            t.zeroGrad();
        }
        return new Report(Math.max(worst, 0), wi, wk, wa, wn, checked);
    }

    /** Runs {@link #check(Function, NdArray...)} and throws an {@link AssertionError} with the report when it fails. */
    public static Report assertMatches(Function<Tensor[], Tensor> f, NdArray... inputs) {
        Report r = check(f, inputs);
        if (!r.passed()) {
            throw new AssertionError(r.toString());
        }
        return r;
    }

    /** Runs {@link #check(Supplier, List)} and throws an {@link AssertionError} with the report when it fails. */
    public static Report assertMatches(Supplier<Tensor> f, List<Tensor> wrt) {
        Report r = check(f, wrt);
        if (!r.passed()) {
            throw new AssertionError(r.toString());
        }
        return r;
    }
}
