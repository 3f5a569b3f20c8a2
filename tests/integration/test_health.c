/* test_health.c -- health and probe routes, the edge's own 404 and 405 envelopes, and
 * what a client sees while the users service is down and after it comes back. */
#include "it_assert.h"
#include "it_env.h"
#include "it_http.h"
#include "it_metrics.h"
#include "it_users.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The health document, whether it comes bare ({"status": ...}) or inside the success
 * envelope: API.md shows it bare, and probes only need the status code. Borrowed. */
static json_object *
s_health_doc(const it_response_t *r)
{
    if (r->json && it_json_has(r->json, "success") && it_json_has(r->json, "data"))
        return json_object_object_get(r->json, "data");
    return r->json;
}

/* SERVICE's state in /health ("up", "down") into OUT; also checks the document. */
static void
s_health_state(const char *service, char *out, size_t size, char *status, size_t status_size)
{
    it_response_t *r = it_request("GET", "/health", NULL, NULL, NULL);
    json_object *doc = s_health_doc(r);
    ck_assert_msg(doc && json_object_is_type(doc, json_type_object), "health is not JSON: %s",
                  it_describe(r));
    json_object *services;
    ck_assert_msg(json_object_object_get_ex(doc, "services", &services) &&
                  json_object_is_type(services, json_type_object), "no services map: %s",
                  it_describe(r));
    const char *state = it_json_str(services, service);
    snprintf(out, size, "%s", state ? state : "");
    const char *st = it_json_str(doc, "status");
    snprintf(status, status_size, "%s", st ? st : "");
    it_response_destroy(&r);
}

START_TEST(test_health)
{
    static const char *const paths[] = { "/health", "/api/health", NULL };
    for (int i = 0; paths[i]; i++) {
        it_response_t *r = it_request("GET", paths[i], NULL, NULL, NULL);
        IT_ASSERT_STATUS(r, 200);
        json_object *doc = s_health_doc(r);
        ck_assert_msg(doc != NULL, "health is not JSON: %s", it_describe(r));
        const char *status = it_json_str(doc, "status");
        json_object *services, *uptime;
        ck_assert_msg(json_object_object_get_ex(doc, "services", &services) &&
                      json_object_is_type(services, json_type_object), "no services map: %s",
                      it_describe(r));
        ck_assert_pstr_eq(it_json_str(services, "users"), "up");
        /* "ok" exactly when every listed service is up. */
        bool all_up = true;
        json_object_object_foreach(services, name, state) {
            const char *s = json_object_get_string(state);
            ck_assert_msg(s && (strcmp(s, "up") == 0 || strcmp(s, "down") == 0),
                          "service %s is neither up nor down: %s", name, it_describe(r));
            all_up = all_up && strcmp(s, "up") == 0;
        }
        ck_assert_pstr_eq(status, all_up ? "ok" : "degraded");
        ck_assert_msg(json_object_object_get_ex(doc, "uptime_s", &uptime) &&
                      (json_object_is_type(uptime, json_type_int) ||
                       json_object_is_type(uptime, json_type_double)) &&
                      json_object_get_double(uptime) >= 0, "no uptime_s: %s", it_describe(r));
        ck_assert_ptr_nonnull(it_header(r, "X-Request-ID"));
        it_response_destroy(&r);
    }
}
END_TEST

START_TEST(test_probes)
{
    static const char *const paths[] = { "/health/live", "/health/ready", NULL };
    for (int i = 0; paths[i]; i++) {
        it_response_t *r = it_request("GET", paths[i], NULL, NULL, NULL);
        IT_ASSERT_STATUS(r, 200);
        it_response_destroy(&r);
    }
}
END_TEST

START_TEST(test_unknown_route)
{
    it_response_t *r = it_request("GET", "/api/no-such-thing", NULL, NULL, NULL);
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", NULL);
    IT_ASSERT_SECURITY_HEADERS(r);
    it_response_destroy(&r);
    r = it_request("POST", "/api/no/such/thing?x=1", NULL, "application/json", "{}");
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", NULL);
    it_response_destroy(&r);
}
END_TEST

START_TEST(test_wrong_method)
{
    it_response_t *r = it_request("DELETE", "/api/auth/login", NULL, NULL, NULL);
    IT_ASSERT_ERROR(r, 405, "METHOD_NOT_ALLOWED", NULL);
    it_response_destroy(&r);
    r = it_request("PUT", "/api/users", NULL, "application/json", "{}");
    IT_ASSERT_ERROR(r, 405, "METHOD_NOT_ALLOWED", NULL);
    it_response_destroy(&r);
}
END_TEST

/* Headers past the edge's request size are refused by CivetWeb itself, before any handler:
 * the answer is still the contract's envelope with the security headers. */
START_TEST(test_oversized_headers)
{
    static char big[40000];
    memset(big, 'a', sizeof big - 1);
    memcpy(big, "X-Big: ", 7);
    const char *headers[] = { big, NULL };
    it_response_t *r = it_request_ex(&(it_req_t) { .path = "/health", .headers = headers });
    ck_assert_int_eq(r->status, 400);
    ck_assert_ptr_nonnull(r->json);
    ck_assert_str_eq(it_json_str(r->json, "error"), "BAD_REQUEST");
    ck_assert_int_eq(it_json_int(r->json, "statusCode"), 400);
    ck_assert(it_is_generated_request_id(it_header(r, "X-Request-ID")));
    IT_ASSERT_SECURITY_HEADERS(r);
    it_response_destroy(&r);
}
END_TEST

/* How long a 503 may take: well under the bus timeout, which is what a client would wait
 * if the edge sent the request into the void instead of knowing nobody serves it. */
static int64_t
s_quick_bound_ms(void)
{
    const char *t = getenv("BUS_TIMEOUT_MS");
    int64_t timeout = t && *t ? strtoll(t, NULL, 10) : 30000;
    int64_t bound = timeout / 2;
    return bound < 5000 ? bound : 5000;
}

START_TEST(test_users_down_then_up)
{
    it_user_t a;
    IT_USER_REGISTER(&a, "outage");
    char path[64];
    it_user_path(a.id, path, sizeof path);

    ck_assert_int_eq(it_stack_stop("users"), 0);
    it_response_t *r = it_request("GET", path, a.access, NULL, NULL);
    IT_ASSERT_ERROR(r, 503, "SERVICE_UNAVAILABLE", NULL);
    ck_assert_msg(r->elapsed_ms < (double) s_quick_bound_ms(),
                  "503 took %.0f ms (bound %lld ms)", r->elapsed_ms, (long long) s_quick_bound_ms());
    it_response_destroy(&r);
    /* still refused, still quickly, on a second try */
    r = it_request("GET", path, a.access, NULL, NULL);
    IT_ASSERT_ERROR(r, 503, "SERVICE_UNAVAILABLE", NULL);
    ck_assert(r->elapsed_ms < (double) s_quick_bound_ms());
    it_response_destroy(&r);

    /* Health notices within a few probe intervals. */
    char state[16] = "", status[16] = "";
    int64_t until = it_now_ms() + 10000;
    do {
        s_health_state("users", state, sizeof state, status, sizeof status);
        if (strcmp(state, "down") == 0)
            break;
        it_sleep_ms(250);
    } while (it_now_ms() < until);
    ck_assert_str_eq(state, "down");
    ck_assert_str_eq(status, "degraded");

    ck_assert_int_eq(it_stack_start("users"), 0);
    long last = 0;
    int64_t t0 = it_now_ms();
    until = t0 + 15000;
    do {
        r = it_request("GET", path, a.access, NULL, NULL);
        last = r->status;
        it_response_destroy(&r);
        if (last == 200)
            break;
        it_sleep_ms(250);
    } while (it_now_ms() < until);
    ck_assert_msg(last == 200, "still %ld %.1f s after the users service came back", last,
                  (double) (it_now_ms() - t0) / 1000.0);
    r = it_request("GET", path, a.access, NULL, NULL);
    ck_assert_int_eq(it_json_int(IT_ASSERT_SUCCESS(r, 200), "id"), a.id);
    it_response_destroy(&r);
    it_user_clear(&a);
}
END_TEST

/* The broker restarted: while it is gone the edge refuses at once (its bus sockets only
 * queue to a live connection), and when it is back the services and the edge join it again
 * on their own, with nobody restarting them. */
START_TEST(test_broker_down_then_up)
{
    it_user_t a;
    IT_USER_REGISTER(&a, "brokerout");
    ck_assert_int_eq(it_stack_stop("broker"), 0);
    it_response_t *r = it_request("GET", "/api/auth/me", a.access, NULL, NULL);
    IT_ASSERT_ERROR(r, 503, "SERVICE_UNAVAILABLE", NULL);
    ck_assert_msg(r->elapsed_ms < (double) s_quick_bound_ms(),
                  "503 took %.0f ms (bound %lld ms)", r->elapsed_ms, (long long) s_quick_bound_ms());
    it_response_destroy(&r);
    /* Not a race with the probe interval: the refusal above marked the edge not ready
     * before it was sent, and the admin port agrees with the public one. */
    r = it_request("GET", "/health/ready", NULL, NULL, NULL);
    ck_assert_int_eq(r->status, 503);
    it_response_destroy(&r);
    char admin[64];
    snprintf(admin, sizeof admin, "http://127.0.0.1:%s", it_env_require("TEST_EDGE_ADMIN_PORT"));
    ck_assert_int_eq(it_admin_status(admin, "/health/ready"), 503);

    ck_assert_int_eq(it_stack_start("broker"), 0);
    long last = 0;
    int64_t t0 = it_now_ms(), until = t0 + 15000;
    do {
        r = it_request("GET", "/api/auth/me", a.access, NULL, NULL);
        last = r->status;
        it_response_destroy(&r);
        if (last == 200)
            break;
        it_sleep_ms(200);
    } while (it_now_ms() < until);
    ck_assert_msg(last == 200, "still %ld %.1f s after the broker came back", last,
                  (double) (it_now_ms() - t0) / 1000.0);
    /* Writes go through too, once orders has re-registered as well (each worker notices
     * the new broker on its own heartbeat, so the services come back one by one). */
    until = it_now_ms() + 15000;
    do {
        r = it_request("POST", "/api/orders", a.access, "application/json",
                       "{\"product\":\"After restart\",\"amount\":1}");
        last = r->status;
        if (last != 201) {
            IT_ASSERT_ERROR(r, 503, "SERVICE_UNAVAILABLE", NULL);   /* never a 500 */
            it_sleep_ms(200);
        }
        it_response_destroy(&r);
    } while (last != 201 && it_now_ms() < until);
    ck_assert_int_eq(last, 201);
    /* And every other service (auth, messages) is back before the next suite runs. */
    ck_assert_msg(it_wait_healthy(15000), "not every service re-joined the broker in 15 s");
    it_user_clear(&a);
}
END_TEST

static Suite *
s_suite(void)
{
    Suite *s = suite_create("health");
    TCase *tc = tcase_create("routes");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_health);
    tcase_add_test(tc, test_probes);
    tcase_add_test(tc, test_unknown_route);
    tcase_add_test(tc, test_wrong_method);
    tcase_add_test(tc, test_oversized_headers);
    suite_add_tcase(s, tc);

    tc = tcase_create("outage");
    tcase_set_timeout(tc, 120);
    /* Unchecked: runs in the runner process after the test case, even when the test's
     * child died on a failed assertion, so a stopped service never outlives its test. */
    tcase_add_unchecked_fixture(tc, NULL, it_stack_restore);
    tcase_add_test(tc, test_users_down_then_up);
    tcase_add_test(tc, test_broker_down_then_up);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return it_suite_run(s_suite());
}
