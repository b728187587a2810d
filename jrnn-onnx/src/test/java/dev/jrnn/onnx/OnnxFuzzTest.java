package dev.jrnn.onnx;

import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.series.ForecastSpec;
import dev.jrnn.series.SequenceRegressor;
import dev.jrnn.series.Standardizer;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.text.LanguageModel;
import dev.jrnn.text.LanguageModelConfig;
import dev.jrnn.text.Seq2Seq;
import dev.jrnn.text.Seq2SeqConfig;
import dev.jrnn.text.TextClassifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Fuzzes jrnn's ONNX reader: {@link OnnxGraph#parse} (protobuf, opset, initializers, every node's op and operands),
 * then, for a graph that loads, {@link OnnxGraph#run} on a small input built from the graph's declared inputs. The
 * outcome must be a graph that runs or an {@link OnnxException} naming the file (docs/fuzzing.md). Seeded with the
 * graphs {@link OnnxExport} writes for small models of every kind.
 */
class OnnxFuzzTest {
    static final String FILE = "fuzz.onnx";
    /** Inputs holding more elements than this are not run (the graph, not the feed, is under test). */
    static final int MAX_FEED = 4096;

    /** Valid graphs: a language model (LSTM, GRU), a classifier, a regressor in data units, a seq2seq encoder and decoder. */
    static Stream<byte[]> seeds() {
        LanguageModel lstm = new LanguageModel(LanguageModelConfig.of(7, 3, 4).withCell(CellType.LSTM).withSeed(1));
        LanguageModel gru = new LanguageModel(LanguageModelConfig.of(7, 3, 4).withCell(CellType.GRU).withLayers(2).withSeed(2));
        TextClassifier tc = new TextClassifier(TextClassifier.Config.of(9, 3, 4, 2).withBidirectional(true).withSeed(3));
        ForecastSpec spec = new ForecastSpec(List.of("a", "b"), List.of("a"), 4, 1);
        Standardizer z = new Standardizer(List.of("a", "b"), new double[] {1, 2}, new double[] {0.5, 3});
        SequenceRegressor r = new SequenceRegressor(SequenceRegressor.Config.of(2, 3, 1).withSeed(4));
        Seq2Seq s2s = new Seq2Seq(Seq2SeqConfig.of(6, 7, 3, 4, 5, 6).withSeed(5));
        return Stream.of(OnnxExport.languageModel(lstm), OnnxExport.languageModel(gru), OnnxExport.textClassifier(tc),
                        OnnxExport.sequenceRegressor(r, spec, z), OnnxExport.seq2seqEncoder(s2s), OnnxExport.seq2seqDecoder(s2s))
                .map(m -> m.toByteArray());
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "5m")
    void parseAndRun(byte[] data) throws Exception {
        try {
            OnnxGraph g = OnnxGraph.parse(data, FILE);
            Map<String, OnnxValue> feeds = feeds(g);
            if (feeds != null) g.run(feeds);
        } catch (OnnxException e) {
            if (e.getMessage() == null || !e.getMessage().contains(FILE)) {
                throw new AssertionError("the rejection does not name the file " + FILE + ": " + e, e);
            }
        }
    }

    /** Every seed loads and runs: a seed that stops being valid fails here instead of weakening the fuzzing. */
    @Test
    void seedsLoadAndRun() throws Exception {
        for (byte[] seed : seeds().toList()) {
            OnnxGraph g = OnnxGraph.parse(seed, FILE);
            Map<String, OnnxValue> out = g.run(feeds(g));
            assertFalse(out.isEmpty() || out.containsValue(null), g.describe());
        }
    }

    /**
     * A value for every graph input: its declared element type (int64 inputs hold 1, a valid token id and length,
     * others 0), fixed dimensions as declared, named or unknown ones 2 (the same name, the same size); null when
     * the declared shape holds more than {@link #MAX_FEED} elements.
     */
    static Map<String, OnnxValue> feeds(OnnxGraph g) {
        Map<String, ValueInfoProto> declared = new HashMap<>();
        for (ValueInfoProto v : g.model().getGraph().getInputList()) declared.putIfAbsent(v.getName(), v);
        Map<String, OnnxValue> feeds = new HashMap<>();
        for (String name : g.inputNames()) {
            ValueInfoProto v = declared.get(name);
            var tt = v.getType().getTensorType();
            List<Integer> shape = new ArrayList<>();
            long count = 1;
            for (TensorShapeProto.Dimension d : tt.getShape().getDimList()) {
                long n = d.hasDimValue() ? d.getDimValue() : 2;
                if (n < 0 || n > MAX_FEED) return null;
                count *= n;
                if (count > MAX_FEED || shape.size() >= 8) return null;
                shape.add((int) n);
            }
            int[] dims = shape.stream().mapToInt(Integer::intValue).toArray();
            if (tt.getElemType() == TensorProto.DataType.INT64_VALUE) {
                long[] ones = new long[(int) count];
                Arrays.fill(ones, 1);
                feeds.put(name, OnnxValue.ofLongs(ones, dims));
            } else if (tt.getElemType() == TensorProto.DataType.DOUBLE_VALUE) {
                feeds.put(name, OnnxValue.of(NdArray.zeros(DType.FLOAT64, dims)));
            } else {
                feeds.put(name, OnnxValue.of(NdArray.zeros(DType.FLOAT32, dims)));
            }
        }
        return feeds;
    }
}
