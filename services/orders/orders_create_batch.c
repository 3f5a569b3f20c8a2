/* orders_create_batch.c -- the group commit's executor: one batch of orders (any users)
 * as one statement (order_insert_batch), every member answered as if it had been created
 * alone; the queueing is common/combine.c's. */
#include "orders_create_batch.h"
#include "orders_pack.h"
#include "orders_sql.h"
#include "batch.h"

/* Every order shares one queue: orders of different users keep no order among each other
 * (unlike messages' per-receiver ids), so the only key is "an order". */
#define CREATE_KEY 0

/* batch_statement_t's single: one order alone, today's statement (a batch of one, and
 * each member after a class-23 failure: a user deleted meanwhile, 23503). */
static void
s_single(void *ctx, batch_member_t *m)
{
    orders_create_single(ctx, m->req, m->reply, m->params);
}

/* batch_statement_t's answer: 201 with the member's own row. */
static void
s_answer(void *ctx, batch_member_t *m, const PGresult *res, int row)
{
    (void) ctx;
    m->reply->status = 201;
    orders_pack_order(envelope_body_packer(m->reply), res, row);
}

/* Users, products and amounts as arrays; the amounts stay text, cast to numeric as
 * order_insert's (README.md, "One round trip": no BEGIN, the statement commits). */
static const batch_statement_t S_INSERT = {
    .statement = "order_insert_batch",
    .nparams = 3,
    .param = { CREATE_USER, CREATE_PRODUCT, CREATE_AMOUNT },
    .ids = { true, false, false },
    .ord_col = ORDER_ORD,
    .answer = s_answer,
    .single = s_single,
};

/* combine_exec_fn: CTX is the leading thread's state. */
static void
s_exec(void *ctx, combine_item_t **items, int n)
{
    orders_thread_t *self = ctx;
    batch_write(self->db, &S_INSERT, &self->create_metrics, self, items, n);
}

void
orders_create_batch(orders_thread_t *self, const envelope_t *req, envelope_t *reply,
                    const char *const params[CREATE_NPARAMS])
{
    batch_member_t member = { .req = req, .reply = reply, .params = params };
    batch_join(self->app->combine, CREATE_KEY, &self->create_metrics, &member, s_exec, self);
}
