package dev.jrnn.io;

import dev.jrnn.tensor.NdArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

import static dev.jrnn.io.SafetensorsTest.assemble;
import static dev.jrnn.io.SafetensorsTest.pad;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every header rule of {@link Safetensors}, each broken by a file built here, with the error text checked. */
class SafetensorsValidationTest {
    private static final String FILE = "model.safetensors";

    @TempDir
    Path dir;

    /** Decodes and returns the error message, which must start with the file name. */
    private static String error(byte[] bytes) {
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> Safetensors.decode(bytes, FILE));
        assertTrue(e.getMessage().startsWith(FILE + ": "), e.getMessage());
        return e.getMessage();
    }

    private static String error(String header, int dataBytes) {
        return error(assemble(header, new byte[dataBytes]));
    }

    private static void assertContains(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), "expected '" + p + "' in: " + message);
        }
    }

    private static byte[] withLength(long n, byte[] rest) {
        ByteBuffer bb = ByteBuffer.allocate(8 + rest.length).order(ByteOrder.LITTLE_ENDIAN);
        bb.putLong(n).put(rest);
        return bb.array();
    }

    private static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + ","
                + end + "]}";
    }

    // ------------------------------------------------------------------ length prefix

    @Test
    void fileShorterThanTheLengthPrefix() {
        assertEquals(FILE + ": file is 5 bytes, too short for the 8-byte header length that starts every safetensors"
                + " file (truncated, or not a safetensors file)", error(new byte[5]));
        assertContains(error(new byte[0]), "file is 0 bytes");
    }

    @Test
    void headerLengthTooSmall() {
        assertContains(error(withLength(0, new byte[8])), "header length 0 is too small", "'{}'");
        assertContains(error(withLength(1, "{}".getBytes(StandardCharsets.US_ASCII))), "header length 1 is too small");
    }

    @Test
    void headerLengthAboveTheLimit() {
        assertContains(error(withLength(100_000_001L, new byte[16])), "header length 100000001 exceeds the limit of"
                + " 100000000 bytes");
        assertContains(error(withLength(-1L, new byte[16])), "header length 18446744073709551615 exceeds the limit");
    }

    @Test
    void headerLengthBeyondTheFile() {
        assertEquals(FILE + ": header length 64 runs past the end of the file, which has only 10 bytes after the"
                + " 8-byte length (truncated file?)", error(withLength(64, "{}        ".getBytes(StandardCharsets.US_ASCII))));
    }

    @Test
    void truncatedFilesOnDisk() throws IOException {
        Path p = dir.resolve(FILE);
        Safetensors.write(p, Map.of("weight_ih_l0", NdArray.zeros(4, 3)));
        long size = Files.size(p);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.truncate(size - 4);
        }
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> Safetensors.read(p));
        assertEquals(p + ": tensor 'weight_ih_l0': data_offsets [0, 48] run past the end of the data buffer, which"
                + " has 44 bytes (file size " + (size - 4) + " = 8 + header " + (size - 56) + " + buffer 44; truncated file?)",
                e.getMessage());
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.truncate(20);
        }
        e = assertThrows(SafetensorsException.class, () -> Safetensors.readHeader(p));
        assertContains(e.getMessage(), p.toString(), "runs past the end of the file", "truncated");
    }

    // ------------------------------------------------------------------ header text

    @Test
    void headerNotUtf8() {
        byte[] header = "{\"a\u00ff\":{}}   ".getBytes(StandardCharsets.ISO_8859_1);
        assertContains(error(withLength(header.length, header)), "header is not valid UTF-8", "0xff", "header byte 3");
    }

    @Test
    void headerMustStartWithABrace() {
        assertEquals(FILE + ": header must start with '{' (a JSON object), found '['", error(pad("[]"), 0));
        assertContains(error(pad(" {}"), 0), "must start with '{'", "found ' '");
        assertContains(error("\uFEFF{}     ", 0), "found character U+FEFF");
    }

    @Test
    void badJson() {
        assertContains(error(pad("{\"a\":}"), 0), "header is not valid JSON", "expected a value", "at character 5");
        assertContains(error(pad("{\"a\":{\"dtype\":\"F32\",}}"), 0), "not valid JSON", "expected a string key");
        assertContains(error("{\"a\": {", 0), "not valid JSON", "unexpected end of text");
        assertContains(error(pad("{} x"), 0), "not valid JSON", "after the end of the JSON value");
        assertContains(error(pad("{\"a\":[01]}"), 0), "not valid JSON", "leading zeros");
        assertContains(error(pad("{\"a\":\"\\ud800\"}"), 0), "not valid JSON", "lone high surrogate");
        assertContains(error(pad("{\"a\":\"tab\there\"}"), 0), "not valid JSON", "control character");
        assertContains(error(pad("{\"a\":\"x\\q\"}"), 0), "invalid escape");
        assertContains(error(pad("{\"__metadata__\":" + "[".repeat(100) + "]".repeat(100) + "}"), 0), "nesting deeper");
        assertContains(error(pad("{'a':1}"), 0), "expected a string key");
    }

    @Test
    void duplicateTensorName() {
        String h = pad("{" + entry("w", "F32", "[1]", 0, 4) + "," + entry("w", "F32", "[1]", 4, 8) + "}");
        assertEquals(FILE + ": header has the key 'w' twice (at character 54); tensor names and entry fields must be"
                + " unique", error(h, 8));
        String m = pad("{\"__metadata__\":{},\"__metadata__\":{}}");
        assertContains(error(m, 0), "the key '__metadata__' twice");
        String field = pad("{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,4]}}");
        assertContains(error(field, 4), "the key 'dtype' twice");
        String meta = pad("{\"__metadata__\":{\"k\":\"a\",\"k\":\"b\"}}");
        assertContains(error(meta, 0), "the key 'k' twice");
    }

    // ------------------------------------------------------------------ entries

    @Test
    void emptyName() {
        assertEquals(FILE + ": header has a tensor with an empty name; names must be non-empty",
                error(pad("{" + entry("", "F32", "[1]", 0, 4) + "}"), 4));
    }

    @Test
    void entryNotAnObject() {
        assertEquals(FILE + ": tensor 'w': entry must be an object with dtype, shape and data_offsets, found number 3",
                error(pad("{\"w\":3}"), 0));
    }

    @Test
    void missingField() {
        assertEquals(FILE + ": tensor 'w': missing field 'shape' (every tensor needs dtype, shape and data_offsets)",
                error(pad("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}"), 4));
        assertContains(error(pad("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}"), 4), "missing field 'dtype'");
        assertContains(error(pad("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}"), 4), "missing field 'data_offsets'");
    }

    @Test
    void unknownField() {
        assertEquals(FILE + ": tensor 'w': unknown field 'offsets' (expected only dtype, shape, data_offsets)",
                error(pad("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"offsets\":[0,4]}}"), 4));
    }

    @Test
    void wrongFieldTypes() {
        assertEquals(FILE + ": tensor 'w': dtype must be a string such as \"F32\", found number 32",
                error(pad("{\"w\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}"), 4));
        assertEquals(FILE + ": tensor 'w': shape must be an array of non-negative integers, found string \"[1]\"",
                error(pad("{\"w\":{\"dtype\":\"F32\",\"shape\":\"[1]\",\"data_offsets\":[0,4]}}"), 4));
        assertEquals(FILE + ": tensor 'w': shape element 1 must be an integer, found number 2.0",
                error(pad("{\"w\":{\"dtype\":\"F32\",\"shape\":[1,2.0],\"data_offsets\":[0,8]}}"), 8));
        assertEquals(FILE + ": tensor 'w': data_offsets must be an array of two integers [begin, end], found an array"
                + " of 3 elements", error(pad("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}"), 8));
        assertContains(error(pad("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":null}}"), 4),
                "data_offsets must be an array of two integers [begin, end], found null");
        assertContains(error(pad("{\"w\":{\"dtype\":\"F32\",\"shape\":[1e0],\"data_offsets\":[0,4]}}"), 4),
                "shape element 0 must be an integer, found number 1");
    }

    @Test
    void unknownDtype() {
        String m = error(pad("{" + entry("w", "F128", "[1]", 0, 16) + "}"), 16);
        assertTrue(m.startsWith(FILE + ": tensor 'w': unknown dtype \"F128\" (known: BOOL, F4, "), m);
        assertContains(error(pad("{" + entry("w", "f32", "[1]", 0, 4) + "}"), 4), "unknown dtype \"f32\"");
    }

    @Test
    void negativeDimension() {
        assertEquals(FILE + ": tensor 'w': shape [2, -3] has a negative dimension -3 (dimensions must be >= 0)",
                error(pad("{" + entry("w", "F32", "[2,-3]", 0, 0) + "}"), 0));
    }

    @Test
    void hugeShapes() {
        assertContains(error(pad("{" + entry("w", "F32", "[99999999999999999999]", 0, 4) + "}"), 4),
                "tensor 'w': shape element 0 (99999999999999999999) does not fit in 64 bits");
        assertContains(error(pad("{" + entry("w", "F64", "[4294967296,4294967296]", 0, 8) + "}"), 8),
                "tensor 'w': shape [4294967296, 4294967296] of dtype F64 has more elements or bytes than fit in 64 bits");
    }

    @Test
    void giantTensorClaimIsRejectedBeforeAllocating() {
        // claims 4 GB of float32 in a 100-byte file: must fail on the header, not with an OutOfMemoryError
        assertContains(error(pad("{" + entry("w", "F32", "[1000000000]", 0, 4_000_000_000L) + "}"), 4),
                "tensor 'w': data_offsets [0, 4000000000] run past the end of the data buffer, which has 4 bytes");
    }

    @Test
    void sizeShapeMismatch() {
        assertEquals(FILE + ": tensor 'weight_ih_l0': data_offsets [0, 96] span 96 bytes, but dtype F32 and shape"
                + " [4, 3] need 48", error(pad("{" + entry("weight_ih_l0", "F32", "[4,3]", 0, 96) + "}"), 96));
        assertContains(error(pad("{" + entry("s", "F64", "[]", 0, 4) + "}"), 4),
                "data_offsets [0, 4] span 4 bytes, but dtype F64 and shape [] need 8");
    }

    @Test
    void subByteDtypesMustFillWholeBytes() {
        assertContains(error(pad("{" + entry("w", "F4", "[3]", 0, 2) + "}"), 2),
                "shape [3] of dtype F4 holds 12 bits, not a whole number of bytes");
    }

    @Test
    void offsetsOutOfRange() {
        assertContains(error(pad("{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("w", "F32", "[2]", 4, 12) + "}"), 8),
                "tensor 'w': data_offsets [4, 12] run past the end of the data buffer, which has 8 bytes (file size 128"
                        + " = 8 + header 112 + buffer 8; truncated file?)");
        assertContains(error(pad("{" + entry("w", "F32", "[1]", -4, 0) + "}"), 0),
                "data_offsets [-4, 0] has a negative offset -4");
        assertContains(error(pad("{" + entry("w", "F32", "[0]", 8, 4) + "}"), 8),
                "tensor 'w': data_offsets [8, 4] end before they begin");
    }

    @Test
    void overlappingOffsets() {
        assertEquals(FILE + ": tensor 'b': data_offsets [4, 12] overlap tensor 'a' at [0, 8]; tensors must not share"
                + " bytes", error(pad("{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[2]", 4, 12) + "}"), 12));
        // the same range twice
        assertContains(error(pad("{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[2]", 0, 8) + "}"), 8),
                "tensor 'b': data_offsets [0, 8] overlap tensor 'a' at [0, 8]");
        // an empty tensor inside another one
        assertContains(error(pad("{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("e", "F32", "[0]", 4, 4) + "}"), 8),
                "tensor 'e': data_offsets [4, 4] overlap tensor 'a' at [0, 8]");
    }

    @Test
    void gapBetweenTensors() {
        assertEquals(FILE + ": bytes [8, 12) of the data buffer belong to no tensor (gap before tensor 'b' at [12, 20]);"
                        + " the tensors must cover the buffer without gaps",
                error(pad("{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[2]", 12, 20) + "}"), 20));
        assertContains(error(pad("{" + entry("a", "F32", "[2]", 4, 12) + "}"), 12), "bytes [0, 4) of the data buffer"
                + " belong to no tensor");
    }

    @Test
    void trailingBytes() {
        assertEquals(FILE + ": bytes [8, 11) at the end of the data buffer belong to no tensor (3 trailing bytes); the"
                        + " tensors must cover the buffer up to the end of the file",
                error(pad("{" + entry("a", "F32", "[2]", 0, 8) + "}"), 11));
        assertContains(error(pad("{}"), 1), "bytes [0, 1) at the end of the data buffer");
    }

    @Test
    void emptyTensorsMayShareAnOffset() throws IOException {
        String h = pad("{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("e1", "F32", "[0]", 8, 8) + ","
                + entry("e2", "F64", "[3,0]", 8, 8) + "," + entry("e0", "F32", "[0]", 0, 0) + "}");
        Map<String, NdArray> t = Safetensors.decode(assemble(h, new byte[8]), FILE).tensors();
        assertEquals(4, t.size());
        assertEquals(0, t.get("e2").size());
    }

    @Test
    void metadataMustHoldStrings() {
        assertEquals(FILE + ": __metadata__ entry 'epoch' must be a string, found number 3",
                error(pad("{\"__metadata__\":{\"epoch\":3}}"), 0));
        assertEquals(FILE + ": __metadata__ must be an object of string values, found an array",
                error(pad("{\"__metadata__\":[\"a\"]}"), 0));
        assertContains(error(pad("{\"__metadata__\":{\"nested\":{\"a\":\"b\"}}}"), 0),
                "__metadata__ entry 'nested' must be a string, found an object");
    }

    @Test
    void structuralErrorsWinOverUnloadableDtypes() {
        // the header is validated in full before the dtypes are checked for loading
        String h = pad("{" + entry("step", "I64", "[]", 0, 8) + "," + entry("w", "F32", "[3]", 8, 16) + "}");
        assertContains(error(h, 16), "tensor 'w': data_offsets [8, 16] span 8 bytes, but dtype F32 and shape [3] need 12");
    }
}
