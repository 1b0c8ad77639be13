/* An exec adapter for u16be, written as a newcomer would, with one adapter mistake: it reads
 * request lines with fgets into a 4,096-byte buffer, so a longer CHUNK line arrives in pieces
 * (the first one with an odd number of hex digits, whose last one it drops). Usage:
 * fgets MAX [ignore]: a piece it does not know is answered ERROR, or with "ignore" skipped
 * silently, so that what the harness sees is wrong, missing or stuck frames. Compiled and run
 * by cli/tests/exec_mistakes.rs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char buf[1 << 20];
static size_t len;

static int nibble(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static void frame(const unsigned char *p, size_t n) {
    printf("FRAME ");
    for (size_t i = 0; i < n; i++) printf("%02x", p[i]);
    printf("\n");
}

int main(int argc, char **argv) {
    unsigned long max = argc > 1 ? strtoul(argv[1], 0, 10) : 65535;
    int ignore = argc > 2 && strcmp(argv[2], "ignore") == 0;
    char line[4096];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\r\n")] = 0;
        if (strcmp(line, "BEGIN") == 0) {
            len = 0;
            printf("DONE\n");
        } else if (strncmp(line, "CHUNK ", 6) == 0) {
            const char *h = line + 6;
            for (; h[0] && h[1]; h += 2) buf[len++] = nibble(h[0]) << 4 | nibble(h[1]);
            int err = 0;
            while (len >= 2) {
                size_t n = (size_t)buf[0] << 8 | buf[1];
                if (n > max) { printf("ERROR frame of %zu bytes is over %lu\n", n, max); err = 1; break; }
                if (len < 2 + n) break;
                frame(buf + 2, n);
                memmove(buf, buf + 2 + n, len - 2 - n);
                len -= 2 + n;
            }
            if (!err) printf("DONE\n");
        } else if (strcmp(line, "EOF") == 0) {
            if (len) printf("ERROR the stream ended inside a frame\n"); else printf("DONE\n");
        } else if (!ignore) {
            printf("ERROR unknown request\n");
        }
        fflush(stdout);
    }
    return 0;
}
