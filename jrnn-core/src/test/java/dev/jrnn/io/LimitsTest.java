package dev.jrnn.io;

import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Sizes from files are computed in long arithmetic and compared with the limits and the heap before allocating. */
class LimitsTest {
    @Test
    void elementCountsDoNotOverflow() {
        assertEquals(4L * 2147483647L * 32, Limits.elements(4L * 2147483647L, 32));       // the [-4, 32] of an int product
        assertEquals(Long.MAX_VALUE, Limits.elements(1L << 40, 1L << 40));
        assertEquals(0, Limits.elements(0, Long.MAX_VALUE));
        assertEquals(1, Limits.elements(new int[0]));
        assertEquals(6_000_000_000L, Limits.elements(new int[] {80_000, 75_000}));
    }

    @Test
    void heapProblemNamesTheNeedTheLimitAndTheAdvice() {
        assertNull(Limits.heapProblem(1L << 20, 1L << 30));
        String p = Limits.heapProblem(6L << 30, 1L << 30);
        assertEquals("needs about 6.0 GB of memory, but this JVM may use at most 1.0 GB; use smaller sizes, or give Java more"
                + " memory (JRNN_JAVA_OPTS=-Xmx8g for the jrnn command, -Xmx8g for java)", p);
    }

    @Test
    void aTensorTooLargeForOneArrayIsNamed() {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        shapes.put("rnn.weight_ih_l0", new int[] {4, 3});
        shapes.put("rnn.weight_hh_l0", new int[] {120_000, 30_000});             // 3.6e9 values: one array holds 2^31
        String p = Limits.modelProblem("the model (--hidden 30000)", shapes, 4, 4);
        assertEquals("the model (--hidden 30000): rnn.weight_hh_l0 would hold 3,600,000,000 values, more than one array can"
                + " (2,147,483,639); use smaller sizes", p);
        shapes.put("rnn.weight_hh_l0", new int[] {4, 3});
        assertNull(Limits.modelProblem("small", shapes, 4, 4));
    }

    @Test
    void aSavedModelLargerThanTheHeapIsRefusedBeforeItIsBuilt(@TempDir Path tmp) throws IOException {
        Map<String, NdArray> w = new LinkedHashMap<>();
        w.put("layer.weight", NdArray.zeros(DType.FLOAT32, 1000, 3));
        Path dir = tmp.resolve("m");
        ModelFile.write(dir, ModelConfig.builder().put("model_type", "test-model").build(), w, Map.of());
        ModelFile f = ModelFile.open(dir);
        Map<String, int[]> expected = Map.of("layer.weight", new int[] {1000, 3});
        f.checkWeights(expected, 1L << 20);                                          // 23.4 KB in 1 MB: fine
        ModelFileException e = assertThrows(ModelFileException.class, () -> f.checkWeights(expected, 16 << 10));
        assertEquals(dir.resolve("weights.safetensors") + ": loading this model needs about 23.4 KB of memory, but this JVM"
                + " may use at most 16.0 KB; use smaller sizes, or give Java more memory (JRNN_JAVA_OPTS=-Xmx1g for the jrnn"
                + " command, -Xmx1g for java)", e.getMessage());
    }

    @Test
    void bytesForPeople() {
        assertEquals("980 bytes", Limits.bytes(980));
        assertEquals("1.5 KB", Limits.bytes(1536));
        assertEquals("512.0 MB", Limits.bytes(512L << 20));
        assertEquals("more than 8 EB", Limits.bytes(Long.MAX_VALUE));
    }
}
