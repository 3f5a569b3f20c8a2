/* it_http.c -- the tests' HTTP client over libcurl. One easy handle per request: tests
 * are not about connection reuse, and a fresh handle means no state leaks between them. */
#include "it_http.h"
#include "it_env.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RETRY_BUDGET_MS   70000   /* longest we wait out rate limits for one request */
#define RETRY_MAX_WAIT_S  10      /* never believe a Retry-After longer than this */

typedef struct {
    char *data;
    size_t len;
    size_t cap;
} s_buf_t;

static size_t
s_on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    s_buf_t *b = userdata;
    size_t n = size * nmemb;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *grown = realloc(b->data, cap);
        if (!grown)
            return 0;           /* makes libcurl fail the transfer */
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

static void
s_headers_clear(it_response_t *r)
{
    for (int i = 0; i < r->header_count; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    r->header_count = 0;
}

static size_t
s_on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    it_response_t *r = userdata;
    size_t n = size * nmemb;
    /* A status line starts a new response (after "100 Continue"): keep the final one. */
    if (n >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {
        s_headers_clear(r);
        return n;
    }
    const char *colon = memchr(ptr, ':', n);
    if (!colon || r->header_count >= IT_MAX_HEADERS)
        return n;
    size_t name_len = (size_t) (colon - ptr);
    const char *v = colon + 1;
    const char *end = ptr + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    it_header_t *h = &r->headers[r->header_count++];
    h->name = strndup(ptr, name_len);
    h->value = strndup(v, (size_t) (end - v));
    return n;
}

/* One attempt. Fills R (status, headers, body) from scratch. */
static void
s_perform(const it_req_t *req, it_response_t *r)
{
    s_headers_clear(r);
    free(r->body);
    r->body = NULL;
    r->body_len = 0;
    r->status = 0;
    r->error[0] = '\0';

    char url[2048];
    snprintf(url, sizeof url, "%s%s", it_edge_url(), req->path);

    CURL *curl = curl_easy_init();
    struct curl_slist *hdrs = NULL;
    char line[8192];
    s_buf_t body = { 0 };

    if (req->token) {
        snprintf(line, sizeof line, "Authorization: Bearer %s", req->token);
        hdrs = curl_slist_append(hdrs, line);
    }
    if (req->cookie) {
        snprintf(line, sizeof line, "Cookie: %s", req->cookie);
        hdrs = curl_slist_append(hdrs, line);
    }
    if (req->content_type) {
        snprintf(line, sizeof line, "Content-Type: %s", req->content_type);
        hdrs = curl_slist_append(hdrs, line);
    } else if (req->body) {
        /* Without this line libcurl would claim a form encoding on our behalf. */
        hdrs = curl_slist_append(hdrs, "Content-Type:");
    }
    for (const char *const *h = req->headers; h && *h; h++)
        hdrs = curl_slist_append(hdrs, *h);

    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, r->method);
    if (strcmp(r->method, "HEAD") == 0)
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    if (req->body) {
        size_t len = req->body_len ? req->body_len : strlen(req->body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) len);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req->body);
    } else if (strcmp(r->method, "POST") == 0 || strcmp(r->method, "PUT") == 0 ||
               strcmp(r->method, "PATCH") == 0) {
        /* An empty body still says so (Content-Length: 0), as a browser would. */
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, 0L);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, s_on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, s_on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : 60000L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);

    int64_t t0 = it_now_ms();
    CURLcode rc = curl_easy_perform(curl);
    r->elapsed_ms = (double) (it_now_ms() - t0);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
    } else {
        snprintf(r->error, sizeof r->error, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
        /* A server may answer (413, say) and close before reading the whole upload; the
         * answer is still the answer when it arrived complete. */
        long code = 0;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
        if (code > 0 && body.len > 0)
            r->status = code;
    }
    r->body = body.data ? body.data : strdup("");
    r->body_len = body.len;
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(curl);
}

static void
s_parse_json(it_response_t *r)
{
    if (r->json) {
        json_object_put(r->json);
        r->json = NULL;
    }
    if (r->body_len == 0)
        return;
    json_tokener *tok = json_tokener_new();
    json_object *obj = json_tokener_parse_ex(tok, r->body, (int) r->body_len);
    /* Trailing garbage after a valid value means the body is not JSON. */
    if (obj && json_tokener_get_error(tok) == json_tokener_success &&
        json_tokener_get_parse_end(tok) == r->body_len)
        r->json = obj;
    else if (obj)
        json_object_put(obj);
    json_tokener_free(tok);
}

/* [A-Za-z0-9._-]{1,128}, the contract's rule for an incoming request id. */
static bool
s_valid_request_id(const char *v)
{
    size_t n = strlen(v);
    if (n < 1 || n > 128)
        return false;
    return strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

it_response_t *
it_request_ex(const it_req_t *req)
{
    it_response_t *r = calloc(1, sizeof *r);
    if (!r)
        abort();
    snprintf(r->method, sizeof r->method, "%s", req->method ? req->method : "GET");
    snprintf(r->path, sizeof r->path, "%s", req->path);
    char *q = strchr(r->path, '?');
    if (q)
        *q = '\0';
    /* Remember a valid X-Request-ID we send: the edge must echo it (API.md), and the
     * envelope checks then compare. An invalid one is replaced, so it is not kept. */
    for (const char *const *h = req->headers; h && *h; h++)
        if (strncasecmp(*h, "X-Request-ID:", 13) == 0) {
            const char *v = *h + 13;
            while (*v == ' ')
                v++;
            if (s_valid_request_id(v))
                snprintf(r->request_id, sizeof r->request_id, "%s", v);
        }

    int64_t give_up = it_now_ms() + RETRY_BUDGET_MS;
    for (;;) {
        s_perform(req, r);
        if (r->status != 429 || req->no_retry || it_now_ms() >= give_up)
            break;
        const char *ra = it_header(r, "Retry-After");
        long wait_s = ra ? strtol(ra, NULL, 10) : 1;
        if (wait_s < 1)
            wait_s = 1;
        if (wait_s > RETRY_MAX_WAIT_S)
            wait_s = RETRY_MAX_WAIT_S;
        fprintf(stderr, "it_request: 429 on %s %s, retrying in %ld s\n", r->method, req->path,
                wait_s);
        it_sleep_ms(wait_s * 1000);
    }
    s_parse_json(r);
    return r;
}

it_response_t *
it_request(const char *method, const char *path, const char *token, const char *content_type,
           const char *body)
{
    it_req_t req = {
        .method = method, .path = path, .token = token, .body = body,
        .content_type = content_type ? content_type : (body ? "application/json" : NULL),
    };
    return it_request_ex(&req);
}

it_response_t *
it_request_json(const char *method, const char *path, const char *token, json_object *body)
{
    char *text = strdup(json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN));
    json_object_put(body);
    it_response_t *r = it_request(method, path, token, "application/json", text);
    free(text);
    return r;
}

void
it_response_destroy(it_response_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    it_response_t *r = *self_p;
    s_headers_clear(r);
    free(r->body);
    if (r->json)
        json_object_put(r->json);
    free(r);
    *self_p = NULL;
}

const char *
it_header(const it_response_t *self, const char *name)
{
    for (int i = 0; i < self->header_count; i++)
        if (strcasecmp(self->headers[i].name, name) == 0)
            return self->headers[i].value;
    return NULL;
}

char *
it_url_escape(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = malloc(strlen(s) * 3 + 1);
    if (!out)
        abort();
    char *o = out;
    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            *o++ = (char) *p;
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = '\0';
    return out;
}

const char *
it_describe(const it_response_t *self)
{
    static _Thread_local char buf[1024];   /* per thread, as the header promises */
    if (self->status == 0)
        snprintf(buf, sizeof buf, "%s %s -> transfer failed: %s", self->method, self->path,
                 self->error);
    else
        snprintf(buf, sizeof buf, "%s %s -> %ld %.700s", self->method, self->path,
                 self->status, self->body ? self->body : "");
    return buf;
}
