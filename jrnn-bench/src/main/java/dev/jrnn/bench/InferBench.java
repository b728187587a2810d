package dev.jrnn.bench;

import dev.jrnn.autograd.Autograd;
import dev.jrnn.autograd.Tensor;
import dev.jrnn.infer.PackedRnn;
import dev.jrnn.infer.RnnStream;
import dev.jrnn.nn.rnn.Lstm;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * LSTM inference at W4's shapes (I=128, H=256, T=100, float32): the fused training kernels under
 * {@code noGrad} (jrnn's inference before the serving API) against {@link PackedRnn#run} and, one sequence at a
 * time, {@link RnnStream}. Scores are microseconds per batch of {@code batch} sequences; {@link #streamStep} is
 * one step of one stream (run it with {@code -prof gc} for the bytes allocated per step).
 *
 * <pre>
 * java -jar jrnn-bench/target/benchmarks.jar InferBench -p batch=1
 * java -jar jrnn-bench/target/benchmarks.jar 'InferBench.streamStep' -prof gc
 * java -jar jrnn-bench/target/benchmarks.jar 'InferBench.packed' -p batch=1,4,16,64 -jvmArgsAppend -Djrnn.infer.smallBatch=1000
 * </pre>
 * The last line runs every step's recurrent product as per-row packed matrix–vector products (=1: always sgemm),
 * the comparison behind {@code PackedFloat.SMALL_BATCH}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 6, time = 1)
@Fork(1)
public class InferBench {
    static final int I = 128, H = 256, T = 100;

    /** Sequences per call. */
    @Param({"1", "64"})
    public int batch;

    private Lstm lstm;
    private PackedRnn model;
    private Tensor x;                  // [B, T, I] for the fused path
    private List<NdArray> sequences;   // B × [T, I] for the serving API
    private float[][] steps;           // B·T inputs [I] for the streams

    /** Builds the layer, packs it once, and the inputs. */
    @Setup(Level.Trial)
    public void setUp() {
        lstm = Lstm.builder(I, H).rng(new Rng(1)).build();
        model = PackedRnn.of(lstm);
        NdArray all = NdArray.rand(new Rng(2), DType.FLOAT32, -1, 1, batch, T, I);
        x = Tensor.constant(all);
        sequences = new ArrayList<>();
        steps = new float[batch * T][I];
        for (int b = 0; b < batch; b++) {
            float[] s = new float[T * I];
            System.arraycopy(all.floatData(), b * T * I, s, 0, T * I);
            sequences.add(NdArray.of(s, T, I));
            for (int t = 0; t < T; t++) System.arraycopy(s, t * I, steps[b * T + t], 0, I);
        }
    }

    /** Before: the fused kernels (one sgemm per step) under {@code noGrad}. @return the output, for JMH */
    @Benchmark
    public NdArray fused() {
        try (Autograd.Scope ignored = Autograd.noGrad()) {
            return lstm.forward(x).output().data();
        }
    }

    /** The serving API's batch path. @return the outputs, for JMH */
    @Benchmark
    public List<NdArray> packed() {
        return model.run(sequences).outputs();
    }

    /** The serving API's streams, one sequence after another. @return the last state, for JMH */
    @Benchmark
    public float[] stream() {
        float[] h = null;
        for (int b = 0; b < batch; b++) {
            RnnStream s = model.openStream();
            for (int t = 0; t < T; t++) h = s.step(steps[b * T + t]);
        }
        return h;
    }

    /** One stream kept open across calls. */
    @State(Scope.Thread)
    public static class OpenStream {
        RnnStream stream;
        float[] in;

        /** Opens the stream over the shared model. */
        @Setup(Level.Trial)
        public void setUp(InferBench bench) {
            stream = bench.model.openStream();
            in = bench.steps[0];
        }
    }

    /** One step of an open stream, in nanoseconds-scale: {@code -prof gc} reports its bytes per step. @return h */
    @Benchmark
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public float[] streamStep(OpenStream s) {
        return s.stream.step(s.in);
    }
}
