package dev.jrnn.keras;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Module;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Keras model (Sequential or functional) running on jrnn: each Keras layer becomes a jrnn module with the file's
 * weights, and the graph is run in the order the configuration lists its layers.
 *
 * {@snippet :
 * KerasModel m = KerasModel.load(Path.of("model.keras"));     // .keras (Keras 3) or full-model .h5 (Keras 1/2)
 * NdArray y = m.predict(x).get(0);                            // x: [batch, time, features], as in Keras
 * }
 *
 * <p><b>Layers</b>: InputLayer, Embedding (with {@code mask_zero}), Masking, SimpleRNN, LSTM, GRU
 * ({@code reset_after} true or false), Bidirectional (merge modes concat, sum, mul, ave and None), Dense (on the last
 * axis), Activation, Dropout (identity at inference), Flatten, Concatenate, Add. Recurrent layers support
 * {@code return_sequences}, {@code return_state}, {@code go_backwards} and {@code use_bias=False}; activations
 * {@link KerasActivation#SUPPORTED}. Keras 1 names ({@code output_dim}, {@code inner_activation}) and per-gate weights
 * are read too. Anything else is refused with a {@link KerasException} naming the layer, its class and what is
 * supported.
 *
 * <p><b>Masks</b> (from Masking or {@code mask_zero}) must mark padding at the end of each sequence, which is how
 * jrnn represents them (a length per sequence); a recurrent layer then stops at each sequence's last valid step, as
 * Keras does. In a returned sequence the padded steps are zero. The input and recurrent {@code dropout} of Keras
 * recurrent layers are training-time only and are not applied.
 *
 * <p>The model is a {@link Module}: its parameters (PyTorch layout, named {@code <layer>.weight_ih}, ...) take
 * gradients, so an imported model can be fine-tuned.
 */
public final class KerasModel extends Module {
    private final String source;
    private final List<KerasLayers.Node> nodes;
    private final List<KerasLayers.Ref> inputs;
    private final List<KerasLayers.Ref> outputs;

    KerasModel(String source, List<KerasLayers.Node> nodes, List<KerasLayers.Ref> inputs, List<KerasLayers.Ref> outputs) {
        this.source = source;
        this.nodes = nodes;
        this.inputs = inputs;
        this.outputs = outputs;
        for (KerasLayers.Node n : nodes) {
            if (n.module() != null) registerModule(n.name(), n.module());
        }
    }

    /**
     * Reads a {@code .keras} or full-model {@code .h5} file into a float32 model.
     *
     * @param file the Keras model file
     * @return the runnable model
     * @throws KerasException one line naming the file, and the layer where the layer is the problem
     */
    public static KerasModel load(Path file) throws KerasException {
        return from(KerasFile.read(file), DType.FLOAT32);
    }

    /**
     * Builds the model of a file's contents.
     *
     * @param file  configuration and weights ({@link KerasFile#read}, {@link KerasFile#withConfig}, {@link KerasFile#of})
     * @param dtype the dtype to compute in (float64 for gradient checks)
     * @return the runnable model
     * @throws KerasException naming the layer, its class and what is supported, or the weights that do not fit
     */
    public static KerasModel from(KerasFile file, DType dtype) throws KerasException {
        return KerasLayers.build(file, dtype);
    }

    /** Where the model came from (its file). */
    public String source() { return source; }

    /** The names of the model's input layers, in order. */
    public List<String> inputNames() {
        List<String> out = new ArrayList<>();
        for (KerasLayers.Ref r : inputs) out.add(r.layer());
        return out;
    }

    /** The names of the layers whose outputs the model returns, in order. */
    public List<String> outputNames() {
        List<String> out = new ArrayList<>();
        for (KerasLayers.Ref r : outputs) out.add(r.layer());
        return out;
    }

    /** The Keras layers, in the order they run: name → class name. */
    public Map<String, String> layers() {
        Map<String, String> out = new LinkedHashMap<>();
        for (KerasLayers.Node n : nodes) out.put(n.name(), n.className());
        return out;
    }

    /**
     * Runs the model.
     *
     * @param x one tensor per input ({@code [batch, time, features]} for sequences, {@code [batch, time]} of token ids
     *          for an Embedding input)
     * @return one tensor per model output
     * @throws IllegalArgumentException when the number of inputs or their shapes do not fit the model
     */
    public List<Tensor> forward(Tensor... x) {
        Map<String, List<KerasLayers.Value>> all = run(x);
        List<Tensor> out = new ArrayList<>();
        for (KerasLayers.Ref r : outputs) out.add(all.get(r.layer()).get(r.index()).x());
        return out;
    }

    /**
     * Every layer's first output, by layer name (what Keras's {@code Model(inputs, layer.output)} would give).
     *
     * @param x one tensor per input
     * @return layer name → output, in the order the layers run
     */
    public Map<String, Tensor> layerOutputs(Tensor... x) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, List<KerasLayers.Value>> e : run(x).entrySet()) out.put(e.getKey(), e.getValue().get(0).x());
        return out;
    }

    /**
     * Inference on arrays: {@link #forward} in eval mode, without gradients, converted to the model's dtype.
     *
     * @param x one array per input
     * @return one array per model output
     */
    public List<NdArray> predict(NdArray... x) {
        boolean was = isTraining();
        eval();
        try {
            Tensor[] in = new Tensor[x.length];
            DType dt = dtype();
            for (int i = 0; i < x.length; i++) in[i] = Tensor.constant(x[i].to(dt));
            List<NdArray> out = new ArrayList<>();
            for (Tensor t : forward(in)) out.add(t.data());
            return out;
        } finally {
            train(was);
        }
    }

    /** The dtype the model computes in (its weights'; float32 for a model without weights). */
    public DType dtype() {
        return parameters().isEmpty() ? DType.FLOAT32 : parameters().get(0).dtype();
    }

    private Map<String, List<KerasLayers.Value>> run(Tensor... x) {
        if (x.length != inputs.size()) {
            throw new IllegalArgumentException(source + ": the model has " + inputs.size() + " input(s) " + inputNames()
                    + ", got " + x.length + " tensor(s)");
        }
        Map<String, List<KerasLayers.Value>> values = new HashMap<>();
        Map<String, List<KerasLayers.Value>> ordered = new LinkedHashMap<>();
        for (int i = 0; i < x.length; i++) values.put(inputs.get(i).layer(), List.of(new KerasLayers.Value(x[i], null)));
        for (KerasLayers.Node n : nodes) {
            List<KerasLayers.Value> in;
            if (n.inbound().isEmpty()) {
                in = values.get(n.name());
                if (in == null) throw new IllegalStateException(source + ": input layer " + n.name() + " was not fed");
            } else {
                in = new ArrayList<>();
                for (KerasLayers.Ref r : n.inbound()) in.add(values.get(r.layer()).get(r.index()));
            }
            List<KerasLayers.Value> out = n.layer().apply(Collections.unmodifiableList(in), isTraining());
            values.put(n.name(), out);
            ordered.put(n.name(), out);
        }
        return ordered;
    }

    @Override
    protected String describe() {
        return "KerasModel(" + source + ", layers=" + layers() + ")";
    }
}
