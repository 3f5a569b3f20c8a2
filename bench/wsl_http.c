/* wsl_http.c -- writing a POST and reading its answer, no more HTTP than the edge speaks. */
#define _GNU_SOURCE            /* memmem */
#include "wsl_http.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int
wsl_http_post(char *out, size_t size, const char *host, const char *path, const char *token,
              const char *body)
{
    int n = snprintf(out, size,
                     "POST %s HTTP/1.1\r\n"
                     "Host: %s\r\n"
                     "Content-Type: application/json\r\n"
                     "Authorization: Bearer %s\r\n"
                     "Content-Length: %zu\r\n"
                     "\r\n%s",
                     path, host, token, strlen(body), body);
    return (n < 0 || (size_t) n >= size) ? -1 : n;
}

/* The value of header NAME within HEAD (HEAD_LEN bytes, lines ending in CRLF), or NULL. */
static const char *
s_header(const char *head, size_t head_len, const char *name)
{
    size_t name_len = strlen(name);
    const char *p = memmem(head, head_len, "\r\n", 2);
    const char *end = head + head_len;
    while (p && p + 2 < end) {
        p += 2;
        if ((size_t) (end - p) > name_len && strncasecmp(p, name, name_len) == 0
            && p[name_len] == ':') {
            const char *v = p + name_len + 1;
            while (*v == ' ')
                v++;
            return v;
        }
        p = memmem(p, (size_t) (end - p), "\r\n", 2);
    }
    return NULL;
}

long
wsl_http_answer(const char *data, size_t len, wsl_http_answer_t *a)
{
    if (len >= 5 && memcmp(data, "HTTP/", 5) != 0)
        return -1;
    const char *end = memmem(data, len, "\r\n\r\n", 4);
    if (!end)
        return len > 65536 ? -1 : 0;
    size_t head_len = (size_t) (end - data) + 2;     /* keeps the last header's CRLF */
    const char *sp = memchr(data, ' ', head_len);
    const char *cl = s_header(data, head_len, "Content-Length");
    if (!sp || !cl)
        return -1;
    long body_len = strtol(cl, NULL, 10);
    if (body_len < 0)
        return -1;
    size_t total = head_len + 2 + (size_t) body_len;
    if (len < total)
        return 0;
    const char *conn = s_header(data, head_len, "Connection");
    a->status = atoi(sp + 1);
    a->body = data + head_len + 2;
    a->body_len = (size_t) body_len;
    a->close = conn && strncasecmp(conn, "close", 5) == 0;
    return (long) total;
}
