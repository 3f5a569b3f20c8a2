/* test_edge_cache.c -- which profile cache entry the edge reads and fills: the keys and
 * the view rule of common/profile_cache.h, the ones the users service deletes. */
#include "edge_cache.h"
#include "profile_cache.h"
#include <check.h>
#include <stdlib.h>
#include <string.h>

static const edge_route_t *
s_route(const char *method, const char *path)
{
    for (const edge_route_t *r = edge_routes(); r->method; r++)
        if (strcmp(r->method, method) == 0 && strcmp(r->path, path) == 0)
            return r;
    ck_abort_msg("no route %s %s", method, path);
    return NULL;
}

START_TEST(test_key_per_view)
{
    edge_cache_t *cache = edge_cache_new(edge_routes(), 60, NULL);
    const edge_route_t *get = s_route("GET", "/api/users/:id");
    char key[PROFILE_CACHE_KEY_MAX], users_key[PROFILE_CACHE_KEY_MAX];
    ck_assert(edge_cache_key(cache, get, 12, "admin", key, sizeof key));
    ck_assert_str_eq(key, "user:profile:12:admin");
    /* the entry the users service deletes on a change of user 12 */
    profile_cache_key(12, PROFILE_VIEW_ADMIN, users_key, sizeof users_key);
    ck_assert_str_eq(key, users_key);
    /* moderators and users see the public view: one entry for all of them */
    ck_assert(edge_cache_key(cache, get, 12, "moderator", key, sizeof key));
    ck_assert_str_eq(key, "user:profile:12:public");
    ck_assert(edge_cache_key(cache, get, 12, "user", key, sizeof key));
    ck_assert_str_eq(key, "user:profile:12:public");
    ck_assert(edge_cache_key(cache, get, 12, "", key, sizeof key));
    ck_assert_str_eq(key, "user:profile:12:public");
    ck_assert(edge_cache_key(cache, get, 12, "ADMIN", key, sizeof key));   /* roles are exact */
    ck_assert_str_eq(key, "user:profile:12:public");
    /* other routes are not cached, and an id that is not one names nothing */
    ck_assert(!edge_cache_key(cache, s_route("GET", "/api/users"), 12, "admin", key, sizeof key));
    ck_assert_str_eq(key, "");
    ck_assert(!edge_cache_key(cache, get, 0, "admin", key, sizeof key));
    ck_assert(!edge_cache_key(cache, get, 12, "admin", key, 10));     /* does not fit */
    edge_cache_destroy(&cache);

    /* caching off: nothing is named */
    cache = edge_cache_new(edge_routes(), 0, NULL);
    ck_assert(!edge_cache_key(cache, get, 12, "admin", key, sizeof key));
    edge_cache_destroy(&cache);
    ck_assert_ptr_null(cache);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("edge_cache");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_key_per_view);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
