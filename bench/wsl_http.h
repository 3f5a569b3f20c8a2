/* wsl_http.h -- HTTP/1.1 keep-alive requests on a raw socket: one POST written, one answer
 * read back (the edge always answers with Content-Length). */
#ifndef BENCH_WSL_HTTP_H
#define BENCH_WSL_HTTP_H
#include <stddef.h>

/* Writes a POST of the JSON BODY to PATH on HOST with TOKEN as bearer into OUT.
 * Returns its length, or -1 when SIZE is too small. */
int wsl_http_post(char *out, size_t size, const char *host, const char *path,
                  const char *token, const char *body);

typedef struct {
    int status;
    const char *body;        /* points into the caller's buffer */
    size_t body_len;
    int close;               /* the server said Connection: close */
} wsl_http_answer_t;

/* Parses one answer at the start of DATA. Returns the bytes it takes (> 0) with *A filled,
 * 0 when incomplete, -1 when malformed or without Content-Length. */
long wsl_http_answer(const char *data, size_t len, wsl_http_answer_t *a);

#endif
