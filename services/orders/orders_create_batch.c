/* orders_create_batch.c -- the group commit's executor: one batch of orders (any users)
 * as one statement (order_insert_batch), every member answered as if it had been created
 * alone; the queueing is common/combine.c's. */
#include "orders_create_batch.h"
#include "orders_pack.h"
#include "orders_sql.h"
#include "batch.h"
#include <stdlib.h>

/* Every order shares one queue: orders of different users keep no order among each other
 * (unlike messages' per-receiver ids), so the only key is "an order". */
#define CREATE_KEY 0

/* Every member alone, today's statement each: for a failure that may be one member's
 * own (a user deleted meanwhile: 23503), so each gets its own answer. */
static void
s_one_by_one(orders_thread_t *self, combine_item_t **items, int n)
{
    for (int i = 0; i < n; i++) {
        batch_member_t *m = items[i]->arg;
        orders_create_single(self, m->req, m->reply, m->params);
    }
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
    char *users = batch_param_array(items, n, CREATE_USER, true);
    char *products = batch_param_array(items, n, CREATE_PRODUCT, false);
    char *amounts = batch_param_array(items, n, CREATE_AMOUNT, false);
    const char *params[] = { users, products, amounts };
    /* No BEGIN: the statement is its transaction, committed before its answer arrives,
     * as order_insert's (README.md, "One round trip"). */
    PGresult *res = db_exec(self->db, "order_insert_batch", 3, params);
    free(users);
    free(products);
    free(amounts);
    if (!res) {
        if (batch_failed_per_member(self->db, items, n))
            s_one_by_one(self, items, n);
        return;
    }
    for (int r = 0; r < PQntuples(res); r++) {
        batch_member_t *m = batch_member_of_row(items, n, res, r, ORDER_ORD);
        if (m) {
            m->reply->status = 201;
            orders_pack_order(envelope_body_packer(m->reply), res, r);
        }
    }
    batch_answer_unanswered(items, n);
    PQclear(res);
}

void
orders_create_batch(orders_thread_t *self, const envelope_t *req, envelope_t *reply,
                    const char *const params[CREATE_NPARAMS])
{
    batch_member_t member = { .req = req, .reply = reply, .params = params };
    combine_item_t item = { .arg = &member };
    metric_add(self->create_waiting, 1);
    combine_run(self->app->combine, CREATE_KEY, &item, s_exec, self);
    metric_add(self->create_waiting, -1);
}
