/* messages_notifications.c -- the caller's own notifications: list (all or ?unread=true),
 * mark one read, mark all read. Another user's notification is 404, never 403: its
 * existence is not the caller's business. */
#include "messages_handlers.h"
#include "messages_pack.h"
#include "messages_reply.h"
#include "handler.h"
#include "messages_rules.h"
#include "messages_sql.h"
#include "cursor.h"
#include <stdlib.h>
#include <string.h>

void
messages_notifications_list(void *state, const envelope_t *req, envelope_t *reply)
{
    messages_thread_t *self = state;
    static const form_field_t fields[] = {
        { .key = "unread", .max_bytes = 8, .check = messages_check_bool },
        { .key = "limit", .max_bytes = 8, .integer_ok = true, .check = form_check_limit },
        { .key = "cursor", .max_bytes = 64, .check = cursor_check },
        { .key = NULL }
    };
    form_t form;
    form_init(&form);
    if (!handler_form_read(&form, fields, NULL, req, reply))
        goto cleanup;
    if (handler_form_invalid(&form, reply))
        goto cleanup;
    bool unread = form.values[0].value && strcmp(form.values[0].value, "true") == 0;
    page_t page = page_from(form.values[1].value, form.values[2].value);
    char uid[24], after[24], limit[24];
    const char *params[] = { messages_itoa(req->caller.user_id, uid, sizeof uid),
                             messages_itoa(page.after, after, sizeof after),
                             messages_itoa(page.limit + 1, limit, sizeof limit) };
    messages_list_page(self, req, reply, unread ? "notif_list_unread" : "notif_list", 3, params,
                       &page, NOTIF_ID, messages_pack_notification);
cleanup:
    form_release(&form);
}

void
messages_notification_read(void *state, const envelope_t *req, envelope_t *reply)
{
    messages_thread_t *self = state;
    int64_t id;
    char nid[24], uid[24];
    if (!handler_path_id(req, reply, "id", &id))
        return;
    const char *params[] = { messages_itoa(id, nid, sizeof nid),
                             messages_itoa(req->caller.user_id, uid, sizeof uid) };
    PGresult *res = db_exec(self->db, "notif_read", 2, params);
    if (!res)
        handler_db_error(self->db, req, reply);
    else if (PQntuples(res) == 0)
        envelope_set_error(reply, ERR_NOT_FOUND, "Notification not found");
    else
        messages_pack_notification(envelope_body_packer(reply), res, 0);
    PQclear(res);
}

void
messages_notifications_read_all(void *state, const envelope_t *req, envelope_t *reply)
{
    messages_thread_t *self = state;
    char uid[24];
    const char *params[] = { messages_itoa(req->caller.user_id, uid, sizeof uid) };
    PGresult *res = db_exec(self->db, "notif_read_all", 1, params);
    if (!res) {
        handler_db_error(self->db, req, reply);
        return;
    }
    msgpack_packer *pk = envelope_body_packer(reply);
    msgpack_pack_map(pk, 1);
    envelope_pack_key(pk, "updated");
    msgpack_pack_int64(pk, strtoll(PQcmdTuples(res), NULL, 10));
    PQclear(res);
}
