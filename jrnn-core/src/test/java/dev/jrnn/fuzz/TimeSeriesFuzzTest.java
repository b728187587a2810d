package dev.jrnn.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jrnn.series.TimeSeries;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzzes {@link TimeSeries#read} on a CSV file (comma, semicolon or tab separated; a header or not; gzipped or
 * not), then looks up every column (the numeric ones must be found). The first byte of the input chooses the {@link TimeSeries.Header} mode, the rest
 * is the file.
 */
class TimeSeriesFuzzTest {
    private static final Path FILE = FuzzSupport.scratch("series").resolve("series.csv");

    static Stream<byte[]> seeds() {
        return Stream.of(
                input(TimeSeries.Header.AUTO, "date,temp,rain\n2024-01-01,3.5,0\n2024-01-02,-1e-3,2.25\n2024-01-03,,1\n"),
                input(TimeSeries.Header.YES, "x;y\r\n1;2\r\n3;4\r\n"),
                input(TimeSeries.Header.NO, "1\t2\t3\n4\t5\t6\n"),
                input(TimeSeries.Header.AUTO, "\ufeff\"a, quoted\",b\n1,NaN\n2,3\n"),
                input(TimeSeries.Header.AUTO, gzip("t,v\n0,1.5\n1,2.5\n")));
    }

    private static byte[] gzip(String text) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(out)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] input(TimeSeries.Header header, String csv) {
        return input(header, csv.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] input(TimeSeries.Header header, byte[] file) {
        byte[] out = new byte[file.length + 1];
        out[0] = (byte) header.ordinal();
        System.arraycopy(file, 0, out, 1, file.length);
        return out;
    }

    @Test
    void everySeedReads() throws Exception {
        for (byte[] seed : seeds().toList()) readColumns(seed, false);
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "5m")
    void read(byte[] data) throws Exception {
        if (data.length > 0) FuzzSupport.expectSuccessOrRejection(FILE.toString(), () -> readColumns(data, true));
    }

    /** Reads the file and finds its numeric columns, then with {@code all} the others (which may be refused). */
    private static void readColumns(byte[] data, boolean all) throws Exception {
        Files.write(FILE, Arrays.copyOfRange(data, 1, data.length));
        TimeSeries.Header header = TimeSeries.Header.values()[(data[0] & 0xFF) % TimeSeries.Header.values().length];
        TimeSeries s = TimeSeries.read(FILE, header);
        for (String name : s.numericNames()) s.column(name);          // must succeed
        if (all) for (String name : s.names()) s.column(name);        // may refuse a column that is not numeric
    }
}
