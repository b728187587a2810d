package dev.jrnn.keras;

import dev.jrnn.io.Json;
import dev.jrnn.tensor.NdArray;
import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The contents of a Keras model file, read without Python: the model's configuration (the parsed JSON of
 * {@code model.to_json()}), the Keras version that wrote it, and each layer's weights in Keras's own order and
 * layout.
 *
 * <p>Three containers are read:
 * <ul>
 *   <li><b>Keras 3 {@code .keras}</b>: a zip holding {@code config.json}, {@code metadata.json} and
 *       {@code model.weights.h5}, where layer {@code L}'s weights are the datasets {@code 0, 1, ...} of
 *       {@code layers/L/vars}, then of its sub-objects ({@code cell/vars}; {@code forward_layer/...} before
 *       {@code backward_layer/...} for Bidirectional).</li>
 *   <li><b>Keras 1/2 full-model {@code .h5}</b>: the attribute {@code model_config} (JSON) and the group
 *       {@code model_weights/L}, whose attribute {@code weight_names} lists the layer's datasets in order.</li>
 *   <li><b>Keras 1/2 weights-only {@code .h5}</b> ({@code save_weights}): the same layer groups at the root, with the
 *       architecture given separately ({@link #withConfig}).</li>
 * </ul>
 * Every size is checked before anything is allocated: a dataset larger than {@value #MAX_ELEMENTS} elements, a
 * config over {@value #MAX_CONFIG_BYTES} bytes or a stored weights entry larger than its zip are refused.
 */
public final class KerasFile {
    /** Most elements in one weight array (1 GiB of float32). */
    static final long MAX_ELEMENTS = 1L << 28;
    /** Largest {@code config.json} / {@code model_config} accepted. */
    static final int MAX_CONFIG_BYTES = 64 << 20;

    private final String source;
    private final Map<String, Object> config;
    private final String kerasVersion;
    private final Map<String, List<NdArray>> weights;
    private final Map<String, List<String>> weightNames;

    private KerasFile(String source, Map<String, Object> config, String kerasVersion, Map<String, List<NdArray>> weights,
                      Map<String, List<String>> weightNames) {
        this.source = source;
        this.config = config;
        this.kerasVersion = kerasVersion;
        this.weights = weights;
        this.weightNames = weightNames;
    }

    /**
     * Reads a {@code .keras} zip or a full-model {@code .h5} file (told apart by their first bytes, not the name).
     *
     * @param file the model file
     * @return its configuration and weights
     * @throws KerasException one line naming the file and what is wrong with it
     */
    public static KerasFile read(Path file) throws KerasException {
        byte[] head = head(file);
        if (head.length >= 4 && head[0] == 'P' && head[1] == 'K') {
            return readZip(file);
        }
        if (isHdf5(head)) {
            try (HdfFile h = open(file)) {
                Attribute mc = h.getAttribute("model_config");
                if (mc == null) {
                    throw new KerasException(file + ": an HDF5 file without a model_config attribute (a weights-only file"
                            + " from save_weights?); give the architecture too: KerasFile.withConfig(config, weights)"
                            + " or jrnn import keras FILE OUT_DIR --architecture MODEL.json");
                }
                String version = stringAttribute(file.toString(), h, "keras_version", "unknown");
                Map<String, Object> config = parseConfig(file + ": attribute model_config", stringAttribute(file.toString(), h, "model_config", null));
                Node mw = h.getChild("model_weights");
                if (!(mw instanceof Group)) {
                    throw new KerasException(file + ": has a model_config but no model_weights group (saved with"
                            + " include_optimizer only, or cut short); expected model_weights/<layer>/...");
                }
                return legacy(file.toString(), config, version, (Group) mw);
            } catch (KerasException e) {
                throw e;
            } catch (RuntimeException e) {
                throw damaged(file, e);
            }
        }
        throw new KerasException(file + ": not a Keras model file; expected a .keras zip (starts with PK) or an HDF5 .h5"
                + " file (starts with \\x89HDF), found the bytes " + hex(head));
    }

    /**
     * Reads a Keras 1/2 weights-only {@code .h5} file ({@code model.save_weights}) against an architecture given as
     * the JSON of {@code model.to_json()}. A full-model {@code .h5} is accepted too (its {@code model_weights} group
     * is read, its own {@code model_config} ignored).
     *
     * @param configJson  the architecture, as {@code model.to_json()} writes it
     * @param weightsFile the HDF5 weights
     * @return the configuration and weights
     * @throws KerasException one line naming the file and what is wrong with it
     */
    public static KerasFile withConfig(String configJson, Path weightsFile) throws KerasException {
        Map<String, Object> config = parseConfig("the given model config", configJson);
        byte[] head = head(weightsFile);
        if (!isHdf5(head)) {
            throw new KerasException(weightsFile + ": not an HDF5 weights file; expected the bytes \\x89HDF, found " + hex(head));
        }
        try (HdfFile h = open(weightsFile)) {
            Node mw = h.getChild("model_weights");
            Group root = mw instanceof Group ? (Group) mw : h;
            String version = stringAttribute(weightsFile.toString(), root, "keras_version",
                    stringAttribute(weightsFile.toString(), h, "keras_version", "unknown"));
            Object declared = config.get("keras_version");
            if (declared instanceof String s) version = s;
            return legacy(weightsFile.toString(), config, version, root);
        } catch (KerasException e) {
            throw e;
        } catch (RuntimeException e) {
            throw damaged(weightsFile, e);
        }
    }

    /**
     * A model given as a configuration and weights in memory (for example built by a test or another reader).
     *
     * @param source       a name for messages
     * @param configJson   the architecture, as {@code model.to_json()} writes it
     * @param kerasVersion the Keras version whose conventions apply (e.g. {@code "2.2.4"}, {@code "3.8.0"})
     * @param weights      each layer's weights by layer name, in Keras's order and layout
     * @return the model file's contents
     * @throws KerasException when the JSON is not valid
     */
    public static KerasFile of(String source, String configJson, String kerasVersion, Map<String, List<NdArray>> weights)
            throws KerasException {
        Map<String, List<String>> names = new LinkedHashMap<>();
        for (Map.Entry<String, List<NdArray>> e : weights.entrySet()) {
            List<String> n = new ArrayList<>();
            for (int i = 0; i < e.getValue().size(); i++) n.add(e.getKey() + "/" + i);
            names.put(e.getKey(), n);
        }
        return new KerasFile(source, parseConfig(source + ": config", configJson), kerasVersion, new LinkedHashMap<>(weights), names);
    }

    /** Where the contents came from (the file name), for messages. */
    public String source() { return source; }

    /** The parsed model configuration ({@code class_name}, {@code config}, ...). */
    public Map<String, Object> config() { return config; }

    /** The Keras version that wrote the file ({@code "unknown"} when the file does not say). */
    public String kerasVersion() { return kerasVersion; }

    /** True for files from Keras 1 ({@code keras_version} 1.x: per-gate weights, {@code output_dim}, ...). */
    public boolean isKeras1() { return kerasVersion.startsWith("1."); }

    /** True for files from Keras 3 ({@code .keras}). */
    public boolean isKeras3() { return kerasVersion.startsWith("3."); }

    /**
     * The weights of one layer in the file's order, empty when the layer has none.
     *
     * @param layerName the layer's {@code name}
     * @return the arrays, as stored (Keras layout)
     */
    public List<NdArray> weights(String layerName) {
        return weights.getOrDefault(layerName, List.of());
    }

    /**
     * The names of one layer's weights as the file stores them ({@code lstm_1/kernel:0}, {@code lstm_1_W_i:0},
     * {@code layers/lstm/cell/vars/0}), parallel to {@link #weights}.
     *
     * @param layerName the layer's {@code name}
     * @return the names, empty when the layer has no weights
     */
    public List<String> weightNames(String layerName) {
        return weightNames.getOrDefault(layerName, List.of());
    }

    /** The names of the layers that have weights in the file. */
    public java.util.Set<String> layersWithWeights() { return weights.keySet(); }

    // ------------------------------------------------------------------ .keras

    private static KerasFile readZip(Path file) throws KerasException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            long fileSize = Files.size(file);
            String configText = new String(entry(file, zip, "config.json", MAX_CONFIG_BYTES), StandardCharsets.UTF_8);
            Map<String, Object> config = parseConfig(file + ": config.json", configText);
            String version = "3";
            if (zip.getEntry("metadata.json") != null) {
                Object meta = parseConfig(file + ": metadata.json",
                        new String(entry(file, zip, "metadata.json", MAX_CONFIG_BYTES), StandardCharsets.UTF_8))
                        .get("keras_version");
                if (meta instanceof String s) version = s;
            }
            ZipEntry we = zip.getEntry("model.weights.h5");
            // a stored entry cannot be larger than its zip; a compressed one may, up to one Java array
            long limit = we != null && we.getMethod() == ZipEntry.STORED ? fileSize : Integer.MAX_VALUE - 8;
            byte[] h5 = entry(file, zip, "model.weights.h5", limit);
            if (!isHdf5(h5)) {
                throw new KerasException(file + ": model.weights.h5 inside the zip is not HDF5 (first bytes " + hex(h5) + ")");
            }
            try (HdfFile h = HdfFile.fromBytes(h5)) {
                Map<String, List<NdArray>> weights = new LinkedHashMap<>();
                Map<String, List<String>> names = new LinkedHashMap<>();
                Node layers = h.getChild("layers");
                if (layers instanceof Group g) {
                    for (Node n : g.getChildren().values()) {
                        if (n instanceof Group lg) {
                            List<NdArray> ws = new ArrayList<>();
                            List<String> wn = new ArrayList<>();
                            collectVars(file + ": model.weights.h5", lg, ws, wn);
                            weights.put(n.getName(), ws);
                            names.put(n.getName(), wn);
                        }
                    }
                }
                return new KerasFile(file.toString(), config, version, weights, names);
            } catch (KerasException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new KerasException(file + ": model.weights.h5 inside the zip cannot be read as HDF5 (damaged or cut"
                        + " short): " + e.getMessage(), e);
            }
        } catch (java.util.zip.ZipException e) {
            throw new KerasException(file + ": not a readable .keras zip (damaged or cut short): " + e.getMessage(), e);
        } catch (IOException e) {
            if (e instanceof KerasException k) throw k;
            throw new KerasException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static byte[] entry(Path file, ZipFile zip, String name, long limit) throws IOException {
        ZipEntry e = zip.getEntry(name);
        if (e == null) {
            throw new KerasException(file + ": the .keras zip has no " + name + " (a .keras file holds config.json,"
                    + " metadata.json and model.weights.h5)");
        }
        long size = e.getSize();
        if (size < 0 || size > limit) {
            throw new KerasException(file + ": " + name + " declares " + size + " bytes, more than the " + limit
                    + " it can hold (damaged zip directory?)");
        }
        try (InputStream in = zip.getInputStream(e)) {
            byte[] b = in.readNBytes((int) size);
            if (b.length != size) {
                throw new KerasException(file + ": " + name + " is cut short: " + b.length + " of " + size + " bytes");
            }
            return b;
        }
    }

    /** Keras 3 weight order: this object's {@code vars/0..n-1}, then its sub-objects (forward before backward). */
    private static void collectVars(String where, Group g, List<NdArray> out, List<String> names) throws KerasException {
        Node vars = g.getChild("vars");
        if (vars instanceof Group vg) {
            for (int i = 0; ; i++) {
                Node n = vg.getChild(Integer.toString(i));
                if (n == null) break;
                out.add(array(where, vg.getPath() + i, n));
                names.add(vg.getPath() + i);
            }
        }
        List<Node> children = new ArrayList<>(g.getChildren().values());
        children.sort((a, b) -> Integer.compare(childRank(a.getName()), childRank(b.getName())));
        for (Node c : children) {
            if (c instanceof Group cg && !c.getName().equals("vars")) collectVars(where, cg, out, names);
        }
    }

    private static int childRank(String name) {
        return name.startsWith("forward") ? 0 : name.startsWith("backward") ? 2 : 1;
    }

    // ------------------------------------------------------------------ .h5 (Keras 1/2)

    private static KerasFile legacy(String file, Map<String, Object> config, String version, Group root) throws KerasException {
        Map<String, List<NdArray>> out = new LinkedHashMap<>();
        Map<String, List<String>> outNames = new LinkedHashMap<>();
        for (Node n : root.getChildren().values()) {
            if (!(n instanceof Group g)) continue;
            Attribute names = g.getAttribute("weight_names");
            List<NdArray> ws = new ArrayList<>();
            if (names != null && !names.isEmpty()) {
                Object data = names.getData();
                if (!(data instanceof String[] list)) {
                    throw new KerasException(file + ": layer group " + g.getPath() + " has a weight_names attribute of "
                            + data.getClass().getSimpleName() + ", expected an array of strings");
                }
                for (String w : list) {
                    Node d = g.getByPath(w);
                    if (d == null) {
                        throw new KerasException(file + ": layer group " + g.getPath() + " lists the weight " + w
                                + " in weight_names but has no such dataset");
                    }
                    ws.add(array(file, g.getPath() + w, d));
                }
                outNames.put(g.getName(), List.of(list));
            }
            out.put(g.getName(), ws);
        }
        return new KerasFile(file, config, version, out, outNames);
    }

    // ------------------------------------------------------------------ helpers

    private static NdArray array(String file, String path, Node n) throws KerasException {
        if (!(n instanceof Dataset d)) {
            throw new KerasException(file + ": " + path + " is a group, expected a weight dataset");
        }
        int[] dims = d.getDimensions();
        long count = 1;
        for (int x : dims) {
            if (x < 0) throw new KerasException(file + ": dataset " + path + " has a negative dimension");
            count *= x;
            if (count > MAX_ELEMENTS) {
                throw new KerasException(file + ": dataset " + path + " has shape " + java.util.Arrays.toString(dims)
                        + ", more than the " + MAX_ELEMENTS + " elements jrnn reads into one array");
            }
        }
        Class<?> type = d.getJavaType();
        if (type != float.class && type != double.class) {
            throw new KerasException(file + ": dataset " + path + " holds " + type.getSimpleName()
                    + " values; Keras weights are expected as float32 or float64");
        }
        Object flat = count == 0 ? (type == float.class ? new float[0] : new double[0]) : d.getDataFlat();
        int[] shape = dims.length == 0 ? new int[0] : dims;
        return flat instanceof float[] f ? NdArray.of(f, shape) : NdArray.of((double[]) flat, shape);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> parseConfig(String where, String text) throws KerasException {
        if (text == null) throw new KerasException(where + ": missing");
        if (text.length() > MAX_CONFIG_BYTES) {
            throw new KerasException(where + ": " + text.length() + " characters, more than the " + MAX_CONFIG_BYTES + " accepted");
        }
        try {
            Object v = Json.parse(text);
            if (!(v instanceof Map)) {
                throw new KerasException(where + ": expected a JSON object, found " + (v instanceof List ? "an array" : String.valueOf(v)));
            }
            return (Map<String, Object>) v;
        } catch (Json.JsonException e) {
            throw new KerasException(where + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    private static String stringAttribute(String file, Node n, String name, String fallback) throws KerasException {
        Attribute a = n.getAttribute(name);
        if (a == null || a.isEmpty()) return fallback;
        Object v = a.getData();
        if (v instanceof String s) return s;
        if (v instanceof byte[] b) return new String(b, StandardCharsets.UTF_8);
        throw new KerasException(file + ": attribute " + name + " holds " + v.getClass().getSimpleName() + ", expected a string");
    }

    /**
     * Opens an HDF5 file. Up to 2 GiB it is memory-mapped and read as a buffer: jHDF then reads each structure as a
     * slice of the file, so a size field claiming more than the file holds is an error (reported as damaged), where
     * reading through a channel first allocates a heap buffer of whatever size the file claims (an OutOfMemoryError
     * for a few damaged bytes, found by fuzzing).
     */
    private static HdfFile open(Path file) throws KerasException {
        try {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                if (ch.size() <= Integer.MAX_VALUE) {
                    return HdfFile.fromByteBuffer(ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()));
                }
            }
            return new HdfFile(file);
        } catch (IOException e) {
            throw new KerasException(file + ": cannot read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw damaged(file, e);
        }
    }

    private static KerasException damaged(Path file, RuntimeException e) {
        return new KerasException(file + ": cannot be read as HDF5 (damaged or cut short): "
                + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
    }

    private static byte[] head(Path file) throws KerasException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(8);
        } catch (IOException e) {
            throw new KerasException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static boolean isHdf5(byte[] b) {
        return b.length >= 4 && (b[0] & 0xff) == 0x89 && b[1] == 'H' && b[2] == 'D' && b[3] == 'F';
    }

    private static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(8, b.length); i++) s.append(String.format("%02x", b[i] & 0xff));
        return b.length == 0 ? "(empty file)" : s.toString();
    }
}
