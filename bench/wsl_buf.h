/* wsl_buf.h -- a growable byte buffer: what a non-blocking socket has read but not yet
 * parsed (a frame or an HTTP answer split across reads). */
#ifndef BENCH_WSL_BUF_H
#define BENCH_WSL_BUF_H
#include <stddef.h>

typedef struct {
    char *data;
    size_t len;
    size_t cap;
} wsl_buf_t;

/* Makes room for at least ROOM more bytes after len. Returns 0, or -1 when out of memory. */
int wsl_buf_reserve(wsl_buf_t *self, size_t room);

/* Drops the first N bytes (N <= len). */
void wsl_buf_consume(wsl_buf_t *self, size_t n);

/* Frees the storage; the buffer stays usable (empty). */
void wsl_buf_release(wsl_buf_t *self);

#endif
