package dev.jrnn.series;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CSV tables: headers found or not, delimiters, quotes, text columns kept until used, and errors with their line. */
class TimeSeriesTest {
    @TempDir
    Path tmp;

    private static String failure(String csv, TimeSeries.Header h) {
        return assertThrows(IOException.class, () -> TimeSeries.parse(csv, "t.csv", h)).getMessage();
    }

    @Test
    void aHeaderIsFoundWhenTheFirstLineHasText() throws IOException {
        TimeSeries s = TimeSeries.parse("date,temp,rain\n2024-01-01,3.5,0\n2024-01-02,-1e1,2\n\n", "t.csv", TimeSeries.Header.AUTO);
        assertTrue(s.hasHeader());
        assertEquals(List.of("date", "temp", "rain"), s.names());
        assertEquals(2, s.rows());
        assertEquals(-10.0, s.value(1, s.column("temp")));
        assertEquals(3, s.line(1));
        assertEquals(List.of("temp", "rain"), s.numericNames(), "the date column is text");
        assertEquals(2, s.column("3"), "a column by number");
        assertEquals("t.csv:2: column 'date': '2024-01-01' is not a finite number (every value of a column used by the "
                + "model must be a number)", assertThrows(IOException.class, () -> s.column("date")).getMessage());
        assertEquals("t.csv: no column 'wind'; the columns are date, temp, rain",
                assertThrows(IOException.class, () -> s.column("wind")).getMessage());
    }

    @Test
    void withoutAHeaderColumnsAreNumbered() throws IOException {
        TimeSeries s = TimeSeries.parse("1;2.5\r\n3;4\r\n", "t.csv", TimeSeries.Header.AUTO);
        assertFalse(s.hasHeader());
        assertEquals(List.of("1", "2"), s.names());
        assertEquals(4.0, s.value(1, s.column("2")));
        assertEquals("t.csv: no column 'x'; the columns are 1, 2 (the file has no header: name columns by number, 1 to 2)",
                assertThrows(IOException.class, () -> s.column("x")).getMessage());
        TimeSeries forced = TimeSeries.parse("1\t2\n3\t4\n", "t.csv", TimeSeries.Header.YES);
        assertEquals(List.of("1", "2"), forced.names());
        assertEquals(1, forced.rows(), "a numeric first line is a header when told so");
        TimeSeries none = TimeSeries.parse("a,b\n1,2\n", "t.csv", TimeSeries.Header.NO);
        assertEquals(2, none.rows());
        assertEquals(List.of(), none.numericNames());
    }

    @Test
    void quotedFieldsAndGzippedFilesAreRead() throws IOException {
        TimeSeries s = TimeSeries.parse("\"a, b\",\"say \"\"x\"\"\"\n\"1.5\", 2\n", "t.csv", TimeSeries.Header.AUTO);
        assertEquals(List.of("a, b", "say \"x\""), s.names());
        assertEquals(1.5, s.value(0, 0));
        Path gz = tmp.resolve("s.csv.gz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
            o.write("x,y\n1,2\n3,4\n".getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(2, TimeSeries.read(gz, TimeSeries.Header.AUTO).rows());
    }

    @Test
    void badLinesAreNamed() {
        assertEquals("t.csv:3: 1 field, expected 2 (as line 1)", failure("a,b\n1,2\n3\n", TimeSeries.Header.AUTO));
        assertEquals("t.csv:2: a quoted field is not closed", failure("a,b\n\"1,2\n", TimeSeries.Header.AUTO));
        assertEquals("t.csv:1: the header names 'a' twice (columns 1 and 3)", failure("a,b,a\n1,2,3\n", TimeSeries.Header.AUTO));
        assertEquals("t.csv:1: the header's column 2 has no name", failure("a,,c\n1,2,3\n", TimeSeries.Header.AUTO));
        assertTrue(failure("a,b\n", TimeSeries.Header.AUTO).startsWith("t.csv: no data rows after the header"));
        assertTrue(failure("\n\n", TimeSeries.Header.AUTO).startsWith("t.csv: no data rows"));
    }

    @Test
    void missingAndNonFiniteValuesFailWhenTheColumnIsUsed() throws IOException {
        TimeSeries s = TimeSeries.parse("a,b,c\n1,2,3\n4,,NaN\n7,8,Infinity\n", "t.csv", TimeSeries.Header.AUTO);
        assertEquals(List.of("a"), s.numericNames());
        assertEquals("t.csv:3: column 'b': the field is empty (every value of a column used by the model must be a number)",
                assertThrows(IOException.class, () -> s.column("b")).getMessage());
        assertTrue(assertThrows(IOException.class, () -> s.column("c")).getMessage().startsWith("t.csv:3: column 'c': 'NaN' is"));
    }
}
