/* db.h -- PostgreSQL for one thread: one connection, statements prepared on connect and
 * again after every reconnect, parameters only. A dead server is reported as an error
 * (the caller answers 503) and the next call tries to reconnect. */
#ifndef COMMON_DB_H
#define COMMON_DB_H
#include <libpq-fe.h>
#include <stdbool.h>

/* DATABASE_URL when unset: the local stack's PostgreSQL (scripts/lib/env.sh). */
#define DB_CONNINFO_DEFAULT "host=127.0.0.1 port=55432 dbname=busd user=busd"

typedef struct {
    const char *name;        /* the prepared statement's name */
    const char *sql;         /* with $1..$n placeholders */
    int nparams;
} db_statement_t;

typedef struct db_t db_t;

/* Remembers CONNINFO and the NULL-terminated STATEMENTS table (which must outlive the
 * db_t) and tries to connect; a failed first connection is not fatal. Never NULL. */
db_t *db_new(const char *conninfo, const db_statement_t *statements);
void db_destroy(db_t **self_p);

/* Connected, or reconnected now. */
bool db_ready(db_t *self);

/* Runs prepared statement NAME with PARAMS (NULL entries are SQL NULL). Returns the
 * result (PGRES_TUPLES_OK or PGRES_COMMAND_OK) for the caller to PQclear, or NULL on any
 * error; then db_sqlstate() gives the SQLSTATE ("23505" unique violation) or "08000"
 * when the connection is gone. */
PGresult *db_exec(db_t *self, const char *name, int nparams, const char *const *params);

/* Plain SQL without parameters and outside the transaction calls below (SELECT 1 of a
 * probe, SET ...). 0 on success, -1 on error. Never BEGIN, COMMIT or ROLLBACK: db_t
 * follows transactions through the three calls below, never by reading SQL text. */
int db_command(db_t *self, const char *sql);

/* BEGIN, COMMIT, ROLLBACK: 0 on success, -1 on error (db_sqlstate, db_lost tell why).
 * db_t follows the transaction: outside one, a connection the server dropped (restart,
 * killed backend) is replaced before the next statement, so nothing fails on a stale
 * connection; inside one, a lost connection fails every statement up to the COMMIT or
 * ROLLBACK, which ends it whatever it answers (a COMMIT on a lost connection fails:
 * nothing is acknowledged). A ROLLBACK on a lost connection reconnects and rolls back
 * nothing: the server dropped the transaction with the connection. */
int db_begin(db_t *self);
int db_commit(db_t *self);
int db_rollback(db_t *self);

/* True between a successful db_begin and the db_commit or db_rollback that ends it. A
 * handler whose write ran as one statement on its own has no transaction to end. */
bool db_in_transaction(const db_t *self);

/* The SQLSTATE of the last failed call, "" after a success. */
const char *db_sqlstate(const db_t *self);

/* True when the last failure was a lost connection or an unreachable server. */
bool db_lost(const db_t *self);

/* --- readiness -------------------------------------------------------------------- */

typedef struct db_probe_t db_probe_t;

/* A connection of its own for /health/ready, which runs on an admin thread and may not
 * touch a worker's connection. Never NULL; connects lazily. */
db_probe_t *db_probe_new(const char *conninfo);
void db_probe_destroy(db_probe_t **self_p);

/* True when PostgreSQL answers SELECT 1 now. Thread-safe. */
bool db_probe_ok(db_probe_t *self);

#endif
