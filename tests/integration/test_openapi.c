/* test_openapi.c -- GET /api/openapi.json on the running edge: the file of the repository,
 * byte for byte, public and cacheable, revalidated by its ETag (304 without a body). */
#include "it_env.h"
#include "it_http.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef BUSD_OPENAPI_FILE
#error "BUSD_OPENAPI_FILE: the path of schemas/openapi.json (tests/CMakeLists.txt)"
#endif

/* The repository's file, whole, as a new string; its length in *LEN. */
static char *
s_read_file(size_t *len)
{
    FILE *f = fopen(BUSD_OPENAPI_FILE, "rb");
    ck_assert_msg(f, "cannot open %s", BUSD_OPENAPI_FILE);
    ck_assert(fseek(f, 0, SEEK_END) == 0);
    long size = ftell(f);
    ck_assert(size > 0 && fseek(f, 0, SEEK_SET) == 0);
    char *buf = malloc((size_t) size + 1);
    ck_assert(buf && fread(buf, 1, (size_t) size, f) == (size_t) size);
    fclose(f);
    buf[size] = '\0';
    *len = (size_t) size;
    return buf;
}

START_TEST(test_served_is_the_file)
{
    it_response_t *r = it_request("GET", "/api/openapi.json", NULL, NULL, NULL);
    ck_assert_msg(r->status == 200, "%s", it_describe(r));
    size_t len = 0;
    char *file = s_read_file(&len);
    ck_assert_msg(r->body_len == len && memcmp(r->body, file, len) == 0,
                  "the edge serves %zu bytes that are not %s (%zu bytes): rebuild the edge",
                  r->body_len, BUSD_OPENAPI_FILE, len);
    free(file);
    ck_assert_ptr_nonnull(r->json);
    json_object *version = NULL;
    ck_assert(json_object_object_get_ex(r->json, "openapi", &version));
    ck_assert_str_eq(json_object_get_string(version), "3.1.0");
    ck_assert_str_eq(it_header(r, "Content-Type"), "application/json; charset=utf-8");
    ck_assert_str_eq(it_header(r, "Cache-Control"), "public, max-age=300");
    ck_assert_ptr_nonnull(it_header(r, "X-Request-ID"));
    const char *etag = it_header(r, "ETag");
    ck_assert_msg(etag && strlen(etag) == 66 && etag[0] == '"', "ETag %s", etag ? etag : "-");
    it_response_destroy(&r);
}
END_TEST

START_TEST(test_if_none_match)
{
    it_response_t *first = it_request("GET", "/api/openapi.json", NULL, NULL, NULL);
    ck_assert_msg(first->status == 200, "%s", it_describe(first));
    char line[128];
    snprintf(line, sizeof line, "If-None-Match: %s", it_header(first, "ETag"));
    const char *headers[] = { line, NULL };
    it_response_t *again = it_request_ex(&(it_req_t) { .path = "/api/openapi.json",
                                                       .headers = headers });
    ck_assert_msg(again->status == 304, "%s", it_describe(again));
    ck_assert_uint_eq(again->body_len, 0);
    ck_assert_str_eq(it_header(again, "ETag"), it_header(first, "ETag"));
    ck_assert_str_eq(it_header(again, "Cache-Control"), "public, max-age=300");

    /* another tag: the document again */
    const char *other[] = { "If-None-Match: \"0000\"", NULL };
    it_response_t *stale = it_request_ex(&(it_req_t) { .path = "/api/openapi.json",
                                                       .headers = other });
    ck_assert_msg(stale->status == 200 && stale->body_len == first->body_len, "%s",
                  it_describe(stale));
    it_response_destroy(&first);
    it_response_destroy(&again);
    it_response_destroy(&stale);
}
END_TEST

START_TEST(test_other_api_answers_stay_uncached)
{
    /* The exception is this route only: the rest of /api keeps no-store. */
    it_response_t *r = it_request("GET", "/api/health", NULL, NULL, NULL);
    ck_assert_msg(r->status == 200, "%s", it_describe(r));
    ck_assert_str_eq(it_header(r, "Cache-Control"), "no-store");
    ck_assert_ptr_null(it_header(r, "ETag"));
    it_response_destroy(&r);
    r = it_request("POST", "/api/openapi.json", NULL, NULL, NULL);
    ck_assert_msg(r->status == 405, "%s", it_describe(r));
    ck_assert_str_eq(it_header(r, "Allow"), "GET");
    it_response_destroy(&r);
}
END_TEST

static Suite *
s_suite(void)
{
    Suite *s = suite_create("openapi");
    TCase *tc = tcase_create("served");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_served_is_the_file);
    tcase_add_test(tc, test_if_none_match);
    tcase_add_test(tc, test_other_api_answers_stay_uncached);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return it_suite_run(s_suite());
}
