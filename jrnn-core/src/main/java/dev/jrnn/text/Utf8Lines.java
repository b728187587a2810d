package dev.jrnn.text;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads UTF-8 lines from a stream, counting them, and decodes each line on its own, so invalid UTF-8 is
 * reported with the right line number ({@link java.io.BufferedReader} decodes ahead and would blame an
 * earlier line). Lines end at {@code \n}; one {@code \r} before it is dropped (CRLF files).
 */
final class Utf8Lines {
    /** The longest line accepted, in bytes: longer means the file is not the text it claims to be. */
    static final int MAX_LINE_BYTES = 1 << 26;

    private final InputStream in;
    private final String source;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private final byte[] buf = new byte[1 << 16];
    private int pos;
    private int end;
    private boolean eof;
    private byte[] line = new byte[256];
    private CharBuffer chars = CharBuffer.allocate(256);
    private long lineNo;

    Utf8Lines(InputStream in, String source) {
        this.in = in;
        this.source = source;
    }

    /** The next line without its terminator, or null at the end of the stream. */
    String next() throws IOException {
        int n = 0;
        boolean any = false;
        while (true) {
            if (pos == end) {
                if (eof || !fill()) {
                    break;
                }
            }
            any = true;
            int start = pos;
            while (pos < end && buf[pos] != '\n') {
                pos++;
            }
            int len = pos - start;
            if ((long) n + len > MAX_LINE_BYTES) {
                throw new FileFormatException(source, lineNo + 1, "line longer than " + MAX_LINE_BYTES
                        + " bytes; is this a text file in the format asked for?");
            }
            if (n + len > line.length) {
                line = Arrays.copyOf(line, Math.max(n + len, line.length * 2));
            }
            System.arraycopy(buf, start, line, n, len);
            n += len;
            if (pos < end) {                                         // found '\n'
                pos++;
                break;
            }
        }
        if (!any) {
            return null;
        }
        lineNo++;
        if (n > 0 && line[n - 1] == '\r') {
            n--;
        }
        ByteBuffer bb = ByteBuffer.wrap(line, 0, n);
        if (chars.capacity() < n) {
            chars = CharBuffer.allocate(Math.max(n, chars.capacity() * 2));   // UTF-8 never has more chars than bytes
        }
        chars.clear();
        CoderResult r = decoder.reset().decode(bb, chars, true);
        if (!r.isError()) {
            r = decoder.flush(chars);
        }
        if (r.isError()) {
            int at = bb.position();
            throw new FileFormatException(source, lineNo, "not valid UTF-8 (byte " + (at + 1) + " of the line is 0x"
                    + String.format("%02X", line[Math.min(at, n - 1)] & 0xFF) + ")");
        }
        chars.flip();
        return chars.toString();
    }

    private boolean fill() throws IOException {
        int r = in.read(buf, 0, buf.length);
        if (r <= 0) {
            eof = true;
            return false;
        }
        pos = 0;
        end = r;
        return true;
    }

    /** Lines read so far (the number of the line {@link #next} returned last). */
    long lineNo() { return lineNo; }
}
