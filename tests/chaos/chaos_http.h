/* chaos_http.h -- one keep-alive HTTP connection per thread (a libcurl easy handle kept
 * for the thread's life), answers reduced to what the chaos test records. */
#ifndef CHAOS_HTTP_H
#define CHAOS_HTTP_H
#include <json-c/json.h>
#include <stdint.h>

typedef struct chaos_http_t chaos_http_t;

typedef struct {
    long status;                 /* HTTP status; 0 when the transfer failed */
    char error[72];              /* libcurl's message (status 0) or the envelope's "error" */
    json_object *data;           /* the success envelope's "data" (owned), or NULL */
} chaos_resp_t;

/* A client for BASE_URL whose attempts last at most TIMEOUT_MS. NULL on failure. */
chaos_http_t *chaos_http_new(const char *base_url, long timeout_ms);
void chaos_http_destroy(chaos_http_t **self_p);

/* METHOD PATH with an optional bearer TOKEN, Idempotency-Key KEY and JSON BODY (each may
 * be NULL). Fills *RESP (release it with chaos_resp_clear). A broken or refused
 * connection is status 0; the next request reconnects. */
void chaos_http_request(chaos_http_t *self, const char *method, const char *path,
                        const char *token, const char *key, const char *body,
                        chaos_resp_t *resp);

void chaos_resp_clear(chaos_resp_t *resp);

/* data.id of a response (0 when absent). */
int64_t chaos_resp_id(const chaos_resp_t *resp);

#endif
