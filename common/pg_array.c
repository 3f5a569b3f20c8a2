/* pg_array.c -- PostgreSQL array literals of ids and texts, the parameters of the
 * statements that write a whole batch at once (pg_array.h). */
#include "pg_array.h"
#include "mem.h"
#include <string.h>

char *
pg_array_ids(const char *const *ids, int n)
{
    size_t size = 3;
    for (int i = 0; i < n; i++)
        size += strlen(ids[i]) + 1;
    char *out = mem_malloc(size), *p = out;
    *p++ = '{';
    for (int i = 0; i < n; i++) {
        if (i)
            *p++ = ',';
        size_t len = strlen(ids[i]);
        memcpy(p, ids[i], len);
        p += len;
    }
    *p++ = '}';
    *p = '\0';
    return out;
}

/* Inside a quoted array element only '"' and '\' are special (PostgreSQL's array input),
 * so any text, white space, commas, braces and the word NULL included, comes back as
 * itself. */
char *
pg_array_texts(const char *const *texts, int n)
{
    size_t size = 3;
    for (int i = 0; i < n; i++)
        size += 2 * strlen(texts[i]) + 3;
    char *out = mem_malloc(size), *p = out;
    *p++ = '{';
    for (int i = 0; i < n; i++) {
        if (i)
            *p++ = ',';
        *p++ = '"';
        for (const char *c = texts[i]; *c; c++) {
            if (*c == '"' || *c == '\\')
                *p++ = '\\';
            *p++ = *c;
        }
        *p++ = '"';
    }
    *p++ = '}';
    *p = '\0';
    return out;
}
