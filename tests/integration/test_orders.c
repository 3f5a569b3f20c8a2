/* test_orders.c -- the Orders rows of API.md over real HTTP: create (the caller's existence
 * checked by the foreign key, not by the users service), list, get, update with the life
 * cycle, delete, exact amounts, every permission rule, orders created while the users
 * service is stopped, a deleted user's token, concurrent updates of one order. */
#include "it_assert.h"
#include "it_db.h"
#include "it_env.h"
#include "it_http.h"
#include "it_users.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- helpers ----------------------------------------------------------------------- */

static it_response_t *
s_create_raw(const it_user_t *u, const char *json)
{
    return it_request("POST", "/api/orders", u->access, "application/json", json);
}

/* Creates an order for U and returns its id, asserting 201 and the shape. */
static int64_t
s_create(const it_user_t *u, const char *product, const char *amount_json)
{
    char body[512];
    snprintf(body, sizeof body, "{\"product\":\"%s\",\"amount\":%s}", product, amount_json);
    it_response_t *r = s_create_raw(u, body);
    json_object *data = IT_ASSERT_SUCCESS(r, 201);
    int64_t id = it_json_int(data, "id");
    ck_assert_int_gt(id, 0);
    ck_assert_str_eq(it_json_str(data, "product"), product);
    ck_assert_int_eq(it_json_int(data, "user_id"), u->id);
    ck_assert_str_eq(it_json_str(data, "status"), "pending");
    ck_assert(it_is_iso8601_ms(it_json_str(data, "created_at")));
    ck_assert(it_is_iso8601_ms(it_json_str(data, "updated_at")));
    it_response_destroy(&r);
    return id;
}

static const char *
s_path(int64_t id, char *out, size_t size)
{
    snprintf(out, size, "/api/orders/%lld", (long long) id);
    return out;
}

static it_response_t *
s_patch(const it_user_t *u, int64_t id, const char *json)
{
    char path[64];
    return it_request("PATCH", s_path(id, path, sizeof path), u->access, "application/json", json);
}

static char *
s_db_status(int64_t id)
{
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", (long long) id);
    return it_db_text("SELECT status FROM orders WHERE id = $1", 1, ids);
}

/* --- create ------------------------------------------------------------------------ */

START_TEST(test_create_exact_amounts)
{
    it_user_t u = { 0 };
    IT_USER_REGISTER(&u, "ordexact");
    const struct { const char *in, *out; } cases[] = {
        { "10.5", "10.50" }, { "10", "10.00" }, { "0.3", "0.30" }, { "0.1", "0.10" },
        { "999999999.99", "999999999.99" }, { "1000000000", "1000000000.00" },
        { "1.5e2", "150.00" }, { "12.340", "12.34" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char body[128];
        snprintf(body, sizeof body, "{\"product\":\"Book\",\"amount\":%s}", cases[i].in);
        it_response_t *r = s_create_raw(&u, body);
        json_object *data = IT_ASSERT_SUCCESS(r, 201);
        ck_assert_msg(strcmp(it_json_str(data, "amount"), cases[i].out) == 0,
                      "amount %s came back as %s", cases[i].in, it_json_str(data, "amount"));
        char ids[24];
        snprintf(ids, sizeof ids, "%lld", (long long) it_json_int(data, "id"));
        char *stored = it_db_text("SELECT amount::text FROM orders WHERE id = $1", 1, ids);
        ck_assert_str_eq(stored, cases[i].out);
        free(stored);
        it_response_destroy(&r);
    }
    /* Sums in PostgreSQL stay exact: 0.1 + 0.2 is 0.30, not 0.30000000000000004. */
    char uid[24];
    snprintf(uid, sizeof uid, "%lld", (long long) u.id);
    char *sum = it_db_text("SELECT sum(amount)::text FROM orders WHERE user_id = $1 "
                           "AND amount IN (0.10, 0.30) ", 1, uid);
    ck_assert_str_eq(sum, "0.40");
    free(sum);
    it_user_clear(&u);
}
END_TEST

START_TEST(test_create_validation)
{
    it_user_t u = { 0 };
    IT_USER_REGISTER(&u, "ordval");
    char uid[24];
    snprintf(uid, sizeof uid, "%lld", (long long) u.id);
    struct { const char *body, *field, *message; } cases[] = {
        { "{\"product\":\"Book\",\"amount\":\"10\"}", "amount", "amount must be a number" },
        { "{\"product\":\"Book\",\"amount\":0}", "amount", "amount must be a positive number" },
        { "{\"product\":\"Book\",\"amount\":-5}", "amount", "amount must be a positive number" },
        { "{\"product\":\"Book\",\"amount\":10.555}", "amount",
          "amount must have at most 2 decimal places" },
        { "{\"product\":\"Book\",\"amount\":1000000000.01}", "amount",
          "amount must not be greater than 1000000000" },
        { "{\"product\":\"Book\",\"amount\":true}", "amount", "amount must be a number" },
        { "{\"product\":\"\",\"amount\":5}", "product", "product should not be empty" },
        { "{\"product\":12,\"amount\":5}", "product", "product must be a string" },
        { "{\"product\":\"Book\",\"amount\":5,\"status\":\"paid\"}", "status",
          "property status should not exist" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        it_response_t *r = s_create_raw(&u, cases[i].body);
        IT_ASSERT_VALIDATION(r, cases[i].field);
        json_object *details = NULL;
        json_object_object_get_ex(r->json, "details", &details);
        ck_assert_str_eq(it_json_str(json_object_array_get_idx(details, 0), "message"),
                         cases[i].message);
        it_response_destroy(&r);
    }
    /* Both fields missing: both reported at once. */
    it_response_t *r = s_create_raw(&u, "{}");
    IT_ASSERT_VALIDATION(r, "product", "amount");
    it_response_destroy(&r);
    /* 201 characters of product. */
    char body[512] = "{\"amount\":1,\"product\":\"";
    size_t n = strlen(body);
    memset(body + n, 'p', 201);
    strcpy(body + n + 201, "\"}");
    r = s_create_raw(&u, body);
    IT_ASSERT_VALIDATION(r, "product");
    it_response_destroy(&r);
    /* Not JSON, and no token. */
    r = s_create_raw(&u, "{\"product\":");
    IT_ASSERT_ERROR(r, 400, "BAD_REQUEST", NULL);
    it_response_destroy(&r);
    r = it_request("POST", "/api/orders", NULL, "application/json", "{\"product\":\"a\",\"amount\":1}");
    IT_ASSERT_ERROR(r, 401, "UNAUTHORIZED", "Missing token");
    it_response_destroy(&r);
    /* Nothing of it reached the table. */
    ck_assert_int_eq(it_db_int("SELECT count(*) FROM orders WHERE user_id = $1", -1, 1, uid), 0);
    it_user_clear(&u);
}
END_TEST

/* --- read and permissions ---------------------------------------------------------- */

START_TEST(test_get_permissions)
{
    it_user_t owner = { 0 }, other = { 0 }, admin = { 0 };
    IT_USER_REGISTER(&owner, "ordown");
    IT_USER_REGISTER(&other, "ordoth");
    IT_ADMIN_LOGIN(&admin);
    int64_t id = s_create(&owner, "Lamp", "25.00");
    char path[64];
    s_path(id, path, sizeof path);

    it_response_t *r = it_request("GET", path, owner.access, NULL, NULL);
    json_object *data = IT_ASSERT_SUCCESS(r, 200);
    ck_assert_str_eq(it_json_str(data, "amount"), "25.00");
    it_response_destroy(&r);

    r = it_request("GET", path, admin.access, NULL, NULL);
    IT_ASSERT_SUCCESS(r, 200);
    it_response_destroy(&r);

    /* Another user cannot read, change or delete it, and cannot tell it exists. */
    r = it_request("GET", path, other.access, NULL, NULL);
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", NULL);
    it_response_destroy(&r);
    r = s_patch(&other, id, "{\"product\":\"Stolen\"}");
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", NULL);
    it_response_destroy(&r);
    r = it_request("DELETE", path, other.access, NULL, NULL);
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", NULL);
    it_response_destroy(&r);
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", (long long) id);
    char *product = it_db_text("SELECT product FROM orders WHERE id = $1", 1, ids);
    ck_assert_str_eq(product, "Lamp");
    free(product);

    r = it_request("GET", "/api/orders/999999999999", owner.access, NULL, NULL);
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", NULL);
    it_response_destroy(&r);
    r = it_request("GET", "/api/orders/abc", owner.access, NULL, NULL);
    ck_assert_int_eq(r->status, 400);
    it_response_destroy(&r);
    it_user_clear(&owner);
    it_user_clear(&other);
    it_user_clear(&admin);
}
END_TEST

START_TEST(test_list_own_admin_and_pages)
{
    it_user_t a = { 0 }, b = { 0 }, admin = { 0 };
    IT_USER_REGISTER(&a, "ordlista");
    IT_USER_REGISTER(&b, "ordlistb");
    IT_ADMIN_LOGIN(&admin);
    int64_t a1 = s_create(&a, "A1", "1"), a2 = s_create(&a, "A2", "2"),
            a3 = s_create(&a, "A3", "3");
    int64_t b1 = s_create(&b, "B1", "4");

    /* Page 1 and 2 of a's orders, newest first, no duplicates, b's never among them. */
    it_response_t *r = it_request("GET", "/api/orders?limit=2", a.access, NULL, NULL);
    json_object *data = IT_ASSERT_SUCCESS(r, 200);
    ck_assert_int_eq(json_object_array_length(data), 2);
    ck_assert_int_eq(it_json_int(json_object_array_get_idx(data, 0), "id"), a3);
    ck_assert_int_eq(it_json_int(json_object_array_get_idx(data, 1), "id"), a2);
    json_object *meta = NULL;
    ck_assert(json_object_object_get_ex(r->json, "meta", &meta));
    ck_assert_int_eq(it_json_int(meta, "limit"), 2);
    const char *cursor = it_json_str(meta, "next_cursor");
    ck_assert_ptr_nonnull(cursor);
    char next[256];
    snprintf(next, sizeof next, "/api/orders?limit=2&cursor=%s", cursor);
    it_response_destroy(&r);
    r = it_request("GET", next, a.access, NULL, NULL);
    data = IT_ASSERT_SUCCESS(r, 200);
    ck_assert_int_eq(json_object_array_length(data), 1);
    ck_assert_int_eq(it_json_int(json_object_array_get_idx(data, 0), "id"), a1);
    ck_assert(json_object_object_get_ex(r->json, "meta", &meta));
    ck_assert(it_json_has(meta, "next_cursor"));
    ck_assert_ptr_null(it_json_str(meta, "next_cursor"));
    it_response_destroy(&r);

    /* The admin filters by user. */
    char path[96];
    snprintf(path, sizeof path, "/api/orders?user_id=%lld", (long long) b.id);
    r = it_request("GET", path, admin.access, NULL, NULL);
    data = IT_ASSERT_SUCCESS(r, 200);
    ck_assert_int_eq(json_object_array_length(data), 1);
    ck_assert_int_eq(it_json_int(json_object_array_get_idx(data, 0), "id"), b1);
    it_response_destroy(&r);
    /* A user may not look at someone else's orders through the filter. */
    r = it_request("GET", path, a.access, NULL, NULL);
    IT_ASSERT_VALIDATION(r, "user_id");
    it_response_destroy(&r);
    /* Bad paging input. */
    r = it_request("GET", "/api/orders?limit=0", a.access, NULL, NULL);
    IT_ASSERT_VALIDATION(r, "limit");
    it_response_destroy(&r);
    r = it_request("GET", "/api/orders?limit=101", a.access, NULL, NULL);
    IT_ASSERT_VALIDATION(r, "limit");
    it_response_destroy(&r);
    r = it_request("GET", "/api/orders?cursor=nonsense", a.access, NULL, NULL);
    IT_ASSERT_VALIDATION(r, "cursor");
    it_response_destroy(&r);
    it_user_clear(&a);
    it_user_clear(&b);
    it_user_clear(&admin);
}
END_TEST

/* --- update and the life cycle ----------------------------------------------------- */

/* PATCH {"status": TO} answers WANT (200 or 409); the stored status is then EXPECT. */
static void
s_move(const it_user_t *u, int64_t id, const char *to, long want, const char *expect)
{
    char body[64];
    snprintf(body, sizeof body, "{\"status\":\"%s\"}", to);
    it_response_t *r = s_patch(u, id, body);
    if (want == 200) {
        json_object *data = IT_ASSERT_SUCCESS(r, 200);
        ck_assert_str_eq(it_json_str(data, "status"), to);
    }
    else
        IT_ASSERT_ERROR(r, 409, "CONFLICT", NULL);
    it_response_destroy(&r);
    char *status = s_db_status(id);
    ck_assert_str_eq(status, expect);
    free(status);
}

START_TEST(test_life_cycle)
{
    it_user_t u = { 0 };
    IT_USER_REGISTER(&u, "ordlife");
    int64_t o = s_create(&u, "Chair", "40");
    s_move(&u, o, "shipped", 409, "pending");      /* pending cannot skip paid */
    s_move(&u, o, "paid", 200, "paid");
    s_move(&u, o, "paid", 409, "paid");            /* paying twice is visible */
    s_move(&u, o, "pending", 409, "paid");
    s_move(&u, o, "shipped", 200, "shipped");
    s_move(&u, o, "cancelled", 409, "shipped");    /* too late */

    int64_t p = s_create(&u, "Desk", "80");
    s_move(&u, p, "cancelled", 200, "cancelled");  /* from pending */
    s_move(&u, p, "paid", 409, "cancelled");
    int64_t q = s_create(&u, "Rug", "15");
    s_move(&u, q, "paid", 200, "paid");
    s_move(&u, q, "cancelled", 200, "cancelled");  /* from paid */

    /* Product and amount change; amount stays exact; unknown status is a validation error. */
    it_response_t *r = s_patch(&u, q, "{\"product\":\"Big rug\",\"amount\":15.25}");
    json_object *data = IT_ASSERT_SUCCESS(r, 200);
    ck_assert_str_eq(it_json_str(data, "product"), "Big rug");
    ck_assert_str_eq(it_json_str(data, "amount"), "15.25");
    it_response_destroy(&r);
    r = s_patch(&u, q, "{\"status\":\"lost\"}");
    IT_ASSERT_VALIDATION(r, "status");
    it_response_destroy(&r);
    r = s_patch(&u, q, "{\"amount\":\"15\"}");
    IT_ASSERT_VALIDATION(r, "amount");
    it_response_destroy(&r);
    it_user_clear(&u);
}
END_TEST

typedef struct {
    const it_user_t *u;
    int64_t id;
    const char *to;
    long status;
} s_race_t;

static void *
s_race(void *arg)
{
    s_race_t *race = arg;
    char body[64];
    snprintf(body, sizeof body, "{\"status\":\"%s\"}", race->to);
    it_response_t *r = s_patch(race->u, race->id, body);
    race->status = r->status;
    it_response_destroy(&r);
    return NULL;
}

/* Two clients move one pending order at once, to paid and to cancelled: the row lock
 * makes one of them win and the other see the winner's status, never both applied. */
START_TEST(test_concurrent_updates)
{
    it_user_t u = { 0 };
    IT_USER_REGISTER(&u, "ordrace");
    for (int round = 0; round < 5; round++) {
        int64_t id = s_create(&u, "Race", "9.99");
        s_race_t races[4] = {
            { &u, id, "paid", 0 }, { &u, id, "cancelled", 0 },
            { &u, id, "paid", 0 }, { &u, id, "cancelled", 0 },
        };
        pthread_t threads[4];
        for (int i = 0; i < 4; i++)
            pthread_create(&threads[i], NULL, s_race, &races[i]);
        for (int i = 0; i < 4; i++)
            pthread_join(threads[i], NULL);
        char *final = s_db_status(id);
        int ok = 0;
        for (int i = 0; i < 4; i++) {
            ck_assert_msg(races[i].status == 200 || races[i].status == 409,
                          "a racing update answered %ld", races[i].status);
            ok += races[i].status == 200;
        }
        /* Legal histories: one paid (others conflict), or paid then cancelled, or one
         * cancelled directly; never two of the same transition. */
        if (strcmp(final, "paid") == 0)
            ck_assert_int_eq(ok, 1);
        else {
            ck_assert_str_eq(final, "cancelled");
            ck_assert_msg(ok == 1 || ok == 2, "%d updates succeeded", ok);
        }
        free(final);
    }
    it_user_clear(&u);
}
END_TEST

/* --- delete ------------------------------------------------------------------------ */

START_TEST(test_delete_and_user_cascade)
{
    it_user_t u = { 0 };
    IT_USER_REGISTER(&u, "orddel");
    int64_t id = s_create(&u, "Pen", "2.50");
    s_create(&u, "Ink", "3.50");
    char path[64], ids[24], uid[24];
    s_path(id, path, sizeof path);
    it_response_t *r = it_request("DELETE", path, u.access, NULL, NULL);
    json_object *data = IT_ASSERT_SUCCESS(r, 200);
    ck_assert_ptr_null(data);
    it_response_destroy(&r);
    r = it_request("GET", path, u.access, NULL, NULL);
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", NULL);
    it_response_destroy(&r);
    snprintf(ids, sizeof ids, "%lld", (long long) id);
    ck_assert_int_eq(it_db_int("SELECT count(*) FROM orders WHERE id = $1", -1, 1, ids), 0);

    /* Deleting the user takes the remaining order along. */
    snprintf(uid, sizeof uid, "%lld", (long long) u.id);
    ck_assert_int_eq(it_db_int("SELECT count(*) FROM orders WHERE user_id = $1", -1, 1, uid), 1);
    char upath[64];
    r = it_request("DELETE", it_user_path(u.id, upath, sizeof upath), u.access, NULL, NULL);
    IT_ASSERT_SUCCESS(r, 200);
    it_response_destroy(&r);
    ck_assert_int_eq(it_db_int("SELECT count(*) FROM orders WHERE user_id = $1", -1, 1, uid), 0);
    it_user_clear(&u);
}
END_TEST

/* A user whose row is gone while their token is still good (deleted behind the users
 * service's back, so nothing revoked the token: the same as a deletion that commits
 * between the edge's token check and the INSERT). The foreign key answers inside the
 * INSERT's own transaction: 404 "User not found", nothing written. */
START_TEST(test_create_for_deleted_user)
{
    it_user_t u = { 0 };
    IT_USER_REGISTER(&u, "ordgone");
    char uid[24];
    snprintf(uid, sizeof uid, "%lld", (long long) u.id);
    s_create(&u, "Before", "1");
    ck_assert_int_eq(it_db_int("WITH d AS (DELETE FROM users WHERE id = $1::bigint RETURNING id) "
                               "SELECT count(*) FROM d", -1, 1, uid), 1);
    it_response_t *r = s_create_raw(&u, "{\"product\":\"Ghost\",\"amount\":1}");
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", "User not found");
    it_response_destroy(&r);
    ck_assert_int_eq(it_db_int("SELECT count(*) FROM orders WHERE user_id = $1::bigint", -1, 1,
                               uid), 0);
    ck_assert_int_eq(it_db_int("SELECT count(*) FROM orders WHERE product = 'Ghost' "
                               "AND user_id = $1::bigint", -1, 1, uid), 0);
    it_user_clear(&u);
}
END_TEST

/* --- the users service down during create_order ------------------------------------- */

/* orders asks nothing of the users service: with users stopped an order is still
 * created (the edge checks the token itself), and its row is in the database. */
START_TEST(test_create_while_users_down)
{
    it_user_t u = { 0 };
    IT_USER_REGISTER(&u, "orddown");
    char uid[24];
    snprintf(uid, sizeof uid, "%lld", (long long) u.id);
    ck_assert_int_eq(it_stack_stop("users"), 0);
    it_response_t *r = s_create_raw(&u, "{\"product\":\"Ghost\",\"amount\":1}");
    json_object *data = IT_ASSERT_SUCCESS(r, 201);
    int64_t id = it_json_int(data, "id");
    ck_assert_int_eq(it_json_int(data, "user_id"), u.id);
    ck_assert_str_eq(it_json_str(data, "amount"), "1.00");
    it_response_destroy(&r);
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", (long long) id);
    ck_assert_int_eq(it_db_int("SELECT count(*) FROM orders WHERE id = $1::bigint AND user_id = "
                               "$2::bigint AND product = 'Ghost' AND amount = 1.00 AND status = "
                               "'pending'", -1, 2, ids, uid), 1);
    ck_assert_int_eq(it_stack_start("users"), 0);
    it_user_clear(&u);
}
END_TEST

static Suite *
s_suite(void)
{
    Suite *s = suite_create("orders");
    TCase *tc = tcase_create("rows");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_create_exact_amounts);
    tcase_add_test(tc, test_create_validation);
    tcase_add_test(tc, test_get_permissions);
    tcase_add_test(tc, test_list_own_admin_and_pages);
    tcase_add_test(tc, test_life_cycle);
    tcase_add_test(tc, test_concurrent_updates);
    tcase_add_test(tc, test_delete_and_user_cascade);
    tcase_add_test(tc, test_create_for_deleted_user);
    suite_add_tcase(s, tc);
    TCase *down = tcase_create("failure");
    tcase_set_timeout(down, 120);
    tcase_add_unchecked_fixture(down, NULL, it_stack_restore);
    tcase_add_test(down, test_create_while_users_down);
    suite_add_tcase(s, down);
    return s;
}

int
main(void)
{
    return it_suite_run(s_suite());
}
