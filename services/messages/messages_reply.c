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
     * dropped the transaction with the connection. */
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

messages_page_t
messages_page(const char *limit, const char *cursor)
{
    messages_page_t page = { FORM_LIMIT_DEFAULT, INT64_MAX };
    if (limit)
        form_parse_int(limit, 1, FORM_LIMIT_MAX, &page.limit);
    if (cursor)
        cursor_decode(cursor, &page.after);
    return page;
}

void
messages_list_reply(envelope_t *reply, const PGresult *res, const messages_page_t *page,
                    int id_col, messages_pack_fn *pack)
{
    int rows = PQntuples(res);
    bool more = rows > page->limit;
    if (more)
        rows = (int) page->limit;
    msgpack_packer *pk = envelope_body_packer(reply);
    msgpack_pack_map(pk, 3);
    envelope_pack_key(pk, "items");
    msgpack_pack_array(pk, (size_t) rows);
    for (int r = 0; r < rows; r++)
        pack(pk, res, r);
    envelope_pack_key(pk, "next_cursor");
    if (more) {
        char next[CURSOR_SIZE];
        cursor_encode(strtoll(PQgetvalue(res, rows - 1, id_col), NULL, 10), next, sizeof next);
        envelope_pack_str(pk, next);
    }
    else
        msgpack_pack_nil(pk);
    envelope_pack_key(pk, "limit");
    msgpack_pack_int64(pk, page->limit);
}
