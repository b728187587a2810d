package dev.jrnn.train;

import dev.jrnn.io.AtomicFiles;
import dev.jrnn.io.Safetensors;
import dev.jrnn.nn.Module;
import dev.jrnn.nn.Parameter;
import dev.jrnn.optim.DivergedException;
import dev.jrnn.optim.Optimizer;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Shapes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A training checkpoint: one safetensors file holding everything needed to continue a run exactly.
 *
 * <ul>
 *   <li>tensors {@code model.NAME}: the model's parameters under their PyTorch {@code state_dict} names;</li>
 *   <li>tensors {@code optim.KEY}: the optimizer state ({@link Optimizer#state()}: step, lr, skipped, moments);</li>
 *   <li>tensors {@code state.K}: the recurrent state carried into the next step ({@link StepSource#carried()}: the
 *       truncated-BPTT state of a run stopped mid-epoch), none when nothing is carried;</li>
 *   <li>string metadata: {@code format = jrnn-checkpoint}, {@code version = 2}, {@code optimizer} (its name),
 *       {@code epoch} (0-based epoch to continue), {@code batch} (next step within it), {@code step}, the
 *       random generators' states ({@code rng.NAME}), the history so far (CSV), the trainer's counters, and
 *       {@code config}: a JSON text describing the run.</li>
 * </ul>
 *
 * <p>Writing is atomic ({@link AtomicFiles}: temporary file, fsync, rename): a crash mid-write leaves the
 * previous checkpoint intact. Reading validates the file (header, format, version) and {@link #restore}
 * validates every name and shape against the model and optimizer before changing anything. No Java
 * serialization is involved anywhere.
 */
public final class Checkpoint {
    /** The value of the {@code format} metadata key. */
    public static final String FORMAT = "jrnn-checkpoint";
    /** The format version this code writes and reads. */
    public static final int VERSION = 2;
    private static final String MODEL = "model.";
    private static final String OPTIM = "optim.";
    private static final String STATE = "state.";

    private final Path source;
    private final Map<String, NdArray> model;
    private final Map<String, NdArray> optimizer;
    private final Map<String, NdArray> carried;
    private final Map<String, String> metadata;

    private Checkpoint(Path source, Map<String, NdArray> model, Map<String, NdArray> optimizer, Map<String, NdArray> carried,
                       Map<String, String> metadata) {
        this.source = source;
        this.model = model;
        this.optimizer = optimizer;
        this.carried = carried;
        this.metadata = metadata;
    }

    /** Test hook: called once half of the file's bytes are written (to simulate a crash mid-write). */
    @FunctionalInterface
    interface HalfwayHook {
        void halfway() throws IOException;
    }

    /**
     * Writes a checkpoint atomically.
     *
     * @param path      the file ({@code .safetensors}); its directory must exist
     * @param model     the model whose parameters are saved
     * @param optimizer the optimizer whose state is saved
     * @param metadata  extra string metadata (epoch, step, rng states, config...); keys must not be
     *                  {@code format}, {@code version} or {@code optimizer}
     * @throws IOException when writing fails; the previous file at {@code path} is then intact
     * @throws DivergedException when a parameter holds NaN or an infinity (nothing is written)
     */
    public static void write(Path path, Module model, Optimizer optimizer, Map<String, String> metadata) throws IOException {
        write(path, model, optimizer, metadata, Map.of(), null);
    }

    /** {@link #write(Path, Module, Optimizer, Map)} with the carried recurrent state ({@code state.K} tensors). */
    public static void write(Path path, Module model, Optimizer optimizer, Map<String, String> metadata,
                             Map<String, NdArray> carried) throws IOException {
        write(path, model, optimizer, metadata, carried, null);
    }

    static void write(Path path, Module model, Optimizer optimizer, Map<String, String> metadata, HalfwayHook hook)
            throws IOException {
        write(path, model, optimizer, metadata, Map.of(), hook);
    }

    private static void write(Path path, Module model, Optimizer optimizer, Map<String, String> metadata,
                              Map<String, NdArray> carried, HalfwayHook hook) throws IOException {
        model.namedParameters().forEach((n, p) -> {
            if (!p.data().allFinite()) {                 // a diverged run must not replace the last good checkpoint
                throw new DivergedException(0, "checkpoint " + path + " not written: parameter '" + n
                        + "' holds NaN or infinite values (training diverged)");
            }
        });
        Map<String, NdArray> tensors = new LinkedHashMap<>();
        model.stateDict().forEach((n, v) -> tensors.put(MODEL + n, v));
        optimizer.state().forEach((k, v) -> tensors.put(OPTIM + k, v));
        carried.forEach((k, v) -> tensors.put(STATE + k, v));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("version", Integer.toString(VERSION));
        meta.put("optimizer", optimizer.name());
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            if (meta.containsKey(e.getKey())) {
                throw new IllegalArgumentException("Checkpoint.write: metadata key '" + e.getKey() + "' is reserved");
            }
            meta.put(e.getKey(), e.getValue());
        }
        byte[] bytes = Safetensors.encode(tensors, meta);
        AtomicFiles.write(path, out -> {
            int half = bytes.length / 2;
            out.write(bytes, 0, half);
            if (hook != null) {
                out.flush();
                hook.halfway();
            }
            out.write(bytes, half, bytes.length - half);
        });
    }

    /**
     * Reads and checks a checkpoint file: that it is a well-formed safetensors file (not truncated, a valid
     * header), that it is a jrnn checkpoint of a supported version. Nothing is restored yet: see {@link #restore}.
     *
     * @throws IOException naming the file and the problem
     */
    public static Checkpoint read(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new IOException("checkpoint " + path + ": no such file");
        }
        Safetensors.File file;
        try {
            file = Safetensors.readWithMetadata(path);
        } catch (IOException e) {
            throw new IOException("checkpoint " + path + " is damaged (truncated or not a safetensors file?): "
                    + e.getMessage(), e);
        }
        Map<String, String> meta = file.metadata();
        if (!FORMAT.equals(meta.get("format"))) {
            throw new IOException("checkpoint " + path + ": not a jrnn checkpoint (metadata format is "
                    + (meta.get("format") == null ? "missing" : "'" + meta.get("format") + "'") + ", expected '" + FORMAT
                    + "'); a plain weights file loads with Safetensors.read");
        }
        String version = meta.get("version");
        if ("1".equals(version)) {
            throw new IOException("checkpoint " + path + " was written by an older jrnn (checkpoint version 1, before the "
                    + "one training loop) and cannot be resumed; start a new run in another directory");
        }
        if (!Integer.toString(VERSION).equals(version)) {
            throw new IOException("checkpoint " + path + ": unsupported version " + version + " (this jrnn reads version "
                    + VERSION + ")");
        }
        Map<String, NdArray> model = new LinkedHashMap<>(), optim = new LinkedHashMap<>(), state = new LinkedHashMap<>();
        List<String> stray = new ArrayList<>();
        file.tensors().forEach((n, v) -> {
            if (n.startsWith(MODEL)) model.put(n.substring(MODEL.length()), v);
            else if (n.startsWith(OPTIM)) optim.put(n.substring(OPTIM.length()), v);
            else if (n.startsWith(STATE)) state.put(n.substring(STATE.length()), v);
            else stray.add(n);
        });
        if (!stray.isEmpty()) {
            throw new IOException("checkpoint " + path + ": tensors " + stray + " are neither model.*, optim.* nor state.*");
        }
        return new Checkpoint(path, Collections.unmodifiableMap(model), Collections.unmodifiableMap(optim),
                Collections.unmodifiableMap(state), Collections.unmodifiableMap(new LinkedHashMap<>(meta)));
    }

    /**
     * Copies the saved parameters into {@code model} and the saved state into {@code optimizer}. Everything is
     * checked first (the optimizer's kind, every parameter name and shape, every optimizer key), and nothing is
     * changed when anything is wrong.
     *
     * @throws IllegalArgumentException naming every mismatch
     */
    public void restore(Module model, Optimizer optimizer) {
        List<String> problems = modelProblems(model);
        String kind = metadata.get("optimizer");
        if (!optimizer.name().equals(kind)) {
            problems.add("the checkpoint's optimizer is " + kind + ", this one is " + optimizer.name());
        } else {
            try {
                optimizer.checkState(this.optimizer);
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("checkpoint " + source + " does not fit this model/optimizer, nothing "
                    + "was restored: " + String.join("; ", problems));
        }
        model.loadStateDict(this.model);
        optimizer.loadState(this.optimizer);
    }

    private List<String> modelProblems(Module model) {
        List<String> problems = new ArrayList<>();
        Map<String, Parameter> mine = model.namedParameters();
        TreeSet<String> missing = new TreeSet<>(mine.keySet());
        missing.removeAll(this.model.keySet());
        TreeSet<String> unexpected = new TreeSet<>(this.model.keySet());
        unexpected.removeAll(mine.keySet());
        if (!missing.isEmpty()) problems.add("parameters missing from the checkpoint: " + missing);
        if (!unexpected.isEmpty()) problems.add("parameters the model does not have: " + unexpected);
        mine.forEach((n, p) -> {
            NdArray v = this.model.get(n);
            if (v != null && !Arrays.equals(v.shape(), p.shape())) {
                problems.add("'" + n + "' has shape " + Shapes.str(v.shape()) + " in the checkpoint, the model has "
                        + Shapes.str(p.shape()));
            }
        });
        return problems;
    }

    /** The saved parameters by name. */
    public Map<String, NdArray> modelState() { return model; }

    /** The saved optimizer state. */
    public Map<String, NdArray> optimizerState() { return optimizer; }

    /** The saved carried recurrent state ({@link StepSource#carried()}), empty when none. */
    public Map<String, NdArray> carried() { return carried; }

    /** All metadata. */
    public Map<String, String> metadata() { return metadata; }

    /** A metadata value; throws naming the key when it is missing. */
    public String get(String key) {
        String v = metadata.get(key);
        if (v == null) {
            throw new IllegalArgumentException("checkpoint " + source + ": metadata '" + key + "' is missing");
        }
        return v;
    }

    /** A metadata value as a long; throws naming the key when it is missing or not a number. */
    public long getLong(String key) {
        try {
            return Long.parseLong(get(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("checkpoint " + source + ": metadata '" + key + "' is not an integer: "
                    + get(key));
        }
    }

    /**
     * A metadata value as a long in {@code [min, max]}; a checkpoint edited by hand or damaged is refused with a
     * message naming the file, the key, the allowed range and the value.
     */
    public long getLong(String key, long min, long max) {
        long v = getLong(key);
        if (v < min || v > max) throw outOfRange(key, Long.toString(v), min + " to " + max);
        return v;
    }

    /** {@link #getLong(String, long, long)} for an int field. */
    public int getInt(String key, int min, int max) {
        return (int) getLong(key, min, max);
    }

    /**
     * A metadata value as a double in {@code [min, max]} (never NaN; infinities only where a bound is infinite),
     * refused like {@link #getLong(String, long, long)} otherwise.
     */
    public double getDouble(String key, double min, double max) {
        double v = getDouble(key);
        if (!(v >= min && v <= max)) throw outOfRange(key, get(key), min + " to " + max);
        return v;
    }

    /** The error for a metadata value outside its range: the file, the key, the range and the value. */
    public IllegalArgumentException outOfRange(String key, String value, String allowed) {
        return new IllegalArgumentException("checkpoint " + source + ": metadata '" + key + "' is " + value
                + ", outside the allowed range " + allowed + " (was the file edited or damaged?)");
    }

    /** A metadata value as a double (written with {@link Double#toString}). */
    public double getDouble(String key) {
        try {
            return Double.parseDouble(get(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("checkpoint " + source + ": metadata '" + key + "' is not a number: "
                    + get(key));
        }
    }
}
