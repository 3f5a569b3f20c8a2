/* messages_send_batch.c -- the hot inbox's executor: one batch of direct messages, to one
 * receiver or to many, as one statement (message_send_batch), every member answered as if
 * it had been sent alone; the queueing is combine.c's. */
#include "messages_send_batch.h"
#include "combine.h"
#include "messages_event.h"
#include "messages_pack.h"
#include "messages_sql.h"
#include "handler.h"
#include "log.h"
#include "mem.h"
#include "pg_array.h"
#include <stdlib.h>
#include <string.h>

/* One request waiting in a batch (combine_item_t's arg). */
typedef struct {
    const envelope_t *req;
    envelope_t *reply;
    const char *const *params;
    bool answered;
} send_t;

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
        send_t *send = items[i]->arg;
        messages_send_single(self, send->req, send->reply, false, send->params);
    }
}

/* Row ROW of SENT to the member it names (SEND_ORD): 201 with its own rows, or 404 when
 * its receiver does not exist (SEND_OK false; nothing of it stored). False when the
 * ordinal names no member or one already answered (never, by the statement's
 * construction: one row per member). */
static bool
s_answer_row(messages_thread_t *self, combine_item_t **items, int n, const PGresult *sent,
             int row)
{
    int ord = atoi(PQgetvalue(sent, row, SEND_ORD));
    if (ord < 1 || ord > n)
        return false;
    send_t *send = items[ord - 1]->arg;
    if (send->answered)
        return false;
    send->answered = true;
    if (strcmp(PQgetvalue(sent, row, SEND_OK), "true") != 0) {
        envelope_set_error(send->reply, ERR_NOT_FOUND, "Receiver not found");
        return true;
    }
    send->reply->status = 201;
    messages_pack_message(envelope_body_packer(send->reply), sent, row, 0);
    metric_add(self->sent_user, 1);
    messages_event_new_message_rows(self->events, sent, row, 1);
    return true;
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
    const char **receivers = mem_malloc((size_t) n * sizeof *receivers);
    const char **senders = mem_malloc((size_t) n * sizeof *senders);
    const char **texts = mem_malloc((size_t) n * sizeof *texts);
    for (int i = 0; i < n; i++) {
        send_t *send = items[i]->arg;
        receivers[i] = send->params[P_RECEIVER];
        senders[i] = send->params[P_SENDER];
        texts[i] = send->params[P_TEXT];
    }
    char *receiver_array = pg_array_ids(receivers, n);
    char *sender_array = pg_array_ids(senders, n);
    char *text_array = pg_array_texts(texts, n);
    const send_t *first = items[0]->arg;
    const char *params[] = { receiver_array, sender_array, text_array };
    /* No BEGIN: the statement is its transaction, committed before its answer arrives,
     * as message_send_user's (README.md, "One statement"). */
    PGresult *sent = db_exec(self->db, "message_send_batch", 3, params);
    free(receiver_array);
    free(sender_array);
    free(text_array);
    free(receivers);
    free(senders);
    free(texts);
    if (!sent) {
        /* Class 23 (integrity): some member's own row was refused; nothing was stored.
         * Anything else (the connection, the server) is every member's answer alike. */
        if (strncmp(db_sqlstate(self->db), "23", 2) == 0)
            s_one_by_one(self, items, n);
        else
            for (int i = 0; i < n; i++) {
                send_t *send = items[i]->arg;
                handler_db_error(self->db, send->req, send->reply);
            }
        return;
    }
    int rows = PQntuples(sent);
    for (int r = 0; r < rows; r++)
        if (!s_answer_row(self, items, n, sent, r))
            log_error(first->req->request_id, "send_batch",
                      "row %d of a batch of %d names no waiting member", r, n);
    for (int i = 0; i < n; i++) {
        send_t *send = items[i]->arg;
        if (send->answered)
            continue;
        /* Cannot happen: the statement answers one row per member. */
        log_error(send->req->request_id, "send_batch", "no row for this member");
        envelope_set_error(send->reply, ERR_INTERNAL, NULL);
    }
    PQclear(sent);
}

void
messages_send_batch(messages_thread_t *self, const envelope_t *req, envelope_t *reply,
                    const char *const params[5])
{
    send_t send = { .req = req, .reply = reply, .params = params };
    combine_item_t item = { .arg = &send };
    metric_add(self->send_waiting, 1);
    combine_run(self->app->combine, DIRECT_LANE, &item, s_exec, self);
    metric_add(self->send_waiting, -1);
}
