/* test_edge_openapi.c -- schemas/openapi.json against the edge, both ways: every route of
 * the table (edge_routes.c) is described with its method, path template, auth and
 * Idempotency-Key; every operation described is one the edge routes; the error codes
 * are errors.c's; the embedded copy the edge serves is the file in the repository.
 *
 * Why here, in C: the table is C data that only the C code reads the way the edge does
 * (a script parsing edge_routes.c would have to re-implement the matcher's rules, and an
 * admin endpoint listing routes would add surface for a test). Linking edge_core, the
 * test walks the very table and matcher the binary uses. The document's own validity is
 * tests/openapi (Redocly's linter). */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "edge_openapi.h"
#include "edge_route.h"
#include "errors.h"

#ifndef BUSD_OPENAPI_FILE
#error "BUSD_OPENAPI_FILE: the path of schemas/openapi.json (tests/CMakeLists.txt)"
#endif

static json_object *doc;

static const char *const s_methods[] = { "get", "put", "post", "delete", "options", "head",
                                         "patch", "trace", NULL };

static void
s_load(void)
{
    json_tokener *tok = json_tokener_new();
    doc = json_tokener_parse_ex(tok, (const char *) edge_openapi_doc, (int) edge_openapi_doc_len);
    enum json_tokener_error err = json_tokener_get_error(tok);
    json_tokener_free(tok);
    ck_assert_msg(doc && err == json_tokener_success, "the embedded document is not JSON");
}

static void
s_unload(void)
{
    json_object_put(doc);
    doc = NULL;
}

static json_object *
s_get(json_object *obj, const char *key)
{
    json_object *out = NULL;
    return obj && json_object_object_get_ex(obj, key, &out) ? out : NULL;
}

/* Follows a local "$ref" ("#/components/parameters/X") once. */
static json_object *
s_deref(json_object *obj)
{
    json_object *ref = s_get(obj, "$ref");
    if (!ref)
        return obj;
    const char *p = json_object_get_string(ref);
    ck_assert_msg(strncmp(p, "#/", 2) == 0, "non-local $ref %s", p);
    json_object *cur = doc;
    char part[128];
    for (p += 2; *p;) {
        size_t n = strcspn(p, "/");
        ck_assert(n < sizeof part);
        memcpy(part, p, n);
        part[n] = '\0';
        cur = s_get(cur, part);
        ck_assert_msg(cur, "dangling $ref at %s", part);
        p += n + (p[n] == '/');
    }
    return cur;
}

/* "/api/users/:id" -> "/api/users/{id}" */
static void
s_openapi_path(const char *tmpl, char *out, size_t size)
{
    size_t o = 0;
    for (const char *p = tmpl; *p && o + 2 < size;) {
        if (*p == ':') {
            size_t n = strcspn(p + 1, "/");
            ck_assert(o + n + 3 < size);
            out[o++] = '{';
            memcpy(out + o, p + 1, n);
            o += n;
            out[o++] = '}';
            p += n + 1;
        }
        else
            out[o++] = *p++;
    }
    out[o] = '\0';
}

/* "/api/users/{id}" -> a concrete path ("/api/users/1") the edge should route. */
static void
s_concrete_path(const char *oapath, char *out, size_t size)
{
    size_t o = 0;
    for (const char *p = oapath; *p && o + 2 < size;) {
        if (*p == '{') {
            p += strcspn(p, "}");
            if (*p)
                p++;
            out[o++] = '7';
        }
        else
            out[o++] = *p++;
    }
    out[o] = '\0';
}

static void
s_lower(const char *in, char *out, size_t size)
{
    size_t i = 0;
    for (; in[i] && i + 1 < size; i++)
        out[i] = (char) tolower((unsigned char) in[i]);
    out[i] = '\0';
}

/* True when operation OP (or its path item PATH_ITEM) has a parameter IN:NAME. */
static bool
s_has_param(json_object *path_item, json_object *op, const char *in, const char *name)
{
    json_object *lists[2] = { s_get(path_item, "parameters"), s_get(op, "parameters") };
    for (int l = 0; l < 2; l++) {
        for (size_t i = 0; lists[l] && i < json_object_array_length(lists[l]); i++) {
            json_object *p = s_deref(json_object_array_get_idx(lists[l], i));
            const char *pin = json_object_get_string(s_get(p, "in"));
            const char *pname = json_object_get_string(s_get(p, "name"));
            if (pin && pname && strcmp(pin, in) == 0 && strcasecmp(pname, name) == 0)
                return true;
        }
    }
    return false;
}

START_TEST(test_served_copy_is_the_file)
{
    FILE *f = fopen(BUSD_OPENAPI_FILE, "rb");
    ck_assert_msg(f, "cannot open %s", BUSD_OPENAPI_FILE);
    char *buf = malloc(edge_openapi_doc_len + 2);
    ck_assert(buf);
    size_t got = fread(buf, 1, edge_openapi_doc_len + 1, f);
    fclose(f);
    ck_assert_msg(got == edge_openapi_doc_len && memcmp(buf, edge_openapi_doc, got) == 0,
                  "the embedded document differs from %s: rebuild", BUSD_OPENAPI_FILE);
    free(buf);
    ck_assert_int_eq(strlen(edge_openapi_etag), 66);   /* quotes around 64 hex digits */
    ck_assert_str_eq(json_object_get_string(s_get(doc, "openapi")), "3.1.0");
}
END_TEST

START_TEST(test_every_route_is_described)
{
    json_object *paths = s_get(doc, "paths");
    ck_assert(paths);
    int count = 0;
    for (const edge_route_t *r = edge_routes(); r->method; r++, count++) {
        char path[EDGE_ROUTE_MAX_PATH], method[16];
        s_openapi_path(r->path, path, sizeof path);
        s_lower(r->method, method, sizeof method);
        json_object *item = s_get(paths, path);
        ck_assert_msg(item, "route %s %s: no path %s in schemas/openapi.json", r->method,
                      r->path, path);
        json_object *op = s_get(item, method);
        ck_assert_msg(op, "route %s %s: no operation %s at %s", r->method, r->path, method,
                      path);

        /* Path parameters: each one of the template is declared. */
        for (const char *p = strchr(r->path, ':'); p; p = strchr(p + 1, ':')) {
            char name[EDGE_ROUTE_PARAM_NAME];
            size_t n = strcspn(p + 1, "/");
            ck_assert(n < sizeof name);
            memcpy(name, p + 1, n);
            name[n] = '\0';
            ck_assert_msg(s_has_param(item, op, "path", name), "%s %s: path parameter %s "
                          "not declared", r->method, r->path, name);
        }

        /* Auth: a public route says security: [], any other inherits the global
         * requirement (or names its own, non-empty). */
        json_object *sec = s_get(op, "security");
        if (r->is_public)
            ck_assert_msg(sec && json_object_array_length(sec) == 0,
                          "%s %s is public: it needs \"security\": []", r->method, r->path);
        else
            ck_assert_msg(!sec || json_object_array_length(sec) > 0,
                          "%s %s needs a token but is described as public", r->method,
                          r->path);

        /* Idempotency-Key exactly on the creating routes. */
        bool idem = s_has_param(item, op, "header", "Idempotency-Key");
        ck_assert_msg(idem == r->creates, "%s %s: Idempotency-Key %s", r->method, r->path,
                      r->creates ? "missing (the route takes one)"
                                 : "described, but the route ignores it");
        /* A creating route answers 201. */
        if (r->creates && r->local == EDGE_LOCAL_NONE)
            ck_assert_msg(s_get(s_get(op, "responses"), "201"), "%s %s: no 201", r->method,
                          r->path);
    }
    ck_assert_int_gt(count, 30);
}
END_TEST

START_TEST(test_nothing_described_is_missing)
{
    int ops = 0;
    json_object_object_foreach(s_get(doc, "paths"), path, item) {
        json_object_object_foreach(item, key, op) {
            (void) op;
            bool is_method = false;
            for (int i = 0; s_methods[i]; i++)
                is_method |= strcmp(key, s_methods[i]) == 0;
            if (!is_method)
                continue;                    /* "parameters", "summary", ... */
            ops++;
            char method[16], concrete[EDGE_ROUTE_MAX_PATH], back[EDGE_ROUTE_MAX_PATH];
            size_t i = 0;
            for (; key[i] && i + 1 < sizeof method; i++)
                method[i] = (char) toupper((unsigned char) key[i]);
            method[i] = '\0';
            s_concrete_path(path, concrete, sizeof concrete);
            edge_match_t m;
            ck_assert_msg(edge_route_match(edge_routes(), method, concrete, &m) == EDGE_MATCH_OK,
                          "described %s %s: the edge does not route it", method, path);
            /* ... and the route it lands on has this very template (not a neighbour). */
            s_openapi_path(m.route->path, back, sizeof back);
            ck_assert_msg(strcmp(back, path) == 0, "described %s %s lands on %s", method,
                          path, m.route->path);
        }
    }
    int routes = 0;
    for (const edge_route_t *r = edge_routes(); r->method; r++)
        routes++;
    ck_assert_int_eq(ops, routes);
}
END_TEST

START_TEST(test_error_codes_are_the_contracts)
{
    json_object *codes = s_get(s_get(s_get(s_get(doc, "components"), "schemas"), "ErrorCode"),
                               "enum");
    ck_assert(codes);
    size_t n = json_object_array_length(codes);
    ck_assert_int_eq(n, ERR_COUNT - 1);          /* every code but ERR_NONE */
    for (int e = ERR_NONE + 1; e < ERR_COUNT; e++) {
        bool found = false;
        for (size_t i = 0; i < n; i++)
            found |= strcmp(json_object_get_string(json_object_array_get_idx(codes, i)),
                            err_name((err_code_t) e)) == 0;
        ck_assert_msg(found, "error code %s is not in components/schemas/ErrorCode",
                      err_name((err_code_t) e));
    }
}
END_TEST

START_TEST(test_if_none_match)
{
    char list[200];
    ck_assert(!edge_openapi_not_modified(NULL));
    ck_assert(!edge_openapi_not_modified(""));
    ck_assert(!edge_openapi_not_modified("\"abc\""));
    ck_assert(edge_openapi_not_modified(edge_openapi_etag));
    ck_assert(edge_openapi_not_modified("*"));
    snprintf(list, sizeof list, "\"x\", W/%s ,\"y\"", edge_openapi_etag);
    ck_assert(edge_openapi_not_modified(list));
    /* a prefix of the tag is not the tag */
    snprintf(list, sizeof list, "%.40s", edge_openapi_etag);
    ck_assert(!edge_openapi_not_modified(list));
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("edge_openapi");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, s_load, s_unload);
    tcase_add_test(tc, test_served_copy_is_the_file);
    tcase_add_test(tc, test_every_route_is_described);
    tcase_add_test(tc, test_nothing_described_is_missing);
    tcase_add_test(tc, test_error_codes_are_the_contracts);
    tcase_add_test(tc, test_if_none_match);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
