package dev.jrnn.train.diagnostics;

import dev.jrnn.autograd.Tensor;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.Losses;
import dev.jrnn.nn.rnn.Gru;
import dev.jrnn.nn.rnn.GruCell;
import dev.jrnn.nn.rnn.Recurrent;
import dev.jrnn.tensor.DType;
import dev.jrnn.tensor.NdArray;
import dev.jrnn.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The recorder: when it measures, what it keeps, and that its files are well formed. */
class GradientDiagnosticsTest {

    @Test
    void recordsEveryNStepsAndWritesWellFormedFiles(@TempDir Path dir) throws Exception {
        Rng rng = new Rng(1);
        Gru gru = Gru.builder(2, 4).numLayers(2).rng(rng).build();
        Linear head = new Linear(4, 1, rng);
        Tensor x = Tensor.constant(NdArray.rand(rng, DType.FLOAT32, -1, 1, 3, 6, 2));
        Tensor y = Tensor.constant(NdArray.rand(rng, DType.FLOAT32, 0, 1, 3, 1));
        List<String> logged = new ArrayList<>();
        GradientDiagnostics diag = new GradientDiagnostics(dir.resolve("diag"), 2).log(logged::add);
        int[] calls = {0};
        for (long step = 0; step <= 5; step++) {
            DiagnosticsReport r = diag.maybeRecord(step, gru, gru, () -> {
                calls[0]++;
                return ProbeBatch.of(x, out -> Losses.mse(head.forward(out.hN().select(0, 1)), y));
            });
            assertEquals(step % 2 == 0, r != null, "step " + step);
        }
        assertEquals(3, calls[0], "the batch is made only when a record is due");
        assertEquals(List.of(0L, 2L, 4L), diag.history().stream().map(DiagnosticsReport::step).toList());
        assertEquals(3, logged.size());
        assertTrue(logged.get(0).startsWith("step 0 loss ") && logged.get(0).contains("l1 gru"), logged.get(0));

        // JSONL: one object per record, each parsing, with the arrays and maps of the report
        List<String> lines = Files.readAllLines(dir.resolve("diag/diagnostics.jsonl"), StandardCharsets.UTF_8);
        assertEquals(3, lines.size());
        for (int i = 0; i < 3; i++) {
            @SuppressWarnings("unchecked")
            Map<String, Object> o = (Map<String, Object>) new MiniJson(lines.get(i)).parse();
            assertEquals(2.0 * i, (Double) o.get("step"), 0);
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> layers = (List<Map<String, Object>>) o.get("layers");
            assertEquals(List.of("l0", "l1"), layers.stream().map(l -> l.get("layer")).toList());
            assertEquals(6, ((List<?>) layers.get(0).get("grad_norm")).size());
            assertEquals(List.of("r", "z", "n"), new ArrayList<>(((Map<?, ?>) layers.get(1).get("spectral_radius")).keySet()));
            assertEquals("n", layers.get(0).get("headline_block"));
            assertEquals(3, ((List<?>) layers.get(0).get("gates")).size());
            DiagnosticsReport r = diag.history().get(i);
            assertEquals(r.layer("l1").gradNorm()[0], (Double) ((List<?>) layers.get(1).get("grad_norm")).get(0),
                    1e-5 * r.layer("l1").gradNorm()[0]);
        }

        // CSV: the header, then 5 fields per row, every record's rows
        List<String> csv = Files.readAllLines(dir.resolve("diag/diagnostics.csv"), StandardCharsets.UTF_8);
        assertEquals(DiagnosticsReport.CSV_HEADER, csv.get(0));
        int perRecord = 1 + 2 * (6 + 3 + 3 + 3 * 3);                       // loss; per layer T norms, 3 ρ, 3 ‖·‖, 3×3 gate rows
        assertEquals(1 + 3 * perRecord, csv.size());
        for (String row : csv.subList(1, csv.size())) {
            String[] f = row.split(",", -1);
            assertEquals(5, f.length, row);
            Long.parseLong(f[0]);
            Double.parseDouble(f[4]);
        }
        assertTrue(csv.contains("4,l1,spectral_radius,n," + String.format(java.util.Locale.ROOT, "%.6g",
                diag.last().layer("l1").spectralRadius().get("n"))));

        // PNGs: one gradient plot per layer, the radius and the saturation over training
        for (String png : new String[] {"grad-norm-l0.png", "grad-norm-l1.png", "spectral-radius.png", "saturation.png"}) {
            byte[] b = Files.readAllBytes(dir.resolve("diag").resolve(png));
            assertTrue(b.length > 2000, png + " has " + b.length + " bytes");
            assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(b, 4), png);
        }
        assertEquals(4, diag.writePlots().size());

        // a new recorder on the same folder starts the files afresh
        new GradientDiagnostics(dir.resolve("diag"), 10);
        assertEquals(0, Files.size(dir.resolve("diag/diagnostics.jsonl")));
    }

    @Test
    void inMemoryRecorderWritesNothingAndRecordsRecurrentLayers(@TempDir Path dir) throws Exception {
        GradientDiagnostics diag = new GradientDiagnostics(null, 1);
        GruCell cell = new GruCell(2, 3, new Rng(4));
        Recurrent<dev.jrnn.nn.rnn.HiddenState> layer = Recurrent.of(cell);
        Tensor x = Tensor.constant(NdArray.rand(new Rng(5), DType.FLOAT32, -1, 1, 2, 4, 2));
        DiagnosticsReport r = diag.record(7, null, layer, x, null, res -> res.output().sum());
        assertEquals(7, r.step());
        assertEquals("gru", r.layer("cell").cell());
        assertEquals(List.of(), diag.writePlots());
        assertNull(diag.outDir());
        assertEquals(1, diag.history().size());
    }

    @Test
    void evenlySpacedKeepsFirstAndLast() {
        assertEquals(List.of(0, 1, 2), GradientDiagnostics.evenlySpaced(3, 8));
        assertEquals(List.of(0, 3, 6, 9), GradientDiagnostics.evenlySpaced(10, 4));
        assertEquals(8, GradientDiagnostics.evenlySpaced(100, 8).size());
    }

    @Test
    void plotsLeaveOutWhatALogAxisCannotShow(@TempDir Path dir) throws Exception {
        Map<String, double[]> lines = new LinkedHashMap<>();
        lines.put("underflowed", new double[] {0, 0, 1e-30, 1e-3});
        lines.put("nothing to draw", new double[] {0, Double.NaN});
        var chart = DiagnosticsPlots.gradientNorms("test", lines);
        assertEquals(List.of("underflowed"), new ArrayList<>(chart.getSeriesMap().keySet()));
        assertTrue(Files.size(DiagnosticsPlots.save(chart, dir.resolve("g.png"))) > 1000);
        assertNull(DiagnosticsPlots.save(DiagnosticsPlots.chart("empty", "x", "y", true), dir.resolve("e.png")));
    }

    /** A strict little JSON reader (objects, arrays, strings, numbers, null), enough to check well-formedness. */
    static final class MiniJson {
        private final String s;
        private int i;

        MiniJson(String s) {
            this.s = s;
        }

        Object parse() {
            Object v = value();
            if (i != s.length()) fail("trailing characters at " + i + ": " + s.substring(i));
            return v;
        }

        private Object value() {
            char c = s.charAt(i);
            if (c == '{') {
                Map<String, Object> m = new LinkedHashMap<>();
                i++;
                if (s.charAt(i) == '}') { i++; return m; }
                while (true) {
                    String k = string();
                    expect(':');
                    if (m.put(k, value()) != null) fail("duplicate key " + k);
                    if (s.charAt(i) == ',') { i++; continue; }
                    expect('}');
                    return m;
                }
            }
            if (c == '[') {
                List<Object> l = new ArrayList<>();
                i++;
                if (s.charAt(i) == ']') { i++; return l; }
                while (true) {
                    l.add(value());
                    if (s.charAt(i) == ',') { i++; continue; }
                    expect(']');
                    return l;
                }
            }
            if (c == '"') return string();
            if (s.startsWith("null", i)) { i += 4; return null; }
            int start = i;
            while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
            String num = s.substring(start, i);
            if (!num.matches("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?")) fail("bad number '" + num + "' at " + start);
            return Double.parseDouble(num);
        }

        private String string() {
            expect('"');
            StringBuilder sb = new StringBuilder();
            while (s.charAt(i) != '"') {
                char c = s.charAt(i++);
                if (c == '\\') {
                    char e = s.charAt(i++);
                    sb.append(e == 'n' ? '\n' : e == 't' ? '\t' : e);
                } else {
                    sb.append(c);
                }
            }
            i++;
            return sb.toString();
        }

        private void expect(char c) {
            if (s.charAt(i) != c) fail("expected '" + c + "' at " + i + " in " + s);
            i++;
        }
    }
}
