/* test_handler_db.c -- the handler kit against a real PostgreSQL: each class of failure a
 * statement can have (unique violation, bad input, statement timeout, a connection that
 * dies inside a transaction, a server that is not there) answered as handler.h says, and
 * db_begin/db_commit/db_rollback following the transaction.
 *
 * Needs TEST_DATABASE_URL (or DATABASE_URL): a libpq conninfo where it may create and drop
 * a table of its own. Without one the suite exits 77, which CTest reports as skipped. */
#include "handler.h"
#include "clock.h"
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_SKIP 77

static const char *s_url;
static char s_table[64];              /* unique per run: runs never meet */
static char s_sql[4][256];
static db_statement_t s_statements[5];
static db_t *s_db;

static void
s_setup(void)
{
    snprintf(s_table, sizeof s_table, "handler_kit_%ld_%" PRId64, (long) getpid(),
             clock_wall_ms());
    db_t *admin = db_new(s_url, NULL);
    char ddl[256];
    snprintf(ddl, sizeof ddl, "CREATE TABLE %s (k text PRIMARY KEY, n bigint)", s_table);
    ck_assert_msg(db_command(admin, ddl) == 0, "cannot create %s: sqlstate %s", s_table,
                  db_sqlstate(admin));
    db_destroy(&admin);
    snprintf(s_sql[0], sizeof s_sql[0], "INSERT INTO %s (k, n) VALUES ($1, $2::bigint)", s_table);
    snprintf(s_sql[1], sizeof s_sql[1], "SELECT count(*)::text FROM %s WHERE k = $1", s_table);
    snprintf(s_sql[2], sizeof s_sql[2], "SELECT pg_sleep($1::float8)");
    snprintf(s_sql[3], sizeof s_sql[3], "SELECT pg_terminate_backend(pg_backend_pid())");
    s_statements[0] = (db_statement_t) { "kit_insert", s_sql[0], 2 };
    s_statements[1] = (db_statement_t) { "kit_count", s_sql[1], 1 };
    s_statements[2] = (db_statement_t) { "kit_sleep", s_sql[2], 1 };
    s_statements[3] = (db_statement_t) { "kit_suicide", s_sql[3], 0 };
    s_statements[4] = (db_statement_t) { NULL, NULL, 0 };
    s_db = db_new(s_url, s_statements);
    ck_assert(db_ready(s_db));
}

static void
s_teardown(void)
{
    db_destroy(&s_db);
    db_t *admin = db_new(s_url, NULL);
    char ddl[128];
    snprintf(ddl, sizeof ddl, "DROP TABLE IF EXISTS %s", s_table);
    db_command(admin, ddl);
    db_destroy(&admin);
}

static envelope_t *
s_req(void)
{
    envelope_t *req = envelope_new(ENVELOPE_REQUEST);
    snprintf(req->request_id, sizeof req->request_id, "req_test_handler_db");
    snprintf(req->service, sizeof req->service, "kit");
    snprintf(req->method, sizeof req->method, "m");
    return req;
}

static bool
s_insert(const char *k, const char *n)
{
    const char *params[] = { k, n };
    PGresult *res = db_exec(s_db, "kit_insert", 2, params);
    PQclear(res);
    return res != NULL;
}

static int
s_count(const char *k)
{
    const char *params[] = { k };
    PGresult *res = db_exec(s_db, "kit_count", 1, params);
    ck_assert_ptr_nonnull(res);
    int n = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    return n;
}

START_TEST(test_unique_violation_is_409)
{
    envelope_t *req = s_req(), *reply = envelope_new_reply(req);
    ck_assert(s_insert("a", "1"));
    ck_assert(!s_insert("a", "2"));
    ck_assert_str_eq(db_sqlstate(s_db), "23505");
    handler_db_error(s_db, req, reply);
    ck_assert_int_eq(reply->status, 409);
    ck_assert_str_eq(reply->code, "DUPLICATE_ENTRY");
    ck_assert_str_eq(reply->message, "Duplicate entry found");
    envelope_destroy(&reply);
    envelope_destroy(&req);
}
END_TEST

START_TEST(test_other_error_is_500)
{
    envelope_t *req = s_req(), *reply = envelope_new_reply(req);
    msgpack_pack_map(envelope_body_packer(reply), 0);   /* a body packed before the failure */
    ck_assert(!s_insert("b", "not a number"));
    ck_assert_str_eq(db_sqlstate(s_db), "22P02");
    ck_assert(!db_lost(s_db));
    handler_db_error(s_db, req, reply);
    ck_assert_int_eq(reply->status, 500);
    ck_assert_str_eq(reply->code, "INTERNAL_ERROR");
    size_t size = 1;
    envelope_body_bytes(reply, &size);
    ck_assert_uint_eq(size, 0);                         /* never half an answer */
    envelope_destroy(&reply);
    envelope_destroy(&req);
}
END_TEST

START_TEST(test_statement_timeout_is_503)
{
    envelope_t *req = s_req(), *reply = envelope_new_reply(req);
    ck_assert_int_eq(db_command(s_db, "SET statement_timeout = 50"), 0);
    const char *params[] = { "5" };
    ck_assert_ptr_null(db_exec(s_db, "kit_sleep", 1, params));
    ck_assert_str_eq(db_sqlstate(s_db), "57014");
    handler_db_error(s_db, req, reply);
    ck_assert_int_eq(reply->status, 503);
    ck_assert_str_eq(reply->message, "Database unavailable");
    envelope_destroy(&reply);
    envelope_destroy(&req);
}
END_TEST

START_TEST(test_transaction)
{
    envelope_t *req = s_req(), *reply = envelope_new_reply(req);
    ck_assert(!db_in_transaction(s_db));
    ck_assert(handler_begin(s_db, req, reply));
    ck_assert(db_in_transaction(s_db));
    ck_assert(s_insert("t1", "1"));
    handler_rollback(s_db, req);
    ck_assert(!db_in_transaction(s_db));
    ck_assert_int_eq(s_count("t1"), 0);

    ck_assert(handler_begin(s_db, req, reply));
    ck_assert(s_insert("t2", "1"));
    ck_assert(handler_commit(s_db, req, reply));
    ck_assert(!db_in_transaction(s_db));
    ck_assert_int_eq(s_count("t2"), 1);

    /* A failed statement leaves the transaction aborted: COMMIT answers ROLLBACK, which
     * PostgreSQL reports as success; what the handler answered is the statement's error. */
    ck_assert(handler_begin(s_db, req, reply));
    ck_assert(s_insert("t3", "1"));
    ck_assert(!s_insert("t2", "1"));
    handler_db_error(s_db, req, reply);
    ck_assert_int_eq(reply->status, 409);
    handler_rollback(s_db, req);
    ck_assert(!db_in_transaction(s_db));
    ck_assert_int_eq(s_count("t3"), 0);
    ck_assert_int_eq(reply->status, 409);
    /* db_command is never parsed: SQL that only looks like a transaction does not open one. */
    ck_assert_int_eq(db_command(s_db, "SELECT 'BEGIN'"), 0);
    ck_assert(!db_in_transaction(s_db));
    envelope_destroy(&reply);
    envelope_destroy(&req);
}
END_TEST

START_TEST(test_connection_lost_in_transaction_is_503)
{
    envelope_t *req = s_req(), *reply = envelope_new_reply(req);
    ck_assert(handler_begin(s_db, req, reply));
    ck_assert(s_insert("lost", "1"));
    /* The backend ends itself: the transaction is gone with the connection. */
    ck_assert_ptr_null(db_exec(s_db, "kit_suicide", 0, NULL));
    ck_assert(db_lost(s_db));
    handler_db_error(s_db, req, reply);
    ck_assert_int_eq(reply->status, 503);
    /* Inside the transaction nothing reconnects behind the handler's back ... */
    ck_assert(!s_insert("lost2", "1"));
    ck_assert(db_lost(s_db));
    ck_assert(!handler_commit(s_db, req, reply));
    ck_assert_int_eq(reply->status, 503);
    ck_assert(!db_in_transaction(s_db));
    /* ... and after it ends, the next statement runs on a new connection. */
    ck_assert_int_eq(s_count("lost"), 0);
    envelope_destroy(&reply);
    envelope_destroy(&req);
}
END_TEST

START_TEST(test_no_server_is_503)
{
    envelope_t *req = s_req(), *reply = envelope_new_reply(req);
    /* Port 1 refuses at once: an unreachable server, not an SQL error. */
    db_t *dead = db_new("host=127.0.0.1 port=1 dbname=busd connect_timeout=2", NULL);
    ck_assert(!handler_begin(dead, req, reply));
    ck_assert(db_lost(dead));
    ck_assert_int_eq(reply->status, 503);
    ck_assert_str_eq(reply->code, "SERVICE_UNAVAILABLE");
    ck_assert(!db_in_transaction(dead));
    db_destroy(&dead);
    envelope_destroy(&reply);
    envelope_destroy(&req);
}
END_TEST

int
main(void)
{
    s_url = getenv("TEST_DATABASE_URL");
    if (!s_url || !*s_url)
        s_url = getenv("DATABASE_URL");
    if (!s_url || !*s_url) {
        fprintf(stderr, "test_handler_db: no TEST_DATABASE_URL or DATABASE_URL: skipped\n");
        return S_SKIP;
    }
    Suite *s = suite_create("handler_db");
    TCase *tc = tcase_create("postgresql");
    tcase_set_timeout(tc, 30);
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, test_unique_violation_is_409);
    tcase_add_test(tc, test_other_error_is_500);
    tcase_add_test(tc, test_statement_timeout_is_503);
    tcase_add_test(tc, test_transaction);
    tcase_add_test(tc, test_connection_lost_in_transaction_is_503);
    tcase_add_test(tc, test_no_server_is_503);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
