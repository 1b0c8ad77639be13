// A framecheck exec-protocol adapter for the framing {{SPEC}}, written by `framecheck new`.
//
// Build and run it (from this folder):
//
//	{{BUILD}}
//	framecheck run --exec '{{RUN}}' --framing {{SPEC}}
//
// framecheck writes one request per line on stdin (BEGIN, CHUNK <hex>, EOF) and reads, for
// each, zero or more "FRAME <hex>" lines then one "DONE" or "ERROR <message>" on stdout, which
// must be flushed after each answer. Debug output belongs on stderr: anything on stdout that is
// not an answer is a protocol error.
//
// Replace the part marked YOUR DECODER HERE with your own decoder (or a call into it); the
// protocol loop below it needs no change.
package main

import (
	"bufio"
@@lines
	"bytes"
@@end
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
)

// ===== YOUR DECODER HERE: from this line to "END OF YOUR DECODER" =========================
// An incremental decoder for {{SPEC}}: Feed gets the bytes of one recv() at a time and emits
// every frame they complete; EOF is called when the peer closes the stream. Each returns nil,
// or the error that rejects the stream.

@@prefix
// width is the number of bytes in the length field.
const width = {{WIDTH}}

// bigEndian is the byte order of the length field.
const bigEndian = {{BIG_ENDIAN}}

@@end
// maxLen is the longest valid payload in bytes, inclusive.
const maxLen uint64 = {{MAX}}

@@prefix
// Decoder decodes a length prefix of width bytes, then that many payload bytes.
type Decoder struct {
	buf []byte // the bytes received and not yet consumed
}

func (d *Decoder) Feed(chunk []byte, emit func([]byte)) error {
	d.buf = append(d.buf, chunk...)
	pos := 0
	defer func() { d.buf = append(d.buf[:0], d.buf[pos:]...) }()
	// The drain loop: one read may complete several frames, or none.
	for len(d.buf)-pos >= width {
		var length uint64
		for i := 0; i < width; i++ {
			j := i
			if !bigEndian {
				j = width - 1 - i
			}
			length = length<<8 | uint64(d.buf[pos+j])
		}
		if length > maxLen {
			// Reject as soon as the header is complete: do not wait for the payload.
			return fmt.Errorf("frame of %d bytes exceeds the maximum %d", length, maxLen)
		}
		if uint64(len(d.buf)-pos-width) < length {
			break // the payload is still incomplete
		}
		end := pos + width + int(length)
		emit(d.buf[pos+width : end])
		pos = end
	}
	return nil
}

func (d *Decoder) EOF(emit func([]byte)) error {
	if len(d.buf) > 0 {
		return fmt.Errorf("stream ended inside a frame (%d bytes buffered)", len(d.buf))
	}
	return nil
}
@@end
@@lines
// eofEmitsLastLine says what an unterminated last line is: a frame (true) or an error.
const eofEmitsLastLine = {{EOF_EMIT}}

// Decoder decodes lines: a frame is the bytes before each newline (0a), without it.
type Decoder struct {
	buf     []byte // the bytes received and not yet consumed
	scanned int    // the first bytes of buf, known to hold no newline
}

func (d *Decoder) Feed(chunk []byte, emit func([]byte)) error {
	d.buf = append(d.buf, chunk...)
	pos := 0
	// The drain loop: one read may complete several lines, or none.
	for {
		i := bytes.IndexByte(d.buf[d.scanned:], '\n')
		if i < 0 {
			break
		}
		newline := d.scanned + i
		if uint64(newline-pos) > maxLen {
			break // an over-long line: rejected below
		}
		emit(d.buf[pos:newline])
		pos = newline + 1
		d.scanned = pos
	}
	if uint64(len(d.buf)-pos) > maxLen {
		// No newline among the first maxLen + 1 bytes: reject now, do not buffer it all.
		return fmt.Errorf("a line of more than %d bytes", maxLen)
	}
	d.buf = append(d.buf[:0], d.buf[pos:]...)
	d.scanned = len(d.buf)
	return nil
}

func (d *Decoder) EOF(emit func([]byte)) error {
	if len(d.buf) > 0 && eofEmitsLastLine {
		emit(d.buf)
	} else if len(d.buf) > 0 {
		return fmt.Errorf("stream ended inside a line (%d bytes buffered)", len(d.buf))
	}
	d.buf = d.buf[:0]
	return nil
}
@@end

// ===== END OF YOUR DECODER ================================================================

// The exec protocol: one answer per request, flushed.
func main() {
	// A bufio.Reader, not a bufio.Scanner: a Scanner stops at lines over 64 KiB, and a CHUNK
	// line can be longer.
	in := bufio.NewReader(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	emit := func(frame []byte) {
		out.WriteString("FRAME ")
		out.WriteString(hex.EncodeToString(frame))
		out.WriteByte('\n')
	}
	decoder := &Decoder{}
	for {
		line, err := in.ReadString('\n')
		if err == io.EOF && line == "" {
			return // framecheck closed stdin: the run is over
		} else if err != nil && err != io.EOF {
			fmt.Fprintln(os.Stderr, "reading stdin:", err)
			os.Exit(1)
		}
		err = nil
		request, arg, _ := strings.Cut(strings.TrimSuffix(line, "\n"), " ")
		switch request {
		case "BEGIN":
			decoder = &Decoder{} // a fresh decoder for every stream
		case "CHUNK":
			var chunk []byte
			chunk, err = hex.DecodeString(arg)
			if err == nil {
				err = decoder.Feed(chunk, emit)
			}
		case "EOF":
			err = decoder.EOF(emit)
		default:
			err = fmt.Errorf("unknown request %q", request)
		}
		// Frames emitted before the error in this request stay: they came first.
		if err != nil {
			fmt.Fprintf(out, "ERROR %v\n", err)
		} else {
			out.WriteString("DONE\n")
		}
		out.Flush()
	}
}
