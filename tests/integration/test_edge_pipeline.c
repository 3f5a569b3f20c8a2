/* test_edge_pipeline.c -- the edge's request pipeline against the running system:
 * sanitization stored and read back, the rate limit shared by two extra edges with
 * strict limits (and its Redis outage and recovery), the profile cache and its
 * invalidation, CORS, the security headers on errors, and /metrics parsed by promtool.
 *
 * Extra edges are children of the test: TEST_BUILD_DIR/edge-http/edge on ports
 * 18090/18091 (EDGE_PIPE_PORT_A/B), ADMIN_PORT 0, the stack's broker, Redis and JWT secret,
 * plus the settings under test. They die with the test (PR_SET_PDEATHSIG). */
#include "it_assert.h"
#include "it_edge.h"
#include "it_env.h"
#include "it_http.h"
#include "it_users.h"

#include <check.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PORT_A 18090
#define PORT_B 18091

static char s_main_url[512];

/* --- extra edges ----------------------------------------------------------------- */

/* An edge of the suite's own (it_edge.h), EDGE_THREADS=16 unless SETTINGS say more. */
static pid_t
s_edge_start(int port, const char *const *settings)
{
    const char *with_threads[16] = { "EDGE_THREADS=16" };
    int n = 1;
    for (int i = 0; settings && settings[i] && n < 15; i++)
        with_threads[n++] = settings[i];
    with_threads[n] = NULL;
    return it_edge_start(port, with_threads);
}

static void
s_edge_stop(pid_t *pid)
{
    it_edge_stop(pid);
}

/* Directs it_request at the edge on PORT (0: the stack's own edge). */
static void
s_use(int port)
{
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    setenv("TEST_EDGE_URL", port ? url : s_main_url, 1);
}

/* --- small helpers --------------------------------------------------------------- */

static it_response_t *
s_get(const char *path, const char *token)
{
    return it_request_ex(&(it_req_t) { .path = path, .token = token, .no_retry = true });
}

/* The value of series LINE_PREFIX (e.g. `cache_hits_total ` or
 * `http_requests_total{method="GET",...} `) in a /metrics scrape; 0 when absent. */
static double
s_metric(const char *line_prefix)
{
    it_response_t *r = s_get("/metrics", NULL);
    ck_assert_int_eq(r->status, 200);
    double v = 0;
    size_t n = strlen(line_prefix);
    for (const char *p = r->body; p && *p;) {
        if (strncmp(p, line_prefix, n) == 0) {
            v = strtod(p + n, NULL);
            break;
        }
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    it_response_destroy(&r);
    return v;
}

static it_response_t *
s_login_wrong(const char *email)
{
    char body[256];
    snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"wrong-pass-1\"}", email);
    return it_request_ex(&(it_req_t) { .method = "POST", .path = "/api/auth/login",
                                       .content_type = "application/json", .body = body,
                                       .no_retry = true });
}

/* --- tests ----------------------------------------------------------------------- */

START_TEST(test_sanitized_name_round_trip)
{
    it_user_t u;
    IT_USER_REGISTER(&u, "sanit");
    char path[64];
    it_user_path(u.id, path, sizeof path);
    json_object *body = json_object_new_object();
    json_object_object_add(body, "name",
                           json_object_new_string("<script>alert('xss')</script>Hello"));
    it_response_t *r = it_request_json("PATCH", path, u.access, body);
    json_object *data = IT_ASSERT_SUCCESS(r, 200);
    ck_assert_str_eq(it_json_str(data, "name"), "alert('xss')Hello");
    it_response_destroy(&r);
    r = s_get(path, u.access);
    data = IT_ASSERT_SUCCESS(r, 200);
    ck_assert_str_eq(it_json_str(data, "name"), "alert('xss')Hello");
    it_response_destroy(&r);

    /* other dangerous forms: escaped, never stored raw */
    body = json_object_new_object();
    json_object_object_add(body, "name", json_object_new_string("<img src=x onerror=alert(1)>"));
    r = it_request_json("PATCH", path, u.access, body);
    data = IT_ASSERT_SUCCESS(r, 200);
    ck_assert_str_eq(it_json_str(data, "name"), "&lt;img src=x alert(1)&gt;");
    it_response_destroy(&r);

    /* invalid UTF-8 in a body string: 400 */
    r = it_request("PATCH", path, u.access, "application/json", "{\"name\":\"\xc3\x28\"}");
    IT_ASSERT_ERROR(r, 400, "BAD_REQUEST", NULL);
    it_response_destroy(&r);
    it_user_clear(&u);
}
END_TEST

START_TEST(test_rate_limit_shared_by_two_edges)
{
    const char *strict[] = { "RATE_LIMIT_WINDOWS=5/20s,100/60s",
                             "RATE_LIMIT_ROUTES=/api/auth/login=2/17s", NULL };
    pid_t a = s_edge_start(PORT_A, strict), b = s_edge_start(PORT_B, strict);
    it_user_t u;
    IT_USER_REGISTER(&u, "rlshared");
    char path[64];
    it_user_path(u.id, path, sizeof path);
    for (int i = 0; i < 5; i++) {
        s_use(i < 3 ? PORT_A : PORT_B);                /* 3 on A, 2 on B */
        it_response_t *r = s_get(path, u.access);
        IT_ASSERT_SUCCESS(r, 200);
        ck_assert_str_eq(it_header(r, "X-RateLimit-Limit"), "5");
        char want[8];
        snprintf(want, sizeof want, "%d", 4 - i);
        ck_assert_str_eq(it_header(r, "X-RateLimit-Remaining"), want);
        ck_assert_ptr_nonnull(it_header(r, "X-RateLimit-Reset"));
        it_response_destroy(&r);
    }
    s_use(PORT_A);
    double before = s_metric("rate_limit_rejections_total ");
    it_response_t *r = s_get(path, u.access);
    IT_ASSERT_ERROR(r, 429, "RATE_LIMIT_EXCEEDED", NULL);
    IT_ASSERT_SECURITY_HEADERS(r);
    ck_assert_str_eq(it_header(r, "X-RateLimit-Remaining"), "0");
    ck_assert_str_eq(it_header(r, "X-RateLimit-Limit"), "5");
    const char *retry = it_header(r, "Retry-After");
    ck_assert_ptr_nonnull(retry);
    long seconds = atol(retry);
    ck_assert_int_ge(seconds, 1);
    ck_assert_int_le(seconds, 20);
    ck_assert_int_eq(it_json_int(r->json, "retryAfter"), seconds);
    int64_t reset = atoll(it_header(r, "X-RateLimit-Reset"));
    int64_t now = (int64_t) time(NULL);
    ck_assert_int_ge(reset, now);
    ck_assert_int_le(reset, now + 21);
    it_response_destroy(&r);
    ck_assert_double_eq(s_metric("rate_limit_rejections_total "), before + 1);
    /* health and metrics are never limited */
    for (int i = 0; i < 10; i++) {
        r = s_get("/health", NULL);
        ck_assert_int_eq(r->status, 200);
        ck_assert_ptr_null(it_header(r, "X-RateLimit-Limit"));
        it_response_destroy(&r);
    }
    /* the login route has its own, stricter window (anonymous key) */
    s_use(PORT_B);
    int limited = 0;
    for (int i = 0; i < 3; i++) {
        r = s_login_wrong(u.email);
        if (r->status == 429)
            limited++;
        else
            IT_ASSERT_ERROR(r, 401, "UNAUTHORIZED", NULL);
        it_response_destroy(&r);
    }
    ck_assert_int_ge(limited, 1);
    it_user_clear(&u);
    s_edge_stop(&a);
    s_edge_stop(&b);
}
END_TEST

START_TEST(test_redis_outage_and_recovery)
{
    const char *strict[] = { "RATE_LIMIT_WINDOWS=50/60s", "RATE_LIMIT_ROUTES=/api/auth/login=3/60s",
                             "RATE_LIMIT_FALLBACK=memory", "REDIS_TIMEOUT_MS=200", NULL };
    pid_t a = s_edge_start(PORT_A, strict);
    it_user_t u;
    IT_USER_REGISTER(&u, "rlredis");
    char path[64];
    it_user_path(u.id, path, sizeof path);
    s_use(PORT_A);
    it_response_t *r = s_get(path, u.access);
    IT_ASSERT_SUCCESS(r, 200);
    it_response_destroy(&r);

    ck_assert_int_eq(it_stack_stop("redis"), 0);
    /* revocation fails closed (503), the limiter falls back to memory, never a 500 and
     * never a stall */
    for (int i = 0; i < 3; i++) {
        r = s_get(path, u.access);
        ck_assert_msg(r->status == 503, "%s", it_describe(r));
        ck_assert_double_lt(r->elapsed_ms, 2000);
        IT_ASSERT_SECURITY_HEADERS(r);
        it_response_destroy(&r);
    }
    /* 10 tries at 3 per window: even if a window boundary falls among them, one window
     * holds at least 5 tries, so at least 2 are refused. */
    int limited = 0;
    for (int i = 0; i < 10; i++) {
        r = s_login_wrong(u.email);
        ck_assert_msg(r->status == 401 || r->status == 429 || r->status == 503, "%s",
                      it_describe(r));
        ck_assert_double_lt(r->elapsed_ms, 3000);
        if (r->status == 429) {
            limited++;
            ck_assert_ptr_nonnull(it_header(r, "Retry-After"));
        }
        it_response_destroy(&r);
    }
    ck_assert_int_ge(limited, 2);                      /* 3 per 60 s, in memory */
    s_use(0);
    r = s_get(path, u.access);                         /* the stack's own edge */
    ck_assert_msg(r->status == 503, "%s", it_describe(r));
    it_response_destroy(&r);

    ck_assert_int_eq(it_stack_start("redis"), 0);
    s_use(PORT_A);
    long status = 0;
    for (int i = 0; i < 50 && status != 200; i++) {
        r = s_get(path, u.access);
        status = r->status;
        ck_assert_msg(status != 500, "%s", it_describe(r));
        if (status == 200)
            ck_assert_ptr_nonnull(it_header(r, "X-RateLimit-Limit"));
        it_response_destroy(&r);
        if (status != 200)
            it_sleep_ms(100);
    }
    ck_assert_int_eq(status, 200);
    s_edge_stop(&a);
    /* The users service's threads still hold Redis connections from before the restart:
     * a write (which deletes the cached profile first) must not fail on them. */
    s_use(0);
    r = it_request("PATCH", path, u.access, "application/json", "{\"name\":\"After Redis\"}");
    IT_ASSERT_SUCCESS(r, 200);
    it_response_destroy(&r);
    it_user_clear(&u);
}
END_TEST

START_TEST(test_profile_cache_invalidation)
{
    it_user_t u, admin;
    IT_USER_REGISTER(&u, "cache");
    IT_ADMIN_LOGIN(&admin);
    char path[64];
    it_user_path(u.id, path, sizeof path);
    double hits0 = s_metric("cache_hits_total "), misses0 = s_metric("cache_misses_total ");

    it_response_t *r = s_get(path, u.access);            /* miss, fills :public */
    json_object *data = IT_ASSERT_SUCCESS(r, 200);
    ck_assert(!it_json_has(data, "email"));
    it_response_destroy(&r);
    r = s_get(path, u.access);                           /* hit */
    IT_ASSERT_SUCCESS(r, 200);
    ck_assert_str_eq(it_header(r, "Cache-Control"), "no-store");
    it_response_destroy(&r);
    ck_assert_double_ge(s_metric("cache_hits_total "), hits0 + 1);
    ck_assert_double_ge(s_metric("cache_misses_total "), misses0 + 1);

    /* the admin view is its own entry: never the public one, and the reverse */
    r = s_get(path, admin.access);
    data = IT_ASSERT_SUCCESS(r, 200);
    ck_assert_str_eq(it_json_str(data, "email"), u.email);
    it_response_destroy(&r);
    r = s_get(path, admin.access);
    data = IT_ASSERT_SUCCESS(r, 200);
    ck_assert_str_eq(it_json_str(data, "email"), u.email);
    it_response_destroy(&r);
    r = s_get(path, u.access);
    data = IT_ASSERT_SUCCESS(r, 200);
    ck_assert(!it_json_has(data, "email"));
    it_response_destroy(&r);

    /* PATCH invalidates both views before it is acknowledged */
    json_object *body = json_object_new_object();
    json_object_object_add(body, "name", json_object_new_string("Renamed Cache"));
    r = it_request_json("PATCH", path, u.access, body);
    IT_ASSERT_SUCCESS(r, 200);
    it_response_destroy(&r);
    r = s_get(path, u.access);
    data = IT_ASSERT_SUCCESS(r, 200);
    ck_assert_str_eq(it_json_str(data, "name"), "Renamed Cache");
    it_response_destroy(&r);
    r = s_get(path, admin.access);
    data = IT_ASSERT_SUCCESS(r, 200);
    ck_assert_str_eq(it_json_str(data, "name"), "Renamed Cache");
    it_response_destroy(&r);

    /* DELETE too: the cached profile is gone with the user */
    r = it_request("DELETE", path, admin.access, NULL, NULL);
    IT_ASSERT_SUCCESS(r, 200);
    it_response_destroy(&r);
    r = s_get(path, admin.access);
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", NULL);
    it_response_destroy(&r);
    it_user_clear(&u);
    it_user_clear(&admin);
}
END_TEST

START_TEST(test_cors)
{
    const char *cors[] = { "CORS_ORIGINS=https://app.test, https://admin.test",
                           "CORS_MAX_AGE=321", NULL };
    pid_t a = s_edge_start(PORT_A, cors);
    s_use(PORT_A);
    const char *allowed[] = { "Origin: https://app.test", "Access-Control-Request-Method: PATCH",
                              "Access-Control-Request-Headers: Authorization", NULL };
    it_response_t *r = it_request_ex(&(it_req_t) { .method = "OPTIONS", .path = "/api/users/1",
                                                   .headers = allowed, .no_retry = true });
    ck_assert_msg(r->status == 204, "%s", it_describe(r));
    ck_assert_str_eq(it_header(r, "Access-Control-Allow-Origin"), "https://app.test");
    ck_assert_str_eq(it_header(r, "Vary"), "Origin");
    ck_assert_ptr_nonnull(strstr(it_header(r, "Access-Control-Allow-Methods"), "PATCH"));
    ck_assert_ptr_nonnull(strstr(it_header(r, "Access-Control-Allow-Headers"), "Authorization"));
    ck_assert_str_eq(it_header(r, "Access-Control-Max-Age"), "321");
    IT_ASSERT_SECURITY_HEADERS(r);
    it_response_destroy(&r);

    const char *refused[] = { "Origin: https://evil.test", "Access-Control-Request-Method: PATCH",
                              NULL };
    r = it_request_ex(&(it_req_t) { .method = "OPTIONS", .path = "/api/users/1",
                                    .headers = refused, .no_retry = true });
    ck_assert_int_eq(r->status, 204);
    ck_assert_ptr_null(it_header(r, "Access-Control-Allow-Origin"));
    ck_assert_ptr_null(it_header(r, "Access-Control-Allow-Methods"));
    it_response_destroy(&r);

    /* simple requests: the allowed origin is echoed, even on errors; the other gets none */
    const char *simple[] = { "Origin: https://admin.test", NULL };
    r = it_request_ex(&(it_req_t) { .path = "/api/users/1", .headers = simple, .no_retry = true });
    IT_ASSERT_ERROR(r, 401, "UNAUTHORIZED", "Missing token");
    ck_assert_str_eq(it_header(r, "Access-Control-Allow-Origin"), "https://admin.test");
    it_response_destroy(&r);
    const char *evil[] = { "Origin: https://evil.test", NULL };
    r = it_request_ex(&(it_req_t) { .path = "/health", .headers = evil, .no_retry = true });
    ck_assert_int_eq(r->status, 200);
    ck_assert_ptr_null(it_header(r, "Access-Control-Allow-Origin"));
    it_response_destroy(&r);
    s_edge_stop(&a);
}
END_TEST

START_TEST(test_security_headers_on_errors)
{
    it_response_t *r = s_get("/api/users/1", NULL);
    IT_ASSERT_ERROR(r, 401, "UNAUTHORIZED", "Missing token");
    IT_ASSERT_SECURITY_HEADERS(r);
    it_response_destroy(&r);
    r = s_get("/api/nowhere", NULL);
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", NULL);
    IT_ASSERT_SECURITY_HEADERS(r);
    it_response_destroy(&r);

    /* a 429 and a 503 from an edge with one request per minute and no broker behind it */
    const char *dead[] = { "RATE_LIMIT_WINDOWS=1/60s", "BUS_CLIENT_ENDPOINT=tcp://127.0.0.1:9",
                           "RATE_LIMIT_ROUTES=/api/auth/login=1/19s", NULL };
    pid_t a = s_edge_start(PORT_A, dead);
    s_use(PORT_A);
    char email[128];
    it_unique("sechdr", email, sizeof email);
    strcat(email, "@x.test");
    r = s_login_wrong(email);
    ck_assert_msg(r->status == 503 || r->status == 429, "%s", it_describe(r));
    IT_ASSERT_SECURITY_HEADERS(r);
    if (r->status == 503)
        IT_ASSERT_ERROR(r, 503, "SERVICE_UNAVAILABLE", NULL);
    it_response_destroy(&r);
    r = s_login_wrong(email);
    IT_ASSERT_ERROR(r, 429, "RATE_LIMIT_EXCEEDED", NULL);
    IT_ASSERT_SECURITY_HEADERS(r);
    it_response_destroy(&r);
    s_edge_stop(&a);
}
END_TEST

START_TEST(test_metrics_promtool)
{
    it_user_t u;
    IT_USER_REGISTER(&u, "metrics");
    char path[64];
    it_user_path(u.id, path, sizeof path);
    const char *ok = "http_requests_total{method=\"GET\",route=\"/api/users/:id\",status=\"200\"} ";
    const char *nf = "http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} ";
    double ok0 = s_metric(ok), nf0 = s_metric(nf);
    for (int i = 0; i < 3; i++) {
        it_response_t *r = s_get(path, u.access);
        IT_ASSERT_SUCCESS(r, 200);
        it_response_destroy(&r);
    }
    it_response_t *r = s_get("/api/no/such/route/42", NULL);
    ck_assert_int_eq(r->status, 404);
    it_response_destroy(&r);
    ck_assert_double_eq(s_metric(ok), ok0 + 3);
    ck_assert_double_eq(s_metric(nf), nf0 + 1);

    r = s_get("/metrics", NULL);
    ck_assert_int_eq(r->status, 200);
    ck_assert_ptr_nonnull(strstr(it_header(r, "Content-Type"), "text/plain"));
    const char *must[] = { "# TYPE http_requests_total counter",
                           "# TYPE http_request_duration_seconds histogram",
                           "http_request_duration_seconds_bucket{route=\"/api/users/:id\",le=\"+Inf\"}",
                           "http_requests_in_flight", "# TYPE bus_roundtrip_seconds histogram",
                           "bus_roundtrip_seconds_count{service=\"users\"}",
                           "rate_limit_rejections_total", "cache_hits_total", "cache_misses_total",
                           NULL };
    for (int i = 0; must[i]; i++)
        ck_assert_msg(strstr(r->body, must[i]), "missing %s", must[i]);
    /* route labels are templates: the raw id never shows */
    char raw[96];
    snprintf(raw, sizeof raw, "route=\"/api/users/%" PRId64 "\"", u.id);
    ck_assert_ptr_null(strstr(r->body, raw));

    /* promtool (Debian's prometheus package) parses the exposition */
    char file[] = "/tmp/it_metrics_XXXXXX";
    int fd = mkstemp(file);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, r->body, r->body_len), (ssize_t) r->body_len);
    close(fd);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "promtool check metrics < %s >&2", file);
    int rc = system(cmd);
    unlink(file);
    ck_assert_msg(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "promtool check metrics failed (%d)", rc);
    it_response_destroy(&r);
    it_user_clear(&u);
}
END_TEST

int
main(void)
{
    const char *url = getenv("TEST_EDGE_URL");
    snprintf(s_main_url, sizeof s_main_url, "%s", url ? url : "");
    Suite *s = suite_create("edge_pipeline");
    TCase *tc = tcase_create("pipeline");
    tcase_set_timeout(tc, 120);
    tcase_add_unchecked_fixture(tc, NULL, it_stack_restore);
    tcase_add_test(tc, test_sanitized_name_round_trip);
    tcase_add_test(tc, test_rate_limit_shared_by_two_edges);
    tcase_add_test(tc, test_profile_cache_invalidation);
    tcase_add_test(tc, test_cors);
    tcase_add_test(tc, test_security_headers_on_errors);
    tcase_add_test(tc, test_metrics_promtool);
    tcase_add_test(tc, test_redis_outage_and_recovery);
    suite_add_tcase(s, tc);
    return it_suite_run(s);
}
