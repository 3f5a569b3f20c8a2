/* test_service_config.c -- the environment tables of users, orders and messages: the
 * defaults when nothing is set (the names and values the deploy manifests and READMEs
 * promise), values read when set, and a bad or out-of-bounds value falling back to the
 * default instead of a wild one. */
#include "messages_config.h"
#include "orders_config.h"
#include "users_config.h"
#include "admin.h"
#include "db.h"
#include <check.h>
#include <stdlib.h>
#include <string.h>

static const char *const s_names[] = {
    "ADMIN_PORT", "BUS_WORKER_ENDPOINT", "DATABASE_URL", "BUS_PUB_ENDPOINT",
    "BUS_CLIENT_ENDPOINT", "BCRYPT_COST", "JWT_ACCESS_TTL_S", "JWT_REFRESH_TTL_S",
    "USERS_AUTH_THREADS", "USERS_THREADS", "LOGIN_MAX_FAILURES", "LOGIN_FAILURE_WINDOW_S",
    "ADMIN_NAME", "ADMIN_EMAIL", "ADMIN_PASSWORD",
    "ORDERS_THREADS", "ORDERS_CREATE_BATCH", "MESSAGES_THREADS", "MESSAGES_SEND_BATCH", NULL
};

static void
s_clear(void)
{
    for (const char *const *n = s_names; *n; n++)
        unsetenv(*n);
}

START_TEST(test_defaults)
{
    s_clear();
    users_config_t u;
    users_config_load(&u);
    ck_assert_int_eq(u.service.admin_port, 9101);
    ck_assert_str_eq(u.service.worker_endpoint, "tcp://127.0.0.1:5556");
    ck_assert_str_eq(u.service.database_url, DB_CONNINFO_DEFAULT);
    ck_assert_str_eq(u.pub_endpoint, "tcp://127.0.0.1:5557");
    ck_assert_int_eq(u.bcrypt_cost, 12);
    ck_assert_int_eq(u.access_ttl_s, 86400);
    ck_assert_int_eq(u.refresh_ttl_s, 2592000);
    ck_assert_int_eq(u.auth_threads, 2);
    ck_assert_int_eq(u.users_threads, 4);
    ck_assert_int_eq(u.login_max_failures, 10);
    ck_assert_int_eq(u.login_failure_window_s, 900);
    ck_assert_str_eq(u.admin_name, "Admin");
    ck_assert_ptr_null(u.admin_email);
    ck_assert_ptr_null(u.admin_password);

    orders_config_t o;
    orders_config_load(&o);
    ck_assert_int_eq(o.service.admin_port, 9102);
    ck_assert_int_eq(o.threads, 32);
    ck_assert_int_eq(o.create_batch, 64);

    messages_config_t m;
    messages_config_load(&m);
    ck_assert_int_eq(m.service.admin_port, 9103);
    ck_assert_str_eq(m.pub_endpoint, "tcp://127.0.0.1:5557");
    ck_assert_int_eq(m.threads, 32);
    ck_assert_int_eq(m.send_batch, 64);
}
END_TEST

START_TEST(test_values_and_bounds)
{
    s_clear();
    setenv("ADMIN_PORT", "0", 1);                       /* 0: no admin port */
    setenv("DATABASE_URL", "host=db", 1);
    setenv("BCRYPT_COST", "4", 1);                      /* below the floor: default */
    setenv("USERS_THREADS", "12", 1);
    setenv("LOGIN_MAX_FAILURES", "ten", 1);             /* not a number: default */
    setenv("ADMIN_EMAIL", "root@example.com", 1);
    users_config_t u;
    users_config_load(&u);
    ck_assert_int_eq(u.service.admin_port, 0);
    ck_assert_str_eq(u.service.database_url, "host=db");
    ck_assert_int_eq(u.bcrypt_cost, 12);
    ck_assert_int_eq(u.users_threads, 12);
    ck_assert_int_eq(u.login_max_failures, 10);
    ck_assert_str_eq(u.admin_email, "root@example.com");

    setenv("ADMIN_PORT", "70000", 1);                   /* out of bounds: the default */
    setenv("ORDERS_THREADS", "65", 1);
    setenv("ORDERS_CREATE_BATCH", "0", 1);              /* 0: the group commit off */
    orders_config_t o;
    orders_config_load(&o);
    ck_assert_int_eq(o.service.admin_port, ADMIN_DEFAULT_PORT_ORDERS);
    ck_assert_int_eq(o.threads, 32);
    ck_assert_int_eq(o.create_batch, 0);
    setenv("ORDERS_CREATE_BATCH", "257", 1);            /* above the bound: the default */
    orders_config_load(&o);
    ck_assert_int_eq(o.create_batch, 64);

    setenv("ADMIN_PORT", "19103", 1);
    setenv("MESSAGES_THREADS", "1", 1);
    setenv("MESSAGES_SEND_BATCH", "1", 1);              /* 1: the hot inbox off */
    setenv("BUS_PUB_ENDPOINT", "tcp://broker-0:5557,tcp://broker-1:5557", 1);
    messages_config_t m;
    messages_config_load(&m);
    ck_assert_int_eq(m.service.admin_port, 19103);
    ck_assert_int_eq(m.threads, 1);
    ck_assert_int_eq(m.send_batch, 1);
    ck_assert_str_eq(m.pub_endpoint, "tcp://broker-0:5557,tcp://broker-1:5557");
    s_clear();
}
END_TEST

START_TEST(test_admin_ports_distinct)
{
    const int ports[] = { ADMIN_DEFAULT_PORT_EDGE, ADMIN_DEFAULT_PORT_BROKER,
                          ADMIN_DEFAULT_PORT_USERS, ADMIN_DEFAULT_PORT_ORDERS,
                          ADMIN_DEFAULT_PORT_MESSAGES, ADMIN_DEFAULT_PORT_NOTIFY };
    size_t n = sizeof ports / sizeof ports[0];
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            ck_assert_int_ne(ports[i], ports[j]);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("service_config");
    TCase *tc = tcase_create("tables");
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_values_and_bounds);
    tcase_add_test(tc, test_admin_ports_distinct);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
