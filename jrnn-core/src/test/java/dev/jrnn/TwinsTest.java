package dev.jrnn;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every float64 twin is what {@code tools/twins.txt}'s rules make of its float32 original: the same rules that
 * {@code tools/gen_twins.py} applies, read and applied here in Java (no Python needed). A failure names the twin;
 * the fix is to edit the float32 original and run {@code python3 tools/gen_twins.py}.
 */
class TwinsTest {
    private static final Path ROOT = Path.of(System.getProperty("basedir", "."), "..");
    private static final Path RULES = ROOT.resolve("tools/twins.txt");

    /** One rewrite: {@code word} (whole word, {@code \bA\b}) or {@code text} (literal). */
    record Rewrite(boolean word, String from, String to) {
        String apply(String s) {
            if (!word) return s.replace(from, to);
            return Pattern.compile("\\b" + Pattern.quote(from) + "\\b", Pattern.UNICODE_CHARACTER_CLASS).matcher(s)
                    .replaceAll(Matcher.quoteReplacement(to));
        }
    }

    /** A {@code file ORIGINAL -> TWIN} or {@code region FILE NAME} line with its rewrites. */
    record Twin(String kind, String first, String second, List<Rewrite> rewrites) {
        /** The twin's path and the text it must have, reading files through {@code read}. */
        String[] expected(Function<String, String> read) {
            if (kind.equals("file")) {
                String src = read.apply(first), dst = read.apply(second);
                String o = "final class " + stem(first), t = "final class " + stem(second);
                assertTrue(src.contains(o) && dst.contains(t), first + " / " + second + ": no '" + o + "' / '" + t + "'");
                return new String[] {second, dst.substring(0, dst.indexOf(t)) + rewrite(src.substring(src.indexOf(o)))};
            }
            String text = read.apply(first);
            int[] f = between(text, "// twin " + second + " float begin", "// twin " + second + " float end", first);
            int[] d = between(text, "// twin " + second + " double begin", "// twin " + second + " double end", first);
            return new String[] {first, text.substring(0, d[0]) + rewrite(text.substring(f[0], f[1])) + text.substring(d[1])};
        }

        private String rewrite(String s) {
            for (Rewrite r : rewrites) s = r.apply(s);
            return s;
        }

        private static String stem(String path) {
            String name = Path.of(path).getFileName().toString();
            return name.substring(0, name.lastIndexOf('.'));
        }
    }

    /** The rules of {@code tools/twins.txt}, as gen_twins.py reads them. */
    static List<Twin> parse(String rules) {
        List<Twin> twins = new ArrayList<>();
        String[] lines = rules.split("\n", -1);
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n];
            if (line.isBlank() || line.startsWith("#")) continue;
            int sp = line.indexOf(' ');
            String keyword = sp < 0 ? line : line.substring(0, sp), rest = sp < 0 ? "" : line.substring(sp + 1);
            int arrow = rest.indexOf(" -> ");
            if (keyword.equals("file") && arrow > 0) {
                twins.add(new Twin("file", rest.substring(0, arrow), rest.substring(arrow + 4), new ArrayList<>()));
            } else if (keyword.equals("region") && rest.split(" ").length == 2) {
                twins.add(new Twin("region", rest.split(" ")[0], rest.split(" ")[1], new ArrayList<>()));
            } else if ((keyword.equals("word") || keyword.equals("text")) && !twins.isEmpty() && arrow > 0) {
                twins.get(twins.size() - 1).rewrites()
                        .add(new Rewrite(keyword.equals("word"), rest.substring(0, arrow), rest.substring(arrow + 4)));
            } else {
                fail(RULES + ":" + (n + 1) + ": cannot read '" + line + "'");
            }
        }
        return twins;
    }

    /** Offsets of the text strictly between the line starting with {@code begin} and the one starting with {@code end}. */
    private static int[] between(String text, String begin, String end, String where) {
        List<Integer> starts = new ArrayList<>(), stops = new ArrayList<>();
        int offset = 0;
        List<Integer> lineStarts = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            lineStarts.add(offset);
            if (line.strip().startsWith(begin)) starts.add(lineStarts.size() - 1);
            if (line.strip().startsWith(end)) stops.add(lineStarts.size() - 1);
            offset += line.length() + 1;
        }
        assertTrue(starts.size() == 1 && stops.size() == 1 && stops.get(0) > starts.get(0),
                where + ": needs exactly one line starting with '" + begin + "' before one starting with '" + end + "'");
        return new int[] {lineStarts.get(starts.get(0) + 1), lineStarts.get(stops.get(0))};
    }

    private static String read(String path) {
        try {
            return Files.readString(ROOT.resolve(path), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Twin> twins() throws IOException {
        assertTrue(Files.isRegularFile(RULES), "no rules file at " + RULES.toAbsolutePath());
        return parse(Files.readString(RULES, StandardCharsets.UTF_8));
    }

    @Test
    void everyTwinIsItsOriginalRewrittenByTheRules() throws IOException {
        List<Twin> twins = twins();
        assertEquals(5, twins.size(), "FusedRnn, Packed, JavaGemm's kernels, NdArray's bin and un");
        for (Twin t : twins) {
            String[] e = t.expected(TwinsTest::read);
            String[] want = e[1].split("\n", -1), have = read(e[0]).split("\n", -1);
            for (int i = 0; i < Math.max(want.length, have.length); i++) {
                String w = i < want.length ? want[i] : "(end of file)", h = i < have.length ? have[i] : "(end of file)";
                if (!w.equals(h)) {
                    fail(e[0] + ":" + (i + 1) + " is not what tools/twins.txt makes of its float32 original (" + t.kind()
                            + " " + t.first() + " " + t.second() + "): edit the original and run python3 tools/gen_twins.py"
                            + "\n  expected: " + w + "\n  found:    " + h);
                }
            }
        }
    }

    @Test
    void aChangeToAnOriginalIsAChangeTheTwinMustFollow() throws IOException {
        for (Twin t : twins()) {
            String original = t.kind().equals("file") ? t.first() : null;
            Function<String, String> edited = path -> {
                String s = read(path);
                if (original != null && !path.equals(original)) return s;     // a file twin: only the original changes
                String marker = t.kind().equals("file") ? "final class " : "// twin " + t.second() + " float begin";
                int at = s.indexOf(marker);
                int eol = s.indexOf('\n', at);
                return s.substring(0, eol + 1) + "        float extra = 1f;\n" + s.substring(eol + 1);
            };
            String[] e = t.expected(edited);
            assertTrue(e[1].contains("        double extra = 1f;\n"), t + ": the edit is carried over, retyped");
            assertNotEquals(read(e[0]), e[1], t + ": the twin on disk must no longer match");
        }
        assertEquals("double binD(double x) // floats",
                new Twin("region", "", "", List.of(new Rewrite(true, "float", "double"), new Rewrite(true, "binF", "binD"))).rewrite(
                        "float binF(float x) // floats"));
    }
}
