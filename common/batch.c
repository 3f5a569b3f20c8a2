/* batch.c -- the parts every group-commit executor shares (batch.h). */
#include "batch.h"
#include "handler.h"
#include "log.h"
#include "mem.h"
#include "pg_array.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
batch_metrics_init(batch_metrics_t *self, metrics_t *metrics, const char *prefix,
                   const char *what)
{
    char name[128], help[160];
    snprintf(name, sizeof name, "%s_waiting", prefix);
    snprintf(help, sizeof help, "%s queued for or being written by a shared transaction "
             "(group commit)", what);
    self->waiting = metrics_get(metrics, METRIC_GAUGE, name, help, NULL);
    snprintf(name, sizeof name, "%s_batches_total", prefix);
    self->batches = metrics_get(metrics, METRIC_COUNTER, name,
                                "Transactions of the group commit", NULL);
    snprintf(name, sizeof name, "%s_batched_total", prefix);
    snprintf(help, sizeof help, "%s those transactions held", what);
    self->batched = metrics_get(metrics, METRIC_COUNTER, name, help, NULL);
}

void
batch_join(combine_t *combine, int64_t key, const batch_metrics_t *m, batch_member_t *member,
           combine_exec_fn *exec, void *ctx)
{
    combine_item_t item = { .arg = member };
    metric_add(m->waiting, 1);
    combine_run(combine, key, &item, exec, ctx);
    metric_add(m->waiting, -1);
}

/* Parameter P of every member as one PostgreSQL array literal: ids unquoted (IDS), texts
 * quoted (pg_array.h). The caller frees. */
static char *
s_param_array(combine_item_t **items, int n, int p, bool ids)
{
    const char **values = mem_malloc((size_t) n * sizeof *values);
    for (int i = 0; i < n; i++)
        values[i] = ((batch_member_t *) items[i]->arg)->params[p];
    char *array = ids ? pg_array_ids(values, n) : pg_array_texts(values, n);
    free(values);
    return array;
}

/* The member that row ROW of RES answers, by its ordinal in ORD_COL, marked answered;
 * NULL (logged) when the ordinal names no member or one already answered. */
static batch_member_t *
s_member_of_row(combine_item_t **items, int n, const PGresult *res, int row, int ord_col)
{
    int ord = atoi(PQgetvalue(res, row, ord_col));
    batch_member_t *m = ord >= 1 && ord <= n ? items[ord - 1]->arg : NULL;
    if (!m || m->answered) {
        const batch_member_t *first = items[0]->arg;
        log_error(first->req->request_id, "batch",
                  "row %d of a batch of %d names no waiting member", row, n);
        return NULL;
    }
    m->answered = true;
    return m;
}

/* After the statement failed: true for class 23 (the caller goes one by one); else every
 * member gets the same answer. */
static bool
s_failed_per_member(db_t *db, combine_item_t **items, int n)
{
    if (strncmp(db_sqlstate(db), "23", 2) == 0)
        return true;
    for (int i = 0; i < n; i++) {
        batch_member_t *m = items[i]->arg;
        handler_db_error(db, m->req, m->reply);
    }
    return false;
}

/* 500 (logged) to every member no row answered. */
static void
s_answer_unanswered(combine_item_t **items, int n)
{
    for (int i = 0; i < n; i++) {
        batch_member_t *m = items[i]->arg;
        if (m->answered)
            continue;
        log_error(m->req->request_id, "batch", "no row for this member");
        envelope_set_error(m->reply, ERR_INTERNAL, NULL);
    }
}

static void
s_one_by_one(const batch_statement_t *st, void *ctx, combine_item_t **items, int n)
{
    for (int i = 0; i < n; i++)
        st->single(ctx, items[i]->arg);
}

void
batch_write(db_t *db, const batch_statement_t *st, const batch_metrics_t *m, void *ctx,
            combine_item_t **items, int n)
{
    metric_add(m->batches, 1);
    metric_add(m->batched, n);
    if (n == 1) {                      /* nobody to share with: exactly the single path */
        s_one_by_one(st, ctx, items, 1);
        return;
    }
    char *arrays[BATCH_PARAMS_MAX];
    for (int i = 0; i < st->nparams; i++)
        arrays[i] = s_param_array(items, n, st->param[i], st->ids[i]);
    PGresult *res = db_exec(db, st->statement, st->nparams, (const char *const *) arrays);
    for (int i = 0; i < st->nparams; i++)
        free(arrays[i]);
    if (!res) {
        if (s_failed_per_member(db, items, n))
            s_one_by_one(st, ctx, items, n);
        return;
    }
    for (int r = 0; r < PQntuples(res); r++) {
        batch_member_t *member = s_member_of_row(items, n, res, r, st->ord_col);
        if (member)
            st->answer(ctx, member, res, r);
    }
    s_answer_unanswered(items, n);
    PQclear(res);
}
