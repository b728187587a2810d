package dev.jrnn.cli;

import dev.jrnn.io.ModelFile;
import dev.jrnn.text.CharTokenizer;
import dev.jrnn.text.Seq2Seq;
import dev.jrnn.text.Seq2SeqConfig;
import dev.jrnn.text.Seq2SeqFiles;
import dev.jrnn.text.SpecialToken;
import dev.jrnn.text.TextClassifier;
import dev.jrnn.text.TextClassifierFiles;
import dev.jrnn.text.Vocabulary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile input gets one clear line: files too large for the heap, sizes past the limits, damaged gzip data, bad CSV
 * cells, and terminal escape sequences inside files (shown, never obeyed).
 */
class HostileInputTest {
    @TempDir
    Path tmp;

    /** A safetensors file from its JSON header and data bytes. */
    private Path safetensors(String name, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return Files.write(tmp.resolve(name), b.array());
    }

    @Test
    void inspectOfAFileWithNoTensorsPrintsATable() throws IOException {
        Path p = safetensors("empty.safetensors", "{}", 0);                // was "jrnn: %-0s"
        Run r = Run.of("inspect", p.toString());
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains(p + ": safetensors, 0 tensors, 10 bytes"), r.out());
        assertTrue(r.out().contains("    total                                 0"), r.out());
    }

    @Test
    void inspectShowsEscapeSequencesFromTheFileInsteadOfSendingThem() throws IOException {
        Path p = safetensors("ansi.safetensors", "{\"__metadata__\":{\"note\":\"\\u001b[2J\\u001b]0;owned\\u0007\"},"
                + "\"ev\\u001b[31mil\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4);
        Run r = Run.of("inspect", p.toString());
        assertEquals(0, r.status(), r.toString());
        assertFalse(r.out().contains("\u001b") || r.out().contains("\u0007"), r.out());
        assertTrue(r.out().contains("    note: \\e[2J\\e]0;owned\\x07"), r.out());
        assertTrue(r.out().contains("    ev\\e[31mil  F32  [1]"), r.out());
    }

    @Test
    void predictShowsClassNamesFromTheModelEscaped() throws IOException {
        CharTokenizer t = new CharTokenizer();
        Vocabulary v = Vocabulary.builder().specials(SpecialToken.PAD, SpecialToken.UNK).addAll(t.tokenize("abc")).build();
        Path dir = tmp.resolve("clf");
        TextClassifierFiles.save(dir, new TextClassifier(TextClassifier.Config.of(v.size(), 3, 4, 2).withPadId(v.padId())),
                List.of("ok\u001b[8m", "bad\u0007"), 0, v, t, ModelFile.Provenance.unknown());
        Run r = Run.of("predict", dir.toString(), "--input", Files.writeString(tmp.resolve("in.txt"), "abc\n").toString(),
                "--probabilities");
        assertEquals(0, r.status(), r.toString());
        assertFalse(r.out().contains("\u001b") || r.out().contains("\u0007"), r.out());
        assertTrue(r.out().startsWith("label\tok\\e[8m\tbad\\x07\ttext\n"), r.out());
    }

    @Test
    void errorMessagesQuotingAFileEscapeItsControlCharacters() throws IOException {
        Path csv = Files.writeString(tmp.resolve("esc.csv"), "a\u001b[2J,b\n1,2\n3,4\n");
        String e = ErrorsTest.fails(1, "train", "regress", "--data", csv.toString(), "--out", tmp.resolve("o").toString(),
                "--target", "wind");
        assertEquals("jrnn: --data " + csv + ": no column 'wind'; the columns are a\\e[2J, b", e);
    }

    @Test
    void aTruncatedGzipCorpusIsNamed() throws IOException {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 3000; i++) text.append("line ").append(i * 7919 % 10007).append(" of the corpus\n");
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(b)) {
            gz.write(text.toString().getBytes(StandardCharsets.UTF_8));
        }
        Path cut = Files.write(tmp.resolve("corpus.txt.gz"), Arrays.copyOf(b.toByteArray(), b.size() / 2));
        assertEquals("jrnn: --data " + cut + ": the gzip data is truncated (Unexpected end of ZLIB input stream); download or"
                + " copy the file again", ErrorsTest.fails(1, "train", "lm", "--data", cut.toString(), "--out",
                tmp.resolve("lm").toString()));
    }

    // ------------------------------------------------------------------ train regress: bad cells, default target

    private static String table(int rows, String lastColumnAtRow7) {
        StringBuilder b = new StringBuilder("date,load,temp\n");
        for (int t = 0; t < rows; t++) {
            b.append(String.format(Locale.ROOT, "d%03d,%.3f,%s%n", t, Math.cos(t * 0.4),
                    t == 7 && lastColumnAtRow7 != null ? lastColumnAtRow7 : String.format(Locale.ROOT, "%.3f", Math.sin(t * 0.3))));
        }
        return b.toString();
    }

    private String[] regress(Path csv, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "regress", "--data", csv.toString(), "--out",
                tmp.resolve("r" + csv.getFileName()).toString(), "--window", "4", "--hidden", "3", "--epochs", "1",
                "--progress", "quiet"));
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    @Test
    void aBadCellInTheLastColumnIsNamedAndNeverSwitchesTheTarget() throws IOException {
        Path csv = Files.writeString(tmp.resolve("nan.csv"), table(40, "NaN"));  // was: target silently became 'load'
        assertEquals("jrnn: --data " + csv + ":9: column 'temp': 'NaN' is not a finite number (every value of a column used"
                + " by the model must be a number); it is the default target (the last column): fix it, or name the target"
                + " with --target", ErrorsTest.fails(1, regress(csv)));
    }

    @Test
    void aConstantLastColumnIsNotADefaultTarget() throws IOException {
        StringBuilder b = new StringBuilder("x,flag\n");
        for (int t = 0; t < 40; t++) b.append(t % 5).append(",1\n");
        Path csv = Files.writeString(tmp.resolve("const.csv"), b.toString());
        assertEquals("jrnn: --data " + csv + ": column 'flag' holds 1 on every one of the 32 training rows, so there is"
                + " nothing to learn; it is the default target (the last column): fix it, or name the target with --target",
                ErrorsTest.fails(1, regress(csv)));
    }

    @Test
    void aColumnLeftOutOfTheInputsIsNamedInAWarning() throws IOException {
        Path csv = Files.writeString(tmp.resolve("ok.csv"), table(40, null));
        Run r = Run.of(regress(csv));
        assertEquals(0, r.status(), r.toString());
        assertEquals("jrnn: warning: --data " + csv + ": column 'date' is not an input (line 2: 'd000' is not a finite number);"
                + " name the inputs with --inputs to choose them yourself", r.errorText());
        assertTrue(r.out().contains("inputs load,temp, targets temp"), r.out());
    }

    // ------------------------------------------------------------------ seq2seq lengths

    @Test
    void aSeq2seqPairLongerThanTheLimitIsNamed() throws IOException {
        Path tsv = Files.writeString(tmp.resolve("long.tsv"), "ab\tba\n" + "abc\t" + "x".repeat(Seq2Seq.MAX_LENGTH + 1) + "\n");
        assertEquals("jrnn: --data " + tsv + ":2: the target has 10,001 tokens, more than the 10,000 a seq2seq pair may have"
                + " (memory grows with the longest pair in a batch); split or drop the pair", ErrorsTest.fails(1, "train",
                "seq2seq", "--data", tsv.toString(), "--out", tmp.resolve("s").toString(), "--progress", "quiet"));
    }

    @Test
    void predictRefusesASeq2seqInputLongerThanTheLimit() throws IOException {
        CharTokenizer t = new CharTokenizer();
        Vocabulary src = Vocabulary.builder().specials(SpecialToken.UNK).addAll(t.tokenize("abc")).build();
        Vocabulary tgt = Vocabulary.builder().specials(SpecialToken.UNK, SpecialToken.EOS, SpecialToken.BOS)
                .addAll(t.tokenize("xyz")).build();
        Path dir = tmp.resolve("s2s");
        Seq2SeqFiles.save(dir, new Seq2Seq(Seq2SeqConfig.of(src.size(), tgt.size(), 4, 6, tgt.bosId(), tgt.eosId())), src, t,
                tgt, t, 8, ModelFile.Provenance.unknown());
        Path in = Files.writeString(tmp.resolve("in.txt"), "abc\n" + "ab".repeat(1_000_000) + "\n");   // 2 MB on one line
        assertEquals("jrnn: --input " + in + ":2: more than 10,000 tokens, the most a seq2seq model reads; split the line",
                ErrorsTest.fails(1, "predict", dir.toString(), "--input", in.toString()));
        Run ok = Run.of("predict", dir.toString(), "--input", Files.writeString(tmp.resolve("short.txt"), "abc\n").toString());
        assertEquals(0, ok.status(), ok.toString());
    }

    // ------------------------------------------------------------------ out of memory, in a JVM with a small heap

    /** Runs {@code jrnn ARGS} in a fresh JVM with {@code -Xmx64m}; returns {exit status, stdout, stderr}. */
    private String[] smallHeap(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Path out = tmp.resolve("child.out"), err = tmp.resolve("child.err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM did not finish");
        return new String[] {Integer.toString(p.exitValue()), Files.readString(out), Files.readString(err)};
    }

    private static void assertOneLine(String[] r, String start) {
        assertEquals("1", r[0], r[1] + r[2]);
        String err = r[2].lines().filter(l -> !l.startsWith("INFO: jrnn BLAS")).reduce((a, b) -> a + "\n" + b).orElse("");
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith(start), err);
        assertFalse(err.contains("Exception") || err.contains("\tat ") || err.contains("OutOfMemoryError"), err);
        assertTrue(err.contains("JRNN_JAVA_OPTS=-Xmx"), err);
    }

    @Test
    void aModelTooLargeForTheHeapIsRefusedBeforeItIsBuilt() throws Exception {
        Path text = Files.writeString(tmp.resolve("text.txt"), "the cat sat on the mat\n".repeat(50));
        String[] r = smallHeap("train", "lm", "--data", text.toString(), "--out", tmp.resolve("big").toString(), "--hidden",
                "20000", "--max-steps", "1");
        assertOneLine(r, "jrnn: the model (--hidden 20000, --layers 1, --embedding 32, ");
        assertTrue(r[2].contains(" parameters: needs about ") && r[2].contains("but this JVM may use at most "), r[2]);
    }

    @Test
    void anOutOfMemoryErrorIsOneLineWithAdvice() throws Exception {
        StringBuilder b = new StringBuilder("v\n");
        for (int t = 0; t < 20_000; t++) b.append(t % 97).append('\n');
        Path csv = Files.writeString(tmp.resolve("long.csv"), b.toString());
        // 15,000 windows of 5,000 rows: over a GB of arrays the model's own size check cannot see
        String[] r = smallHeap("train", "regress", "--data", csv.toString(), "--out", tmp.resolve("oom").toString(), "--window",
                "5000", "--valid-fraction", "0", "--hidden", "2", "--epochs", "1", "--progress", "quiet");
        assertOneLine(r, "jrnn: out of memory (Java heap space); this JVM may use at most ");
    }
}
