/* fuzz_token.c -- JWT verification on any token text, with the pinned HS256 key. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "token.h"

static token_keys_t *s_keys;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!s_keys)
        s_keys = token_keys_new("HS256", "fuzz-key-0123456789abcdef0123456789abcdef",
                                "fuzz-key-0123456789abcdef0123456789abcdef");
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    token_claims_t claims;
    token_verify(s_keys, text, "access", 1700000000, &claims);
    token_verify(s_keys, text, "refresh", 1700000000, &claims);
    free(text);
    return 0;
}
