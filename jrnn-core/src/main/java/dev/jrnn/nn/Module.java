package dev.jrnn.nn;

import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.tensor.Shapes;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Base of every layer and model: owns named {@link Parameter}s and child modules, and walks them
 * recursively. Names follow PyTorch's {@code state_dict}: a child's parameters are prefixed with the child's
 * name and a dot ({@code fc1.weight}, {@code 0.bias}).
 */
public abstract class Module {
    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** Registers a parameter under {@code name}; returns it. */
    protected final <P extends Parameter> P registerParameter(String name, P p) {
        checkName(name);
        params.put(name, p);
        return p;
    }

    /** Registers a child module under {@code name}; returns it. */
    protected final <M extends Module> M registerModule(String name, M m) {
        checkName(name);
        children.put(name, m);
        return m;
    }

    private void checkName(String name) {
        if (name == null || name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": invalid name '" + name
                    + "' (non-empty, no dots: dots separate nesting levels)");
        }
        if (params.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": name '" + name + "' is already registered");
        }
    }

    /**
     * Every random generator this module and its children draw from while training (dropout masks), by dotted name
     * ({@code rnn.dropout}, {@code dropout}). A trainer saves their states in checkpoints and restores them on resume,
     * so that a resumed run draws the same masks as an uninterrupted one.
     */
    public Map<String, Rng> generators() {
        Map<String, Rng> out = new LinkedHashMap<>(ownGenerators());
        children.forEach((n, m) -> m.generators().forEach((k, r) -> out.put(k.isEmpty() ? n : n + "." + k, r)));
        return out;
    }

    /**
     * The generators this module draws from itself (not its children's), by name; the empty name stands for the
     * module itself. None by default.
     */
    protected Map<String, Rng> ownGenerators() {
        return Map.of();
    }

    /**
     * All parameters of this module and its children, depth first, in registration order; a parameter
     * shared by two modules (tied weights) is listed once, so an optimizer updates it once.
     */
    public List<Parameter> parameters() {
        Set<Parameter> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Parameter> out = new ArrayList<>();
        for (Parameter p : namedParameters().values()) {
            if (seen.add(p)) out.add(p);
        }
        return out;
    }

    /** All parameters by their dotted names ({@code state_dict} order). */
    public Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect("", out);
        return out;
    }

    private void collect(String prefix, Map<String, Parameter> out) {
        params.forEach((n, p) -> out.put(prefix + n, p));
        children.forEach((n, m) -> m.collect(prefix + n + ".", out));
    }

    /** The direct children by name. */
    public Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /** Total number of scalar parameters (trainable and frozen; a shared parameter counts once). */
    public long parameterCount() {
        long n = 0;
        for (Parameter p : parameters()) n += p.data().size();
        return n;
    }

    /** Clears the gradients of all parameters. */
    public void zeroGrad() {
        for (Parameter p : parameters()) p.zeroGrad();
    }

    /** Sets training mode (dropout active) or evaluation mode, recursively; returns this. */
    public Module train(boolean on) {
        training = on;
        for (Module m : children.values()) m.train(on);
        return this;
    }

    /** Evaluation mode: {@code train(false)}. */
    public Module eval() {
        return train(false);
    }

    /** Whether this module is in training mode. */
    public boolean isTraining() {
        return training;
    }

    /** The parameter values by name (shared, not copied), like PyTorch's {@code state_dict()}. */
    public Map<String, NdArray> stateDict() {
        Map<String, NdArray> out = new LinkedHashMap<>();
        namedParameters().forEach((n, p) -> out.put(n, p.data()));
        return out;
    }

    /**
     * Copies values into the parameters by name. Everything is validated before anything is written:
     * missing names, unexpected names and shape mismatches are all listed in one error.
     */
    public void loadStateDict(Map<String, NdArray> state) {
        Map<String, Parameter> mine = namedParameters();
        List<String> problems = new ArrayList<>();
        TreeSet<String> missing = new TreeSet<>();
        for (String n : mine.keySet()) {
            if (state.get(n) == null) missing.add(n);   // a null value is as missing as an absent key
        }
        TreeSet<String> unexpected = new TreeSet<>(state.keySet());
        unexpected.removeAll(mine.keySet());
        if (!missing.isEmpty()) problems.add("missing: " + missing);
        if (!unexpected.isEmpty()) problems.add("unexpected: " + unexpected);
        mine.forEach((n, p) -> {
            NdArray v = state.get(n);
            if (v != null && !Arrays.equals(v.shape(), p.data().shape())) {
                problems.add(n + " has shape " + Shapes.str(v.shape()) + ", expected " + Shapes.str(p.data().shape()));
            }
        });
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ".loadStateDict: " + String.join("; ", problems));
        }
        mine.forEach((n, p) -> p.data().copyFrom(state.get(n)));
    }

    /** A one-line description of this module's configuration (children are listed by {@link #toString()}). */
    protected String describe() {
        return getClass().getSimpleName() + "()";
    }

    /** A tree of modules with their configurations, PyTorch style. */
    @Override
    public String toString() {
        if (children.isEmpty()) {
            return describe();
        }
        StringBuilder sb = new StringBuilder(getClass().getSimpleName()).append("(\n");
        children.forEach((n, m) -> sb.append("  (").append(n).append("): ")
                .append(m.toString().replace("\n", "\n  ")).append('\n'));
        return sb.append(')').toString();
    }
}
