package dev.jrnn.text;

import dev.jrnn.nn.Embedding;
import dev.jrnn.text.PretrainedEmbeddings.Format;
import dev.jrnn.text.PretrainedEmbeddings.LoadOptions;
import dev.jrnn.text.PretrainedEmbeddings.MapOptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The real GloVe 6B 50d vectors of the 2,445 most frequent words (../shared/data/glove-6B-50d-subset, see its
 * README). Skipped when the data is not there. The expected numbers were measured on this file and agree with
 * those published for the full glove.6B.50d (king–queen 0.7839, king–man 0.5309, computer–software 0.8815).
 */
class GloveSubsetDataTest {
    static final String DIR = "glove-6B-50d-subset";
    static final String FILE = "glove.6B.50d.top2445.txt.gz";
    /** SHA-256 of the uncompressed file, from the data's README. */
    static final String RAW_SHA256 = "5f46a8a79eac649fbf60d985a82b30709e2ab5aa5c4226eb43d2ab907a840304";

    static Path file;
    static PretrainedEmbeddings glove;
    static Similarity sim;

    /** Looks for shared/data/DIR in the ancestors of the module directory (or under $JRNN_DATA). */
    static Path findData() {
        String env = System.getenv("JRNN_DATA");
        if (env != null && Files.isDirectory(Path.of(env, DIR))) {
            return Path.of(env, DIR);
        }
        for (Path p = Path.of(System.getProperty("basedir", ".")).toAbsolutePath(); p != null; p = p.getParent()) {
            Path c = p.resolve("shared").resolve("data").resolve(DIR);
            if (Files.isDirectory(c)) {
                return c;
            }
        }
        return null;
    }

    @BeforeAll
    static void load() throws IOException {
        Path dir = findData();
        if (dir != null && Files.isRegularFile(dir.resolve(FILE))) {
            file = dir.resolve(FILE);
            glove = PretrainedEmbeddings.load(file);
            sim = glove.similarity();
        }
    }

    @BeforeEach
    void requireData() {
        assumeTrue(glove != null, "GloVe subset not found (looked for shared/data/" + DIR + "/" + FILE
                + " in the ancestors of the module directory, and under $JRNN_DATA); skipping the GloVe data test");
    }

    @Test
    void theFileIsTheOneTheReadmeDescribes() throws IOException, NoSuchAlgorithmException {
        String sums = Files.readString(file.resolveSibling("SHA256SUMS"), StandardCharsets.UTF_8);
        assertTrue(sums.contains(sha256(Files.newInputStream(file)) + "  " + FILE), "gz checksum differs from SHA256SUMS");
        assertEquals(RAW_SHA256, sha256(new GZIPInputStream(Files.newInputStream(file))), "uncompressed checksum (README)");
    }

    private static String sha256(InputStream raw) throws IOException, NoSuchAlgorithmException {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = new DigestInputStream(raw, md)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    @Test
    void loadsAsGloveText() {
        assertEquals(Format.GLOVE_TEXT, glove.format());
        assertEquals(2445, glove.size());
        assertEquals(50, glove.dim());
        assertEquals(0, glove.duplicatesSkipped());
        assertEquals(List.of("the", ",", ".", "of", "to"), glove.words().subList(0, 5));
        float[] the = glove.vector("the");
        assertArrayEquals(new float[] {0.418f, 0.24968f, -0.41242f, 0.1217f, 0.34527f}, java.util.Arrays.copyOf(the, 5));
        assertArrayEquals(new float[] {0.50451f, 0.68607f, -0.59517f}, java.util.Arrays.copyOf(glove.vector("king"), 3));
        assertTrue(glove.contains("’s") && glove.contains("“"), "the cp1252 tokens were re-encoded as UTF-8");
    }

    @Test
    void cosinesMatchThePublishedValues() {
        assertEquals(0.7839, sim.cosine("king", "queen"), 1e-4);
        assertEquals(0.5309, sim.cosine("king", "man"), 1e-4);
        assertEquals(0.8815, sim.cosine("computer", "software"), 1e-4);
    }

    @Test
    void nearestNeighboursOfKing() {
        List<Neighbour> n = sim.nearest("king", 5);
        assertEquals(List.of("prince", "queen", "ii", "son", "kingdom"), n.stream().map(Neighbour::word).toList());
        assertEquals(0.8236, n.get(0).similarity(), 1e-4);
        assertEquals(0.7839, n.get(1).similarity(), 1e-4);
        assertEquals(List.of("software", "technology", "internet"),
                sim.nearest("computer", 3).stream().map(Neighbour::word).toList());
    }

    @Test
    void kingMinusManPlusWomanIsQueen() {
        List<Neighbour> a = sim.analogy("king", "man", "woman", 3);
        assertEquals(List.of("queen", "prince", "daughter"), a.stream().map(Neighbour::word).toList());
        assertEquals(0.8524, a.get(0).similarity(), 1e-4);
        assertEquals("king", sim.analogy("queen", "woman", "man", 1).get(0).word());
        assertEquals("paris", sim.analogy("london", "england", "france", 1).get(0).word());
        assertEquals("japan", sim.analogy("france", "paris", "tokyo", 1).get(0).word());
        assertTrue(!glove.contains("berlin"), "not among the 2,445 most frequent words, so paris - france + germany cannot give it");
    }

    @Test
    void mapsOntoAVocabularyAndBuildsAFrozenEmbedding() throws IOException {
        Vocabulary v = Vocabulary.builder().bos(true)
                .addTexts(List.of("The King and the Queen met a Prince.", "Zyzzyva flibbertigibbet the king"), WordTokenizer.keras())
                .build();
        PretrainedEmbeddings kept = PretrainedEmbeddings.load(file, Format.GLOVE_TEXT, LoadOptions.all().keepOnly(v, false));
        assertEquals(2445, kept.entriesRead());
        assertEquals(7, kept.size(), "only the vocabulary's words are stored");
        EmbeddingMatrix m = kept.map(v, MapOptions.defaults().sampleSize(5));
        assertEquals(9, m.coverage().words());
        assertEquals(7, m.coverage().found());
        assertEquals(List.of("flibbertigibbet", "zyzzyva"), m.coverage().missingSample());
        Embedding emb = m.toEmbedding(true);
        assertTrue(emb.weight().isFrozen());
        assertArrayEquals(glove.vector("queen"), emb.forward(new int[] {v.id("queen")}).data().toFloatArray());
        assertEquals(0.7839, m.similarity().cosine("king", "queen"), 1e-4);
    }
}
