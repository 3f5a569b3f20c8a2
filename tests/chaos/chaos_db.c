/* chaos_db.c -- parameterized reads of orders, messages and notifications of the test
 * users, over one short-lived connection per call. */
#include "chaos_db.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The user ids of the first N users as a PostgreSQL array literal: "{1,2,3}". */
static void
s_id_array(const chaos_app_t *app, int n, char *out, size_t size)
{
    size_t at = (size_t) snprintf(out, size, "{");
    for (int i = 0; i < n && at < size; i++)
        at += (size_t) snprintf(out + at, size - at, "%s%lld", i ? "," : "",
                                (long long) app->users[i].id);
    if (at < size)
        snprintf(out + at, size - at, "}");
}

static PGconn *
s_connect(const chaos_app_t *app, char *err, size_t errlen)
{
    PGconn *pg = PQconnectdb(app->cfg.db_url);
    if (PQstatus(pg) != CONNECTION_OK) {
        snprintf(err, errlen, "database: %s", PQerrorMessage(pg));
        PQfinish(pg);
        return NULL;
    }
    return pg;
}

static int
s_query(PGconn *pg, const char *sql, const char *ids, chaos_rows_t *out, char *err,
        size_t errlen)
{
    const char *params[1] = { ids };
    PGresult *res = PQexecParams(pg, sql, 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        snprintf(err, errlen, "database: %s", PQerrorMessage(pg));
        PQclear(res);
        return -1;
    }
    int rows = PQntuples(res);
    for (int r = 0; r < rows; r++) {
        chaos_row_t *row = chaos_push((void **) &out->rows, &out->n, &out->cap, sizeof *row);
        row->id = strtoll(PQgetvalue(res, r, 0), NULL, 10);
        row->user_id = strtoll(PQgetvalue(res, r, 1), NULL, 10);
        snprintf(row->tag, sizeof row->tag, "%s", PQgetvalue(res, r, 2));
    }
    PQclear(res);
    return 0;
}

int
chaos_db_fetch(const chaos_app_t *app, chaos_db_state_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    char ids[CHAOS_MAX_USERS * 24];
    s_id_array(app, app->cfg.users, ids, sizeof ids);
    PGconn *pg = s_connect(app, err, errlen);
    if (!pg)
        return -1;
    int rc = s_query(pg, "SELECT id, user_id, product FROM orders "
                         "WHERE user_id = ANY($1::bigint[]) ORDER BY id",
                     ids, &out->orders, err, errlen);
    if (rc == 0)
        rc = s_query(pg, "SELECT id, sender_id, text FROM messages "
                         "WHERE sender_id = ANY($1::bigint[]) ORDER BY id",
                     ids, &out->messages, err, errlen);
    if (rc == 0)
        rc = s_query(pg, "SELECT id, user_id, '' FROM notifications "
                         "WHERE user_id = ANY($1::bigint[]) ORDER BY id",
                     ids, &out->notifications, err, errlen);
    PQfinish(pg);
    return rc;
}

int
chaos_db_count_notifications(const chaos_app_t *app, size_t *counts, char *err, size_t errlen)
{
    PGconn *pg = s_connect(app, err, errlen);
    if (!pg)
        return -1;
    int rc = 0;
    for (int i = 0; i < app->cfg.ws_users && rc == 0; i++) {
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long) app->users[i].id);
        const char *params[1] = { id };
        PGresult *res = PQexecParams(pg, "SELECT count(*) FROM notifications WHERE user_id = $1",
                                     1, NULL, params, NULL, NULL, 0);
        if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
            counts[i] = (size_t) strtoull(PQgetvalue(res, 0, 0), NULL, 10);
        } else {
            snprintf(err, errlen, "database: %s", PQerrorMessage(pg));
            rc = -1;
        }
        PQclear(res);
    }
    PQfinish(pg);
    return rc;
}

void
chaos_db_state_clear(chaos_db_state_t *state)
{
    free(state->orders.rows);
    free(state->messages.rows);
    free(state->notifications.rows);
    memset(state, 0, sizeof *state);
}
