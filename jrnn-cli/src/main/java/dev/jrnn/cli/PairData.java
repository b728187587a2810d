package dev.jrnn.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Source–target pairs read from a TSV file (UTF-8, or gzipped): {@code source<TAB>target} per line, exactly one tab.
 * Lines are split on {@code \n} only; blank lines are skipped; a first line {@code source<TAB>target} is a header.
 * The target may be empty (the model then learns to answer {@code <eos>} at once); the source may not.
 *
 * @param source  the file, for messages ({@code --data pairs.tsv})
 * @param sources the source text of each pair
 * @param targets the target text of each pair
 * @param lines   the 1-based line number of each pair
 * @param sha256  the SHA-256 of the text read (for a checkpoint that must refuse other data)
 */
record PairData(String source, List<String> sources, List<String> targets, List<Integer> lines, String sha256) {
    /** Pairs. */
    int size() {
        return sources.size();
    }

    /** Reads a TSV file; a bad line fails with its file and line number. */
    static PairData read(Path file, String what) throws IOException {
        String text = Cli.readText(file, what);
        String source = what + " " + file;
        List<String> sources = new ArrayList<>(), targets = new ArrayList<>();
        List<Integer> lines = new ArrayList<>();
        String[] all = text.split("\n", -1);
        for (int i = 0; i < all.length; i++) {
            String line = all[i];
            if (line.isBlank()) continue;
            int tab = line.indexOf('\t');
            int tabs = (int) line.chars().filter(c -> c == '\t').count();
            if (tabs != 1) {
                throw new Cli.Failure(source + ":" + (i + 1) + ": expected source<TAB>target, found " + tabs + " tab"
                        + (tabs == 1 ? "" : "s"));
            }
            String s = line.substring(0, tab), t = line.substring(tab + 1);
            if (sources.isEmpty() && s.strip().equalsIgnoreCase("source") && t.strip().equalsIgnoreCase("target")) continue;
            if (s.isEmpty()) throw new Cli.Failure(source + ":" + (i + 1) + ": the source is empty (the encoder needs a token)");
            sources.add(s);
            targets.add(t);
            lines.add(i + 1);
        }
        if (sources.isEmpty()) throw new Cli.Failure(source + ": no pairs (expected source<TAB>target per line)");
        return new PairData(source, sources, targets, lines, TrainerRun.sha256(text));
    }

    /** The pairs at {@code rows}, in that order. */
    PairData subset(int[] rows) {
        List<String> s = new ArrayList<>(), t = new ArrayList<>();
        List<Integer> l = new ArrayList<>();
        for (int r : rows) {
            s.add(sources.get(r));
            t.add(targets.get(r));
            l.add(lines.get(r));
        }
        return new PairData(source, s, t, l, sha256);
    }
}
