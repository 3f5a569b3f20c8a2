/* test_edge_route.c -- the edge's route matching: templates, 404 against 405, ids. */
#include <check.h>
#include <stdint.h>
#include <string.h>
#include "edge_route.h"

static edge_match_t m;

static edge_match_status_t
s_match(const char *method, const char *path)
{
    return edge_route_match(edge_routes(), method, path, &m);
}

START_TEST(test_static_routes)
{
    ck_assert_int_eq(s_match("POST", "/api/auth/login"), EDGE_MATCH_OK);
    ck_assert_str_eq(m.route->service, "auth");
    ck_assert_str_eq(m.route->bus_method, "login");
    ck_assert(m.route->is_public);
    ck_assert_int_eq(m.param_count, 0);

    ck_assert_int_eq(s_match("GET", "/api/auth/me"), EDGE_MATCH_OK);
    ck_assert_str_eq(m.route->service, "users");
    ck_assert_str_eq(m.route->bus_method, "me");
    ck_assert(!m.route->is_public);

    ck_assert_int_eq(s_match("GET", "/api/users"), EDGE_MATCH_OK);
    ck_assert_str_eq(m.route->bus_method, "list");
    ck_assert_int_eq(s_match("GET", "/api/users/"), EDGE_MATCH_OK);   /* one trailing slash */
    ck_assert_int_eq(s_match("GET", "/health"), EDGE_MATCH_OK);
    ck_assert_int_eq(m.route->local, EDGE_LOCAL_HEALTH);
    ck_assert_int_eq(s_match("POST", "/api/notifications/read-all"), EDGE_MATCH_OK);
    ck_assert_str_eq(m.route->service, "messages");
    ck_assert_str_eq(m.route->bus_method, "notifications_read_all");
}
END_TEST

START_TEST(test_params)
{
    ck_assert_int_eq(s_match("PATCH", "/api/users/42"), EDGE_MATCH_OK);
    ck_assert_str_eq(m.route->bus_method, "update");
    ck_assert_int_eq(m.param_count, 1);
    ck_assert_str_eq(m.params[0].name, "id");
    ck_assert_int_eq(m.params[0].value, 42);

    ck_assert_int_eq(s_match("DELETE", "/api/groups/7/members/9"), EDGE_MATCH_OK);
    ck_assert_str_eq(m.route->bus_method, "member_remove");
    ck_assert_int_eq(m.param_count, 2);
    ck_assert_str_eq(m.params[1].name, "user_id");
    ck_assert_int_eq(m.params[1].value, 9);

    ck_assert_int_eq(s_match("GET", "/api/users/9223372036854775807"), EDGE_MATCH_OK);
    ck_assert_int_eq(m.params[0].value, INT64_MAX);
    ck_assert_int_eq(s_match("GET", "/api/users/007"), EDGE_MATCH_OK);
    ck_assert_int_eq(m.params[0].value, 7);
}
END_TEST

START_TEST(test_bad_ids)
{
    const char *bad[] = { "/api/users/abc", "/api/users/0", "/api/users/-1", "/api/users/1.5",
                          "/api/users/9223372036854775808", "/api/users/99999999999999999999",
                          "/api/users/1e3", "/api/users/12a", NULL };
    for (int i = 0; bad[i]; i++) {
        ck_assert_msg(s_match("GET", bad[i]) == EDGE_MATCH_BAD_PARAM, "%s", bad[i]);
        ck_assert_str_eq(m.bad_param, "id");
        ck_assert_int_eq(m.param_count, 0);
    }
    ck_assert_int_eq(s_match("PATCH", "/api/groups/1/members/x"), EDGE_MATCH_BAD_PARAM);
    ck_assert_str_eq(m.bad_param, "user_id");
}
END_TEST

START_TEST(test_not_found_and_method)
{
    ck_assert_int_eq(s_match("GET", "/api/nothing"), EDGE_MATCH_NOT_FOUND);
    ck_assert_int_eq(s_match("GET", "/api/users/1/extra"), EDGE_MATCH_NOT_FOUND);
    ck_assert_int_eq(s_match("GET", "/api//users"), EDGE_MATCH_NOT_FOUND);
    ck_assert_int_eq(s_match("GET", "/api/users//"), EDGE_MATCH_NOT_FOUND);
    ck_assert_int_eq(s_match("GET", "api/users"), EDGE_MATCH_NOT_FOUND);
    ck_assert_int_eq(s_match("GET", ""), EDGE_MATCH_NOT_FOUND);
    ck_assert_int_eq(s_match("GET", "/API/USERS"), EDGE_MATCH_NOT_FOUND);
    ck_assert_int_eq(s_match(NULL, "/api/users"), EDGE_MATCH_NOT_FOUND);

    ck_assert_int_eq(s_match("PUT", "/api/users/1"), EDGE_MATCH_METHOD);
    ck_assert_str_eq(m.allow, "GET, PATCH, DELETE");
    ck_assert_int_eq(s_match("POST", "/api/users/abc"), EDGE_MATCH_METHOD);   /* 405 first */
    ck_assert_int_eq(s_match("GET", "/api/auth/login"), EDGE_MATCH_METHOD);
    ck_assert_str_eq(m.allow, "POST");
    ck_assert_int_eq(s_match("DELETE", "/health"), EDGE_MATCH_METHOD);

    char longpath[EDGE_ROUTE_MAX_PATH + 10];
    memset(longpath, 'a', sizeof longpath - 1);
    longpath[0] = '/';
    longpath[sizeof longpath - 1] = '\0';
    ck_assert_int_eq(s_match("GET", longpath), EDGE_MATCH_NOT_FOUND);
}
END_TEST

START_TEST(test_roles)
{
    edge_route_t r = { "GET", "/x", "s", "m", false, "admin,moderator", EDGE_LOCAL_NONE, false };
    ck_assert(edge_route_role_ok(&r, "admin"));
    ck_assert(edge_route_role_ok(&r, "moderator"));
    ck_assert(!edge_route_role_ok(&r, "user"));
    ck_assert(!edge_route_role_ok(&r, "admi"));
    ck_assert(!edge_route_role_ok(&r, ""));
    ck_assert(!edge_route_role_ok(&r, NULL));
    r.roles = NULL;
    ck_assert(edge_route_role_ok(&r, "user"));
}
END_TEST

START_TEST(test_table_is_sane)
{
    /* Every bus route names a service and a method that fit the envelope's fields. */
    for (const edge_route_t *r = edge_routes(); r->method; r++) {
        ck_assert_msg(r->path[0] == '/', "%s", r->path);
        if (r->local == EDGE_LOCAL_NONE) {
            ck_assert_msg(r->service && strlen(r->service) < 33, "%s", r->path);
            ck_assert_msg(r->bus_method && strlen(r->bus_method) < 33, "%s", r->path);
        }
    }
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("edge_route");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_static_routes);
    tcase_add_test(tc, test_params);
    tcase_add_test(tc, test_bad_ids);
    tcase_add_test(tc, test_not_found_and_method);
    tcase_add_test(tc, test_roles);
    tcase_add_test(tc, test_table_is_sane);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
