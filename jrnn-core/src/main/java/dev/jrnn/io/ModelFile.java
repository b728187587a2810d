package dev.jrnn.io;

import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Shapes;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.channels.FileChannel;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * A saved model on disk (format version {@value #VERSION}): a <b>directory</b> holding
 * <pre>
 *   config.json           what the model is: format, version, model type, every hyperparameter, the files and
 *                         their checksums, provenance (jrnn version, date, training data, epochs, final metrics)
 *   weights.safetensors   the parameters under PyTorch state_dict names
 *   vocab.txt             (models with a vocabulary) the Vocabulary file format
 * </pre>
 * A directory rather than one file because each part stays in its own standard format, readable without jrnn
 * ({@code cat config.json}, {@code safetensors.torch.load_file("weights.safetensors")}, a vocabulary in an editor),
 * the layout Hugging Face uses. This class is the generic container; what the sections of the config mean for one
 * kind of model is the business of that model's loader ({@code dev.jrnn.text.LanguageModelFiles} for language
 * models), which calls {@link #open}, checks its sections, calls {@link #checkWeights} with the shapes the config
 * implies, and only then builds the model and {@link #readWeights reads} the tensors.
 *
 * <h2>Writing: the directory appears complete or not at all</h2>
 * {@link #write} writes every file into a fresh temporary directory {@code .NAME.RANDOM.tmp} beside the target,
 * fsyncs each file and the directory, then renames the directory to {@code NAME}. When {@code NAME} already holds a
 * model, that one is first renamed aside to {@code .NAME.RANDOM.old} and deleted after the new one is in place.
 * So a reader sees the old model, the new model, or (for a crash between the two renames of a replacement) no
 * {@code NAME} with the old model kept in {@code .NAME.*.old}; never a directory with some files missing. A
 * directory that is not a jrnn model (no {@code config.json}) is never replaced.
 *
 * <h2>Reading: everything is checked before anything is built</h2>
 * {@link #open} checks, in order, and each failure is a {@link ModelFileException} whose message starts with the
 * file concerned: the directory exists; {@code config.json} exists, is valid JSON, is a jrnn model config
 * ({@code format}), of a version this code reads ({@code unsupported version 2 (this jrnn reads 1)}), with a
 * {@code model_type}; every file listed under {@code files} exists with the recorded size (a shorter file is
 * called truncated) and SHA-256 (both optional in a hand-made config); the weights' safetensors header is valid (no
 * tensor data is read yet).
 */
public final class ModelFile {
    /** The value of the {@code format} field of {@code config.json}. */
    public static final String FORMAT = "jrnn-model";
    /** The format version this code writes and reads. */
    public static final int VERSION = 1;
    /** The configuration file. */
    public static final String CONFIG_FILE = "config.json";
    /** The weights file. */
    public static final String WEIGHTS_FILE = "weights.safetensors";
    /** The vocabulary file, for models that have one. */
    public static final String VOCAB_FILE = "vocab.txt";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;
    private final ModelConfig config;
    private final String modelType;
    private final Safetensors.Header weights;

    private ModelFile(Path dir, ModelConfig config, String modelType, Safetensors.Header weights) {
        this.dir = dir;
        this.config = config;
        this.modelType = modelType;
        this.weights = weights;
    }

    // ------------------------------------------------------------------ provenance

    /**
     * Where a model came from, stored as the {@code provenance} section of {@code config.json}.
     *
     * @param jrnnVersion  the jrnn version that wrote the model
     * @param created      when it was written (ISO-8601 UTC, seconds)
     * @param trainingData the training data (a path, or a description), or null
     * @param epochs       training epochs completed (a fraction for a run stopped mid-epoch is rounded down), or -1
     * @param steps        optimizer updates, or -1
     * @param seconds      training time, or NaN
     * @param finalMetrics the last metrics (e.g. {@code valid_bits_per_token}), in order; may be empty
     * @param command      how it was made (e.g. the command line), or null
     */
    public record Provenance(String jrnnVersion, String created, String trainingData, long epochs, long steps,
                             double seconds, Map<String, Double> finalMetrics, String command) {
        /** Copies the metrics. */
        public Provenance {
            Objects.requireNonNull(jrnnVersion, "jrnnVersion");
            Objects.requireNonNull(created, "created");
            finalMetrics = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(finalMetrics));
        }

        /** A provenance stamped now with this jrnn's version. */
        public static Provenance now(String trainingData, long epochs, long steps, double seconds,
                                     Map<String, Double> finalMetrics, String command) {
            return new Provenance(ModelFile.jrnnVersion(), Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), trainingData,
                    epochs, steps, seconds, finalMetrics, command);
        }

        /** "Made in code, not trained here": version and date only. */
        public static Provenance unknown() {
            return now(null, -1, -1, Double.NaN, Map.of(), null);
        }

        /** The {@code provenance} section. */
        public ModelConfig toConfig() {
            ModelConfig.Builder m = ModelConfig.builder();
            finalMetrics.forEach(m::put);
            return ModelConfig.builder()
                    .put("jrnn_version", jrnnVersion).put("created", created).put("training_data", trainingData)
                    .put("epochs", epochs).put("steps", steps).put("seconds", seconds).put("final_metrics", m.build())
                    .put("command", command).build();
        }

        /** Reads the {@code provenance} section. */
        public static Provenance fromConfig(ModelConfig p) throws ModelFileException {
            Map<String, Double> metrics = new LinkedHashMap<>();
            ModelConfig m = p.getObject("final_metrics");
            for (String k : m.keys()) metrics.put(k, m.getDouble(k));
            return new Provenance(p.getString("jrnn_version"), p.getString("created"), optString(p, "training_data"),
                    p.getLong("epochs"), p.getLong("steps"), p.getDouble("seconds"), metrics, optString(p, "command"));
        }

        private static String optString(ModelConfig c, String key) throws ModelFileException {
            return c.get(key) == ModelConfig.NULL ? null : c.getString(key);
        }
    }

    /**
     * This jrnn's version: from the jar's Maven metadata ({@code META-INF/maven/dev.jrnn/jrnn-core/pom.properties}),
     * else the package's manifest, else {@code "unknown (not run from a jar)"}.
     */
    public static String jrnnVersion() {
        try (InputStream in = ModelFile.class.getResourceAsStream("/META-INF/maven/dev.jrnn/jrnn-core/pom.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v != null) return v;
            }
        } catch (IOException ignored) {
            // fall through to the manifest
        }
        String v = ModelFile.class.getPackage().getImplementationVersion();
        return v != null ? v : "unknown (not run from a jar)";
    }

    // ------------------------------------------------------------------ writing

    /**
     * Writes a model directory atomically (see the class comment).
     *
     * @param dir        the model directory to create or replace; its parent must exist
     * @param config     the model's config: must have {@code model_type}; {@code format}, {@code format_version} and
     *                   {@code files} are added here (first, first, last), replacing any given
     * @param weights    the parameters, written as {@value #WEIGHTS_FILE}
     * @param otherFiles more files by name (e.g. {@value #VOCAB_FILE}), plain names without a directory part
     * @throws IOException when writing fails; {@code dir} is then unchanged
     */
    public static void write(Path dir, ModelConfig config, Map<String, NdArray> weights, Map<String, byte[]> otherFiles)
            throws IOException {
        Objects.requireNonNull(config, "config");
        if (!(config.get("model_type") instanceof String)) {
            throw new IllegalArgumentException("ModelFile.write: the config needs a string field model_type");
        }
        Path target = dir.toAbsolutePath().normalize();
        Path parent = target.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new ModelFileException(dir + ": the parent directory " + parent + " does not exist");
        }
        if (Files.exists(target) && !Files.isDirectory(target)) {
            throw new ModelFileException(dir + ": exists and is a file; a model is saved as a directory");
        }
        if (Files.isDirectory(target) && !Files.exists(target.resolve(CONFIG_FILE)) && !isEmpty(target)) {
            throw new ModelFileException(dir + ": exists and is not a jrnn model (no " + CONFIG_FILE
                    + "); refusing to replace it");
        }
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(WEIGHTS_FILE, Safetensors.encode(weights, Map.of("format", "jrnn-weights")));
        for (Map.Entry<String, byte[]> e : otherFiles.entrySet()) {
            String name = e.getKey();
            if (name.equals(CONFIG_FILE) || name.equals(WEIGHTS_FILE) || name.isEmpty() || name.contains("/")
                    || name.contains("\\") || name.startsWith(".")) {
                throw new IllegalArgumentException("ModelFile.write: bad extra file name '" + name + "'");
            }
            files.put(name, e.getValue());
        }
        ModelConfig.Builder listing = ModelConfig.builder();
        files.forEach((name, bytes) -> listing.put(name, ModelConfig.builder()
                .put("bytes", (long) bytes.length).put("sha256", sha256(bytes)).build()));
        ModelConfig full = ModelConfig.builder()
                .put("format", FORMAT).put("format_version", (long) VERSION)
                .putAll(config).remove("files").put("files", listing.build()).build();
        files.put(CONFIG_FILE, (full.toJson() + "\n").getBytes(StandardCharsets.UTF_8));

        Path tmp = createTempDir(parent, target.getFileName().toString());
        boolean done = false;
        try {
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                writeSynced(tmp.resolve(e.getKey()), e.getValue());
            }
            syncDirectory(tmp);
            Path old = null;
            if (Files.exists(target)) {
                old = parent.resolve("." + target.getFileName() + "." + Long.toHexString(RANDOM.nextLong() & Long.MAX_VALUE) + ".old");
                move(target, old);
            }
            move(tmp, target);
            done = true;
            syncDirectory(parent);
            if (old != null) deleteTree(old);
        } finally {
            if (!done) {
                try {
                    deleteTree(tmp);
                } catch (IOException | UncheckedIOException ignored) {
                    // the original failure matters more than the leftover temporary directory
                }
            }
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    private static Path createTempDir(Path parent, String name) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path tmp = parent.resolve("." + name + "." + Long.toHexString(RANDOM.nextLong() & Long.MAX_VALUE) + ".tmp");
            try {
                return Files.createDirectory(tmp);
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 100) throw e;
            }
        }
    }

    private static void writeSynced(Path file, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) ch.write(buf);
            ch.force(true);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // best effort (not supported everywhere); the files themselves are synced
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    /** The lower-case hex SHA-256 of a file, read in blocks (a weights file may be larger than the heap). */
    private static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** The lower-case hex SHA-256 of {@code bytes}. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    // ------------------------------------------------------------------ reading

    /** Whether {@code dir} looks like a saved model (a directory with a {@value #CONFIG_FILE}). */
    public static boolean isModelDirectory(Path dir) {
        return Files.isDirectory(dir) && Files.isRegularFile(dir.resolve(CONFIG_FILE));
    }

    /**
     * {@link #open(Path)}, then checks that the directory holds a model of {@code modelType} (e.g.
     * {@code "language-model"}): each kind's loader calls this before reading its own sections.
     *
     * @throws ModelFileException naming the file and the problem, or the type found and the type expected
     * @throws IOException        when a file cannot be read
     */
    public static ModelFile open(Path dir, String modelType) throws IOException {
        ModelFile file = open(dir);
        if (!modelType.equals(file.modelType())) {
            throw file.config().fieldError("model_type", "is \"" + file.modelType() + "\"; this loader reads \"" + modelType + "\"");
        }
        return file;
    }

    /**
     * Opens a model directory and checks its container (see the class comment); no tensor data is read.
     *
     * @throws ModelFileException naming the file and the problem
     * @throws IOException        when a file cannot be read
     */
    public static ModelFile open(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            throw new ModelFileException(dir + ": no such model directory");
        }
        if (!Files.isDirectory(dir)) {
            throw new ModelFileException(dir + ": is a file; a jrnn model is a directory holding " + CONFIG_FILE + " and "
                    + WEIGHTS_FILE);
        }
        Path configPath = dir.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(configPath)) {
            throw new ModelFileException(configPath + ": missing (a jrnn model directory holds " + CONFIG_FILE + " and "
                    + WEIGHTS_FILE + ")");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(configPath))).toString();
        } catch (CharacterCodingException e) {
            throw new ModelFileException(configPath + ": is not valid UTF-8", e);
        }
        ModelConfig config = ModelConfig.parse(text, configPath.toString());
        Object format = config.get("format");
        if (!FORMAT.equals(format)) {
            throw new ModelFileException(configPath + ": not a jrnn model config (field 'format' is "
                    + (format == null ? "missing" : ModelConfig.describe(format)) + ", expected \"" + FORMAT + "\")");
        }
        long version = config.getLong("format_version");
        if (version != VERSION) {
            throw new ModelFileException(configPath + ": unsupported version " + version + " (this jrnn reads " + VERSION
                    + ")" + (version > VERSION ? "; it was written by a newer jrnn" : ""));
        }
        String type = config.getString("model_type");
        ModelConfig files = config.getObject("files");
        if (!files.has(WEIGHTS_FILE)) {
            throw files.fieldError(WEIGHTS_FILE, "is missing (every model has weights)");
        }
        for (String name : files.keys()) {
            checkListedFile(dir, files, name);
        }
        Safetensors.Header header;
        Path weightsPath = dir.resolve(WEIGHTS_FILE);
        try {
            header = Safetensors.readHeader(weightsPath);
        } catch (SafetensorsException e) {
            throw new ModelFileException(weightsPath + ": damaged: " + stripSource(e.getMessage(), weightsPath), e);
        }
        return new ModelFile(dir, config, type, header);
    }

    private static void checkListedFile(Path dir, ModelConfig files, String name) throws IOException {
        if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.equals("..") || name.equals(".")
                || name.indexOf('\0') >= 0) {
            throw files.fieldError(name, "names a path; only plain file names are allowed");
        }
        ModelConfig entry = files.getObject(name);
        long size = entry.getLong("bytes", -1);                        // both optional, for hand-made configs
        String sha = entry.getString("sha256", null);
        Path p = dir.resolve(name);
        if (!Files.isRegularFile(p)) {
            throw new ModelFileException(p + ": missing (" + CONFIG_FILE + " lists it)");
        }
        long actual = Files.size(p);
        if (size >= 0 && actual != size) {
            throw new ModelFileException(p + ": is " + actual + " bytes, but " + CONFIG_FILE + " records " + size
                    + (actual < size ? " (truncated)" : " (changed after saving?)"));
        }
        if (sha == null) return;
        String actualSha = sha256(p);
        if (!actualSha.equalsIgnoreCase(sha)) {
            throw new ModelFileException(p + ": SHA-256 " + actualSha.substring(0, 12) + "... differs from the "
                    + sha.substring(0, Math.min(12, sha.length())) + "... that " + CONFIG_FILE
                    + " records (the file was damaged or replaced after saving)");
        }
    }

    private static String stripSource(String message, Path p) {
        String prefix = p + ": ";
        return message != null && message.startsWith(prefix) ? message.substring(prefix.length()) : String.valueOf(message);
    }

    /** The model directory. */
    public Path dir() { return dir; }

    /** A file of the model directory. */
    public Path file(String name) { return dir.resolve(name); }

    /** {@code config.json}, parsed. */
    public ModelConfig config() { return config; }

    /** The {@code model_type} field (e.g. {@code "language-model"}). */
    public String modelType() { return modelType; }

    /** The validated header of the weights file (names, dtypes, shapes; no data). */
    public Safetensors.Header weightsHeader() { return weights; }

    /** Whether the config lists a file of that name (e.g. {@value #VOCAB_FILE}). */
    public boolean hasFile(String name) throws ModelFileException {
        return config.getObject("files").has(name);
    }

    /** The provenance section, or null when there is none. */
    public Provenance provenance() throws ModelFileException {
        return config.has("provenance") ? Provenance.fromConfig(config.getObject("provenance")) : null;
    }

    /**
     * Checks a layer count from the config against the weights file before the loader lists the names the layers
     * imply: every layer has tensors of its own, so a count above the number of tensors in the file cannot match, and
     * listing its names would take memory in proportion to a number the config chose (a {@code num_layers} of
     * 10^9 ran out of memory there).
     *
     * @param section the config section holding the count (its {@code source} names the file)
     * @param field   the field, e.g. {@code num_layers}
     * @param layers  its value
     * @throws ModelFileException naming the field, its value and the number of tensors the file holds
     */
    public void checkLayerCount(ModelConfig section, String field, long layers) throws ModelFileException {
        int tensors = weights.tensors().size();
        if (layers > tensors) {
            throw section.fieldError(field, "is " + layers + ", but " + WEIGHTS_FILE + " holds only " + tensors
                    + " tensors (every layer has its own)");
        }
    }

    /**
     * Checks that the weights file holds exactly the expected names with the expected shapes, and only loadable
     * float types, from the header alone; then that the model and its weights fit this JVM's heap
     * ({@link Limits#heapProblem}), so that a model too large is refused before anything is allocated.
     *
     * @param expected names (PyTorch order) to shapes, as the config implies them
     * @throws ModelFileException listing every missing name, unexpected name and shape mismatch in one message:
     *                            {@code weights.safetensors: does not match config.json: output.weight has shape [65, 128],
     *                            expected [65, 256] (hidden_size 256)}
     */
    public void checkWeights(Map<String, int[]> expected) throws ModelFileException {
        checkWeights(expected, Runtime.getRuntime().maxMemory());
    }

    /** {@link #checkWeights(Map)} against a heap of {@code maxMemory} bytes (tests pass a small one). */
    void checkWeights(Map<String, int[]> expected, long maxMemory) throws ModelFileException {
        Map<String, int[]> actual = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (Safetensors.TensorInfo t : weights.tensors()) {
            int[] shape = new int[t.shape().size()];
            for (int i = 0; i < shape.length; i++) {
                long d = t.shape().get(i);
                shape[i] = d > Integer.MAX_VALUE ? -1 : (int) d;
            }
            actual.put(t.name(), shape);
            if (!t.dtype().loadable()) {
                problems.add(t.name() + " has dtype " + t.dtype() + ", not a float type jrnn loads (F32, F64, F16, BF16)");
            }
        }
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>();
        for (String n : expected.keySet()) if (!actual.containsKey(n)) missing.add(n);
        for (String n : actual.keySet()) if (!expected.containsKey(n)) unexpected.add(n);
        if (!missing.isEmpty()) problems.add(0, "missing: " + missing);
        if (!unexpected.isEmpty()) problems.add(missing.isEmpty() ? 0 : 1, "unexpected: " + unexpected);
        expected.forEach((n, shape) -> {
            int[] a = actual.get(n);
            if (a != null && !java.util.Arrays.equals(a, shape)) {
                problems.add(n + " has shape " + Shapes.str(a) + ", expected " + Shapes.str(shape));
            }
        });
        if (!problems.isEmpty()) {
            throw new ModelFileException(file(WEIGHTS_FILE) + ": does not match " + CONFIG_FILE + ": "
                    + String.join("; ", problems));
        }
        long bytes = 0;                                  // the model built, and the tensors read into it: two copies
        for (Safetensors.TensorInfo t : weights.tensors()) bytes += 2 * t.elementCount() * (t.dtype().loadsAs() == DType.FLOAT64 ? 8 : 4);
        String heap = Limits.heapProblem(bytes, maxMemory);
        if (heap != null) {
            throw new ModelFileException(file(WEIGHTS_FILE) + ": loading this model " + heap);
        }
    }

    /**
     * Reads every tensor of the weights file, converted to {@code dtype} (call {@link #checkWeights} first).
     *
     * @throws ModelFileException naming the weights file when it cannot be decoded
     */
    public Map<String, NdArray> readWeights(DType dtype) throws IOException {
        Path p = file(WEIGHTS_FILE);
        Map<String, NdArray> raw;
        try {
            raw = Safetensors.read(p);
        } catch (SafetensorsException e) {
            throw new ModelFileException(p + ": damaged: " + stripSource(e.getMessage(), p), e);
        }
        Map<String, NdArray> out = new LinkedHashMap<>();
        raw.forEach((n, v) -> out.put(n, v.dtype() == dtype ? v : v.to(dtype)));
        return out;
    }

    /** The bytes of a listed file (checked against its recorded size and SHA-256 by {@link #open}). */
    public byte[] readFile(String name) throws IOException {
        return Files.readAllBytes(listedFile(name));
    }

    /**
     * The path of a file that {@code config.json} lists (a name read from elsewhere in the config, e.g. the
     * vocabulary's, must be one of them: it is never resolved before that check).
     *
     * @throws ModelFileException when the config lists no file of that name
     */
    public Path listedFile(String name) throws ModelFileException {
        if (!hasFile(name)) {
            throw new ModelFileException(file(CONFIG_FILE) + ": lists no file '" + Printable.of(name) + "'");
        }
        return file(name);
    }
}
