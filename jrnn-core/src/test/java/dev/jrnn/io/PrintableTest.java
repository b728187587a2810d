package dev.jrnn.io;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Control characters from files are shown, never sent to the terminal. */
class PrintableTest {
    @Test
    void escapeSequencesAreShown() {
        assertEquals("\\e[2J\\e]0;title\\x07", Printable.of("\u001b[2J\u001b]0;title\u0007"));
        assertEquals("a\\tb\\nc\\r", Printable.of("a\tb\nc\r"));
        assertEquals("\\x00\\x7f", Printable.of("\u0000\u007f"));
        assertEquals("\\u009b31m", Printable.of("\u009b31m"));                     // C1 CSI, one character
        assertEquals("abc\\u202edef\\u2066", Printable.of("abc\u202edef\u2066"));   // bidi override and isolate
    }

    @Test
    void ordinaryTextIsKept() {
        String s = "weights.safetensors: naïve 東京 C:\\models ✓";
        assertSame(s, Printable.of(s));
        assertEquals("null", Printable.of(null));
    }
}
