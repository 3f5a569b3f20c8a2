/* messages_send_batch.c -- the hot inbox's executor: one batch of direct messages, to one
 * receiver or to many, as one statement (message_send_batch), every member answered as if
 * it had been sent alone; the queueing is combine.c's. */
#include "messages_send_batch.h"
#include "batch.h"
#include "messages_event.h"
#include "messages_pack.h"
#include "messages_sql.h"
#include <stdlib.h>
#include <string.h>

enum { P_SENDER, P_RECEIVER, P_TEXT };

/* The one combine key of every direct message: whatever their receivers, the threads
 * waiting behind a running batch form the next one (README.md, "The hot inbox"). */
enum { DIRECT_LANE = 0 };

/* Every member alone, today's statement each: for a failure that may be one member's
 * own (a sender deleted meanwhile: 23503), so each gets its own answer. */
static void
s_one_by_one(messages_thread_t *self, combine_item_t **items, int n)
{
    for (int i = 0; i < n; i++) {
        batch_member_t *m = items[i]->arg;
        messages_send_single(self, m->req, m->reply, false, m->params);
    }
}

/* Row ROW of SENT to the member it names (SEND_ORD): 201 with its own rows, or 404 when
 * its receiver does not exist (SEND_OK false; nothing of it stored). */
static void
s_answer_row(messages_thread_t *self, combine_item_t **items, int n, const PGresult *sent,
             int row)
{
    batch_member_t *m = batch_member_of_row(items, n, sent, row, SEND_ORD);
    if (!m)
        return;
    if (strcmp(PQgetvalue(sent, row, SEND_OK), "true") != 0) {
        envelope_set_error(m->reply, ERR_NOT_FOUND, "Receiver not found");
        return;
    }
    m->reply->status = 201;
    messages_pack_message(envelope_body_packer(m->reply), sent, row, 0);
    metric_add(self->sent_user, 1);
    messages_event_new_message_rows(self->events, sent, row, 1);
}

/* combine_exec_fn: CTX is the leading thread's state. */
static void
s_exec(void *ctx, combine_item_t **items, int n)
{
    messages_thread_t *self = ctx;
    metric_add(self->send_batches, 1);
    metric_add(self->send_batched, n);
    if (n == 1) {                      /* nobody to share with: exactly today's path */
        s_one_by_one(self, items, 1);
        return;
    }
    char *receivers = batch_param_array(items, n, P_RECEIVER, true);
    char *senders = batch_param_array(items, n, P_SENDER, true);
    char *texts = batch_param_array(items, n, P_TEXT, false);
    const char *params[] = { receivers, senders, texts };
    /* No BEGIN: the statement is its transaction, committed before its answer arrives,
     * as message_send_user's (README.md, "One statement"). */
    PGresult *sent = db_exec(self->db, "message_send_batch", 3, params);
    free(receivers);
    free(senders);
    free(texts);
    if (!sent) {
        if (batch_failed_per_member(self->db, items, n))
            s_one_by_one(self, items, n);
        return;
    }
    for (int r = 0; r < PQntuples(sent); r++)
        s_answer_row(self, items, n, sent, r);
    batch_answer_unanswered(items, n);
    PQclear(sent);
}

void
messages_send_batch(messages_thread_t *self, const envelope_t *req, envelope_t *reply,
                    const char *const params[5])
{
    batch_member_t member = { .req = req, .reply = reply, .params = params };
    combine_item_t item = { .arg = &member };
    metric_add(self->send_waiting, 1);
    combine_run(self->app->combine, DIRECT_LANE, &item, s_exec, self);
    metric_add(self->send_waiting, -1);
}
