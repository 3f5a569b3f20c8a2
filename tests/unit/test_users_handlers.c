/* test_users_handlers.c -- the users service's handlers end to end against a real
 * PostgreSQL (schemas/migrations applied) and Redis, with envelopes built by hand.
 *
 * Runs only when TEST_DATABASE_URL is set (libpq conninfo); TEST_REDIS_PORT names the
 * Redis port (default 6379). Without TEST_DATABASE_URL the suite exits 77, which ctest
 * reports as skipped (tests/CMakeLists.txt); scripts/test.sh sets both and fails a round
 * that skipped anything. Rows are never truncated: each run uses its own unique emails. */
#include <check.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "users_app.h"
#include "users_config.h"
#include "users_handlers.h"
#include "clock.h"
#include "profile_cache.h"
#include "revocation.h"

static users_app_t *s_app;
static void *s_thread;
static char s_tag[32];            /* unique per run */

static bool
s_enabled(void)
{
    return getenv("TEST_DATABASE_URL") != NULL;
}

static void
s_setup(void)
{
    setenv("DATABASE_URL", getenv("TEST_DATABASE_URL"), 1);
    setenv("REDIS_PORT", getenv("TEST_REDIS_PORT") ? getenv("TEST_REDIS_PORT") : "6379", 1);
    setenv("JWT_SECRET", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", 1);
    setenv("BCRYPT_COST", "10", 1);
    users_config_t cfg;
    users_config_load(&cfg);
    s_app = users_app_new(&cfg);
    ck_assert_msg(s_app != NULL, "users_app_new failed (the reason is logged above)");
    s_thread = users_thread_new(s_app);
    snprintf(s_tag, sizeof(s_tag), "%" PRId64, clock_wall_ms());
}

static void
s_teardown(void)
{
    users_thread_destroy(&s_thread);
    users_app_destroy(&s_app);
}

/* A request whose body is a map of string pairs (NULL value: nil), NPAIRS of them,
 * encoded and decoded as on the bus so body_obj is real. */
static envelope_t *
s_req(const char *method, const envelope_caller_t *caller, int npairs, ...)
{
    envelope_t *req = envelope_new(ENVELOPE_REQUEST);
    snprintf(req->request_id, sizeof(req->request_id), "req_test_%s", method);
    snprintf(req->method, sizeof(req->method), "%s", method);
    snprintf(req->service, sizeof(req->service), "users");
    if (caller)
        req->caller = *caller;
    msgpack_packer *pk = envelope_body_packer(req);
    msgpack_pack_map(pk, (size_t) npairs);
    va_list ap;
    va_start(ap, npairs);
    for (int i = 0; i < npairs; i++) {
        envelope_pack_str(pk, va_arg(ap, const char *));
        envelope_pack_str(pk, va_arg(ap, const char *));
    }
    va_end(ap);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    envelope_encode(req, &buf);
    envelope_destroy(&req);
    const char *why = NULL;
    envelope_t *decoded = envelope_decode(buf.data, buf.size, &why);
    ck_assert_msg(decoded != NULL, "decode: %s", why ? why : "?");
    msgpack_sbuffer_destroy(&buf);
    return decoded;
}

/* Calls FN and returns the reply re-decoded, so body_obj holds the answer body. */
static envelope_t *
s_call(bus_handler_fn *fn, envelope_t **req_p)
{
    envelope_t *reply = envelope_new_reply(*req_p);
    fn(s_thread, *req_p, reply);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    envelope_encode(reply, &buf);
    envelope_destroy(&reply);
    envelope_t *decoded = envelope_decode(buf.data, buf.size, NULL);
    ck_assert_ptr_nonnull(decoded);
    msgpack_sbuffer_destroy(&buf);
    envelope_destroy(req_p);
    return decoded;
}

static void
s_str(const envelope_t *r, const char *key, char *out, size_t size)
{
    ck_assert_int_ge(envelope_str_copy(envelope_map_get(r->body_obj, key), out, size), 0);
}

/* The caller identity the edge would derive from ACCESS. */
static envelope_caller_t
s_caller_of(const char *access)
{
    token_claims_t c;
    ck_assert_int_eq(token_verify(s_app->keys, access, "access", clock_wall_ms() / 1000, &c),
                     TOKEN_OK);
    envelope_caller_t caller;
    memset(&caller, 0, sizeof(caller));
    caller.user_id = c.sub;
    snprintf(caller.role, sizeof(caller.role), "%s", c.role);
    snprintf(caller.jti, sizeof(caller.jti), "%s", c.jti);
    snprintf(caller.family, sizeof(caller.family), "%s", c.fam);
    caller.exp = c.exp;
    return caller;
}

typedef struct {
    envelope_caller_t caller;
    char access[1024];
    char refresh[1024];
    int64_t id;
} s_session_t;

static void
s_take_session(envelope_t *r, s_session_t *s)
{
    s_str(r, "access_token", s->access, sizeof(s->access));
    s_str(r, "refresh_token", s->refresh, sizeof(s->refresh));
    s->caller = s_caller_of(s->access);
    s->id = s->caller.user_id;
}

static void
s_register(const char *who, s_session_t *s)
{
    char email[96], user[40];
    snprintf(email, sizeof(email), "%s.%s@example.com", who, s_tag);
    snprintf(user, sizeof(user), "%s_%s", who, s_tag + 6);
    envelope_t *req = s_req("register", NULL, 4, "name", who, "email", email,
                            "password", "secret12", "username", user);
    envelope_t *r = s_call(users_register, &req);
    ck_assert_int_eq(r->status, 201);
    s_take_session(r, s);
    envelope_destroy(&r);
}

START_TEST(test_register_login)
{
    char email[96], upper[96];
    snprintf(email, sizeof(email), "reg.%s@example.com", s_tag);
    snprintf(upper, sizeof(upper), "REG.%s@Example.com", s_tag);

    envelope_t *req = s_req("register", NULL, 3, "name", "Reg", "email", upper, "password", "secret12");
    envelope_t *r = s_call(users_register, &req);
    ck_assert_int_eq(r->status, 201);
    ck_assert(envelope_str_eq(envelope_map_get(r->body_obj, "token_type"), "Bearer"));
    const msgpack_object *user = envelope_map_get(r->body_obj, "user");
    ck_assert(envelope_str_eq(envelope_map_get(user, "email"), email));   /* stored lower */
    ck_assert(envelope_str_eq(envelope_map_get(user, "role"), "user"));
    ck_assert_ptr_null(envelope_map_get(user, "password_hash"));
    ck_assert(envelope_map_get(user, "phone")->type == MSGPACK_OBJECT_NIL);
    envelope_destroy(&r);

    /* Case variant of the same email collides. */
    req = s_req("register", NULL, 3, "name", "Reg2", "email", email, "password", "secret12");
    r = s_call(users_register, &req);
    ck_assert_int_eq(r->status, 409);
    ck_assert_str_eq(r->code, "DUPLICATE_ENTRY");
    ck_assert_str_eq(r->message, "Duplicate entry found");
    envelope_destroy(&r);

    /* Every failing field at once, unknown field included. */
    req = s_req("register", NULL, 4, "name", "", "email", "nope", "password", "short", "role", "admin");
    r = s_call(users_register, &req);
    ck_assert_int_eq(r->status, 400);
    ck_assert_str_eq(r->code, "VALIDATION_ERROR");
    ck_assert_int_eq(r->detail_count, 4);
    envelope_destroy(&r);

    req = s_req("login", NULL, 2, "email", upper, "password", "secret12");
    r = s_call(users_login, &req);
    ck_assert_int_eq(r->status, 200);
    envelope_destroy(&r);

    int64_t t0 = clock_mono_ms();
    req = s_req("login", NULL, 2, "email", email, "password", "wrong123");
    r = s_call(users_login, &req);
    int64_t wrong_ms = clock_mono_ms() - t0;
    ck_assert_int_eq(r->status, 401);
    ck_assert_str_eq(r->message, "Invalid credentials");
    envelope_destroy(&r);

    t0 = clock_mono_ms();
    req = s_req("login", NULL, 2, "email", "nobody.here@example.com", "password", "wrong123");
    r = s_call(users_login, &req);
    int64_t unknown_ms = clock_mono_ms() - t0;
    ck_assert_int_eq(r->status, 401);
    ck_assert_str_eq(r->message, "Invalid credentials");
    envelope_destroy(&r);
    /* Both ran one bcrypt of the same cost. */
    ck_assert_msg(unknown_ms * 3 > wrong_ms && wrong_ms * 3 > unknown_ms,
                  "timing differs: wrong %lld ms, unknown %lld ms", (long long) wrong_ms,
                  (long long) unknown_ms);

    /* Phone-only account. */
    char phone[48];
    snprintf(phone, sizeof(phone), "+1%s", s_tag + 3);
    phone[15] = '\0';
    req = s_req("register", NULL, 3, "name", "Ph", "phone", phone, "password", "secret12");
    r = s_call(users_register, &req);
    ck_assert_int_eq(r->status, 201);
    envelope_destroy(&r);
    req = s_req("login", NULL, 2, "phone", phone, "password", "secret12");
    r = s_call(users_login, &req);
    ck_assert_int_eq(r->status, 200);
    envelope_destroy(&r);

    /* Not a map. */
    req = envelope_new(ENVELOPE_REQUEST);
    msgpack_pack_array(envelope_body_packer(req), 0);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    envelope_encode(req, &buf);
    envelope_destroy(&req);
    req = envelope_decode(buf.data, buf.size, NULL);
    msgpack_sbuffer_destroy(&buf);
    r = s_call(users_login, &req);
    ck_assert_int_eq(r->status, 400);
    ck_assert_str_eq(r->code, "BAD_REQUEST");
    envelope_destroy(&r);
}
END_TEST

START_TEST(test_refresh_rotation)
{
    s_session_t s;
    s_register("rot", &s);
    char r1[1024];
    snprintf(r1, sizeof(r1), "%s", s.refresh);

    envelope_t *req = s_req("refresh", NULL, 1, "refresh_token", r1);
    envelope_t *r = s_call(users_refresh, &req);
    ck_assert_int_eq(r->status, 200);
    s_session_t s2;
    s_take_session(r, &s2);
    envelope_destroy(&r);
    ck_assert_str_eq(s2.caller.family, s.caller.family);     /* same session */

    req = s_req("refresh", NULL, 1, "refresh_token", r1);    /* reuse */
    r = s_call(users_refresh, &req);
    ck_assert_int_eq(r->status, 401);
    envelope_destroy(&r);

    req = s_req("refresh", NULL, 1, "refresh_token", s2.refresh);  /* family revoked */
    r = s_call(users_refresh, &req);
    ck_assert_int_eq(r->status, 401);
    envelope_destroy(&r);

    req = s_req("refresh", NULL, 1, "refresh_token", s2.access);   /* wrong typ */
    r = s_call(users_refresh, &req);
    ck_assert_int_eq(r->status, 401);
    ck_assert_str_eq(r->message, "Invalid JWT token");
    envelope_destroy(&r);
}
END_TEST

START_TEST(test_logout)
{
    s_session_t s;
    s_register("out", &s);
    envelope_t *req = s_req("logout", &s.caller, 0);
    envelope_t *r = s_call(users_logout, &req);
    ck_assert_int_eq(r->status, 200);
    ck_assert_ptr_null(r->body_obj);
    envelope_destroy(&r);

    /* The mark users wrote is the one the edge and notify read (common/revocation.h):
     * the readers' own check now refuses the token, and the mark outlives it. */
    redis_conn_t *redis = redis_conn_new();
    token_claims_t claims;
    ck_assert_int_eq(token_verify(s_app->keys, s.access, "access", clock_wall_ms() / 1000,
                                  &claims), TOKEN_OK);
    ck_assert_int_eq(revocation_check(redis, &claims), 1);
    char key[96];
    snprintf(key, sizeof(key), "revoked:%s", s.caller.jti);
    const char *argv[] = { "TTL", key };
    size_t lens[] = { 3, strlen(key) };
    redisReply *rr = redis_conn_command(redis, 2, argv, lens);
    ck_assert(rr && rr->type == REDIS_REPLY_INTEGER && rr->integer > 86000);
    freeReplyObject(rr);
    redis_conn_destroy(&redis);

    req = s_req("refresh", NULL, 1, "refresh_token", s.refresh);
    r = s_call(users_refresh, &req);
    ck_assert_int_eq(r->status, 401);
    envelope_destroy(&r);

    req = s_req("logout", NULL, 0);
    r = s_call(users_logout, &req);
    ck_assert_int_eq(r->status, 401);
    envelope_destroy(&r);
}
END_TEST

START_TEST(test_profiles)
{
    s_session_t a, b;
    s_register("alice", &a);
    s_register("bob", &b);
    char bid[24], aid[24];
    snprintf(aid, sizeof(aid), "%" PRId64, a.id);
    snprintf(bid, sizeof(bid), "%" PRId64, b.id);

    envelope_t *req = s_req("me", &a.caller, 0);
    envelope_t *r = s_call(users_me, &req);
    ck_assert_int_eq(r->status, 200);
    ck_assert_uint_eq(r->body_obj->via.map.size, 8);
    envelope_destroy(&r);

    req = s_req("get", &a.caller, 1, "id", bid);
    r = s_call(users_get, &req);
    ck_assert_int_eq(r->status, 200);
    ck_assert_uint_eq(r->body_obj->via.map.size, 4);        /* public view */
    envelope_destroy(&r);

    req = s_req("get", &a.caller, 1, "id", "999999999999");
    r = s_call(users_get, &req);
    ck_assert_int_eq(r->status, 404);
    envelope_destroy(&r);

    req = s_req("get", &a.caller, 1, "id", "abc");
    r = s_call(users_get, &req);
    ck_assert_int_eq(r->status, 400);
    envelope_destroy(&r);

    /* Lists: two pages of one, newest first, the cursor moving down. */
    req = s_req("list", &a.caller, 1, "limit", "1");
    r = s_call(users_list, &req);
    ck_assert_int_eq(r->status, 200);
    const msgpack_object *items = envelope_map_get(r->body_obj, "items");
    ck_assert_uint_eq(items->via.array.size, 1);
    int64_t first = envelope_map_get(&items->via.array.ptr[0], "id")->via.i64;
    char cursor[64];
    s_str(r, "next_cursor", cursor, sizeof(cursor));
    envelope_destroy(&r);
    req = s_req("list", &a.caller, 2, "limit", "1", "cursor", cursor);
    r = s_call(users_list, &req);
    ck_assert_int_eq(r->status, 200);
    items = envelope_map_get(r->body_obj, "items");
    ck_assert(envelope_map_get(&items->via.array.ptr[0], "id")->via.i64 < first);
    envelope_destroy(&r);
    req = s_req("list", &a.caller, 1, "limit", "101");
    r = s_call(users_list, &req);
    ck_assert_int_eq(r->status, 400);
    envelope_destroy(&r);

    /* Updates: self yes, other no, role only by admins. A change deletes both cached
     * views of the user, under the keys the edge fills (common/profile_cache.h). */
    redis_conn_t *redis = redis_conn_new();
    char views[2][PROFILE_CACHE_KEY_MAX];
    profile_cache_key(a.id, PROFILE_VIEW_ADMIN, views[0], sizeof views[0]);
    profile_cache_key(a.id, PROFILE_VIEW_PUBLIC, views[1], sizeof views[1]);
    for (int v = 0; v < 2; v++) {
        const char *set[] = { "SET", views[v], "{}" };
        redisReply *rr = redis_conn_command(redis, 3, set,
                                            (size_t[]) { 3, strlen(views[v]), 2 });
        ck_assert(rr && rr->type == REDIS_REPLY_STATUS);
        freeReplyObject(rr);
    }
    req = s_req("update", &a.caller, 2, "id", aid, "name", "Alice B");
    r = s_call(users_update, &req);
    ck_assert_int_eq(r->status, 200);
    ck_assert(envelope_str_eq(envelope_map_get(r->body_obj, "name"), "Alice B"));
    envelope_destroy(&r);
    const char *exists[] = { "EXISTS", views[0], views[1] };
    redisReply *gone = redis_conn_command(redis, 3, exists,
                                          (size_t[]) { 6, strlen(views[0]), strlen(views[1]) });
    ck_assert(gone && gone->type == REDIS_REPLY_INTEGER && gone->integer == 0);
    freeReplyObject(gone);
    redis_conn_destroy(&redis);
    req = s_req("update", &a.caller, 2, "id", bid, "name", "Hacked");
    r = s_call(users_update, &req);
    ck_assert_int_eq(r->status, 403);
    ck_assert_str_eq(r->message, "Insufficient permissions");
    envelope_destroy(&r);
    req = s_req("update", &a.caller, 3, "id", aid, "name", "Nope", "role", "admin");
    r = s_call(users_update, &req);
    ck_assert_int_eq(r->status, 403);
    envelope_destroy(&r);
    req = s_req("me", &a.caller, 0);
    r = s_call(users_me, &req);
    ck_assert_int_eq(r->status, 200);
    ck_assert(envelope_str_eq(envelope_map_get(r->body_obj, "name"), "Alice B"));  /* unchanged */
    ck_assert(envelope_str_eq(envelope_map_get(r->body_obj, "role"), "user"));
    envelope_destroy(&r);

    /* Duplicate username on update. */
    char buser[40];
    snprintf(buser, sizeof(buser), "bob_%s", s_tag + 6);
    req = s_req("update", &a.caller, 2, "id", aid, "username", buser);
    r = s_call(users_update, &req);
    ck_assert_int_eq(r->status, 409);
    envelope_destroy(&r);

    /* Clearing the only contact is refused. */
    req = s_req("update", &a.caller, 2, "id", aid, "email", NULL);
    r = s_call(users_update, &req);
    ck_assert_int_eq(r->status, 400);
    envelope_destroy(&r);

    /* An admin (made so directly) sees more, and may change roles. */
    envelope_caller_t admin = a.caller;
    snprintf(admin.role, sizeof(admin.role), "admin");
    req = s_req("get", &admin, 1, "id", bid);
    r = s_call(users_get, &req);
    ck_assert_uint_eq(r->body_obj->via.map.size, 7);
    envelope_destroy(&r);
    req = s_req("update", &admin, 2, "id", bid, "role", "moderator");
    r = s_call(users_update, &req);
    ck_assert_int_eq(r->status, 200);
    ck_assert(envelope_str_eq(envelope_map_get(r->body_obj, "role"), "moderator"));
    envelope_destroy(&r);

    /* Password change: the new one works, the old one does not. */
    req = s_req("update", &b.caller, 2, "id", bid, "password", "newpass99");
    r = s_call(users_update, &req);
    ck_assert_int_eq(r->status, 200);
    envelope_destroy(&r);
    char bemail[96];
    snprintf(bemail, sizeof(bemail), "bob.%s@example.com", s_tag);
    req = s_req("login", NULL, 2, "email", bemail, "password", "newpass99");
    r = s_call(users_login, &req);
    ck_assert_int_eq(r->status, 200);
    envelope_destroy(&r);

    /* Delete: not others, yes self; then me is 404. */
    req = s_req("delete", &b.caller, 1, "id", aid);
    r = s_call(users_delete, &req);
    ck_assert_int_eq(r->status, 403);
    envelope_destroy(&r);
    req = s_req("delete", &b.caller, 1, "id", bid);
    r = s_call(users_delete, &req);
    ck_assert_int_eq(r->status, 200);
    envelope_destroy(&r);
    req = s_req("me", &b.caller, 0);
    r = s_call(users_me, &req);
    ck_assert_int_eq(r->status, 404);
    envelope_destroy(&r);
    req = s_req("refresh", NULL, 1, "refresh_token", b.refresh);
    r = s_call(users_refresh, &req);
    ck_assert_int_eq(r->status, 401);
    envelope_destroy(&r);
}
END_TEST

/* Redis and PostgreSQL down: 503, nothing changed, no crash. */
START_TEST(test_outages)
{
    s_session_t s;
    s_register("down", &s);
    setenv("REDIS_PORT", "1", 1);                 /* nothing listens there */
    void *no_redis = users_thread_new(s_app);
    void *saved = s_thread;
    s_thread = no_redis;
    envelope_t *req = s_req("logout", &s.caller, 0);
    envelope_t *r = s_call(users_logout, &req);
    ck_assert_int_eq(r->status, 503);
    envelope_destroy(&r);
    s_thread = saved;
    users_thread_destroy(&no_redis);
    setenv("REDIS_PORT", getenv("TEST_REDIS_PORT") ? getenv("TEST_REDIS_PORT") : "6379", 1);

    /* The session survived the refused logout. */
    req = s_req("refresh", NULL, 1, "refresh_token", s.refresh);
    r = s_call(users_refresh, &req);
    ck_assert_int_eq(r->status, 200);
    envelope_destroy(&r);

    const char *conninfo = s_app->cfg.service.database_url;
    s_app->cfg.service.database_url = "host=127.0.0.1 port=1 dbname=x user=x connect_timeout=1";
    void *no_db = users_thread_new(s_app);
    s_app->cfg.service.database_url = conninfo;
    s_thread = no_db;
    req = s_req("me", &s.caller, 0);
    r = s_call(users_me, &req);
    ck_assert_int_eq(r->status, 503);
    envelope_destroy(&r);
    req = s_req("login", NULL, 2, "email", "a@b.io", "password", "x");
    r = s_call(users_login, &req);
    ck_assert_int_eq(r->status, 503);
    envelope_destroy(&r);
    s_thread = saved;
    users_thread_destroy(&no_db);
}
END_TEST

static Suite *
s_suite(void)
{
    Suite *s = suite_create("users_handlers");
    TCase *tc = tcase_create("db");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, test_register_login);
    tcase_add_test(tc, test_refresh_rotation);
    tcase_add_test(tc, test_logout);
    tcase_add_test(tc, test_profiles);
    tcase_add_test(tc, test_outages);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    if (!s_enabled()) {
        fprintf(stderr, "test_users_handlers: TEST_DATABASE_URL unset, skipped\n");
        return 77;
    }
    SRunner *sr = srunner_create(s_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
