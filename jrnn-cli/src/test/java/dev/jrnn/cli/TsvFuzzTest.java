package dev.jrnn.cli;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzzes the TSV readers of {@code train classify} ({@link ClassifyData}) and {@code train seq2seq}
 * ({@link PairData}), gzipped or not, then what the commands derive from them (classes and class ids). The first byte
 * of the input chooses the reader, the rest is the file. Success, an {@link IOException} or a {@link Cli.Failure}
 * naming the file are the acceptable outcomes; anything else is a finding.
 */
class TsvFuzzTest {
    private static final Path FILE;

    static {
        try {
            Path dir = Files.createTempDirectory("jrnn-fuzz-tsv-");
            dir.toFile().deleteOnExit();
            FILE = dir.resolve("data.tsv");
            FILE.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Stream<byte[]> seeds() {
        return Stream.of(
                input(0, "pos\ta fine film\nneg\tdull\tand long\n\n1\tnumeric label\n".getBytes(StandardCharsets.UTF_8)),
                input(0, "id\trating\tlabel\ttext\n7\t9\t1\tgreat\n8\t2\t0\tbad\ttab\n".getBytes(StandardCharsets.UTF_8)),
                input(0, gzip("\ufeffpos\tcaf\u00e9\r\nneg\t\ud83d\ude00\r\n")),
                input(1, "source\ttarget\n1+2\t3\n10+20\t30\n\nx\t\n".getBytes(StandardCharsets.UTF_8)),
                input(1, gzip("a b\tc d\n")));
    }

    private static byte[] gzip(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] input(int reader, byte[] file) {
        byte[] out = new byte[file.length + 1];
        out[0] = (byte) reader;
        System.arraycopy(file, 0, out, 1, file.length);
        return out;
    }

    @Test
    void everySeedReads() throws IOException {
        for (byte[] seed : seeds().toList()) readAndClassify(seed);
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "5m")
    void read(byte[] data) throws IOException {
        if (data.length == 0) return;
        try {
            readAndClassify(data);
        } catch (IOException | Cli.Failure e) {
            if (e.getMessage() == null || !e.getMessage().contains(FILE.toString())) {
                throw new AssertionError("the rejection does not name the file " + FILE + ": " + e, e);
            }
        }
    }

    private static void readAndClassify(byte[] data) throws IOException {
        Files.write(FILE, Arrays.copyOfRange(data, 1, data.length));
        if ((data[0] & 1) == 0) {
            ClassifyData d = ClassifyData.read(FILE, "--data");
            d.classIds(d.classes());
        } else {
            PairData.read(FILE, "--data");
        }
    }
}
