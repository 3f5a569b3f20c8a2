/* messages_reply.c -- helpers every handler of the messages service shares. */
#include "messages_reply.h"
#include "messages_rules.h"
#include "cursor.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
messages_db_error(messages_thread_t *self, envelope_t *reply)
{
    if (db_lost(self->db))
        envelope_set_error(reply, ERR_SERVICE_UNAVAILABLE, "Database unavailable");
    else
        envelope_set_error(reply, ERR_INTERNAL, NULL);
}

void
messages_rollback(messages_thread_t *self)
{
    /* On a lost connection this reconnects and rolls back nothing: the server already
     * dropped the transaction with the connection. A lone statement outside a
     * transaction (idempotency_begin_single without a key) has nothing to end. */
    if (db_in_transaction(self->db))
        db_command(self->db, "ROLLBACK");
}

bool
messages_path_id(const envelope_t *req, envelope_t *reply, const char *key, int64_t *id)
{
    *id = messages_id_of(envelope_map_get(req->body_obj, key));
    if (*id > 0)
        return true;
    char msg[64];
    snprintf(msg, sizeof msg, "%s must be a valid id", key);
    envelope_set_error(reply, ERR_BAD_REQUEST, msg);
    return false;
}

static bool
s_skipped(const msgpack_object *key, const char *const *skip)
{
    for (; skip && *skip; skip++)
        if (envelope_str_eq(key, *skip))
            return true;
    return false;
}

int
messages_form_read(form_t *form, const form_field_t *fields, const msgpack_object *body,
                   const char *const *skip)
{
    if (!body || body->type != MSGPACK_OBJECT_MAP || body->via.map.size == 0)
        return form_read(form, fields, body);
    msgpack_object_kv *kv = calloc(body->via.map.size, sizeof *kv);
    if (!kv)
        abort();
    uint32_t n = 0;
    for (uint32_t i = 0; i < body->via.map.size; i++)
        if (!s_skipped(&body->via.map.ptr[i].key, skip))
            kv[n++] = body->via.map.ptr[i];
    msgpack_object view = *body;
    view.via.map.ptr = kv;
    view.via.map.size = n;
    int rc = form_read(form, fields, &view);
    free(kv);
    return rc;
}

const char *
messages_itoa(int64_t v, char *out, size_t size)
{
    snprintf(out, size, "%" PRId64, v);
    return out;
}

void
messages_list_reply(envelope_t *reply, const PGresult *res, const page_t *page, int id_col,
                    messages_pack_fn *pack)
{
    int fetched = PQntuples(res);
    msgpack_packer *pk = envelope_body_packer(reply);
    int rows = page_items(pk, fetched, page);
    for (int r = 0; r < rows; r++)
        pack(pk, res, r);
    int64_t last = rows > 0 ? strtoll(PQgetvalue(res, rows - 1, id_col), NULL, 10) : 0;
    page_finish(pk, fetched, page, last);
}

void
messages_list_page(messages_thread_t *self, envelope_t *reply, const char *stmt, int nparams,
                   const char *const *params, const page_t *page, int id_col,
                   messages_pack_fn *pack)
{
    PGresult *res = db_exec(self->db, stmt, nparams, params);
    if (!res)
        messages_db_error(self, reply);
    else
        messages_list_reply(reply, res, page, id_col, pack);
    PQclear(res);
}
