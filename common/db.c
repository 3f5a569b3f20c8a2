/* db.c -- one PostgreSQL connection for one thread, statements prepared per connection,
 * reconnect on demand. */
#include "db.h"
#include "clock.h"
#include "dep_health.h"
#include "log.h"
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Don't hammer a dead server: one reconnect attempt per interval. */
#define DB_RETRY_MS 500

struct db_t {
    char *conninfo;
    const db_statement_t *statements;
    PGconn *conn;
    char sqlstate[6];
    bool lost;
    bool in_tx;                  /* between our BEGIN and COMMIT/ROLLBACK */
    int64_t next_attempt_ms;
};

/* Prepares every statement; false (and drops the connection) on failure. */
static bool
s_prepare_all(db_t *self)
{
    for (const db_statement_t *st = self->statements; st && st->name; st++) {
        PGresult *res = PQprepare(self->conn, st->name, st->sql, st->nparams, NULL);
        bool ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
        if (!ok)
            log_error(NULL, "db_prepare", "preparing %s failed: %s", st->name,
                      PQerrorMessage(self->conn));
        PQclear(res);
        if (!ok)
            return false;
    }
    return true;
}

static bool
s_connect(db_t *self)
{
    int64_t now = clock_mono_ms();
    if (now < self->next_attempt_ms)
        return false;
    self->next_attempt_ms = now + DB_RETRY_MS;
    if (self->conn)
        PQfinish(self->conn);
    self->conn = PQconnectdb(self->conninfo);
    if (PQstatus(self->conn) != CONNECTION_OK) {
        log_warn(NULL, "db_connect", "connection failed: %s", PQerrorMessage(self->conn));
        PQfinish(self->conn);
        self->conn = NULL;
        return false;
    }
    /* Reached, even if a statement does not prepare (a schema problem, not an outage). */
    dep_health_report(DEP_POSTGRESQL, true);
    if (!s_prepare_all(self)) {
        PQfinish(self->conn);
        self->conn = NULL;
        return false;
    }
    return true;
}

db_t *
db_new(const char *conninfo, const db_statement_t *statements)
{
    db_t *self = calloc(1, sizeof *self);
    if (!self)
        abort();
    self->conninfo = strdup(conninfo);
    self->statements = statements;
    if (!s_connect(self))
        dep_health_report(DEP_POSTGRESQL, false);
    return self;
}

void
db_destroy(db_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    db_t *self = *self_p;
    if (self->conn)
        PQfinish(self->conn);
    free(self->conninfo);
    free(self);
    *self_p = NULL;
}

bool
db_ready(db_t *self)
{
    /* A server that restarted (or a backend that was killed) has already said goodbye on
     * the socket (a FATAL message, then EOF). An idle connection has nothing to read, so
     * anything readable between statements means the connection is gone (or, rarely, an
     * asynchronous parameter report, where a reconnect costs little): reconnect before
     * sending rather than fail the statement on a stale connection. */
    if (self->conn && !self->in_tx) {
        struct pollfd pfd = { .fd = PQsocket(self->conn), .events = POLLIN };
        if (pfd.fd < 0 || poll(&pfd, 1, 0) != 0) {
            PQfinish(self->conn);
            self->conn = NULL;
            self->next_attempt_ms = 0;
        }
    }
    if (self->conn && PQstatus(self->conn) != CONNECTION_OK) {
        PQfinish(self->conn);
        self->conn = NULL;
        self->next_attempt_ms = 0;
    }
    /* Inside a transaction a lost connection is a failure the caller must see: a new
     * connection would run the rest of the transaction's statements on their own. */
    if (self->in_tx)
        return self->conn != NULL;
    if (self->conn)
        return true;
    return s_connect(self);
}

static void
s_fail(db_t *self, PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    self->lost = !self->conn || PQstatus(self->conn) != CONNECTION_OK;
    /* An SQL error is an answer; a lost or refused connection is an outage. */
    dep_health_report(DEP_POSTGRESQL, !self->lost);
    if (self->lost || !state)
        state = "08000";
    snprintf(self->sqlstate, sizeof self->sqlstate, "%s", state);
    /* Unique violations are expected business outcomes, not errors worth a log line.
     * Only the primary message is logged: DETAIL quotes row values (emails, hashes). */
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (strcmp(self->sqlstate, "23505") != 0)
        log_warn(NULL, "db_error", "sqlstate %s: %s", self->sqlstate,
                 primary ? primary : self->lost ? "connection lost" : "statement failed");
    if (self->lost && self->conn) {
        PQfinish(self->conn);
        self->conn = NULL;
        self->next_attempt_ms = 0;   /* the next call tries at once */
    }
}

PGresult *
db_exec(db_t *self, const char *name, int nparams, const char *const *params)
{
    self->sqlstate[0] = '\0';
    self->lost = false;
    if (!db_ready(self)) {
        s_fail(self, NULL);
        return NULL;
    }
    PGresult *res = PQexecPrepared(self->conn, name, nparams, params, NULL, NULL, 0);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        dep_health_report(DEP_POSTGRESQL, true);
        return res;
    }
    s_fail(self, res);
    PQclear(res);
    return NULL;
}

/* True when SQL starts with WORD (case-insensitive) followed by the end or a space. */
static bool
s_starts(const char *sql, const char *word)
{
    size_t n = strlen(word);
    return strncasecmp(sql, word, n) == 0 && (sql[n] == '\0' || sql[n] == ' ' || sql[n] == ';');
}

int
db_command(db_t *self, const char *sql)
{
    self->sqlstate[0] = '\0';
    self->lost = false;
    bool begin = s_starts(sql, "BEGIN") || s_starts(sql, "START");
    bool end = s_starts(sql, "COMMIT") || s_starts(sql, "ROLLBACK") || s_starts(sql, "END");
    if (begin && self->in_tx)         /* our own bug; PostgreSQL only warns, and so do we */
        log_error(NULL, "db_nested_begin", "BEGIN inside an open transaction");
    if (!db_ready(self)) {
        if (end)
            self->in_tx = false;      /* the server rolled it back with the connection */
        s_fail(self, NULL);
        return -1;
    }
    PGresult *res = PQexec(self->conn, sql);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (end)
        self->in_tx = false;
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        if (begin)
            self->in_tx = true;
        PQclear(res);
        dep_health_report(DEP_POSTGRESQL, true);
        return 0;
    }
    s_fail(self, res);
    PQclear(res);
    return -1;
}

const char *
db_sqlstate(const db_t *self)
{
    return self->sqlstate;
}

bool
db_lost(const db_t *self)
{
    return self->lost;
}

bool
db_in_transaction(const db_t *self)
{
    return self->in_tx;
}

struct db_probe_t {
    pthread_mutex_t lock;
    db_t *db;
};

db_probe_t *
db_probe_new(const char *conninfo)
{
    db_probe_t *self = calloc(1, sizeof *self);
    if (!self)
        abort();
    pthread_mutex_init(&self->lock, NULL);
    self->db = db_new(conninfo, NULL);
    return self;
}

void
db_probe_destroy(db_probe_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    db_destroy(&(*self_p)->db);
    pthread_mutex_destroy(&(*self_p)->lock);
    free(*self_p);
    *self_p = NULL;
}

bool
db_probe_ok(db_probe_t *self)
{
    pthread_mutex_lock(&self->lock);
    bool ok = db_command(self->db, "SELECT 1") == 0;
    pthread_mutex_unlock(&self->lock);
    return ok;
}
