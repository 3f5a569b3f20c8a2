/* fuzz_access_token.c -- where edge and notify read a request's access token: the
 * Authorization header, the Cookie header's parser and ?token=, as any client may send
 * them (parts split by 0xFF). Checks what the callers rely on: an answer within the
 * buffer, its length the string's. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "access_token.h"
#include "fuzz_split.h"

static void
s_check(int n, const char *out, size_t size)
{
    if (n > 0 && ((size_t) n >= size || strlen(out) != (size_t) n))
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf;
    const char *p[FUZZ_MAX_PARTS];
    fuzz_split(data, size, &buf, p, 3);
    static char out[ACCESS_TOKEN_MAX + 1];
    char small[16];
    s_check(access_token_cookie(p[1], "access_token", out, sizeof out), out, sizeof out);
    s_check(access_token_cookie(p[1], "access_token", small, sizeof small), small, sizeof small);
    s_check(access_token_cookie(p[1], p[0], small, sizeof small), small, sizeof small);
    access_token_source_t src;
    s_check(access_token_extract(p[0], p[1], p[2], out, sizeof out, &src), out, sizeof out);
    s_check(access_token_extract(p[0], p[1], p[2], small, sizeof small, &src), small,
            sizeof small);
    free(buf);
    return 0;
}
