package dev.jrnn.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Labelled texts read from a TSV file (UTF-8, or gzipped): {@code label<TAB>text} per line, or a file whose first
 * line is a header naming a {@code label} and a {@code text} column (IMDB's {@code id<TAB>rating<TAB>label<TAB>text}).
 * Lines are split on {@code \n} only; when {@code text} is the last column, tabs inside it are kept. Blank lines are
 * skipped.
 *
 * @param source  the file, for messages
 * @param labels  the label of each row
 * @param texts   the text of each row
 * @param lines   the 1-based line number of each row
 * @param sha256  the SHA-256 of the text read (for a checkpoint that must refuse other data)
 */
record ClassifyData(String source, List<String> labels, List<String> texts, List<Integer> lines, String sha256) {
    /** The given rows (in that order), for a validation split. */
    ClassifyData subset(int[] rows) {
        List<String> l = new java.util.ArrayList<>(), t = new java.util.ArrayList<>();
        List<Integer> n = new java.util.ArrayList<>();
        for (int r : rows) {
            l.add(labels.get(r));
            t.add(texts.get(r));
            n.add(lines.get(r));
        }
        return new ClassifyData(source, l, t, n, sha256);
    }

    /** Rows. */
    int size() {
        return labels.size();
    }

    /** Reads a TSV file; a bad line fails with its file and line number. */
    static ClassifyData read(Path file, String what) throws IOException {
        String text = Cli.readText(file, what);
        String source = what + " " + file;
        List<String> labels = new ArrayList<>(), texts = new ArrayList<>();
        List<Integer> lines = new ArrayList<>();
        int labelCol = 0, textCol = 1, columns = 2, start = 0, lineNo = 0;
        boolean first = true;
        while (start <= text.length()) {
            int end = text.indexOf('\n', start);
            if (end < 0) end = text.length();
            String line = text.substring(start, end);
            start = end + 1;
            lineNo++;
            if (line.isBlank()) {
                if (end == text.length()) break;
                continue;
            }
            if (first) {
                first = false;
                String[] head = line.split("\t", -1);
                int l = -1, t = -1;
                for (int i = 0; i < head.length; i++) {
                    String h = head[i].strip().toLowerCase(Locale.ROOT);
                    if (h.equals("label") && l < 0) l = i;
                    if (h.equals("text") && t < 0) t = i;
                }
                if (l >= 0 && t >= 0) {                      // a header line: take the columns it names
                    labelCol = l;
                    textCol = t;
                    columns = head.length;
                    continue;
                }
            }
            String[] f = textCol == columns - 1 ? line.split("\t", columns) : line.split("\t", -1);
            if (f.length < columns) {
                throw new Cli.Failure(source + ":" + lineNo + ": expected " + (columns == 2 ? "label<TAB>text"
                        : columns + " tab-separated columns") + ", found " + (f.length - 1) + " tab" + (f.length == 2 ? "" : "s"));
            }
            String label = f[labelCol].strip();
            if (label.isEmpty()) throw new Cli.Failure(source + ":" + lineNo + ": the label is empty");
            labels.add(label);
            texts.add(f[textCol]);
            lines.add(lineNo);
            if (end == text.length()) break;
        }
        if (labels.isEmpty()) throw new Cli.Failure(source + ": no labelled lines (expected label<TAB>text per line)");
        return new ClassifyData(source, labels, texts, lines, TrainerRun.sha256(text));
    }

    /**
     * The distinct labels in a stable order: numerically when every label is an integer (IMDB's 0 and 1), else in
     * string order.
     */
    List<String> classes() {
        List<String> out = new ArrayList<>(new java.util.TreeSet<>(labels));
        boolean numeric = out.stream().allMatch(s -> s.matches("[+-]?\\d{1,18}"));
        if (numeric) out.sort((a, b) -> Long.compare(Long.parseLong(a), Long.parseLong(b)));
        return out;
    }

    /** The class id of every row; a label not in {@code classes} fails with its line number. */
    int[] classIds(List<String> classes) {
        int[] out = new int[size()];
        for (int i = 0; i < out.length; i++) {
            int c = classes.indexOf(labels.get(i));
            if (c < 0) {
                throw new Cli.Failure(source + ":" + lines.get(i) + ": label '" + labels.get(i)
                        + "' does not occur in the training data (classes: " + String.join(", ", classes) + ")");
            }
            out[i] = c;
        }
        return out;
    }
}
