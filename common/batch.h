/* batch.h -- what every group-commit executor does around its own statement (orders'
 * create, messages' direct sends): a batch's members, their parameters as array literals,
 * the row that answers each (by its ordinal), and the answers when the statement fails.
 * The queueing is combine.h's; the statement, the answer of a row and the single path
 * are the caller's (batch_statement_t). */
#ifndef COMMON_BATCH_H
#define COMMON_BATCH_H
#include <libpq-fe.h>
#include <stdbool.h>
#include "combine.h"
#include "db.h"
#include "envelope.h"
#include "metrics.h"

/* One request in a batch (combine_item_t's arg), on its thread's stack. */
typedef struct {
    const envelope_t *req;
    envelope_t *reply;
    const char *const *params;     /* the caller's single statement's parameters */
    bool answered;
} batch_member_t;

/* One kind of request's group commit, on /metrics: PREFIX_waiting (gauge: queued or being
 * written now), PREFIX_batches_total (its transactions) and PREFIX_batched_total (the
 * requests they held; batched / batches is the requests per flush). */
typedef struct {
    metric_t *waiting, *batches, *batched;
} batch_metrics_t;

/* Registers (or finds) the three for PREFIX; WHAT names the requests ("Orders"). */
void batch_metrics_init(batch_metrics_t *self, metrics_t *metrics, const char *prefix,
                        const char *what);

/* Queues MEMBER for KEY on COMBINE (counted in M's waiting meanwhile) and returns once it
 * was answered, by EXEC(CTX, ...) of this thread's batch or another's (combine_run). */
void batch_join(combine_t *combine, int64_t key, const batch_metrics_t *m,
                batch_member_t *member, combine_exec_fn *exec, void *ctx);

#define BATCH_PARAMS_MAX 4

/* One executor's statement and how its rows answer. */
typedef struct {
    const char *statement;           /* prepared on every thread's connection */
    int nparams;                     /* 1 .. BATCH_PARAMS_MAX */
    int param[BATCH_PARAMS_MAX];     /* each array: the members' params[PARAM[i]] ... */
    bool ids[BATCH_PARAMS_MAX];      /* ... unquoted ids when IDS[i], else quoted texts */
    int ord_col;                     /* each row's 1-based ordinal of its member */
    /* M's answer from row ROW of RES (status, body, events). */
    void (*answer)(void *ctx, batch_member_t *m, const PGresult *res, int row);
    /* M alone, by the caller's single statement: a batch of one is exactly that path,
     * and after a class-23 failure every member goes this way. */
    void (*single)(void *ctx, batch_member_t *m);
} batch_statement_t;

/* Writes ITEMS[0 .. N-1] (a combine batch) with ST on DB, counted in M, CTX being the
 * caller's for ANSWER and SINGLE. No BEGIN: the statement is its own transaction, committed before its
 * answer arrives, so no member is answered before the COMMIT. When it fails: class 23
 * (integrity, one member's own row refused, nothing stored) sends every member through
 * SINGLE so each gets its own answer; any other failure (the connection, the server) is
 * every member's answer (handler_db_error). A row naming no waiting member is logged; a
 * member no row answered gets 500 (neither happens, by the statements' construction). */
void batch_write(db_t *db, const batch_statement_t *st, const batch_metrics_t *m, void *ctx,
                 combine_item_t **items, int n);

#endif
