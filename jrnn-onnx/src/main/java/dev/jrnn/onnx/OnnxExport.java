package dev.jrnn.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import dev.jrnn.io.AtomicFiles;
import dev.jrnn.io.ModelFile;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.rnn.RnnBase;
import dev.jrnn.nn.rnn.RnnConfig;
import dev.jrnn.nn.rnn.RnnKernels.CellType;
import dev.jrnn.series.ForecastSpec;
import dev.jrnn.series.SequenceRegressor;
import dev.jrnn.series.SequenceRegressorFiles;
import dev.jrnn.series.Standardizer;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.text.LanguageModel;
import dev.jrnn.text.LanguageModelFiles;
import dev.jrnn.text.TextClassifier;
import dev.jrnn.text.TextClassifierFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import static dev.jrnn.onnx.GraphBuilder.attr;
import static dev.jrnn.onnx.GraphBuilder.attrInts;
import static dev.jrnn.onnx.GraphBuilder.attrStrings;

/**
 * Writes jrnn models as ONNX graphs of the standard recurrent operators (one {@code LSTM}/{@code GRU}/{@code RNN} node per
 * layer, {@code direction} forward or bidirectional, never {@code Loop}/{@code Scan}), with dynamic {@code batch} and
 * {@code sequence} axes. Weights go in as float32 initializers, converted to ONNX's gate order (LSTM i, o, f, c; GRU
 * z, r, h with {@code linear_before_reset} 1 for jrnn's reset-after GRU and 0 for reset-before) with
 * {@code B = [W_b; R_b]}. Opset {@value #OPSET}, IR version {@value #IR_VERSION}.
 *
 * <table>
 *   <caption>The graphs</caption>
 *   <tr><th>model</th><th>inputs</th><th>outputs</th></tr>
 *   <tr><td>language model</td><td>{@code input_ids} int64 [batch, sequence], {@code h0} float [L, batch, H]
 *       (and {@code c0} for LSTM): zeros to start</td><td>{@code logits} [batch, sequence, V], {@code hn}
 *       (and {@code cn}) [L, batch, H], to feed back</td></tr>
 *   <tr><td>text classifier</td><td>{@code input_ids} int64 [batch, sequence], {@code lengths} int64 [batch]</td>
 *       <td>{@code logits} [batch, C], {@code probabilities} [batch, C]</td></tr>
 *   <tr><td>sequence regressor</td><td>{@code x} float [batch, sequence, F] in the data's units, {@code lengths}
 *       int64 [batch]</td><td>{@code y} [batch, K] in the data's units (step-major, as {@code jrnn predict})</td></tr>
 * </table>
 */
public final class OnnxExport {
    /** The default-domain opset the graphs use. */
    public static final int OPSET = 14;
    /** The IR version written (ONNX 1.9, which introduced opset 14). */
    public static final int IR_VERSION = 7;

    private static final int[] LSTM_TO_ONNX = {0, 3, 1, 2}, GRU_TO_ONNX = {1, 0, 2}, RNN_TO_ONNX = {0};

    private OnnxExport() {}

    /** A language model: token ids and a carried state in, next-token logits and the new state out. */
    public static ModelProto languageModel(LanguageModel model) {
        Objects.requireNonNull(model, "model");
        RnnBase rnn = model.rnn();
        RnnConfig c = rnn.config();
        boolean lstm = c.mode() == CellType.LSTM;
        int layers = c.numLayers(), h = c.hiddenSize(), v = model.config().vocabSize();
        GraphBuilder g = new GraphBuilder("jrnn_language_model");
        g.input("input_ids", OnnxValue.INT64, "batch", "sequence");
        g.input("h0", OnnxValue.FLOAT, layers, "batch", h);
        if (lstm) g.input("c0", OnnxValue.FLOAT, layers, "batch", h);
        String x = embed(g, model.embedding().weight().data());                          // [T, B, E]
        Stack s = recurrent(g, rnn, x, "", "h0", lstm ? "c0" : null);
        String y = g.node("Transpose", null, new String[] {s.output}, attrInts("perm", 1, 0, 2));   // [B, T, H]
        linear(g, model.output(), y, "logits", false);
        g.node(layers == 1 ? "Identity" : "Concat", "hn", s.hn.toArray(new String[0]), layers == 1 ? new AttributeProto[0]
                : new AttributeProto[] {attr("axis", 0)});
        if (lstm) {
            g.node(layers == 1 ? "Identity" : "Concat", "cn", s.cn.toArray(new String[0]), layers == 1
                    ? new AttributeProto[0] : new AttributeProto[] {attr("axis", 0)});
        }
        g.output("logits", OnnxValue.FLOAT, "batch", "sequence", v);
        g.output("hn", OnnxValue.FLOAT, layers, "batch", h);
        if (lstm) g.output("cn", OnnxValue.FLOAT, layers, "batch", h);
        g.metadata("jrnn.model_type", LanguageModelFiles.MODEL_TYPE);
        return g.build("jrnn language model (" + c.mode() + ", " + layers + " layer(s), hidden " + h + ", vocabulary " + v
                + "). input_ids int64 [batch, sequence] (ids in 0.." + (v - 1) + "); h0" + (lstm ? "/c0" : "")
                + " [" + layers + ", batch, " + h + "]: zeros to start, or the previous call's hn" + (lstm ? "/cn" : "")
                + ". logits [batch, sequence, " + v + "] score the token after each input.");
    }

    /** A text classifier over a padded batch: ids and lengths in, class logits and probabilities out. */
    public static ModelProto textClassifier(TextClassifier model) {
        Objects.requireNonNull(model, "model");
        RnnConfig c = model.rnn().config();
        int classes = model.config().numClasses();
        GraphBuilder g = new GraphBuilder("jrnn_text_classifier");
        g.input("input_ids", OnnxValue.INT64, "batch", "sequence");
        g.input("lengths", OnnxValue.INT64, "batch");
        String lens = g.node("Cast", null, new String[] {"lengths"}, attr("to", OnnxValue.INT32));
        String x = embed(g, model.embedding().weight().data());
        Stack s = recurrent(g, model.rnn(), x, lens, null, null);
        String logits = linear(g, model.output(), finalState(g, s, c), "logits", true);
        g.node("Softmax", "probabilities", new String[] {logits}, attr("axis", -1));
        g.output("logits", OnnxValue.FLOAT, "batch", classes);
        g.output("probabilities", OnnxValue.FLOAT, "batch", classes);
        g.metadata("jrnn.model_type", TextClassifierFiles.MODEL_TYPE);
        return g.build("jrnn text classifier (" + c.mode() + ", " + c.numLayers() + " layer(s)" + (c.bidirectional()
                ? ", bidirectional" : "") + ", " + classes + " classes). input_ids int64 [batch, sequence], padded; "
                + "lengths int64 [batch], each in 1..sequence. Outputs logits and probabilities [batch, " + classes + "].");
    }

    /**
     * A sequence regressor. With {@code spec} and {@code standardizer} the graph reads and writes the data's units
     * ({@code (x − mean) / std} in, {@code z · std + mean} out, per column); with both null it works in standardised units.
     */
    public static ModelProto sequenceRegressor(SequenceRegressor model, ForecastSpec spec, Standardizer standardizer) {
        Objects.requireNonNull(model, "model");
        if ((spec == null) != (standardizer == null)) {
            throw new IllegalArgumentException("OnnxExport.sequenceRegressor: give both spec and standardizer, or neither");
        }
        RnnConfig c = model.rnn().config();
        int f = c.inputSize(), k = model.config().outputSize();
        GraphBuilder g = new GraphBuilder("jrnn_sequence_regressor");
        g.input("x", OnnxValue.FLOAT, "batch", "sequence", f);
        g.input("lengths", OnnxValue.INT64, "batch");
        String x = "x";
        if (spec != null) {
            float[] mean = new float[f], std = new float[f];
            for (int j = 0; j < f; j++) {
                int col = standardizer.columns().indexOf(spec.inputs().get(j));
                mean[j] = (float) standardizer.mean()[col];
                std[j] = (float) standardizer.std()[col];
            }
            x = g.node("Sub", null, new String[] {x, g.weight("input_mean", NdArray.of(mean, f))});
            x = g.node("Div", null, new String[] {x, g.weight("input_std", NdArray.of(std, f))});
        }
        String lens = g.node("Cast", null, new String[] {"lengths"}, attr("to", OnnxValue.INT32));
        String xt = g.node("Transpose", null, new String[] {x}, attrInts("perm", 1, 0, 2));          // [T, B, F]
        Stack s = recurrent(g, model.rnn(), xt, lens, null, null);
        String z = linear(g, model.output(), finalState(g, s, c), spec == null ? "y" : null, true);
        if (spec != null) {
            float[] mean = new float[k], std = new float[k];
            for (int j = 0; j < k; j++) {
                int col = standardizer.columns().indexOf(spec.targets().get(j % spec.targets().size()));
                mean[j] = (float) standardizer.mean()[col];
                std[j] = (float) standardizer.std()[col];
            }
            z = g.node("Mul", null, new String[] {z, g.weight("output_std", NdArray.of(std, k))});
            g.node("Add", "y", new String[] {z, g.weight("output_mean", NdArray.of(mean, k))});
        }
        g.output("y", OnnxValue.FLOAT, "batch", k);
        g.metadata("jrnn.model_type", SequenceRegressorFiles.MODEL_TYPE);
        if (spec != null) {
            List<String> names = new ArrayList<>();
            for (int j = 0; j < k; j++) names.add(spec.outputName(j));
            g.metadata("jrnn.inputs", String.join(",", spec.inputs()));
            g.metadata("jrnn.outputs", String.join(",", names));
        }
        return g.build("jrnn sequence regressor (" + c.mode() + ", " + c.numLayers() + " layer(s)" + (c.bidirectional()
                ? ", bidirectional" : "") + "). x float [batch, sequence, " + f + "]"
                + (spec == null ? " standardised" : " in the data's units (columns " + spec.inputs() + ")")
                + "; lengths int64 [batch], each in 1..sequence. y [batch, " + k + "]"
                + (spec == null ? " standardised." : " in the data's units."));
    }

    /**
     * Exports a saved model directory (language model, text classifier or sequence regressor) to {@code out},
     * atomically. The model's {@code config.json} (and vocabulary, when it has one) go into the ONNX metadata.
     *
     * @return one line describing what was written
     */
    public static String export(Path modelDir, Path out) throws IOException {
        ModelFile files = ModelFile.open(modelDir);
        String type = files.modelType();
        ModelProto m;
        switch (type) {
            case LanguageModelFiles.MODEL_TYPE:
                m = languageModel(LanguageModelFiles.load(modelDir).model());
                break;
            case TextClassifierFiles.MODEL_TYPE:
                m = textClassifier(TextClassifierFiles.load(modelDir).model());
                break;
            case SequenceRegressorFiles.MODEL_TYPE: {
                SequenceRegressorFiles.Loaded r = SequenceRegressorFiles.load(modelDir);
                m = sequenceRegressor(r.model(), r.spec(), r.standardizer());
                break;
            }
            default:
                throw new OnnxException(modelDir.resolve(ModelFile.CONFIG_FILE) + ": model_type '" + type
                        + "' cannot be exported to ONNX (supported: " + LanguageModelFiles.MODEL_TYPE + ", "
                        + TextClassifierFiles.MODEL_TYPE + ", " + SequenceRegressorFiles.MODEL_TYPE + ")");
        }
        ModelProto.Builder b = m.toBuilder();
        b.addMetadataProps(entry("jrnn.config", java.nio.file.Files.readString(modelDir.resolve(ModelFile.CONFIG_FILE), StandardCharsets.UTF_8)));
        if (files.hasFile(ModelFile.VOCAB_FILE)) {
            b.addMetadataProps(entry("jrnn.vocab", new String(files.readFile(ModelFile.VOCAB_FILE), StandardCharsets.UTF_8)));
        }
        m = b.build();
        write(m, out);
        return out + ": " + m.getGraph().getName() + ", " + m.getGraph().getNodeCount() + " nodes, "
                + m.getGraph().getInitializerCount() + " initializers, " + m.getSerializedSize() + " bytes (opset " + OPSET + ")";
    }

    private static StringStringEntryProto entry(String k, String v) {
        return StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
    }

    /** Writes a model atomically (temporary file, fsync, rename). */
    public static void write(ModelProto model, Path out) throws IOException {
        AtomicFiles.write(out, model.toByteArray());
    }

    // ------------------------------------------------------------------ pieces

    /** Gather of the embedding table by {@code input_ids}, then to time-major: {@code [T, B, E]}. */
    private static String embed(GraphBuilder g, NdArray table) {
        String e = g.node("Gather", null, new String[] {g.weight("embedding.weight", table), "input_ids"}, attr("axis", 0));
        return g.node("Transpose", null, new String[] {e}, attrInts("perm", 1, 0, 2));
    }

    /** {@code x W^T + b}: Gemm for a matrix, MatMul + Add otherwise. */
    private static String linear(GraphBuilder g, Linear l, String x, String out, boolean matrix) {
        NdArray w = l.weight().data();                                   // [out, in]
        String b = l.bias() == null ? null : g.weight("output.bias", l.bias().data());
        if (matrix) {
            String wn = g.weight("output.weight", w);
            String[] in = b == null ? new String[] {x, wn} : new String[] {x, wn, b};
            return g.node("Gemm", out, in, attr("transB", 1));
        }
        String y = g.node("MatMul", b == null ? out : null, new String[] {x, g.weight("output.weight_t", w.t())});
        return b == null ? y : g.node("Add", out, new String[] {y, b});
    }

    /** The top layer's final hidden state, both directions side by side: {@code [B, D·H]}. */
    private static String finalState(GraphBuilder g, Stack s, RnnConfig c) {
        String top = s.hn.get(s.hn.size() - 1);                                               // [D, B, H]
        String bdh = g.node("Transpose", null, new String[] {top}, attrInts("perm", 1, 0, 2));  // [B, D, H]
        return g.node("Reshape", null, new String[] {bdh, g.longs("shape_batch_flat", 0, -1)});
    }

    /** The recurrent nodes' results: the top layer's output {@code [T, B, D·H]} and each layer's {@code Y_h}/{@code Y_c}. */
    private record Stack(String output, List<String> hn, List<String> cn) {}

    /**
     * One recurrent node per layer, chained.
     *
     * @param x       {@code [T, B, I]}
     * @param lens    an int32 {@code [B]} name, or "" for none
     * @param h0      a {@code [L·D, B, H]} name or null (zeros)
     * @param c0      likewise, LSTM only
     */
    private static Stack recurrent(GraphBuilder g, RnnBase rnn, String x, String lens, String h0, String c0) {
        RnnConfig c = rnn.config();
        int d = c.numDirections(), h = c.hiddenSize();
        String op;
        int[] blocks;
        switch (c.mode()) {
            case LSTM: op = "LSTM"; blocks = LSTM_TO_ONNX; break;
            case GRU: case GRU_RESET_BEFORE: op = "GRU"; blocks = GRU_TO_ONNX; break;
            default: op = "RNN"; blocks = RNN_TO_ONNX; break;
        }
        List<String> hn = new ArrayList<>(), cn = new ArrayList<>();
        for (int k = 0; k < c.numLayers(); k++) {
            NdArray[] w = new NdArray[d], r = new NdArray[d], b = new NdArray[d];
            for (int dir = 0; dir < d; dir++) {
                boolean rev = dir == 1;
                w[dir] = RecurrentOps.reorder(f32(rnn.weightIh(k, rev).data()), blocks, h);
                r[dir] = RecurrentOps.reorder(f32(rnn.weightHh(k, rev).data()), blocks, h);
                NdArray bi = rnn.biasIh(k, rev) == null ? NdArray.zeros(blocks.length * h) : f32(rnn.biasIh(k, rev).data());
                NdArray bh = rnn.biasHh(k, rev) == null ? NdArray.zeros(blocks.length * h) : f32(rnn.biasHh(k, rev).data());
                b[dir] = NdArray.concat(0, RecurrentOps.reorder(bi, blocks, h), RecurrentOps.reorder(bh, blocks, h));
            }
            String p = "rnn.l" + k + ".";
            String wn = g.weight(p + "W", NdArray.stack(0, w)), rn = g.weight(p + "R", NdArray.stack(0, r));
            String bn = g.weight(p + "B", NdArray.stack(0, b));
            String hk = h0 == null ? "" : layerSlice(g, h0, k, d), ck = c0 == null ? "" : layerSlice(g, c0, k, d);
            List<AttributeProto> attrs = new ArrayList<>();
            attrs.add(attr("hidden_size", h));
            attrs.add(attr("direction", d == 2 ? "bidirectional" : "forward"));
            if (op.equals("GRU")) attrs.add(attr("linear_before_reset", c.mode() == CellType.GRU ? 1 : 0));
            if (c.mode() == CellType.RNN_RELU) {
                attrs.add(d == 2 ? attrStrings("activations", "Relu", "Relu") : attrStrings("activations", "Relu"));
            }
            String[] ins = op.equals("LSTM") ? new String[] {x, wn, rn, bn, lens, hk, ck} : new String[] {x, wn, rn, bn, lens, hk};
            String[] outs = g.nodeN(op, op.equals("LSTM") ? new String[] {null, null, null} : new String[] {null, null}, trim(ins),
                    attrs.toArray(new AttributeProto[0]));
            hn.add(outs[1]);
            if (outs.length == 3) cn.add(outs[2]);
            // Y [T, D, B, H] -> [T, B, D·H] for the next layer (or the head).
            if (d == 1) {
                x = g.node("Squeeze", null, new String[] {outs[0], g.longs(p + "squeeze_axes", 1)});
            } else {
                String t = g.node("Transpose", null, new String[] {outs[0]}, attrInts("perm", 0, 2, 1, 3));
                x = g.node("Reshape", null, new String[] {t, g.longs(p + "merge_directions", 0, 0, -1)});
            }
        }
        return new Stack(x, hn, cn);
    }

    /** Layer {@code k}'s rows {@code [k·D, (k+1)·D)} of a stacked state {@code [L·D, B, H]}. */
    private static String layerSlice(GraphBuilder g, String state, int k, int d) {
        String p = state + ".l" + k;
        return g.node("Slice", null, new String[] {state, g.longs(p + ".starts", (long) k * d), g.longs(p + ".ends", (long) (k + 1) * d),
                g.longs(p + ".axes", 0)});
    }

    /** Drops trailing empty (absent) optional inputs. */
    private static String[] trim(String[] ins) {
        int n = ins.length;
        while (n > 0 && ins[n - 1].isEmpty()) n--;
        return java.util.Arrays.copyOf(ins, n);
    }

    private static NdArray f32(NdArray a) {
        return a.dtype() == DType.FLOAT32 ? a : a.to(DType.FLOAT32);
    }
}
