/* messages_reply.h -- what the handlers of the messages service share beyond the handler
 * kit (common/handler.h: forms, database errors, transactions, path ids, the caller):
 * statement parameters and the keyset-page list answer. */
#ifndef MESSAGES_REPLY_H
#define MESSAGES_REPLY_H
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>
#include "envelope.h"
#include "form.h"
#include "page.h"
#include "messages_app.h"

/* Writes V in decimal into OUT (at least 24 bytes) and returns OUT, for SQL parameters. */
const char *messages_itoa(int64_t v, char *out, size_t size);

typedef void (messages_pack_fn)(msgpack_packer *pk, const PGresult *res, int row);

/* Answers {"items", "next_cursor", "limit"} from RES, which the statement fetched with
 * PAGE->limit + 1 rows so that a next page shows; the cursor names column ID_COL of the
 * last item. */
void messages_list_reply(envelope_t *reply, const PGresult *res, const page_t *page,
                         int id_col, messages_pack_fn *pack);

/* Runs the keyset page statement STMT and answers its rows as a list (or the database
 * error): the shape every list method of this service ends with. */
void messages_list_page(messages_thread_t *self, const envelope_t *req, envelope_t *reply,
                        const char *stmt, int nparams, const char *const *params,
                        const page_t *page, int id_col, messages_pack_fn *pack);

#endif
