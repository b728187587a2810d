package dev.jrnn.series;

import dev.jrnn.io.Gzip;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;

/**
 * A table of observations in time order, read from a CSV file: one row per time step, one column per variable.
 *
 * <ul>
 *   <li><b>Delimiter</b>: the most frequent of {@code ,}, {@code ;} and TAB on the first line (comma when none).
 *       Fields may be quoted ({@code "a,b"}, {@code ""} for a quote inside); a quoted field cannot span lines.</li>
 *   <li><b>Header</b>: {@link Header#AUTO} takes the first line as column names when any of its fields is not a
 *       number; without a header the columns are named {@code 1, 2, …}. Names must be distinct and non-empty.</li>
 *   <li><b>Values</b>: {@link Double#parseDouble} after trimming; a column may hold text (a date, an id): it is kept
 *       as NaN and only fails when a model asks for it ({@link #column(String)}), naming the first line where it
 *       is not a finite number. Blank lines are skipped; every other line needs the first line's number of fields.</li>
 * </ul>
 * Every error is an {@link IOException} whose message starts {@code SOURCE:LINE:}.
 */
public final class TimeSeries {
    /** Whether the first line is a header. */
    public enum Header {
        /** A header when any field of the first line is not a number. */
        AUTO,
        /** The first line is a header. */
        YES,
        /** No header: every line is data, the columns are named {@code 1, 2, …}. */
        NO
    }

    private final String source;
    private final List<String> names;
    private final boolean hasHeader;
    private final double[][] values;           // [row][column], NaN where the field is not a finite number
    private final int[] lines;                 // the 1-based file line of each row
    private final String[] firstProblem;       // per column: null, or "line 7: 'abc' is not a number"
    private final Map<String, Integer> index = new HashMap<>();

    private TimeSeries(String source, List<String> names, boolean hasHeader, double[][] values, int[] lines,
                       String[] firstProblem) {
        this.source = source;
        this.names = List.copyOf(names);
        this.hasHeader = hasHeader;
        this.values = values;
        this.lines = lines;
        this.firstProblem = firstProblem;
        for (int c = 0; c < names.size(); c++) index.put(names.get(c), c);
    }

    /**
     * A table from values in memory (rows in time order), for tests and for callers that read their data
     * themselves.
     *
     * @param names  the column names, distinct
     * @param values {@code [rows][names.size()]}; NaN marks a missing value
     */
    public static TimeSeries of(List<String> names, double[][] values) {
        Objects.requireNonNull(names, "names");
        Objects.requireNonNull(values, "values");
        String[] problems = new String[names.size()];
        int[] lines = new int[values.length];
        for (int r = 0; r < values.length; r++) {
            lines[r] = r + 1;
            if (values[r].length != names.size()) {
                throw new IllegalArgumentException("TimeSeries.of: row " + r + " has " + values[r].length + " values, expected "
                        + names.size());
            }
            for (int c = 0; c < names.size(); c++) {
                if (problems[c] == null && !Double.isFinite(values[r][c])) {
                    problems[c] = "line " + (r + 1) + ": " + values[r][c] + " is not a finite number";
                }
            }
        }
        if (new java.util.HashSet<>(names).size() != names.size()) {
            throw new IllegalArgumentException("TimeSeries.of: column names repeat: " + names);
        }
        return new TimeSeries("(in memory)", names, true, values, lines, problems);
    }

    /** Reads a CSV file (UTF-8, or gzipped when its first bytes say so); see the class comment. */
    public static TimeSeries read(Path file, Header header) throws IOException {
        byte[] bytes = Gzip.readAll(file, file.toString());
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IOException(file + ": not UTF-8 text", e);
        }
        return parse(text, file.toString(), header);
    }

    /**
     * Parses CSV text.
     *
     * @param text   the whole file
     * @param source its name, for messages
     * @param header whether the first line names the columns
     * @throws IOException {@code SOURCE:LINE: what} for a bad line; {@code SOURCE: no data rows} for an empty table
     */
    public static TimeSeries parse(String text, String source, Header header) throws IOException {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(header, "header");
        if (!text.isEmpty() && text.charAt(0) == '\uFEFF') text = text.substring(1);      // a byte-order mark
        String[] raw = text.split("\r\n|\n|\r", -1);
        char delimiter = 0;
        List<String> names = null;
        boolean hasHeader = false;
        List<double[]> rows = new ArrayList<>();
        List<Integer> lineNos = new ArrayList<>();
        String[] problems = null;
        int columns = -1, firstLine = 0;
        for (int i = 0; i < raw.length; i++) {
            String line = raw[i];
            if (line.isBlank()) continue;
            int lineNo = i + 1;
            if (delimiter == 0) delimiter = delimiter(line);
            List<String> fields = split(line, delimiter, source, lineNo);
            if (columns < 0) {
                columns = fields.size();
                firstLine = lineNo;
                boolean allNumbers = fields.stream().allMatch(TimeSeries::isNumber);
                hasHeader = header == Header.YES || (header == Header.AUTO && !allNumbers);
                problems = new String[columns];
                if (hasHeader) {
                    names = headerNames(fields, source, lineNo);
                    continue;
                }
                names = new ArrayList<>();
                for (int c = 1; c <= columns; c++) names.add(Integer.toString(c));
            }
            if (fields.size() != columns) {
                throw new IOException(source + ":" + lineNo + ": " + fields.size() + " field" + (fields.size() == 1 ? "" : "s")
                        + ", expected " + columns + " (as line " + firstLine + ")");
            }
            double[] row = new double[columns];
            for (int c = 0; c < columns; c++) {
                String f = fields.get(c).strip();
                double v = number(f);
                row[c] = v;
                if (Double.isNaN(v) && problems[c] == null) {
                    problems[c] = "line " + lineNo + ": " + (f.isEmpty() ? "the field is empty" : "'" + abbreviate(f)
                            + "' is not a finite number");
                }
            }
            rows.add(row);
            lineNos.add(lineNo);
        }
        if (rows.isEmpty()) {
            throw new IOException(source + ": no data rows" + (hasHeader ? " after the header" : "") + " (expected CSV: one "
                    + "line per time step, one numeric column per variable)");
        }
        int[] lines = lineNos.stream().mapToInt(Integer::intValue).toArray();
        return new TimeSeries(source, names, hasHeader, rows.toArray(new double[0][]), lines, problems);
    }

    private static char delimiter(String line) {
        int comma = 0, semi = 0, tab = 0;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (ch == ',') comma++;
            else if (ch == ';') semi++;
            else if (ch == '\t') tab++;
        }
        if (tab > comma && tab >= semi) return '\t';
        if (semi > comma) return ';';
        return ',';
    }

    /** The fields of one line, quotes removed. */
    private static List<String> split(String line, char delimiter, String source, int lineNo) throws IOException {
        List<String> out = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        int i = 0, n = line.length();
        while (true) {
            while (i < n && line.charAt(i) == ' ') i++;
            if (i < n && line.charAt(i) == '"') {
                i++;
                while (true) {
                    if (i >= n) throw new IOException(source + ":" + lineNo + ": a quoted field is not closed");
                    char ch = line.charAt(i++);
                    if (ch == '"') {
                        if (i < n && line.charAt(i) == '"') {
                            f.append('"');
                            i++;
                        } else {
                            break;
                        }
                    } else {
                        f.append(ch);
                    }
                }
                while (i < n && line.charAt(i) == ' ') i++;
                if (i < n && line.charAt(i) != delimiter) {
                    throw new IOException(source + ":" + lineNo + ": text after a closing quote (column " + (out.size() + 1) + ")");
                }
            } else {
                while (i < n && line.charAt(i) != delimiter) f.append(line.charAt(i++));
            }
            out.add(f.toString());
            f.setLength(0);
            if (i >= n) break;
            i++;                                                          // the delimiter
        }
        return out;
    }

    private static List<String> headerNames(List<String> fields, String source, int lineNo) throws IOException {
        List<String> names = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (int c = 0; c < fields.size(); c++) {
            String name = fields.get(c).strip();
            if (name.isEmpty()) throw new IOException(source + ":" + lineNo + ": the header's column " + (c + 1) + " has no name");
            Integer before = seen.put(name, c + 1);
            if (before != null) {
                throw new IOException(source + ":" + lineNo + ": the header names '" + name + "' twice (columns " + before
                        + " and " + (c + 1) + ")");
            }
            names.add(name);
        }
        return names;
    }

    private static boolean isNumber(String field) {
        return !Double.isNaN(number(field.strip()));
    }

    /** A finite number, or NaN. */
    private static double number(String f) {
        if (f.isEmpty()) return Double.NaN;
        char first = f.charAt(0);
        if (!(Character.isDigit(first) || first == '-' || first == '+' || first == '.')) return Double.NaN;   // no "NaN", "Infinity", hex
        try {
            double v = Double.parseDouble(f);
            return Double.isFinite(v) ? v : Double.NaN;
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 30 ? s.substring(0, 30) + "..." : s;
    }

    // ------------------------------------------------------------------ access

    /** Where the table came from. */
    public String source() { return source; }

    /** The column names (from the header, or {@code 1, 2, …}). */
    public List<String> names() { return names; }

    /** Whether the first line was a header. */
    public boolean hasHeader() { return hasHeader; }

    /** Rows (time steps). */
    public int rows() { return values.length; }

    /** The file line of row {@code r} (1-based), for messages. */
    public int line(int r) { return lines[r]; }

    /** The value at row {@code r}, column {@code c} (NaN where the field is not a finite number). */
    public double value(int r, int c) { return values[r][c]; }

    /** The names of the columns whose every value is a finite number, in order. */
    public List<String> numericNames() {
        List<String> out = new ArrayList<>();
        for (int c = 0; c < names.size(); c++) if (firstProblem[c] == null) out.add(names.get(c));
        return Collections.unmodifiableList(out);
    }

    /**
     * The columns that hold something other than finite numbers, in order, each with its first such cell:
     * {@code date -> "line 2: 'day000' is not a finite number"}. These are the columns {@link #numericNames()} leaves
     * out; a caller that uses every numeric column says which these are, and why.
     */
    public Map<String, String> nonNumeric() {
        Map<String, String> out = new LinkedHashMap<>();
        for (int c = 0; c < names.size(); c++) if (firstProblem[c] != null) out.put(names.get(c), firstProblem[c]);
        return Collections.unmodifiableMap(out);
    }

    /**
     * Whether column {@code c} holds one value on every row of {@code [fromRow, toRow)} (then a model has nothing to
     * learn from it as a target).
     */
    public boolean isConstant(int c, int fromRow, int toRow) {
        for (int r = fromRow + 1; r < toRow; r++) {
            if (Double.compare(values[r][c], values[fromRow][c]) != 0) return false;
        }
        return true;
    }

    /**
     * The index of a numeric column, by name, or by 1-based number ({@code "3"}) when no header names it so.
     *
     * @throws IOException when there is no such column (listing the columns), or when it holds a value that is not a
     *                     finite number (naming its first such line)
     */
    public int column(String name) throws IOException {
        Integer c = index.get(name);
        if (c == null && name.matches("\\d{1,9}")) {
            int k = Integer.parseInt(name);
            if (k >= 1 && k <= names.size()) c = k - 1;
        }
        if (c == null) {
            String hint = hasHeader ? "" : " (the file has no header: name columns by number, 1 to " + names.size() + ")";
            throw new IOException(source + ": no column '" + name + "'; the columns are " + String.join(", ", names) + hint);
        }
        if (firstProblem[c] != null) {
            throw new IOException(source + ":" + firstProblem[c].substring("line ".length()).replaceFirst(": ",
                    Matcher.quoteReplacement(": column '" + names.get(c) + "': "))     // a name may hold '$' or '\\'
                    + " (every value of a column used by the model must be a number)");
        }
        return c;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "TimeSeries(%s: %d rows, columns %s)", source, rows(), names);
    }
}
