/* edge_clientip.h -- the client address a request is counted under. The TCP peer, unless
 * the peer is one of TRUSTED_PROXIES: only then is X-Forwarded-For believed, and only its
 * rightmost address that is not itself a trusted proxy (everything left of that was
 * written by the client and proves nothing). */
#ifndef EDGE_CLIENTIP_H
#define EDGE_CLIENTIP_H
#include <stdbool.h>
#include <stddef.h>

#define EDGE_CLIENTIP_MAX      46     /* an IPv6 text address and its NUL */
#define EDGE_CLIENTIP_PROXIES  16

typedef struct {
    char proxies[EDGE_CLIENTIP_PROXIES][EDGE_CLIENTIP_MAX];
    int count;
} edge_clientip_t;

/* Parses a comma list of addresses (spaces allowed; NULL or "" = none). Entries that are
 * not addresses, and any beyond EDGE_CLIENTIP_PROXIES, are skipped. Returns how many were
 * skipped (for a warning at start). */
int edge_clientip_init(edge_clientip_t *self, const char *list);

/* True when TEXT (LEN bytes) looks like an IPv4 or IPv6 address: 1..45 of [0-9a-fA-F.:]. */
bool edge_clientip_valid(const char *text, size_t len);

/* Writes the client address into OUT (SIZE >= EDGE_CLIENTIP_MAX) from PEER (the socket's
 * remote address) and XFF (the X-Forwarded-For header, may be NULL). */
void edge_clientip_pick(const edge_clientip_t *self, const char *peer, const char *xff,
                        char *out, size_t size);

#endif
