/* edge_auth.c -- the edge's way in to the shared token rule: header or cookie, no query. */
#include "edge_auth.h"

access_token_status_t
edge_auth_read(const token_keys_t *keys, const char *authorization, const char *cookie_header,
               int64_t now, token_claims_t *claims)
{
    return access_token_read(keys, authorization, cookie_header, NULL, now, claims, NULL);
}
