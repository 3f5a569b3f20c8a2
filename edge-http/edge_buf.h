/* edge_buf.h -- a growable byte buffer, one per worker thread, reused for every response
 * so the hot path does not allocate. */
#ifndef EDGE_BUF_H
#define EDGE_BUF_H
#include <stddef.h>

typedef struct {
    char *data;
    size_t len;
    size_t cap;
} edge_buf_t;

/* Empties the buffer, keeping its memory. */
void edge_buf_reset(edge_buf_t *self);

/* Appends LEN bytes. Returns 0 (out of memory ends the process: common/mem.h). */
int edge_buf_append(edge_buf_t *self, const void *data, size_t len);

/* Appends a printf-style string. Returns 0, or -1 when FMT cannot be formatted. */
int edge_buf_printf(edge_buf_t *self, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Frees the memory. */
void edge_buf_free(edge_buf_t *self);

#endif
