/* A framecheck exec-protocol adapter for the framing {{SPEC}}, written by `framecheck new`.
 *
 * Build and run it (from this folder):
 *
 *     {{BUILD}}
 *     framecheck run --exec '{{RUN}}' --framing {{SPEC}}
 *
 * framecheck writes one request per line on stdin (BEGIN, CHUNK <hex>, EOF) and reads, for
 * each, zero or more "FRAME <hex>" lines then one "DONE" or "ERROR <message>" on stdout, which
 * must be flushed after each answer. Debug output belongs on stderr: anything on stdout that is
 * not an answer is a protocol error.
 *
 * Replace the part marked YOUR DECODER HERE with your own decoder (or a call into it); the
 * protocol loop below it needs no change.
 */
#define _POSIX_C_SOURCE 200809L /* getline */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Writes one "FRAME <hex>" line (defined with the protocol loop, below). */
static void emit(const uint8_t *frame, size_t len);

/* ===== YOUR DECODER HERE: from this line to "END OF YOUR DECODER" ======================== */
/* An incremental decoder for {{SPEC}}: decoder_feed() gets the bytes of one recv() at a time
 * and emits every frame they complete; decoder_eof() is called when the peer closes the
 * stream. Each returns NULL, or the message of the error that rejects the stream. */
@@prefix
#define WIDTH {{WIDTH}} /* bytes in the length field */
static const bool BIG_ENDIAN = {{BIG_ENDIAN}}; /* byte order of the length field */
@@end
static const uint64_t MAX = {{MAX}}; /* the longest valid payload in bytes, inclusive */

struct decoder {
    uint8_t *buf; /* the bytes received and not yet consumed */
    size_t len, cap;
@@lines
    size_t scanned; /* the first bytes of buf, known to hold no newline */
@@end
};

static char error_message[128];

/* Appends chunk to the decoder's buffer. */
static void append(struct decoder *d, const uint8_t *chunk, size_t n) {
    if (d->len + n > d->cap) {
        d->cap = (d->len + n) * 2;
        d->buf = realloc(d->buf, d->cap);
        if (d->buf == NULL) {
            perror("realloc");
            exit(1);
        }
    }
    memcpy(d->buf + d->len, chunk, n);
    d->len += n;
}

/* Drops the first n bytes of the buffer. */
static void consume(struct decoder *d, size_t n) {
    memmove(d->buf, d->buf + n, d->len - n);
    d->len -= n;
}

@@prefix
/* A length prefix of WIDTH bytes, then that many payload bytes. */
static const char *decoder_feed(struct decoder *d, const uint8_t *chunk, size_t n) {
    append(d, chunk, n);
    size_t pos = 0;
    /* The drain loop: one read may complete several frames, or none. */
    while (d->len - pos >= WIDTH) {
        uint64_t length = 0;
        for (int i = 0; i < WIDTH; i++) {
            length = (length << 8) | d->buf[pos + (BIG_ENDIAN ? i : WIDTH - 1 - i)];
        }
        if (length > MAX) {
            /* Reject as soon as the header is complete: do not wait for the payload. */
            snprintf(error_message, sizeof error_message,
                     "frame of %llu bytes exceeds the maximum %llu",
                     (unsigned long long)length, (unsigned long long)MAX);
            return error_message;
        }
        if (d->len - pos - WIDTH < length) break; /* the payload is still incomplete */
        emit(d->buf + pos + WIDTH, (size_t)length);
        pos += WIDTH + (size_t)length;
    }
    consume(d, pos);
    return NULL;
}

static const char *decoder_eof(struct decoder *d) {
    if (d->len > 0) {
        snprintf(error_message, sizeof error_message,
                 "stream ended inside a frame (%zu bytes buffered)", d->len);
        return error_message;
    }
    return NULL;
}
@@end
@@lines
static const bool EOF_EMITS_LAST_LINE = {{EOF_EMIT}}; /* an unterminated last line: a frame or an error */

/* Lines: a frame is the bytes before each newline (0a), the newline not included. */
static const char *decoder_feed(struct decoder *d, const uint8_t *chunk, size_t n) {
    append(d, chunk, n);
    size_t pos = 0;
    /* The drain loop: one read may complete several lines, or none. */
    for (;;) {
        uint8_t *newline = memchr(d->buf + d->scanned, '\n', d->len - d->scanned);
        if (newline == NULL) break;
        size_t length = (size_t)(newline - (d->buf + pos));
        if (length > MAX) break; /* an over-long line: rejected below */
        emit(d->buf + pos, length);
        pos += length + 1;
        d->scanned = pos;
    }
    if (d->len - pos > MAX) {
        /* No newline among the first MAX + 1 bytes: reject now, do not buffer it all. */
        snprintf(error_message, sizeof error_message, "a line of more than %llu bytes",
                 (unsigned long long)MAX);
        return error_message;
    }
    consume(d, pos);
    d->scanned = d->len;
    return NULL;
}

static const char *decoder_eof(struct decoder *d) {
    if (d->len > 0 && EOF_EMITS_LAST_LINE) {
        emit(d->buf, d->len);
        d->len = 0;
    } else if (d->len > 0) {
        snprintf(error_message, sizeof error_message,
                 "stream ended inside a line (%zu bytes buffered)", d->len);
        return error_message;
    }
    return NULL;
}
@@end
/* ===== END OF YOUR DECODER =============================================================== */

/* The exec protocol: one answer per request, flushed. */

static void emit(const uint8_t *frame, size_t len) {
    static const char digits[] = "0123456789abcdef";
    fputs("FRAME ", stdout);
    for (size_t i = 0; i < len; i++) {
        putchar(digits[frame[i] >> 4]);
        putchar(digits[frame[i] & 15]);
    }
    putchar('\n');
}

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int main(void) {
    struct decoder d = {0};
    char *line = NULL; /* getline grows it: no limit on the length of a line */
    size_t line_cap = 0;
    ssize_t n;
    uint8_t *chunk = NULL;
    while ((n = getline(&line, &line_cap, stdin)) > 0) {
        if (line[n - 1] == '\n') line[--n] = '\0';
        const char *error = NULL;
        if (strcmp(line, "BEGIN") == 0) {
            free(d.buf);
            d = (struct decoder){0}; /* a fresh decoder for every stream */
        } else if (strncmp(line, "CHUNK ", 6) == 0) {
            size_t hex_len = (size_t)n - 6, len = hex_len / 2;
            chunk = realloc(chunk, len + 1);
            if (chunk == NULL) {
                perror("realloc");
                return 1;
            }
            for (size_t i = 0; i < len && error == NULL; i++) {
                int hi = hex_digit(line[6 + 2 * i]), lo = hex_digit(line[7 + 2 * i]);
                if (hi < 0 || lo < 0) error = "bad hex in CHUNK";
                chunk[i] = (uint8_t)(hi << 4 | lo);
            }
            if (hex_len % 2 != 0) error = "odd number of hex digits in CHUNK";
            if (error == NULL) error = decoder_feed(&d, chunk, len);
        } else if (strcmp(line, "EOF") == 0) {
            error = decoder_eof(&d);
        } else {
            error = "unknown request";
        }
        /* Frames emitted before the error in this request stay: they came first. */
        if (error != NULL) printf("ERROR %s\n", error);
        else puts("DONE");
        fflush(stdout);
    }
    return 0;
}
