package dev.jrnn.onnx;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.jrnn.autograd.Autograd;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Module;
import dev.jrnn.nn.rnn.HiddenState;
import dev.jrnn.nn.rnn.LstmState;
import dev.jrnn.nn.rnn.RnnBase;
import dev.jrnn.nn.rnn.RnnConfig;
import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.nn.rnn.RnnState;
import dev.jrnn.series.ForecastSpec;
import dev.jrnn.series.SequenceRegressor;
import dev.jrnn.series.Standardizer;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.text.LanguageModel;
import dev.jrnn.text.LanguageModelConfig;
import dev.jrnn.text.Seq2Seq;
import dev.jrnn.text.Seq2SeqConfig;
import dev.jrnn.text.TextClassifier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * jrnn models with random weights, exported to ONNX, run in ONNX Runtime (and back through jrnn's own ONNX import):
 * every kind, every cell (LSTM, both GRUs, tanh and relu RNN), one and two layers, uni- and bidirectional, masked
 * batches, at batch sizes 1, 3 and 17 and several lengths, from one exported file each (the axes are dynamic).
 * Random weights make every gate different, so a wrong gate order or bias half cannot pass.
 */
class RoundTripTest {
    private static final double TOL = 1e-5;
    private static final int[] BATCHES = {1, 3, 17};
    private static final int[] LENGTHS = {1, 4, 11};
    private static OrtEnvironment env;

    @BeforeAll
    static void start() {
        env = OrtEnvironment.getEnvironment();
    }

    @AfterAll
    static void report() {
        System.out.printf("round trips: worst relative error vs ONNX Runtime %.2e, vs jrnn's ONNX import %.2e%n", worstOrt, worstImport);
    }

    private static double worstOrt, worstImport;

    @ParameterizedTest
    @EnumSource(value = CellType.class, names = {"MIN_GRU", "MIN_LSTM", "SLSTM", "MLSTM", "TTT_LINEAR"}, mode = EnumSource.Mode.EXCLUDE)   // no ONNX op
    void languageModel(CellType cell) throws Exception {
        for (int layers : new int[] {1, 2}) {
            LanguageModel lm = new LanguageModel(LanguageModelConfig.of(13, 5, 6).withCell(cell).withLayers(layers).withSeed(7 + layers));
            lm.eval();
            ModelProto m = OnnxExport.languageModel(lm);
            OnnxGraph imported = OnnxGraph.parse(m.toByteArray(), "lm.onnx");
            boolean lstm = cell == CellType.LSTM;
            try (OrtSession s = env.createSession(m.toByteArray(), new OrtSession.SessionOptions())) {
                Rng rng = new Rng(layers);
                for (int b : BATCHES) {
                    for (int t : LENGTHS) {
                        long[] ids = new long[b * t];
                        int[] iids = new int[b * t];
                        for (int i = 0; i < ids.length; i++) iids[i] = (int) (ids[i] = rng.nextInt(13));
                        NdArray h0 = NdArray.randn(rng, DType.FLOAT32, 0, 1, layers, b, 6);
                        NdArray c0 = NdArray.randn(rng, DType.FLOAT32, 0, 1, layers, b, 6);
                        RnnState st = lstm ? new LstmState(Tensor.constant(h0), Tensor.constant(c0)) : new HiddenState(Tensor.constant(h0));
                        LanguageModel.Output want;
                        try (Autograd.Scope ignored = Autograd.noGrad()) {
                            want = lm.forward(iids, b, t, st);
                        }
                        Map<String, NdArray> feeds = new LinkedHashMap<>();
                        feeds.put("h0", h0);
                        if (lstm) feeds.put("c0", c0);
                        String what = "LM " + cell + " L" + layers + " B" + b + " T" + t;
                        Map<String, NdArray> ort = ort(s, ids, b, t, "input_ids", feeds);
                        compare(want.logits().data(), ort.get("logits"), what + " logits", true);
                        compare(want.state().h().data(), ort.get("hn"), what + " hn", true);
                        if (lstm) compare(((LstmState) want.state()).c().data(), ort.get("cn"), what + " cn", true);
                        Map<String, OnnxValue> in = new HashMap<>();
                        in.put("input_ids", OnnxValue.ofLongs(ids, b, t));
                        feeds.forEach((k, v) -> in.put(k, OnnxValue.of(v)));
                        Map<String, OnnxValue> back = imported.run(in);
                        compare(want.logits().data(), back.get("logits").array(), what + " logits (import)", false);
                        compare(want.state().h().data(), back.get("hn").array(), what + " hn (import)", false);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = CellType.class, names = {"MIN_GRU", "MIN_LSTM", "SLSTM", "MLSTM", "TTT_LINEAR"}, mode = EnumSource.Mode.EXCLUDE)   // no ONNX op
    void textClassifierMasked(CellType cell) throws Exception {
        for (boolean bidi : new boolean[] {false, true}) {
            for (int layers : new int[] {1, 2}) {
                TextClassifier tc = new TextClassifier(TextClassifier.Config.of(17, 5, 6, 3).withCell(cell)
                        .withLayers(layers).withBidirectional(bidi).withSeed(layers * 10 + (bidi ? 1 : 0)));
                tc.eval();
                ModelProto m = OnnxExport.textClassifier(tc);
                OnnxGraph imported = OnnxGraph.parse(m.toByteArray(), "classifier.onnx");
                try (OrtSession s = env.createSession(m.toByteArray(), new OrtSession.SessionOptions())) {
                    Rng rng = new Rng(3);
                    for (int b : BATCHES) {
                        for (int t : LENGTHS) {
                            long[] ids = new long[b * t];
                            int[] iids = new int[b * t];
                            int[] lengths = new int[b];
                            long[] llen = new long[b];
                            for (int i = 0; i < b; i++) llen[i] = lengths[i] = i == 0 ? t : 1 + rng.nextInt(t);   // masked rows
                            for (int i = 0; i < ids.length; i++) {
                                boolean pad = i % t >= lengths[i / t];
                                iids[i] = (int) (ids[i] = pad ? 0 : 1 + rng.nextInt(16));
                            }
                            NdArray want;
                            try (Autograd.Scope ignored = Autograd.noGrad()) {
                                want = tc.logits(iids, b, t, lengths).data();
                            }
                            String what = "classifier " + cell + " L" + layers + (bidi ? " bi" : "") + " B" + b + " T" + t;
                            Map<String, NdArray> ort = ort(s, ids, b, t, "input_ids", Map.of(), "lengths", llen);
                            compare(want, ort.get("logits"), what, true);
                            NdArray p = ort.get("probabilities");
                            for (int i = 0; i < b; i++) assertEquals(1.0, p.get(i, 0) + p.get(i, 1) + p.get(i, 2), 1e-5);
                            Map<String, OnnxValue> back = imported.run(Map.of("input_ids", OnnxValue.ofLongs(ids, b, t),
                                    "lengths", OnnxValue.ofLongs(llen, b)));
                            compare(want, back.get("logits").array(), what + " (import)", false);
                        }
                    }
                }
                assertImportedLayersHoldTheWeights(tc.rnn(), imported);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = CellType.class, names = {"MIN_GRU", "MIN_LSTM", "SLSTM", "MLSTM", "TTT_LINEAR"}, mode = EnumSource.Mode.EXCLUDE)   // no ONNX op
    void sequenceRegressorInDataUnits(CellType cell) throws Exception {
        ForecastSpec spec = new ForecastSpec(List.of("temp", "wind"), List.of("temp", "rain"), 8, 2);
        Standardizer z = new Standardizer(List.of("temp", "wind", "rain"), new double[] {12.5, 3.0, 0.7}, new double[] {6.0, 1.5, 2.0});
        for (boolean bidi : new boolean[] {false, true}) {
            SequenceRegressor r = new SequenceRegressor(SequenceRegressor.Config.of(2, 6, 4).withCell(cell).withLayers(2)
                    .withBidirectional(bidi).withSeed(bidi ? 5 : 6));
            r.eval();
            ModelProto m = OnnxExport.sequenceRegressor(r, spec, z);
            OnnxGraph imported = OnnxGraph.parse(m.toByteArray(), "regressor.onnx");
            try (OrtSession s = env.createSession(m.toByteArray(), new OrtSession.SessionOptions())) {
                Rng rng = new Rng(11);
                for (int b : BATCHES) {
                    for (int t : LENGTHS) {
                        float[] raw = new float[b * t * 2], scaled = new float[raw.length];
                        int[] lengths = new int[b];
                        long[] llen = new long[b];
                        for (int i = 0; i < b; i++) llen[i] = lengths[i] = 1 + rng.nextInt(t);
                        for (int i = 0; i < raw.length; i++) {
                            String col = i % 2 == 0 ? "temp" : "wind";
                            raw[i] = (float) (z.mean()[i % 2] + 3 * z.std()[i % 2] * rng.nextGaussian());
                            scaled[i] = (float) z.scale(col, raw[i]);
                        }
                        NdArray y;
                        try (Autograd.Scope ignored = Autograd.noGrad()) {
                            y = r.forward(Tensor.constant(NdArray.of(scaled, b, t, 2)), lengths).data();
                        }
                        float[] want = new float[b * 4];
                        for (int i = 0; i < b; i++) {
                            double[] row = new double[4];
                            for (int k = 0; k < 4; k++) row[k] = y.get(i, k);
                            double[] u = spec.unscale(z, row);
                            for (int k = 0; k < 4; k++) want[i * 4 + k] = (float) u[k];
                        }
                        String what = "regressor " + cell + (bidi ? " bi" : "") + " B" + b + " T" + t;
                        Map<String, NdArray> ort = ortFloat(s, raw, b, t, llen);
                        compare(NdArray.of(want, b, 4), ort.get("y"), what, true);
                        Map<String, OnnxValue> back = imported.run(Map.of("x", OnnxValue.of(NdArray.of(raw, b, t, 2)),
                                "lengths", OnnxValue.ofLongs(llen, b)));
                        compare(NdArray.of(want, b, 4), back.get("y").array(), what + " (import)", false);
                    }
                }
            }
            // Without the statistics the graph works in standardised units: exactly the network.
            ModelProto plain = OnnxExport.sequenceRegressor(r, null, null);
            try (OrtSession s = env.createSession(plain.toByteArray(), new OrtSession.SessionOptions())) {
                Rng rng = new Rng(12);
                float[] x = new float[3 * 5 * 2];
                for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian();
                int[] lengths = {5, 2, 4};
                NdArray y;
                try (Autograd.Scope ignored = Autograd.noGrad()) {
                    y = r.forward(Tensor.constant(NdArray.of(x, 3, 5, 2)), lengths).data();
                }
                compare(y, ortFloat(s, x, 3, 5, new long[] {5, 2, 4}).get("y"), "standardised regressor " + cell, true);
            }
        }
    }

    /** The encoder's state and the teacher-forced decoder logits agree; greedy decoding through ORT gives jrnn's tokens. */
    @ParameterizedTest
    @EnumSource(value = CellType.class, names = {"MIN_GRU", "MIN_LSTM", "SLSTM", "MLSTM", "TTT_LINEAR"}, mode = EnumSource.Mode.EXCLUDE)   // no ONNX op
    void seq2seqEncoderAndDecoder(CellType cell) throws Exception {
        int bos = 10, eos = 11;
        Seq2Seq model = new Seq2Seq(Seq2SeqConfig.of(10, 12, 5, 6, bos, eos).withCell(cell).withLayers(2).withSeed(4));
        model.eval();
        boolean lstm = cell == CellType.LSTM;
        ModelProto encoder = OnnxExport.seq2seqEncoder(model), decoder = OnnxExport.seq2seqDecoder(model);
        try (OrtSession enc = env.createSession(encoder.toByteArray(), new OrtSession.SessionOptions());
             OrtSession dec = env.createSession(decoder.toByteArray(), new OrtSession.SessionOptions())) {
            Rng rng = new Rng(9);
            for (int b : BATCHES) {
                List<int[]> sources = new java.util.ArrayList<>(), targets = new java.util.ArrayList<>();
                int t = 7, n = 4;
                long[] ids = new long[b * t], lengths = new long[b], tf = new long[b * (n + 1)];
                for (int i = 0; i < b; i++) {
                    int[] src = new int[1 + rng.nextInt(t)];
                    for (int k = 0; k < src.length; k++) ids[i * t + k] = src[k] = rng.nextInt(10);
                    lengths[i] = src.length;
                    sources.add(src);
                    int[] tgt = new int[n];
                    tf[i * (n + 1)] = bos;
                    for (int k = 0; k < n; k++) tf[i * (n + 1) + k + 1] = tgt[k] = rng.nextInt(10);
                    targets.add(tgt);
                }
                RnnState state;
                NdArray logits;
                try (Autograd.Scope ignored = Autograd.noGrad()) {
                    state = model.encode(sources);
                    logits = model.teacherForcedLogits(sources, targets).data();
                }
                String what = "seq2seq " + cell + " B" + b;
                Map<String, NdArray> h = ort(enc, ids, b, t, "input_ids", Map.of(), "lengths", lengths);
                compare(state.h().data(), h.get("h"), what + " encoder h", true);
                if (lstm) compare(((LstmState) state).c().data(), h.get("c"), what + " encoder c", true);
                Map<String, NdArray> start = new LinkedHashMap<>();
                start.put("h0", h.get("h"));
                if (lstm) start.put("c0", h.get("c"));
                compare(logits, ort(dec, tf, b, n + 1, "input_ids", start).get("logits"), what + " decoder logits", true);
            }
            int[] source = {3, 1, 4, 1, 5};
            int[] want = model.greedy(source, 8);
            long[] src = java.util.Arrays.stream(source).asLongStream().toArray();
            Map<String, NdArray> s = ort(enc, src, 1, src.length, "input_ids", Map.of(), "lengths", new long[] {src.length});
            java.util.List<Integer> got = new java.util.ArrayList<>();
            long token = bos;
            for (int step = 0; step < 8; step++) {
                Map<String, NdArray> st = new LinkedHashMap<>();
                st.put("h0", s.getOrDefault("hn", s.get("h")));
                if (lstm) st.put("c0", s.getOrDefault("cn", s.get("c")));
                s = ort(dec, new long[] {token}, 1, 1, "input_ids", st);
                token = s.get("logits").reshape(-1).argmax(0)[0];
                if (token == eos) break;
                got.add((int) token);
            }
            assertEquals(java.util.Arrays.toString(want), got.toString(), "greedy decoding through ONNX Runtime, " + cell);
        }
    }

    /**
     * Import of an export gives back jrnn layers with exactly the original parameters: one layer per ONNX node (a
     * bidirectional node becomes a bidirectional layer), PyTorch names, bit-identical values.
     */
    private static void assertImportedLayersHoldTheWeights(RnnBase original, OnnxGraph imported) {
        List<Module> layers = new java.util.ArrayList<>(imported.recurrentModules().values());
        RnnConfig c = original.config();
        assertEquals(c.numLayers(), layers.size());
        for (int k = 0; k < layers.size(); k++) {
            RnnBase layer = (RnnBase) layers.get(k);
            assertEquals(c.mode(), layer.config().mode());
            assertEquals(c.bidirectional(), layer.config().bidirectional());
            for (int d = 0; d < c.numDirections(); d++) {
                boolean rev = d == 1;
                assertArrayEquals(original.weightIh(k, rev).data().floatData(), layer.weightIh(0, rev).data().floatData());
                assertArrayEquals(original.weightHh(k, rev).data().floatData(), layer.weightHh(0, rev).data().floatData());
                assertArrayEquals(original.biasIh(k, rev).data().floatData(), layer.biasIh(0, rev).data().floatData());
                assertArrayEquals(original.biasHh(k, rev).data().floatData(), layer.biasHh(0, rev).data().floatData());
            }
        }
    }


    private static void compare(NdArray want, NdArray got, String what, boolean ort) {
        double e = TestData.assertClose(want, got, TOL, what);
        if (ort) worstOrt = Math.max(worstOrt, e);
        else worstImport = Math.max(worstImport, e);
    }

    /** Runs with int64 ids [b, t] (plus float and int64 extras) and returns every output as a float array. */
    private static Map<String, NdArray> ort(OrtSession s, long[] ids, int b, int t, String idsName, Map<String, NdArray> floats,
                                            Object... longInputs) throws OrtException {
        Map<String, OnnxTensor> in = new LinkedHashMap<>();
        try {
            in.put(idsName, OnnxTensor.createTensor(env, LongBuffer.wrap(ids), new long[] {b, t}));
            for (Map.Entry<String, NdArray> f : floats.entrySet()) {
                in.put(f.getKey(), OnnxTensor.createTensor(env, FloatBuffer.wrap(f.getValue().floatData()), longs(f.getValue().shape())));
            }
            for (int i = 0; i < longInputs.length; i += 2) {
                long[] v = (long[]) longInputs[i + 1];
                in.put((String) longInputs[i], OnnxTensor.createTensor(env, LongBuffer.wrap(v), new long[] {v.length}));
            }
            return results(s, in);
        } finally {
            in.values().forEach(OnnxTensor::close);
        }
    }

    private static Map<String, NdArray> ortFloat(OrtSession s, float[] x, int b, int t, long[] lengths) throws OrtException {
        Map<String, OnnxTensor> in = new LinkedHashMap<>();
        try {
            in.put("x", OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {b, t, 2}));
            in.put("lengths", OnnxTensor.createTensor(env, LongBuffer.wrap(lengths), new long[] {b}));
            return results(s, in);
        } finally {
            in.values().forEach(OnnxTensor::close);
        }
    }

    private static Map<String, NdArray> results(OrtSession s, Map<String, OnnxTensor> in) throws OrtException {
        Map<String, NdArray> out = new LinkedHashMap<>();
        try (OrtSession.Result r = s.run(in)) {
            for (Map.Entry<String, ai.onnxruntime.OnnxValue> e : r) {
                OnnxTensor ot = (OnnxTensor) e.getValue();
                long[] shape = ot.getInfo().getShape();
                int[] is = new int[shape.length];
                for (int i = 0; i < is.length; i++) is[i] = (int) shape[i];
                FloatBuffer fb = ot.getFloatBuffer();
                float[] v = new float[fb.remaining()];
                fb.get(v);
                out.put(e.getKey(), NdArray.of(v, is));
            }
        }
        return out;
    }

    private static long[] longs(int[] s) {
        long[] l = new long[s.length];
        for (int i = 0; i < s.length; i++) l[i] = s[i];
        return l;
    }
}
