/* handler.h -- the handler kit: what every service's handlers do the same way. Read the
 * request form or answer 400; answer a failed database call (409, 503 or 500); open and
 * end a transaction, answering its failure; read a path id; ask who the caller is.
 *
 * Every function that "answers" sets REPLY's error and returns false (or true for the
 * _invalid/_failed questions) so that a handler reads as a chain of steps:
 *
 *   if (!handler_form_read(&form, fields, NULL, req, reply)
 *       || handler_form_invalid(&form, reply)
 *       || !handler_begin(db, req, reply))
 *       goto cleanup;
 */
#ifndef COMMON_HANDLER_H
#define COMMON_HANDLER_H
#include <stdbool.h>
#include <stdint.h>
#include "db.h"
#include "envelope.h"
#include "errors.h"
#include "form.h"

/* The answer to a body that is not a map (the edge says the same of a JSON body). */
#define HANDLER_NOT_OBJECT "Request body must be a JSON object"

/* form_read() of REQ's body against FIELDS, leaving out the keys in the NULL-terminated
 * SKIP (may be NULL): fields the handler reads itself (id arrays, strict integer ids), so
 * they are neither typed by form.c nor reported as unknown. When the body is not a map
 * answers 400 BAD_REQUEST HANDLER_NOT_OBJECT and returns false; else true, with the
 * problems found (if any) in FORM for the handler to add to. */
bool handler_form_read(form_t *form, const form_field_t *fields, const char *const *skip,
                       const envelope_t *req, envelope_t *reply);

/* True, after answering 400 VALIDATION_ERROR with every problem, when FORM has any. */
bool handler_form_invalid(const form_t *form, envelope_t *reply);

/* The path parameter KEY (a positive integer the edge put in the body) into *ID. When it
 * is missing or not a valid id, answers 400 "<KEY> must be a valid id" and returns false. */
bool handler_path_id(const envelope_t *req, envelope_t *reply, const char *key, int64_t *id);

/* The error a failed statement maps to, from its SQLSTATE and whether the connection was
 * lost (db_sqlstate, db_lost):
 *   409 DUPLICATE_ENTRY  23505 unique violation
 *   409 CONFLICT         23P01 exclusion violation; 40001 serialization failure, 40P01
 *                        deadlock (the transaction was rolled back: the client may retry)
 *   503                  a lost or refused connection; class 08 (connection), 53
 *                        (insufficient resources: too many connections, disk full),
 *                        57 (operator intervention: shutdown, statement timeout)
 *   500 INTERNAL_ERROR   anything else (a bug or a schema problem)
 * A handler that gives a state its own meaning (23503 "User not found") checks it first. */
err_code_t handler_db_code(const char *sqlstate, bool lost);

/* Answers the failure of DB's last call with handler_db_code()'s error. A 500 is logged
 * with REQ's request id, method and SQLSTATE (never SQL text or row values); a 503
 * answers "Database unavailable". */
void handler_db_error(const db_t *db, const envelope_t *req, envelope_t *reply);

/* db_begin / db_commit; on failure answers handler_db_error() and returns false. A
 * failed COMMIT ends the transaction (nothing was acknowledged) and replaces any body the
 * handler packed before it. */
bool handler_begin(db_t *db, const envelope_t *req, envelope_t *reply);
bool handler_commit(db_t *db, const envelope_t *req, envelope_t *reply);

/* db_rollback after a failure or a refusal found inside the transaction. A failure is
 * logged only (the answer is already set); on a lost connection there is nothing to roll
 * back and nothing is logged. */
void handler_rollback(db_t *db, const envelope_t *req);

/* True when the edge established a caller (a valid access token); else answers 401
 * "Missing token" and returns false. */
bool handler_require_caller(const envelope_t *req, envelope_t *reply);

/* True when the caller's role (from the verified token, in the envelope) is ROLE. */
bool handler_caller_is(const envelope_t *req, const char *role);

/* True when the caller is an admin. */
bool handler_caller_is_admin(const envelope_t *req);

#endif
