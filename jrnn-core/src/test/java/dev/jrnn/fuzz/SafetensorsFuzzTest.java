package dev.jrnn.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jrnn.io.Safetensors;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzzes {@link Safetensors#decode}: an 8-byte header length, the JSON header (names, dtypes, shapes, offsets,
 * {@code __metadata__}) and the data buffer, all untrusted. Seeded with files written by {@link Safetensors#encode}.
 */
class SafetensorsFuzzTest {
    static final String FILE = "fuzz.safetensors";

    /** Valid files: float32 and float64 tensors of several ranks, a scalar, an empty tensor, metadata. */
    static Stream<byte[]> seeds() {
        Map<String, NdArray> tensors = new LinkedHashMap<>();
        tensors.put("weight_ih_l0", NdArray.of(new float[][] {{1, 2, 3}, {4, 5, 6}}));
        tensors.put("bias", NdArray.vector(0.5f, -0.5f));
        tensors.put("step", NdArray.scalar(DType.FLOAT64, 7));
        tensors.put("empty", NdArray.zeros(DType.FLOAT32, 0, 3));
        return Stream.of(
                Safetensors.encode(tensors, Map.of("format", "pt", "note", "a \"quoted\" \u00e9 value")),
                Safetensors.encode(Map.of("x", NdArray.of(new double[] {1, 2, 3, 4}, 2, 1, 2)), Map.of()),
                Safetensors.encode(Map.of(), Map.of()));
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "5m")
    void decode(byte[] data) throws Exception {
        FuzzSupport.expectSuccessOrRejection(FILE, () -> Safetensors.decode(data, FILE));
    }
}
