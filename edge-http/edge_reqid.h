/* edge_reqid.h -- the request id: taken from the client when it is safe to echo and log,
 * otherwise made here as req_<unix ms>_<9 base36 chars>. */
#ifndef EDGE_REQID_H
#define EDGE_REQID_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EDGE_REQID_MAX  128      /* characters, without the NUL */

/* True when S matches [A-Za-z0-9._-]{1,128}. */
bool edge_reqid_valid(const char *s);

/* Writes a new id for unix time NOW_MS into OUT (at least EDGE_REQID_MAX + 1 bytes). The
 * 9 characters come from getrandom(), uniformly over base36. */
void edge_reqid_generate(int64_t now_ms, char *out, size_t size);

/* Picks the id of a request: X-Request-ID if valid, else X-Correlation-ID if valid, else
 * a new one. Either header may be NULL. */
void edge_reqid_pick(const char *x_request_id, const char *x_correlation_id, int64_t now_ms,
                     char *out, size_t size);

#endif
