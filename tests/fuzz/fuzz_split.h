/* fuzz_split.h -- cutting one fuzz input into several NUL-terminated strings: the parts
 * are separated by a 0xFF byte, which no valid UTF-8 text holds, so the fuzzer can grow
 * each part on its own. */
#ifndef FUZZ_SPLIT_H
#define FUZZ_SPLIT_H
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_PARTS 6

/* Copies DATA into one buffer (caller frees *BUF) and points PARTS at up to MAX parts;
 * missing parts are "". Returns how many parts the input had. */
static inline int
fuzz_split(const uint8_t *data, size_t size, char **buf, const char **parts, int max)
{
    *buf = malloc(size + 1);
    memcpy(*buf, data, size);
    (*buf)[size] = '\0';
    int n = 0;
    char *p = *buf, *end = *buf + size;
    while (n < max) {
        parts[n++] = p;
        char *cut = memchr(p, 0xff, (size_t) (end - p));
        if (!cut)
            break;
        *cut = '\0';
        p = cut + 1;
    }
    for (int i = n; i < max; i++)
        parts[i] = "";
    return n;
}

#endif
