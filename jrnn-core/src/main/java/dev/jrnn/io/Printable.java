package dev.jrnn.io;

/**
 * Text from a file made safe to print on a terminal: control characters are shown as escapes, so a tensor name,
 * a metadata value or a word that holds {@code ESC [ 2 J} cannot clear the screen, move the cursor or retitle the
 * window. {@code ESC} (U+001B) is shown as {@code \e}; tab, line feed and carriage return as {@code \t}, {@code \n},
 * {@code \r}; any other C0 control and DEL as {@code \xNN}; C1 controls (U+0080 to U+009F, U+009B being a one-byte
 * CSI) and the bidirectional overrides and isolates (U+202A to U+202E, U+2066 to U+2069, which reorder what follows)
 * as {@code \}{@code uNNNN}. Everything else, backslashes included, is kept as it is.
 */
public final class Printable {
    private Printable() {}

    /** {@code s} with control characters escaped (see the class comment); {@code "null"} for null. */
    public static String of(String s) {
        if (s == null) return "null";
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String rep = escape(c);
            if (rep != null && sb == null) sb = new StringBuilder(s.length() + 16).append(s, 0, i);
            if (sb != null) {
                if (rep != null) sb.append(rep);
                else sb.append(c);
            }
        }
        return sb == null ? s : sb.toString();
    }

    private static String escape(char c) {
        if (c == 0x1B) return "\\e";
        if (c == '\t') return "\\t";
        if (c == '\n') return "\\n";
        if (c == '\r') return "\\r";
        if (c < 0x20 || c == 0x7F) return String.format("\\x%02x", (int) c);
        if ((c >= 0x80 && c <= 0x9F) || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069)) {
            return String.format("\\u%04x", (int) c);
        }
        return null;
    }
}
