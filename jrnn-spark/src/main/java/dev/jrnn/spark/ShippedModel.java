package dev.jrnn.spark;

import dev.jrnn.io.ModelConfig;
import dev.jrnn.io.ModelFile;
import dev.jrnn.io.ModelFileException;
import dev.jrnn.series.SequenceRegressorFiles;
import dev.jrnn.text.LanguageModelFiles;
import dev.jrnn.text.Seq2SeqFiles;
import dev.jrnn.text.TextClassifierFiles;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A saved jrnn model directory as bytes, to ship to executors in one broadcast: every file of the directory, the
 * directory's name (for messages) and a SHA-256 over the files, the key under which each executor JVM keeps the
 * loaded model ({@link #load()}: read once per JVM, then shared by every task; the models' prediction methods do
 * not change the model, so concurrent tasks may share it).
 *
 * <p>The bytes are written to a temporary directory on the executor and read there by the core loader of the
 * model's kind ({@link TextClassifierFiles#load}, {@link LanguageModelFiles#load}, {@link Seq2SeqFiles#load},
 * {@link SequenceRegressorFiles#load}), so a model is checked exactly as {@code jrnn predict} checks it.
 */
public final class ShippedModel implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Loaded models of this JVM by {@link #key()}. */
    private static final ConcurrentHashMap<String, Object> LOADED = new ConcurrentHashMap<>();

    private final String source;
    private final String modelType;
    private final TreeMap<String, byte[]> files;
    private final String key;

    private ShippedModel(String source, String modelType, TreeMap<String, byte[]> files, String key) {
        this.source = source;
        this.modelType = modelType;
        this.files = files;
        this.key = key;
    }

    /**
     * Reads a model directory (or a training {@code --out} directory holding {@code model/}) on the driver.
     *
     * @throws ModelFileException when it holds no {@code config.json} or names no known model type
     * @throws IOException        when a file cannot be read
     */
    public static ShippedModel read(Path dir) throws IOException {
        Path d = Files.isRegularFile(dir.resolve(ModelFile.CONFIG_FILE)) || !Files.isDirectory(dir.resolve("model"))
                ? dir : dir.resolve("model");
        if (!Files.isDirectory(d)) throw new ModelFileException(dir + ": is not a directory (expected a saved jrnn model)");
        TreeMap<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> s = Files.list(d)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isRegularFile(p)) files.put(p.getFileName().toString(), Files.readAllBytes(p));
            }
        }
        byte[] config = files.get(ModelFile.CONFIG_FILE);
        if (config == null) throw new ModelFileException(d + ": has no " + ModelFile.CONFIG_FILE + "; this is not a saved jrnn model");
        String type = ModelConfig.parse(new String(config, StandardCharsets.UTF_8), d.resolve(ModelFile.CONFIG_FILE).toString())
                .getString("model_type");
        return of(d.toString(), type, files);
    }

    /** A model from its files' bytes (name to content); {@code source} names it in messages. */
    static ShippedModel of(String source, String modelType, Map<String, byte[]> files) {
        TreeMap<String, byte[]> copy = new TreeMap<>(files);
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Map.Entry<String, byte[]> e : copy.entrySet()) {
                sha.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update(e.getValue());
            }
            return new ShippedModel(source, modelType, copy, HexFormat.of().formatHex(sha.digest()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Where the model was read from (on the driver). */
    public String source() { return source; }

    /** The {@code model_type} of its {@code config.json}. */
    public String modelType() { return modelType; }

    /** SHA-256 over the file names and contents. */
    public String key() { return key; }

    /** The total size of its files in bytes. */
    public long bytes() {
        long n = 0;
        for (byte[] b : files.values()) n += b.length;
        return n;
    }

    /** A copy of the files (name to bytes). */
    public Map<String, byte[]> files() {
        Map<String, byte[]> out = new LinkedHashMap<>();
        files.forEach((k, v) -> out.put(k, v.clone()));
        return out;
    }

    /**
     * The loaded model ({@link TextClassifierFiles.Loaded}, {@link LanguageModelFiles.Loaded},
     * {@link Seq2SeqFiles.Loaded} or {@link SequenceRegressorFiles.Loaded}), read on the first call in this JVM and
     * shared afterwards.
     *
     * @throws JrnnSparkException naming the model and the host, with the loader's message, when it cannot be read
     */
    public Object load() {
        Object m = LOADED.get(key);
        if (m != null) return m;
        synchronized (LOADED) {                        // one load per JVM even when every task asks at once
            return LOADED.computeIfAbsent(key, k -> readHere());
        }
    }

    /** Whether this JVM holds the model with this key loaded. */
    static boolean isLoaded(String key) {
        return LOADED.containsKey(key);
    }

    /** How many models this JVM holds loaded. */
    static int loadedCount() {
        return LOADED.size();
    }

    private Object readHere() {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("jrnn-model-");
            for (Map.Entry<String, byte[]> e : files.entrySet()) Files.write(dir.resolve(e.getKey()), e.getValue());
            switch (modelType) {
                case TextClassifierFiles.MODEL_TYPE: return TextClassifierFiles.load(dir);
                case LanguageModelFiles.MODEL_TYPE: return LanguageModelFiles.load(dir);
                case Seq2SeqFiles.MODEL_TYPE: return Seq2SeqFiles.load(dir);
                case SequenceRegressorFiles.MODEL_TYPE: return SequenceRegressorFiles.load(dir);
                default:
                    throw new ModelFileException(source + ": is a " + modelType + " model; jrnn-spark runs a text classifier, "
                            + "a language model, a seq2seq model or a regressor");
            }
        } catch (IOException | RuntimeException e) {
            String msg = e.getMessage() == null ? e.toString() : e.getMessage();
            if (dir != null) msg = msg.replace(dir.toString(), source);   // name the model as the user knows it
            throw new JrnnSparkException("jrnn: cannot load model " + source + " on " + host() + ": " + msg, e);
        } finally {
            if (dir != null) deleteQuietly(dir);
        }
    }

    private static String host() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "this executor";
        }
    }

    /** Removes the temporary copy; a copy that cannot be removed is left for the JVM's exit (it was read already). */
    private static void deleteQuietly(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) Files.deleteIfExists(p);
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            dir.toFile().deleteOnExit();
        }
    }
}
