/* it_db.c -- libpq queries for the tests' database assertions. */
#include "it_db.h"
#include "it_env.h"

#include <check.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARAMS 8

/* A connection to TEST_DATABASE_URL; fails the current test when there is none. */
static PGconn *
s_connect(void)
{
    PGconn *conn = PQconnectdb(it_env_require("TEST_DATABASE_URL"));
    if (PQstatus(conn) != CONNECTION_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(conn));
        PQfinish(conn);
        ck_abort_msg("it_db: cannot connect to TEST_DATABASE_URL: %s", msg);
    }
    return conn;
}

/* SQL with NPARAMS text parameters from AP on CONN; a failure closes CONN and fails the
 * current test. */
static PGresult *
s_exec(PGconn *conn, const char *sql, int nparams, va_list ap)
{
    ck_assert_msg(nparams >= 0 && nparams <= MAX_PARAMS, "it_db: too many parameters");
    const char *params[MAX_PARAMS];
    for (int i = 0; i < nparams; i++)
        params[i] = va_arg(ap, const char *);
    PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", PQresultErrorMessage(res));
        PQclear(res);
        PQfinish(conn);
        ck_abort_msg("it_db: query failed: %s -- %s", sql, msg);
    }
    return res;
}

static char *
s_query(const char *sql, int nparams, va_list ap)
{
    PGconn *conn = s_connect();
    PGresult *res = s_exec(conn, sql, nparams, ap);
    char *out = NULL;
    if (PQntuples(res) > 0 && PQnfields(res) > 0 && !PQgetisnull(res, 0, 0))
        out = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    PQfinish(conn);
    return out;
}

PGconn *
it_db_hold(const char *sql, int nparams, ...)
{
    PGconn *conn = s_connect();
    PGresult *res = PQexec(conn, "BEGIN");
    ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
    PQclear(res);
    va_list ap;
    va_start(ap, nparams);
    res = s_exec(conn, sql, nparams, ap);
    va_end(ap);
    PQclear(res);
    return conn;
}

void
it_db_release(PGconn **hold_p)
{
    if (!hold_p || !*hold_p)
        return;
    PGresult *res = PQexec(*hold_p, "COMMIT");
    PQclear(res);
    PQfinish(*hold_p);
    *hold_p = NULL;
}

void
it_db_wait_blocked(PGconn *hold, int timeout_ms)
{
    char pid[24];
    snprintf(pid, sizeof pid, "%d", PQbackendPID(hold));
    int64_t until = it_now_ms() + timeout_ms, n = 0;
    while ((n = it_db_int("SELECT count(*) FROM pg_stat_activity "
                          "WHERE $1::int = ANY (pg_blocking_pids(pid))", -1, 1, pid)) < 1
           && it_now_ms() < until)
        it_sleep_ms(20);
    ck_assert_msg(n >= 1, "it_db: no backend waits for the held lock");
}

char *
it_db_text(const char *sql, int nparams, ...)
{
    va_list ap;
    va_start(ap, nparams);
    char *out = s_query(sql, nparams, ap);
    va_end(ap);
    return out;
}

int64_t
it_db_int(const char *sql, int64_t def, int nparams, ...)
{
    va_list ap;
    va_start(ap, nparams);
    char *out = s_query(sql, nparams, ap);
    va_end(ap);
    int64_t v = out ? strtoll(out, NULL, 10) : def;
    free(out);
    return v;
}

char *
it_db_user_row(int64_t user_id)
{
    char id[32];
    snprintf(id, sizeof id, "%" PRId64, user_id);
    return it_db_text("SELECT row_to_json(u)::text FROM users u WHERE u.id = $1::bigint", 1, id);
}

int64_t
it_db_count_users_by_email(const char *email)
{
    return it_db_int("SELECT count(*) FROM users WHERE lower(email) = lower($1)", 0, 1, email);
}
