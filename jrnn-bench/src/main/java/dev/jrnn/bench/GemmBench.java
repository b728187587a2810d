package dev.jrnn.bench;

import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH benchmark of single-precision GEMM at jrnn's RNN shapes. Scores are products per second; GFLOP/s is
 * {@code score * 2 m k n / 1e9} ({@link GemmTable} prints that directly, with ratios).
 *
 * <pre>
 * java -jar jrnn-bench/target/benchmarks.jar GemmBench
 * java -jar jrnn-bench/target/benchmarks.jar GemmBench -p shape=64x384x1024
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GemmBench {
    /** {@code MxKxN}: {@code [M x K] x [K x N]}. */
    @Param({"64x384x1024", "6400x128x1024", "64x256x1024"})
    public String shape;

    private GemmCase gemm;

    /** Allocates the matrices for {@link #shape}. */
    @Setup(Level.Trial)
    public void setUp() {
        gemm = GemmCase.parse(shape);
    }

    /** Frees the off-heap matrices. */
    @TearDown(Level.Trial)
    public void tearDown() {
        gemm.close();
    }

    /**
     * jrnn's {@code Blas.sgemm}, the auto-selected backend.
     *
     * @return C, for JMH to consume
     */
    @Benchmark
    public float[] jrnn() {
        gemm.jrnn();
        return gemm.result();
    }

    /**
     * jrnn's pure-Java fallback, {@code Blas.javaSgemm}.
     *
     * @return C, for JMH to consume
     */
    @Benchmark
    public float[] pureJava() {
        gemm.java();
        return gemm.result();
    }

    /**
     * OpenBLAS through JavaCPP's {@code float[]} overload, which copies the arrays in and out.
     *
     * @return C, for JMH to consume
     */
    @Benchmark
    public float[] javacppArrays() {
        gemm.javacppArrays();
        return gemm.result();
    }

    /** The ceiling: OpenBLAS through JavaCPP on off-heap pointers, no copies. */
    @Benchmark
    public void ceiling() {
        gemm.ceiling();
    }
}
