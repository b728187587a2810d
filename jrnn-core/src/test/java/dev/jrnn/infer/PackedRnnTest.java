package dev.jrnn.infer;

import dev.jrnn.autograd.Autograd;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Activation;
import dev.jrnn.nn.rnn.Gru;
import dev.jrnn.nn.rnn.GruVariant;
import dev.jrnn.nn.rnn.Lstm;
import dev.jrnn.nn.rnn.MinGru;
import dev.jrnn.nn.rnn.MinLstm;
import dev.jrnn.nn.rnn.MLstm;
import dev.jrnn.nn.rnn.SLstm;
import dev.jrnn.nn.rnn.RnnBase;
import dev.jrnn.nn.rnn.CellType;
import dev.jrnn.nn.rnn.RnnOutput;
import dev.jrnn.nn.rnn.ScanKernels;
import dev.jrnn.nn.rnn.SimpleRnn;
import dev.jrnn.nn.rnn.TttLinear;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import dev.jrnn.tensor.ShapeMismatchException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PackedRnn} and {@link RnnStream} against the stock layers' fused and readable paths, against each other,
 * and under concurrent use (bitwise against one thread).
 */
class PackedRnnTest {
    static final int I = 5, H = 7;
    /** B = 9 >= SMALL_BATCH (8) rows at first (one sgemm per step), then fewer (packed products per row): both paths. */
    static final int[] LENGTHS = {4, 6, 1, 6, 3, 2, 5, 6, 1};

    /** The cell types PackedRnn packs: all but TTT_LINEAR, which it refuses (see ttTLinearIsRefusedByName). */
    static final List<CellType> PACKED = java.util.Arrays.stream(CellType.values()).filter(CellType::isPackable).toList();

    @Test
    void tttLinearIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PackedRnn.of(layer(CellType.TTT_LINEAR, DType.FLOAT32, 1, false, 1)));
        assertTrue(e.getMessage().contains("TttLinear") && e.getMessage().contains("own"), e.getMessage());
    }

    static RnnBase layer(CellType type, DType dtype, int layers, boolean bidirectional, long seed) {
        RnnBase.Builder<? extends RnnBase> b = switch (type) {
            case LSTM -> Lstm.builder(I, H);
            case GRU -> Gru.builder(I, H);
            case GRU_RESET_BEFORE -> Gru.builder(I, H).variant(GruVariant.RESET_BEFORE);
            case RNN_TANH -> SimpleRnn.builder(I, H);
            case RNN_RELU -> SimpleRnn.builder(I, H).nonlinearity(Activation.Kind.RELU);
            case MIN_GRU -> MinGru.builder(I, H);
            case MIN_LSTM -> MinLstm.builder(I, H);
            case SLSTM -> SLstm.builder(I, H);
            case MLSTM -> MLstm.builder(I, H);
            case TTT_LINEAR -> TttLinear.builder(I, H);
        };
        return b.numLayers(layers).bidirectional(bidirectional).dtype(dtype).rng(new Rng(seed)).build();
    }

    static List<NdArray> sequences(DType dtype, int[] lengths, long seed) {
        Rng rng = new Rng(seed);
        List<NdArray> out = new ArrayList<>();
        for (int len : lengths) out.add(NdArray.randn(rng, dtype, 0, 1, len, I));
        return out;
    }

    /** The sequences as one zero-padded batch {@code [B, T, I]}. */
    static NdArray padded(List<NdArray> seqs, int[] lengths) {
        int t = Arrays.stream(lengths).max().orElseThrow();
        NdArray x = NdArray.zeros(seqs.get(0).dtype(), seqs.size(), t, I);
        for (int b = 0; b < seqs.size(); b++) {
            for (int i = 0; i < lengths[b] * I; i++) x.setFlat(b * t * I + i, seqs.get(b).getFlat(i));
        }
        return x;
    }

    static double tol(DType dtype) {
        return dtype == DType.FLOAT32 ? 2e-5 : 1e-12;
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (CellType type : PACKED) {
            for (DType dtype : List.of(DType.FLOAT32, DType.FLOAT64)) {
                out.add(Arguments.of(type, dtype, 1, false));
                out.add(Arguments.of(type, dtype, 2, true));
                out.add(Arguments.of(type, dtype, 3, false));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} layers={2} bidirectional={3}")
    @MethodSource("cases")
    void runMatchesTheFusedAndReadablePaths(CellType type, DType dtype, int layers, boolean bidirectional) {
        RnnBase rnn = layer(type, dtype, layers, bidirectional, 11);
        List<NdArray> seqs = sequences(dtype, LENGTHS, 12);
        PackedRnn.Output got = PackedRnn.of(rnn).run(seqs);
        for (RnnBase.Path path : RnnBase.Path.values()) {
            rnn.path(path);
            RnnOutput want;
            try (Autograd.Scope ignored = Autograd.noGrad()) {
                want = rnn.forwardFrom(Tensor.constant(padded(seqs, LENGTHS)), null, LENGTHS);
            }
            int dh = H * (bidirectional ? 2 : 1), t = want.output().dim(1);
            double worst = 0;
            for (int b = 0; b < LENGTHS.length; b++) {
                NdArray o = got.outputs().get(b);
                assertArrayEquals(new int[] {LENGTHS[b], dh}, o.shape(), "output " + b);
                for (int i = 0; i < LENGTHS[b] * dh; i++) {
                    worst = Math.max(worst, Math.abs(o.getFlat(i) - want.output().data().getFlat(b * t * dh + i)));
                }
            }
            assertTrue(worst <= tol(dtype), path + " outputs differ by " + worst);
            assertTrue(want.hN().data().maxAbsDiff(got.hN()) <= tol(dtype), path + " hN");
            if (type == CellType.LSTM) {
                assertTrue(want.cN().data().maxAbsDiff(got.cN()) <= tol(dtype), path + " cN");
            } else {
                assertNull(got.cN());
            }
        }
    }

    /**
     * {@code run} projects the inputs a chunk of at most {@link PackedFloat#CHUNK_ROWS} rows at a time (or one
     * step's rows when a step has more): long sequences (chunks that end inside a step's run of rows and after it)
     * and a batch wider than a chunk give what the layer gives, for every packed cell, float32 and float64.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("dtypesAndCells")
    void runAcrossChunksMatchesTheLayer(CellType type, DType dtype) {
        RnnBase rnn = layer(type, dtype, 2, true, 21);
        int[] wide = new int[PackedFloat.CHUNK_ROWS + 3];
        for (int b = 0; b < wide.length; b++) wide[b] = 1 + b % 3;
        for (int[] lengths : List.of(new int[] {PackedFloat.CHUNK_ROWS + 72, 150, 7}, wide)) {
            List<NdArray> seqs = sequences(dtype, lengths, 22);
            PackedRnn.Output got = PackedRnn.of(rnn).run(seqs);
            RnnOutput want;
            try (Autograd.Scope ignored = Autograd.noGrad()) {
                want = rnn.forwardFrom(Tensor.constant(padded(seqs, lengths)), null, lengths);
            }
            int dh = 2 * H, t = want.output().dim(1);
            for (int b = 0; b < lengths.length; b++) {
                NdArray o = got.outputs().get(b);
                double worst = 0;
                for (int i = 0; i < lengths[b] * dh; i++) {
                    worst = Math.max(worst, Math.abs(o.getFlat(i) - want.output().data().getFlat(b * t * dh + i)));
                }
                assertTrue(worst <= 5 * tol(dtype), lengths.length + " sequences, output " + b + " differs by " + worst);
            }
            assertTrue(want.hN().data().maxAbsDiff(got.hN()) <= 5 * tol(dtype), lengths.length + " sequences, hN");
        }
    }

    static Stream<Arguments> dtypesAndCells() {
        List<Arguments> out = new ArrayList<>();
        for (CellType type : PACKED) {
            for (DType dtype : List.of(DType.FLOAT32, DType.FLOAT64)) out.add(Arguments.of(type, dtype));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} layers={2}")
    @MethodSource("cases")
    void streamMatchesRunStepByStep(CellType type, DType dtype, int layers, boolean bidirectional) {
        if (bidirectional) return;   // streams are unidirectional (tested below)
        RnnBase rnn = layer(type, dtype, layers, false, 21);
        PackedRnn model = PackedRnn.of(rnn);
        NdArray seq = sequences(dtype, new int[] {9}, 22).get(0);
        PackedRnn.Output want = model.run(List.of(seq));
        RnnStream s = model.openStream();
        for (int t = 0; t < 9; t++) {
            double[] h = stepRow(s, seq, t, dtype);
            for (int j = 0; j < H; j++) {
                assertEquals(want.outputs().get(0).getFlat(t * H + j), h[j], tol(dtype), "step " + t + " unit " + j);
            }
        }
        assertEquals(9, s.steps());
        assertTrue(want.hN().reshape(layers, H).maxAbsDiff(s.hidden()) <= tol(dtype), "hN");
        if (type == CellType.LSTM) {
            assertTrue(want.cN().reshape(layers, H).maxAbsDiff(s.cell()) <= tol(dtype), "cN");
        }
        s.reset();
        assertEquals(0, s.steps());
        assertEquals(0.0, s.hidden().abs().sum().item());
    }

    /** One step with row {@code t} of {@code seq}, the result widened to double. */
    private static double[] stepRow(RnnStream s, NdArray seq, int t, DType dtype) {
        double[] out = new double[H];
        if (dtype == DType.FLOAT32) {
            float[] h = s.step(Arrays.copyOfRange(seq.floatData(), t * I, (t + 1) * I));
            for (int j = 0; j < H; j++) out[j] = h[j];
        } else {
            double[] h = s.step(Arrays.copyOfRange(seq.doubleData(), t * I, (t + 1) * I));
            System.arraycopy(h, 0, out, 0, H);
        }
        return out;
    }

    @Test
    void modelIsASnapshotOfTheWeights() {
        RnnBase rnn = layer(CellType.LSTM, DType.FLOAT32, 1, false, 31);
        PackedRnn model = PackedRnn.of(rnn);
        List<NdArray> seqs = sequences(DType.FLOAT32, new int[] {5}, 32);
        NdArray before = model.run(seqs).hN();
        Arrays.fill(rnn.weightHh(0, false).data().floatData(), 0.5f);   // "training" continues
        assertEquals(0.0, before.maxAbsDiff(model.run(seqs).hN()));
        assertTrue(before.maxAbsDiff(PackedRnn.of(rnn).run(seqs).hN()) > 1e-3, "a new model sees the new weights");
    }

    // ================================================================== threads

    /**
     * Many threads share one model; each runs streams and batches. Every result must equal, bit for bit, what one
     * thread alone computed.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("threadCases")
    void concurrentRequestsGiveTheSameBitsAsOneThread(CellType type, DType dtype) throws Exception {
        PackedRnn model = PackedRnn.of(layer(type, dtype, 2, false, 41));
        PackedRnn bidi = PackedRnn.of(layer(type, dtype, 2, true, 42));
        int requests = 24;
        List<List<NdArray>> inputs = new ArrayList<>();
        for (int r = 0; r < requests; r++) {
            inputs.add(sequences(dtype, new int[] {1 + r % 7, 3 + r % 5, 2 + r % 3, 8, 1 + r % 4, 2, 3, 4, 5}, 100 + r));
        }
        List<double[]> alone = new ArrayList<>();
        for (int r = 0; r < requests; r++) alone.add(request(model, bidi, inputs.get(r), dtype));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 3; round++) {
                List<Future<double[]>> futures = new ArrayList<>();
                for (int r = 0; r < requests; r++) {
                    List<NdArray> in = inputs.get(r);
                    futures.add(pool.submit((Callable<double[]>) () -> request(model, bidi, in, dtype)));
                }
                for (int r = 0; r < requests; r++) {
                    assertArrayEquals(alone.get(r), futures.get(r).get(), "request " + r + " round " + round);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * LSTM steps split over two threads ({@code PackedRnn.of(rnn, 2)}) give the one-thread bits: streams,
     * {@code run} over 3 sequences (lengths 9, 4, 2) and over 12 (steps of 12 rows down to 1: the split below
     * {@code SMALL_BATCH} rows), bidirectional, float32 and float64,
     * an odd hidden size (halves of 3 and 4 units) and a large one; then three threads stepping at once (one holds
     * the helper, the others run both halves themselves).
     */
    @Test
    void splitStepsGiveTheOneThreadBits() throws Exception {
        for (DType dtype : List.of(DType.FLOAT32, DType.FLOAT64)) {
            for (int layers = 1; layers <= 2; layers++) {
                for (int hidden : new int[] {7, 64}) {
                    RnnBase rnn = Lstm.builder(I, hidden).numLayers(layers).dtype(dtype).rng(new Rng(90 + layers)).build();
                    RnnBase bidi = Lstm.builder(I, hidden).numLayers(layers).bidirectional(true).dtype(dtype)
                            .rng(new Rng(95)).build();
                    String what = dtype + " layers=" + layers + " H=" + hidden;
                    List<NdArray> seqs = sequences(dtype, new int[] {9, 4, 2}, 96);
                    List<NdArray> wide = sequences(dtype, new int[] {3, 14, 5, 9, 12, 4, 8, 11, 6, 13, 7, 10}, 99);
                    for (RnnBase r : List.of(rnn, bidi)) for (List<NdArray> set : List.of(seqs, wide)) {
                        PackedRnn.Output one = PackedRnn.of(r, 1).run(set), two = PackedRnn.of(r, 2).run(set);
                        assertArrayEquals(one.hN().toDoubleArray(), two.hN().toDoubleArray(), "run hN " + what);
                        assertArrayEquals(one.cN().toDoubleArray(), two.cN().toDoubleArray(), "run cN " + what);
                        for (int b = 0; b < set.size(); b++) {
                            assertArrayEquals(one.outputs().get(b).toDoubleArray(), two.outputs().get(b).toDoubleArray(),
                                    "run outputs " + b + " " + what);
                        }
                    }
                    assertArrayEquals(streamed(PackedRnn.of(rnn, 1), seqs.get(0), dtype, hidden),
                            streamed(PackedRnn.of(rnn, 2), seqs.get(0), dtype, hidden), "stream " + what);
                }
            }
        }
        RnnBase rnn = Lstm.builder(I, 64).numLayers(2).rng(new Rng(97)).build();
        PackedRnn split = PackedRnn.of(rnn, 2);
        List<NdArray> seqs = sequences(DType.FLOAT32, new int[] {40, 33, 57}, 98);
        List<double[]> alone = new ArrayList<>();
        for (NdArray seq : seqs) alone.add(streamed(PackedRnn.of(rnn, 1), seq, DType.FLOAT32, 64));
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            for (int round = 0; round < 5; round++) {
                List<Future<double[]>> futures = new ArrayList<>();
                for (NdArray seq : seqs) futures.add(pool.submit(() -> streamed(split, seq, DType.FLOAT32, 64)));
                for (int i = 0; i < seqs.size(); i++) {
                    assertArrayEquals(alone.get(i), futures.get(i).get(), "sequence " + i + " round " + round);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertThrows(IllegalArgumentException.class, () -> PackedRnn.of(rnn, 3));
    }

    /** Every step's top hidden state of {@code seq} streamed through {@code model}, concatenated. */
    private static double[] streamed(PackedRnn model, NdArray seq, DType dtype, int hidden) {
        RnnStream s = model.openStream();
        int t = seq.dim(0);
        double[] out = new double[t * hidden];
        for (int i = 0; i < t; i++) {
            if (dtype == DType.FLOAT32) {
                float[] h = s.step(Arrays.copyOfRange(seq.floatData(), i * I, (i + 1) * I));
                for (int j = 0; j < hidden; j++) out[i * hidden + j] = h[j];
            } else {
                System.arraycopy(s.step(Arrays.copyOfRange(seq.doubleData(), i * I, (i + 1) * I)), 0, out, i * hidden, hidden);
            }
        }
        return out;
    }

    /**
     * Batches large enough for {@code Blas} to cut every product into blocks for its helper threads (64 rows of
     * [256 × 1024] per step): requests running at once still give the bits of a request alone.
     */
    @Test
    void concurrentLargeBatchesGiveTheSameBitsAsOneThread() throws Exception {
        PackedRnn model = PackedRnn.of(Lstm.builder(32, 256).rng(new Rng(43)).build());
        List<NdArray> seqs = new ArrayList<>();
        Rng rng = new Rng(44);
        for (int b = 0; b < 64; b++) seqs.add(NdArray.randn(rng, DType.FLOAT32, 0, 1, 2 + b % 5, 32));
        float[] alone = model.run(seqs).hN().floatData();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<float[]>> futures = new ArrayList<>();
            for (int r = 0; r < 6; r++) futures.add(pool.submit(() -> model.run(seqs).hN().floatData()));
            for (Future<float[]> f : futures) assertArrayEquals(alone, f.get());
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The per-thread working memory and the shared step helper hold arrays and the step in flight only: a model that
     * ran on this thread (split steps, batches and a stream) can be collected once the caller drops it.
     */
    @Test
    void aThreadKeepsNoModelAlive() throws InterruptedException {
        List<java.lang.ref.WeakReference<Object>> refs = runAndDrop();
        for (int i = 0; i < 100 && refs.stream().anyMatch(r -> r.get() != null); i++) {
            System.gc();
            Thread.sleep(10);
        }
        for (int k = 0; k < refs.size(); k++) {
            assertNull(refs.get(k).get(), (k == 0 ? "the model" : "layer " + (k - 1)) + " is still reachable after its last use");
        }
    }

    /** The model and its layers' packed weights, run on this thread and dropped. */
    private static List<java.lang.ref.WeakReference<Object>> runAndDrop() {
        PackedRnn model = PackedRnn.of(Lstm.builder(I, 64).numLayers(2).rng(new Rng(5)).build(), 2);
        model.run(sequences(DType.FLOAT32, new int[] {3, 14, 5, 9, 12, 4, 8, 11, 6, 13}, 6));
        model.openStream().step(new float[I]);
        return List.of(new java.lang.ref.WeakReference<>(model), new java.lang.ref.WeakReference<>(model.floatLayer(0)),
                new java.lang.ref.WeakReference<>(model.floatLayer(1)));
    }

    @Test
    void stepThreadsPropertyReadsOneTwoOrAuto() {
        int auto = Runtime.getRuntime().availableProcessors() >= 2 ? 2 : 1;
        assertEquals(1, StepPartner.threads("1"));
        assertEquals(2, StepPartner.threads(" 2 "));
        assertEquals(auto, StepPartner.threads("auto"));
        assertEquals(auto, StepPartner.threads("AUTO"));
        assertEquals(auto, StepPartner.threads("three"), "an unreadable value is read as auto (and logged)");
    }

    @Test
    void xLstmLayersAreRefusedByName() {
        for (CellType type : List.of(CellType.SLSTM, CellType.MLSTM)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> PackedRnn.of(layer(type, DType.FLOAT32, 1, false, 3)));
            assertTrue(e.getMessage().contains("is an xLSTM layer (" + type + ")")
                    && e.getMessage().contains("run the layer itself"), e.getMessage());
        }
    }

    static Stream<Arguments> threadCases() {
        return Stream.of(Arguments.of(CellType.LSTM, DType.FLOAT32), Arguments.of(CellType.GRU, DType.FLOAT32),
                Arguments.of(CellType.GRU_RESET_BEFORE, DType.FLOAT64), Arguments.of(CellType.RNN_TANH, DType.FLOAT64));
    }

    /** One request: every sequence streamed step by step, then all of them as one batch through both models. */
    private static double[] request(PackedRnn model, PackedRnn bidi, List<NdArray> seqs, DType dtype) {
        List<Double> out = new ArrayList<>();
        for (NdArray seq : seqs) {
            RnnStream s = model.openStream();
            for (int t = 0; t < seq.dim(0); t++) {
                for (double v : stepRow(s, seq, t, dtype)) out.add(v);
            }
        }
        for (PackedRnn m : List.of(model, bidi)) {
            PackedRnn.Output o = m.run(seqs);
            for (NdArray a : o.outputs()) for (double v : a.toDoubleArray()) out.add(v);
            for (double v : o.hN().toDoubleArray()) out.add(v);
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    // ================================================================== scan cells at the edges

    /**
     * minLSTM with both gates far below zero ({@code f + i} underflows to 0 in float64: the step goes through
     * {@code log(i / f)}) and minGRU with {@code z} saturated at 0 and 1: streams against both forms of the training
     * scan, step by step.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("saturatedScanCases")
    void scanCellsStayExactWhenTheirGatesSaturate(CellType type, double gateBias) {
        RnnBase rnn = layer(type, DType.FLOAT64, 1, false, 81);
        NdArray bias = rnn.biasIh(0, false).data();
        int gateBlocks = type == CellType.MIN_LSTM ? 2 : 1;   // (f, i) or z; the last block is h̃
        for (int j = 0; j < gateBlocks * H; j++) bias.setFlat(j, gateBias);
        NdArray seq = sequences(DType.FLOAT64, new int[] {6}, 82).get(0);
        RnnStream s = PackedRnn.of(rnn).openStream();
        double[][] got = new double[6][];
        for (int t = 0; t < 6; t++) got[t] = stepRow(s, seq, t, DType.FLOAT64).clone();
        for (ScanKernels.Form form : ScanKernels.Form.values()) {
            rnn.scanForm(form);
            RnnOutput want;
            try (Autograd.Scope ignored = Autograd.noGrad()) {
                want = rnn.forwardFrom(Tensor.constant(padded(List.of(seq), new int[] {6})), null, new int[] {6});
            }
            for (int t = 0; t < 6; t++) {
                for (int j = 0; j < H; j++) {
                    double w = want.output().data().getFlat(t * H + j);
                    assertTrue(Double.isFinite(got[t][j]), form + " t=" + t + " j=" + j + ": " + got[t][j]);
                    assertEquals(w, got[t][j], 1e-12, form + " t=" + t + " j=" + j);
                }
            }
        }
    }

    static Stream<Arguments> saturatedScanCases() {
        return Stream.of(Arguments.of(CellType.MIN_LSTM, -800.0), Arguments.of(CellType.MIN_LSTM, 60.0),
                Arguments.of(CellType.MIN_GRU, -800.0), Arguments.of(CellType.MIN_GRU, 800.0));
    }

    // ================================================================== LSTM projections

    static Stream<Arguments> projectionCases() {
        return Stream.of(DType.FLOAT32, DType.FLOAT64).flatMap(d -> Stream.of(
                Arguments.of(d, 1, false), Arguments.of(d, 2, true), Arguments.of(d, 3, false)));
    }

    /**
     * {@code h = W_hr (o ⊙ tanh c)}, {@code P = 3 < H}: {@code run} against both of the layer's paths (outputs and
     * {@code hN} {@code [·, P]}, {@code cN} {@code [·, H]}), and a stream against {@code run} step by step.
     */
    @ParameterizedTest(name = "{0} layers={1} bidirectional={2}")
    @MethodSource("projectionCases")
    void aProjectedLstmMatchesTheLayer(DType dtype, int layers, boolean bidirectional) {
        final int P = 3, dp = P * (bidirectional ? 2 : 1);
        RnnBase rnn = Lstm.builder(I, H).projSize(P).numLayers(layers).bidirectional(bidirectional).dtype(dtype)
                .rng(new Rng(91)).build();
        List<NdArray> seqs = sequences(dtype, LENGTHS, 92);
        PackedRnn model = PackedRnn.of(rnn);
        PackedRnn.Output got = model.run(seqs);
        assertArrayEquals(new int[] {layers * (bidirectional ? 2 : 1), LENGTHS.length, P}, got.hN().shape());
        assertArrayEquals(new int[] {layers * (bidirectional ? 2 : 1), LENGTHS.length, H}, got.cN().shape());
        PackedRnn.Output twoThreads = PackedRnn.of(rnn, 2).run(seqs);   // a projected layer steps on one thread
        for (int b = 0; b < LENGTHS.length; b++) {
            assertEquals(0.0, twoThreads.outputs().get(b).maxAbsDiff(got.outputs().get(b)), "stepThreads=2, sequence " + b);
        }
        for (RnnBase.Path path : RnnBase.Path.values()) {
            rnn.path(path);
            RnnOutput want;
            try (Autograd.Scope ignored = Autograd.noGrad()) {
                want = rnn.forwardFrom(Tensor.constant(padded(seqs, LENGTHS)), null, LENGTHS);
            }
            int t = want.output().dim(1);
            double worst = 0;
            for (int b = 0; b < LENGTHS.length; b++) {
                NdArray o = got.outputs().get(b);
                assertArrayEquals(new int[] {LENGTHS[b], dp}, o.shape(), "output " + b);
                for (int i = 0; i < LENGTHS[b] * dp; i++) {
                    worst = Math.max(worst, Math.abs(o.getFlat(i) - want.output().data().getFlat(b * t * dp + i)));
                }
            }
            assertTrue(worst <= tol(dtype), path + " outputs differ by " + worst);
            assertTrue(want.hN().data().maxAbsDiff(got.hN()) <= tol(dtype), path + " hN");
            assertTrue(want.cN().data().maxAbsDiff(got.cN()) <= tol(dtype), path + " cN");
        }
        if (bidirectional) return;
        NdArray seq = seqs.get(1);                                    // 6 steps
        PackedRnn.Output one = model.run(List.of(seq));
        RnnStream s = model.openStream();
        for (int step = 0; step < seq.dim(0); step++) {
            float[] hf = dtype == DType.FLOAT32 ? s.step(Arrays.copyOfRange(seq.floatData(), step * I, (step + 1) * I)) : null;
            double[] hd = dtype == DType.FLOAT64 ? s.step(Arrays.copyOfRange(seq.doubleData(), step * I, (step + 1) * I)) : null;
            for (int j = 0; j < P; j++) {
                double h = hf != null ? hf[j] : hd[j];
                assertEquals(one.outputs().get(0).getFlat(step * P + j), h, tol(dtype), "step " + step + " unit " + j);
            }
            assertEquals(P, hf != null ? hf.length : hd.length);
        }
        assertTrue(s.hidden().maxAbsDiff(one.hN().reshape(layers, P)) <= tol(dtype), "stream hidden()");
        assertTrue(s.cell().maxAbsDiff(one.cN().reshape(layers, H)) <= tol(dtype), "stream cell()");
    }

    // ================================================================== errors

    @Test
    void errorsNameTheModelAndTheShapes() {
        PackedRnn model = PackedRnn.of(layer(CellType.GRU, DType.FLOAT32, 1, false, 51));
        RnnStream s = model.openStream();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.step(new float[I + 1]));
        assertTrue(e.getMessage().contains("PackedRnn(GRU) stream.step: x has shape [6], expected [5]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> s.step(new double[I]));
        assertTrue(e.getMessage().contains("x is float64 but the model is float32"), e.getMessage());
        ShapeMismatchException m = assertThrows(ShapeMismatchException.class,
                () -> model.run(List.of(NdArray.zeros(DType.FLOAT32, 3, I), NdArray.zeros(DType.FLOAT32, 3, I + 2))));
        assertTrue(m.getMessage().contains("PackedRnn(GRU).run") && m.getMessage().contains("sequences[1]")
                && m.getMessage().contains("[3, 7]") && m.getMessage().contains("inputSize=5"), m.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> model.run(List.of()));
        assertTrue(e.getMessage().contains("no sequences"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> model.run(List.of(NdArray.zeros(DType.FLOAT64, 2, I))));
        assertTrue(e.getMessage().contains("sequence 0 is float64 but the model is float32"), e.getMessage());
        IllegalStateException b = assertThrows(IllegalStateException.class,
                () -> PackedRnn.of(layer(CellType.LSTM, DType.FLOAT32, 1, true, 52)).openStream());
        assertTrue(b.getMessage().contains("bidirectional layer cannot be streamed"), b.getMessage());
    }

    @Test
    void docExample() {
        RnnBase lstm = layer(CellType.LSTM, DType.FLOAT32, 1, false, 61);
        List<float[]> inputs = List.of(new float[I], new float[] {1, 2, 3, 4, 5});
        PackedRnn model = PackedRnn.of(lstm);              // once, when the model is loaded
        RnnStream s = model.openStream();                  // per request or per conversation
        for (float[] x : inputs) {
            float[] h = s.step(x);                         // [H], the top layer's new hidden state
            assertEquals(H, h.length);
        }
        assertEquals(2, s.steps());
    }

    // ================================================================== allocation

    /**
     * A warm stream step allocates nothing (the "~0 bytes per step"): the calling thread's allocated-bytes
     * counter over 5,000 steps, after 5,000 to warm up. (The first version built an error-message prefix on every
     * step: 80 bytes.)
     */
    @Test
    void aWarmStreamStepAllocatesNothing() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        org.junit.jupiter.api.Assumptions.assumeTrue(mx instanceof com.sun.management.ThreadMXBean,
                "needs HotSpot's per-thread allocation counter");
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) mx;
        org.junit.jupiter.api.Assumptions.assumeTrue(bean.isThreadAllocatedMemorySupported() && bean.isThreadAllocatedMemoryEnabled());
        for (DType dtype : List.of(DType.FLOAT32, DType.FLOAT64)) {
            for (CellType type : PACKED) {
                for (int threads = 1; threads <= 2; threads++) {
                    assertWarmStepsAllocateNothing(bean, PackedRnn.of(layer(type, dtype, 2, false, 81), threads),
                            type + " " + dtype + " threads=" + threads);
                }
            }
            RnnBase projected = Lstm.builder(I, H).projSize(3).numLayers(2).dtype(dtype).rng(new Rng(81)).build();
            assertWarmStepsAllocateNothing(bean, PackedRnn.of(projected), "LSTM projSize=3 " + dtype);
        }
    }

    private static void assertWarmStepsAllocateNothing(com.sun.management.ThreadMXBean bean, PackedRnn model, String what) {
        RnnStream s = model.openStream();
        float[] xf = new float[I];
        double[] xd = new double[I];
        long tid = Thread.currentThread().getId(), before = 0;
        for (int i = 0; i < 10_000; i++) {
            if (i == 5_000) before = bean.getThreadAllocatedBytes(tid);
            if (model.dtype() == DType.FLOAT32) s.step(xf);
            else s.step(xd);
        }
        long bytes = bean.getThreadAllocatedBytes(tid) - before;
        assertTrue(bytes < 5_000, what + ": " + bytes + " bytes over 5,000 steps");
    }


    /** The packed product against a plain triple loop, every remainder of the four-row unrolling. */
    @Test
    void gemvMatchesTheDefinition() {
        Rng rng = new Rng(71);
        for (int n : new int[] {1, 3, 4, 5, 8, 11}) {
            int cols = 13;
            float[][] w = new float[n][cols];
            float[] v = new float[n + 2];
            for (float[] row : w) for (int j = 0; j < cols; j++) row[j] = (float) rng.nextGaussian();
            for (int k = 0; k < v.length; k++) v[k] = (float) rng.nextGaussian();
            float[] y = new float[cols];
            Arrays.fill(y, 1f);
            PackedFloat.gemv(w, v, 2, n, y, 3, 10);
            for (int j = 0; j < cols; j++) {
                double want = 1;
                if (j >= 3 && j < 10) for (int k = 0; k < n; k++) want += (double) w[k][j] * v[2 + k];
                assertEquals(want, y[j], 1e-5, "n=" + n + " column " + j);
            }
        }
    }
}
