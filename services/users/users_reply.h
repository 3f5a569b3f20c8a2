/* users_reply.h -- the error answers every handler of the users service shares. */
#ifndef USERS_REPLY_H
#define USERS_REPLY_H
#include <stdbool.h>
#include "envelope.h"
#include "users_app.h"
#include "form.h"

/* Answers the failure of the last database call of T: 503 when PostgreSQL is gone,
 * 409 DUPLICATE_ENTRY on a unique violation, 500 otherwise (no SQL in the answer). */
void users_reply_db_error(users_thread_t *t, const envelope_t *req, envelope_t *reply);

/* Answers a form_read result RC: BAD_REQUEST when the body was not a map,
 * VALIDATION_ERROR with every problem when there were some. Returns true when it
 * answered (the handler stops), false when the form is valid. */
bool users_reply_form(int rc, const form_t *form, envelope_t *reply);

/* Rolls back the open transaction of T; a failure is logged only (the connection is
 * reset by db_t when it is lost, which ends the transaction as well). */
void users_rollback(users_thread_t *t, const envelope_t *req);

/* True when the edge established a caller; else answers 401 and returns false. */
bool users_require_caller(const envelope_t *req, envelope_t *reply);

bool users_caller_is_admin(const envelope_t *req);

#endif
