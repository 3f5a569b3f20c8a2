/* test_edge_reply.c -- the edge's HTTP heads, error and success envelopes, health body. */
#include <check.h>
#include <string.h>
#include "edge_health.h"
#include "edge_reply.h"

START_TEST(test_error_envelope)
{
    edge_buf_t b = { 0 };
    ck_assert_int_eq(edge_reply_error_json(&b, 404, "NOT_FOUND", "Route not found", NULL, 0,
                                           "2026-11-22T10:30:45.123Z", "/api/x", "GET",
                                           "req_1_abc"), 0);
    ck_assert_str_eq(b.data,
        "{\"success\":false,\"statusCode\":404,\"error\":\"NOT_FOUND\","
        "\"message\":\"Route not found\",\"timestamp\":\"2026-11-22T10:30:45.123Z\","
        "\"path\":\"/api/x\",\"method\":\"GET\",\"requestId\":\"req_1_abc\"}");
    edge_buf_free(&b);
}
END_TEST

START_TEST(test_error_details_and_escaping)
{
    envelope_detail_t d[2];
    memset(d, 0, sizeof d);
    strcpy(d[0].field, "text");
    strcpy(d[0].message, "text should not be empty");
    strcpy(d[1].field, "a\"b");
    strcpy(d[1].message, "line\nbreak");
    edge_buf_t b = { 0 };
    ck_assert_int_eq(edge_reply_error_json(&b, 400, "VALIDATION_ERROR", "Validation failed", d, 2,
                                           "T", "/api/messages", "POST", "r"), 0);
    ck_assert_ptr_nonnull(strstr(b.data, "\"message\":\"Validation failed\",\"details\":["
                                 "{\"field\":\"text\",\"message\":\"text should not be empty\"},"
                                 "{\"field\":\"a\\\"b\",\"message\":\"line\\nbreak\"}],"
                                 "\"timestamp\":\"T\""));
    edge_buf_reset(&b);
    /* a path that is not UTF-8 is not echoed */
    ck_assert_int_eq(edge_reply_error_json(&b, 404, "NOT_FOUND", "x", NULL, 0, "T", "/\xff",
                                           "GET", "r"), 0);
    ck_assert_ptr_nonnull(strstr(b.data, "\"path\":\"\""));
    edge_buf_free(&b);
}
END_TEST

static const char *
s_success(void (*pack)(msgpack_packer *), edge_buf_t *b)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    pack(&pk);
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    ck_assert_int_eq(msgpack_unpack_next(&up, sb.data, sb.size, NULL), MSGPACK_UNPACK_SUCCESS);
    edge_buf_reset(b);
    int rc = edge_reply_success_json(b, &up.data, "T");
    msgpack_unpacked_destroy(&up);
    msgpack_sbuffer_destroy(&sb);
    return rc == 0 ? b->data : NULL;
}

static void
s_pack_user(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 2);
    envelope_pack_key(pk, "id");
    msgpack_pack_int64(pk, 5);
    envelope_pack_key(pk, "name");
    envelope_pack_str(pk, "Ann");
}

static void
s_pack_list(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 3);
    envelope_pack_key(pk, "items");
    msgpack_pack_array(pk, 1);
    s_pack_user(pk);
    envelope_pack_key(pk, "next_cursor");
    msgpack_pack_nil(pk);
    envelope_pack_key(pk, "limit");
    msgpack_pack_int(pk, 20);
}

static void
s_pack_bin(msgpack_packer *pk)
{
    msgpack_pack_bin(pk, 2);
    msgpack_pack_bin_body(pk, "xy", 2);
}

START_TEST(test_success)
{
    edge_buf_t b = { 0 };
    ck_assert_str_eq(s_success(s_pack_user, &b),
                     "{\"success\":true,\"data\":{\"id\":5,\"name\":\"Ann\"},\"timestamp\":\"T\"}");
    ck_assert_str_eq(s_success(s_pack_list, &b),
                     "{\"success\":true,\"data\":[{\"id\":5,\"name\":\"Ann\"}],"
                     "\"meta\":{\"next_cursor\":null,\"limit\":20},\"timestamp\":\"T\"}");
    ck_assert_ptr_null(s_success(s_pack_bin, &b));
    edge_buf_reset(&b);
    ck_assert_int_eq(edge_reply_success_json(&b, NULL, "T"), 0);
    ck_assert_str_eq(b.data, "{\"success\":true,\"data\":null,\"timestamp\":\"T\"}");
    edge_buf_free(&b);
}
END_TEST

START_TEST(test_http_head)
{
    edge_buf_t b = { 0 };
    edge_reply_head_t head = { .request_id = "r1", .no_store = true, .hsts = true,
                               .allow = "GET, PATCH", .connection = "close" };
    ck_assert_int_eq(edge_reply_http(&b, 405, &head, "{}", 2), 0);
    ck_assert(strncmp(b.data, "HTTP/1.1 405 Method Not Allowed\r\n", 33) == 0);
    const char *want[] = { "Content-Type: application/json; charset=utf-8\r\n",
                           "Content-Length: 2\r\n", "X-Request-ID: r1\r\n",
                           "X-Correlation-ID: r1\r\n", "X-Content-Type-Options: nosniff\r\n",
                           "X-Frame-Options: DENY\r\n", "Referrer-Policy: no-referrer\r\n",
                           "Content-Security-Policy: default-src 'none'\r\n",
                           "Cache-Control: no-store\r\n", "Strict-Transport-Security: ",
                           "Allow: GET, PATCH\r\n", "Connection: close\r\n", NULL };
    for (int i = 0; want[i]; i++)
        ck_assert_msg(strstr(b.data, want[i]), "%s", want[i]);
    ck_assert(b.len > 6 && memcmp(b.data + b.len - 6, "\r\n\r\n{}", 6) == 0);

    edge_buf_reset(&b);
    edge_reply_head_t plain = { .request_id = "r2" };
    ck_assert_int_eq(edge_reply_http(&b, 200, &plain, "", 0), 0);
    ck_assert_ptr_null(strstr(b.data, "Cache-Control"));
    ck_assert_ptr_null(strstr(b.data, "Strict-Transport"));
    ck_assert_ptr_null(strstr(b.data, "Connection"));
    ck_assert(memcmp(b.data + b.len - 4, "\r\n\r\n", 4) == 0);
    edge_buf_free(&b);
}
END_TEST

START_TEST(test_health_body)
{
    edge_buf_t b = { 0 };
    edge_health_snapshot_t s = { .broker_ok = true, .up = { true, true, false, false } };
    ck_assert_int_eq(edge_health_render(&s, 12, &b), 0);
    ck_assert_str_eq(b.data, "{\"status\":\"degraded\",\"services\":{\"users\":\"up\","
                             "\"auth\":\"up\",\"orders\":\"down\",\"messages\":\"down\"},"
                             "\"uptime_s\":12}");
    edge_buf_reset(&b);
    s.up[2] = s.up[3] = true;
    ck_assert_int_eq(edge_health_render(&s, 0, &b), 0);
    ck_assert(strncmp(b.data, "{\"status\":\"ok\"", 14) == 0);
    edge_buf_free(&b);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("edge_reply");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_error_envelope);
    tcase_add_test(tc, test_error_details_and_escaping);
    tcase_add_test(tc, test_success);
    tcase_add_test(tc, test_http_head);
    tcase_add_test(tc, test_health_body);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
