package dev.jrnn.onnx;

import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;

import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor flowing through an ONNX graph: floating point ({@code float}, {@code double}) as a jrnn {@link NdArray},
 * integers and booleans ({@code int64}, {@code int32}, {@code uint8}, {@code bool}, ...) as {@code long}s. The ONNX
 * element type is kept, so {@code Cast} and the recurrent operators' {@code sequence_lens} ({@code int32}) see what
 * the file said. Rank-0 tensors (scalars) have shape {@code []}.
 */
public final class OnnxValue {
    /** ONNX {@code TensorProto.DataType} codes used here. */
    static final int FLOAT = 1, UINT8 = 2, INT8 = 3, UINT16 = 4, INT16 = 5, INT32 = 6, INT64 = 7, BOOL = 9, DOUBLE = 11,
            UINT32 = 12, UINT64 = 13;

    private final int elemType;
    private final int[] shape;
    private final NdArray floats;   // FLOAT, DOUBLE
    private final long[] ints;      // every integer type and BOOL

    private OnnxValue(int elemType, int[] shape, NdArray floats, long[] ints) {
        this.elemType = elemType;
        this.shape = shape;
        this.floats = floats;
        this.ints = ints;
    }

    /** A float32 or float64 tensor (the shape is the array's; a rank-0 tensor is a 1-element array with {@code shape} []). */
    public static OnnxValue of(NdArray data) {
        Objects.requireNonNull(data, "data");
        return new OnnxValue(data.dtype() == DType.FLOAT64 ? DOUBLE : FLOAT, data.shape(), data, null);
    }

    /** A float tensor of any rank, rank 0 included (NdArray holds ranks >= 1; the value keeps {@code shape}). */
    static OnnxValue ofFloats(NdArray flat, int[] shape) {
        return new OnnxValue(flat.dtype() == DType.FLOAT64 ? DOUBLE : FLOAT, shape.clone(), flat, null);
    }

    /** An {@code int64} tensor. */
    public static OnnxValue ofLongs(long[] data, int... shape) {
        return ofInts(INT64, data, shape);
    }

    /** An integer or boolean tensor of ONNX element type {@code elemType} (values already in range). */
    static OnnxValue ofInts(int elemType, long[] data, int... shape) {
        if (data.length != count(shape)) {
            throw new IllegalArgumentException("OnnxValue: " + data.length + " values do not fill shape " + Arrays.toString(shape));
        }
        return new OnnxValue(elemType, shape.clone(), null, data);
    }

    /** The number of elements of a shape (1 for rank 0). */
    static int count(int[] shape) {
        long n = 1;
        for (int d : shape) n *= d;
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " is too large");
        return (int) n;
    }

    /** The ONNX element type code ({@code 1} float, {@code 7} int64, {@code 11} double, ...). */
    public int elemType() { return elemType; }

    /** The shape (a copy). */
    public int[] shape() { return shape.clone(); }

    int[] shapeRef() { return shape; }

    /** The rank. */
    public int rank() { return shape.length; }

    /** The number of elements. */
    public int size() { return count(shape); }

    /** Whether this is a floating-point tensor. */
    public boolean isFloat() { return floats != null; }

    /** The data of a floating-point tensor, shaped as this value ({@code [1]} for a scalar). */
    public NdArray array() {
        if (floats == null) {
            throw new IllegalStateException("OnnxValue: a " + typeName(elemType) + " tensor has no float array");
        }
        return floats.reshape(flatShape(shape));
    }

    /** The elements of an integer or boolean tensor, row-major. */
    public long[] longs() {
        if (ints == null) {
            throw new IllegalStateException("OnnxValue: a " + typeName(elemType) + " tensor has no integer data");
        }
        return ints;
    }

    /** Element {@code i} (row-major) as a double, whatever the type. */
    double getFlat(int i) {
        return floats != null ? floats.getFlat(i) : ints[i];
    }

    /** The same data under another shape of the same size. */
    OnnxValue reshape(int[] newShape) {
        if (count(newShape) != size()) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " to " + Arrays.toString(newShape));
        }
        return new OnnxValue(elemType, newShape.clone(), floats == null ? null : floats.reshape(flatShape(newShape)), ints);
    }

    private static int[] flatShape(int[] shape) {
        return shape.length == 0 ? new int[] {1} : shape;
    }

    /** A new tensor of this type: element {@code j} is element {@code index[j]} of this one. */
    OnnxValue gather(int[] index, int[] newShape) {
        if (floats != null) {
            NdArray out = NdArray.zeros(floats.dtype(), flatShape(newShape));
            if (floats.dtype() == DType.FLOAT32) {
                float[] src = floats.floatData(), dst = out.floatData();
                for (int j = 0; j < index.length; j++) dst[j] = src[index[j]];
            } else {
                double[] src = floats.doubleData(), dst = out.doubleData();
                for (int j = 0; j < index.length; j++) dst[j] = src[index[j]];
            }
            return new OnnxValue(elemType, newShape.clone(), out, null);
        }
        long[] out = new long[index.length];
        for (int j = 0; j < index.length; j++) out[j] = ints[index[j]];
        return new OnnxValue(elemType, newShape.clone(), null, out);
    }

    /** The ONNX name of an element type code. */
    static String typeName(int elemType) {
        switch (elemType) {
            case FLOAT: return "float";
            case UINT8: return "uint8";
            case INT8: return "int8";
            case UINT16: return "uint16";
            case INT16: return "int16";
            case INT32: return "int32";
            case INT64: return "int64";
            case 8: return "string";
            case BOOL: return "bool";
            case 10: return "float16";
            case DOUBLE: return "double";
            case UINT32: return "uint32";
            case UINT64: return "uint64";
            case 14: return "complex64";
            case 15: return "complex128";
            case 16: return "bfloat16";
            default: return "type " + elemType;
        }
    }

    @Override
    public String toString() {
        return typeName(elemType) + Arrays.toString(shape);
    }
}
