package dev.jrnn.io;

import java.util.Locale;
import java.util.Map;

/**
 * The sizes jrnn accepts from files and option values, and the memory check made before anything large is
 * allocated. A size read from a file ({@code hidden_size} in {@code config.json}, the header of a word2vec file) is
 * checked against these limits, in {@code long} arithmetic, before it is used, so a damaged or hostile file gets a
 * one-line message instead of an overflowed shape or an {@link OutOfMemoryError}.
 *
 * <ul>
 *   <li>{@link #MAX_SIZE}: any one size of a model (vocabulary, embedding, hidden units, classes, inputs,
 *       outputs), 2<sup>24</sup>;</li>
 *   <li>{@link #MAX_LAYERS}: stacked recurrent layers, 1,024;</li>
 *   <li>{@link #MAX_ELEMENTS}: the values of one tensor, the most one Java array holds;</li>
 *   <li>the heap: a model whose weights (times the copies the task keeps) exceed {@link Runtime#maxMemory()} is
 *       refused with advice ({@link #heapProblem}).</li>
 * </ul>
 */
public final class Limits {
    /** The largest single size of a model: vocabulary, embedding, hidden units, classes, inputs, outputs. */
    public static final int MAX_SIZE = 1 << 24;
    /** The most stacked recurrent layers. */
    public static final int MAX_LAYERS = 1024;
    /** The most values of one tensor: one Java array's capacity (a few below {@link Integer#MAX_VALUE}). */
    public static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private Limits() {}

    /** The number of values of a tensor of {@code shape}, in {@code long}; {@link Long#MAX_VALUE} when it overflows. */
    public static long elements(long... shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("Limits.elements: negative size " + d);
            if (d != 0 && n > Long.MAX_VALUE / d) return Long.MAX_VALUE;
            n *= d;
        }
        return n;
    }

    /** {@link #elements(long...)} of an {@code int} shape. */
    public static long elements(int[] shape) {
        long[] s = new long[shape.length];
        for (int i = 0; i < s.length; i++) s[i] = shape[i];
        return elements(s);
    }

    /**
     * Whether a model with these parameter shapes can be built here: every tensor fits one array, and {@code copies}
     * copies of all of them fit this JVM's heap.
     *
     * @param what          the model, for the message ({@code "the model (--hidden 20000)"})
     * @param shapes        parameter names to shapes
     * @param bytesPerValue 4 for float32, 8 for float64
     * @param copies        how many arrays of each size the task holds at once (weights, gradients, optimizer moments)
     * @return null when it fits, else one sentence saying what is too large, with advice
     */
    public static String modelProblem(String what, Map<String, int[]> shapes, int bytesPerValue, int copies) {
        long total = 0;
        for (Map.Entry<String, int[]> e : shapes.entrySet()) {
            long n = elements(e.getValue());
            if (n > MAX_ELEMENTS) {
                return String.format(Locale.ROOT, "%s: %s would hold %,d values, more than one array can (%,d); use smaller sizes",
                        what, e.getKey(), n, MAX_ELEMENTS);
            }
            total += n;                                                   // each <= 2^31, at most a few thousand tensors
        }
        long bytes = total > Long.MAX_VALUE / ((long) bytesPerValue * copies) ? Long.MAX_VALUE : total * bytesPerValue * copies;
        String heap = heapProblem(bytes);
        return heap == null ? null : String.format(Locale.ROOT, "%s has %,d parameters: %s", what, total, heap);
    }

    /**
     * Null when {@code bytes} fit this JVM's heap ({@link Runtime#maxMemory()}), else a sentence with advice:
     * {@code needs about 6.4 GB of memory, but this JVM may use at most 1.0 GB; use smaller sizes, or give Java more
     * memory (JRNN_JAVA_OPTS=-Xmx8g for the jrnn command, -Xmx8g for java)}.
     */
    public static String heapProblem(long bytes) {
        return heapProblem(bytes, Runtime.getRuntime().maxMemory());
    }

    static String heapProblem(long bytes, long maxMemory) {
        if (bytes <= maxMemory) return null;
        return "needs about " + bytes(bytes) + " of memory, but this JVM may use at most " + bytes(maxMemory)
                + "; use smaller sizes, or " + moreMemory(bytes);
    }

    /** Advice for more heap: {@code give Java more memory (JRNN_JAVA_OPTS=-Xmx8g ...)}, sized for {@code bytes} when known (&gt; 0). */
    public static String moreMemory(long bytes) {
        String xmx;
        if (bytes <= 0) {
            xmx = "-Xmx" + Math.max(2, 2 * gib(Runtime.getRuntime().maxMemory())) + "g";
        } else {
            xmx = bytes / 2 > Long.MAX_VALUE / 4 || gib(bytes + bytes / 4) > 1L << 20 ? "-Xmx<more>"
                    : "-Xmx" + Math.max(1, gib(bytes + bytes / 4)) + "g";
        }
        return "give Java more memory (JRNN_JAVA_OPTS=" + xmx + " for the jrnn command, " + xmx + " for java)";
    }

    private static long gib(long bytes) {
        return (bytes + (1L << 30) - 1) >> 30;
    }

    /** A byte count for people: {@code 980 bytes}, {@code 12.3 MB}, {@code 6.4 GB} (powers of 1024). */
    public static String bytes(long n) {
        if (n == Long.MAX_VALUE) return "more than 8 EB";
        if (n < 1024) return n + " bytes";
        String[] units = {"KB", "MB", "GB", "TB", "PB", "EB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
