/* chaos_http.c -- the chaos test's HTTP client: libcurl with one reused handle, so each
 * load thread holds one keep-alive connection, as wrk's connections do. */
#include "chaos_http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct chaos_http_t {
    CURL *curl;
    char base[256];
    long timeout_ms;
    char *body;                  /* the answer being received */
    size_t len, cap;
};

static size_t
s_on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    chaos_http_t *self = userdata;
    size_t n = size * nmemb;
    if (self->len + n + 1 > self->cap) {
        size_t cap = self->cap ? self->cap : 8192;
        while (cap < self->len + n + 1)
            cap *= 2;
        if (cap > 16 * 1024 * 1024)
            return 0;            /* no answer of ours is that large: fail the transfer */
        char *grown = realloc(self->body, cap);
        if (!grown)
            return 0;
        self->body = grown;
        self->cap = cap;
    }
    memcpy(self->body + self->len, ptr, n);
    self->len += n;
    self->body[self->len] = '\0';
    return n;
}

chaos_http_t *
chaos_http_new(const char *base_url, long timeout_ms)
{
    chaos_http_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->curl = curl_easy_init();
    if (!self->curl) {
        free(self);
        return NULL;
    }
    snprintf(self->base, sizeof self->base, "%s", base_url);
    self->timeout_ms = timeout_ms;
    curl_easy_setopt(self->curl, CURLOPT_WRITEFUNCTION, s_on_body);
    curl_easy_setopt(self->curl, CURLOPT_WRITEDATA, self);
    curl_easy_setopt(self->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(self->curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(self->curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(self->curl, CURLOPT_TCP_NODELAY, 1L);
    /* One connection per thread: a second one would hide a broken first from us. */
    curl_easy_setopt(self->curl, CURLOPT_MAXCONNECTS, 1L);
    return self;
}

void
chaos_http_destroy(chaos_http_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    chaos_http_t *self = *self_p;
    curl_easy_cleanup(self->curl);
    free(self->body);
    free(self);
    *self_p = NULL;
}

void
chaos_resp_clear(chaos_resp_t *resp)
{
    if (resp->data)
        json_object_put(resp->data);
    memset(resp, 0, sizeof *resp);
}

int64_t
chaos_resp_id(const chaos_resp_t *resp)
{
    json_object *id = NULL;
    if (!resp->data || !json_object_object_get_ex(resp->data, "id", &id))
        return 0;
    return json_object_get_int64(id);
}

/* Keeps "data" of a success envelope, or the "error" code of an error envelope. */
static void
s_parse(chaos_http_t *self, chaos_resp_t *resp)
{
    if (self->len == 0)
        return;
    json_object *root = json_tokener_parse(self->body);
    if (!root)
        return;
    json_object *v = NULL;
    if (resp->status >= 200 && resp->status < 300) {
        if (json_object_object_get_ex(root, "data", &v) && v)
            resp->data = json_object_get(v);
    } else if (json_object_object_get_ex(root, "error", &v) && json_object_is_type(v, json_type_string)) {
        snprintf(resp->error, sizeof resp->error, "%s", json_object_get_string(v));
    }
    json_object_put(root);
}

void
chaos_http_request(chaos_http_t *self, const char *method, const char *path,
                   const char *token, const char *key, const char *body, chaos_resp_t *resp)
{
    memset(resp, 0, sizeof *resp);
    self->len = 0;
    if (self->body)
        self->body[0] = '\0';
    char url[1024], line[4096];
    snprintf(url, sizeof url, "%s%s", self->base, path);
    struct curl_slist *hdrs = NULL;
    if (token) {
        snprintf(line, sizeof line, "Authorization: Bearer %s", token);
        hdrs = curl_slist_append(hdrs, line);
    }
    if (key) {
        snprintf(line, sizeof line, "Idempotency-Key: %s", key);
        hdrs = curl_slist_append(hdrs, line);
    }
    if (body)
        hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    /* No "Expect: 100-continue" round trip for our small bodies. */
    hdrs = curl_slist_append(hdrs, "Expect:");

    CURL *c = self->curl;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) strlen(body));
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    } else {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, strcmp(method, "GET") ? method : NULL);
    }
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
        s_parse(self, resp);
    } else {
        resp->status = 0;
        snprintf(resp->error, sizeof resp->error, "%.71s",
                 errbuf[0] ? errbuf : curl_easy_strerror(rc));
    }
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hdrs);
}
