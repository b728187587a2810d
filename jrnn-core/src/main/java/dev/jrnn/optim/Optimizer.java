package dev.jrnn.optim;

import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Shapes;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Updates parameters from their gradients.
 *
 * <p>Lifecycle per training step: {@link #zeroGrad()}, forward, {@code loss.backward()}, optionally clip
 * ({@link GradClip}), then {@link #step()} (or {@link #checkedStep(double)}, which first checks that every
 * gradient is finite). Frozen parameters and parameters without a gradient are left unchanged. The learning
 * rate lives here ({@link #lr()}, {@link #setLr(double)}), so schedules work on every optimizer alike.
 *
 * <p>State: {@link #state()} returns everything an optimizer accumulates (the step count, the learning rate,
 * the number of skipped steps and each parameter's moments or velocities) as named arrays, and
 * {@link #loadState(Map)} restores them exactly, so a resumed run continues bit for bit. Per-parameter keys
 * are {@code INDEX.NAME.SLOT}, e.g. {@code 0.rnn.weight_ih_l0.exp_avg}; the names come from
 * {@link #names(Map)} (default {@code param0}, {@code param1}, ...), so a checkpoint cannot be loaded into
 * a differently ordered or differently named model without an error saying so.
 */
public abstract class Optimizer {
    /** Key of the step count (a float64 scalar, exact up to 2^53 steps). */
    public static final String STEP_KEY = "step";
    /** Key of the current learning rate (a float64 scalar). */
    public static final String LR_KEY = "lr";
    /** Key of the number of skipped non-finite steps (a float64 scalar). */
    public static final String SKIPPED_KEY = "skipped";

    /** What {@link #checkedStep(double)} does when a gradient is NaN or infinite. */
    public enum NonFinitePolicy {
        /** Throw a {@link NonFiniteGradientException} naming the step, the loss and the parameter (the default). */
        THROW,
        /** Leave the parameters and the optimizer state unchanged, clear the gradients and count the step as skipped. */
        SKIP
    }

    /** The parameters this optimizer updates, in a fixed order (its state is indexed by it). */
    protected final List<Parameter> params;
    private final List<String> names = new ArrayList<>();
    private double lr;
    private long steps;
    private long skipped;
    private NonFinitePolicy nonFinitePolicy = NonFinitePolicy.THROW;

    /**
     * An optimizer over {@code params} starting at learning rate {@code lr}.
     *
     * @param params the parameters, in the order the state is kept (not empty)
     * @param lr     the initial learning rate, a finite number &gt; 0
     */
    protected Optimizer(List<Parameter> params, double lr) {
        if (params == null || params.isEmpty()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": no parameters to optimize");
        }
        this.params = List.copyOf(params);
        for (int i = 0; i < this.params.size(); i++) names.add("param" + i);
        this.lr = check(getClass().getSimpleName(), "lr", lr, Double.MIN_VALUE, Double.MAX_VALUE);   // name() may need subclass fields
    }

    /** The optimizer's name in messages ({@code Sgd}, {@code Adam}, {@code AdamW}, ...). */
    public String name() {
        return getClass().getSimpleName();
    }

    /** The hyperparameters, a validated config record of the concrete optimizer. */
    public abstract Record config();

    /** The name and the hyperparameters, e.g. for checkpoint metadata. */
    @Override
    public String toString() {
        return name() + " " + config() + " (current lr " + lr() + ")";
    }

    // ------------------------------------------------------------------ stepping

    /** Applies one update to every parameter that has a gradient and counts the step. */
    public final void step() {
        steps++;
        update(steps);
    }

    /**
     * The update rule: changes every parameter that has a gradient and is not frozen.
     *
     * @param t the 1-based number of this step (Adam's bias correction uses it)
     */
    protected abstract void update(long t);

    /**
     * Checks every gradient, then {@linkplain #step() steps}. When a gradient holds NaN or an infinity (the
     * symptom of exploding gradients): under {@link NonFinitePolicy#THROW} throws a
     * {@link NonFiniteGradientException} naming the step, the loss and the first such parameter; under
     * {@link NonFinitePolicy#SKIP} changes nothing, clears the gradients, counts the step in
     * {@link #skippedSteps()} and returns false.
     *
     * @param loss the loss of this step, for the message (may itself be NaN)
     * @return true when the update was applied
     */
    public boolean checkedStep(double loss) {
        return checkedStep(loss, Double.NaN);
    }

    /**
     * {@link #checkedStep(double)} for a caller that has just computed the gradients' global norm (e.g. the value
     * returned by {@link GradClip#byGlobalNorm}): a finite norm proves every gradient finite, so the scan of all
     * gradients is skipped; a NaN or infinite norm (or NaN for "not known") scans as usual.
     *
     * @param loss     the loss of this step, for the message
     * @param gradNorm the global L2 norm of the gradients as they are now or before a clip that only scaled them
     * @return true when the update was applied
     */
    public boolean checkedStep(double loss, double gradNorm) {
        int bad = Double.isFinite(gradNorm) ? -1 : firstNonFiniteGradient();
        if (bad >= 0) {
            if (nonFinitePolicy == NonFinitePolicy.SKIP) {
                skipped++;
                zeroGrad();
                return false;
            }
            NdArray g = params.get(bad).grad();
            throw new NonFiniteGradientException(steps + 1, loss, names.get(bad), describeNonFinite(g), lr);
        }
        step();
        return true;
    }

    /** The index of the first parameter whose gradient holds NaN or an infinity, or -1 when all are finite. */
    public int firstNonFiniteGradient() {
        for (int i = 0; i < params.size(); i++) {
            NdArray g = params.get(i).grad();
            if (g != null && !g.allFinite()) {
                return i;
            }
        }
        return -1;
    }

    private static String describeNonFinite(NdArray g) {
        int nan = 0, inf = 0;
        for (int k = 0; k < g.size(); k++) {
            double v = g.getFlat(k);
            if (Double.isNaN(v)) nan++;
            else if (Double.isInfinite(v)) inf++;
        }
        return nan + " NaN and " + inf + " infinite of " + g.size() + " elements";
    }

    /** Sets what {@link #checkedStep(double)} does with a non-finite gradient; returns this. */
    public Optimizer nonFinitePolicy(NonFinitePolicy policy) {
        this.nonFinitePolicy = java.util.Objects.requireNonNull(policy, "policy");
        return this;
    }

    /** The current policy for non-finite gradients (default {@link NonFinitePolicy#THROW}). */
    public NonFinitePolicy nonFinitePolicy() {
        return nonFinitePolicy;
    }

    /** Number of updates applied so far (skipped steps are not counted). */
    public long steps() {
        return steps;
    }

    /** Number of steps skipped because a gradient was not finite. */
    public long skippedSteps() {
        return skipped;
    }

    /** Clears every parameter's gradient. */
    public void zeroGrad() {
        for (Parameter p : params) p.zeroGrad();
    }

    /** The parameters, in the optimizer's order. */
    public List<Parameter> parameters() {
        return params;
    }

    // ------------------------------------------------------------------ learning rate

    /** The current learning rate (schedules change it; the config record keeps the initial one). */
    public double lr() {
        return lr;
    }

    /** Sets the learning rate, a finite number &gt; 0; an invalid value is refused and the rate left unchanged. */
    public void setLr(double lr) {
        this.lr = check(name(), "lr", lr, Double.MIN_VALUE, Double.MAX_VALUE);
    }

    // ------------------------------------------------------------------ names and state

    /**
     * Names the parameters from a model's {@code namedParameters()} (the first name of each parameter, by
     * identity), for state keys and error messages; returns this.
     *
     * @throws IllegalArgumentException when a parameter of this optimizer has no name in {@code named}
     */
    public Optimizer names(Map<String, ? extends Parameter> named) {
        Map<Parameter, String> byIdentity = new IdentityHashMap<>();
        named.forEach((n, p) -> byIdentity.putIfAbsent(p, n));
        List<String> out = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            String n = byIdentity.get(params.get(i));
            if (n == null) {
                throw new IllegalArgumentException(name() + ".names: parameter #" + i + " "
                        + Shapes.str(params.get(i).shape()) + " has no name in the given map (pass the model's "
                        + "namedParameters())");
            }
            out.add(n);
        }
        names.clear();
        names.addAll(out);
        return this;
    }

    /** The parameter names, in the optimizer's order. */
    public List<String> parameterNames() {
        return List.copyOf(names);
    }

    /**
     * The per-parameter state arrays by slot name ({@code exp_avg}, {@code momentum_buffer}, ...): the live
     * arrays, indexed like {@link #params}, with {@code null} where a parameter has no state yet. The base class
     * reads and writes them for {@link #state()} and {@link #loadState(Map)}.
     */
    protected abstract Map<String, NdArray[]> slots();

    /**
     * A copy of the whole optimizer state: {@value #STEP_KEY}, {@value #LR_KEY}, {@value #SKIPPED_KEY}
     * (float64 scalars) and {@code INDEX.NAME.SLOT} for every per-parameter array that exists.
     */
    public Map<String, NdArray> state() {
        Map<String, NdArray> out = new LinkedHashMap<>();
        out.put(STEP_KEY, NdArray.scalar(DType.FLOAT64, steps));
        out.put(LR_KEY, NdArray.scalar(DType.FLOAT64, lr));
        out.put(SKIPPED_KEY, NdArray.scalar(DType.FLOAT64, skipped));
        slots().forEach((slot, arrays) -> {
            for (int i = 0; i < arrays.length; i++) {
                if (arrays[i] != null) out.put(key(i, slot), arrays[i].copy());
            }
        });
        return out;
    }

    private String key(int i, String slot) {
        return i + "." + names.get(i) + "." + slot;
    }

    /**
     * Restores a state returned by {@link #state()} (of an optimizer of the same kind over parameters of the
     * same names and shapes). Everything is validated before anything changes: unknown or mismatched keys
     * (another parameter order or naming), shapes, dtypes and non-integral counters are all listed in one error.
     *
     * @throws IllegalArgumentException naming every problem; this optimizer is then unchanged
     */
    public void loadState(Map<String, NdArray> state) {
        checkState(state);
        Map<String, NdArray[]> slots = slots();
        steps = (long) state.get(STEP_KEY).getFlat(0);
        lr = state.get(LR_KEY).getFlat(0);
        skipped = (long) state.get(SKIPPED_KEY).getFlat(0);
        slots.forEach((slot, arrays) -> {
            for (int i = 0; i < arrays.length; i++) {
                NdArray v = state.get(key(i, slot));
                arrays[i] = v == null ? null : v.copy();
            }
        });
    }

    /**
     * Validates a state for {@link #loadState(Map)} without changing anything (checkpoints call this before
     * they restore anything).
     *
     * @throws IllegalArgumentException naming every problem
     */
    public void checkState(Map<String, NdArray> state) {
        List<String> problems = new ArrayList<>();
        double[] scalars = new double[3];
        String[] scalarKeys = {STEP_KEY, LR_KEY, SKIPPED_KEY};
        for (int k = 0; k < 3; k++) {
            NdArray v = state.get(scalarKeys[k]);
            if (v == null || v.size() != 1) {
                problems.add("'" + scalarKeys[k] + "' is " + (v == null ? "missing" : "not a scalar: " + Shapes.str(v.shape())));
                continue;
            }
            scalars[k] = v.getFlat(0);
        }
        if (problems.isEmpty()) {
            if (!(scalars[0] >= 0) || scalars[0] != Math.rint(scalars[0])) problems.add("step " + scalars[0] + " is not a count");
            if (!(scalars[2] >= 0) || scalars[2] != Math.rint(scalars[2])) problems.add("skipped " + scalars[2] + " is not a count");
            if (!(scalars[1] > 0) || Double.isInfinite(scalars[1])) problems.add("lr " + scalars[1] + " is not a finite number > 0");
        }
        Map<String, NdArray[]> slots = slots();
        Map<String, int[]> wanted = new LinkedHashMap<>();   // key -> (slot index, param index)
        List<String> slotNames = new ArrayList<>(slots.keySet());
        for (int s = 0; s < slotNames.size(); s++) {
            for (int i = 0; i < params.size(); i++) wanted.put(key(i, slotNames.get(s)), new int[] {s, i});
        }
        TreeSet<String> unexpected = new TreeSet<>();
        for (Map.Entry<String, NdArray> e : state.entrySet()) {
            String k = e.getKey();
            if (Arrays.asList(scalarKeys).contains(k)) {
                continue;
            }
            int[] where = wanted.get(k);
            if (where == null) {
                unexpected.add(k);
                continue;
            }
            Parameter p = params.get(where[1]);
            NdArray v = e.getValue();
            if (v == null || !Arrays.equals(v.shape(), p.shape())) {
                problems.add("'" + k + "' has shape " + (v == null ? "null" : Shapes.str(v.shape())) + ", the parameter has "
                        + Shapes.str(p.shape()));
            } else if (v.dtype() != p.dtype()) {
                problems.add("'" + k + "' is " + v.dtype() + ", the parameter is " + p.dtype());
            }
        }
        if (!unexpected.isEmpty()) {
            problems.add("unexpected keys " + unexpected + " (this " + name() + " expects " + String.join(", ", slotNames)
                    + " for parameters " + names + ")");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(name() + ".loadState: " + String.join("; ", problems));
        }
    }

    /** Checks a hyperparameter is finite and within [min, max]; names it and the optimizer otherwise. */
    protected static double check(String optimizer, String name, double value, double min, double max) {
        if (!Double.isFinite(value) || value < min || value > max) {
            throw new IllegalArgumentException(optimizer + ": " + name + " must be a finite number in [" + min + ", "
                    + max + "], got " + value);
        }
        return value;
    }
}
