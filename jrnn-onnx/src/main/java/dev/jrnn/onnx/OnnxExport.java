package dev.jrnn.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import dev.jrnn.io.AtomicFiles;
import dev.jrnn.io.ModelFile;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.rnn.Gru;
import dev.jrnn.nn.rnn.Lstm;
import dev.jrnn.nn.rnn.RnnBase;
import dev.jrnn.nn.rnn.RnnConfig;
import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.nn.rnn.SimpleRnn;
import dev.jrnn.series.ForecastSpec;
import dev.jrnn.series.SequenceRegressor;
import dev.jrnn.series.SequenceRegressorFiles;
import dev.jrnn.series.Standardizer;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.text.LanguageModel;
import dev.jrnn.text.LanguageModelFiles;
import dev.jrnn.text.Seq2Seq;
import dev.jrnn.text.Seq2SeqConfig;
import dev.jrnn.text.Seq2SeqFiles;
import dev.jrnn.text.TextClassifier;
import dev.jrnn.text.TextClassifierFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 *   <tr><td>seq2seq encoder</td><td>{@code input_ids} int64 [batch, sequence], {@code lengths} int64 [batch]</td>
 *       <td>{@code h} (and {@code c}) [L, batch, H]</td></tr>
 *   <tr><td>seq2seq decoder</td><td>as the language model, starting from the encoder's state and {@code <bos>}</td>
 *       <td>as the language model</td></tr>
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
        GraphBuilder g = new GraphBuilder("jrnn_language_model");
        RnnConfig c = stepGraph(g, model.embedding().weight().data(), model.rnn(), model.output().weight().data(),
                model.output().bias() == null ? null : model.output().bias().data());
        g.metadata("jrnn.model_type", LanguageModelFiles.MODEL_TYPE);
        return g.build("jrnn language model (" + c.mode() + ", " + c.numLayers() + " layer(s), hidden " + c.hiddenSize()
                + ", vocabulary " + model.config().vocabSize() + "). " + stepDoc(c, model.config().vocabSize()));
    }

    /**
     * The encoder of a seq2seq model: source ids and lengths in, the final state out ({@code h} and, for LSTM,
     * {@code c}, {@code [L, batch, H]}), which {@link #seq2seqDecoder} takes as {@code h0}/{@code c0}.
     */
    public static ModelProto seq2seqEncoder(Seq2Seq model) {
        Objects.requireNonNull(model, "model");
        Seq2SeqConfig sc = model.config();
        Map<String, NdArray> p = model.stateDict();
        RnnBase enc = standIn(sc, p, "encoder.");
        RnnConfig c = enc.config();
        boolean lstm = c.mode() == CellType.LSTM;
        GraphBuilder g = new GraphBuilder("jrnn_seq2seq_encoder");
        g.input("input_ids", OnnxValue.INT64, "batch", "sequence");
        g.input("lengths", OnnxValue.INT64, "batch");
        String lens = g.node("Cast", null, new String[] {"lengths"}, attr("to", OnnxValue.INT32));
        Stack s = recurrent(g, enc, embed(g, p.get("source_embedding.weight")), lens, null, null);
        concatLayers(g, s.hn, "h");
        if (lstm) concatLayers(g, s.cn, "c");
        g.output("h", OnnxValue.FLOAT, c.numLayers(), "batch", c.hiddenSize());
        if (lstm) g.output("c", OnnxValue.FLOAT, c.numLayers(), "batch", c.hiddenSize());
        g.metadata("jrnn.model_type", Seq2SeqFiles.MODEL_TYPE);
        return g.build("jrnn seq2seq encoder (" + c.mode() + ", " + c.numLayers() + " layer(s), hidden " + c.hiddenSize()
                + "). input_ids int64 [batch, sequence] (source ids, padded), lengths int64 [batch]. Outputs h"
                + (lstm ? "/c" : "") + " [" + c.numLayers() + ", batch, " + c.hiddenSize() + "]: the decoder's h0"
                + (lstm ? "/c0" : "") + ".");
    }

    /**
     * The decoder of a seq2seq model, one step (or several, teacher-forced) at a time: the graph of
     * {@link #languageModel} over the target vocabulary. Start from the encoder's state with {@code <bos>} (id
     * {@code config.bosId()}) and feed back each step's chosen token and {@code hn}/{@code cn}.
     */
    public static ModelProto seq2seqDecoder(Seq2Seq model) {
        Objects.requireNonNull(model, "model");
        Seq2SeqConfig sc = model.config();
        Map<String, NdArray> p = model.stateDict();
        GraphBuilder g = new GraphBuilder("jrnn_seq2seq_decoder");
        RnnConfig c = stepGraph(g, p.get("target_embedding.weight"), standIn(sc, p, "decoder."), p.get("output.weight"),
                p.get("output.bias"));
        g.metadata("jrnn.model_type", Seq2SeqFiles.MODEL_TYPE);
        g.metadata("jrnn.bos_id", String.valueOf(sc.bosId()));
        g.metadata("jrnn.eos_id", String.valueOf(sc.eosId()));
        return g.build("jrnn seq2seq decoder (" + c.mode() + ", " + c.numLayers() + " layer(s), hidden " + c.hiddenSize()
                + "; <bos> " + sc.bosId() + ", <eos> " + sc.eosId() + "). " + stepDoc(c, sc.targetVocabSize())
                + " Start from the encoder's h" + (c.mode() == CellType.LSTM ? "/c" : "") + " with <bos>.");
    }

    /** A stock layer holding the parameters under {@code prefix} of a seq2seq model (its fields are private). */
    private static RnnBase standIn(Seq2SeqConfig sc, Map<String, NdArray> p, String prefix) {
        RnnConfig c = new RnnConfig(sc.cell(), sc.embeddingDim(), sc.hiddenSize(), sc.numLayers(), true, true, 0, false);
        RnnBase r;
        switch (sc.cell()) {
            case LSTM: r = new Lstm(c, sc.dtype(), new Rng(0)); break;
            case GRU: case GRU_RESET_BEFORE: r = new Gru(c, sc.dtype(), new Rng(0)); break;
            default: r = new SimpleRnn(c, sc.dtype(), new Rng(0)); break;
        }
        Map<String, NdArray> mine = new LinkedHashMap<>();
        p.forEach((k, v) -> {
            if (k.startsWith(prefix)) mine.put(k.substring(prefix.length()), v);
        });
        r.loadStateDict(mine);
        return r;
    }

    /**
     * The step graph shared by language models and seq2seq decoders: {@code input_ids}, {@code h0} (and {@code c0})
     * in; {@code logits}, {@code hn} (and {@code cn}) out.
     */
    private static RnnConfig stepGraph(GraphBuilder g, NdArray table, RnnBase rnn, NdArray outWeight, NdArray outBias) {
        RnnConfig c = rnn.config();
        boolean lstm = c.mode() == CellType.LSTM;
        int layers = c.numLayers(), h = c.hiddenSize(), v = outWeight.dim(0);
        g.input("input_ids", OnnxValue.INT64, "batch", "sequence");
        g.input("h0", OnnxValue.FLOAT, layers, "batch", h);
        if (lstm) g.input("c0", OnnxValue.FLOAT, layers, "batch", h);
        Stack s = recurrent(g, rnn, embed(g, table), "", "h0", lstm ? "c0" : null);            // [T, B, H]
        String y = g.node("Transpose", null, new String[] {s.output}, attrInts("perm", 1, 0, 2));   // [B, T, H]
        String z = g.node("MatMul", outBias == null ? "logits" : null, new String[] {y, g.weight("output.weight_t", outWeight.t())});
        if (outBias != null) g.node("Add", "logits", new String[] {z, g.weight("output.bias", outBias)});
        concatLayers(g, s.hn, "hn");
        if (lstm) concatLayers(g, s.cn, "cn");
        g.output("logits", OnnxValue.FLOAT, "batch", "sequence", v);
        g.output("hn", OnnxValue.FLOAT, layers, "batch", h);
        if (lstm) g.output("cn", OnnxValue.FLOAT, layers, "batch", h);
        return c;
    }

    private static String stepDoc(RnnConfig c, int v) {
        boolean lstm = c.mode() == CellType.LSTM;
        return "input_ids int64 [batch, sequence] (ids in 0.." + (v - 1) + "); h0" + (lstm ? "/c0" : "") + " ["
                + c.numLayers() + ", batch, " + c.hiddenSize() + "]: zeros to start, or the previous call's hn"
                + (lstm ? "/cn" : "") + ". logits [batch, sequence, " + v + "] score the token after each input.";
    }

    /** Each layer's {@code [1, B, H]} state stacked into {@code [L, B, H]} under {@code name}. */
    private static void concatLayers(GraphBuilder g, List<String> perLayer, String name) {
        if (perLayer.size() == 1) g.node("Identity", name, new String[] {perLayer.get(0)});
        else g.node("Concat", name, perLayer.toArray(new String[0]), attr("axis", 0));
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
        String logits = linear(g, model.output(), finalState(g, s), "logits");
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
        String z = linear(g, model.output(), finalState(g, s), spec == null ? "y" : null);
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
     * Exports a saved model directory (language model, text classifier, sequence regressor, or seq2seq as two files,
     * see {@link #seq2seqFiles}) to {@code out}, atomically.
     * The model's {@code config.json} (and vocabulary, when it has one) go into the ONNX metadata.
     *
     * @return the files written (two for seq2seq, else {@code out})
     */
    public static List<Path> export(Path modelDir, Path out) throws IOException {
        ModelFile files = ModelFile.open(modelDir);
        String type = files.modelType();
        switch (type) {
            case LanguageModelFiles.MODEL_TYPE:
                return writeOne(withFiles(languageModel(LanguageModelFiles.load(modelDir).model()), modelDir, files,
                        ModelFile.VOCAB_FILE), out);
            case TextClassifierFiles.MODEL_TYPE:
                return writeOne(withFiles(textClassifier(TextClassifierFiles.load(modelDir).model()), modelDir, files,
                        ModelFile.VOCAB_FILE), out);
            case SequenceRegressorFiles.MODEL_TYPE: {
                SequenceRegressorFiles.Loaded r = SequenceRegressorFiles.load(modelDir);
                return writeOne(withFiles(sequenceRegressor(r.model(), r.spec(), r.standardizer()), modelDir, files), out);
            }
            case Seq2SeqFiles.MODEL_TYPE: {
                Seq2Seq m = Seq2SeqFiles.load(modelDir).model();
                Path[] two = seq2seqFiles(out);
                write(withFiles(seq2seqEncoder(m), modelDir, files, Seq2SeqFiles.SOURCE_VOCAB_FILE), two[0]);
                write(withFiles(seq2seqDecoder(m), modelDir, files, Seq2SeqFiles.TARGET_VOCAB_FILE), two[1]);
                return List.of(two);
            }
            default:
                throw new OnnxException(modelDir.resolve(ModelFile.CONFIG_FILE) + ": model_type '" + type
                        + "' cannot be exported to ONNX (supported: " + LanguageModelFiles.MODEL_TYPE + ", "
                        + TextClassifierFiles.MODEL_TYPE + ", " + SequenceRegressorFiles.MODEL_TYPE + ", "
                        + Seq2SeqFiles.MODEL_TYPE + ")");
        }
    }

    /**
     * Where a seq2seq export goes: {@code NAME-encoder.onnx} and {@code NAME-decoder.onnx} beside {@code out}
     * ({@code NAME} is {@code out}'s file name without {@code .onnx}).
     */
    public static Path[] seq2seqFiles(Path out) {
        String name = out.getFileName().toString().replaceFirst("\\.onnx$", "");
        return new Path[] {out.resolveSibling(name + "-encoder.onnx"), out.resolveSibling(name + "-decoder.onnx")};
    }

    /** The model with the directory's {@code config.json} and the named vocabulary file in its metadata. */
    private static ModelProto withFiles(ModelProto m, Path dir, ModelFile files, String... vocab) throws IOException {
        ModelProto.Builder b = m.toBuilder();
        b.addMetadataProps(entry("jrnn.config", Files.readString(dir.resolve(ModelFile.CONFIG_FILE), StandardCharsets.UTF_8)));
        for (String v : vocab) {
            if (files.hasFile(v)) b.addMetadataProps(entry("jrnn.vocab", new String(files.readFile(v), StandardCharsets.UTF_8)));
        }
        return b.build();
    }

    private static List<Path> writeOne(ModelProto m, Path out) throws IOException {
        write(m, out);
        return List.of(out);
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

    /** {@code x W^T + b} of a matrix {@code x} as one Gemm. */
    private static String linear(GraphBuilder g, Linear l, String x, String out) {
        String w = g.weight("output.weight", l.weight().data());                     // [out, in]
        String[] in = l.bias() == null ? new String[] {x, w} : new String[] {x, w, g.weight("output.bias", l.bias().data())};
        return g.node("Gemm", out, in, attr("transB", 1));
    }

    /** The top layer's final hidden state, both directions side by side: {@code [B, D·H]}. */
    private static String finalState(GraphBuilder g, Stack s) {
        String top = s.hn.get(s.hn.size() - 1);                                               // [D, B, H]
        String bdh = g.node("Transpose", null, new String[] {top}, attrInts("perm", 1, 0, 2));  // [B, D, H]
        return g.node("Reshape", null, new String[] {bdh, g.longs("shape_batch_flat", 0, -1)});
    }

    /** The recurrent nodes' results: the top layer's output {@code [T, B, D·H]} and each layer's {@code Y_h}/{@code Y_c}. */
    private record Stack(String output, List<String> hn, List<String> cn) {}

    /**
     * The check every export runs on a recurrent layer before writing its nodes; call it to learn early whether a
     * layer can leave as standard ONNX. Refused: an {@link dev.jrnn.nn.rnn.Lstm} with a projection
     * ({@code projSize > 0}, PyTorch's {@code proj_size}), because the standard {@code LSTM} operator has no
     * projection weight and rewriting it as {@code Loop}/{@code Scan} would give up the standard operators; the scan
     * layers (minGRU, minLSTM) and the xLSTM layers (sLSTM, mLSTM), which no standard operator computes.
     *
     * @param rnn a stock recurrent layer
     * @throws IllegalArgumentException naming the layer, its {@code proj_size} and why
     */
    public static void checkExportable(RnnBase rnn) {
        RnnConfig c = rnn.config();
        if (c.mode().isXlstm()) {
            throw new IllegalArgumentException("ONNX export: " + rnn + " is an xLSTM layer (" + c.mode() + ": exponential"
                    + " gates with a normaliser and stabiliser state" + (c.mode() == CellType.MLSTM
                    ? ", a matrix memory per head" : "") + "), which none of the standard ONNX recurrent operators (LSTM,"
                    + " GRU, RNN) computes; export an LSTM, GRU or RNN model, or use jrnn's safetensors format for this one");
        }
        if (c.mode() == CellType.TTT_LINEAR) {
            throw new IllegalArgumentException("ONNX export: " + rnn + " is a TTT-Linear layer (TTT_LINEAR: its state is a"
                    + " linear model per head trained by a gradient step at every token), which none of the standard ONNX"
                    + " recurrent operators (LSTM, GRU, RNN) computes; export an LSTM, GRU or RNN model, or use jrnn's"
                    + " safetensors format for this one");
        }
        if (!c.mode().hasRecurrentWeights()) {
            throw new IllegalArgumentException("ONNX export: " + rnn + " is a " + c.mode() + " scan layer (gates from x"
                    + " only, no weight_hh), which none of the standard ONNX recurrent operators (LSTM, GRU, RNN)"
                    + " computes; export an LSTM, GRU or RNN model, or use jrnn's safetensors format for this one");
        }
        if (c.projSize() > 0) {
            throw new IllegalArgumentException("ONNX export: " + rnn + " has proj_size=" + c.projSize()
                    + " (weight_hr_l{k} [" + c.projSize() + ", " + c.hiddenSize() + "]), but the standard ONNX LSTM"
                    + " operator has no projection; export an LSTM without projSize, or use jrnn's safetensors"
                    + " format (PyTorch names) for this model");
        }
    }

    /**
     * One recurrent node per layer, chained.
     *
     * @param x       {@code [T, B, I]}
     * @param lens    an int32 {@code [B]} name, or "" for none
     * @param h0      a {@code [L·D, B, H]} name or null (zeros)
     * @param c0      likewise, LSTM only
     */
    private static Stack recurrent(GraphBuilder g, RnnBase rnn, String x, String lens, String h0, String c0) {
        checkExportable(rnn);
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
