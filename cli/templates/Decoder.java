// A framecheck exec-protocol adapter for the framing {{SPEC}}, written by `framecheck new`.
//
// Build and run it (from this folder):
//
//     {{BUILD}}
//     framecheck run --exec '{{RUN}}' --framing {{SPEC}}
//
// The heap is fixed and touched at start-up (-Xms, -Xmx, -XX:+AlwaysPreTouch): otherwise the
// JVM grows its heap rather than collect, and the harness sees the resident memory rise across
// the run (a memory-leak verdict). Only its first GiB is touched (for a maximum frame above
// 60 MiB, -Xms is less than -Xmx), and -Xmx stops at what a 2 GiB frame needs.
// (`java Decoder.java` runs it without javac on Java 11 or later, but compiles it at every
// start: a second or more before the first answer. If the first BEGIN times out, add
// --startup-ms 20000.)
//
// framecheck writes one request per line on stdin (BEGIN, CHUNK <hex>, EOF) and reads, for
// each, zero or more "FRAME <hex>" lines then one "DONE" or "ERROR <message>" on stdout, which
// must be flushed after each answer. Debug output belongs on stderr (System.err): anything on
// stdout that is not an answer is a protocol error.
//
// Replace the part marked YOUR DECODER HERE with your own decoder (or a call into it); the
// protocol loop below it needs no change.
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

public class Decoder {
    // ===== YOUR DECODER HERE: from this line to "END OF YOUR DECODER" =====================
    // An incremental decoder for {{SPEC}}: feed() gets the bytes of one recv() at a time and
    // emits every frame they complete; eof() is called when the peer closes the stream.
@@prefix
    static final int WIDTH = {{WIDTH}}; // bytes in the length field
    static final boolean BIG_ENDIAN = {{BIG_ENDIAN}}; // byte order of the length field
@@end
    // The longest valid payload in bytes, inclusive (unsigned: compare with compareUnsigned).
    static final long MAX = {{MAX}};

    /** The stream is invalid: the decoder rejects it (answered with ERROR). */
    static class FrameError extends Exception {
        FrameError(String message) {
            super(message);
        }
    }

    private byte[] buf = new byte[64]; // the bytes received and not yet consumed: buf[0..len)
    private int len = 0;
@@lines
    private int scanned = 0; // the first bytes of buf, known to hold no newline
@@end

    private void append(byte[] chunk) {
        if (len + chunk.length > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(2 * buf.length, len + chunk.length));
        }
        System.arraycopy(chunk, 0, buf, len, chunk.length);
        len += chunk.length;
    }

    private void consume(int n) {
        System.arraycopy(buf, n, buf, 0, len - n);
        len -= n;
    }

@@prefix
    // A length prefix of WIDTH bytes, then that many payload bytes.
    void feed(byte[] chunk, Consumer<byte[]> emit) throws FrameError {
        append(chunk);
        int pos = 0;
        try {
            // The drain loop: one read may complete several frames, or none.
            while (len - pos >= WIDTH) {
                long length = 0;
                for (int i = 0; i < WIDTH; i++) {
                    length = (length << 8) | (buf[pos + (BIG_ENDIAN ? i : WIDTH - 1 - i)] & 0xff);
                }
                if (Long.compareUnsigned(length, MAX) > 0) {
                    // Reject as soon as the header is complete: do not wait for the payload.
                    throw new FrameError("frame of " + Long.toUnsignedString(length)
                            + " bytes exceeds the maximum " + Long.toUnsignedString(MAX));
                }
                if (Long.compareUnsigned(len - pos - WIDTH, length) < 0) {
                    break; // the payload is still incomplete
                }
                emit.accept(Arrays.copyOfRange(buf, pos + WIDTH, pos + WIDTH + (int) length));
                pos += WIDTH + (int) length;
            }
        } finally {
            consume(pos);
        }
    }

    void eof(Consumer<byte[]> emit) throws FrameError {
        if (len > 0) {
            throw new FrameError("stream ended inside a frame (" + len + " bytes buffered)");
        }
    }
@@end
@@lines
    // An unterminated last line: a frame (true) or an error.
    static final boolean EOF_EMITS_LAST_LINE = {{EOF_EMIT}};

    // Lines: a frame is the bytes before each newline (0a), the newline not included.
    void feed(byte[] chunk, Consumer<byte[]> emit) throws FrameError {
        append(chunk);
        int pos = 0;
        // The drain loop: one read may complete several lines, or none.
        for (int i = scanned; i < len; i++) {
            if (buf[i] != '\n') {
                continue;
            }
            if (Long.compareUnsigned(i - pos, MAX) > 0) {
                break; // an over-long line: rejected below
            }
            emit.accept(Arrays.copyOfRange(buf, pos, i));
            pos = i + 1;
        }
        if (Long.compareUnsigned(len - pos, MAX) > 0) {
            // No newline among the first MAX + 1 bytes: reject now, do not buffer it all.
            throw new FrameError("a line of more than " + Long.toUnsignedString(MAX) + " bytes");
        }
        consume(pos);
        scanned = len;
    }

    void eof(Consumer<byte[]> emit) throws FrameError {
        if (len > 0 && EOF_EMITS_LAST_LINE) {
            emit.accept(Arrays.copyOf(buf, len));
        } else if (len > 0) {
            throw new FrameError("stream ended inside a line (" + len + " bytes buffered)");
        }
        len = 0;
    }
@@end
    // ===== END OF YOUR DECODER ============================================================

    // The exec protocol: one answer per request, flushed.
    public static void main(String[] args) throws IOException {
        // readLine() puts no limit on the length of a line: a CHUNK can be long.
        BufferedReader in =
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        Writer out = new OutputStreamWriter(System.out, StandardCharsets.US_ASCII);
        StringBuilder answer = new StringBuilder();
        Consumer<byte[]> emit = frame -> answer.append("FRAME ").append(hex(frame)).append('\n');
        Decoder decoder = new Decoder();
        String line;
        while ((line = in.readLine()) != null) {
            int space = line.indexOf(' ');
            String request = space < 0 ? line : line.substring(0, space);
            String arg = space < 0 ? "" : line.substring(space + 1);
            answer.setLength(0);
            try {
                switch (request) {
                    case "BEGIN":
                        decoder = new Decoder(); // a fresh decoder for every stream
                        break;
                    case "CHUNK":
                        decoder.feed(unhex(arg), emit);
                        break;
                    case "EOF":
                        decoder.eof(emit);
                        break;
                    default:
                        throw new FrameError("unknown request " + request);
                }
                answer.append("DONE\n");
            } catch (FrameError e) {
                // Frames emitted before the error in this request stay: they came first.
                answer.append("ERROR ").append(e.getMessage()).append('\n');
            }
            out.write(answer.toString());
            out.flush();
        }
    }

    private static final char[] DIGITS = "0123456789abcdef".toCharArray();

    static String hex(byte[] bytes) {
        char[] s = new char[2 * bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            s[2 * i] = DIGITS[(bytes[i] >> 4) & 15];
            s[2 * i + 1] = DIGITS[bytes[i] & 15];
        }
        return new String(s);
    }

    static byte[] unhex(String s) throws FrameError {
        if (s.length() % 2 != 0) {
            throw new FrameError("odd number of hex digits in CHUNK");
        }
        byte[] bytes = new byte[s.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            int hi = Character.digit(s.charAt(2 * i), 16), lo = Character.digit(s.charAt(2 * i + 1), 16);
            if (hi < 0 || lo < 0) {
                throw new FrameError("bad hex in CHUNK");
            }
            bytes[i] = (byte) (hi << 4 | lo);
        }
        return bytes;
    }
}
