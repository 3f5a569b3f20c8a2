/* it_http.h -- an HTTP client for the tests: one libcurl easy handle per request, the
 * whole response captured (status, headers, raw body, parsed JSON). */
#ifndef IT_HTTP_H
#define IT_HTTP_H
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#define IT_MAX_HEADERS 64

typedef struct {
    char *name;
    char *value;
} it_header_t;

typedef struct {
    long status;                 /* HTTP status; 0 when the transfer itself failed */
    char error[256];             /* libcurl's message when status is 0 */
    char *body;                  /* raw body, NUL-terminated (may be "") */
    size_t body_len;
    json_object *json;           /* the body parsed, or NULL when it is not JSON */
    it_header_t headers[IT_MAX_HEADERS];   /* of the final response only */
    int header_count;
    double elapsed_ms;           /* of the last attempt (retries after 429 excluded) */
    char method[16];             /* what was asked, for the envelope checks */
    char path[512];              /* without the query string */
    char request_id[160];        /* valid X-Request-ID we sent (to be echoed), or "" */
} it_response_t;

/* Options for it_request_ex. Zero-initialise, then fill what you need. */
typedef struct {
    const char *method;          /* "GET" when NULL */
    const char *path;            /* appended to TEST_EDGE_URL, e.g. "/api/users?limit=2" */
    const char *token;           /* sent as "Authorization: Bearer <token>" when not NULL */
    const char *cookie;          /* raw Cookie header value when not NULL */
    const char *content_type;    /* Content-Type header when not NULL */
    const char *body;            /* request body when not NULL */
    size_t body_len;             /* 0: strlen(body) */
    const char *const *headers;  /* extra "Name: value" lines, NULL-terminated, or NULL */
    bool no_retry;               /* see a 429 as it is (rate-limit tests) */
    long timeout_ms;             /* whole transfer; 0: 60 s */
} it_req_t;

/* Sends one request. Never NULL; a failed transfer gives status 0 and error set.
 * A 429 is retried after its Retry-After (bounded), unless no_retry: suites about other
 * things must not fail because they share one client key. Caller destroys the result. */
it_response_t *it_request_ex(const it_req_t *req);

/* The common case: METHOD PATH with an optional bearer TOKEN and an optional BODY of
 * CONTENT_TYPE ("application/json" when BODY is set and CONTENT_TYPE NULL). */
it_response_t *it_request(const char *method, const char *path, const char *token,
                          const char *content_type, const char *body);

/* it_request with a json-c BODY (serialised, then released: ownership passes). */
it_response_t *it_request_json(const char *method, const char *path, const char *token,
                               json_object *body);

/* Frees the response and sets *self_p to NULL. Accepts NULL. */
void it_response_destroy(it_response_t **self_p);

/* The value of response header NAME (case-insensitive), or NULL. */
const char *it_header(const it_response_t *self, const char *name);

/* S percent-encoded for a query string (all but unreserved characters), as a new
 * string the caller frees: cursors are opaque and may hold '+', '/' or '='. */
char *it_url_escape(const char *s);

/* A short description for failure messages: "POST /api/x -> 400 {body...}". Returns a
 * pointer into a static buffer per thread; copy it if you need two at once. */
const char *it_describe(const it_response_t *self);

#endif
