/* test_edge_cors.c -- CORS origins and headers, and the client address behind proxies. */
#include <check.h>
#include <string.h>
#include "edge_clientip.h"
#include "edge_cors.h"

START_TEST(test_cors)
{
    edge_cors_t c;
    ck_assert_int_eq(edge_cors_init(&c, "", NULL, NULL, 600, false), 0);
    ck_assert(!edge_cors_enabled(&c));
    ck_assert(!edge_cors_allowed(&c, "https://a.test"));
    ck_assert_int_eq(edge_cors_init(&c, "https://a.test, https://b.test", NULL, NULL, 600, false), 0);
    ck_assert(edge_cors_enabled(&c));
    ck_assert(edge_cors_allowed(&c, "https://a.test"));
    ck_assert(edge_cors_allowed(&c, "https://b.test"));
    ck_assert(!edge_cors_allowed(&c, "https://evil.test"));
    ck_assert(!edge_cors_allowed(&c, "https://a.test.evil"));
    ck_assert(!edge_cors_allowed(&c, NULL));
    char out[1024];
    ck_assert_int_gt(edge_cors_headers(&c, "https://a.test", true, out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "Access-Control-Allow-Origin: https://a.test\r\n"));
    ck_assert_ptr_nonnull(strstr(out, "Vary: Origin\r\n"));
    ck_assert_ptr_nonnull(strstr(out, "Access-Control-Allow-Methods: GET, POST"));
    ck_assert_ptr_nonnull(strstr(out, "Access-Control-Max-Age: 600\r\n"));
    ck_assert_ptr_null(strstr(out, "Credentials"));
    ck_assert_int_gt(edge_cors_headers(&c, "https://a.test", false, out, sizeof out), 0);
    ck_assert_ptr_null(strstr(out, "Max-Age"));
    ck_assert_ptr_nonnull(strstr(out, "Expose-Headers"));
    ck_assert_int_eq(edge_cors_headers(&c, "https://evil.test", true, out, sizeof out), 0);
    ck_assert_str_eq(out, "");
    ck_assert_int_eq(edge_cors_headers(&c, "https://a.test", true, out, 10), -1);
    ck_assert(edge_cors_is_preflight("OPTIONS", "https://a.test", "PATCH"));
    ck_assert(!edge_cors_is_preflight("OPTIONS", "https://a.test", NULL));
    ck_assert(!edge_cors_is_preflight("GET", "https://a.test", "PATCH"));
    /* any origin with credentials: refused, the edge does not start */
    ck_assert_int_eq(edge_cors_init(&c, "https://a.test, *", "GET", "X-A", 5, true), -1);
    /* any origin without them: echoed; a header-breaking one refused */
    ck_assert_int_eq(edge_cors_init(&c, "*", "GET", "X-A", 5, false), 0);
    ck_assert(edge_cors_allowed(&c, "https://x.test"));
    ck_assert(!edge_cors_allowed(&c, "https://x.test\r\nSet-Cookie: a=b"));
    ck_assert_int_gt(edge_cors_headers(&c, "https://x.test", true, out, sizeof out), 0);
    ck_assert_ptr_null(strstr(out, "Access-Control-Allow-Credentials"));
}
END_TEST

/* Issue 10/12: behind an Ingress the peer is any pod of a range. */
START_TEST(test_clientip_cidr)
{
    edge_clientip_t ip;
    char out[EDGE_CLIENTIP_MAX];
    ck_assert_int_eq(edge_clientip_init(&ip, "10.244.0.0/16, fd00::/8, 192.168.1.7/32, "
                                             "10.0.0.0/33, 1.2.3.4/x, 10.1.0.0/"), 3);
    ck_assert_int_eq(ip.count, 3);
    edge_clientip_pick(&ip, "10.244.3.9", "203.0.113.5", out, sizeof out);
    ck_assert_str_eq(out, "203.0.113.5");              /* a pod of the range */
    edge_clientip_pick(&ip, "::ffff:10.244.200.1", "203.0.113.6", out, sizeof out);
    ck_assert_str_eq(out, "203.0.113.6");              /* the same, IPv4-mapped */
    edge_clientip_pick(&ip, "10.245.0.1", "203.0.113.5", out, sizeof out);
    ck_assert_str_eq(out, "10.245.0.1");               /* just outside it */
    edge_clientip_pick(&ip, "fd12::1", "2001:db8::1, 10.244.0.1", out, sizeof out);
    ck_assert_str_eq(out, "2001:db8::1");              /* v6 range; our pod skipped */
    edge_clientip_pick(&ip, "192.168.1.8", "203.0.113.5", out, sizeof out);
    ck_assert_str_eq(out, "192.168.1.8");              /* /32 is one address */
    ck_assert_int_eq(edge_clientip_init(&ip, "10.244.0.0/12"), 0);   /* bits past the prefix */
    edge_clientip_pick(&ip, "10.255.1.1", "203.0.113.5", out, sizeof out);
    ck_assert_str_eq(out, "203.0.113.5");
    edge_clientip_pick(&ip, "10.16.0.1", "203.0.113.5", out, sizeof out);
    ck_assert_str_eq(out, "10.16.0.1");
}
END_TEST

START_TEST(test_clientip)
{
    edge_clientip_t ip;
    char out[EDGE_CLIENTIP_MAX];
    ck_assert_int_eq(edge_clientip_init(&ip, NULL), 0);
    edge_clientip_pick(&ip, "10.0.0.5", "1.2.3.4", out, sizeof out);
    ck_assert_str_eq(out, "10.0.0.5");                 /* no trusted proxy: XFF ignored */
    ck_assert_int_eq(edge_clientip_init(&ip, "10.0.0.5, 10.0.0.6,junk!"), 1);
    ck_assert_int_eq(ip.count, 2);
    edge_clientip_pick(&ip, "10.0.0.5", "6.6.6.6, 1.2.3.4", out, sizeof out);
    ck_assert_str_eq(out, "1.2.3.4");                  /* rightmost untrusted */
    edge_clientip_pick(&ip, "10.0.0.5", "6.6.6.6, 1.2.3.4, 10.0.0.6", out, sizeof out);
    ck_assert_str_eq(out, "1.2.3.4");                  /* our second proxy skipped */
    edge_clientip_pick(&ip, "9.9.9.9", "1.2.3.4", out, sizeof out);
    ck_assert_str_eq(out, "9.9.9.9");                  /* untrusted peer: its own address */
    edge_clientip_pick(&ip, "10.0.0.5", "evil<>, 1.2.3.4", out, sizeof out);
    ck_assert_str_eq(out, "1.2.3.4");
    edge_clientip_pick(&ip, "10.0.0.5", "1.2.3.4, garbage", out, sizeof out);
    ck_assert_str_eq(out, "10.0.0.5");                 /* garbage at the right: the peer */
    edge_clientip_pick(&ip, "10.0.0.5", NULL, out, sizeof out);
    ck_assert_str_eq(out, "10.0.0.5");
    edge_clientip_pick(&ip, "10.0.0.5", "::1", out, sizeof out);
    ck_assert_str_eq(out, "::1");
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("edge_cors");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_cors);
    tcase_add_test(tc, test_clientip);
    tcase_add_test(tc, test_clientip_cidr);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
