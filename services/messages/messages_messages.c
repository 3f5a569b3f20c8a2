/* messages_messages.c -- direct and group messages: send (the message and one notification
 * per recipient in one statement, the event after COMMIT), history, read, delete. */
#include "messages_handlers.h"
#include "messages_send_batch.h"
#include "messages_event.h"
#include "idempotency.h"
#include "messages_pack.h"
#include "messages_reply.h"
#include "handler.h"
#include "messages_rules.h"
#include "messages_sql.h"
#include "cursor.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Column of message_lock after the message: may the caller see it. */
#define MSG_VISIBLE MSG_NCOLS

/* Gives every problem of FIELD the contract's one MESSAGE (API.md fixes the wording of
 * receiver_type's, whatever form.c found wrong: absent, not a string, not a listed value). */
static void
s_reword(form_t *form, const char *field, const char *message)
{
    for (int i = 0; i < form->problem_count; i++)
        if (strcmp(form->problems[i].field, field) == 0)
            snprintf(form->problems[i].message, sizeof form->problems[i].message, "%s", message);
}

/* Self-messages (notes to self) are allowed; like group senders, nobody is notified of
 * their own message. */
void
messages_message_send(void *state, const envelope_t *req, envelope_t *reply)
{
    messages_thread_t *self = state;
    static const form_field_t fields[] = {
        { .key = "text", .max_bytes = MESSAGES_TEXT_MAX_BYTES, .required = true,
          .check = messages_check_text },
        { .key = "receiver_type", .max_bytes = 16, .required = true,
          .check = messages_check_receiver_type },
        { .key = NULL }
    };
    static const char *const skip[] = { "receiver_id", NULL };
    form_t form;
    form_init(&form);
    if (!handler_form_read(&form, fields, skip, req, reply))
        goto cleanup;
    s_reword(&form, "receiver_type", "receiver_type must be one of: user, group");
    for (int i = 0; i < form.problem_count; i++)
        if (strcmp(form.problems[i].message, "text is too long") == 0)
            s_reword(&form, "text", "text must be at most 5000 characters");
    int64_t receiver = messages_id_of(envelope_map_get(req->body_obj, "receiver_id"));
    if (receiver == 0)
        form_problem(&form, "receiver_id", "receiver_id must be a valid id");
    if (handler_form_invalid(&form, reply))
        goto cleanup;
    bool group = strcmp(form.values[1].value, "group") == 0;
    int64_t sender = req->caller.user_id, lo = 0, hi = 0;
    messages_pair(sender, receiver, &lo, &hi);
    char uid[24], rid[24], lo_s[24], hi_s[24];
    const char *params[] = { messages_itoa(sender, uid, sizeof uid),
                             messages_itoa(receiver, rid, sizeof rid), form.values[0].value,
                             messages_itoa(lo, lo_s, sizeof lo_s),
                             messages_itoa(hi, hi_s, sizeof hi_s) };
    /* A direct message to someone else, without an Idempotency-Key, may share its
     * transaction with other direct messages (messages_send_batch.c); a group
     * message, a note to self and a keyed request keep a transaction of their own. */
    if (!group && receiver != sender && !idempotency_requested(req) && self->app->combine)
        messages_send_batch(self, req, reply, params);
    else
        messages_send_single(self, req, reply, group, params);
cleanup:
    form_release(&form);
}

void
messages_send_single(messages_thread_t *self, const envelope_t *req, envelope_t *reply,
                     bool group, const char *const params[5])
{
    PGresult *sent = NULL;
    /* Without an Idempotency-Key the statement below is the whole transaction: one round
     * trip. With one: a stored answer, 409 or 422 here, or an open transaction. */
    if (!idempotency_begin_single(self->db, req, reply))
        return;
    /* The receiver check, the message and its notification rows in one statement
     * (messages_sql.c, MESSAGE_SEND); the receiver is locked until COMMIT. */
    sent = db_exec(self->db, group ? "message_send_group" : "message_send_user",
                   group ? 3 : 5, params);
    if (!sent) {
        if (strcmp(db_sqlstate(self->db), "23503") == 0)   /* the sender's account is gone */
            envelope_set_error(reply, ERR_NOT_FOUND, "User not found");
        else
            handler_db_error(self->db, req, reply);
        goto rollback;
    }
    if (PQntuples(sent) == 0) {
        envelope_set_error(reply, ERR_NOT_FOUND, "Receiver not found");
        goto rollback;
    }
    if (strcmp(PQgetvalue(sent, 0, SEND_OK), "true") != 0) {   /* not a member */
        envelope_set_error(reply, ERR_FORBIDDEN, NULL);
        goto rollback;
    }
    /* Acknowledged only once durable: a failed COMMIT answers 503/500 and stores nothing.
     * The answer is packed first, so that an Idempotency-Key stores it in this same
     * transaction (common/idempotency.h); the failure drops it again. A replay never gets
     * here: no second event. */
    reply->status = 201;
    messages_pack_message(envelope_body_packer(reply), sent, 0, 0);
    if (idempotency_commit(self->db, req, reply) != 0) {
        handler_db_error(self->db, req, reply);
        goto rollback;
    }
    metric_add(group ? self->sent_group : self->sent_user, 1);
    messages_event_new_message(self->events, sent);
    PQclear(sent);
    return;
rollback:
    handler_rollback(self->db, req);
    PQclear(sent);
}

static const char *
s_check_with(const char *s)
{
    return form_check_id(s) ? "with must be a valid id" : NULL;
}

static const char *
s_check_group_id(const char *s)
{
    return form_check_id(s) ? "group_id must be a valid id" : NULL;
}

/* ?with=<user id> (a direct conversation of the caller) or ?group_id=<id> (members only;
 * 404 for anyone else, as GET /api/groups/:id). */
void
messages_message_list(void *state, const envelope_t *req, envelope_t *reply)
{
    messages_thread_t *self = state;
    static const form_field_t fields[] = {
        { .key = "with", .max_bytes = 20, .integer_ok = true, .check = s_check_with },
        { .key = "group_id", .max_bytes = 20, .integer_ok = true, .check = s_check_group_id },
        { .key = "limit", .max_bytes = 8, .integer_ok = true, .check = form_check_limit },
        { .key = "cursor", .max_bytes = 64, .check = cursor_check },
        { .key = NULL }
    };
    form_t form;
    form_init(&form);
    PGresult *res = NULL;
    if (!handler_form_read(&form, fields, NULL, req, reply))
        goto cleanup;
    const char *with = form.values[0].value, *group = form.values[1].value;
    if (!form_has_problem(&form, "with") && !form_has_problem(&form, "group_id")
        && (with != NULL) == (group != NULL))
        form_problem(&form, "with", "exactly one of with, group_id is required");
    if (handler_form_invalid(&form, reply))
        goto cleanup;
    page_t page = page_from(form.values[2].value, form.values[3].value);
    char uid[24], after[24], limit[24], lo_s[24], hi_s[24];
    messages_itoa(req->caller.user_id, uid, sizeof uid);
    messages_itoa(page.after, after, sizeof after);
    messages_itoa(page.limit + 1, limit, sizeof limit);
    if (with) {
        int64_t lo, hi;
        messages_pair(req->caller.user_id, strtoll(with, NULL, 10), &lo, &hi);
        const char *params[] = { messages_itoa(lo, lo_s, sizeof lo_s),
                                 messages_itoa(hi, hi_s, sizeof hi_s), after, limit };
        res = db_exec(self->db, "message_list_pair", 4, params);
    }
    else {
        const char *member[] = { group, uid };
        if (!(res = db_exec(self->db, "member_get", 2, member))) {
            handler_db_error(self->db, req, reply);
            goto cleanup;
        }
        bool is_member = PQntuples(res) > 0;
        PQclear(res);
        res = NULL;
        if (!is_member) {
            envelope_set_error(reply, ERR_NOT_FOUND, "Group not found");
            goto cleanup;
        }
        const char *params[] = { group, after, limit };
        res = db_exec(self->db, "message_list_group", 3, params);
    }
    if (!res)
        handler_db_error(self->db, req, reply);
    else
        messages_list_reply(reply, res, &page, MSG_ID, messages_pack_message_row);
cleanup:
    PQclear(res);
    form_release(&form);
}

/* Inside a transaction: the message :id, locked. 404 when it does not exist or (when
 * NEED_VISIBLE) the caller may not see it. NULL with the error in REPLY otherwise. */
static PGresult *
s_lock_message(messages_thread_t *self, const envelope_t *req, envelope_t *reply,
               const char *mid, const char *uid, bool need_visible)
{
    const char *params[] = { mid, uid };
    PGresult *res = db_exec(self->db, "message_lock", 2, params);
    if (!res)
        handler_db_error(self->db, req, reply);
    else if (PQntuples(res) == 0
             || (need_visible && strcmp(PQgetvalue(res, 0, MSG_VISIBLE), "true") != 0)) {
        envelope_set_error(reply, ERR_NOT_FOUND, "Message not found");
        PQclear(res);
        res = NULL;
    }
    return res;
}

/* Only the receiver of a direct message marks it read (403 for its sender and for group
 * messages, 404 for whoever cannot see it); their notification of it is marked too. */
void
messages_message_read(void *state, const envelope_t *req, envelope_t *reply)
{
    messages_thread_t *self = state;
    PGresult *res = NULL;
    int64_t id;
    char mid[24], uid[24];
    if (!handler_path_id(req, reply, "id", &id))
        return;
    messages_itoa(id, mid, sizeof mid);
    messages_itoa(req->caller.user_id, uid, sizeof uid);
    if (!handler_begin(self->db, req, reply))
        return;
    if (!(res = s_lock_message(self, req, reply, mid, uid, true)))
        goto rollback;
    bool receiver = strcmp(PQgetvalue(res, 0, MSG_RECEIVER_TYPE), "user") == 0
                    && strcmp(PQgetvalue(res, 0, MSG_RECEIVER_ID), uid) == 0;
    PQclear(res);
    res = NULL;
    if (!receiver) {
        envelope_set_error(reply, ERR_FORBIDDEN, NULL);
        goto rollback;
    }
    const char *params[] = { mid, uid };
    PGresult *notif = db_exec(self->db, "notif_read_message", 2, params);
    if (!notif || !(res = db_exec(self->db, "message_mark_read", 1, params))) {
        PQclear(notif);
        handler_db_error(self->db, req, reply);
        goto rollback;
    }
    PQclear(notif);
    if (!handler_commit(self->db, req, reply))
        goto rollback;
    messages_pack_message(envelope_body_packer(reply), res, 0, 0);
    PQclear(res);
    return;
rollback:
    PQclear(res);
    handler_rollback(self->db, req);
}

static bool
s_moderates(const envelope_t *req)
{
    return handler_caller_is_admin(req) || handler_caller_is(req, "moderator");
}

/* The sender, or an admin or moderator: 404 for an unknown message, 403 for anyone else.
 * Its notifications cascade; message_deleted names the recipients they belonged to. */
void
messages_message_delete(void *state, const envelope_t *req, envelope_t *reply)
{
    messages_thread_t *self = state;
    PGresult *msg = NULL, *recipients = NULL, *res = NULL;
    int64_t id;
    char mid[24], uid[24];
    if (!handler_path_id(req, reply, "id", &id))
        return;
    messages_itoa(id, mid, sizeof mid);
    messages_itoa(req->caller.user_id, uid, sizeof uid);
    if (!handler_begin(self->db, req, reply))
        return;
    if (!(msg = s_lock_message(self, req, reply, mid, uid, false)))
        goto rollback;
    bool sender = !PQgetisnull(msg, 0, MSG_SENDER) && strcmp(PQgetvalue(msg, 0, MSG_SENDER), uid) == 0;
    if (!sender && !s_moderates(req)) {
        envelope_set_error(reply, ERR_FORBIDDEN, NULL);
        goto rollback;
    }
    const char *params[] = { mid };
    if (!(recipients = db_exec(self->db, "message_recipients", 1, params))
        || !(res = db_exec(self->db, "message_delete", 1, params))) {
        handler_db_error(self->db, req, reply);
        goto rollback;
    }
    if (!handler_commit(self->db, req, reply))
        goto rollback;
    messages_event_deleted(self->events, msg, recipients);
    goto cleanup;
rollback:
    handler_rollback(self->db, req);
cleanup:
    PQclear(msg);
    PQclear(recipients);
    PQclear(res);
}
