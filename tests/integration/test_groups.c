/* test_groups.c -- the Groups rows of API.md over real HTTP: create (with member_ids),
 * list, get, rename, delete, add / remove / leave, change a member's role; every
 * validation and permission rule, the last-admin rule of services/messages/README.md, and
 * the database state behind each answer. Each test registers its own users. */
#include "it_assert.h"
#include "it_chat.h"
#include "it_db.h"
#include "it_env.h"
#include "it_http.h"
#include "it_users.h"

#include <check.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- helpers ----------------------------------------------------------------------- */

/* Creates a group named NAME owned by OWNER with MEMBER_IDS (a JSON array text, or NULL);
 * asserts 201 and returns its id. */
static int64_t
s_group(const it_user_t *owner, const char *name, const char *member_ids)
{
    it_response_t *r = member_ids
        ? it_callf(owner, "POST", "/api/groups", "{\"name\":\"%s\",\"member_ids\":%s}", name, member_ids)
        : it_callf(owner, "POST", "/api/groups", "{\"name\":\"%s\"}", name);
    int64_t id = it_json_int(IT_ASSERT_SUCCESS(r, 201), "id");
    ck_assert_msg(id > 0, "no group id: %s", it_describe(r));
    it_response_destroy(&r);
    return id;
}

/* The role of USER in GROUP from the database, or NULL (caller frees). */
static char *
s_db_role(int64_t group, int64_t user)
{
    char g[24], u[24];
    return it_db_text("SELECT role FROM group_members WHERE group_id = $1 AND user_id = $2", 2,
                      it_itoa(group, g, sizeof g), it_itoa(user, u, sizeof u));
}

static void
s_assert_role(int64_t group, int64_t user, const char *want)
{
    char *role = s_db_role(group, user);
    if (!want)
        ck_assert_msg(!role, "user %" PRId64 " is still a member (%s)", user, role);
    else
        ck_assert_msg(role && strcmp(role, want) == 0, "user %" PRId64 " role %s, want %s",
                      user, role ? role : "(none)", want);
    free(role);
}

static int64_t
s_db_groups(int64_t group)
{
    char g[24];
    return it_db_int("SELECT count(*) FROM groups WHERE id = $1", -1, 1, it_itoa(group, g, sizeof g));
}

/* The member entry of USER in DATA's members array, or NULL. */
static json_object *
s_member(json_object *data, int64_t user)
{
    json_object *members;
    ck_assert_msg(json_object_object_get_ex(data, "members", &members)
                  && json_object_is_type(members, json_type_array), "no members array");
    for (size_t i = 0; i < json_object_array_length(members); i++) {
        json_object *m = json_object_array_get_idx(members, i);
        if (it_json_int(m, "user_id") == user)
            return m;
    }
    return NULL;
}

/* --- create ------------------------------------------------------------------------ */

START_TEST(test_create_with_members)
{
    it_user_t a, b, c;
    IT_USER_REGISTER(&a, "grpowner");
    IT_USER_REGISTER(&b, "grpmember");
    IT_USER_REGISTER(&c, "grpmember2");
    char ids[96];
    /* Duplicates and the creator in member_ids are folded: one membership each. */
    snprintf(ids, sizeof ids, "[%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 "]", b.id, c.id,
             b.id, a.id);
    it_response_t *r = it_callf(&a, "POST", "/api/groups", "{\"name\":\"Team\",\"member_ids\":%s}", ids);
    json_object *data = IT_ASSERT_SUCCESS(r, 201);
    IT_ASSERT_SECURITY_HEADERS(r);
    int64_t id = it_json_int(data, "id");
    ck_assert_int_gt(id, 0);
    ck_assert_str_eq(it_json_str(data, "name"), "Team");
    ck_assert_int_eq(it_json_int(data, "created_by"), a.id);
    ck_assert(it_is_iso8601_ms(it_json_str(data, "created_at")));
    json_object *members;
    ck_assert(json_object_object_get_ex(data, "members", &members));
    ck_assert_int_eq(json_object_array_length(members), 3);
    ck_assert_str_eq(it_json_str(s_member(data, a.id), "role"), "admin");
    ck_assert_str_eq(it_json_str(s_member(data, b.id), "role"), "member");
    ck_assert_str_eq(it_json_str(s_member(data, c.id), "role"), "member");
    it_response_destroy(&r);

    char g[24];
    ck_assert_int_eq(it_db_int("SELECT count(*) FROM group_members WHERE group_id = $1", -1, 1,
                               it_itoa(id, g, sizeof g)), 3);
    s_assert_role(id, a.id, "admin");
    s_assert_role(id, b.id, "member");
    char *name = it_db_text("SELECT name FROM groups WHERE id = $1", 1, g);
    ck_assert_str_eq(name, "Team");
    free(name);
    it_user_clear(&a);
    it_user_clear(&b);
    it_user_clear(&c);
}
END_TEST

START_TEST(test_create_alone)
{
    it_user_t a;
    IT_USER_REGISTER(&a, "grpalone");
    it_response_t *r = it_callf(&a, "POST", "/api/groups", "{\"name\":\"Solo\"}");
    json_object *data = IT_ASSERT_SUCCESS(r, 201);
    json_object *members;
    ck_assert(json_object_object_get_ex(data, "members", &members));
    ck_assert_int_eq(json_object_array_length(members), 1);
    ck_assert_str_eq(it_json_str(s_member(data, a.id), "role"), "admin");
    it_response_destroy(&r);
    it_user_clear(&a);
}
END_TEST

START_TEST(test_create_validation)
{
    it_user_t a;
    IT_USER_REGISTER(&a, "grpvalid");
    it_response_t *r = it_callf(&a, "POST", "/api/groups", "{}");
    IT_ASSERT_VALIDATION(r, "name");
    it_response_destroy(&r);
    r = it_callf(&a, "POST", "/api/groups", "{\"name\":\"\"}");
    IT_ASSERT_VALIDATION(r, "name");
    it_response_destroy(&r);
    r = it_callf(&a, "POST", "/api/groups", "{\"name\":\"   \"}");
    IT_ASSERT_VALIDATION(r, "name");
    it_response_destroy(&r);
    char longname[128];
    memset(longname, 'n', 101);
    longname[101] = '\0';
    r = it_callf(&a, "POST", "/api/groups", "{\"name\":\"%s\"}", longname);
    IT_ASSERT_VALIDATION(r, "name");
    it_response_destroy(&r);
    longname[100] = '\0';                        /* exactly 100: accepted */
    r = it_callf(&a, "POST", "/api/groups", "{\"name\":\"%s\"}", longname);
    IT_ASSERT_SUCCESS(r, 201);
    it_response_destroy(&r);
    r = it_callf(&a, "POST", "/api/groups", "{\"name\":7}");
    IT_ASSERT_VALIDATION(r, "name");
    it_response_destroy(&r);
    /* All fields checked at once, the unknown one included. */
    r = it_callf(&a, "POST", "/api/groups", "{\"name\":\"\",\"member_ids\":\"1,2\",\"owner\":1}");
    IT_ASSERT_VALIDATION(r, "owner", "name", "member_ids");
    it_response_destroy(&r);
    r = it_callf(&a, "POST", "/api/groups", "{\"name\":\"x\",\"member_ids\":[\"5\"]}");
    IT_ASSERT_VALIDATION(r, "member_ids");
    it_response_destroy(&r);
    r = it_callf(&a, "POST", "/api/groups", "{\"name\":\"x\",\"member_ids\":[0]}");
    IT_ASSERT_VALIDATION(r, "member_ids");
    it_response_destroy(&r);
    r = it_callf(&a, "POST", "/api/groups", "{\"name\":\"x\",\"member_ids\":[-4]}");
    IT_ASSERT_VALIDATION(r, "member_ids");
    it_response_destroy(&r);
    r = it_request("POST", "/api/groups", a.access, NULL, "[1,2]");
    IT_ASSERT_STATUS(r, 400);
    it_response_destroy(&r);
    it_user_clear(&a);
}
END_TEST

START_TEST(test_create_unknown_member)
{
    it_user_t a;
    IT_USER_REGISTER(&a, "grpunknown");
    char name[64];
    it_unique("ghostgroup", name, sizeof name);
    it_response_t *r = it_callf(&a, "POST", "/api/groups",
                              "{\"name\":\"%s\",\"member_ids\":[9000000000000000000]}", name);
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", "User not found");
    it_response_destroy(&r);
    /* Nothing half-made: no group, no membership of the creator. */
    ck_assert_int_eq(it_db_int("SELECT count(*) FROM groups WHERE name = $1", -1, 1, name), 0);
    it_user_clear(&a);
}
END_TEST

START_TEST(test_requires_token)
{
    it_response_t *r = it_request("POST", "/api/groups", NULL, NULL, "{\"name\":\"x\"}");
    IT_ASSERT_ERROR(r, 401, "UNAUTHORIZED", NULL);
    it_response_destroy(&r);
    r = it_request("GET", "/api/groups", NULL, NULL, NULL);
    IT_ASSERT_ERROR(r, 401, "UNAUTHORIZED", NULL);
    it_response_destroy(&r);
    r = it_request("GET", "/api/groups/1", NULL, NULL, NULL);
    IT_ASSERT_ERROR(r, 401, "UNAUTHORIZED", NULL);
    it_response_destroy(&r);
}
END_TEST

/* --- list and get ------------------------------------------------------------------ */

START_TEST(test_list_mine_paginated)
{
    it_user_t a, b;
    IT_USER_REGISTER(&a, "grplister");
    IT_USER_REGISTER(&b, "grpother");
    int64_t g1 = s_group(&a, "One", NULL);
    int64_t g2 = s_group(&a, "Two", NULL);
    int64_t g3 = s_group(&a, "Three", NULL);
    int64_t theirs = s_group(&b, "Theirs", NULL);

    it_response_t *r = it_callf(&a, "GET", "/api/groups?limit=2", NULL);
    json_object *data = IT_ASSERT_SUCCESS(r, 200);
    ck_assert(json_object_is_type(data, json_type_array));
    ck_assert_int_eq(json_object_array_length(data), 2);
    ck_assert_int_eq(it_json_int(json_object_array_get_idx(data, 0), "id"), g3);   /* newest first */
    ck_assert_int_eq(it_json_int(json_object_array_get_idx(data, 1), "id"), g2);
    ck_assert_str_eq(it_json_str(json_object_array_get_idx(data, 0), "role"), "admin");
    json_object *meta;
    ck_assert(json_object_object_get_ex(r->json, "meta", &meta));
    ck_assert_int_eq(it_json_int(meta, "limit"), 2);
    const char *cursor = it_json_str(meta, "next_cursor");
    ck_assert_ptr_nonnull(cursor);
    char path[256];
    it_fmt(path, sizeof path, "/api/groups?limit=2&cursor=%s", cursor);
    it_response_t *r2 = it_callf(&a, "GET", path, NULL);
    data = IT_ASSERT_SUCCESS(r2, 200);
    ck_assert_int_eq(json_object_array_length(data), 1);
    ck_assert_int_eq(it_json_int(json_object_array_get_idx(data, 0), "id"), g1);
    ck_assert(json_object_object_get_ex(r2->json, "meta", &meta));
    ck_assert_msg(it_json_has(meta, "next_cursor") && !it_json_str(meta, "next_cursor"),
                  "last page has a next_cursor");
    it_response_destroy(&r);
    it_response_destroy(&r2);

    r = it_callf(&b, "GET", "/api/groups", NULL);          /* b sees only b's group */
    data = IT_ASSERT_SUCCESS(r, 200);
    ck_assert_int_eq(json_object_array_length(data), 1);
    ck_assert_int_eq(it_json_int(json_object_array_get_idx(data, 0), "id"), theirs);
    it_response_destroy(&r);

    r = it_callf(&a, "GET", "/api/groups?limit=0", NULL);
    IT_ASSERT_VALIDATION(r, "limit");
    it_response_destroy(&r);
    r = it_callf(&a, "GET", "/api/groups?cursor=nonsense", NULL);
    IT_ASSERT_VALIDATION(r, "cursor");
    it_response_destroy(&r);
    it_user_clear(&a);
    it_user_clear(&b);
}
END_TEST

START_TEST(test_get_members_only)
{
    it_user_t a, b, outsider;
    IT_USER_REGISTER(&a, "grpgeta");
    IT_USER_REGISTER(&b, "grpgetb");
    IT_USER_REGISTER(&outsider, "grpgetout");
    char ids[32], path[64];
    snprintf(ids, sizeof ids, "[%" PRId64 "]", b.id);
    int64_t g = s_group(&a, "Visible", ids);
    it_fmt(path, sizeof path, "/api/groups/%" PRId64, g);

    it_response_t *r = it_callf(&b, "GET", path, NULL);
    json_object *data = IT_ASSERT_SUCCESS(r, 200);
    ck_assert_int_eq(it_json_int(data, "id"), g);
    ck_assert_str_eq(it_json_str(data, "name"), "Visible");
    ck_assert_str_eq(it_json_str(s_member(data, a.id), "role"), "admin");
    ck_assert_str_eq(it_json_str(s_member(data, b.id), "role"), "member");
    it_response_destroy(&r);

    r = it_callf(&outsider, "GET", path, NULL);          /* existence not leaked */
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", "Group not found");
    it_response_destroy(&r);
    r = it_callf(&a, "GET", "/api/groups/9000000000000000000", NULL);
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", "Group not found");
    it_response_destroy(&r);
    r = it_callf(&a, "GET", "/api/groups/abc", NULL);
    IT_ASSERT_STATUS(r, 400);
    it_response_destroy(&r);
    it_user_clear(&a);
    it_user_clear(&b);
    it_user_clear(&outsider);
}
END_TEST

/* --- update and delete ------------------------------------------------------------- */

START_TEST(test_update_admins_only)
{
    it_user_t a, b, outsider;
    IT_USER_REGISTER(&a, "grpupda");
    IT_USER_REGISTER(&b, "grpupdb");
    IT_USER_REGISTER(&outsider, "grpupdout");
    char ids[32], path[64], g_s[24];
    snprintf(ids, sizeof ids, "[%" PRId64 "]", b.id);
    int64_t g = s_group(&a, "Before", ids);
    it_fmt(path, sizeof path, "/api/groups/%" PRId64, g);

    it_response_t *r = it_callf(&b, "PATCH", path, "{\"name\":\"By member\"}");
    IT_ASSERT_ERROR(r, 403, "FORBIDDEN", "Insufficient permissions");
    it_response_destroy(&r);
    r = it_callf(&outsider, "PATCH", path, "{\"name\":\"By outsider\"}");
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", NULL);
    it_response_destroy(&r);
    r = it_callf(&a, "PATCH", path, "{\"name\":\"\"}");
    IT_ASSERT_VALIDATION(r, "name");
    it_response_destroy(&r);
    r = it_callf(&a, "PATCH", path, "{\"name\":\"After\",\"color\":\"red\"}");
    IT_ASSERT_VALIDATION(r, "color");
    it_response_destroy(&r);
    char *name = it_db_text("SELECT name FROM groups WHERE id = $1", 1, it_itoa(g, g_s, sizeof g_s));
    ck_assert_str_eq(name, "Before");                   /* nothing changed so far */
    free(name);

    r = it_callf(&a, "PATCH", path, "{\"name\":\"After\"}");
    json_object *data = IT_ASSERT_SUCCESS(r, 200);
    ck_assert_str_eq(it_json_str(data, "name"), "After");
    ck_assert_ptr_nonnull(s_member(data, b.id));
    it_response_destroy(&r);
    name = it_db_text("SELECT name FROM groups WHERE id = $1", 1, g_s);
    ck_assert_str_eq(name, "After");
    free(name);
    it_user_clear(&a);
    it_user_clear(&b);
    it_user_clear(&outsider);
}
END_TEST

START_TEST(test_delete_admins_only)
{
    it_user_t a, b, outsider;
    IT_USER_REGISTER(&a, "grpdela");
    IT_USER_REGISTER(&b, "grpdelb");
    IT_USER_REGISTER(&outsider, "grpdelout");
    char ids[32], path[64], g_s[24];
    snprintf(ids, sizeof ids, "[%" PRId64 "]", b.id);
    int64_t g = s_group(&a, "Doomed", ids);
    it_itoa(g, g_s, sizeof g_s);
    it_fmt(path, sizeof path, "/api/groups/%" PRId64, g);
    it_response_t *r = it_callf(&b, "POST", "/api/messages",
                              "{\"text\":\"hello\",\"receiver_type\":\"group\",\"receiver_id\":%" PRId64 "}", g);
    IT_ASSERT_SUCCESS(r, 201);
    it_response_destroy(&r);

    r = it_callf(&b, "DELETE", path, NULL);
    IT_ASSERT_ERROR(r, 403, "FORBIDDEN", "Insufficient permissions");
    it_response_destroy(&r);
    r = it_callf(&outsider, "DELETE", path, NULL);
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", NULL);
    it_response_destroy(&r);
    ck_assert_int_eq(s_db_groups(g), 1);

    r = it_callf(&a, "DELETE", path, NULL);
    ck_assert_ptr_null(IT_ASSERT_SUCCESS(r, 200));      /* data: null */
    it_response_destroy(&r);
    ck_assert_int_eq(s_db_groups(g), 0);
    ck_assert_int_eq(it_db_int("SELECT count(*) FROM group_members WHERE group_id = $1", -1, 1, g_s), 0);
    /* The group's messages and their notifications go with it. */
    ck_assert_int_eq(it_db_int("SELECT count(*) FROM messages WHERE receiver_type = 'group' "
                               "AND receiver_id = $1", -1, 1, g_s), 0);
    r = it_callf(&a, "GET", path, NULL);
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", NULL);
    it_response_destroy(&r);
    r = it_callf(&a, "DELETE", path, NULL);
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", NULL);
    it_response_destroy(&r);
    it_user_clear(&a);
    it_user_clear(&b);
    it_user_clear(&outsider);
}
END_TEST

/* --- members ----------------------------------------------------------------------- */

START_TEST(test_member_add)
{
    it_user_t a, b, c, outsider;
    IT_USER_REGISTER(&a, "grpadda");
    IT_USER_REGISTER(&b, "grpaddb");
    IT_USER_REGISTER(&c, "grpaddc");
    IT_USER_REGISTER(&outsider, "grpaddout");
    char ids[32], path[96];
    snprintf(ids, sizeof ids, "[%" PRId64 "]", b.id);
    int64_t g = s_group(&a, "Adders", ids);
    it_fmt(path, sizeof path, "/api/groups/%" PRId64 "/members", g);

    it_response_t *r = it_callf(&b, "POST", path, "{\"user_id\":%" PRId64 "}", c.id);
    IT_ASSERT_ERROR(r, 403, "FORBIDDEN", "Insufficient permissions");
    it_response_destroy(&r);
    r = it_callf(&outsider, "POST", path, "{\"user_id\":%" PRId64 "}", c.id);
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", NULL);
    it_response_destroy(&r);
    s_assert_role(g, c.id, NULL);

    r = it_callf(&a, "POST", path, "{\"user_id\":%" PRId64 "}", c.id);
    json_object *data = IT_ASSERT_SUCCESS(r, 201);
    ck_assert_str_eq(it_json_str(s_member(data, c.id), "role"), "member");
    it_response_destroy(&r);
    s_assert_role(g, c.id, "member");

    r = it_callf(&a, "POST", path, "{\"user_id\":%" PRId64 "}", c.id);
    IT_ASSERT_ERROR(r, 409, "CONFLICT", NULL);
    it_response_destroy(&r);
    r = it_callf(&a, "POST", path, "{\"user_id\":9000000000000000000}");
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", "User not found");
    it_response_destroy(&r);
    r = it_callf(&a, "POST", path, "{}");
    IT_ASSERT_VALIDATION(r, "user_id");
    it_response_destroy(&r);
    r = it_callf(&a, "POST", path, "{\"user_id\":\"abc\"}");
    IT_ASSERT_VALIDATION(r, "user_id");
    it_response_destroy(&r);
    r = it_callf(&a, "POST", path, "{\"user_id\":0,\"role\":\"admin\"}");
    IT_ASSERT_VALIDATION(r, "role", "user_id");
    it_response_destroy(&r);
    r = it_callf(&a, "POST", "/api/groups/9000000000000000000/members", "{\"user_id\":%" PRId64 "}", c.id);
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", NULL);
    it_response_destroy(&r);
    it_user_clear(&a);
    it_user_clear(&b);
    it_user_clear(&c);
    it_user_clear(&outsider);
}
END_TEST

START_TEST(test_member_remove_and_leave)
{
    it_user_t a, b, c, outsider;
    IT_USER_REGISTER(&a, "grprma");
    IT_USER_REGISTER(&b, "grprmb");
    IT_USER_REGISTER(&c, "grprmc");
    IT_USER_REGISTER(&outsider, "grprmout");
    char ids[64], path[128];
    snprintf(ids, sizeof ids, "[%" PRId64 ",%" PRId64 "]", b.id, c.id);
    int64_t g = s_group(&a, "Removers", ids);

    it_fmt(path, sizeof path, "/api/groups/%" PRId64 "/members/%" PRId64, g, c.id);
    it_response_t *r = it_callf(&b, "DELETE", path, NULL);          /* a member removing another */
    IT_ASSERT_ERROR(r, 403, "FORBIDDEN", "Insufficient permissions");
    it_response_destroy(&r);
    r = it_callf(&outsider, "DELETE", path, NULL);
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", NULL);
    it_response_destroy(&r);
    s_assert_role(g, c.id, "member");

    r = it_callf(&a, "DELETE", path, NULL);                         /* the admin removes c */
    ck_assert_ptr_null(IT_ASSERT_SUCCESS(r, 200));
    it_response_destroy(&r);
    s_assert_role(g, c.id, NULL);
    r = it_callf(&a, "DELETE", path, NULL);                         /* not a member any more */
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", NULL);
    it_response_destroy(&r);
    r = it_callf(&c, "GET", it_fmt(path, sizeof path, "/api/groups/%" PRId64, g), NULL);
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", NULL);
    it_response_destroy(&r);

    it_fmt(path, sizeof path, "/api/groups/%" PRId64 "/members/%" PRId64, g, b.id);
    r = it_callf(&b, "DELETE", path, NULL);                         /* b leaves */
    ck_assert_ptr_null(IT_ASSERT_SUCCESS(r, 200));
    it_response_destroy(&r);
    s_assert_role(g, b.id, NULL);
    s_assert_role(g, a.id, "admin");
    it_user_clear(&a);
    it_user_clear(&b);
    it_user_clear(&c);
    it_user_clear(&outsider);
}
END_TEST

START_TEST(test_member_role)
{
    it_user_t a, b, c;
    IT_USER_REGISTER(&a, "grprolea");
    IT_USER_REGISTER(&b, "grproleb");
    IT_USER_REGISTER(&c, "grprolec");
    char ids[64], pa[128], pb[128], pc[128];
    snprintf(ids, sizeof ids, "[%" PRId64 "]", b.id);
    int64_t g = s_group(&a, "Roles", ids);
    it_fmt(pa, sizeof pa, "/api/groups/%" PRId64 "/members/%" PRId64, g, a.id);
    it_fmt(pb, sizeof pb, "/api/groups/%" PRId64 "/members/%" PRId64, g, b.id);
    it_fmt(pc, sizeof pc, "/api/groups/%" PRId64 "/members/%" PRId64, g, c.id);

    it_response_t *r = it_callf(&b, "PATCH", pb, "{\"role\":\"admin\"}");  /* no self-promotion */
    IT_ASSERT_ERROR(r, 403, "FORBIDDEN", "Insufficient permissions");
    it_response_destroy(&r);
    r = it_callf(&c, "PATCH", pb, "{\"role\":\"admin\"}");
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", NULL);
    it_response_destroy(&r);
    r = it_callf(&a, "PATCH", pb, "{\"role\":\"owner\"}");
    IT_ASSERT_VALIDATION(r, "role");
    it_response_destroy(&r);
    r = it_callf(&a, "PATCH", pb, "{}");
    IT_ASSERT_VALIDATION(r, "role");
    it_response_destroy(&r);
    r = it_callf(&a, "PATCH", pc, "{\"role\":\"admin\"}");           /* c is not a member */
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", NULL);
    it_response_destroy(&r);
    r = it_callf(&a, "PATCH", pa, "{\"role\":\"member\"}");          /* the last admin stays */
    IT_ASSERT_ERROR(r, 409, "CONFLICT", NULL);
    it_response_destroy(&r);
    s_assert_role(g, a.id, "admin");

    r = it_callf(&a, "PATCH", pb, "{\"role\":\"admin\"}");
    json_object *data = IT_ASSERT_SUCCESS(r, 200);
    ck_assert_str_eq(it_json_str(s_member(data, b.id), "role"), "admin");
    it_response_destroy(&r);
    s_assert_role(g, b.id, "admin");

    r = it_callf(&b, "PATCH", pa, "{\"role\":\"member\"}");          /* two admins: allowed */
    IT_ASSERT_SUCCESS(r, 200);
    it_response_destroy(&r);
    s_assert_role(g, a.id, "member");
    it_user_clear(&a);
    it_user_clear(&b);
    it_user_clear(&c);
}
END_TEST

/* The last admin leaving promotes the oldest member; the last member leaving deletes the
 * group (services/messages/README.md). */
START_TEST(test_last_admin_leaves)
{
    it_user_t a, b, c;
    IT_USER_REGISTER(&a, "grplasta");
    IT_USER_REGISTER(&b, "grplastb");
    IT_USER_REGISTER(&c, "grplastc");
    char ids[64], path[128];
    snprintf(ids, sizeof ids, "[%" PRId64 "]", b.id);
    int64_t g = s_group(&a, "Succession", ids);
    /* c joins later, so b is the oldest member. */
    it_response_t *r = it_callf(&a, "POST", it_fmt(path, sizeof path, "/api/groups/%" PRId64 "/members", g),
                              "{\"user_id\":%" PRId64 "}", c.id);
    IT_ASSERT_SUCCESS(r, 201);
    it_response_destroy(&r);

    r = it_callf(&a, "DELETE", it_fmt(path, sizeof path, "/api/groups/%" PRId64 "/members/%" PRId64, g, a.id), NULL);
    IT_ASSERT_SUCCESS(r, 200);
    it_response_destroy(&r);
    s_assert_role(g, a.id, NULL);
    s_assert_role(g, b.id, "admin");
    s_assert_role(g, c.id, "member");

    r = it_callf(&b, "DELETE", it_fmt(path, sizeof path, "/api/groups/%" PRId64 "/members/%" PRId64, g, b.id), NULL);
    IT_ASSERT_SUCCESS(r, 200);
    it_response_destroy(&r);
    s_assert_role(g, c.id, "admin");

    r = it_callf(&c, "DELETE", it_fmt(path, sizeof path, "/api/groups/%" PRId64 "/members/%" PRId64, g, c.id), NULL);
    IT_ASSERT_SUCCESS(r, 200);
    it_response_destroy(&r);
    ck_assert_int_eq(s_db_groups(g), 0);
    it_user_clear(&a);
    it_user_clear(&b);
    it_user_clear(&c);
}
END_TEST

/* DELETE /api/users/:id: the user's memberships go; if they were the only admin, the
 * oldest remaining member takes over. */
START_TEST(test_deleted_user_leaves_groups)
{
    it_user_t a, b;
    IT_USER_REGISTER(&a, "grpgonea");
    IT_USER_REGISTER(&b, "grpgoneb");
    char ids[32], path[64];
    snprintf(ids, sizeof ids, "[%" PRId64 "]", b.id);
    int64_t g = s_group(&a, "Orphaned", ids);
    it_response_t *r = it_callf(&a, "DELETE", it_user_path(a.id, path, sizeof path), NULL);
    IT_ASSERT_SUCCESS(r, 200);
    it_response_destroy(&r);
    s_assert_role(g, a.id, NULL);
    s_assert_role(g, b.id, "admin");
    r = it_callf(&b, "GET", it_fmt(path, sizeof path, "/api/groups/%" PRId64, g), NULL);
    json_object *data = IT_ASSERT_SUCCESS(r, 200);
    ck_assert_ptr_null(s_member(data, a.id));
    it_response_destroy(&r);
    it_user_clear(&a);
    it_user_clear(&b);
}
END_TEST

/* --- suite --------------------------------------------------------------------------- */

static Suite *
s_suite(void)
{
    Suite *s = suite_create("groups");
    TCase *tc = tcase_create("create");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_create_with_members);
    tcase_add_test(tc, test_create_alone);
    tcase_add_test(tc, test_create_validation);
    tcase_add_test(tc, test_create_unknown_member);
    tcase_add_test(tc, test_requires_token);
    suite_add_tcase(s, tc);

    tc = tcase_create("read");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_list_mine_paginated);
    tcase_add_test(tc, test_get_members_only);
    suite_add_tcase(s, tc);

    tc = tcase_create("change");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_update_admins_only);
    tcase_add_test(tc, test_delete_admins_only);
    suite_add_tcase(s, tc);

    tc = tcase_create("members");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_member_add);
    tcase_add_test(tc, test_member_remove_and_leave);
    tcase_add_test(tc, test_member_role);
    tcase_add_test(tc, test_last_admin_leaves);
    tcase_add_test(tc, test_deleted_user_leaves_groups);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return it_suite_run(s_suite());
}
