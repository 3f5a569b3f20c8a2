/* fuzz_http.c -- the edge's readers of request metadata: the query string, the route
 * match of a method and path, X-Forwarded-For behind trusted proxies (the token from the
 * Authorization header or the cookie: fuzz_access_token). Parts separated by 0xFF
 * (fuzz_split.h). */
#include <stdint.h>
#include <stdlib.h>
#include "edge_body.h"
#include "edge_clientip.h"
#include "edge_route.h"
#include "fuzz_split.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf;
    const char *p[FUZZ_MAX_PARTS];
    fuzz_split(data, size, &buf, p, FUZZ_MAX_PARTS);

    static edge_query_t query;
    edge_query_parse(p[0], &query);

    edge_match_t match;
    edge_route_match(edge_routes(), p[1][0] ? p[1] : "GET", p[2], &match);

    static edge_clientip_t proxies;
    static int ready;
    if (!ready) {
        edge_clientip_init(&proxies, "10.0.0.0/8, 127.0.0.1, fd00::/8");
        ready = 1;
    }
    char ip[EDGE_CLIENTIP_MAX];
    edge_clientip_pick(&proxies, p[3], p[4], ip, sizeof ip);
    edge_clientip_t other;
    edge_clientip_init(&other, p[3]);

    free(buf);
    return 0;
}
