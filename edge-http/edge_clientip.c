/* edge_clientip.c -- peer address or trusted X-Forwarded-For. */
#include "edge_clientip.h"
#include <stdio.h>
#include <string.h>

bool
edge_clientip_valid(const char *text, size_t len)
{
    if (len == 0 || len >= EDGE_CLIENTIP_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
              || c == '.' || c == ':'))
            return false;
    }
    return true;
}

/* The next comma-separated item of *P, trimmed: its start and length; *P moves on. */
static const char *
s_next_item(const char **p, size_t *len)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t' || *s == ',')
        s++;
    if (!*s)
        return NULL;
    const char *end = s;
    while (*end && *end != ',')
        end++;
    *p = end;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    *len = (size_t) (end - s);
    return s;
}

int
edge_clientip_init(edge_clientip_t *self, const char *list)
{
    memset(self, 0, sizeof *self);
    int skipped = 0;
    const char *p = list ? list : "";
    size_t len = 0;
    for (const char *item; (item = s_next_item(&p, &len));) {
        if (!edge_clientip_valid(item, len) || self->count >= EDGE_CLIENTIP_PROXIES) {
            skipped++;
            continue;
        }
        memcpy(self->proxies[self->count], item, len);
        self->proxies[self->count][len] = '\0';
        self->count++;
    }
    return skipped;
}

static bool
s_trusted(const edge_clientip_t *self, const char *ip, size_t len)
{
    for (int i = 0; i < self->count; i++)
        if (strlen(self->proxies[i]) == len && memcmp(self->proxies[i], ip, len) == 0)
            return true;
    return false;
}

void
edge_clientip_pick(const edge_clientip_t *self, const char *peer, const char *xff, char *out,
                   size_t size)
{
    snprintf(out, size, "%s", peer && *peer ? peer : "unknown");
    if (!xff || !peer || !s_trusted(self, peer, strlen(peer)))
        return;
    /* Right to left: the first address no trusted proxy of ours wrote. */
    const char *end = xff + strlen(xff);
    while (end > xff) {
        const char *start = end;
        while (start > xff && start[-1] != ',')
            start--;
        const char *a = start, *b = end;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        size_t len = (size_t) (b - a);
        if (!edge_clientip_valid(a, len))
            return;                      /* garbage: count the proxy's peer, not a guess */
        if (!s_trusted(self, a, len)) {
            snprintf(out, size, "%.*s", (int) len, a);
            return;
        }
        end = start > xff ? start - 1 : xff;
    }
}
