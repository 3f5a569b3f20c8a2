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

static char *
s_query(const char *sql, int nparams, va_list ap)
{
    ck_assert_msg(nparams >= 0 && nparams <= MAX_PARAMS, "it_db: too many parameters");
    const char *params[MAX_PARAMS];
    for (int i = 0; i < nparams; i++)
        params[i] = va_arg(ap, const char *);

    PGconn *conn = PQconnectdb(it_env_require("TEST_DATABASE_URL"));
    if (PQstatus(conn) != CONNECTION_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(conn));
        PQfinish(conn);
        ck_abort_msg("it_db: cannot connect to TEST_DATABASE_URL: %s", msg);
    }
    PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", PQresultErrorMessage(res));
        PQclear(res);
        PQfinish(conn);
        ck_abort_msg("it_db: query failed: %s -- %s", sql, msg);
    }
    char *out = NULL;
    if (PQntuples(res) > 0 && PQnfields(res) > 0 && !PQgetisnull(res, 0, 0))
        out = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    PQfinish(conn);
    return out;
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
