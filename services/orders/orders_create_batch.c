/* orders_create_batch.c -- the group commit's executor: one batch of orders (any users)
 * as one statement (order_insert_batch), every member answered as if it had been created
 * alone; the queueing is common/combine.c's. */
#include "orders_create_batch.h"
#include "orders_pack.h"
#include "orders_sql.h"
#include "combine.h"
#include "handler.h"
#include "log.h"
#include "mem.h"
#include "pg_array.h"
#include <stdlib.h>
#include <string.h>

/* Every order shares one queue: orders of different users keep no order among each other
 * (unlike messages' per-receiver ids), so the only key is "an order". */
#define CREATE_KEY 0

/* One request waiting in a batch (combine_item_t's arg). */
typedef struct {
    const envelope_t *req;
    envelope_t *reply;
    const char *const *params;
    bool answered;
} create_t;

/* Every member alone, today's statement each: for a failure that may be one member's
 * own (a user deleted meanwhile: 23503), so each gets its own answer. */
static void
s_one_by_one(orders_thread_t *self, combine_item_t **items, int n)
{
    for (int i = 0; i < n; i++) {
        create_t *c = items[i]->arg;
        orders_create_single(self, c->req, c->reply, c->params);
    }
}

/* Row ROW of RES, committed, to the member its ordinal names. False when the ordinal
 * names no member or one already answered (never, by the statement's construction). */
static bool
s_answer_row(combine_item_t **items, int n, const PGresult *res, int row)
{
    int ord = atoi(PQgetvalue(res, row, ORDER_ORD));
    if (ord < 1 || ord > n)
        return false;
    create_t *c = items[ord - 1]->arg;
    if (c->answered)
        return false;
    c->answered = true;
    c->reply->status = 201;
    orders_pack_order(envelope_body_packer(c->reply), res, row);
    return true;
}

/* One of the statement's array parameters: parameter P of every member. */
static char *
s_array(combine_item_t **items, int n, int p, bool ids)
{
    const char **values = mem_malloc((size_t) n * sizeof *values);
    for (int i = 0; i < n; i++)
        values[i] = ((create_t *) items[i]->arg)->params[p];
    char *array = ids ? pg_array_ids(values, n) : pg_array_texts(values, n);
    free(values);
    return array;
}

/* combine_exec_fn: CTX is the leading thread's state. */
static void
s_exec(void *ctx, combine_item_t **items, int n)
{
    orders_thread_t *self = ctx;
    metric_add(self->create_batches, 1);
    metric_add(self->create_batched, n);
    if (n == 1) {                      /* nobody to share with: exactly today's path */
        s_one_by_one(self, items, 1);
        return;
    }
    char *users = s_array(items, n, CREATE_USER, true);
    char *products = s_array(items, n, CREATE_PRODUCT, false);
    char *amounts = s_array(items, n, CREATE_AMOUNT, false);
    const char *params[] = { users, products, amounts };
    /* No BEGIN: the statement is its transaction, committed before its answer arrives,
     * as order_insert's (README.md, "One round trip"). */
    PGresult *res = db_exec(self->db, "order_insert_batch", 3, params);
    free(users);
    free(products);
    free(amounts);
    const create_t *first = items[0]->arg;
    if (!res) {
        /* Class 23 (integrity): some member's own row was refused; nothing was stored.
         * Anything else (the connection, the server) is every member's answer alike. */
        if (strncmp(db_sqlstate(self->db), "23", 2) == 0)
            s_one_by_one(self, items, n);
        else
            for (int i = 0; i < n; i++) {
                create_t *c = items[i]->arg;
                handler_db_error(self->db, c->req, c->reply);
            }
        return;
    }
    int rows = PQntuples(res);
    for (int r = 0; r < rows; r++)
        if (!s_answer_row(items, n, res, r))
            log_error(first->req->request_id, "create_batch",
                      "row %d of a batch of %d names no waiting member", r, n);
    for (int i = 0; i < n; i++) {
        create_t *c = items[i]->arg;
        if (!c->answered) {            /* cannot happen: the statement's row per member */
            log_error(c->req->request_id, "create_batch", "no row for this member");
            envelope_set_error(c->reply, ERR_INTERNAL, NULL);
        }
    }
    PQclear(res);
}

void
orders_create_batch(orders_thread_t *self, const envelope_t *req, envelope_t *reply,
                    const char *const params[CREATE_NPARAMS])
{
    create_t c = { .req = req, .reply = reply, .params = params };
    combine_item_t item = { .arg = &c };
    metric_add(self->create_waiting, 1);
    combine_run(self->app->combine, CREATE_KEY, &item, s_exec, self);
    metric_add(self->create_waiting, -1);
}
