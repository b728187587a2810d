package dev.jrnn.keras;

import dev.jrnn.tensor.NdArray;
import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Where the third-party Keras files are, and the comparison the tests share. */
final class TestData {
    private TestData() {}

    /** {@code ../shared/data/keras-models/<file>} from the module (or the repository root), as CI has it. */
    static Path keras(String file) {
        for (String base : new String[] {"../../shared/data", "../shared/data", "/work/shared/data"}) {
            Path p = Path.of(System.getProperty("basedir", "."), base, "keras-models");
            if (Files.isDirectory(p)) return p.resolve(file).normalize();
        }
        assumeTrue(false, "../shared/data/keras-models is absent (third-party files, present in CI); skipped");
        return null;
    }

    /** A float dataset of an HDF5 file as an array. */
    static NdArray dataset(Path file, String path) {
        try (HdfFile h = new HdfFile(file)) {
            Dataset d = h.getDatasetByPath(path);
            Object flat = d.getDataFlat();
            return flat instanceof float[] f ? NdArray.of(f, d.getDimensions()) : NdArray.of((double[]) flat, d.getDimensions());
        }
    }

    /** The largest {@code |actual − expected|}; fails above {@code tol}, naming the element. */
    static double assertClose(NdArray expected, NdArray actual, double tol, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        double worst = 0;
        int at = 0;
        for (int i = 0; i < expected.size(); i++) {
            double err = Math.abs(actual.getFlat(i) - expected.getFlat(i));
            if (!(err <= worst)) {
                worst = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err;
                at = i;
            }
        }
        double w = worst;
        int k = at;
        assertTrue(w <= tol, () -> what + ": error " + w + " > " + tol + " at element " + k + " (expected "
                + expected.getFlat(k) + ", got " + actual.getFlat(k) + ")");
        return worst;
    }
}
