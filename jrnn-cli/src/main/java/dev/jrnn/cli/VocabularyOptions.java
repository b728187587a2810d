package dev.jrnn.cli;

import dev.jrnn.text.Vocabulary;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * How the {@code train} commands that read text cut it into tokens and which tokens they keep (a picocli mixin, the
 * one place of these flags): {@code --level}, {@code --min-freq}, {@code --max-vocab}. The defaults of the level and the
 * vocabulary limit come with the instance ({@code new VocabularyOptions(LmData.Level.WORD, 20000)}).
 */
final class VocabularyOptions {
    @Option(names = "--level", paramLabel = "char|word",
            description = "Token level: characters, or words with punctuation split off (default: ${DEFAULT-VALUE}).")
    LmData.Level level;

    @Option(names = "--min-freq", defaultValue = "1", paramLabel = "N",
            description = "Keep tokens seen at least N times in the training data; rarer ones become <unk> (default: ${DEFAULT-VALUE}).")
    int minFreq;

    @Option(names = "--max-vocab", paramLabel = "N",
            description = "At most N ids, the special tokens included, most frequent first; 0 = no limit (default: ${DEFAULT-VALUE}).")
    int maxVocab;

    /** Picocli's instance (unused: every command gives its defaults). */
    VocabularyOptions() {
        this(LmData.Level.CHAR, 0);
    }

    /** The flags with these defaults. */
    VocabularyOptions(LmData.Level level, int maxVocab) {
        this.level = level;
        this.maxVocab = maxVocab;
    }

    /**
     * Rejects values out of range, as a usage error of {@code spec}'s command.
     *
     * @param specials the special tokens every vocabulary of the command holds (a limit must leave room for one more)
     */
    void validate(CommandLine.Model.CommandSpec spec, int specials) {
        Cli.require(spec, minFreq >= 1, "--min-freq must be >= 1, got " + minFreq);
        Cli.require(spec, maxVocab == 0 || maxVocab > specials, "--max-vocab must be 0 (no limit) or >= " + (specials + 1)
                + " (the special tokens and one more), got " + maxVocab);
    }

    /** Applies {@code --min-freq} and {@code --max-vocab} to a vocabulary being built. */
    Vocabulary.Builder limit(Vocabulary.Builder b) {
        b.minFreq(minFreq);
        return maxVocab > 0 ? b.maxSize(maxVocab) : b;
    }
}
