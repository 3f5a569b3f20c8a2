/* edge_reply.h -- everything the edge writes back: the HTTP head with the headers every
 * response carries, the error envelope and the success envelope of API.md. Pure functions
 * over a buffer, so the whole response leaves in one write. */
#ifndef EDGE_REPLY_H
#define EDGE_REPLY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <msgpack.h>
#include "edge_buf.h"
#include "envelope.h"

typedef struct {
    const char *request_id;   /* X-Request-ID and X-Correlation-ID */
    bool no_store;            /* Cache-Control: no-store */
    const char *cache_control; /* another Cache-Control value (no_store false), or NULL */
    bool hsts;                /* Strict-Transport-Security */
    const char *allow;        /* Allow (405), or NULL */
    const char *connection;   /* "close", "keep-alive", or NULL to leave the default */
    const char *content_type; /* NULL: application/json; charset=utf-8 */
    const char *extra;        /* more header lines, each ending in CRLF, or NULL */
} edge_reply_head_t;

/* The reason phrase of STATUS ("Not Found"); "Unknown" for others. */
const char *edge_reply_reason(int status);

/* Appends the status line, the headers of HEAD, Content-Length and BODY to OUT.
 * Returns 0 or -1 (a head that cannot be formatted). */
int edge_reply_http(edge_buf_t *out, int status, const edge_reply_head_t *head,
                    const char *body, size_t body_len);

/* Appends the error envelope:
 * {"success":false,"statusCode":S,"error":CODE,"message":M,["details":[...],]
 *  "timestamp":T,"path":P,"method":M,"requestId":R}. details only when DETAIL_COUNT > 0.
 * A PATH that is not valid UTF-8 is written as "". Returns 0 or -1. */
int edge_reply_error_json(edge_buf_t *out, int status, const char *code, const char *message,
                          const envelope_detail_t *details, int detail_count,
                          const char *timestamp, const char *path, const char *method,
                          const char *request_id);

/* The same, with "retryAfter": RETRY_AFTER (seconds) after the message when RETRY_AFTER
 * >= 0 (429 RATE_LIMIT_EXCEEDED). */
int edge_reply_error_json_retry(edge_buf_t *out, int status, const char *code,
                                const char *message, const envelope_detail_t *details,
                                int detail_count, const char *timestamp, const char *path,
                                const char *method, const char *request_id,
                                int64_t retry_after);

/* Appends the success envelope {"success":true,"data":D,"timestamp":T} for the reply body
 * BODY (NULL: data null). A list reply (a map with "items", "next_cursor" and "limit")
 * becomes data = items, meta = the map's other keys. Returns 0, or -1 when BODY cannot be
 * shown as JSON (the caller answers 500). */
int edge_reply_success_json(edge_buf_t *out, const msgpack_object *body, const char *timestamp);

#endif
