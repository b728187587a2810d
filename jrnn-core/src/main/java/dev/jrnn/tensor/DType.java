package dev.jrnn.tensor;

import java.util.Locale;

/** Element type of an {@link NdArray}: float32 (the default) or float64 (gradient checks, users who need it). */
public enum DType {
    /** 32-bit IEEE float, stored in a {@code float[]}. */
    FLOAT32("float32", 4),
    /** 64-bit IEEE float, stored in a {@code double[]}. */
    FLOAT64("float64", 8);

    private final String label;
    private final int bytes;

    DType(String label, int bytes) {
        this.label = label;
        this.bytes = bytes;
    }

    /** Size of one element in bytes. */
    public int bytes() { return bytes; }

    /** The name used in configs and messages: {@code float32} or {@code float64}. */
    @Override
    public String toString() { return label; }

    /**
     * Parses {@code float32}/{@code f32}/{@code float} or {@code float64}/{@code f64}/{@code double}.
     *
     * @throws IllegalArgumentException naming the accepted names when {@code name} is none of them
     */
    public static DType parse(String name) {
        switch (name == null ? "" : name.trim().toLowerCase(Locale.ROOT)) {
            case "float32": case "f32": case "float": return FLOAT32;
            case "float64": case "f64": case "double": return FLOAT64;
            default:
                throw new IllegalArgumentException("unknown dtype '" + name
                        + "': expected one of float32 (f32, float) or float64 (f64, double)");
        }
    }
}
