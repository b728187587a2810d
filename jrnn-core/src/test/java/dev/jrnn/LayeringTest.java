package dev.jrnn;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The arrows point down only: a package may use packages below it, never above. Every source file under
 * {@code src/main/java/dev/jrnn} is scanned for imports and fully qualified names of {@code dev.jrnn.*}
 * packages (comments and string literals are ignored). Subpackages belong to their top package
 * ({@code nn.rnn} is {@code nn}).
 */
class LayeringTest {
    /**
     * Bottom to top; a layer may hold several sibling packages. {@code io} sits above nn and optim because it saves
     * models and optimizer state; {@code text} and {@code series} both sit on {@code train} and are independent of
     * each other (a sibling is neither above nor below); {@code infer} serves the models of both, so it sits on top.
     */
    static final List<List<String>> LAYERS = List.of(List.of("tensor"), List.of("autograd"), List.of("nn"),
            List.of("optim"), List.of("io"), List.of("train"), List.of("text", "series"),
            List.of("infer"));

    private static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\s*\\.\\s*jrnn\\s*\\.\\s*([a-z_][a-z0-9_]*)");

    @Test
    void noPackageUsesAPackageAboveIt() throws IOException {
        Path root = Path.of(System.getProperty("basedir", "."), "src", "main", "java", "dev", "jrnn");
        assertTrue(Files.isDirectory(root), "source root not found: " + root.toAbsolutePath());
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
            files = walk.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
        assertTrue(files.size() >= 20, "only " + files.size() + " source files found under " + root);
        List<String> violations = new ArrayList<>();
        for (Path f : files) {
            violations.addAll(check(root.relativize(f).toString(), Files.readString(f, StandardCharsets.UTF_8)));
        }
        if (!violations.isEmpty()) {
            fail(violations.size() + " upward or sideways dependencies (order, bottom to top: " + order() + "):\n  "
                    + String.join("\n  ", violations));
        }
    }

    /** {@code tensor < autograd < ... < text | series < infer}. */
    static String order() {
        List<String> out = new ArrayList<>();
        for (List<String> layer : LAYERS) out.add(String.join(" | ", layer));
        return String.join(" < ", out);
    }

    /** The rank of a top package (its layer's index), or -1 when it is in no layer. */
    static int rank(String top) {
        for (int i = 0; i < LAYERS.size(); i++) if (LAYERS.get(i).contains(top)) return i;
        return -1;
    }

    /** The violations in one file, one line each: the file, its layer, the line and what it references. */
    static List<String> check(String file, String source) {
        List<String> out = new ArrayList<>();
        String code = stripCommentsAndStrings(source);
        Matcher pm = PACKAGE.matcher(code);
        if (!pm.find()) {
            out.add(file + ": no package declaration");
            return out;
        }
        String pkg = pm.group(1);
        String own = topPackage(pkg);
        int ownRank = own == null ? -1 : rank(own);
        if (ownRank < 0) {
            out.add(file + ": package " + pkg + " is in no layer; add its top package to LayeringTest.LAYERS");
            return out;
        }
        Matcher m = REFERENCE.matcher(code);
        while (m.find()) {
            String target = m.group(1);
            int rank = rank(target);
            boolean sibling = rank == ownRank && !target.equals(own);
            if (rank > ownRank || sibling || (rank < 0 && !isClassInRoot(target))) {
                int line = 1;
                for (int i = 0; i < m.start(); i++) if (code.charAt(i) == '\n') line++;
                String text = source.split("\n", -1)[line - 1].trim();
                out.add(file + ":" + line + " (" + own + ") uses dev.jrnn." + target
                        + (rank < 0 ? " (a package in no layer)" : sibling ? " (a sibling in the same layer)" : " (layer above)")
                        + ": " + text);
            }
        }
        return out;
    }

    /** {@code tensor} for {@code dev.jrnn.tensor.x}; null outside {@code dev.jrnn.*}. */
    private static String topPackage(String pkg) {
        if (!pkg.startsWith("dev.jrnn.")) return null;
        String rest = pkg.substring("dev.jrnn.".length());
        int dot = rest.indexOf('.');
        return dot < 0 ? rest : rest.substring(0, dot);
    }

    /** A reference like {@code dev.jrnn.Foo} names a class (upper case), not a package; none exist, but be exact. */
    private static boolean isClassInRoot(String name) {
        return !name.isEmpty() && Character.isUpperCase(name.charAt(0));
    }

    /** Blanks out comments, string and char literals and text blocks, keeping line breaks so line numbers hold. */
    static String stripCommentsAndStrings(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int i = 0, n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (c == '/' && i + 1 < n && s.charAt(i + 1) == '/') {
                while (i < n && s.charAt(i) != '\n') i++;
            } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
                int end = s.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
                for (; i < end; i++) if (s.charAt(i) == '\n') out.append('\n');
            } else if (s.startsWith("\"\"\"", i)) {
                int end = s.indexOf("\"\"\"", i + 3);
                end = end < 0 ? n : end + 3;
                for (; i < end; i++) if (s.charAt(i) == '\n') out.append('\n');
                out.append("\"\"");
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < n && s.charAt(j) != c && s.charAt(j) != '\n') j += s.charAt(j) == '\\' ? 2 : 1;
                i = Math.min(j + 1, n);
                out.append(c).append(c);
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    // ------------------------------------------------------------------ the scanner itself

    @Test
    void scannerFindsImportsStaticImportsAndQualifiedNames() {
        String src = "package dev.jrnn.nn.rnn;\n"
                + "import dev.jrnn.autograd.Tensor;\n"
                + "import dev.jrnn.train.Trainer;\n"
                + "import static dev.jrnn.io.Safetensors.save;\n"
                + "import dev.jrnn.text.*;\n"
                + "class X {\n"
                + "  // dev.jrnn.train.Trainer in a comment is fine\n"
                + "  /* and dev.jrnn.text here too */ String s = \"dev.jrnn.io.Y\";\n"
                + "  Object o = new dev.jrnn.optim.Sgd(null, 0.1);\n"
                + "  dev.jrnn.tensor.NdArray a;\n"
                + "}\n";
        List<String> v = check("nn/rnn/X.java", src);
        assertEquals(4, v.size(), String.join("\n", v));
        assertTrue(v.get(0).startsWith("nn/rnn/X.java:3 (nn) uses dev.jrnn.train (layer above): import dev.jrnn.train.Trainer;"),
                v.get(0));
        assertTrue(v.get(1).contains(":4 (nn) uses dev.jrnn.io"), v.get(1));
        assertTrue(v.get(2).contains(":5 (nn) uses dev.jrnn.text"), v.get(2));
        assertTrue(v.get(3).contains(":9 (nn) uses dev.jrnn.optim") && v.get(3).contains("new dev.jrnn.optim.Sgd"), v.get(3));
    }

    @Test
    void scannerAllowsDownwardAndSameLayerUses() {
        assertEquals(List.of(), check("io/A.java", "package dev.jrnn.io;\nimport dev.jrnn.optim.Sgd;\n"
                + "import dev.jrnn.nn.rnn.Lstm;\nimport dev.jrnn.io.format.Header;\nimport java.io.File;\n"));
        assertEquals(List.of(), check("tensor/A.java", "package dev.jrnn.tensor;\nimport dev.jrnn.tensor.NdArray;\n"));
        assertEquals(List.of(), check("text/A.java", "package dev.jrnn.text;\nimport dev.jrnn.train.Fit;\n"));
        List<String> v = check("tensor/B.java", "package dev.jrnn.tensor;\nimport dev.jrnn.autograd.Tensor;\n");
        assertEquals(1, v.size());
        v = check("optim/C.java", "package dev.jrnn.optim;\nimport dev.jrnn.io.Checkpoint;\n");
        assertEquals(1, v.size(), "optim may not use io");
        v = check("misc/D.java", "package dev.jrnn.misc;\n");
        assertTrue(v.get(0).contains("in no layer"), v.get(0));
    }

    @Test
    void siblingsSitOnTrainAndDoNotUseEachOther() {
        assertEquals(List.of(), check("series/A.java", "package dev.jrnn.series;\nimport dev.jrnn.train.SequenceDataset;\n"
                + "import dev.jrnn.io.ModelFile;\nimport dev.jrnn.series.TimeSeries;\n"));
        List<String> v = check("series/B.java", "package dev.jrnn.series;\nimport dev.jrnn.text.Vocabulary;\n");
        assertEquals(1, v.size(), String.join("\n", v));
        assertTrue(v.get(0).contains(":2 (series) uses dev.jrnn.text (a sibling in the same layer)"), v.get(0));
        v = check("text/C.java", "package dev.jrnn.text;\nclass C { dev.jrnn.series.TimeSeries s; }\n");
        assertEquals(1, v.size(), String.join("\n", v));
        v = check("train/D.java", "package dev.jrnn.train;\nimport dev.jrnn.series.TimeSeries;\n");
        assertTrue(v.get(0).contains("(train) uses dev.jrnn.series (layer above)"), v.get(0));
        assertEquals("tensor < autograd < nn < optim < io < train < text | series < infer", order());
    }

    @Test
    void strippingKeepsLineNumbers() {
        String s = "a /* x\n y */ b // c\n\"q\\\"\" d\n";
        String t = stripCommentsAndStrings(s);
        assertEquals(s.split("\n", -1).length, t.split("\n", -1).length);
        assertTrue(!t.contains("x") && !t.contains("c") && !t.contains("q") && t.contains("d"), t);
    }
}
