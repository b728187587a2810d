package dev.jrnn.series;

import dev.jrnn.io.ModelFile;
import dev.jrnn.train.SequenceDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A wide table is read and standardised in linear time; columns that are not numbers are named with their cell. */
class TimeSeriesHostileTest {
    /**
     * 200,000 numeric columns: {@code Standardizer} found each column with {@code List.indexOf}, once per value, so
     * this took minutes (20,000 columns: a minute), and saving the model copied the statistics once per column. The
     * timeout only catches quadratic behaviour again: the linear code needs a few seconds of CPU, and the rest of the
     * margin is for a machine shared with other builds.
     */
    @Test
    @Timeout(120)
    void twoHundredThousandColumnsAreLinear(@TempDir Path tmp) throws IOException {
        int columns = 200_000, rows = 4;
        StringBuilder csv = new StringBuilder();
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) csv.append(c == 0 ? "" : ",").append(r * 10 + c % 7);
            csv.append('\n');
        }
        TimeSeries s = TimeSeries.parse(csv.toString(), "wide.csv", TimeSeries.Header.AUTO);
        assertFalse(s.hasHeader());
        List<String> names = s.numericNames();
        assertEquals(columns, names.size());
        ForecastSpec fs = new ForecastSpec(names, List.of(names.get(columns - 1)), 2, 1);
        Standardizer z = Standardizer.fit(s, fs.columns(), 0, rows);
        assertEquals(columns, z.columns().size());
        assertEquals(columns - 1, z.indexOf(Integer.toString(columns)));
        assertEquals(15 + (columns - 1) % 7, z.mean()[columns - 1], 1e-12);          // rows 0, 10, 20, 30 (+ c % 7)
        SequenceDataset d = fs.dataset(s, z, 2, 3);                                   // windows ending at rows 2 and 3
        assertEquals(2, d.size());
        float[][] x = fs.window(s, z, 3);                                             // rows 1 and 2, standardised
        double std = Math.sqrt(125);                                                  // of 0, 10, 20, 30
        assertEquals((10 - 15) / std, x[0][0], 1e-6);
        assertEquals((20 - 15) / std, x[1][columns - 1], 1e-6);

        // saving wrote each column's statistics with a List.indexOf and two array copies: quadratic too
        SequenceRegressor model = new SequenceRegressor(SequenceRegressor.Config.of(columns, 1, fs.outputSize()));
        SequenceRegressorFiles.save(tmp.resolve("m"), model, fs, z, ModelFile.Provenance.unknown());
        SequenceRegressorFiles.Loaded back = SequenceRegressorFiles.load(tmp.resolve("m"));
        assertEquals(z, back.standardizer());
        assertEquals(model.predict(new float[][][] {x})[0][0], back.model().predict(new float[][][] {x})[0][0], 0);
    }

    @Test
    void nonNumericColumnsAreNamedWithTheirFirstBadCell() throws IOException {
        TimeSeries s = TimeSeries.parse("date,temp,load\nd1,1,5\nd2,NaN,5\nd3,3,5\n", "w.csv", TimeSeries.Header.AUTO);
        assertEquals(List.of("load"), s.numericNames());
        assertEquals(Map.of("date", "line 2: 'd1' is not a finite number", "temp", "line 3: 'NaN' is not a finite number"),
                s.nonNumeric());
        assertEquals(List.of("date", "temp"), new ArrayList<>(s.nonNumeric().keySet()));
        IOException e = assertThrows(IOException.class, () -> s.column("temp"));
        assertEquals("w.csv:3: column 'temp': 'NaN' is not a finite number (every value of a column used by the model must be"
                + " a number)", e.getMessage());
        assertTrue(s.isConstant(2, 0, 3));
        TimeSeries t = TimeSeries.parse("a,b\n1,2\n1,3\n", "t.csv", TimeSeries.Header.AUTO);
        assertTrue(t.isConstant(0, 0, 2));
        assertFalse(t.isConstant(1, 0, 2));
        assertTrue(t.isConstant(1, 1, 2));
    }
}
