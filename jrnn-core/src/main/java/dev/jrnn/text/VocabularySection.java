package dev.jrnn.text;

import dev.jrnn.io.ModelConfig;
import dev.jrnn.io.ModelFile;
import dev.jrnn.io.ModelFileException;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A saved model's vocabulary: the {@code vocabulary} section of {@code config.json}
 * ({@code {"file": "vocab.txt", "size": 65, "fingerprint": "…SHA-256…"}}) and the file it names, written and read here
 * for every model kind that has one ({@link LanguageModelFiles}, {@link TextClassifierFiles}, both sides of
 * {@link Seq2SeqFiles}), so that the checks and their messages are the same everywhere.
 */
final class VocabularySection {
    private VocabularySection() {}

    /** A vocabulary read from a model directory, and the path it was read from (for messages). */
    record Read(Vocabulary vocabulary, Path path) {}

    /** The section for {@code vocabulary} saved as {@code file}. */
    static ModelConfig of(String file, Vocabulary vocabulary) {
        return ModelConfig.builder().put("file", file).put("size", (long) vocabulary.size())
                .put("fingerprint", vocabulary.fingerprint()).build();
    }

    /**
     * Reads the file {@code section} names (it must be listed in {@code config.json}) and checks it against the
     * section's size and fingerprint and against the model's size.
     *
     * @param modelSize the rows of the model's table for it
     * @param sizeField the {@code model} field that holds {@code modelSize} (for messages)
     * @param what      the model's part that has {@code modelSize} rows (for messages), e.g. {@code "embedding"}
     * @throws ModelFileException naming the vocabulary file and what does not match
     */
    static Read read(ModelFile file, ModelConfig section, int modelSize, String sizeField, String what) throws IOException {
        String name = section.getString("file");
        long size = section.getLong("size");
        String fingerprint = section.getString("fingerprint");
        Path path = file.listedFile(name);
        Vocabulary vocab = Vocabulary.read(new ByteArrayInputStream(file.readFile(name)), path.toString());
        if (vocab.size() != size) {
            throw new ModelFileException(path + ": has " + vocab.size() + " tokens, but " + ModelFile.CONFIG_FILE
                    + " records " + size);
        }
        if (vocab.size() != modelSize) {
            throw new ModelFileException(path + ": has " + vocab.size() + " tokens, but the model's " + what + " has "
                    + modelSize + " rows (model." + sizeField + "); this vocabulary belongs to another model");
        }
        if (!vocab.fingerprint().equalsIgnoreCase(fingerprint)) {
            throw new ModelFileException(path + ": fingerprint " + abbreviate(vocab.fingerprint()) + " differs from the "
                    + abbreviate(fingerprint) + " recorded in " + ModelFile.CONFIG_FILE
                    + "; this is not the vocabulary the model was trained with");
        }
        return new Read(vocab, path);
    }

    /**
     * Checks that a special token has the id the model was built with.
     *
     * @param configId the id in the {@code model} section (negative: the model has none, nothing to check)
     * @param vocabId  the id in the vocabulary (negative: missing)
     * @throws ModelFileException naming the vocabulary file, the token, both ids and the field
     */
    static void checkSpecial(Path vocabPath, String field, int configId, int vocabId, String token) throws ModelFileException {
        if (configId >= 0 && configId != vocabId) {
            throw new ModelFileException(vocabPath + ": " + token + " has id " + (vocabId < 0 ? "none (it is missing)" : vocabId)
                    + " here, but model." + field + " is " + configId + "; the vocabulary does not match the model");
        }
    }

    private static String abbreviate(String sha) {
        return sha.length() > 12 ? sha.substring(0, 12) + "..." : sha;
    }
}
