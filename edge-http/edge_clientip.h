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

/* One trusted network: an address and how many leading bits of it must match. */
typedef struct {
    int family;                      /* AF_INET or AF_INET6 */
    unsigned char addr[16];
    int bits;                        /* prefix length: 32 or 128 for one address */
} edge_clientip_net_t;

typedef struct {
    edge_clientip_net_t proxies[EDGE_CLIENTIP_PROXIES];
    int count;
} edge_clientip_t;

/* Parses a comma list of addresses and CIDR ranges ("10.0.0.5, 10.244.0.0/16, fd00::/8";
 * spaces allowed; NULL or "" = none), so a Kubernetes pod range can be trusted as a whole.
 * An IPv4-mapped IPv6 peer ("::ffff:10.0.0.5") matches IPv4 ranges. Entries that are
 * not addresses or ranges, and any beyond EDGE_CLIENTIP_PROXIES, are skipped. Returns
 * how many were skipped (for a warning at start). */
int edge_clientip_init(edge_clientip_t *self, const char *list);

/* True when the address IP is one of the trusted proxies. */
bool edge_clientip_trusted(const edge_clientip_t *self, const char *ip);

/* True when TEXT (LEN bytes) looks like an IPv4 or IPv6 address: 1..45 of [0-9a-fA-F.:]. */
bool edge_clientip_valid(const char *text, size_t len);

/* Writes the client address into OUT (SIZE >= EDGE_CLIENTIP_MAX) from PEER (the socket's
 * remote address) and XFF (the X-Forwarded-For header, may be NULL). */
void edge_clientip_pick(const edge_clientip_t *self, const char *peer, const char *xff,
                        char *out, size_t size);

#endif
