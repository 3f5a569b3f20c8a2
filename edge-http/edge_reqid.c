/* edge_reqid.c -- request id validation and generation. */
#include "edge_reqid.h"
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

bool
edge_reqid_valid(const char *s)
{
    if (!s)
        return false;
    size_t i = 0;
    for (; s[i]; i++) {
        char c = s[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
               || c == '.' || c == '_' || c == '-';
        if (!ok || i >= EDGE_REQID_MAX)
            return false;
    }
    return i > 0;
}

/* Fills BYTES from the kernel's generator. getrandom on a small buffer does not block once
 * the pool is initialised and is not interrupted for sizes up to 256 bytes. */
static void
s_random(unsigned char *bytes, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t rc = getrandom(bytes + got, n - got, 0);
        if (rc <= 0)
            continue;                /* EINTR; getrandom does not fail otherwise here */
        got += (size_t) rc;
    }
}

/* The kernel's bytes, fetched a pool at a time per thread: one getrandom for about 25
 * ids instead of one per request (a system call was ~1% of a cached read's CPU). */
static __thread unsigned char s_pool[256];
static __thread size_t s_pool_left;

static unsigned char
s_random_byte(void)
{
    if (s_pool_left == 0) {
        s_random(s_pool, sizeof s_pool);
        s_pool_left = sizeof s_pool;
    }
    unsigned char b = s_pool[--s_pool_left];
    s_pool[s_pool_left] = 0;             /* a byte given out is not kept */
    return b;
}

void
edge_reqid_generate(int64_t now_ms, char *out, size_t size)
{
    static const char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    char tail[10];
    int have = 0;
    while (have < 9) {
        unsigned char b = s_random_byte();
        if (b < 252)                     /* 252 = 7 * 36: rejection keeps it uniform */
            tail[have++] = alphabet[b % 36];
    }
    tail[9] = '\0';
    snprintf(out, size, "req_%lld_%s", (long long) now_ms, tail);
}

void
edge_reqid_pick(const char *x_request_id, const char *x_correlation_id, int64_t now_ms,
                char *out, size_t size)
{
    const char *given = edge_reqid_valid(x_request_id) ? x_request_id
                      : edge_reqid_valid(x_correlation_id) ? x_correlation_id : NULL;
    if (given)
        snprintf(out, size, "%s", given);
    else
        edge_reqid_generate(now_ms, out, size);
}
