package dev.jrnn.onnx;

import dev.jrnn.tensor.NdArray;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/** A reader for NumPy {@code .npz} archives (a zip of {@code .npy} files), the dtypes the reference data uses. */
final class Npz {
    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([^']+)'");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    private Npz() {}

    /** Every array in the archive, by name without {@code .npy}: uint8 as int64 values, float32 as floats. */
    static Map<String, OnnxValue> read(Path file) throws IOException {
        Map<String, OnnxValue> out = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(file); ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                out.put(e.getName().replaceFirst("\\.npy$", ""), npy(zip.readAllBytes(), e.getName()));
            }
        }
        return out;
    }

    private static OnnxValue npy(byte[] b, String name) throws IOException {
        if (b.length < 10 || (b[0] & 0xff) != 0x93 || b[1] != 'N') throw new IOException(name + ": not an .npy array");
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int major = b[6];
        int headerLen = major == 1 ? Short.toUnsignedInt(buf.getShort(8)) : buf.getInt(8);
        int start = major == 1 ? 10 : 12;
        String header = new String(b, start, headerLen, StandardCharsets.ISO_8859_1);
        if (header.contains("'fortran_order': True")) throw new IOException(name + ": Fortran order is not read here");
        Matcher d = DESCR.matcher(header), s = SHAPE.matcher(header);
        if (!d.find() || !s.find()) throw new IOException(name + ": unreadable header " + header);
        String[] parts = s.group(1).split(",");
        int[] shape = java.util.Arrays.stream(parts).map(String::trim).filter(p -> !p.isEmpty()).mapToInt(Integer::parseInt).toArray();
        int count = OnnxValue.count(shape);
        buf.position(start + headerLen);
        switch (d.group(1)) {
            case "|u1": {
                long[] v = new long[count];
                for (int i = 0; i < count; i++) v[i] = Byte.toUnsignedInt(buf.get());
                return OnnxValue.ofInts(OnnxValue.UINT8, v, shape);
            }
            case "<f4": {
                float[] v = new float[count];
                buf.asFloatBuffer().get(v);
                return OnnxValue.ofFloats(NdArray.of(v, OnnxTensors.flat(shape)), shape);
            }
            default: throw new IOException(name + ": dtype " + d.group(1) + " is not read here");
        }
    }
}
