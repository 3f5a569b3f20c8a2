/* messages_reply.c -- the list answers every list method of the messages service ends with
 * (the rest of what handlers share is common/handler.c). */
#include "messages_reply.h"
#include "cursor.h"
#include "handler.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
messages_list_page(messages_thread_t *self, const envelope_t *req, envelope_t *reply,
                   const char *stmt, int nparams, const char *const *params,
                   const page_t *page, int id_col, messages_pack_fn *pack)
{
    PGresult *res = db_exec(self->db, stmt, nparams, params);
    if (!res)
        handler_db_error(self->db, req, reply);
    else
        messages_list_reply(reply, res, page, id_col, pack);
    PQclear(res);
}
