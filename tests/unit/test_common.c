/* test_common.c -- the small shared modules: config, clock, errors, log escaping, metrics. */
#include "clock.h"
#include "config.h"
#include "errors.h"
#include "log.h"
#include "metrics.h"
#include <check.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_config_bounds)
{
    setenv("T_INT", "42", 1);
    ck_assert_int_eq(config_int("T_INT", 7, 0, 100), 42);
    setenv("T_INT", "420", 1);
    ck_assert_int_eq(config_int("T_INT", 7, 0, 100), 7);     /* out of bounds: default */
    setenv("T_INT", "12abc", 1);
    ck_assert_int_eq(config_int("T_INT", 7, 0, 100), 7);     /* not a number: default */
    unsetenv("T_INT");
    ck_assert_int_eq(config_int("T_INT", 7, 0, 100), 7);
    setenv("T_STR", "", 1);
    ck_assert_str_eq(config_str("T_STR", "def"), "def");
    setenv("T_BOOL", "Yes", 1);
    ck_assert(config_bool("T_BOOL", false));
    setenv("T_BOOL", "off", 1);
    ck_assert(!config_bool("T_BOOL", true));
    setenv("T_BOOL", "maybe", 1);
    ck_assert(config_bool("T_BOOL", true));
}
END_TEST

START_TEST(test_clock_iso8601)
{
    char ts[32];
    clock_iso8601(1732270245123LL, ts, sizeof ts);
    ck_assert_str_eq(ts, "2024-11-22T10:10:45.123Z");
    clock_iso8601(0, ts, sizeof ts);
    ck_assert_str_eq(ts, "1970-01-01T00:00:00.000Z");
    ck_assert(clock_mono_us() > 0);
}
END_TEST

START_TEST(test_errors_table)
{
    ck_assert_int_eq(err_status(ERR_VALIDATION), 400);
    ck_assert_str_eq(err_name(ERR_VALIDATION), "VALIDATION_ERROR");
    ck_assert_str_eq(err_default_message(ERR_FORBIDDEN), "Insufficient permissions");
    ck_assert_str_eq(err_default_message(ERR_DUPLICATE_ENTRY), "Duplicate entry found");
    ck_assert_int_eq(err_status(ERR_GATEWAY_TIMEOUT), 504);
    ck_assert_int_eq(err_from_name("RATE_LIMIT_EXCEEDED"), ERR_RATE_LIMIT_EXCEEDED);
    ck_assert_int_eq(err_from_name("nonsense"), ERR_INTERNAL);
    ck_assert_int_eq(err_status((err_code_t) 999), 500);
}
END_TEST

START_TEST(test_log_escape)
{
    char out[64];
    log_escape("a\"b\\c\nd", out, sizeof out);
    ck_assert_str_eq(out, "a\\\"b\\\\c\\u000ad");
    char small[8];
    log_escape("0123456789", small, sizeof small);
    ck_assert_uint_lt(strlen(small), sizeof small);
}
END_TEST

START_TEST(test_metrics_render)
{
    metrics_t *m = metrics_new();
    metric_t *c = metrics_get(m, METRIC_COUNTER, "http_requests_total", "Requests",
                              "method=\"GET\",route=\"/api/users/:id\",status=\"200\"");
    metric_add(c, 2);
    ck_assert_ptr_eq(c, metrics_get(m, METRIC_COUNTER, "http_requests_total", "Requests",
                                    "method=\"GET\",route=\"/api/users/:id\",status=\"200\""));
    metric_add(metrics_get(m, METRIC_COUNTER, "http_requests_total", "Requests",
                           "method=\"GET\",route=\"/health\",status=\"200\""), 1);
    metric_t *h = metrics_get(m, METRIC_HISTOGRAM, "lat_seconds", "Latency", "");
    metric_observe(h, 0.003);
    metric_observe(h, 20);
    metric_set(metrics_get(m, METRIC_GAUGE, "in_flight", "In flight", NULL), 5);
    char *text = metrics_render(m);
    ck_assert_ptr_nonnull(strstr(text, "# TYPE http_requests_total counter\n"));
    ck_assert_ptr_nonnull(strstr(text,
        "http_requests_total{method=\"GET\",route=\"/api/users/:id\",status=\"200\"} 2\n"));
    ck_assert_ptr_nonnull(strstr(text, "lat_seconds_bucket{le=\"0.001\"} 0\n"));
    ck_assert_ptr_nonnull(strstr(text, "lat_seconds_bucket{le=\"0.005\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(text, "lat_seconds_bucket{le=\"+Inf\"} 2\n"));
    ck_assert_ptr_nonnull(strstr(text, "lat_seconds_count 2\n"));
    ck_assert_ptr_nonnull(strstr(text, "in_flight 5\n"));
    /* One HELP line per name, however many series. */
    const char *first = strstr(text, "# HELP http_requests_total");
    ck_assert_ptr_null(strstr(first + 1, "# HELP http_requests_total"));
    free(text);
    metrics_destroy(&m);
    ck_assert_ptr_null(m);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("common");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_config_bounds);
    tcase_add_test(tc, test_clock_iso8601);
    tcase_add_test(tc, test_errors_table);
    tcase_add_test(tc, test_log_escape);
    tcase_add_test(tc, test_metrics_render);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
