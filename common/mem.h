/* mem.h -- the one out-of-memory policy of every process: an allocation that fails ends
 * the process (a line on stderr, then abort()), as CZMQ and msgpack-c already do inside.
 *
 * Why: a service that cannot allocate a few hundred bytes cannot answer either, and a
 * half-built object handed on is worse than a restart (the orchestrator restarts the
 * process; the other replicas serve meanwhile). So no caller checks for NULL from these,
 * and `_new` functions return NULL only for failures a caller can act on (a bad setting,
 * a socket that cannot bind), never for memory. */
#ifndef COMMON_MEM_H
#define COMMON_MEM_H
#include <stddef.h>

/* calloc(N, SIZE), never NULL (N or SIZE 0 still gives a unique pointer). */
void *mem_calloc(size_t n, size_t size);

/* malloc(SIZE), never NULL. */
void *mem_malloc(size_t size);

/* realloc(P, SIZE), never NULL. */
void *mem_realloc(void *p, size_t size);

/* strdup(S), never NULL; NULL for a NULL S. */
char *mem_strdup(const char *s);

/* Writes "out of memory (WHAT)" to stderr and aborts. For allocators that are not ours
 * (a library's _new that returned NULL for memory). */
void mem_fail(const char *what) __attribute__((noreturn));

#endif
