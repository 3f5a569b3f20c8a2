/* users_auth.c -- register and login: the bcrypt-heavy methods of service `auth`. */
#include "users_handlers.h"
#include "users_app.h"
#include "form.h"
#include "idempotency.h"
#include "handler.h"
#include "users_sql.h"
#include "users_tokens.h"
#include "users_redis.h"
#include "users_validate.h"
#include "log.h"
#include <string.h>

/* Byte bounds are generous on purpose: within them the field's own check gives the
 * precise message ("name must be shorter than or equal to 100 characters"). */
static const form_field_t s_register_fields[] = {
    { "name", 1024, true, false, false, false, users_check_name },
    { "email", 1024, false, true, false, false, users_check_email },
    { "phone", 64, false, true, false, false, users_check_phone },
    { "password", 1024, true, false, false, false, users_check_password },
    { "username", 256, false, true, false, false, users_check_username },
    { NULL, 0, false, false, false, false, NULL }
};
enum { R_NAME, R_EMAIL, R_PHONE, R_PASSWORD, R_USERNAME };

static const form_field_t s_login_fields[] = {
    { "email", 1024, false, true, false, false, users_check_email },
    { "phone", 64, false, true, false, false, users_check_phone },
    { "password", 1024, true, false, false, false, users_check_login_password },
    { NULL, 0, false, false, false, false, NULL }
};
enum { L_EMAIL, L_PHONE, L_PASSWORD };

/* Issues a pair for ROW in a new session and commits the transaction the caller opened;
 * answers STATUS with the auth body, or the error. */
static void
s_issue_and_answer(users_thread_t *t, const envelope_t *req, envelope_t *reply,
                   const users_row_t *row, int status)
{
    users_pair_t pair;
    users_issue_t rc = users_tokens_issue(t, row, NULL, &pair);
    if (rc != USERS_ISSUE_OK) {
        if (rc == USERS_ISSUE_DB)
            handler_db_error(t->db, req, reply);
        else {
            log_error(req->request_id, "token_sign", "cannot sign tokens");
            envelope_set_error(reply, ERR_INTERNAL, NULL);
        }
        handler_rollback(t->db, req);
        goto cleanup;
    }
    /* Packed before the COMMIT: with an Idempotency-Key this answer is stored in the
     * same transaction (common/idempotency.h); a failed COMMIT drops it again. */
    reply->status = status;
    users_tokens_pack(envelope_body_packer(reply), t->app, &pair, row);
    if (idempotency_commit(t->db, req, reply) != 0) {
        handler_db_error(t->db, req, reply);
        handler_rollback(t->db, req);
    }
cleanup:
    users_pair_release(&pair);
}

void
users_register(void *state, const envelope_t *req, envelope_t *reply)
{
    users_thread_t *t = state;
    form_t form;
    form_init(&form);
    if (!handler_form_read(&form, s_register_fields, NULL, req, reply))
        goto cleanup;
    /* An account needs a way to log in: an email, a phone or both. Said once, and only
     * when neither field has a problem of its own already. */
    if (!form.values[R_EMAIL].value && !form.values[R_PHONE].value
        && !form_has_problem(&form, "email") && !form_has_problem(&form, "phone"))
        form_problem(&form, "email", "email or phone should not be empty");
    if (handler_form_invalid(&form, reply))
        goto cleanup;

    char *email = form.values[R_EMAIL].value;
    if (email)
        users_lowercase(email);
    /* The transaction opens before bcrypt, so a repeat with an Idempotency-Key is
     * answered (stored answer, 409, 422) without hashing again; without a key it only
     * holds the connection a little longer. */
    if (!idempotency_begin(t->db, req, reply))
        goto cleanup;
    char hash[USERS_HASH_SIZE];
    if (users_password_hash(t->crypt, t->app->cfg.bcrypt_cost, form.values[R_PASSWORD].value,
                            hash, sizeof(hash)) != 0) {
        log_error(req->request_id, "bcrypt", "password hashing failed");
        envelope_set_error(reply, ERR_INTERNAL, NULL);
        handler_rollback(t->db, req);
        goto cleanup;
    }
    const char *params[] = { form.values[R_NAME].value, email, form.values[R_PHONE].value,
                             form.values[R_USERNAME].value, hash };
    PGresult *res = db_exec(t->db, SQL_USER_INSERT, 5, params);
    users_row_t row;
    if (!res || users_row_read(res, 0, &row) != 0) {
        if (res)
            envelope_set_error(reply, ERR_INTERNAL, NULL);
        else
            handler_db_error(t->db, req, reply);
        PQclear(res);
        handler_rollback(t->db, req);
        goto cleanup;
    }
    PQclear(res);
    s_issue_and_answer(t, req, reply, &row, 201);
    if (reply->status == 201)
        log_info(req->request_id, "user_registered", "user %lld registered", (long long) row.id);
cleanup:
    form_release(&form);
}

void
users_login(void *state, const envelope_t *req, envelope_t *reply)
{
    users_thread_t *t = state;
    form_t form;
    form_init(&form);
    if (!handler_form_read(&form, s_login_fields, NULL, req, reply))
        goto cleanup;
    if (!form.values[L_EMAIL].value && !form.values[L_PHONE].value
        && !form_has_problem(&form, "email") && !form_has_problem(&form, "phone"))
        form_problem(&form, "email", "email or phone should not be empty");
    if (handler_form_invalid(&form, reply))
        goto cleanup;

    /* Email wins when both are given: one lookup, one account. */
    char *email = form.values[L_EMAIL].value;
    const char *key = email ? email : form.values[L_PHONE].value;
    if (email)
        users_lowercase(email);
    /* Counted for unknown accounts too, so the refusal tells nothing about existence; and
     * before bcrypt, so a locked account costs no hashing. */
    int64_t retry_after = 0;
    if (users_redis_login_failures(t->redis, key, &retry_after)
        >= t->app->cfg.login_max_failures) {
        log_warn(req->request_id, "login_locked", "too many failed logins for one account");
        envelope_set_error(reply, ERR_RATE_LIMIT_EXCEEDED,
                           "Too many failed logins for this account, try again later");
        msgpack_packer *pk = envelope_body_packer(reply);
        msgpack_pack_map(pk, 1);
        envelope_pack_key(pk, "retry_after");
        msgpack_pack_int64(pk, retry_after);
        goto cleanup;
    }
    PGresult *res = db_exec(t->db, email ? SQL_USER_AUTH_EMAIL : SQL_USER_AUTH_PHONE, 1, &key);
    if (!res) {
        handler_db_error(t->db, req, reply);
        goto cleanup;
    }
    users_row_t row;
    bool found = PQntuples(res) == 1 && users_row_read(res, 0, &row) == 0;
    PQclear(res);
    const char *password = form.values[L_PASSWORD].value;
    /* The same bcrypt work whether or not the account exists: the answer's timing must
     * not tell which emails are registered. */
    bool match = users_password_verify(t->crypt, password,
                                       found ? row.password_hash : t->app->dummy_hash);
    if (!found || !match) {
        users_redis_login_failed(t->redis, key, t->app->cfg.login_failure_window_s);
        envelope_set_error(reply, ERR_UNAUTHORIZED, "Invalid credentials");
        goto cleanup;
    }
    users_redis_login_succeeded(t->redis, key);
    explicit_bzero(row.password_hash, sizeof(row.password_hash));
    if (!handler_begin(t->db, req, reply))
        goto cleanup;
    s_issue_and_answer(t, req, reply, &row, 200);
cleanup:
    form_release(&form);
}
