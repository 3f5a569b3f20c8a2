/* notify_dbarray.c -- integer array literals for the database worker's batched reads. */
#include "notify_dbarray.h"
#include <inttypes.h>
#include <stdio.h>

int
notify_dbarray_format(const int64_t *v, size_t n, char *buf, size_t size)
{
    if (!buf || size == 0)
        return -1;
    size_t len = 0;
    int k = snprintf(buf, size, "{");
    len = (size_t) k;
    for (size_t i = 0; i < n && len < size; i++) {
        k = snprintf(buf + len, size - len, "%s%" PRId64, i ? "," : "", v[i]);
        if (k < 0)
            break;
        len += (size_t) k;
    }
    if (len < size) {
        k = snprintf(buf + len, size - len, "}");
        len += (size_t) k;
    }
    if (len >= size) {
        buf[0] = '\0';
        return -1;
    }
    return (int) len;
}
