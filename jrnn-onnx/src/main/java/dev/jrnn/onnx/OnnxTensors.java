package dev.jrnn.onnx;

import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * {@code TensorProto} to {@link OnnxValue} and back. Reading checks every size before allocating: the dimensions are
 * non-negative and their product fits a Java array, and {@code raw_data} (little-endian) or the typed field holds
 * exactly that many elements.
 */
final class OnnxTensors {
    /** The largest tensor jrnn loads: {@code 2^31 - 1} elements, the limit of a Java array. */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE;

    private OnnxTensors() {}

    /**
     * Decodes one tensor.
     *
     * @param where the file and what holds the tensor (for messages), e.g. {@code "model.onnx: initializer 'W'"}
     */
    static OnnxValue read(TensorProto t, String where) throws OnnxException {
        int type = t.getDataType();
        int size = elemSize(type);
        if (size == 0) {
            throw new OnnxException(where + ": element type " + OnnxValue.typeName(type)
                    + " is not supported (jrnn reads float, double, int8/16/32/64, uint8/16/32/64 and bool tensors)");
        }
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL || t.getExternalDataCount() > 0) {
            throw new OnnxException(where + ": the data is stored in an external file, which jrnn does not read "
                    + "(save the model with its weights inside the .onnx file)");
        }
        if (t.hasSegment()) {
            throw new OnnxException(where + ": segmented tensors are not supported");
        }
        int[] shape = new int[t.getDimsCount()];
        long n = 1;
        for (int i = 0; i < shape.length; i++) {
            long d = t.getDims(i);
            if (d < 0) {
                throw new OnnxException(where + ": dims " + t.getDimsList() + " have a negative dimension " + d);
            }
            n *= d;   // d <= 2^63 and each step is checked, so no overflow goes unseen
            if (n > MAX_ELEMENTS || d > MAX_ELEMENTS) {
                throw new OnnxException(where + ": dims " + t.getDimsList() + " hold more than " + MAX_ELEMENTS
                        + " elements, more than a jrnn array can hold");
            }
            shape[i] = (int) d;
        }
        int count = (int) n;
        if (!t.getRawData().isEmpty()) {
            ByteString raw = t.getRawData();
            if (raw.size() != (long) count * size) {
                throw new OnnxException(where + ": raw_data has " + raw.size() + " bytes, but " + OnnxValue.typeName(type)
                        + " dims " + Arrays.toString(shape) + " need " + ((long) count * size));
            }
            ByteBuffer buf = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            return fromBuffer(type, shape, count, buf);
        }
        int have = typedCount(t, type);
        if (have != count) {
            throw new OnnxException(where + ": " + typedField(type) + " has " + have + " values, but "
                    + OnnxValue.typeName(type) + " dims " + Arrays.toString(shape) + " need " + count);
        }
        switch (type) {
            case OnnxValue.FLOAT: {
                float[] f = new float[count];
                for (int i = 0; i < count; i++) f[i] = t.getFloatData(i);
                return OnnxValue.ofFloats(NdArray.of(f, flat(shape)), shape);
            }
            case OnnxValue.DOUBLE: {
                double[] d = new double[count];
                for (int i = 0; i < count; i++) d[i] = t.getDoubleData(i);
                return OnnxValue.ofFloats(NdArray.of(d, flat(shape)), shape);
            }
            case OnnxValue.INT64: {
                long[] l = new long[count];
                for (int i = 0; i < count; i++) l[i] = t.getInt64Data(i);
                return OnnxValue.ofInts(type, l, shape);
            }
            case OnnxValue.UINT32: case OnnxValue.UINT64: {
                long[] l = new long[count];
                for (int i = 0; i < count; i++) l[i] = t.getUint64Data(i);
                return OnnxValue.ofInts(type, l, shape);
            }
            default: {   // int32_data carries int32, int16, int8, uint16, uint8 and bool
                long[] l = new long[count];
                for (int i = 0; i < count; i++) l[i] = t.getInt32Data(i);
                return OnnxValue.ofInts(type, l, shape);
            }
        }
    }

    private static OnnxValue fromBuffer(int type, int[] shape, int count, ByteBuffer buf) {
        switch (type) {
            case OnnxValue.FLOAT: {
                float[] f = new float[count];
                buf.asFloatBuffer().get(f);
                return OnnxValue.ofFloats(NdArray.of(f, flat(shape)), shape);
            }
            case OnnxValue.DOUBLE: {
                double[] d = new double[count];
                buf.asDoubleBuffer().get(d);
                return OnnxValue.ofFloats(NdArray.of(d, flat(shape)), shape);
            }
            default: {
                long[] l = new long[count];
                for (int i = 0; i < count; i++) {
                    switch (type) {
                        case OnnxValue.INT64: case OnnxValue.UINT64: l[i] = buf.getLong(); break;
                        case OnnxValue.INT32: l[i] = buf.getInt(); break;
                        case OnnxValue.UINT32: l[i] = Integer.toUnsignedLong(buf.getInt()); break;
                        case OnnxValue.INT16: l[i] = buf.getShort(); break;
                        case OnnxValue.UINT16: l[i] = Short.toUnsignedInt(buf.getShort()); break;
                        case OnnxValue.INT8: l[i] = buf.get(); break;
                        default: l[i] = Byte.toUnsignedInt(buf.get()); break;   // uint8, bool
                    }
                }
                return OnnxValue.ofInts(type, l, shape);
            }
        }
    }

    static int[] flat(int[] shape) {
        return shape.length == 0 ? new int[] {1} : shape;
    }

    /** Bytes per element of a supported type, 0 for an unsupported one. */
    static int elemSize(int type) {
        switch (type) {
            case OnnxValue.FLOAT: case OnnxValue.INT32: case OnnxValue.UINT32: return 4;
            case OnnxValue.DOUBLE: case OnnxValue.INT64: case OnnxValue.UINT64: return 8;
            case OnnxValue.INT16: case OnnxValue.UINT16: return 2;
            case OnnxValue.INT8: case OnnxValue.UINT8: case OnnxValue.BOOL: return 1;
            default: return 0;
        }
    }

    private static int typedCount(TensorProto t, int type) {
        switch (type) {
            case OnnxValue.FLOAT: return t.getFloatDataCount();
            case OnnxValue.DOUBLE: return t.getDoubleDataCount();
            case OnnxValue.INT64: return t.getInt64DataCount();
            case OnnxValue.UINT32: case OnnxValue.UINT64: return t.getUint64DataCount();
            default: return t.getInt32DataCount();
        }
    }

    private static String typedField(int type) {
        switch (type) {
            case OnnxValue.FLOAT: return "float_data";
            case OnnxValue.DOUBLE: return "double_data";
            case OnnxValue.INT64: return "int64_data";
            case OnnxValue.UINT32: case OnnxValue.UINT64: return "uint64_data";
            default: return "int32_data";
        }
    }

    /** A float32/float64 array as a named tensor, little-endian {@code raw_data}. */
    static TensorProto write(String name, NdArray a) {
        boolean f32 = a.dtype() == DType.FLOAT32;
        ByteBuffer buf = ByteBuffer.allocate(a.size() * (f32 ? 4 : 8)).order(ByteOrder.LITTLE_ENDIAN);
        if (f32) buf.asFloatBuffer().put(a.floatData());
        else buf.asDoubleBuffer().put(a.doubleData());
        TensorProto.Builder b = TensorProto.newBuilder().setName(name)
                .setDataType(f32 ? OnnxValue.FLOAT : OnnxValue.DOUBLE).setRawData(ByteString.copyFrom(buf.array()));
        for (int d : a.shape()) b.addDims(d);
        return b.build();
    }

    /** An int64 tensor (shape {@code shape}, rank 0 allowed) as a named tensor. */
    static TensorProto writeLongs(String name, long[] values, int... shape) {
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(OnnxValue.INT64);
        for (int d : shape) b.addDims(d);
        for (long v : values) b.addInt64Data(v);
        return b.build();
    }
}
