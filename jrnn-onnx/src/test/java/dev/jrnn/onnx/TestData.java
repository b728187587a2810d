package dev.jrnn.onnx;

import ai.onnx.proto.OnnxMl.TensorProto;
import dev.jrnn.tensor.NdArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Where the third-party files are, and the comparisons the tests share. */
final class TestData {
    private TestData() {}

    /** {@code ../shared/data} from the module (or the repository root), as CI has it. */
    static Path shared(String folder) {
        for (String base : new String[] {"../../shared/data", "../shared/data", "/work/shared/data"}) {
            Path p = Path.of(System.getProperty("basedir", "."), base, folder);
            if (Files.isDirectory(p)) return p.normalize();
        }
        assumeTrue(false, "../shared/data/" + folder + " is absent (third-party files, present in CI); skipped");
        return null;
    }

    /** A serialised TensorProto (the backend test data format). */
    static TensorProto readPb(Path file) throws IOException {
        return TensorProto.parseFrom(Files.readAllBytes(file));
    }

    static OnnxValue value(Path file) throws IOException {
        return OnnxTensors.read(readPb(file), file.toString());
    }

    /**
     * The largest {@code |actual - expected| / max(|expected|, 1)} over all elements; fails above {@code tol}.
     */
    static double assertClose(NdArray expected, NdArray actual, double tol, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.size(); i++) {
            double e = expected.getFlat(i), a = actual.getFlat(i);
            double err = Math.abs(a - e) / Math.max(Math.abs(e), 1);
            if (!(err <= worst)) {
                worst = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err;
                at = i;
            }
        }
        final double w = worst;
        final int k = at;
        assertTrue(w <= tol, () -> what + ": relative error " + w + " > " + tol + " at element " + k
                + " (expected " + expected.getFlat(k) + ", got " + actual.getFlat(k) + ")");
        return worst;
    }
}
