/* edge_clientip.c -- peer address or trusted X-Forwarded-For. */
#include "edge_clientip.h"
#include <arpa/inet.h>
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

/* LEN bytes of TEXT as an address into FAMILY/ADDR; an IPv4-mapped IPv6 address becomes
 * IPv4. False when it is none. */
static bool
s_addr_parse(const char *text, size_t len, int *family, unsigned char *addr)
{
    char buf[EDGE_CLIENTIP_MAX];
    if (len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, text, len);
    buf[len] = '\0';
    if (inet_pton(AF_INET, buf, addr) == 1) {
        *family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, buf, addr) != 1)
        return false;
    static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    if (memcmp(addr, mapped, 12) == 0) {
        memmove(addr, addr + 12, 4);
        *family = AF_INET;
    } else {
        *family = AF_INET6;
    }
    return true;
}

/* "ADDR" or "ADDR/BITS" into NET. */
static bool
s_net_parse(const char *text, size_t len, edge_clientip_net_t *net)
{
    const char *slash = memchr(text, '/', len);
    size_t alen = slash ? (size_t) (slash - text) : len;
    if (!s_addr_parse(text, alen, &net->family, net->addr))
        return false;
    int max = net->family == AF_INET ? 32 : 128;
    net->bits = max;
    if (slash) {
        const char *p = slash + 1, *end = text + len;
        if (p == end || end - p > 3)
            return false;
        int bits = 0;
        for (; p < end; p++) {
            if (*p < '0' || *p > '9')
                return false;
            bits = bits * 10 + (*p - '0');
        }
        if (bits > max)
            return false;
        net->bits = bits;
    }
    return true;
}

static bool
s_net_has(const edge_clientip_net_t *net, int family, const unsigned char *addr)
{
    if (net->family != family)
        return false;
    int full = net->bits / 8, rest = net->bits % 8;
    if (memcmp(net->addr, addr, (size_t) full) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char) (0xff << (8 - rest));
    return (net->addr[full] & mask) == (addr[full] & mask);
}

int
edge_clientip_init(edge_clientip_t *self, const char *list)
{
    memset(self, 0, sizeof *self);
    int skipped = 0;
    const char *p = list ? list : "";
    size_t len = 0;
    for (const char *item; (item = s_next_item(&p, &len));) {
        if (self->count >= EDGE_CLIENTIP_PROXIES
            || !s_net_parse(item, len, &self->proxies[self->count])) {
            skipped++;
            continue;
        }
        self->count++;
    }
    return skipped;
}

static bool
s_trusted(const edge_clientip_t *self, const char *ip, size_t len)
{
    int family;
    unsigned char addr[16];
    if (self->count == 0 || !s_addr_parse(ip, len, &family, addr))
        return false;
    for (int i = 0; i < self->count; i++)
        if (s_net_has(&self->proxies[i], family, addr))
            return true;
    return false;
}

bool
edge_clientip_trusted(const edge_clientip_t *self, const char *ip)
{
    return ip && s_trusted(self, ip, strlen(ip));
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
