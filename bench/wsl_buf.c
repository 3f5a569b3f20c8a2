/* wsl_buf.c -- a growable byte buffer for partial reads. */
#include "wsl_buf.h"
#include <stdlib.h>
#include <string.h>

int
wsl_buf_reserve(wsl_buf_t *self, size_t room)
{
    if (self->cap - self->len >= room)
        return 0;
    size_t cap = self->cap ? self->cap : 1024;
    while (cap - self->len < room)
        cap *= 2;
    char *data = realloc(self->data, cap);
    if (!data)
        return -1;
    self->data = data;
    self->cap = cap;
    return 0;
}

void
wsl_buf_consume(wsl_buf_t *self, size_t n)
{
    memmove(self->data, self->data + n, self->len - n);
    self->len -= n;
    /* 5,000 idle sockets each keeping a grown buffer would weigh on the client only, but
     * an empty buffer has no reason to hold memory. */
    if (self->len == 0)
        wsl_buf_release(self);
}

void
wsl_buf_release(wsl_buf_t *self)
{
    free(self->data);
    self->data = NULL;
    self->len = self->cap = 0;
}
