package dev.jrnn.text;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/** Writes small embedding files in the three formats, by hand, for the tests. */
final class EmbeddingFiles {
    private EmbeddingFiles() {}

    /** Four 3-d words; values exact in float32 so text and binary files read back bit for bit. */
    static Map<String, float[]> sample() {
        Map<String, float[]> m = new LinkedHashMap<>();
        m.put("the", new float[] {0.5f, -0.25f, 1f});
        m.put("cat", new float[] {0.125f, 2f, -1.5f});
        m.put("naïve", new float[] {-0.75f, 0f, 0.0625f});
        m.put("😀", new float[] {3f, 3.5f, -4f});
        return m;
    }

    static String gloveText(Map<String, float[]> m) {
        StringBuilder sb = new StringBuilder();
        for (var e : m.entrySet()) {
            sb.append(e.getKey());
            for (float x : e.getValue()) {
                sb.append(' ').append(String.format(Locale.ROOT, "%s", x));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    static String word2vecText(Map<String, float[]> m) {
        int dim = m.values().iterator().next().length;
        // word2vec's C tool writes a space after every value, gensim does not: mimic the C tool
        return m.size() + " " + dim + "\n" + gloveText(m).replace("\n", " \n");
    }

    /** The word2vec C tool's binary layout: "count dim\n", then word, ' ', dim LE float32, '\n' (if {@code newlines}). */
    static byte[] word2vecBinary(Map<String, float[]> m, boolean newlines) {
        int dim = m.values().iterator().next().length;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes((m.size() + " " + dim + "\n").getBytes(StandardCharsets.US_ASCII));
        for (var e : m.entrySet()) {
            out.writeBytes(e.getKey().getBytes(StandardCharsets.UTF_8));
            out.write(' ');
            ByteBuffer bb = ByteBuffer.allocate(4 * e.getValue().length).order(ByteOrder.LITTLE_ENDIAN);
            for (float x : e.getValue()) {
                bb.putFloat(x);
            }
            out.writeBytes(bb.array());
            if (newlines) {
                out.write('\n');
            }
        }
        return out.toByteArray();
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(bos)) {
            gz.write(data);
        }
        return bos.toByteArray();
    }

    static Path write(Path dir, String name, String text) throws IOException {
        return write(dir, name, text.getBytes(StandardCharsets.UTF_8));
    }

    static Path write(Path dir, String name, byte[] bytes) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, bytes);
        return f;
    }
}
