package dev.jrnn.io;

import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a> format, the
 * weight format PyTorch and Hugging Face share: an 8-byte little-endian unsigned header length {@code N},
 * {@code N} bytes of UTF-8 JSON
 * {@code {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ..., "__metadata__": {"k": "v"}}},
 * then the data buffer (little-endian, row-major; offsets count from the start of the buffer).
 *
 * <p><b>Reading</b> validates the whole header before any tensor memory is allocated: the header length is
 * sane, the header is UTF-8 JSON starting with <code>{</code>, names are non-empty and unique (duplicate JSON keys
 * are detected), every entry has a known dtype, a shape of non-negative integers and two data offsets whose
 * span is exactly the shape's size in bytes, and the entries tile the buffer with no overlap and no gap, up
 * to the last byte of the file. Every error is a {@link SafetensorsException} naming the file, the tensor
 * (if any), what was expected and what was found. F32 and F64 tensors load as float32 / float64
 * {@link NdArray}s; F16 and BF16 are widened to float32; any other dtype is rejected with its name. The
 * returned maps list tensors in file (data offset) order.
 *
 * <p><b>Writing</b> accepts float32 and float64 arrays and is atomic ({@link AtomicFiles}: temporary file,
 * fsync, rename). Output is deterministic and follows the Hugging Face library's layout: tensors sorted by
 * element size, largest first (F64 before F32), then by name in Unicode code point order; header keys in
 * that same order with {@code __metadata__} first (its keys sorted, omitted when empty); compact JSON padded
 * with spaces to a multiple of 8 bytes. A file without metadata, or with one metadata entry, is therefore
 * byte-identical to what Python's {@code safetensors.numpy.save_file} writes for the same arrays.
 *
 * <p>See {@code docs/formats.md} for the full list of rules.
 */
public final class Safetensors {
    /** Largest header accepted, in bytes (the limit of the reference implementation). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    /** The key of the optional string-to-string metadata object in the header. */
    public static final String METADATA_KEY = "__metadata__";

    private static final int CHUNK_BYTES = 1 << 20;

    private Safetensors() {}

    // ------------------------------------------------------------------ public types

    /**
     * The dtypes of the safetensors format, with their sizes in bits. All of them are understood when a
     * header is validated; only {@link #loadable()} ones can be read into an {@link NdArray}.
     */
    public enum DataType {
        /** Boolean, one byte. */
        BOOL(8),
        /** 4-bit float (e2m1). */
        F4(4),
        /** 6-bit float (e2m3). */
        F6_E2M3(6),
        /** 6-bit float (e3m2). */
        F6_E3M2(6),
        /** Unsigned 8-bit integer. */
        U8(8),
        /** Signed 8-bit integer. */
        I8(8),
        /** 8-bit float (e5m2). */
        F8_E5M2(8),
        /** 8-bit float (e4m3). */
        F8_E4M3(8),
        /** 8-bit exponent-only scale (e8m0). */
        F8_E8M0(8),
        /** Signed 16-bit integer. */
        I16(16),
        /** Unsigned 16-bit integer. */
        U16(16),
        /** IEEE half precision; loaded as float32. */
        F16(16),
        /** bfloat16; loaded as float32. */
        BF16(16),
        /** Signed 32-bit integer. */
        I32(32),
        /** Unsigned 32-bit integer. */
        U32(32),
        /** IEEE single precision; loaded as float32. */
        F32(32),
        /** Complex number of two float32s. */
        C64(64),
        /** IEEE double precision; loaded as float64. */
        F64(64),
        /** Signed 64-bit integer. */
        I64(64),
        /** Unsigned 64-bit integer. */
        U64(64);

        private final int bits;

        DataType(int bits) {
            this.bits = bits;
        }

        /** Size of one element in bits. */
        public int bits() { return bits; }

        /** Whether tensors of this dtype can be read into an {@link NdArray} (F32, F64, F16, BF16). */
        public boolean loadable() {
            return this == F32 || this == F64 || this == F16 || this == BF16;
        }

        /** The jrnn dtype a tensor of this type loads as, or {@code null} when it is not {@link #loadable()}. */
        public DType loadsAs() {
            if (this == F64) return DType.FLOAT64;
            return loadable() ? DType.FLOAT32 : null;
        }

        /** The safetensors dtype that stores a jrnn dtype exactly: F32 or F64. */
        public static DataType of(DType dtype) {
            return dtype == DType.FLOAT64 ? F64 : F32;
        }

        static DataType byName(String name) {
            for (DataType t : values()) {
                if (t.name().equals(name)) return t;
            }
            return null;
        }
    }

    /**
     * One validated header entry.
     *
     * @param name  the tensor name (non-empty)
     * @param dtype its dtype
     * @param shape its dimensions (unmodifiable, each {@code >= 0})
     * @param begin first byte, relative to the start of the data buffer
     * @param end   one past the last byte, relative to the start of the data buffer
     */
    public record TensorInfo(String name, DataType dtype, List<Long> shape, long begin, long end) {
        /** Copies the shape into an unmodifiable list. */
        public TensorInfo {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(dtype, "dtype");
            shape = List.copyOf(shape);
        }

        /** Number of elements: the product of the shape (1 for a 0-d tensor). */
        public long elementCount() {
            long n = 1;
            for (long d : shape) n *= d;
            return n;
        }

        /** Number of data bytes, {@code end - begin}. */
        public long byteLength() {
            return end - begin;
        }
    }

    /**
     * A validated header: what a file holds, without its data.
     *
     * @param source       the file name used in messages
     * @param headerLength {@code N}, the JSON header's length in bytes (padding included)
     * @param tensors      the entries in data offset order (unmodifiable)
     * @param metadata     the {@code __metadata__} map, empty when absent (unmodifiable, sorted by key)
     */
    public record Header(String source, long headerLength, List<TensorInfo> tensors, Map<String, String> metadata) {
        /** Copies the lists and maps into unmodifiable ones. */
        public Header {
            tensors = List.copyOf(tensors);
            metadata = Collections.unmodifiableMap(new TreeMap<>(metadata));
        }

        /** Absolute file offset of the first data byte: {@code 8 + headerLength}. */
        public long dataStart() {
            return 8 + headerLength;
        }

        /** The entry named {@code name}, or {@code null} when there is none. */
        public TensorInfo tensor(String name) {
            for (TensorInfo t : tensors) {
                if (t.name().equals(name)) return t;
            }
            return null;
        }
    }

    /**
     * The content of a file: tensors and metadata.
     *
     * @param tensors  tensors by name, in file (data offset) order (unmodifiable)
     * @param metadata the {@code __metadata__} map, empty when absent (unmodifiable, sorted by key)
     */
    public record File(Map<String, NdArray> tensors, Map<String, String> metadata) {
        /** Copies the maps into unmodifiable ones, keeping the tensor order. */
        public File {
            tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
            metadata = Collections.unmodifiableMap(new TreeMap<>(metadata));
        }
    }

    // ------------------------------------------------------------------ reading

    /**
     * Reads all tensors of a file.
     *
     * @param path the file
     * @return tensors by name in file order (unmodifiable)
     * @throws SafetensorsException when the file is malformed or holds a dtype jrnn cannot load
     * @throws IOException          when the file cannot be read
     */
    public static Map<String, NdArray> read(Path path) throws IOException {
        return readWithMetadata(path).tensors();
    }

    /**
     * Reads all tensors of a file and its {@code __metadata__}.
     *
     * @param path the file
     * @return the tensors (file order) and the metadata
     * @throws SafetensorsException when the file is malformed or holds a dtype jrnn cannot load
     * @throws IOException          when the file cannot be read
     */
    public static File readWithMetadata(Path path) throws IOException {
        try (FileSource in = new FileSource(path)) {
            return load(path.toString(), in);
        }
    }

    /**
     * Reads and validates only the header of a file (no tensor data is read or allocated), e.g. to inspect a
     * checkpoint. Every header rule is checked, including that the entries cover the data buffer exactly; the
     * dtypes need not be loadable.
     *
     * @param path the file
     * @return the validated header
     * @throws SafetensorsException when the header is malformed
     * @throws IOException          when the file cannot be read
     */
    public static Header readHeader(Path path) throws IOException {
        try (FileSource in = new FileSource(path)) {
            return parseHeader(path.toString(), in);
        }
    }

    /**
     * Decodes a whole safetensors file held in memory, with the same validation as {@link #readWithMetadata}.
     *
     * @param bytes      the file content
     * @param sourceName the name to use in error messages (a file or resource name)
     * @return the tensors (file order) and the metadata
     * @throws SafetensorsException when the content is malformed or holds a dtype jrnn cannot load
     */
    public static File decode(byte[] bytes, String sourceName) throws SafetensorsException {
        Objects.requireNonNull(bytes, "bytes");
        try {
            return load(sourceName, new ByteSource(bytes));
        } catch (SafetensorsException e) {
            throw e;
        } catch (IOException e) {
            throw new SafetensorsException(sourceName + ": " + e.getMessage(), e); // not reached for byte arrays
        }
    }

    private static File load(String src, Source in) throws IOException {
        Header h = parseHeader(src, in);
        checkLoadable(src, h);
        Map<String, NdArray> out = new LinkedHashMap<>();
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK_BYTES, Math.max(8, in.size() - h.dataStart())))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (TensorInfo t : h.tensors()) {
            out.put(t.name(), readTensor(src, in, h.dataStart(), t, buf));
        }
        return new File(out, h.metadata());
    }

    /** All tensors must be loadable and fit a Java array; checked before any tensor memory is allocated. */
    private static void checkLoadable(String src, Header h) throws SafetensorsException {
        for (TensorInfo t : h.tensors()) {
            if (!t.dtype().loadable()) {
                throw new SafetensorsException(src + ": tensor '" + t.name() + "' has dtype " + t.dtype()
                        + ", which jrnn cannot load (supported: F32, F64; F16 and BF16 are widened to F32)");
            }
            for (long d : t.shape()) {
                if (d > Integer.MAX_VALUE) {
                    throw new SafetensorsException(src + ": tensor '" + t.name() + "': shape " + t.shape()
                            + " has a dimension above 2^31-1, more than a jrnn array can hold");
                }
            }
            if (t.elementCount() > Integer.MAX_VALUE) {
                throw new SafetensorsException(src + ": tensor '" + t.name() + "': shape " + t.shape() + " has "
                        + t.elementCount() + " elements, more than a jrnn array can hold (2^31-1)");
            }
        }
    }

    private static NdArray readTensor(String src, Source in, long dataStart, TensorInfo t, ByteBuffer buf)
            throws IOException {
        int n = (int) t.elementCount();
        int[] shape = new int[t.shape().size()];
        for (int i = 0; i < shape.length; i++) shape[i] = (int) (long) t.shape().get(i);
        int elemBytes = t.dtype().bits() / 8;
        int perChunk = buf.capacity() / elemBytes;
        long pos = dataStart + t.begin();
        float[] f = t.dtype() == DataType.F64 ? null : new float[n];
        double[] d = t.dtype() == DataType.F64 ? new double[n] : null;
        for (int off = 0; off < n; ) {
            int k = Math.min(perChunk, n - off);
            buf.clear().limit(k * elemBytes);
            try {
                in.readFully(pos, buf);
            } catch (EOFException e) {
                throw new SafetensorsException(src + ": tensor '" + t.name() + "': the file ended while reading its data"
                        + " (was it truncated while being read?)", e);
            }
            buf.flip();
            switch (t.dtype()) {
                case F32: buf.asFloatBuffer().get(f, off, k); break;
                case F64: buf.asDoubleBuffer().get(d, off, k); break;
                case F16:
                    for (int i = 0; i < k; i++) f[off + i] = halfToFloat(buf.getShort(2 * i));
                    break;
                case BF16:
                    for (int i = 0; i < k; i++) f[off + i] = Float.intBitsToFloat((buf.getShort(2 * i) & 0xffff) << 16);
                    break;
                default: throw new AssertionError(t.dtype());
            }
            off += k;
            pos += (long) k * elemBytes;
        }
        return d != null ? NdArray.of(d, shape) : NdArray.of(f, shape);
    }

    /** IEEE half-precision bits to float (exact: every half is a float); keeps NaN payloads and signed zeros. */
    static float halfToFloat(short half) {
        int h = half & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f; // zero or subnormal
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    // ------------------------------------------------------------------ header validation

    private static Header parseHeader(String src, Source in) throws IOException {
        long size = in.size();
        if (size < 8) {
            throw new SafetensorsException(src + ": file is " + size + " bytes, too short for the 8-byte header"
                    + " length that starts every safetensors file (truncated, or not a safetensors file)");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        in.readFully(0, lenBuf);
        long n = lenBuf.getLong(0);
        String nStr = Long.toUnsignedString(n);
        if (Long.compareUnsigned(n, 2) < 0) {
            throw new SafetensorsException(src + ": header length " + nStr
                    + " is too small; the header is a JSON object of at least 2 bytes ('{}')");
        }
        if (Long.compareUnsigned(n, MAX_HEADER_BYTES) > 0) {
            throw new SafetensorsException(src + ": header length " + nStr + " exceeds the limit of "
                    + MAX_HEADER_BYTES + " bytes (corrupt file, or not a safetensors file)");
        }
        if (n > size - 8) {
            throw new SafetensorsException(src + ": header length " + nStr + " runs past the end of the file,"
                    + " which has only " + (size - 8) + " bytes after the 8-byte length (truncated file?)");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        in.readFully(8, hb);
        hb.flip();
        String text = decodeUtf8(src, hb);
        if (text.charAt(0) != '{') {
            throw new SafetensorsException(src + ": header must start with '{' (a JSON object), found "
                    + describeChar(text.codePointAt(0)));
        }
        Object root;
        try {
            root = Json.parse(text);
        } catch (Json.JsonException e) {
            if (e.duplicateKey() != null) {
                String what = e.duplicateKey().equals(METADATA_KEY) ? "the key '" + METADATA_KEY + "'"
                        : "the key '" + e.duplicateKey() + "'";
                throw new SafetensorsException(src + ": header has " + what + " twice (at character " + e.position()
                        + "); tensor names and entry fields must be unique");
            }
            throw new SafetensorsException(src + ": header is not valid JSON: " + e.getMessage());
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> top = (Map<String, Object>) root; // starts with '{' and parsed: an object

        long bufferLen = size - 8 - n;
        Map<String, String> metadata = new TreeMap<>();
        List<TensorInfo> tensors = new ArrayList<>();
        for (Map.Entry<String, Object> e : top.entrySet()) {
            if (e.getKey().equals(METADATA_KEY)) {
                parseMetadata(src, e.getValue(), metadata);
            } else {
                tensors.add(parseEntry(src, e.getKey(), e.getValue(), bufferLen, size, n));
            }
        }
        checkCoverage(src, tensors, bufferLen);
        return new Header(src, n, tensors, metadata);
    }

    private static String decodeUtf8(String src, ByteBuffer bytes) throws SafetensorsException {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        CharBuffer out = CharBuffer.allocate(bytes.remaining());
        CoderResult r = dec.decode(bytes, out, true);
        if (r.isError()) {
            throw new SafetensorsException(src + ": header is not valid UTF-8 (bad byte 0x"
                    + String.format("%02x", bytes.get(bytes.position()) & 0xff) + " at header byte "
                    + bytes.position() + ")");
        }
        dec.flush(out);
        out.flip();
        return out.toString();
    }

    private static String describeChar(int cp) {
        if (cp < 0x20 || cp >= 0x7f) return "character U+" + String.format("%04X", cp);
        return "'" + new String(Character.toChars(cp)) + "'";
    }

    private static void parseMetadata(String src, Object value, Map<String, String> out) throws SafetensorsException {
        if (value == Json.NULL) {
            return; // the reference implementation reads null as "no metadata"
        }
        if (!(value instanceof Map)) {
            throw new SafetensorsException(src + ": " + METADATA_KEY + " must be an object of string values, found "
                    + Json.describe(value));
        }
        for (Map.Entry<?, ?> m : ((Map<?, ?>) value).entrySet()) {
            if (!(m.getValue() instanceof String)) {
                throw new SafetensorsException(src + ": " + METADATA_KEY + " entry '" + m.getKey()
                        + "' must be a string, found " + Json.describe(m.getValue()));
            }
            out.put((String) m.getKey(), (String) m.getValue());
        }
    }

    private static TensorInfo parseEntry(String src, String name, Object value, long bufferLen, long fileSize,
                                         long headerLen) throws SafetensorsException {
        if (name.isEmpty()) {
            throw new SafetensorsException(src + ": header has a tensor with an empty name; names must be non-empty");
        }
        String at = src + ": tensor '" + name + "': ";
        if (!(value instanceof Map)) {
            throw new SafetensorsException(at + "entry must be an object with dtype, shape and data_offsets, found "
                    + Json.describe(value));
        }
        Map<?, ?> entry = (Map<?, ?>) value;
        for (Object k : entry.keySet()) {
            if (!k.equals("dtype") && !k.equals("shape") && !k.equals("data_offsets")) {
                throw new SafetensorsException(at + "unknown field '" + k + "' (expected only dtype, shape, data_offsets)");
            }
        }
        for (String field : new String[] {"dtype", "shape", "data_offsets"}) {
            if (!entry.containsKey(field)) {
                throw new SafetensorsException(at + "missing field '" + field
                        + "' (every tensor needs dtype, shape and data_offsets)");
            }
        }
        Object dt = entry.get("dtype");
        if (!(dt instanceof String)) {
            throw new SafetensorsException(at + "dtype must be a string such as \"F32\", found " + Json.describe(dt));
        }
        DataType dtype = DataType.byName((String) dt);
        if (dtype == null) {
            throw new SafetensorsException(at + "unknown dtype " + Json.quote((String) dt) + " (known: "
                    + Arrays.toString(DataType.values()).replaceAll("[\\[\\]]", "") + ")");
        }
        List<Long> shape = longList(at, "shape", entry.get("shape"), -1);
        long elements = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new SafetensorsException(at + "shape " + shape + " has a negative dimension " + d
                        + " (dimensions must be >= 0)");
            }
        }
        long needed;
        try {
            for (long d : shape) elements = Math.multiplyExact(elements, d);
            long bits = Math.multiplyExact(elements, (long) dtype.bits());
            if (bits % 8 != 0) {
                throw new SafetensorsException(at + "shape " + shape + " of dtype " + dtype + " holds " + bits
                        + " bits, not a whole number of bytes");
            }
            needed = bits / 8;
        } catch (ArithmeticException e) {
            throw new SafetensorsException(at + "shape " + shape + " of dtype " + dtype
                    + " has more elements or bytes than fit in 64 bits");
        }
        List<Long> offsets = longList(at, "data_offsets", entry.get("data_offsets"), 2);
        long begin = offsets.get(0), end = offsets.get(1);
        for (long o : offsets) {
            if (o < 0) {
                throw new SafetensorsException(at + "data_offsets " + offsets + " has a negative offset " + o);
            }
        }
        if (end < begin) {
            throw new SafetensorsException(at + "data_offsets " + offsets + " end before they begin (expected begin <= end)");
        }
        if (end > bufferLen) {
            throw new SafetensorsException(at + "data_offsets " + offsets + " run past the end of the data buffer, which"
                    + " has " + bufferLen + " bytes (file size " + fileSize + " = 8 + header " + headerLen + " + buffer "
                    + bufferLen + "; truncated file?)");
        }
        if (end - begin != needed) {
            throw new SafetensorsException(at + "data_offsets " + offsets + " span " + (end - begin) + " bytes, but dtype "
                    + dtype + " and shape " + shape + " need " + needed);
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    /** A JSON array of non-negative-or-negative integers that fit a long; {@code length < 0} means any length. */
    private static List<Long> longList(String at, String field, Object v, int length) throws SafetensorsException {
        String expected = length == 2 ? "an array of two integers [begin, end]" : "an array of non-negative integers";
        if (!(v instanceof List)) {
            throw new SafetensorsException(at + field + " must be " + expected + ", found " + Json.describe(v));
        }
        List<?> list = (List<?>) v;
        if (length >= 0 && list.size() != length) {
            throw new SafetensorsException(at + field + " must be " + expected + ", found an array of " + list.size()
                    + " elements");
        }
        List<Long> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            Object x = list.get(i);
            if (!(x instanceof BigInteger)) {
                throw new SafetensorsException(at + field + " element " + i + " must be an integer, found "
                        + Json.describe(x));
            }
            BigInteger b = (BigInteger) x;
            if (b.bitLength() > 63) {
                throw new SafetensorsException(at + field + " element " + i + " (" + b + ") does not fit in 64 bits");
            }
            out.add(b.longValue());
        }
        return out;
    }

    /** Sorted by offsets, the entries must tile [0, bufferLen) exactly: no overlap, no gap, no trailing bytes. */
    private static void checkCoverage(String src, List<TensorInfo> tensors, long bufferLen) throws SafetensorsException {
        tensors.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end)
                .thenComparing(TensorInfo::name, Safetensors::compareCodePoints));
        long covered = 0;
        TensorInfo last = null;
        for (TensorInfo t : tensors) {
            if (t.begin() < covered) {
                throw new SafetensorsException(src + ": tensor '" + t.name() + "': data_offsets [" + t.begin() + ", "
                        + t.end() + "] overlap tensor '" + last.name() + "' at [" + last.begin() + ", " + last.end()
                        + "]; tensors must not share bytes");
            }
            if (t.begin() > covered) {
                throw new SafetensorsException(src + ": bytes [" + covered + ", " + t.begin() + ") of the data buffer"
                        + " belong to no tensor (gap before tensor '" + t.name() + "' at [" + t.begin() + ", " + t.end()
                        + "]); the tensors must cover the buffer without gaps");
            }
            if (t.end() > covered || last == null) {
                covered = t.end();
                last = t;
            }
        }
        if (covered != bufferLen) {
            throw new SafetensorsException(src + ": bytes [" + covered + ", " + bufferLen + ") at the end of the data"
                    + " buffer belong to no tensor (" + (bufferLen - covered) + " trailing bytes); the tensors must"
                    + " cover the buffer up to the end of the file");
        }
    }

    // ------------------------------------------------------------------ writing

    /**
     * Writes tensors without metadata; see {@link #write(Path, Map, Map)}.
     *
     * @param path    the file to create or replace; its directory must exist
     * @param tensors tensors by name (float32 or float64)
     * @throws IllegalArgumentException when a name is empty or reserved, or a value is {@code null}
     * @throws IOException              when the file cannot be written; the previous file is then intact
     */
    public static void write(Path path, Map<String, NdArray> tensors) throws IOException {
        write(path, tensors, Map.of());
    }

    /**
     * Writes tensors and string metadata atomically (temporary file, fsync, rename), in the deterministic
     * layout described in the class comment.
     *
     * @param path     the file to create or replace; its directory must exist
     * @param tensors  tensors by name (float32 or float64); names must be non-empty, well-formed Unicode and
     *                 not {@value #METADATA_KEY}
     * @param metadata string metadata (may be empty; then no {@code __metadata__} key is written)
     * @throws IllegalArgumentException when a name is empty or reserved, or a key or value is {@code null}
     * @throws IOException              when the file cannot be written; the previous file is then intact
     */
    public static void write(Path path, Map<String, NdArray> tensors, Map<String, String> metadata) throws IOException {
        write(path, tensors, metadata, null);
    }

    /** Test hook: called after the header has been written to the temporary file. */
    @FunctionalInterface
    interface WriteHook {
        void afterHeader() throws IOException;
    }

    static void write(Path path, Map<String, NdArray> tensors, Map<String, String> metadata, WriteHook hook)
            throws IOException {
        Objects.requireNonNull(path, "path");
        Plan plan = plan(tensors, metadata);
        AtomicFiles.write(path, out -> writeTo(out, plan, hook));
    }

    /**
     * Encodes tensors and metadata as the bytes of a safetensors file (the same bytes {@link #write} puts on
     * disk).
     *
     * @param tensors  tensors by name (float32 or float64)
     * @param metadata string metadata (may be empty)
     * @return the file content
     * @throws IllegalArgumentException when a name is invalid, a value {@code null}, or the result exceeds 2 GiB
     */
    public static byte[] encode(Map<String, NdArray> tensors, Map<String, String> metadata) {
        Plan plan = plan(tensors, metadata);
        long total = 8 + plan.header.length + plan.dataLength;
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("Safetensors.encode: the file would be " + total
                    + " bytes, too large for a byte array; use write(Path, ...)");
        }
        ByteArrayOutputStream bos = new ByteArrayOutputStream((int) total);
        try {
            writeTo(bos, plan, null);
        } catch (IOException e) {
            throw new AssertionError(e); // ByteArrayOutputStream does not throw
        }
        return bos.toByteArray();
    }

    private record Entry(String name, NdArray array, DataType dtype, long begin, long end) {}

    private record Plan(byte[] header, List<Entry> entries, long dataLength) {}

    private static Plan plan(Map<String, NdArray> tensors, Map<String, String> metadata) {
        Objects.requireNonNull(tensors, "tensors");
        Objects.requireNonNull(metadata, "metadata");
        List<Map.Entry<String, NdArray>> sorted = new ArrayList<>();
        for (Map.Entry<String, NdArray> e : tensors.entrySet()) {
            String name = e.getKey();
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("Safetensors.write: tensor names must be non-empty, got "
                        + (name == null ? "null" : "''"));
            }
            if (name.equals(METADATA_KEY)) {
                throw new IllegalArgumentException("Safetensors.write: '" + METADATA_KEY
                        + "' is reserved for metadata and cannot name a tensor");
            }
            checkUnicode("tensor name", name);
            if (e.getValue() == null) {
                throw new IllegalArgumentException("Safetensors.write: tensor '" + name + "' is null");
            }
            sorted.add(e);
        }
        Map<String, String> meta = new TreeMap<>(Safetensors::compareCodePoints);
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new IllegalArgumentException("Safetensors.write: metadata keys and values must be non-null, got "
                        + e.getKey() + " = " + e.getValue());
            }
            checkUnicode("metadata key", e.getKey());
            checkUnicode("metadata value", e.getValue());
            meta.put(e.getKey(), e.getValue());
        }
        sorted.sort((a, b) -> {
            int bySize = Integer.compare(DataType.of(b.getValue().dtype()).bits(), DataType.of(a.getValue().dtype()).bits());
            return bySize != 0 ? bySize : compareCodePoints(a.getKey(), b.getKey());
        });
        StringBuilder json = new StringBuilder("{");
        if (!meta.isEmpty()) {
            json.append(Json.quote(METADATA_KEY)).append(":{");
            boolean first = true;
            for (Map.Entry<String, String> e : meta.entrySet()) {
                if (!first) json.append(',');
                first = false;
                json.append(Json.quote(e.getKey())).append(':').append(Json.quote(e.getValue()));
            }
            json.append('}');
        }
        List<Entry> entries = new ArrayList<>();
        long offset = 0;
        for (Map.Entry<String, NdArray> e : sorted) {
            NdArray a = e.getValue();
            DataType dt = DataType.of(a.dtype());
            long end = offset + (long) a.size() * (dt.bits() / 8);
            entries.add(new Entry(e.getKey(), a, dt, offset, end));
            if (json.length() > 1) json.append(',');
            json.append(Json.quote(e.getKey())).append(":{\"dtype\":\"").append(dt.name()).append("\",\"shape\":[");
            int[] shape = a.shape();
            for (int i = 0; i < shape.length; i++) {
                if (i > 0) json.append(',');
                json.append(shape[i]);
            }
            json.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        json.append('}');
        byte[] raw = json.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (raw.length + 7) / 8 * 8;
        if (padded > MAX_HEADER_BYTES) {
            throw new IllegalArgumentException("Safetensors.write: the header would be " + padded
                    + " bytes, above the format's limit of " + MAX_HEADER_BYTES + " (too many tensors or too much metadata)");
        }
        byte[] header = Arrays.copyOf(raw, padded);
        Arrays.fill(header, raw.length, padded, (byte) ' ');
        return new Plan(header, entries, offset);
    }

    private static void checkUnicode(String what, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException("Safetensors.write: " + what + " " + Json.quote(s)
                        + " has a lone surrogate at index " + i + " and cannot be written as UTF-8");
            }
        }
    }

    private static void writeTo(OutputStream out, Plan plan, WriteHook hook) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate((int) Math.max(8, Math.min(CHUNK_BYTES, plan.dataLength)))
                .order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(0, plan.header.length);
        out.write(buf.array(), 0, 8);
        out.write(plan.header);
        if (hook != null) {
            hook.afterHeader();
        }
        for (Entry e : plan.entries) {
            int n = e.array.size();
            int elemBytes = e.dtype.bits() / 8;
            int perChunk = buf.capacity() / elemBytes;
            for (int off = 0; off < n; ) {
                int k = Math.min(perChunk, n - off);
                buf.clear();
                if (e.dtype == DataType.F64) {
                    buf.asDoubleBuffer().put(e.array.doubleData(), off, k);
                } else {
                    buf.asFloatBuffer().put(e.array.floatData(), off, k);
                }
                out.write(buf.array(), 0, k * elemBytes);
                off += k;
            }
        }
        out.flush();
    }

    /** Orders strings by Unicode code point (the order of their UTF-8 bytes), as Rust's {@code str::cmp}. */
    static int compareCodePoints(String a, String b) {
        int i = 0, j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i), cb = b.codePointAt(j);
            if (ca != cb) return Integer.compare(ca, cb);
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    }

    // ------------------------------------------------------------------ sources

    /** Random-access bytes: a file or an in-memory array. */
    private interface Source extends Closeable {
        long size() throws IOException;

        /** Fills {@code dst} from its position to its limit with the bytes at {@code pos}, or throws EOFException. */
        void readFully(long pos, ByteBuffer dst) throws IOException;

        @Override
        default void close() throws IOException {}
    }

    private static final class FileSource implements Source {
        private final FileChannel ch;

        FileSource(Path path) throws IOException {
            this.ch = FileChannel.open(path, StandardOpenOption.READ);
        }

        @Override
        public long size() throws IOException {
            return ch.size();
        }

        @Override
        public void readFully(long pos, ByteBuffer dst) throws IOException {
            long p = pos;
            while (dst.hasRemaining()) {
                int r = ch.read(dst, p);
                if (r < 0) {
                    throw new EOFException("end of file at byte " + p);
                }
                p += r;
            }
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    private static final class ByteSource implements Source {
        private final byte[] bytes;

        ByteSource(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public long size() {
            return bytes.length;
        }

        @Override
        public void readFully(long pos, ByteBuffer dst) throws IOException {
            int n = dst.remaining();
            if (pos + n > bytes.length) {
                throw new EOFException("end of data at byte " + bytes.length);
            }
            dst.put(bytes, (int) pos, n);
        }
    }
}
