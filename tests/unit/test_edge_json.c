/* test_edge_json.c -- the edge's JSON <-> msgpack conversion, query parsing, body map. */
#include <check.h>
#include <stdint.h>
#include <string.h>
#include "edge_body.h"
#include "edge_json.h"

/* Parses JSON, packs it, unpacks it, converts back to JSON text. */
static char out_text[4096];

static const char *
s_roundtrip(const char *json)
{
    json_object *obj = NULL;
    ck_assert_int_eq(edge_json_parse_object(json, strlen(json), EDGE_JSON_MAX_TOKENS, &obj), EDGE_JSON_OK);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    edge_json_pack(&pk, obj);
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    ck_assert_int_eq(msgpack_unpack_next(&up, sb.data, sb.size, NULL), MSGPACK_UNPACK_SUCCESS);
    json_object *back = NULL;
    ck_assert_int_eq(edge_json_from_msgpack(&up.data, 32, &back), 0);
    snprintf(out_text, sizeof out_text, "%s", edge_json_text(back, NULL));
    json_object_put(back);
    msgpack_unpacked_destroy(&up);
    msgpack_sbuffer_destroy(&sb);
    json_object_put(obj);
    return out_text;
}

static edge_json_err_t
s_parse(const char *json)
{
    json_object *obj = NULL;
    edge_json_err_t err = edge_json_parse_object(json, strlen(json), EDGE_JSON_MAX_TOKENS, &obj);
    ck_assert(err == EDGE_JSON_OK ? obj != NULL : obj == NULL);
    json_object_put(obj);
    return err;
}

START_TEST(test_roundtrip_nested)
{
    ck_assert_str_eq(s_roundtrip("{\"a\":{\"b\":[1,-2,true,false,null,\"x\"]},\"c\":{}}"),
                     "{\"a\":{\"b\":[1,-2,true,false,null,\"x\"]},\"c\":{}}");
    ck_assert_str_eq(s_roundtrip(" {} \n"), "{}");
}
END_TEST

START_TEST(test_unicode)
{
    ck_assert_str_eq(s_roundtrip("{\"name\":\"J\\u00fcrgen \xe2\x82\xac \xf0\x9f\x98\x80\"}"),
                     "{\"name\":\"J\xc3\xbcrgen \xe2\x82\xac \xf0\x9f\x98\x80\"}");
    ck_assert_str_eq(s_roundtrip("{\"p\":\"a/b\"}"), "{\"p\":\"a/b\"}");   /* no \\/ */
    ck_assert_str_eq(s_roundtrip("{\"q\":\"\\\"<\\n\"}"), "{\"q\":\"\\\"<\\n\"}");
}
END_TEST

START_TEST(test_numbers)
{
    ck_assert_str_eq(s_roundtrip("{\"id\":9223372036854775807}"), "{\"id\":9223372036854775807}");
    ck_assert_str_eq(s_roundtrip("{\"id\":-9223372036854775807}"),
                     "{\"id\":-9223372036854775807}");
    ck_assert_str_eq(s_roundtrip("{\"u\":18446744073709551614}"), "{\"u\":18446744073709551614}");
    /* decimals keep the client's exact text */
    ck_assert_str_eq(s_roundtrip("{\"amount\":10.50}"), "{\"amount\":10.50}");
    ck_assert_str_eq(s_roundtrip("{\"amount\":0.1}"), "{\"amount\":0.1}");
    ck_assert_str_eq(s_roundtrip("{\"e\":1e3,\"f\":-2.5E-7}"), "{\"e\":1e3,\"f\":-2.5E-7}");
    ck_assert_str_eq(s_roundtrip("{\"big\":123456789012345678901234.125}"),
                     "{\"big\":123456789012345678901234.125}");
}
END_TEST

START_TEST(test_decimal_is_ext)
{
    json_object *obj = NULL;
    ck_assert_int_eq(edge_json_parse_object("{\"amount\":10.50}", 16, EDGE_JSON_MAX_TOKENS, &obj), EDGE_JSON_OK);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    edge_json_pack(&pk, obj);
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    ck_assert_int_eq(msgpack_unpack_next(&up, sb.data, sb.size, NULL), MSGPACK_UNPACK_SUCCESS);
    const msgpack_object *v = &up.data.via.map.ptr[0].val;
    ck_assert_int_eq(v->type, MSGPACK_OBJECT_EXT);
    ck_assert_int_eq(v->via.ext.type, ENVELOPE_EXT_DECIMAL);
    ck_assert_int_eq(v->via.ext.size, 5);
    ck_assert(memcmp(v->via.ext.ptr, "10.50", 5) == 0);
    msgpack_unpacked_destroy(&up);
    msgpack_sbuffer_destroy(&sb);
    json_object_put(obj);
}
END_TEST

START_TEST(test_rejects)
{
    ck_assert_int_eq(s_parse(""), EDGE_JSON_SYNTAX);
    ck_assert_int_eq(s_parse("not json"), EDGE_JSON_SYNTAX);
    ck_assert_int_eq(s_parse("{\"a\":1"), EDGE_JSON_SYNTAX);
    ck_assert_int_eq(s_parse("{\"a\":1,}"), EDGE_JSON_SYNTAX);
    ck_assert_int_eq(s_parse("{\"a\":1} {}"), EDGE_JSON_SYNTAX);
    ck_assert_int_eq(s_parse("{\"a\":1} x"), EDGE_JSON_SYNTAX);
    ck_assert_int_eq(s_parse("[1,2]"), EDGE_JSON_NOT_OBJECT);
    ck_assert_int_eq(s_parse("\"s\""), EDGE_JSON_NOT_OBJECT);
    ck_assert_int_eq(s_parse("null"), EDGE_JSON_NOT_OBJECT);
    ck_assert_int_eq(s_parse("{\"a\":NaN}"), EDGE_JSON_NUMBER);
    ck_assert_int_eq(s_parse("{\"a\":Infinity}"), EDGE_JSON_NUMBER);
    ck_assert_int_eq(s_parse("{\"a\":-Infinity}"), EDGE_JSON_NUMBER);
    ck_assert_int_eq(s_parse("{\"a\":99999999999999999999}"), EDGE_JSON_NUMBER);
    ck_assert_int_eq(s_parse("{\"a\":-9223372036854775809}"), EDGE_JSON_NUMBER);
    ck_assert_int_eq(s_parse("{\"a\":\"\xff\"}"), EDGE_JSON_UTF8);
    ck_assert_int_eq(s_parse("{\"\xc3\x28\":1}"), EDGE_JSON_UTF8);
    ck_assert_int_eq(s_parse("{\"a\":\"\xed\xa0\x80\"}"), EDGE_JSON_UTF8);   /* surrogate */
    ck_assert_int_eq(s_parse("{\"a\":\"\xc0\xaf\"}"), EDGE_JSON_UTF8);       /* overlong */
}
END_TEST

START_TEST(test_depth)
{
    char deep[256] = "{\"a\":";
    int depth = EDGE_JSON_MAX_DEPTH;     /* the object plus DEPTH-1 arrays: allowed */
    for (int i = 1; i < depth; i++)
        strcat(deep, "[");
    strcat(deep, "1");
    for (int i = 1; i < depth; i++)
        strcat(deep, "]");
    strcat(deep, "}");
    ck_assert_int_eq(s_parse(deep), EDGE_JSON_OK);

    char deeper[256] = "{\"a\":";
    for (int i = 0; i < depth; i++)
        strcat(deeper, "[");
    strcat(deeper, "1");
    for (int i = 0; i < depth; i++)
        strcat(deeper, "]");
    strcat(deeper, "}");
    ck_assert_int_eq(s_parse(deeper), EDGE_JSON_DEPTH);
}
END_TEST

/* The structure is counted before json-c allocates anything: issue 10's 1 MiB of
 * "[{},{},...]" is refused as too many values, and strings do not count. */
START_TEST(test_tokens)
{
    ck_assert_uint_eq(edge_json_tokens("{}", 2, 100), 1);
    ck_assert_uint_eq(edge_json_tokens("{\"a\":[1,2]}", 11, 100), 4);
    /* brackets, colons and commas inside strings, escaped quotes too */
    const char *str = "{\"k\":\"{[:,]} \\\" ,,\"}";
    ck_assert_uint_eq(edge_json_tokens(str, strlen(str), 100), 2);
    /* it stops counting past the bound */
    ck_assert_uint_eq(edge_json_tokens("[,,,,,,,,,,]", 12, 3), 4);

    size_t n = 350000;
    char *big = malloc(3 * n + 16);
    size_t len = (size_t) sprintf(big, "{\"a\":[");
    for (size_t i = 0; i < n; i++)
        len += (size_t) sprintf(big + len, i ? ",{}" : "{}");
    len += (size_t) sprintf(big + len, "]}");
    json_object *obj = NULL;
    ck_assert_int_eq(edge_json_parse_object(big, len, EDGE_JSON_MAX_TOKENS, &obj),
                     EDGE_JSON_TOO_MANY);
    ck_assert_ptr_null(obj);
    free(big);
    /* at the bound, still parsed */
    const char *ok = "{\"a\":[1,2,3]}";
    ck_assert_int_eq(edge_json_parse_object(ok, strlen(ok), 5, &obj), EDGE_JSON_OK);
    json_object_put(obj);
    ck_assert_int_eq(edge_json_parse_object(ok, strlen(ok), 4, &obj), EDGE_JSON_TOO_MANY);
}
END_TEST

START_TEST(test_from_msgpack_rejects)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    /* "\xff", bin, ext 1 "1x", {1: 2}, nested 20 deep (limit 10): one at a time */
    msgpack_pack_str(&pk, 1);
    msgpack_pack_str_body(&pk, "\xff", 1);
    msgpack_pack_bin(&pk, 1);
    msgpack_pack_bin_body(&pk, "b", 1);
    msgpack_pack_ext(&pk, 2, ENVELOPE_EXT_DECIMAL);
    msgpack_pack_ext_body(&pk, "1x", 2);
    msgpack_pack_map(&pk, 1);
    msgpack_pack_int(&pk, 1);
    msgpack_pack_int(&pk, 2);
    for (int i = 0; i < 20; i++)
        msgpack_pack_array(&pk, 1);
    msgpack_pack_nil(&pk);
    msgpack_pack_double(&pk, 1.5);

    size_t off = 0;
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(msgpack_unpack_next(&up, sb.data, sb.size, &off), MSGPACK_UNPACK_SUCCESS);
        json_object *j = NULL;
        ck_assert_msg(edge_json_from_msgpack(&up.data, 10, &j) == -1, "case %d", i);
        ck_assert_ptr_null(j);
    }
    ck_assert_int_eq(msgpack_unpack_next(&up, sb.data, sb.size, &off), MSGPACK_UNPACK_SUCCESS);
    json_object *j = NULL;
    ck_assert_int_eq(edge_json_from_msgpack(&up.data, 32, &j), 0);
    ck_assert_str_eq(edge_json_text(j, NULL), "1.5");
    json_object_put(j);
    msgpack_unpacked_destroy(&up);
    msgpack_sbuffer_destroy(&sb);
}
END_TEST

START_TEST(test_query)
{
    edge_query_t q;
    ck_assert_int_eq(edge_query_parse(NULL, &q), 0);
    ck_assert_int_eq(q.count, 0);
    ck_assert_int_eq(edge_query_parse("limit=20&cursor=abc%3D%3D&with=5&limit=99&bad-key=1&"
                                      "&unread&q=a+b%20c", &q), 0);
    ck_assert_int_eq(q.count, 5);
    ck_assert_str_eq(q.params[0].key, "limit");
    ck_assert_str_eq(q.params[0].value, "20");               /* first wins */
    ck_assert_str_eq(q.params[1].value, "abc==");
    ck_assert_str_eq(q.params[3].key, "unread");
    ck_assert_str_eq(q.params[3].value, "");
    ck_assert_str_eq(q.params[4].value, "a b c");
    ck_assert_int_eq(edge_query_parse("a=%00", &q), -1);
    ck_assert_int_eq(edge_query_parse("a=%ff", &q), -1);
    char many[512] = "";
    for (int i = 0; i < EDGE_QUERY_MAX_PARAMS + 1; i++)
        sprintf(many + strlen(many), "k%d=1&", i);
    ck_assert_int_eq(edge_query_parse(many, &q), -1);
}
END_TEST

START_TEST(test_body_map)
{
    edge_match_t m;
    ck_assert_int_eq(edge_route_match(edge_routes(), "PATCH", "/api/users/42", &m), EDGE_MATCH_OK);
    edge_query_t q;
    ck_assert_int_eq(edge_query_parse("id=7&limit=5&name=q", &q), 0);
    json_object *body = NULL;
    const char *json = "{\"id\":1,\"name\":\"b\",\"amount\":2.50}";
    ck_assert_int_eq(edge_json_parse_object(json, strlen(json), EDGE_JSON_MAX_TOKENS, &body), EDGE_JSON_OK);

    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    edge_body_pack(&pk, &m, &q, body);
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    ck_assert_int_eq(msgpack_unpack_next(&up, sb.data, sb.size, NULL), MSGPACK_UNPACK_SUCCESS);
    json_object *back = NULL;
    ck_assert_int_eq(edge_json_from_msgpack(&up.data, 32, &back), 0);
    /* path beats query beats body; path ids are integers, query values strings */
    ck_assert_str_eq(edge_json_text(back, NULL),
                     "{\"id\":42,\"limit\":\"5\",\"name\":\"q\",\"amount\":2.50}");
    json_object_put(back);
    msgpack_unpacked_destroy(&up);
    msgpack_sbuffer_destroy(&sb);
    json_object_put(body);
}
END_TEST

START_TEST(test_utf8)
{
    ck_assert(edge_utf8_valid("", 0));
    ck_assert(edge_utf8_valid("abc", 3));
    ck_assert(edge_utf8_valid("\xf4\x8f\xbf\xbf", 4));          /* U+10FFFF */
    ck_assert(!edge_utf8_valid("\xf4\x90\x80\x80", 4));         /* above */
    ck_assert(!edge_utf8_valid("\xe2\x82", 2));                 /* truncated */
    ck_assert(!edge_utf8_valid("\x80", 1));
    ck_assert(!edge_utf8_valid("\xe0\x80\x80", 3));             /* overlong */
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("edge_json");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_roundtrip_nested);
    tcase_add_test(tc, test_unicode);
    tcase_add_test(tc, test_numbers);
    tcase_add_test(tc, test_decimal_is_ext);
    tcase_add_test(tc, test_rejects);
    tcase_add_test(tc, test_depth);
    tcase_add_test(tc, test_tokens);
    tcase_add_test(tc, test_from_msgpack_rejects);
    tcase_add_test(tc, test_query);
    tcase_add_test(tc, test_body_map);
    tcase_add_test(tc, test_utf8);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
