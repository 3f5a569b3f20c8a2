/* mem.c -- allocation that never returns NULL: out of memory ends the process. */
#include "mem.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
mem_fail(const char *what)
{
    /* write(2), not the logger: formatting a JSON line may itself need memory. */
    static const char head[] =
        "{\"level\":\"error\",\"event\":\"out_of_memory\",\"msg\":\"out of memory in ";
    static const char tail[] = "\"}\n";
    ssize_t ignored = write(STDERR_FILENO, head, sizeof head - 1);
    if (what)
        ignored = write(STDERR_FILENO, what, strnlen(what, 64));
    ignored = write(STDERR_FILENO, tail, sizeof tail - 1);
    (void) ignored;
    abort();
}

void *
mem_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        mem_fail("calloc");
    return p;
}

void *
mem_malloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        mem_fail("malloc");
    return p;
}

void *
mem_realloc(void *p, size_t size)
{
    void *q = realloc(p, size ? size : 1);
    if (!q)
        mem_fail("realloc");
    return q;
}

char *
mem_strdup(const char *s)
{
    if (!s)
        return NULL;
    char *p = strdup(s);
    if (!p)
        mem_fail("strdup");
    return p;
}
