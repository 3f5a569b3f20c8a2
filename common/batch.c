/* batch.c -- the parts every group-commit executor shares (batch.h). */
#include "batch.h"
#include "handler.h"
#include "log.h"
#include "mem.h"
#include "pg_array.h"
#include <stdlib.h>
#include <string.h>

char *
batch_param_array(combine_item_t **items, int n, int p, bool ids)
{
    const char **values = mem_malloc((size_t) n * sizeof *values);
    for (int i = 0; i < n; i++)
        values[i] = ((batch_member_t *) items[i]->arg)->params[p];
    char *array = ids ? pg_array_ids(values, n) : pg_array_texts(values, n);
    free(values);
    return array;
}

batch_member_t *
batch_member_of_row(combine_item_t **items, int n, const PGresult *res, int row, int ord_col)
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

bool
batch_failed_per_member(db_t *db, combine_item_t **items, int n)
{
    if (strncmp(db_sqlstate(db), "23", 2) == 0)
        return true;
    for (int i = 0; i < n; i++) {
        batch_member_t *m = items[i]->arg;
        handler_db_error(db, m->req, m->reply);
    }
    return false;
}

void
batch_answer_unanswered(combine_item_t **items, int n)
{
    for (int i = 0; i < n; i++) {
        batch_member_t *m = items[i]->arg;
        if (m->answered)
            continue;
        log_error(m->req->request_id, "batch", "no row for this member");
        envelope_set_error(m->reply, ERR_INTERNAL, NULL);
    }
}
