package dev.jrnn.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jrnn.text.PretrainedEmbeddings;
import dev.jrnn.text.PretrainedEmbeddings.Format;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzzes {@link PretrainedEmbeddings#load} on GloVe text, word2vec text and word2vec binary files, gzipped or not.
 * The first byte of the input chooses the format (detected from the content, or one of the three named), the rest
 * is the file.
 */
class PretrainedEmbeddingsFuzzTest {
    private static final Path FILE = FuzzSupport.scratch("embeddings").resolve("vectors.txt");
    private static final String[] WORDS = {"the", "cat", "na\u00efve", "\ud83d\ude00"};
    private static final float[][] VECTORS = {{0.5f, -0.25f, 1f}, {0.125f, 2f, -1.5f}, {-0.75f, 0f, 1e-3f}, {3f, 3.5f, -4f}};

    /** The same four 3-d words in every format: detected, then named; GloVe also gzipped. */
    static Stream<byte[]> seeds() {
        byte[] glove = glove().getBytes(StandardCharsets.UTF_8);
        byte[] w2vText = ("4 3\n" + glove()).getBytes(StandardCharsets.UTF_8);
        byte[] w2vBinary = word2vecBinary();
        return Stream.of(input(-1, glove), input(0, glove), input(0, gzip(glove)), input(-1, w2vText), input(1, w2vText),
                input(-1, w2vBinary), input(2, w2vBinary));
    }

    private static String glove() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < WORDS.length; i++) {
            sb.append(WORDS[i]);
            for (float x : VECTORS[i]) sb.append(' ').append(x);
            sb.append('\n');
        }
        return sb.toString();
    }

    private static byte[] word2vecBinary() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes((WORDS.length + " 3\n").getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < WORDS.length; i++) {
            out.writeBytes((WORDS[i] + " ").getBytes(StandardCharsets.UTF_8));
            ByteBuffer bb = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
            for (float x : VECTORS[i]) bb.putFloat(x);
            out.writeBytes(bb.array());
            out.write('\n');
        }
        return out.toByteArray();
    }

    private static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** {@code format}: a Format's ordinal, or -1 for detection. */
    private static byte[] input(int format, byte[] file) {
        byte[] out = new byte[file.length + 1];
        out[0] = (byte) (format + 1);
        System.arraycopy(file, 0, out, 1, file.length);
        return out;
    }

    @Test
    void everySeedLoadsTheFourWords() throws Exception {
        for (byte[] seed : seeds().toList()) {
            PretrainedEmbeddings e = read(seed);
            if (!e.words().equals(Arrays.asList(WORDS)) || e.dim() != 3) {
                throw new AssertionError("seed read as " + e.words() + " of dimension " + e.dim());
            }
        }
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "5m")
    void load(byte[] data) throws Exception {
        if (data.length > 0) FuzzSupport.expectSuccessOrRejection(FILE.toString(), () -> read(data));
    }

    private static PretrainedEmbeddings read(byte[] data) throws IOException {
        Files.write(FILE, Arrays.copyOfRange(data, 1, data.length));
        int choice = (data[0] & 0xFF) % (Format.values().length + 1);
        return choice == 0 ? PretrainedEmbeddings.load(FILE) : PretrainedEmbeddings.load(FILE, Format.values()[choice - 1]);
    }
}
