/* it_metrics.c -- reading one sample of a Prometheus text page over plain libcurl (the
 * admin port is not behind the edge, so it_request, which prefixes TEST_EDGE_URL, does
 * not reach it). */
#include "it_metrics.h"
#include "it_env.h"

#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *data;
    size_t len;
} s_buf_t;

static size_t
s_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
    s_buf_t *buf = arg;
    size_t n = size * nmemb;
    char *grown = realloc(buf->data, buf->len + n + 1);
    if (!grown)
        return 0;                        /* libcurl reports the short write as an error */
    buf->data = grown;
    memcpy(buf->data + buf->len, ptr, n);
    buf->len += n;
    buf->data[buf->len] = '\0';
    return n;
}

/* GET URL (5 s at most): the status (0 when nothing answered), and the body in *BUF
 * (caller frees buf->data). */
static long
s_fetch(const char *url, s_buf_t *buf)
{
    CURL *curl = curl_easy_init();
    if (!curl)
        return 0;
    long code = 0;
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, s_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, buf);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    if (curl_easy_perform(curl) == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(curl);
    return code;
}

double
it_metric(const char *admin_url, const char *sample)
{
    char url[512];
    snprintf(url, sizeof url, "%s/metrics", admin_url);
    s_buf_t buf = { 0 };
    long code = s_fetch(url, &buf);
    double value = -1;
    if (code == 200 && buf.data) {
        size_t n = strlen(sample);
        /* A sample line is "SAMPLE VALUE"; "# HELP"/"# TYPE" lines and samples whose
         * name merely starts with SAMPLE do not match. */
        for (const char *line = buf.data; line && *line;) {
            if (strncmp(line, sample, n) == 0 && line[n] == ' ') {
                value = strtod(line + n + 1, NULL);
                break;
            }
            const char *eol = strchr(line, '\n');
            line = eol ? eol + 1 : NULL;
        }
    }
    free(buf.data);
    return value;
}

long
it_admin_status(const char *admin_url, const char *path)
{
    char url[512];
    snprintf(url, sizeof url, "%s%s", admin_url, path);
    s_buf_t buf = { 0 };
    long code = s_fetch(url, &buf);
    free(buf.data);
    return code;
}

char *
it_metrics_page(const char *url)
{
    s_buf_t buf = { 0 };
    long code = s_fetch(url, &buf);
    if (code != 200) {
        free(buf.data);
        return NULL;
    }
    return buf.data ? buf.data : strdup("");
}

const char *
it_admin_url(const char *process, char *out, size_t size)
{
    const char *list = it_env_require("TEST_ADMIN_PORTS");
    size_t len = strlen(process);
    for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
        if (strncmp(p, process, len) == 0 && p[len] == '=') {
            snprintf(out, size, "http://127.0.0.1:%d", atoi(p + len + 1));
            return out;
        }
    ck_abort_msg("TEST_ADMIN_PORTS names no %s: %s", process, list);
    return NULL;
}
