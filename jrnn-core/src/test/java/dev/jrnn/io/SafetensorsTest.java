package dev.jrnn.io;

import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Round trips, exact bytes, foreign files, F16/BF16 and atomic writes of {@link Safetensors}. */
class SafetensorsTest {
    @TempDir
    Path dir;

    /** An 8-byte length, the header and the data, as any safetensors writer lays them out. */
    static byte[] assemble(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer bb = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        bb.putLong(h.length).put(h).put(data);
        return bb.array();
    }

    /** Pads a header with spaces to a multiple of 8 bytes (UTF-8), as the Python library does. */
    static String pad(String header) {
        int len = header.getBytes(StandardCharsets.UTF_8).length;
        return header + " ".repeat((8 - len % 8) % 8);
    }

    static byte[] le(float... v) {
        ByteBuffer bb = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) bb.putFloat(x);
        return bb.array();
    }

    static byte[] le(double... v) {
        ByteBuffer bb = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double x : v) bb.putDouble(x);
        return bb.array();
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) n += p.length;
        ByteBuffer bb = ByteBuffer.allocate(n);
        for (byte[] p : parts) bb.put(p);
        return bb.array();
    }

    static void assertSameArray(NdArray expected, NdArray actual) {
        assertEquals(expected.dtype(), actual.dtype());
        assertArrayEquals(expected.shape(), actual.shape());
        if (expected.dtype() == DType.FLOAT32) {
            assertArrayEquals(expected.floatData(), actual.floatData());
        } else {
            assertArrayEquals(expected.doubleData(), actual.doubleData());
        }
    }

    // ------------------------------------------------------------------ round trips

    @Test
    void roundTripKeepsEveryTensorBitForBit() throws IOException {
        Rng rng = new Rng(7);
        Map<String, NdArray> tensors = new LinkedHashMap<>();
        tensors.put("weight_ih_l0", NdArray.randn(rng, DType.FLOAT32, 0, 1, 4, 3));
        tensors.put("bias_ih_l0", NdArray.randn(rng, DType.FLOAT64, 0, 1, 4));
        tensors.put("scalar", NdArray.scalar(DType.FLOAT64, -0.0));
        tensors.put("scalar32", NdArray.scalar(DType.FLOAT32, Float.MIN_VALUE));
        tensors.put("empty", NdArray.zeros(DType.FLOAT32, 0, 3));
        tensors.put("empty64", NdArray.zeros(DType.FLOAT64, 2, 0));
        tensors.put("special", NdArray.of(new float[] {Float.NaN, Float.POSITIVE_INFINITY, -0f, Float.MAX_VALUE}, 2, 2));
        tensors.put("Gewichte.ä.重み.λ", NdArray.vector(1, 2, 3));
        tensors.put("emoji😀", NdArray.vector(4));
        tensors.put("quote\"back\\slash\nnewline\u0001", NdArray.vector(5));
        Map<String, String> meta = Map.of("format", "pt", "note", "ünïcødé ✓ \"quoted\"", "empty", "");

        Path p = dir.resolve("model.safetensors");
        Safetensors.write(p, tensors, meta);
        Safetensors.File f = Safetensors.readWithMetadata(p);

        assertEquals(tensors.keySet(), f.tensors().keySet());
        tensors.forEach((n, a) -> assertSameArray(a, f.tensors().get(n)));
        assertEquals(meta, f.metadata());
        Map<String, NdArray> plain = Safetensors.read(p);
        assertEquals(tensors.keySet(), plain.keySet());
        tensors.forEach((n, a) -> assertSameArray(a, plain.get(n)));
        long headerLen = ByteBuffer.wrap(Files.readAllBytes(p), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLen % 8, "header padded to a multiple of 8");
    }

    @Test
    void largeTensorsCrossReadAndWriteChunks() throws IOException {
        Rng rng = new Rng(1);
        NdArray big32 = NdArray.rand(rng, DType.FLOAT32, -1, 1, 300_001);
        NdArray big64 = NdArray.rand(rng, DType.FLOAT64, -1, 1, 3, 70_001);
        Path p = dir.resolve("big.safetensors");
        Safetensors.write(p, Map.of("a", big32, "b", big64));
        Map<String, NdArray> back = Safetensors.read(p);
        assertSameArray(big32, back.get("a"));
        assertSameArray(big64, back.get("b"));
    }

    @Test
    void tensorsComeBackInFileOrderF64FirstThenByName() throws IOException {
        Map<String, NdArray> tensors = new LinkedHashMap<>();
        tensors.put("z32", NdArray.vector(1));
        tensors.put("b64", NdArray.of(new double[] {1}, 1));
        tensors.put("a32", NdArray.vector(2));
        tensors.put("é32", NdArray.vector(3));
        tensors.put("a64", NdArray.of(new double[] {2}, 1));
        Path p = dir.resolve("order.safetensors");
        Safetensors.write(p, tensors);
        assertEquals(List.of("a64", "b64", "a32", "z32", "é32"), new ArrayList<>(Safetensors.read(p).keySet()));
        Safetensors.Header h = Safetensors.readHeader(p);
        assertEquals(List.of("a64", "b64", "a32", "z32", "é32"),
                h.tensors().stream().map(Safetensors.TensorInfo::name).collect(Collectors.toList()));
        assertEquals(Safetensors.DataType.F64, h.tensor("b64").dtype());
        assertEquals(8, h.tensor("b64").begin());
        assertEquals(List.of(1L), h.tensor("z32").shape());
        assertEquals(Map.of(), h.metadata());
    }

    @Test
    void codePointOrderMatchesUtf8ByteOrder() {
        // U+FF21 (one UTF-16 unit) sorts before U+1F600 (a surrogate pair) by code point and by UTF-8 bytes,
        // but after it by String.compareTo (0xFF21 > 0xD83D)
        String bmp = "\uFF21", astral = "😀";
        assertTrue(bmp.compareTo(astral) > 0);
        assertTrue(Safetensors.compareCodePoints(bmp, astral) < 0);
        assertTrue(Safetensors.compareCodePoints("a", "ab") < 0);
        assertEquals(0, Safetensors.compareCodePoints("ab", "ab"));
    }

    // ------------------------------------------------------------------ exact bytes

    @Test
    void writesExactlyTheExpectedBytes() throws IOException {
        Map<String, NdArray> tensors = new LinkedHashMap<>();
        tensors.put("b", NdArray.vector(1f, 2f));
        tensors.put("a", NdArray.scalar(DType.FLOAT64, 0.5));
        String header = "{\"__metadata__\":{\"k\":\"v\"},"
                + "\"a\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}";
        assertEquals(132, header.length());
        byte[] expected = concat(
                new byte[] {(byte) 136, 0, 0, 0, 0, 0, 0, 0},          // 132 padded to 136, little-endian
                (header + "    ").getBytes(StandardCharsets.US_ASCII),
                new byte[] {0, 0, 0, 0, 0, 0, (byte) 0xE0, 0x3F},      // 0.5 as float64
                new byte[] {0, 0, (byte) 0x80, 0x3F},                  // 1.0f
                new byte[] {0, 0, 0, 0x40});                           // 2.0f
        assertArrayEquals(expected, Safetensors.encode(tensors, Map.of("k", "v")));
        Path p = dir.resolve("exact.safetensors");
        Safetensors.write(p, tensors, Map.of("k", "v"));
        assertArrayEquals(expected, Files.readAllBytes(p));
    }

    @Test
    void emptyFileIsBracesPaddedToEight() throws IOException {
        byte[] expected = concat(new byte[] {8, 0, 0, 0, 0, 0, 0, 0}, "{}      ".getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals(expected, Safetensors.encode(Map.of(), Map.of()));
        Safetensors.File f = Safetensors.decode(expected, "empty");
        assertTrue(f.tensors().isEmpty());
        assertTrue(f.metadata().isEmpty());
    }

    @Test
    void namesAreEscapedLikeSerdeJson() {
        byte[] bytes = Safetensors.encode(Map.of("a\"b\\c\nd\u0001é", NdArray.vector(1)), Map.of());
        String header = new String(bytes, 8, bytes.length - 12, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"a\\\"b\\\\c\\nd\\u0001é\":{"), header);
    }

    // ------------------------------------------------------------------ files from other writers

    @Test
    void readsAFileLaidOutLikePythonSafetensors() throws IOException {
        // safetensors.numpy.save_file({"weight": np.arange(6, dtype=np.float32).reshape(2, 3),
        //                              "bias": np.array([1.5, -2.0])}, metadata={"format": "np"})
        String header = pad("{\"__metadata__\":{\"format\":\"np\"},"
                + "\"bias\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]},"
                + "\"weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[16,40]}}");
        byte[] bytes = assemble(header, concat(le(1.5, -2.0), le(0f, 1f, 2f, 3f, 4f, 5f)));
        Path p = dir.resolve("python.safetensors");
        Files.write(p, bytes);
        Safetensors.File f = Safetensors.readWithMetadata(p);
        assertSameArray(NdArray.of(new double[] {1.5, -2.0}, 2), f.tensors().get("bias"));
        assertSameArray(NdArray.of(new float[] {0, 1, 2, 3, 4, 5}, 2, 3), f.tensors().get("weight"));
        assertEquals(Map.of("format", "np"), f.metadata());
        // our writer lays the same arrays out the same way, byte for byte
        assertArrayEquals(bytes, Safetensors.encode(f.tensors(), f.metadata()));
    }

    @Test
    void readsPrettyPrintedHeadersInAnyKeyOrder() throws IOException {
        // other writers: whitespace and newlines, keys in no particular order, metadata last, escapes
        String header = "{\n  \"w\" : { \"shape\" : [ 2 ], \"data_offsets\" : [ 8, 16 ], \"dtype\" : \"F32\" },\n"
                + "  \"\\u0062\" : {\"data_offsets\":[0,8],\"dtype\":\"F32\",\"shape\":[1,2]},\n"
                + "  \"e\": {\"dtype\": \"F64\", \"shape\": [0], \"data_offsets\": [16, 16]},\n"
                + "  \"__metadata__\" : { \"k\" : \"\\u00e9\\ud83d\\ude00\" }\n}\t\r\n   ";
        byte[] bytes = assemble(header, concat(le(1f, 2f), le(3f, 4f)));
        Safetensors.File f = Safetensors.decode(bytes, "pretty.safetensors");
        assertEquals(List.of("b", "w", "e"), new ArrayList<>(f.tensors().keySet()));
        assertSameArray(NdArray.of(new float[] {1, 2}, 1, 2), f.tensors().get("b"));
        assertSameArray(NdArray.of(new float[] {3, 4}, 2), f.tensors().get("w"));
        assertSameArray(NdArray.of(new double[0], 0), f.tensors().get("e"));
        assertEquals(Map.of("k", "é😀"), f.metadata());
    }

    @Test
    void nullMetadataMeansNone() throws IOException {
        byte[] bytes = assemble(pad("{\"__metadata__\":null,\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}"),
                le(7f));
        Safetensors.File f = Safetensors.decode(bytes, "x");
        assertEquals(Map.of(), f.metadata());
        assertEquals(7f, f.tensors().get("a").item());
    }

    @Test
    void widensF16AndBf16ToFloat32() throws IOException {
        short[] half = {0x3C00, (short) 0xC000, 0x7BFF, 0x0001, 0x7C00, (short) 0x8000, 0x3555, (short) 0xFE00};
        short[] bf16 = {0x3F80, (short) 0xC049};
        ByteBuffer data = ByteBuffer.allocate(2 * (half.length + bf16.length)).order(ByteOrder.LITTLE_ENDIAN);
        for (short s : half) data.putShort(s);
        for (short s : bf16) data.putShort(s);
        String header = pad("{\"h\":{\"dtype\":\"F16\",\"shape\":[2,4],\"data_offsets\":[0,16]},"
                + "\"bf\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[16,20]}}");
        Map<String, NdArray> t = Safetensors.decode(assemble(header, data.array()), "half").tensors();
        float[] h = t.get("h").floatData();
        assertEquals(DType.FLOAT32, t.get("h").dtype());
        assertArrayEquals(new int[] {2, 4}, t.get("h").shape());
        assertEquals(1f, h[0]);
        assertEquals(-2f, h[1]);
        assertEquals(65504f, h[2]);
        assertEquals(0x1p-24f, h[3]);
        assertEquals(Float.POSITIVE_INFINITY, h[4]);
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(h[5]));
        assertEquals(0.333251953125f, h[6]);
        assertTrue(Float.isNaN(h[7]));
        assertArrayEquals(new float[] {1f, -3.140625f}, t.get("bf").floatData());
    }

    @Test
    void halfToFloatIsExactForAllBitPatterns() {
        for (int bits = 0; bits < 0x10000; bits++) {
            int sign = (bits >> 15) == 1 ? -1 : 1;
            int e = (bits >> 10) & 0x1f, m = bits & 0x3ff;
            float got = Safetensors.halfToFloat((short) bits);
            if (e == 0x1f) {
                assertEquals(m == 0, Float.isInfinite(got), "bits " + bits);
                assertEquals(m != 0, Float.isNaN(got), "bits " + bits);
                continue;
            }
            double expected = sign * (e == 0 ? m * Math.pow(2, -24) : (1 + m / 1024.0) * Math.pow(2, e - 15));
            assertEquals(expected, got, 0.0, "bits " + Integer.toHexString(bits));
            assertEquals(sign < 0, (Float.floatToRawIntBits(got) >>> 31) == 1, "sign of " + bits);
        }
    }

    @Test
    void unsupportedDtypeIsNamedButTheHeaderStillReads() throws IOException {
        byte[] bytes = assemble(pad("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"step\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[4,12]}}"), new byte[12]);
        Path p = dir.resolve("opt.safetensors");
        Files.write(p, bytes);
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> Safetensors.read(p));
        assertEquals(p + ": tensor 'step' has dtype I64, which jrnn cannot load (supported: F32, F64; F16 and BF16"
                + " are widened to F32)", e.getMessage());
        Safetensors.Header h = Safetensors.readHeader(p);
        assertEquals(Safetensors.DataType.I64, h.tensor("step").dtype());
        assertEquals(8, h.tensor("step").byteLength());
        assertEquals(1, h.tensor("step").elementCount());
        assertEquals(8 + h.headerLength(), h.dataStart());
    }

    @Test
    void decodeAgreesWithRead() throws IOException {
        Map<String, NdArray> tensors = Map.of("a", NdArray.vector(1, 2, 3), "b", NdArray.of(new double[] {4}, 1, 1));
        Path p = dir.resolve("d.safetensors");
        Safetensors.write(p, tensors, Map.of("x", "y"));
        Safetensors.File fromBytes = Safetensors.decode(Files.readAllBytes(p), "d");
        Safetensors.File fromFile = Safetensors.readWithMetadata(p);
        assertEquals(fromFile.metadata(), fromBytes.metadata());
        fromFile.tensors().forEach((n, a) -> assertSameArray(a, fromBytes.tensors().get(n)));
    }

    // ------------------------------------------------------------------ write arguments

    @Test
    void rejectsBadWriteArguments() {
        Path p = dir.resolve("bad.safetensors");
        Map<String, NdArray> withNull = new LinkedHashMap<>();
        withNull.put("w", null);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Safetensors.write(p, withNull))
                .getMessage().contains("tensor 'w' is null"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Safetensors.write(p, Map.of("", NdArray.vector(1))))
                .getMessage().contains("non-empty"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Safetensors.write(p, Map.of("__metadata__", NdArray.vector(1)))).getMessage().contains("reserved"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Safetensors.write(p, Map.of("a\uD800", NdArray.vector(1)))).getMessage().contains("lone surrogate"));
        Map<String, String> nullMeta = new LinkedHashMap<>();
        nullMeta.put("k", null);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Safetensors.write(p, Map.of(), nullMeta))
                .getMessage().contains("metadata"));
        assertTrue(Files.notExists(p));
    }

    // ------------------------------------------------------------------ atomic writes

    @Test
    void failedWriteLeavesThePreviousFileIntact() throws IOException {
        Path p = dir.resolve("ckpt.safetensors");
        Safetensors.write(p, Map.of("w", NdArray.vector(1, 2, 3)), Map.of("step", "1"));
        byte[] before = Files.readAllBytes(p);

        IOException e = assertThrows(IOException.class, () -> Safetensors.write(p,
                Map.of("w", NdArray.vector(9, 9, 9, 9)), Map.of("step", "2"),
                () -> { throw new IOException("simulated crash after the header"); }));
        assertEquals("simulated crash after the header", e.getMessage());

        assertArrayEquals(before, Files.readAllBytes(p));
        assertEquals(Map.of("step", "1"), Safetensors.readWithMetadata(p).metadata());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(p), files.collect(Collectors.toList()), "no temporary file left behind");
        }
        // and a successful write replaces it
        Safetensors.write(p, Map.of("w", NdArray.vector(9, 9, 9, 9)), Map.of("step", "2"));
        assertEquals(Map.of("step", "2"), Safetensors.readWithMetadata(p).metadata());
    }

    @Test
    void writeIntoAMissingDirectoryFailsWithoutCreatingIt() {
        Path p = dir.resolve("missing").resolve("w.safetensors");
        IOException e = assertThrows(IOException.class, () -> Safetensors.write(p, Map.of()));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        assertTrue(Files.notExists(p.getParent()));
    }
}
