/* messages_reply.h -- what every handler of the service shares: the 503/500 answer of a
 * failed statement, path ids, reading a body that holds fields form.h cannot type (arrays,
 * strict integer ids), keyset pages and the list answer. */
#ifndef MESSAGES_REPLY_H
#define MESSAGES_REPLY_H
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>
#include "envelope.h"
#include "form.h"
#include "page.h"
#include "messages_app.h"

/* A failed statement: 503 SERVICE_UNAVAILABLE when the database is gone (nothing was
 * acknowledged), 500 otherwise. */
void messages_db_error(messages_thread_t *self, envelope_t *reply);

/* Rolls back an open transaction (after a failure, or a refusal found inside it). */
void messages_rollback(messages_thread_t *self);

/* The path parameter KEY (an integer the edge put in the body) into *ID. When it is
 * missing or not a valid id, answers 400 "<KEY> must be a valid id" and returns false. */
bool messages_path_id(const envelope_t *req, envelope_t *reply, const char *key, int64_t *id);

/* form_read() on BODY without the keys in the NULL-terminated SKIP (fields the caller reads
 * itself: id arrays, strict integer ids), so they are neither typed by form.c nor reported
 * as unknown. Returns form_read()'s result. */
int messages_form_read(form_t *form, const form_field_t *fields, const msgpack_object *body,
                       const char *const *skip);

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
void messages_list_page(messages_thread_t *self, envelope_t *reply, const char *stmt,
                        int nparams, const char *const *params, const page_t *page, int id_col,
                        messages_pack_fn *pack);

#endif
