package dev.jrnn.io;

import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.nn.Activation;
import dev.jrnn.nn.Dropout;
import dev.jrnn.nn.Embedding;
import dev.jrnn.nn.Layer;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.Parameter;
import dev.jrnn.nn.Sequential;
import dev.jrnn.nn.rnn.RnnBase;
import dev.jrnn.nn.rnn.RnnConfig;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.Rng;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A model built from layers by hand ({@link Sequential} of {@link Linear}, {@link Activation}, {@link Dropout},
 * {@link Embedding}, stock recurrent layers through {@link RnnBase#asLayer}, and nested {@code Sequential}s), saved
 * and loaded in one call each: its architecture as JSON and its weights as safetensors, in a model directory
 * ({@link ModelFile}: written atomically, files listed with sizes and checksums).
 * <pre>{@code
 * LayerFiles.save(Path.of("model"), model);
 * Layer again = LayerFiles.load(Path.of("model"));        // same layers, same weights, evaluation mode
 * }</pre>
 * {@code config.json} has {@code model_type = "layers"} and an {@code architecture} section (version
 * {@value #ARCHITECTURE_VERSION}), one object per layer, the parameters under their {@code state_dict} names:
 * <pre>
 * "architecture": {"version": 1, "dtype": "FLOAT32", "layer": {"type": "Sequential", "layers": [
 *     {"type": "Linear", "in": 2, "out": 16, "bias": true},
 *     {"type": "Activation", "kind": "TANH"},
 *     {"type": "Dropout", "p": 0.1},
 *     {"type": "Embedding", "vocab_size": 100, "dim": 8, "padding_idx": -1, "frozen": false},
 *     {"type": "Recurrent", "mode": "LSTM", "input_size": 8, "hidden_size": 16, "num_layers": 1, "bias": true,
 *      "batch_first": true, "dropout": 0, "bidirectional": false, "proj_size": 0, "return_sequences": false}]}}
 * </pre>
 * {@link #load} checks everything (the container, the architecture's version, every field, then every weight name
 * and shape against the model the architecture builds) before it reads a tensor; each failure is a
 * {@link ModelFileException} naming the file, the layer and the field. Other layer classes (your own) are refused
 * by {@link #save} by name: save their {@link dev.jrnn.nn.Module#stateDict()} with {@link Safetensors} and rebuild
 * them in code.
 */
public final class LayerFiles {
    /** The {@code model_type} of a model built from layers. */
    public static final String MODEL_TYPE = "layers";
    /** The version of the {@code architecture} section this code writes and reads. */
    public static final int ARCHITECTURE_VERSION = 1;

    private LayerFiles() {}

    /** Saves {@code model} (architecture and weights) as a model directory, with unknown provenance. */
    public static void save(Path dir, Layer model) throws IOException {
        save(dir, model, ModelFile.Provenance.unknown());
    }

    /**
     * Saves {@code model} as a model directory, atomically (see {@link ModelFile#write}).
     *
     * @throws IllegalArgumentException naming the layer when the model holds a layer this format cannot describe, or
     *                                  parameters of two dtypes
     */
    public static void save(Path dir, Layer model, ModelFile.Provenance provenance) throws IOException {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(provenance, "provenance");
        ModelConfig config = ModelConfig.builder()
                .put("model_type", MODEL_TYPE)
                .put("architecture", architecture(model))
                .put("provenance", provenance.toConfig())
                .build();
        ModelFile.write(dir, config, model.stateDict(), Map.of());
    }

    /** Loads a model directory written by {@link #save}, dropout masks drawn from {@code new Rng(0)}. */
    public static Layer load(Path dir) throws IOException {
        return load(dir, new Rng(0));
    }

    /**
     * Loads a model directory written by {@link #save}, checking everything first; the model is in evaluation mode
     * ({@code model.train(true)} to train it further).
     *
     * @param rng the generator of the dropout layers' masks (the initial values the build draws are replaced by the
     *            saved weights)
     * @throws ModelFileException naming the file, the layer and the problem
     * @throws IOException        when a file cannot be read
     */
    public static Layer load(Path dir, Rng rng) throws IOException {
        Objects.requireNonNull(rng, "rng");
        ModelFile file = ModelFile.open(dir, MODEL_TYPE);
        ModelConfig arch = file.config().getObject("architecture");
        long version = arch.getLong("version");
        if (version != ARCHITECTURE_VERSION) {
            throw arch.fieldError("version", "is " + version + "; this jrnn reads architecture version "
                    + ARCHITECTURE_VERSION);
        }
        DType dtype = arch.getEnum("dtype", DType.class);
        long[] left = {0};                              // parameters the weights file holds and no layer has taken yet
        for (Safetensors.TensorInfo t : file.weightsHeader().tensors()) left[0] += t.elementCount();
        Layer model = build(arch.getObject("layer"), "layer", dtype, rng, left);
        file.checkWeights(TorchNames.shapesOf(model));
        model.loadStateDict(file.readWeights(dtype));
        model.eval();
        return model;
    }

    /**
     * The {@code architecture} section of {@code model}: the version, the parameters' dtype and the layer tree.
     *
     * @throws IllegalArgumentException naming the layer this format cannot describe, or the two dtypes found
     */
    public static ModelConfig architecture(Layer model) {
        DType dtype = null;
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            DType d = e.getValue().data().dtype();
            if (dtype != null && d != dtype) {
                throw new IllegalArgumentException("LayerFiles.save: parameter " + e.getKey() + " is " + d
                        + " but the ones before it are " + dtype + "; a saved model has one dtype");
            }
            dtype = d;
        }
        return ModelConfig.builder()
                .put("version", (long) ARCHITECTURE_VERSION)
                .put("dtype", (dtype == null ? DType.FLOAT32 : dtype).name())
                .put("layer", describe(model, "model"))
                .build();
    }

    private static ModelConfig describe(Layer layer, String where) {
        ModelConfig.Builder b = ModelConfig.builder();
        if (layer instanceof Sequential) {
            List<ModelConfig> inner = new ArrayList<>();
            List<Layer> layers = ((Sequential) layer).layers();
            for (int i = 0; i < layers.size(); i++) inner.add(describe(layers.get(i), where + "." + i));
            return b.put("type", "Sequential").putObjects("layers", inner).build();
        }
        if (layer instanceof Linear) {
            Linear l = (Linear) layer;
            return b.put("type", "Linear").put("in", (long) l.weight().dim(1)).put("out", (long) l.weight().dim(0))
                    .put("bias", l.bias() != null).build();
        }
        if (layer instanceof Activation) {
            return b.put("type", "Activation").put("kind", ((Activation) layer).kind().name()).build();
        }
        if (layer instanceof Dropout) {
            return b.put("type", "Dropout").put("p", ((Dropout) layer).p()).build();
        }
        if (layer instanceof Embedding) {
            Embedding e = (Embedding) layer;
            return b.put("type", "Embedding").put("vocab_size", (long) e.vocabSize()).put("dim", (long) e.dim())
                    .put("padding_idx", (long) e.paddingIdx()).put("frozen", e.weight().isFrozen()).build();
        }
        if (layer instanceof RnnBase.AsLayer) {
            RnnBase.AsLayer a = (RnnBase.AsLayer) layer;
            RnnConfig c = a.rnn().config();
            return b.put("type", "Recurrent").put("mode", c.mode().name()).put("input_size", (long) c.inputSize())
                    .put("hidden_size", (long) c.hiddenSize()).put("num_layers", (long) c.numLayers())
                    .put("bias", c.bias()).put("batch_first", c.batchFirst()).put("dropout", c.dropout())
                    .put("bidirectional", c.bidirectional()).put("proj_size", (long) c.projSize())
                    .put("return_sequences", a.returnSequences()).build();
        }
        throw new IllegalArgumentException("LayerFiles.save: " + where + " is a " + layer.getClass().getName()
                + ", which this format cannot describe; it saves Sequential, Linear, Activation, Dropout, Embedding and"
                + " stock recurrent layers (RnnBase.asLayer). Save its stateDict() with Safetensors instead");
    }

    /**
     * The layer {@code c} describes. Before a layer with parameters is allocated, a lower bound of its size is held
     * against what the weights file has left ({@code left}), so that a damaged architecture cannot allocate more
     * than the file holds; the exact names and shapes are checked afterwards, against the built model.
     */
    private static Layer build(ModelConfig c, String where, DType dtype, Rng rng, long[] left) throws ModelFileException {
        String type = c.getString("type");
        try {
            Layer built = buildOne(c, where, type, dtype, rng, left);
            if (!(built instanceof Sequential)) left[0] -= built.parameterCount();
            return built;
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(c.source() + ": " + where + " (" + type + ") is not valid: " + e.getMessage(), e);
        }
    }

    private static Layer buildOne(ModelConfig c, String where, String type, DType dtype, Rng rng, long[] left)
            throws ModelFileException {
        switch (type) {
            case "Sequential": {
                Object raw = c.get("layers");
                if (!(raw instanceof List)) {
                    throw c.fieldError("layers", "must be an array of layer objects, found " + ModelConfig.describe(raw));
                }
                List<?> items = (List<?>) raw;
                Layer[] layers = new Layer[items.size()];
                for (int i = 0; i < layers.length; i++) {
                    if (!(items.get(i) instanceof ModelConfig)) {
                        throw c.fieldError("layers", "item " + i + " must be a layer object, found "
                                + ModelConfig.describe(items.get(i)));
                    }
                    layers[i] = build((ModelConfig) items.get(i), where + ".layers[" + i + "]", dtype, rng, left);
                }
                return new Sequential(layers);
            }
            case "Linear": {
                int in = c.getSize("in"), out = c.getSize("out");
                fits(c, where, (long) in * out, left);
                return new Linear(in, out, c.getBoolean("bias"), dtype, rng);
            }
            case "Activation":
                return new Activation(Activation.parse(c.getString("kind")));
            case "Dropout":
                return new Dropout(c.getDouble("p"), rng);
            case "Embedding": {
                int v = c.getSize("vocab_size"), d = c.getSize("dim");
                fits(c, where, (long) v * d, left);
                Embedding.Builder b = Embedding.builder(v, d).dtype(dtype).rng(rng).frozen(c.getBoolean("frozen"));
                int pad = c.getInt("padding_idx");
                return (pad >= 0 ? b.paddingIdx(pad) : b).build();
            }
            case "Recurrent": {
                RnnConfig rc = new RnnConfig(c.getEnum("mode", CellType.class), c.getSize("input_size"),
                        c.getSize("hidden_size"), c.getLayers("num_layers"), c.getBoolean("bias"),
                        c.getBoolean("batch_first"), c.getDouble("dropout"), c.getBoolean("bidirectional"),
                        c.getInt("proj_size"));
                fits(c, where, (long) rc.hiddenSize() * rc.inputSize() + (long) (rc.numLayers() - 1) * rc.hiddenSize(), left);
                return RnnBase.create(rc, dtype, rng).asLayer(c.getBoolean("return_sequences"));
            }
            default:
                throw c.fieldError("type", "is \"" + type + "\", not a layer this jrnn reads (Sequential, Linear,"
                        + " Activation, Dropout, Embedding, Recurrent)");
        }
    }

    private static void fits(ModelConfig c, String where, long atLeast, long[] left) throws ModelFileException {
        if (atLeast > left[0]) {
            throw new ModelFileException(c.source() + ": " + where + " needs at least " + atLeast + " parameters, but "
                    + ModelFile.WEIGHTS_FILE + " has only " + Math.max(0, left[0]) + " left for it; the architecture"
                    + " does not match the weights");
        }
    }
}
