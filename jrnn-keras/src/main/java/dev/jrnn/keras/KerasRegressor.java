package dev.jrnn.keras;

import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.io.KerasImport;
import dev.jrnn.nn.rnn.GruVariant;
import dev.jrnn.series.SequenceRegressor;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Keras model as jrnn's saved {@link SequenceRegressor} (the model kind {@code jrnn predict} and {@code jrnn eval}
 * run on time series), where the Keras model has that shape:
 * <pre>
 * Sequential([ (InputLayer,) RNN(H, return_sequences=True) × (L−1), RNN(H), (Dropout(p),) Dense(K, linear) ])
 * </pre>
 * with every RNN the same class (SimpleRNN with tanh or relu; LSTM or GRU with tanh and {@code sigmoid}), the same
 * units and bias setting {@code use_bias=True}, all plain or all wrapped in {@code Bidirectional(merge_mode="concat")}.
 * These are exactly the models jrnn's stock layers compute the way Keras does: a Keras LSTM's single bias becomes
 * {@code bias_ih} with {@code bias_hh = 0}; a GRU with {@code reset_after=False} becomes jrnn's reset-before GRU with
 * {@code bias_hh = 0}. Anything else ({@code hard_sigmoid}, Masking, Embedding, several outputs, ...) runs through
 * {@link KerasModel} but has no saved model kind; {@link #convert} says which part does not fit.
 */
public final class KerasRegressor {
    private KerasRegressor() {}

    /**
     * Converts a Keras file into a float32 regressor with the file's weights.
     *
     * @param file the Keras file's contents
     * @return the regressor; its {@code forward(x, null)} equals the Keras model's output on {@code x [B, T, F]}
     * @throws KerasException naming the layer that does not fit the regressor shape and why
     */
    public static SequenceRegressor convert(KerasFile file) throws KerasException {
        String src = file.source();
        String fit = " (jrnn's saved regressor is Sequential([RNN(return_sequences=True) x (L-1), RNN, (Dropout,)"
                + " Dense(K, linear)]) with tanh/sigmoid activations)";
        if (!"Sequential".equals(file.config().get("class_name"))) {
            throw new KerasException(src + ": a functional model (class " + file.config().get("class_name") + ") does not map onto a saved jrnn"
                    + " model" + fit);
        }
        Object cfg = file.config().get("config");
        List<KerasLayers.Layer> layers = new ArrayList<>();
        for (Map<String, Object> raw : KerasLayers.layerList(file, cfg instanceof Map<?, ?> m ? m.get("layers") : cfg)) {
            KerasLayers.Layer l = KerasLayers.layer(file, raw);
            if (!l.className().equals("InputLayer")) layers.add(l);
        }
        List<KerasLayers.Layer> rnns = new ArrayList<>();
        int i = 0;
        while (i < layers.size() && isRecurrent(layers.get(i))) rnns.add(layers.get(i++));
        double dropout = 0;
        if (i < layers.size() && layers.get(i).className().equals("Dropout")) {
            Object rate = layers.get(i++).get("rate", "p");
            dropout = rate instanceof BigDecimal d ? d.doubleValue() : rate instanceof BigInteger b ? b.doubleValue() : 0;
        }
        if (rnns.isEmpty() || i != layers.size() - 1 || !layers.get(i).className().equals("Dense")) {
            KerasLayers.Layer bad = i < layers.size() ? layers.get(i) : layers.get(layers.size() - 1);
            throw bad.error("does not fit" + fit);
        }
        KerasLayers.Layer dense = layers.get(i);
        if (!"linear".equals(dense.text("linear", "activation")) || !dense.flag(true, "use_bias", "bias")) {
            throw dense.error("needs activation linear and a bias to map onto the regressor's output layer" + fit);
        }
        KerasLayers.Layer first = rnns.get(0);
        boolean bidirectional = first.className().equals("Bidirectional");
        String cls = null;
        int units = 0, inputSize = -1;
        CellType cell = null;
        Map<String, NdArray> state = new LinkedHashMap<>();
        for (int k = 0; k < rnns.size(); k++) {
            KerasLayers.Layer outer = rnns.get(k);
            KerasLayers.Layer l = inner(outer);
            if (outer.className().equals("Bidirectional") != bidirectional) {
                throw outer.error("mixes plain and Bidirectional recurrent layers" + fit);
            }
            if (bidirectional && !"concat".equals(String.valueOf(outer.get("merge_mode")))) {
                throw outer.error("merge_mode " + outer.get("merge_mode") + " does not map; the regressor concatenates" + fit);
            }
            boolean last = k == rnns.size() - 1;
            if (l.flag(false, "return_sequences") == last || l.flag(false, "go_backwards") || l.flag(false, "return_state")
                    || !l.flag(true, "use_bias")) {
                throw outer.error("needs return_sequences=" + !last + ", go_backwards=False, return_state=False and use_bias=True" + fit);
            }
            CellType c = cellType(l);
            int u = l.integer("units", "output_dim");
            if (cls != null && (!cls.equals(l.className()) || u != units || c != cell)) {
                throw outer.error("differs from the first recurrent layer (" + cls + ", " + units + " units); stacked layers"
                        + " must match" + fit);
            }
            cls = l.className();
            units = u;
            cell = c;
            List<NdArray> w = file.weights(outer.name());
            int dirs = bidirectional ? 2 : 1, per = w.size() / dirs;
            for (int d = 0; d < dirs; d++) {
                List<NdArray> part = w.subList(d * per, (d + 1) * per);
                if (part.size() != 3) throw outer.error("has " + w.size() + " weight arrays, expected " + 3 * dirs);
                KerasImport.TorchWeights tw;
                try {
                    tw = switch (cell) {
                        case LSTM -> KerasImport.lstm(part.get(0), part.get(1), part.get(2));
                        case GRU, GRU_RESET_BEFORE -> KerasImport.gru(part.get(0), part.get(1), part.get(2),
                                cell == CellType.GRU).weights();
                        default -> KerasImport.simpleRnn(part.get(0), part.get(1), part.get(2));
                    };
                } catch (RuntimeException e) {
                    throw outer.error(e.getMessage());
                }
                if (k == 0) inputSize = tw.inputSize();
                for (Map.Entry<String, NdArray> e : tw.toStateDict(k, d == 1).entrySet()) state.put("rnn." + e.getKey(), e.getValue());
            }
        }
        List<NdArray> dw = file.weights(dense.name());
        if (dw.size() != 2 || dw.get(0).rank() != 2) throw dense.error("has " + dw.size() + " weight arrays, expected kernel and bias");
        int outputs = dw.get(0).dim(1);
        state.put("output.weight", dw.get(0).t().copy());
        state.put("output.bias", dw.get(1));
        SequenceRegressor.Config c = new SequenceRegressor.Config(cell, inputSize, units, rnns.size(), bidirectional, outputs,
                dropout, DType.FLOAT32, 1);
        SequenceRegressor model = new SequenceRegressor(c);
        try {
            model.loadStateDict(state);
        } catch (RuntimeException e) {
            throw new KerasException(src + ": the weights do not fit a regressor " + c + ": " + e.getMessage(), e);
        }
        return model;
    }

    private static boolean isRecurrent(KerasLayers.Layer l) {
        return List.of("SimpleRNN", "LSTM", "GRU", "Bidirectional").contains(l.className());
    }

    @SuppressWarnings("unchecked")
    private static KerasLayers.Layer inner(KerasLayers.Layer outer) throws KerasException {
        if (!outer.className().equals("Bidirectional")) return outer;
        Object inner = outer.get("layer");
        if (!(inner instanceof Map)) throw outer.error("has no wrapped 'layer' in its config");
        KerasLayers.Layer l = KerasLayers.layer(outer.file(), (Map<String, Object>) inner);
        if (!List.of("SimpleRNN", "LSTM", "GRU").contains(l.className())) throw outer.error("wraps " + l.className());
        return l;
    }

    /** The stock cell computing exactly this Keras layer, or an error naming what does not map. */
    private static CellType cellType(KerasLayers.Layer l) throws KerasException {
        String act = l.text("tanh", "activation");
        if (l.className().equals("SimpleRNN")) {
            if (act.equals("tanh")) return CellType.RNN_TANH;
            if (act.equals("relu")) return CellType.RNN_RELU;
            throw l.error("activation " + act + " has no stock jrnn layer (tanh or relu map)");
        }
        String rec = l.text(l.file().isKeras1() ? "hard_sigmoid" : "sigmoid", "recurrent_activation", "inner_activation");
        if (!act.equals("tanh") || !rec.equals("sigmoid")) {
            throw l.error("activation " + act + " / recurrent_activation " + rec + " has no stock jrnn layer (tanh / sigmoid"
                    + " map)");
        }
        if (l.className().equals("LSTM")) return CellType.LSTM;
        return l.flag(false, "reset_after") ? CellType.GRU : CellType.GRU_RESET_BEFORE;
    }
}
