/* messages_send_batch.c -- the hot inbox's executor: one batch of direct messages, to one
 * receiver or to many, as one statement (message_send_batch), every member answered as if
 * it had been sent alone; the queueing is combine.c's. */
#include "messages_send_batch.h"
#include "batch.h"
#include "messages_event.h"
#include "messages_pack.h"
#include "messages_sql.h"
#include <string.h>

enum { P_SENDER, P_RECEIVER, P_TEXT };

/* The one combine key of every direct message: whatever their receivers, the threads
 * waiting behind a running batch form the next one (README.md, "The hot inbox"). */
enum { DIRECT_LANE = 0 };

/* batch_statement_t's single: one message alone, today's statement (a batch of one, and
 * each member after a class-23 failure: a sender deleted meanwhile, 23503). */
static void
s_single(void *ctx, batch_member_t *m)
{
    messages_send_single(ctx, m->req, m->reply, false, m->params);
}

/* batch_statement_t's answer: 201 with the member's own rows, or 404 when its receiver
 * does not exist (SEND_OK false; nothing of it stored). */
static void
s_answer(void *ctx, batch_member_t *m, const PGresult *sent, int row)
{
    messages_thread_t *self = ctx;
    if (strcmp(PQgetvalue(sent, row, SEND_OK), "true") != 0) {
        envelope_set_error(m->reply, ERR_NOT_FOUND, "Receiver not found");
        return;
    }
    m->reply->status = 201;
    messages_pack_message(envelope_body_packer(m->reply), sent, row, 0);
    metric_add(self->sent_user, 1);
    messages_event_new_message_rows(self->events, sent, row, 1);
}

/* Receivers, senders and texts as arrays (README.md, "One statement": no BEGIN, the
 * statement commits). */
static const batch_statement_t S_SEND = {
    .statement = "message_send_batch",
    .nparams = 3,
    .param = { P_RECEIVER, P_SENDER, P_TEXT },
    .ids = { true, true, false },
    .ord_col = SEND_ORD,
    .answer = s_answer,
    .single = s_single,
};

/* combine_exec_fn: CTX is the leading thread's state. */
static void
s_exec(void *ctx, combine_item_t **items, int n)
{
    messages_thread_t *self = ctx;
    batch_write(self->db, &S_SEND, &self->send_metrics, self, items, n);
}

void
messages_send_batch(messages_thread_t *self, const envelope_t *req, envelope_t *reply,
                    const char *const params[5])
{
    batch_member_t member = { .req = req, .reply = reply, .params = params };
    batch_join(self->app->combine, DIRECT_LANE, &self->send_metrics, &member, s_exec, self);
}
