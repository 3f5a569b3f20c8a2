/* test_users.c -- the Users rows of API.md over real HTTP: list visibility and keyset
 * pagination, get, update and delete with their permission rules, the admin bootstrap,
 * and the headers every response carries. Each test creates its own users. */
#include "it_assert.h"
#include "it_db.h"
#include "it_env.h"
#include "it_http.h"
#include "it_users.h"

#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNKNOWN_ID "9000000000000"   /* a valid bigint no test stack reaches */

/* --- helpers ----------------------------------------------------------------------- */

static it_response_t *
s_get_user(int64_t id, const char *token)
{
    char path[64];
    return it_request("GET", it_user_path(id, path, sizeof path), token, NULL, NULL);
}

/* PATCH /api/users/ID with a one-field body KEY: VALUE. */
static it_response_t *
s_patch_user(int64_t id, const char *token, const char *key, const char *value)
{
    char path[64];
    json_object *body = json_object_new_object();
    json_object_object_add(body, key, json_object_new_string(value));
    return it_request_json("PATCH", it_user_path(id, path, sizeof path), token, body);
}

static it_response_t *
s_delete_user(int64_t id, const char *token)
{
    char path[64];
    return it_request("DELETE", it_user_path(id, path, sizeof path), token, NULL, NULL);
}

static char *
s_db_user_field(int64_t id, const char *column)
{
    char sql[128], idtext[32];
    /* COLUMN is a literal from this file, never input. */
    snprintf(sql, sizeof sql, "SELECT %s FROM users WHERE id = $1::bigint", column);
    snprintf(idtext, sizeof idtext, "%" PRId64, id);
    return it_db_text(sql, 1, idtext);
}

static int64_t
s_db_user_exists(int64_t id)
{
    char idtext[32];
    snprintf(idtext, sizeof idtext, "%" PRId64, id);
    return it_db_int("SELECT count(*) FROM users WHERE id = $1::bigint", -1, 1, idtext);
}

static void
s_assert_db_field(int64_t id, const char *column, const char *want)
{
    char *v = s_db_user_field(id, column);
    ck_assert_msg(v && strcmp(v, want) == 0, "users.%s of %" PRId64 " is %s, expected %s",
                  column, id, v ? v : "NULL", want);
    free(v);
}

static int
s_key_count(json_object *obj)
{
    int n = 0;
    json_object_object_foreach(obj, key, val) {
        (void) key;
        (void) val;
        n++;
    }
    return n;
}

/* A user as a non-admin sees it: exactly id, name, username, created_at. */
static void
s_assert_public_view(json_object *u)
{
    ck_assert_msg(it_json_int(u, "id") > 0, "id missing: %s", json_object_to_json_string(u));
    ck_assert_msg(it_json_str(u, "name") != NULL, "name missing: %s", json_object_to_json_string(u));
    ck_assert_msg(it_json_has(u, "username"), "username key missing: %s",
                  json_object_to_json_string(u));
    ck_assert_msg(it_is_iso8601_ms(it_json_str(u, "created_at")), "created_at not ISO 8601: %s",
                  json_object_to_json_string(u));
    ck_assert_msg(s_key_count(u) == 4, "a non-admin sees more than id, name, username, "
                  "created_at: %s", json_object_to_json_string(u));
}

/* A user as an admin sees it: the public fields plus email, phone and role, keys present
 * even when null, and never a password. */
static void
s_assert_admin_view(json_object *u)
{
    ck_assert_msg(it_json_int(u, "id") > 0, "id missing: %s", json_object_to_json_string(u));
    ck_assert_msg(it_is_iso8601_ms(it_json_str(u, "created_at")), "created_at not ISO 8601: %s",
                  json_object_to_json_string(u));
    static const char *const keys[] = { "name", "username", "email", "phone", "role", NULL };
    for (int i = 0; keys[i]; i++)
        ck_assert_msg(it_json_has(u, keys[i]), "admin view lacks %s: %s", keys[i],
                      json_object_to_json_string(u));
    ck_assert_msg(it_json_str(u, "role") != NULL, "role is not a string: %s",
                  json_object_to_json_string(u));
    ck_assert_msg(!it_json_has_key_like(u, "password") && !it_json_has_key_like(u, "hash"),
                  "a password field leaks: %s", json_object_to_json_string(u));
}

/* The item of list DATA with id ID, or NULL. */
static json_object *
s_find(json_object *data, int64_t id)
{
    size_t n = json_object_array_length(data);
    for (size_t i = 0; i < n; i++) {
        json_object *u = json_object_array_get_idx(data, i);
        if (it_json_int(u, "id") == id)
            return u;
    }
    return NULL;
}

/* The list answer: success envelope, data an array, meta {limit, next_cursor}. Returns
 * data; *CURSOR gets a copy of next_cursor or NULL (caller frees). */
static json_object *
s_assert_list(const it_response_t *r, int64_t limit, char **cursor)
{
    json_object *data = IT_ASSERT_SUCCESS(r, 200);
    ck_assert_msg(data && json_object_is_type(data, json_type_array), "data is not an array: %s",
                  it_describe(r));
    ck_assert_msg((int64_t) json_object_array_length(data) <= limit, "more items than limit: %s",
                  it_describe(r));
    json_object *meta, *next;
    ck_assert_msg(json_object_object_get_ex(r->json, "meta", &meta), "no meta: %s", it_describe(r));
    ck_assert_int_eq(it_json_int(meta, "limit"), limit);
    ck_assert_msg(json_object_object_get_ex(meta, "next_cursor", &next), "no meta.next_cursor: %s",
                  it_describe(r));
    ck_assert_msg(next == NULL || json_object_is_type(next, json_type_string),
                  "next_cursor is neither a string nor null: %s", it_describe(r));
    if (cursor)
        *cursor = next ? strdup(json_object_get_string(next)) : NULL;
    return data;
}

/* 400 for a bad query or path parameter: VALIDATION_ERROR or BAD_REQUEST both fit the
 * contract; either way in the full error envelope. */
static void
s_assert_bad_input(const it_response_t *r)
{
    const char *code = r->json ? it_json_str(r->json, "error") : NULL;
    if (code && strcmp(code, "VALIDATION_ERROR") == 0)
        IT_ASSERT_ERROR(r, 400, "VALIDATION_ERROR", "Validation failed");
    else
        IT_ASSERT_ERROR(r, 400, "BAD_REQUEST", NULL);
}

/* --- list ---------------------------------------------------------------------------- */

START_TEST(test_list_as_user)
{
    it_user_t a, b;
    IT_USER_REGISTER(&a, "lista");
    IT_USER_REGISTER(&b, "listb");
    it_response_t *r = it_request("GET", "/api/users?limit=100", a.access, NULL, NULL);
    json_object *data = s_assert_list(r, 100, NULL);
    ck_assert_msg(s_find(data, b.id) != NULL, "a fresh user is not on the first page: %s",
                  it_describe(r));
    size_t n = json_object_array_length(data);
    for (size_t i = 0; i < n; i++)
        s_assert_public_view(json_object_array_get_idx(data, i));
    ck_assert_str_eq(it_json_str(s_find(data, b.id), "name"), b.name);
    it_response_destroy(&r);
    it_user_clear(&a);
    it_user_clear(&b);
}
END_TEST

START_TEST(test_list_as_admin)
{
    it_user_t admin, a;
    IT_ADMIN_LOGIN(&admin);
    IT_USER_REGISTER(&a, "listadm");
    it_response_t *r = it_request("GET", "/api/users?limit=100", admin.access, NULL, NULL);
    json_object *data = s_assert_list(r, 100, NULL);
    size_t n = json_object_array_length(data);
    for (size_t i = 0; i < n; i++)
        s_assert_admin_view(json_object_array_get_idx(data, i));
    json_object *mine = s_find(data, a.id);
    ck_assert_msg(mine != NULL, "a fresh user is not on the first page: %s", it_describe(r));
    ck_assert_str_eq(it_json_str(mine, "email"), a.email);
    ck_assert_str_eq(it_json_str(mine, "role"), "user");
    json_object *phone;
    ck_assert_msg(json_object_object_get_ex(mine, "phone", &phone) && phone == NULL,
                  "phone of a user without one is not null: %s", it_describe(r));
    it_response_destroy(&r);
    it_user_clear(&admin);
    it_user_clear(&a);
}
END_TEST

/* Walks the list from the start with LIMIT, at most MAX_PAGES pages, until every id in
 * WANT is seen (or the end when WANT_COUNT is 0), asserting no id comes twice and the
 * order is newest first. Returns the number of items seen. */
static int
s_walk(const char *token, int limit, int max_pages, const int64_t *want, int want_count,
       bool *reached_end)
{
    int64_t *seen = NULL;
    int seen_count = 0, found = 0, pages = 0;
    char *cursor = NULL, prev_created[40] = "";
    *reached_end = false;
    do {
        char path[512];
        if (cursor) {
            char *escaped = it_url_escape(cursor);
            snprintf(path, sizeof path, "/api/users?limit=%d&cursor=%s", limit, escaped);
            free(escaped);
        } else
            snprintf(path, sizeof path, "/api/users?limit=%d", limit);
        free(cursor);
        cursor = NULL;
        it_response_t *r = it_request("GET", path, token, NULL, NULL);
        json_object *data = s_assert_list(r, limit, &cursor);
        size_t n = json_object_array_length(data);
        ck_assert_msg(n > 0 || pages == 0, "an empty page after a cursor: %s", it_describe(r));
        ck_assert_msg(!cursor || (int) n == limit, "a short page with a next cursor: %s",
                      it_describe(r));
        seen = realloc(seen, sizeof *seen * (size_t) (seen_count + (int) n));
        ck_assert_ptr_nonnull(seen);
        for (size_t i = 0; i < n; i++) {
            json_object *u = json_object_array_get_idx(data, i);
            int64_t id = it_json_int(u, "id");
            for (int j = 0; j < seen_count; j++)
                ck_assert_msg(seen[j] != id, "id %" PRId64 " listed twice (page %d)", id, pages);
            seen[seen_count++] = id;
            for (int j = 0; j < want_count; j++)
                if (want[j] == id)
                    found++;
            /* ISO 8601 UTC strings of one format sort as their instants do. */
            const char *created = it_json_str(u, "created_at");
            ck_assert_msg(created && (!prev_created[0] || strcmp(created, prev_created) <= 0),
                          "not newest first: %s after %s", created ? created : "?", prev_created);
            snprintf(prev_created, sizeof prev_created, "%s", created);
        }
        it_response_destroy(&r);
        pages++;
        if (want_count > 0 && found == want_count)
            break;
    } while (cursor && pages < max_pages);
    *reached_end = cursor == NULL;
    if (want_count > 0)
        ck_assert_msg(found == want_count, "only %d of %d fresh users found in %d pages", found,
                      want_count, pages);
    free(cursor);
    free(seen);
    return seen_count;
}

START_TEST(test_list_pagination)
{
    it_user_t u[3];
    int64_t ids[3];
    for (int i = 0; i < 3; i++) {
        IT_USER_REGISTER(&u[i], "page");
        ids[i] = u[i].id;
    }
    /* The first page of 2 is full and points further. */
    it_response_t *r = it_request("GET", "/api/users?limit=2", u[0].access, NULL, NULL);
    char *cursor = NULL;
    json_object *data = s_assert_list(r, 2, &cursor);
    ck_assert_int_eq(json_object_array_length(data), 2);
    ck_assert_msg(cursor != NULL, "no next_cursor with more users behind: %s", it_describe(r));
    free(cursor);
    it_response_destroy(&r);

    bool end;
    s_walk(u[0].access, 2, 50, ids, 3, &end);
    /* The whole list, to its end: no duplicates, every page chained, a null cursor last. */
    int total = s_walk(u[0].access, 100, 1000, NULL, 0, &end);
    ck_assert_msg(end, "the list did not end within 1000 pages");
    ck_assert_int_ge(total, 3);
    for (int i = 0; i < 3; i++)
        it_user_clear(&u[i]);
}
END_TEST

START_TEST(test_list_limit_bounds)
{
    it_user_t a;
    IT_USER_REGISTER(&a, "limit");
    static const char *const bad[] = { "/api/users?limit=0", "/api/users?limit=101",
                                       "/api/users?limit=abc", "/api/users?limit=-1", NULL };
    for (int i = 0; bad[i]; i++) {
        it_response_t *r = it_request("GET", bad[i], a.access, NULL, NULL);
        s_assert_bad_input(r);
        it_response_destroy(&r);
    }
    it_response_t *r = it_request("GET", "/api/users?limit=1", a.access, NULL, NULL);
    ck_assert_int_eq(json_object_array_length(s_assert_list(r, 1, NULL)), 1);
    it_response_destroy(&r);
    r = it_request("GET", "/api/users", a.access, NULL, NULL);
    s_assert_list(r, 20, NULL);     /* the default */
    it_response_destroy(&r);
    it_user_clear(&a);
}
END_TEST

/* --- get ----------------------------------------------------------------------------- */

START_TEST(test_get_visibility)
{
    it_user_t admin, a, b;
    IT_ADMIN_LOGIN(&admin);
    IT_USER_REGISTER(&a, "geta");
    IT_USER_REGISTER(&b, "getb");

    it_response_t *r = s_get_user(b.id, a.access);
    json_object *data = IT_ASSERT_SUCCESS(r, 200);
    s_assert_public_view(data);
    ck_assert_int_eq(it_json_int(data, "id"), b.id);
    ck_assert_str_eq(it_json_str(data, "name"), b.name);
    ck_assert_str_eq(it_json_str(data, "username"), b.username);
    it_response_destroy(&r);

    r = s_get_user(b.id, admin.access);
    data = IT_ASSERT_SUCCESS(r, 200);
    s_assert_admin_view(data);
    ck_assert_str_eq(it_json_str(data, "email"), b.email);
    ck_assert_str_eq(it_json_str(data, "role"), "user");
    it_response_destroy(&r);

    /* and the other way round: b looking at a sees no more than a looking at b */
    r = s_get_user(a.id, b.access);
    s_assert_public_view(IT_ASSERT_SUCCESS(r, 200));
    it_response_destroy(&r);
    it_user_clear(&admin);
    it_user_clear(&a);
    it_user_clear(&b);
}
END_TEST

START_TEST(test_get_unknown_and_bad_id)
{
    it_user_t a;
    IT_USER_REGISTER(&a, "get404");
    it_response_t *r = it_request("GET", "/api/users/" UNKNOWN_ID, a.access, NULL, NULL);
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", NULL);
    it_response_destroy(&r);
    r = it_request("GET", "/api/users/abc", a.access, NULL, NULL);
    s_assert_bad_input(r);
    it_response_destroy(&r);
    r = it_request("GET", "/api/users/12abc", a.access, NULL, NULL);
    s_assert_bad_input(r);
    it_response_destroy(&r);
    it_user_clear(&a);
}
END_TEST

/* --- update -------------------------------------------------------------------------- */

/* A reader who fetched (and so cached) a profile sees the change right after the write. */
START_TEST(test_update_self)
{
    it_user_t a, b;
    IT_USER_REGISTER(&a, "upself");
    IT_USER_REGISTER(&b, "upreader");
    it_response_t *r = s_get_user(a.id, b.access);
    IT_ASSERT_SUCCESS(r, 200);
    it_response_destroy(&r);

    r = s_patch_user(a.id, a.access, "name", "New Name");
    ck_assert_str_eq(it_json_str(IT_ASSERT_SUCCESS(r, 200), "name"), "New Name");
    it_response_destroy(&r);
    s_assert_db_field(a.id, "name", "New Name");

    r = s_get_user(a.id, b.access);
    ck_assert_str_eq(it_json_str(IT_ASSERT_SUCCESS(r, 200), "name"), "New Name");
    it_response_destroy(&r);
    it_user_clear(&a);
    it_user_clear(&b);
}
END_TEST

START_TEST(test_update_validation)
{
    it_user_t a;
    IT_USER_REGISTER(&a, "upval");
    it_response_t *r = s_patch_user(a.id, a.access, "name", "");
    IT_ASSERT_VALIDATION(r, "name");
    it_response_destroy(&r);
    s_assert_db_field(a.id, "name", a.name);
    it_user_clear(&a);
}
END_TEST

START_TEST(test_update_other_forbidden)
{
    it_user_t a, b;
    IT_USER_REGISTER(&a, "upvictim");
    IT_USER_REGISTER(&b, "upattacker");
    it_response_t *r = s_patch_user(a.id, b.access, "name", "Hijacked");
    IT_ASSERT_ERROR(r, 403, "FORBIDDEN", "Insufficient permissions");
    it_response_destroy(&r);
    s_assert_db_field(a.id, "name", a.name);
    it_user_clear(&a);
    it_user_clear(&b);
}
END_TEST

/* A non-admin sending role is refused as a whole: the name beside it is not applied. */
START_TEST(test_update_role_by_user_forbidden)
{
    it_user_t a;
    IT_USER_REGISTER(&a, "uprole");
    char path[64];
    json_object *body = json_object_new_object();
    json_object_object_add(body, "name", json_object_new_string("Sneaky"));
    json_object_object_add(body, "role", json_object_new_string("admin"));
    it_response_t *r = it_request_json("PATCH", it_user_path(a.id, path, sizeof path), a.access,
                                       body);
    IT_ASSERT_ERROR(r, 403, "FORBIDDEN", "Insufficient permissions");
    it_response_destroy(&r);
    s_assert_db_field(a.id, "role", "user");
    s_assert_db_field(a.id, "name", a.name);
    it_user_clear(&a);
}
END_TEST

START_TEST(test_update_role_by_admin)
{
    it_user_t admin, a;
    IT_ADMIN_LOGIN(&admin);
    IT_USER_REGISTER(&a, "promote");
    it_response_t *r = s_patch_user(a.id, admin.access, "role", "moderator");
    IT_ASSERT_SUCCESS(r, 200);
    it_response_destroy(&r);
    s_assert_db_field(a.id, "role", "moderator");
    r = s_get_user(a.id, admin.access);
    ck_assert_str_eq(it_json_str(IT_ASSERT_SUCCESS(r, 200), "role"), "moderator");
    it_response_destroy(&r);
    it_user_clear(&admin);
    it_user_clear(&a);
}
END_TEST

START_TEST(test_update_duplicate_email)
{
    it_user_t a, b;
    IT_USER_REGISTER(&a, "dupa");
    IT_USER_REGISTER(&b, "dupb");
    it_response_t *r = s_patch_user(a.id, a.access, "email", b.email);
    IT_ASSERT_ERROR(r, 409, "DUPLICATE_ENTRY", "Duplicate entry found");
    it_response_destroy(&r);
    s_assert_db_field(a.id, "email", a.email);
    ck_assert_int_eq(it_db_count_users_by_email(b.email), 1);
    it_user_clear(&a);
    it_user_clear(&b);
}
END_TEST

START_TEST(test_update_password)
{
    it_user_t a;
    IT_USER_REGISTER(&a, "newpw");
    char old_password[64];
    snprintf(old_password, sizeof old_password, "%s", a.password);
    it_response_t *r = s_patch_user(a.id, a.access, "password", "Brand-new-passw0rd");
    json_object *data = IT_ASSERT_SUCCESS(r, 200);
    ck_assert_msg(!it_json_has_key_like(data, "password") && !it_json_has_key_like(data, "hash"),
                  "the answer carries a password field: %s", it_describe(r));
    it_response_destroy(&r);

    snprintf(a.password, sizeof a.password, "Brand-new-passw0rd");
    IT_USER_LOGIN(&a);

    json_object *body = json_object_new_object();
    json_object_object_add(body, "email", json_object_new_string(a.email));
    json_object_object_add(body, "password", json_object_new_string(old_password));
    r = it_request_json("POST", "/api/auth/login", NULL, body);
    IT_ASSERT_ERROR(r, 401, "UNAUTHORIZED", "Invalid credentials");
    it_response_destroy(&r);
    it_user_clear(&a);
}
END_TEST

/* --- delete -------------------------------------------------------------------------- */

START_TEST(test_delete_self)
{
    it_user_t admin, a;
    IT_ADMIN_LOGIN(&admin);
    IT_USER_REGISTER(&a, "delself");
    it_response_t *r = s_delete_user(a.id, a.access);
    ck_assert_msg(IT_ASSERT_SUCCESS(r, 200) == NULL, "delete data is not null: %s", it_describe(r));
    it_response_destroy(&r);
    ck_assert_int_eq(s_db_user_exists(a.id), 0);
    r = s_get_user(a.id, admin.access);
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", NULL);
    it_response_destroy(&r);
    it_user_clear(&admin);
    it_user_clear(&a);
}
END_TEST

START_TEST(test_delete_other_forbidden)
{
    it_user_t a, b;
    IT_USER_REGISTER(&a, "delvictim");
    IT_USER_REGISTER(&b, "delattacker");
    it_response_t *r = s_delete_user(a.id, b.access);
    IT_ASSERT_ERROR(r, 403, "FORBIDDEN", "Insufficient permissions");
    it_response_destroy(&r);
    ck_assert_int_eq(s_db_user_exists(a.id), 1);
    it_user_clear(&a);
    it_user_clear(&b);
}
END_TEST

/* Deleting a profile someone has just read (and so cached) leaves no stale copy. */
START_TEST(test_delete_by_admin)
{
    it_user_t admin, a, b;
    IT_ADMIN_LOGIN(&admin);
    IT_USER_REGISTER(&a, "deladm");
    IT_USER_REGISTER(&b, "delreader");
    it_response_t *r = s_get_user(a.id, b.access);
    IT_ASSERT_SUCCESS(r, 200);
    it_response_destroy(&r);

    r = s_delete_user(a.id, admin.access);
    ck_assert_msg(IT_ASSERT_SUCCESS(r, 200) == NULL, "delete data is not null: %s", it_describe(r));
    it_response_destroy(&r);
    ck_assert_int_eq(s_db_user_exists(a.id), 0);
    r = s_get_user(a.id, b.access);
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", NULL);
    it_response_destroy(&r);
    it_user_clear(&admin);
    it_user_clear(&a);
    it_user_clear(&b);
}
END_TEST

/* --- admin bootstrap ----------------------------------------------------------------- */

START_TEST(test_admin_bootstrap)
{
    it_user_t admin;
    IT_ADMIN_LOGIN(&admin);
    it_response_t *r = it_request("GET", "/api/auth/me", admin.access, NULL, NULL);
    json_object *data = IT_ASSERT_SUCCESS(r, 200);
    ck_assert_str_eq(it_json_str(data, "role"), "admin");
    it_response_destroy(&r);
    ck_assert_int_eq(it_db_count_users_by_email(admin.email), 1);
    s_assert_db_field(admin.id, "role", "admin");
    it_user_clear(&admin);
}
END_TEST

/* --- headers ------------------------------------------------------------------------- */

START_TEST(test_request_id_generated)
{
    it_user_t a;
    IT_USER_REGISTER(&a, "rid");
    it_response_t *r = s_get_user(a.id, a.access);
    IT_ASSERT_SUCCESS(r, 200);
    const char *rid = it_header(r, "X-Request-ID");
    ck_assert_msg(it_is_generated_request_id(rid), "X-Request-ID %s is not req_<ms>_<9>", rid);
    ck_assert_ptr_nonnull(it_header(r, "X-Correlation-ID"));
    it_response_destroy(&r);

    /* and a 404 from the edge itself carries one too, equal to its requestId */
    r = it_request("GET", "/api/no-such-route", a.access, NULL, NULL);
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", NULL);
    ck_assert(it_is_generated_request_id(it_header(r, "X-Request-ID")));
    it_response_destroy(&r);
    it_user_clear(&a);
}
END_TEST

START_TEST(test_request_id_echoed)
{
    it_user_t a;
    IT_USER_REGISTER(&a, "echo");
    char rid[64], line[96];
    it_unique("it-echo.ID_", rid, sizeof rid);
    snprintf(line, sizeof line, "X-Request-ID: %s", rid);
    const char *headers[] = { line, NULL };
    it_req_t req = { .method = "GET", .path = "/api/auth/me", .token = a.access,
                     .headers = headers };
    it_response_t *r = it_request_ex(&req);
    IT_ASSERT_SUCCESS(r, 200);      /* compares X-Request-ID with what we sent */
    ck_assert_str_eq(it_header(r, "X-Request-ID"), rid);
    it_response_destroy(&r);

    /* an error envelope names it as requestId */
    req.token = NULL;
    r = it_request_ex(&req);
    IT_ASSERT_ERROR(r, 401, "UNAUTHORIZED", "Missing token");
    ck_assert_str_eq(it_json_str(r->json, "requestId"), rid);
    it_response_destroy(&r);
    it_user_clear(&a);
}
END_TEST

START_TEST(test_request_id_invalid_replaced)
{
    char too_long[160];
    memset(too_long, 'a', 129);
    too_long[129] = '\0';
    char long_line[200];
    snprintf(long_line, sizeof long_line, "X-Request-ID: %s", too_long);
    const char *const bad[] = { "X-Request-ID: has spaces and <tags>", "X-Request-ID: semi;colon",
                                long_line, NULL };
    for (int i = 0; bad[i]; i++) {
        const char *headers[] = { bad[i], NULL };
        it_req_t req = { .method = "GET", .path = "/api/auth/me", .headers = headers };
        it_response_t *r = it_request_ex(&req);
        IT_ASSERT_ERROR(r, 401, "UNAUTHORIZED", "Missing token");
        const char *rid = it_header(r, "X-Request-ID");
        ck_assert_msg(it_is_generated_request_id(rid), "invalid id %s answered with %s",
                      bad[i], rid ? rid : "(none)");
        it_response_destroy(&r);
    }
}
END_TEST

START_TEST(test_security_headers)
{
    it_user_t a;
    IT_USER_REGISTER(&a, "sechdr");
    it_response_t *r = s_get_user(a.id, a.access);          /* 2xx */
    IT_ASSERT_SUCCESS(r, 200);
    IT_ASSERT_SECURITY_HEADERS(r);
    it_response_destroy(&r);
    r = it_request("GET", "/api/auth/me", NULL, NULL, NULL);  /* 401 */
    IT_ASSERT_STATUS(r, 401);
    IT_ASSERT_SECURITY_HEADERS(r);
    it_response_destroy(&r);
    r = it_request("GET", "/api/users/" UNKNOWN_ID, a.access, NULL, NULL);  /* 404 */
    IT_ASSERT_STATUS(r, 404);
    IT_ASSERT_SECURITY_HEADERS(r);
    it_response_destroy(&r);
    r = it_request("GET", "/api/no-such-route", NULL, NULL, NULL);          /* 404, edge */
    IT_ASSERT_STATUS(r, 404);
    IT_ASSERT_SECURITY_HEADERS(r);
    it_response_destroy(&r);
    it_user_clear(&a);
}
END_TEST

START_TEST(test_cache_control_authenticated)
{
    it_user_t a;
    IT_USER_REGISTER(&a, "nostore");
    static const char *const paths[] = { "/api/auth/me", "/api/users?limit=1", NULL };
    for (int i = 0; paths[i]; i++) {
        it_response_t *r = it_request("GET", paths[i], a.access, NULL, NULL);
        IT_ASSERT_SUCCESS(r, 200);
        const char *cc = it_header(r, "Cache-Control");
        ck_assert_msg(cc && strstr(cc, "no-store"), "%s: Cache-Control is %s", paths[i],
                      cc ? cc : "(absent)");
        it_response_destroy(&r);
    }
    char path[64];
    it_response_t *r = s_get_user(a.id, a.access);
    IT_ASSERT_SUCCESS(r, 200);
    const char *cc = it_header(r, "Cache-Control");
    ck_assert_msg(cc && strstr(cc, "no-store"), "%s: Cache-Control is %s",
                  it_user_path(a.id, path, sizeof path), cc ? cc : "(absent)");
    it_response_destroy(&r);
    it_user_clear(&a);
}
END_TEST

/* --- suite --------------------------------------------------------------------------- */

static TCase *
s_tcase(const char *name)
{
    TCase *tc = tcase_create(name);
    tcase_set_timeout(tc, 180);   /* the full list walk and bcrypt on two shared cores */
    return tc;
}

static Suite *
s_suite(void)
{
    Suite *s = suite_create("users");
    TCase *tc = s_tcase("list");
    tcase_add_test(tc, test_list_as_user);
    tcase_add_test(tc, test_list_as_admin);
    tcase_add_test(tc, test_list_pagination);
    tcase_add_test(tc, test_list_limit_bounds);
    suite_add_tcase(s, tc);

    tc = s_tcase("get");
    tcase_add_test(tc, test_get_visibility);
    tcase_add_test(tc, test_get_unknown_and_bad_id);
    suite_add_tcase(s, tc);

    tc = s_tcase("update");
    tcase_add_test(tc, test_update_self);
    tcase_add_test(tc, test_update_validation);
    tcase_add_test(tc, test_update_other_forbidden);
    tcase_add_test(tc, test_update_role_by_user_forbidden);
    tcase_add_test(tc, test_update_role_by_admin);
    tcase_add_test(tc, test_update_duplicate_email);
    tcase_add_test(tc, test_update_password);
    suite_add_tcase(s, tc);

    tc = s_tcase("delete");
    tcase_add_test(tc, test_delete_self);
    tcase_add_test(tc, test_delete_other_forbidden);
    tcase_add_test(tc, test_delete_by_admin);
    suite_add_tcase(s, tc);

    tc = s_tcase("admin");
    tcase_add_test(tc, test_admin_bootstrap);
    suite_add_tcase(s, tc);

    tc = s_tcase("headers");
    tcase_add_test(tc, test_request_id_generated);
    tcase_add_test(tc, test_request_id_echoed);
    tcase_add_test(tc, test_request_id_invalid_replaced);
    tcase_add_test(tc, test_security_headers);
    tcase_add_test(tc, test_cache_control_authenticated);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return it_suite_run(s_suite());
}
