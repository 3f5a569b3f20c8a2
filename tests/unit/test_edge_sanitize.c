/* test_edge_sanitize.c -- the sanitizer: the seed's examples, hostile variants, the cache
 * (also under many threads), the JSON walk. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "edge_sanitize.h"

/* The sanitized form of IN (IN itself when unchanged), in a static buffer. */
static const char *
s_clean(const char *in)
{
    static edge_buf_t out, scratch;
    edge_sanitize_rc_t rc = edge_sanitize_text(in, strlen(in), &out, &scratch);
    ck_assert_int_ge(rc, 0);
    return rc == EDGE_SANITIZE_CHANGED ? out.data : in;
}

START_TEST(test_seed_examples)
{
    ck_assert_str_eq(s_clean("<script>alert('xss')</script>Hello"), "alert('xss')Hello");
    ck_assert_str_eq(s_clean("<style>body{}</style>x"), "body{}x");
    ck_assert_str_eq(s_clean("<iframe src=\"x\"></iframe>y"), "y");
    ck_assert_str_eq(s_clean("<object data=1>o</object><embed src=2>"), "o");
    ck_assert_str_eq(s_clean("<img src=x onerror=alert(1)>"), "&lt;img src=x alert(1)&gt;");
    ck_assert_str_eq(s_clean("<a href=\"javascript:alert(1)\">x</a>"),
                     "&lt;a href=\"alert(1)\"&gt;x&lt;/a&gt;");
    ck_assert_str_eq(s_clean("vbscript:msgbox"), "msgbox");
    ck_assert_str_eq(s_clean("data:text/html;base64,AAA"), ";base64,AAA");
    ck_assert_str_eq(s_clean("1 < 2 > 0"), "1 &lt; 2 &gt; 0");
}
END_TEST

START_TEST(test_unchanged)
{
    const char *plain[] = { "Hello world", "", "Caf\xc3\xa9 \xe2\x82\xac 10", "10:30 meeting",
                            "a=b", "lemonade=good", "online: yes", "data:image/png", "turn on",
                            "&lt;script&gt; stays text", "javascript is fine", NULL };
    edge_buf_t out = { 0 }, scratch = { 0 };
    for (int i = 0; plain[i]; i++)
        ck_assert_msg(edge_sanitize_text(plain[i], strlen(plain[i]), &out, &scratch)
                      == EDGE_SANITIZE_SAME, "%s", plain[i]);
    ck_assert(!edge_sanitize_suspect("Hello world", 11));
    ck_assert(edge_sanitize_suspect("a<b", 3));
    edge_buf_free(&out);
    edge_buf_free(&scratch);
}
END_TEST

START_TEST(test_hostile)
{
    ck_assert_str_eq(s_clean("<ScRiPt>x</sCrIpT>"), "x");
    ck_assert_str_eq(s_clean("<SCRIPT SRC=//evil>"), "");
    ck_assert_str_eq(s_clean("<scr<script>ipt>alert(1)</script>"), "alert(1)");
    ck_assert_str_eq(s_clean("javajavascript:script:alert(1)"), "alert(1)");
    ck_assert_str_eq(s_clean("JaVaScRiPt :alert(1)"), "alert(1)");
    ck_assert_str_eq(s_clean("<script"), "&lt;script");              /* unterminated */
    ck_assert_str_eq(s_clean("x <script src=a"), "x &lt;script src=a");
    ck_assert_str_eq(s_clean("<scripts>"), "&lt;scripts&gt;");       /* another element */
    ck_assert_str_eq(s_clean("<div onclick =\"x()\">"), "&lt;div \"x()\"&gt;");
    ck_assert_str_eq(s_clean("<svg/onload=alert(1)>"), "&lt;svg/alert(1)&gt;");
    ck_assert_str_eq(s_clean("onmouseover=steal()"), "steal()");
    ck_assert_str_eq(s_clean("&lt;script&gt;"), "&lt;script&gt;");   /* already escaped */
    ck_assert_str_eq(s_clean("<b>\xc3\xa9</b>"), "&lt;b&gt;\xc3\xa9&lt;/b&gt;");

    /* reassembling more than EDGE_SANITIZE_MAX_PASSES levels deep is refused */
    char deep[512] = "javascript:";
    for (int i = 0; i < EDGE_SANITIZE_MAX_PASSES + 2; i++) {
        char tmp[512];
        snprintf(tmp, sizeof tmp, "java%sscript:", deep);
        snprintf(deep, sizeof deep, "%s", tmp);
    }
    edge_buf_t out = { 0 }, scratch = { 0 };
    ck_assert_int_eq(edge_sanitize_text(deep, strlen(deep), &out, &scratch),
                     EDGE_SANITIZE_HOSTILE);
    edge_buf_free(&out);
    edge_buf_free(&scratch);
}
END_TEST

START_TEST(test_long)
{
    size_t n = 1 << 20;
    char *big = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        big[i] = "ab<script>c>"[i % 12];
    big[n] = '\0';
    edge_buf_t out = { 0 }, scratch = { 0 };
    ck_assert_int_eq(edge_sanitize_text(big, n, &out, &scratch), EDGE_SANITIZE_CHANGED);
    ck_assert(!memchr(out.data, '<', out.len));
    ck_assert(!strstr(out.data, "script"));
    free(big);
    edge_buf_free(&out);
    edge_buf_free(&scratch);
}
END_TEST

/* Tags without their '>' (the quadratic case of issue 10: each one used to search to the
 * end of the string) are escaped, and the ones that do close are still removed whatever
 * unterminated ones stand around them. */
START_TEST(test_unterminated)
{
    ck_assert_str_eq(s_clean("<embed x> y <embed z"), " y &lt;embed z");
    ck_assert_str_eq(s_clean("<embed a <script b> c"), " c");
    ck_assert_str_eq(s_clean("<embed <embed <embed"), "&lt;embed &lt;embed &lt;embed");
    ck_assert_str_eq(s_clean("a<style <iframe>b</style"), "ab&lt;/style");

    size_t reps = 150000, unit = 7;             /* "<embed " x 150,000: 1 MiB */
    char *big = malloc(reps * unit + 1);
    for (size_t i = 0; i < reps; i++)
        memcpy(big + i * unit, "<embed ", unit);
    big[reps * unit] = '\0';
    edge_buf_t out = { 0 }, scratch = { 0 };
    ck_assert_int_eq(edge_sanitize_text(big, reps * unit, &out, &scratch), EDGE_SANITIZE_CHANGED);
    ck_assert_uint_eq(out.len, reps * 10);       /* each '<' became "&lt;" */
    ck_assert(memcmp(out.data, "&lt;embed &lt;embed ", 20) == 0);
    free(big);
    edge_buf_free(&out);
    edge_buf_free(&scratch);
}
END_TEST

START_TEST(test_cache)
{
    edge_sanitize_cache_t *cache = edge_sanitize_cache_new(4);
    ck_assert_ptr_nonnull(cache);
    edge_buf_t out = { 0 }, scratch = { 0 };
    const char *in = "<script>x</script>y";
    ck_assert_int_eq(edge_sanitize_cached(cache, in, strlen(in), &out, &scratch),
                     EDGE_SANITIZE_CHANGED);
    ck_assert_str_eq(out.data, "xy");
    edge_buf_reset(&out);
    ck_assert_int_eq(edge_sanitize_cached(cache, in, strlen(in), &out, &scratch),
                     EDGE_SANITIZE_CHANGED);
    ck_assert_str_eq(out.data, "xy");
    uint64_t hits, misses;
    edge_sanitize_cache_stats(cache, &hits, &misses);
    ck_assert_int_eq(hits, 1);
    ck_assert_int_eq(misses, 1);
    /* "a=1" is suspect but unchanged: cached as SAME */
    ck_assert_int_eq(edge_sanitize_cached(cache, "a=1", 3, &out, &scratch), EDGE_SANITIZE_SAME);
    ck_assert_int_eq(edge_sanitize_cached(cache, "a=1", 3, &out, &scratch), EDGE_SANITIZE_SAME);
    /* eviction: more distinct strings than entries, all still right */
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < 20; i++) {
            char s[32], want[32];
            snprintf(s, sizeof s, "<b>%d</b>", i);
            snprintf(want, sizeof want, "&lt;b&gt;%d&lt;/b&gt;", i);
            ck_assert_int_eq(edge_sanitize_cached(cache, s, strlen(s), &out, &scratch),
                             EDGE_SANITIZE_CHANGED);
            ck_assert_str_eq(out.data, want);
        }
    edge_sanitize_cache_destroy(&cache);
    ck_assert_ptr_null(cache);
    edge_sanitize_cache_destroy(&cache);
    edge_buf_free(&out);
    edge_buf_free(&scratch);
}
END_TEST

static void *
s_worker(void *arg)
{
    edge_sanitize_cache_t *cache = arg;
    edge_buf_t out = { 0 }, scratch = { 0 };
    for (int i = 0; i < 20000; i++) {
        char s[64], want[64];
        int k = i % 1500;
        snprintf(s, sizeof s, "<script>%d</script>", k);
        snprintf(want, sizeof want, "%d", k);
        if (edge_sanitize_cached(cache, s, strlen(s), &out, &scratch) != EDGE_SANITIZE_CHANGED
            || strcmp(out.data, want) != 0)
            return (void *) 1;
    }
    edge_buf_free(&out);
    edge_buf_free(&scratch);
    return NULL;
}

START_TEST(test_cache_threads)
{
    edge_sanitize_cache_t *cache = edge_sanitize_cache_new(EDGE_SANITIZE_CACHE_SIZE);
    pthread_t th[8];
    for (int i = 0; i < 8; i++)
        pthread_create(&th[i], NULL, s_worker, cache);
    for (int i = 0; i < 8; i++) {
        void *rc = NULL;
        pthread_join(th[i], &rc);
        ck_assert_ptr_null(rc);
    }
    edge_sanitize_cache_destroy(&cache);
}
END_TEST

START_TEST(test_json)
{
    json_object *obj = json_tokener_parse(
        "{\"name\":\"<script>alert('xss')</script>Hello\",\"n\":5,"
        "\"list\":[\"ok\",{\"deep\":\"<iframe>x\"}],\"<b>\":\"key stays\"}");
    edge_buf_t out = { 0 }, scratch = { 0 };
    ck_assert_int_eq(edge_sanitize_json(NULL, obj, &out, &scratch), EDGE_SANITIZE_CHANGED);
    ck_assert_str_eq(json_object_get_string(json_object_object_get(obj, "name")),
                     "alert('xss')Hello");
    json_object *deep = json_object_array_get_idx(json_object_object_get(obj, "list"), 1);
    ck_assert_str_eq(json_object_get_string(json_object_object_get(deep, "deep")), "x");
    ck_assert_ptr_nonnull(json_object_object_get(obj, "<b>"));
    json_object_put(obj);
    obj = json_tokener_parse("{\"a\":\"plain\",\"b\":[1,2]}");
    ck_assert_int_eq(edge_sanitize_json(NULL, obj, &out, &scratch), EDGE_SANITIZE_SAME);
    json_object_put(obj);
    edge_buf_free(&out);
    edge_buf_free(&scratch);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("edge_sanitize");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_seed_examples);
    tcase_add_test(tc, test_unchanged);
    tcase_add_test(tc, test_hostile);
    tcase_add_test(tc, test_unterminated);
    tcase_add_test(tc, test_long);
    tcase_add_test(tc, test_cache);
    tcase_add_test(tc, test_cache_threads);
    tcase_add_test(tc, test_json);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
