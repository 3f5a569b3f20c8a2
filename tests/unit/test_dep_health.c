/* test_dep_health.c -- dependency_up / dependency_errors_total: the collector, and what
 * common/db.c and common/redis_conn.c report when the server is not there. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "db.h"
#include "dep_health.h"
#include "metrics.h"
#include "redis_conn.h"

static char *
s_render(void)
{
    metrics_t *m = metrics_new();
    metrics_add_collector(m, dep_health_collect, NULL);
    char *text = metrics_render(m);
    metrics_destroy(&m);
    return text;
}

/* The state is process-wide: each test relies on Check running it in a process of its own
 * (the default fork mode), which starts with nothing reported. */
START_TEST(test_dep_health_reports)
{
    /* Unused dependencies are not shown (a broker has neither). */
    char *text = s_render();
    ck_assert_ptr_null(strstr(text, "dependency_"));
    free(text);

    dep_health_report(DEP_REDIS, false);
    dep_health_report(DEP_REDIS, false);
    text = s_render();
    ck_assert_ptr_nonnull(strstr(text, "# TYPE dependency_up gauge\n"));
    ck_assert_ptr_nonnull(strstr(text, "# TYPE dependency_errors_total counter\n"));
    ck_assert_ptr_nonnull(strstr(text, "dependency_up{dependency=\"redis\"} 0\n"));
    ck_assert_ptr_nonnull(strstr(text, "dependency_errors_total{dependency=\"redis\"} 2\n"));
    ck_assert_ptr_null(strstr(text, "postgresql"));
    free(text);

    dep_health_report(DEP_REDIS, true);
    dep_health_report(DEP_POSTGRESQL, true);
    text = s_render();
    ck_assert_ptr_nonnull(strstr(text, "dependency_up{dependency=\"redis\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(text, "dependency_errors_total{dependency=\"redis\"} 2\n"));
    ck_assert_ptr_nonnull(strstr(text, "dependency_up{dependency=\"postgresql\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(text, "dependency_errors_total{dependency=\"postgresql\"} 0\n"));
    /* One HELP per name, both dependencies' samples under it. */
    const char *help = strstr(text, "# HELP dependency_up ");
    ck_assert_ptr_null(strstr(help + 1, "# HELP dependency_up "));
    free(text);
}
END_TEST

/* Port 1 on the loopback: nothing listens there, the connection is refused at once. */
START_TEST(test_redis_refused_is_reported)
{
    setenv("REDIS_HOST", "127.0.0.1", 1);
    setenv("REDIS_PORT", "1", 1);
    redis_conn_t *r = redis_conn_new();
    const char *argv[] = { "PING" };
    size_t len[] = { 4 };
    ck_assert_ptr_null(redis_conn_command(r, 1, argv, len));
    redis_conn_destroy(&r);
    char *text = s_render();
    ck_assert_msg(strstr(text, "dependency_up{dependency=\"redis\"} 0\n") != NULL, "%s", text);
    ck_assert_ptr_nonnull(strstr(text, "dependency_errors_total{dependency=\"redis\"} 1\n"));
    ck_assert_ptr_null(strstr(text, "postgresql"));
    free(text);
}
END_TEST

START_TEST(test_postgresql_refused_is_reported)
{
    db_t *db = db_new("host=127.0.0.1 port=1 dbname=none user=none connect_timeout=2", NULL);
    char *text = s_render();
    ck_assert_msg(strstr(text, "dependency_up{dependency=\"postgresql\"} 0\n") != NULL, "%s",
                  text);
    ck_assert_ptr_nonnull(strstr(text, "dependency_errors_total{dependency=\"postgresql\"} 1\n"));
    free(text);
    /* A statement on the dead server counts again. */
    ck_assert_int_eq(db_command(db, "SELECT 1"), -1);
    ck_assert(db_lost(db));
    text = s_render();
    ck_assert_ptr_nonnull(strstr(text, "dependency_errors_total{dependency=\"postgresql\"} 2\n"));
    free(text);
    db_destroy(&db);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("dep_health");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_dep_health_reports);
    tcase_add_test(tc, test_redis_refused_is_reported);
    tcase_add_test(tc, test_postgresql_refused_is_reported);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
