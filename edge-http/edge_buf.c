/* edge_buf.c -- a growable byte buffer. */
#include "edge_buf.h"
#include "mem.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
edge_buf_reset(edge_buf_t *self)
{
    self->len = 0;
}

static int
s_reserve(edge_buf_t *self, size_t extra)
{
    if (self->len + extra + 1 <= self->cap)
        return 0;
    size_t cap = self->cap ? self->cap : 1024;
    while (cap < self->len + extra + 1)
        cap *= 2;
    self->data = mem_realloc(self->data, cap);
    self->cap = cap;
    return 0;
}

int
edge_buf_append(edge_buf_t *self, const void *data, size_t len)
{
    if (s_reserve(self, len) != 0)
        return -1;
    memcpy(self->data + self->len, data, len);
    self->len += len;
    self->data[self->len] = '\0';   /* keeps the contents printable for tests and logs */
    return 0;
}

int
edge_buf_printf(edge_buf_t *self, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (need < 0 || s_reserve(self, (size_t) need) != 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(self->data + self->len, (size_t) need + 1, fmt, ap);
    va_end(ap);
    self->len += (size_t) need;
    return 0;
}

void
edge_buf_free(edge_buf_t *self)
{
    free(self->data);
    self->data = NULL;
    self->len = self->cap = 0;
}
