/* notify_dbarray.h -- PostgreSQL array literals of integers ("{1,2,3}"), the parameters
 * of the database worker's batched reads (one query for many sockets). */
#ifndef NOTIFY_DBARRAY_H
#define NOTIFY_DBARRAY_H
#include <stddef.h>
#include <stdint.h>

/* Writes the N values of V as an array literal into BUF (SIZE bytes, NUL included).
 * Returns its length, or -1 when it does not fit (BUF is then an empty string). */
int notify_dbarray_format(const int64_t *v, size_t n, char *buf, size_t size);

/* Bytes a literal of N values needs at most: braces, commas, 20 digits and a sign each. */
#define NOTIFY_DBARRAY_SIZE(n) ((size_t) (n) * 21 + 3)

#endif
