package dev.jrnn;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The README's "Use as a library" program, compiled and run as it stands: the {@code ```java} block after the marker
 * {@code <!-- readme-example: Quickstart -->} is compiled with the system Java compiler against jrnn-core's classes
 * and its {@code main} run with a temporary model directory; its output must show the loss falling and the loaded
 * model predicting the right class.
 */
class ReadmeExampleTest {
    private static final String MARKER = "<!-- readme-example: Quickstart -->";

    @TempDir
    Path tmp;

    /** The code of the first {@code ```java} block after {@code marker} in {@code markdown}. */
    static String javaBlockAfter(String markdown, String marker) {
        int at = markdown.indexOf(marker);
        if (at < 0) fail("README.md has no marker " + marker);
        Matcher m = Pattern.compile("```java\\n(.*?)\\n```", Pattern.DOTALL).matcher(markdown);
        if (!m.find(at)) fail("README.md has no ```java block after " + marker);
        return m.group(1) + "\n";
    }

    @Test
    void theReadmeProgramCompilesRunsAndLearns() throws Exception {
        Path readme = Path.of(System.getProperty("basedir", "."), "..", "README.md");
        assertTrue(Files.isRegularFile(readme), "README.md not found at " + readme.toAbsolutePath());
        String code = javaBlockAfter(Files.readString(readme), MARKER);
        assertTrue(code.contains("public class Quickstart"), "the block must define public class Quickstart");

        Path src = tmp.resolve("src/Quickstart.java"), classes = tmp.resolve("classes");
        Files.createDirectories(src.getParent());
        Files.createDirectories(classes);
        Files.writeString(src, code);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "no system Java compiler (the tests need a JDK, not a JRE)");
        Path core = Path.of(LayeringTest.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolveSibling("classes");                                   // target/test-classes -> target/classes
        assertTrue(Files.isDirectory(core.resolve("dev/jrnn")), "jrnn-core's classes not found at " + core);
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (var files = javac.getStandardFileManager(diagnostics, null, StandardCharsets.UTF_8)) {
            boolean ok = javac.getTask(null, files, diagnostics,
                    List.of("-classpath", core.toString(), "-d", classes.toString(), "-Xlint:all", "-Werror"),
                    null, files.getJavaFileObjects(src)).call();
            StringBuilder report = new StringBuilder();
            for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
                report.append("\n  line ").append(d.getLineNumber()).append(": ").append(d.getMessage(null));
            }
            assertTrue(ok && report.length() == 0, "the README's program does not compile cleanly:" + report);
        }

        Path modelDir = tmp.resolve("model");
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        try (URLClassLoader loader = new URLClassLoader(new java.net.URL[] {classes.toUri().toURL()},
                getClass().getClassLoader())) {
            Method main = loader.loadClass("Quickstart").getMethod("main", String[].class);
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            main.invoke(null, (Object) new String[] {modelDir.toString()});
        } finally {
            System.setOut(stdout);
        }
        String out = captured.toString(StandardCharsets.UTF_8);

        Matcher loss = Pattern.compile("train loss: epoch 1 (\\d+\\.\\d+), epoch 5 (\\d+\\.\\d+)").matcher(out);
        assertTrue(loss.find(), "no loss line in:\n" + out);
        double first = Double.parseDouble(loss.group(1)), last = Double.parseDouble(loss.group(2));
        assertTrue(last < 0.7 * first, "the loss should fall by 30% or more in 5 epochs, went " + first + " -> " + last);
        Matcher p = Pattern.compile("P\\(sum > 0\\) = (\\d\\.\\d+) for a sequence summing to 3\\.0").matcher(out);
        assertTrue(p.find(), "no prediction line in:\n" + out);
        assertTrue(Double.parseDouble(p.group(1)) > 0.8, "the loaded model should be sure the sum is positive:\n" + out);
        assertTrue(Files.isRegularFile(modelDir.resolve("config.json")) && Files.isRegularFile(modelDir.resolve("weights.safetensors")),
                "the model directory was not written");
        assertEquals(2, out.lines().count(), "the program prints two lines:\n" + out);
    }
}
