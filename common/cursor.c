/* cursor.c -- the opaque keyset cursor: base64url("c1:<id>") without padding. */
#include "cursor.h"
#include "form.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char s_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void
cursor_encode(int64_t id, char *out, size_t size)
{
    char plain[32];
    int n = snprintf(plain, sizeof plain, "c1:%" PRId64, id);
    size_t o = 0;
    for (int i = 0; i < n && o + 4 < size; i += 3) {   /* 3 bytes to 4 characters */
        uint32_t v = (uint32_t) (unsigned char) plain[i] << 16;
        int left = n - i;
        if (left > 1) v |= (uint32_t) (unsigned char) plain[i + 1] << 8;
        if (left > 2) v |= (uint32_t) (unsigned char) plain[i + 2];
        out[o++] = s_alphabet[(v >> 18) & 63];
        out[o++] = s_alphabet[(v >> 12) & 63];
        if (left > 1) out[o++] = s_alphabet[(v >> 6) & 63];
        if (left > 2) out[o++] = s_alphabet[v & 63];
    }
    out[o] = '\0';
}

static int
s_value(char c)
{
    const char *p = c ? strchr(s_alphabet, c) : NULL;
    return p ? (int) (p - s_alphabet) : -1;
}

bool
cursor_decode(const char *s, int64_t *id)
{
    char plain[32];
    size_t len = s ? strlen(s) : 0, o = 0;
    if (len < 2 || len > 40 || len % 4 == 1)
        return false;
    for (size_t i = 0; i < len; i += 4) {
        uint32_t v = 0;
        size_t chunk = len - i < 4 ? len - i : 4;
        for (size_t k = 0; k < 4; k++) {
            int d = k < chunk ? s_value(s[i + k]) : 0;
            if (d < 0)
                return false;
            v = (v << 6) | (uint32_t) d;
        }
        plain[o++] = (char) (v >> 16);
        if (chunk > 2) plain[o++] = (char) (v >> 8);
        if (chunk > 3) plain[o++] = (char) v;
    }
    plain[o] = '\0';
    if (strncmp(plain, "c1:", 3) != 0 || strlen(plain) != o)
        return false;
    return form_parse_int(plain + 3, 1, INT64_MAX, id);
}

const char *
cursor_check(const char *s)
{
    int64_t id;
    return cursor_decode(s, &id) ? NULL : "cursor must be a valid cursor";
}
