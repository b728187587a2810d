package dev.jrnn.text;

import dev.jrnn.text.WordTokenizer.Punctuation;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class WordTokenizerTest {
    private static final List<String> TEXTS = List.of(
            "", "   ", "Hello, World! Don't panic.", "It costs $3.50 (or 1,000 yen) -- e-mail me@example.com!",
            "Line one.\nLine two?\r\n\r\nLine   three", "naïve Café ÉCOLE", "tabs\tand\u00A0no-break\u2003spaces",
            "PTB has <unk> and <eos> tokens", "emoji 😀👍 «quotes» “curly” ‘single’", "rock'n'roll state-of-the-art 'quoted'");

    @Test
    void kerasDefaultsMatchTextToWordSequence() {
        WordTokenizer keras = WordTokenizer.keras();
        // keras.preprocessing.text.text_to_word_sequence gives exactly these
        assertEquals(List.of("hello", "world", "don't", "panic"), keras.tokenize("Hello, World! Don't panic."));
        assertEquals(List.of("it", "costs", "3", "50", "or", "1", "000", "yen", "e", "mail", "me", "example", "com"),
                keras.tokenize("It costs $3.50 (or 1,000 yen) -- e-mail me@example.com!"));
        assertEquals(List.of("a", "b", "c"), keras.tokenize("a\tb\nc"));
        assertEquals(List.of(), keras.tokenize(" ... !!! "));
    }

    @Test
    void customFilters() {
        WordTokenizer t = WordTokenizer.builder().filters(",").lowerCase(false).build();
        assertEquals(List.of("A", "b.c", "d!"), t.tokenize("A,b.c d!"));
    }

    @Test
    void splitModeMakesPunctuationTokensAndKeepsJoiners() {
        WordTokenizer t = WordTokenizer.builder().punctuation(Punctuation.SPLIT).build();
        assertEquals(List.of("hello", ",", "world", "!", "don't", "panic", "."), t.tokenize("Hello, World! Don't panic."));
        assertEquals(List.of("it", "costs", "$", "3.50", "(", "or", "1,000", "yen", ")", "-", "-", "e-mail", "me", "@",
                "example", ".", "com", "!"), t.tokenize("It costs $3.50 (or 1,000 yen) -- e-mail me@example.com!"));
        assertEquals(List.of("'", "quoted", "'", "rock'n'roll", "😀", "👍", "«", "x", "»"),
                t.tokenize("'quoted' rock'n'roll 😀👍 «x»"));
        assertEquals(List.of("a", ".", "b", "1", ".", "x"), t.tokenize("a.b 1.x"));   // '.' joins digits only
    }

    @Test
    void keepModeSplitsOnWhitespaceOnly() {
        WordTokenizer t = WordTokenizer.builder().punctuation(Punctuation.KEEP).lowerCase(false).build();
        assertEquals(List.of("Hello,", "World!", "x", "y"), t.tokenize("Hello,  World!\u00A0x\u2003y"));
    }

    @Test
    void specialsInTheTextStayWhole() {
        assertEquals(List.of("a", "<unk>", "b", "<eos>"), WordTokenizer.keras().tokenize("A <unk> B <eos>"));
        WordTokenizer off = WordTokenizer.builder().keepSpecials(false).build();
        assertEquals(List.of("a", "unk", "b"), off.tokenize("A <unk> B"));
        assertEquals(List.of("unk"), WordTokenizer.keras().tokenize("<UNK>"));      // only the exact spelling is special
    }

    @Test
    void bosAndEosWrapEachNonEmptyLine() {
        WordTokenizer t = WordTokenizer.builder().punctuation(Punctuation.SPLIT).bos(true).eos(true).build();
        assertEquals(List.of("<bos>", "hi", ".", "<eos>", "<bos>", "bye", "<eos>"), t.tokenize("Hi.\r\n\n  \nBye"));
        WordTokenizer eosOnly = WordTokenizer.builder().eos(true).build();
        assertEquals(List.of("a", "b", "<eos>", "c", "<eos>"), eosOnly.tokenize("a b\nc\n"));
        assertEquals(List.of(), eosOnly.tokenize("\n\n"));
        assertEquals("a b\nc\n", eosOnly.detokenize(eosOnly.tokenize("a b\nc\n")));
    }

    @Test
    void tokenizingTheDetokenizedTextGivesTheSameTokens() {
        List<WordTokenizer> all = List.of(
                WordTokenizer.keras(),
                WordTokenizer.builder().lowerCase(false).build(),
                WordTokenizer.builder().punctuation(Punctuation.SPLIT).build(),
                WordTokenizer.builder().punctuation(Punctuation.SPLIT).lowerCase(false).eos(true).build(),
                WordTokenizer.builder().punctuation(Punctuation.KEEP).bos(true).build(),
                WordTokenizer.builder().punctuation(Punctuation.SPLIT).bos(true).eos(true).build());
        for (WordTokenizer t : all) {
            for (String s : TEXTS) {
                if ((t.eos() && s.contains("<eos>")) || (t.bos() && s.contains("<bos>"))) {
                    continue;                                  // the documented exception: a literal special the tokenizer also makes
                }
                List<String> tokens = t.tokenize(s);
                assertEquals(tokens, t.tokenize(t.detokenize(tokens)), t + " on " + s);
            }
        }
    }

    @Test
    void detokenizeJoinsWithSpacesAndRendersSpecials() {
        WordTokenizer t = WordTokenizer.builder().bos(true).eos(true).build();
        assertEquals("the <unk> sat\non it\n", t.detokenize(List.of("<bos>", "the", "<unk>", "sat", "<eos>", "on", "it",
                "<eos>", "<pad>", "<pad>")));
        assertEquals("a\nb", t.detokenize(List.of("<bos>", "a", "<bos>", "b")));
        // a tokenizer that makes no <bos>/<eos> got them from the text: written back as they are
        assertEquals("<bos> a <eos> b", WordTokenizer.keras().detokenize(List.of("<bos>", "a", "<eos>", "<pad>", "b")));
    }

    @Test
    void throughAVocabularyAndBack() {
        WordTokenizer t = WordTokenizer.builder().punctuation(Punctuation.SPLIT).eos(true).build();
        Vocabulary v = Vocabulary.builder().addAll(t.tokenize("The cat sat. The dog sat.")).build();
        int[] ids = v.encode("The bird sat.", t);
        assertEquals(List.of("the", "<unk>", "sat", ".", "<eos>"), v.decode(ids));
        assertEquals("the <unk> sat .\n", v.decode(ids, t));
    }
}
