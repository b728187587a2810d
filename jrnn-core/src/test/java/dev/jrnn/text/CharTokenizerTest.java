package dev.jrnn.text;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CharTokenizerTest {
    private static final List<String> TEXTS = List.of(
            "", "a", "hello, world\n", "tab\there\r\nCRLF", "naïve café", "e\u0301 (combining accent)",
            "日本語のテキスト", "emoji 😀👍🏽 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "<unk> is five characters here", "lone surrogate \uD800 x");

    @Test
    void oneTokenPerCodePoint() {
        CharTokenizer tok = new CharTokenizer();
        assertEquals(List.of("a", "😀", "b"), tok.tokenize("a😀b"));     // the emoji is one token, not two UTF-16 halves
        assertEquals(List.of("e", "\u0301"), tok.tokenize("e\u0301"));  // a combining mark is a code point of its own
        assertEquals(List.of(), tok.tokenize(""));
        for (String s : TEXTS) {
            assertEquals(s.codePointCount(0, s.length()), tok.tokenize(s).size(), s);
        }
    }

    @Test
    void detokenizeInvertsTokenizeForAnyText() {
        CharTokenizer tok = new CharTokenizer();
        for (String s : TEXTS) {
            assertEquals(s, tok.detokenize(tok.tokenize(s)), s);
        }
    }

    @Test
    void roundTripThroughACharVocabularyWithoutUnknowns() {
        CharTokenizer tok = new CharTokenizer();
        Vocabulary.Builder b = Vocabulary.builder().specials();          // char-rnn style: characters only
        TEXTS.forEach(t -> b.addAll(tok.tokenize(t)));
        Vocabulary v = b.build();
        assertEquals(0, v.specialCount());
        for (String s : TEXTS) {
            assertEquals(s, v.decode(v.encode(s, tok), tok), s);
        }
        var e = assertThrows(IllegalArgumentException.class, () -> v.encode("Z", tok));
        assertTrue(e.getMessage().contains("'Z' at position 0") && e.getMessage().contains("no <unk>"), e.getMessage());
    }

    @Test
    void unknownCharactersBecomeUnkAndAreWrittenAsTheReplacement() {
        CharTokenizer tok = CharTokenizer.builder().unknownAs("?").build();
        Vocabulary v = Vocabulary.builder().specials(SpecialToken.UNK).addAll(tok.tokenize("abc")).build();
        int[] ids = v.encode("abzc", tok);
        assertArrayEquals(new int[] {v.id("a"), v.id("b"), v.unkId(), v.id("c")}, ids);
        assertEquals("ab?c", v.decode(ids, tok));
        assertEquals("ab\uFFFDc", new CharTokenizer().detokenize(v.decode(ids)));   // default: U+FFFD
    }

    @Test
    void optionsLowerCaseAndBosEos() {
        CharTokenizer tok = CharTokenizer.builder().lowerCase(true).bos(true).eos(true).build();
        assertEquals(List.of("<bos>", "a", "b", "<eos>"), tok.tokenize("AB"));
        assertEquals("ab", tok.detokenize(List.of("<bos>", "a", "<pad>", "b", "<eos>", "<pad>")));
        assertTrue(tok.toString().contains("lowerCase=true"));
    }
}
