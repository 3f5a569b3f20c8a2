/* test_edge_reqid.c -- request id validation and generation. */
#include <check.h>
#include <string.h>
#include "edge_reqid.h"

START_TEST(test_valid)
{
    ck_assert(edge_reqid_valid("abc"));
    ck_assert(edge_reqid_valid("req_1732270245123_k3j9x0a1b"));
    ck_assert(edge_reqid_valid("A.b-c_9"));
    ck_assert(!edge_reqid_valid(NULL));
    ck_assert(!edge_reqid_valid(""));
    ck_assert(!edge_reqid_valid("a b"));
    ck_assert(!edge_reqid_valid("a\r\nX-Evil: 1"));
    ck_assert(!edge_reqid_valid("\"quote"));
    ck_assert(!edge_reqid_valid("caf\xc3\xa9"));
    char id[200];
    memset(id, 'a', sizeof id);
    id[128] = '\0';
    ck_assert(edge_reqid_valid(id));
    id[128] = 'a';
    id[129] = '\0';
    ck_assert(!edge_reqid_valid(id));
}
END_TEST

START_TEST(test_generate)
{
    char a[EDGE_REQID_MAX + 1], b[EDGE_REQID_MAX + 1];
    edge_reqid_generate(1732270245123LL, a, sizeof a);
    edge_reqid_generate(1732270245123LL, b, sizeof b);
    ck_assert_int_eq(strlen(a), strlen("req_1732270245123_") + 9);
    ck_assert(strncmp(a, "req_1732270245123_", 18) == 0);
    for (const char *p = a + 18; *p; p++)
        ck_assert((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z'));
    ck_assert(edge_reqid_valid(a));
    ck_assert_str_ne(a, b);
}
END_TEST

/* The random bytes come from a per-thread pool refilled from the kernel: across many
 * refills, ids stay well-formed and never repeat. */
START_TEST(test_generate_many)
{
    enum { N = 200 };
    static char ids[N][EDGE_REQID_MAX + 1];
    for (int i = 0; i < N; i++) {
        edge_reqid_generate(1732270245123LL, ids[i], sizeof ids[i]);
        ck_assert(edge_reqid_valid(ids[i]));
        ck_assert_int_eq(strlen(ids[i]), strlen("req_1732270245123_") + 9);
        for (int j = 0; j < i; j++)
            ck_assert_str_ne(ids[i], ids[j]);
    }
}
END_TEST

START_TEST(test_pick)
{
    char out[EDGE_REQID_MAX + 1];
    edge_reqid_pick("client-1", "corr-2", 1, out, sizeof out);
    ck_assert_str_eq(out, "client-1");
    edge_reqid_pick("bad id", "corr-2", 1, out, sizeof out);
    ck_assert_str_eq(out, "corr-2");
    edge_reqid_pick(NULL, "bad\nid", 5, out, sizeof out);
    ck_assert(strncmp(out, "req_5_", 6) == 0);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("edge_reqid");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_valid);
    tcase_add_test(tc, test_generate);
    tcase_add_test(tc, test_generate_many);
    tcase_add_test(tc, test_pick);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
