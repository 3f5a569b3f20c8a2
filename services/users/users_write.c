/* users_write.c -- update and delete: the write methods of service `users`.
 *
 * Both are allowed to the user themself and to admins. Each change drops the edge's cached
 * profile inside the transaction (so a failure to drop it changes nothing) and once more
 * after the commit (so a reader that refilled the cache in between is not served again). */
#include "users_handlers.h"
#include "users_app.h"
#include "form.h"
#include "profile_cache.h"
#include "revocation.h"
#include "users_event.h"
#include "users_redis.h"
#include "handler.h"
#include "users_row.h"
#include "users_sql.h"
#include "users_validate.h"
#include "clock.h"
#include "log.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const form_field_t s_update_fields[] = {
    { "id", 32, true, false, true, false, form_check_id },
    { "name", 1024, false, false, false, false, users_check_name },
    { "email", 1024, false, true, false, false, users_check_email },
    { "phone", 64, false, true, false, false, users_check_phone },
    { "username", 256, false, true, false, false, users_check_username },
    { "password", 1024, false, false, false, false, users_check_password },
    { "role", 32, false, false, false, false, users_check_role },
    { NULL, 0, false, false, false, false, NULL }
};
enum { U_ID, U_NAME, U_EMAIL, U_PHONE, U_USERNAME, U_PASSWORD, U_ROLE };

static const form_field_t s_delete_fields[] = {
    { "id", 32, true, false, true, false, form_check_id },
    { NULL, 0, false, false, false, false, NULL }
};

/* True when the caller may change user ID; else answers 403. Decided before validation
 * problems are shown, so a stranger learns nothing about the target from the answer. */
static bool
s_may_change(const envelope_t *req, envelope_t *reply, const char *id)
{
    int64_t target = 0;
    form_parse_int(id, 1, INT64_MAX, &target);
    if (target == req->caller.user_id || handler_caller_is_admin(req))
        return true;
    envelope_set_error(reply, ERR_FORBIDDEN, NULL);
    return false;
}

/* Drops the cached profile of ID inside the open transaction; on failure rolls back and
 * answers 503. */
static bool
s_forget_or_rollback(users_thread_t *t, const envelope_t *req, envelope_t *reply, int64_t id)
{
    if (profile_cache_forget(t->redis, id) == 0)
        return true;
    handler_rollback(t->db, req);
    log_warn(req->request_id, "cache_invalidate", "Redis unavailable: change of user %" PRId64
             " refused", id);
    envelope_set_error(reply, ERR_SERVICE_UNAVAILABLE, "Cache unavailable");
    return false;
}

/* Inside the open transaction: every session of user ID ends (its refresh families in
 * the database) and every token issued until now dies at once on every edge and notify
 * (revoked_before in Redis, written before COMMIT: if the COMMIT then fails, the tokens
 * are dead all the same, which errs on the safe side). The caller's own tokens go too:
 * after a password change, a role change or a deletion one logs in again. On failure
 * rolls back and answers 503 or the database error. */
static bool
s_end_tokens_or_rollback(users_thread_t *t, const envelope_t *req, envelope_t *reply,
                         int64_t id, int64_t *before_ms)
{
    char uid[24];
    snprintf(uid, sizeof uid, "%" PRId64, id);
    const char *rp[] = { uid, NULL };
    PGresult *res = db_exec(t->db, SQL_FAMILY_REVOKE_USER, 2, rp);
    if (!res) {
        handler_db_error(t->db, req, reply);
        handler_rollback(t->db, req);
        return false;
    }
    PQclear(res);
    int64_t ttl = t->app->cfg.refresh_ttl_s > t->app->cfg.access_ttl_s ? t->app->cfg.refresh_ttl_s
                                                               : t->app->cfg.access_ttl_s;
    *before_ms = clock_wall_ms();
    if (revocation_mark_user(t->redis, id, *before_ms, ttl) != 0) {
        handler_rollback(t->db, req);
        log_warn(req->request_id, "revoke_user", "Redis unavailable: change of user %" PRId64
                 " refused", id);
        envelope_set_error(reply, ERR_SERVICE_UNAVAILABLE, "Token store unavailable");
        return false;
    }
    return true;
}

static bool
s_commit(users_thread_t *t, const envelope_t *req, envelope_t *reply, int64_t id)
{
    if (!handler_commit(t->db, req, reply))
        return false;
    if (profile_cache_forget(t->redis, id) != 0)
        log_warn(req->request_id, "cache_invalidate", "second invalidation of user %" PRId64
                 " failed", id);
    return true;
}

/* Before clearing email or phone: the row must keep the other one. Checked here (with
 * the row locked) rather than left to the table's CHECK, whose error text quotes the
 * whole row, hash included, into the server's log. Returns 0 when the update may go on,
 * else answers (400, 404 or a database error) and returns -1. */
static int
s_keeps_contact(users_thread_t *t, const envelope_t *req, envelope_t *reply, form_t *form,
                const char *id, bool email_set, bool phone_set)
{
    PGresult *res = db_exec(t->db, SQL_USER_LOCK, 1, &id);
    users_row_t row;
    int rc = -1;
    if (!res)
        handler_db_error(t->db, req, reply);
    else if (PQntuples(res) != 1 || users_row_read(res, 0, &row) != 0)
        envelope_set_error(reply, ERR_NOT_FOUND, "User not found");
    else {
        const form_value_t *v = form->values;
        bool email = email_set ? v[U_EMAIL].value != NULL : row.email[0] != '\0';
        bool phone = phone_set ? v[U_PHONE].value != NULL : row.phone[0] != '\0';
        if (email || phone)
            rc = 0;
        else {
            form_problem(form, "email", "email or phone should not be empty");
            form_reply(form, reply);
        }
    }
    PQclear(res);
    return rc;
}

void
users_update(void *state, const envelope_t *req, envelope_t *reply)
{
    users_thread_t *t = state;
    PGresult *res = NULL;
    form_t form;
    form_init(&form);
    if (!handler_require_caller(req, reply))
        goto cleanup;
    if (!handler_form_read(&form, s_update_fields, NULL, req, reply))
        goto cleanup;
    /* A bad id names no one: answered before the permission check. */
    if (form_has_problem(&form, "id") && handler_form_invalid(&form, reply))
        goto cleanup;
    const form_value_t *v = form.values;
    if (!s_may_change(req, reply, v[U_ID].value))
        goto cleanup;
    if (v[U_ROLE].present && !handler_caller_is_admin(req)) {
        envelope_set_error(reply, ERR_FORBIDDEN, NULL);
        goto cleanup;
    }
    if (v[U_EMAIL].present && !v[U_EMAIL].value && v[U_PHONE].present && !v[U_PHONE].value)
        form_problem(&form, "email", "email or phone should not be empty");
    if (handler_form_invalid(&form, reply))
        goto cleanup;

    if (v[U_EMAIL].value)
        users_lowercase(v[U_EMAIL].value);
    char hash[USERS_HASH_SIZE] = "";
    if (v[U_PASSWORD].value
        && users_password_hash(t->crypt, t->app->cfg.bcrypt_cost, v[U_PASSWORD].value, hash,
                               sizeof(hash)) != 0) {
        envelope_set_error(reply, ERR_INTERNAL, NULL);
        goto cleanup;
    }
#define SET(i) (v[i].present ? "t" : "f")
    const char *params[] = {
        v[U_ID].value,
        SET(U_NAME), v[U_NAME].value, SET(U_EMAIL), v[U_EMAIL].value,
        SET(U_PHONE), v[U_PHONE].value, SET(U_USERNAME), v[U_USERNAME].value,
        SET(U_PASSWORD), hash[0] ? hash : NULL, SET(U_ROLE), v[U_ROLE].value
    };
#undef SET
    if (!handler_begin(t->db, req, reply))
        goto cleanup;
    if ((v[U_EMAIL].present && !v[U_EMAIL].value) || (v[U_PHONE].present && !v[U_PHONE].value)) {
        int lock = s_keeps_contact(t, req, reply, &form, v[U_ID].value, v[U_EMAIL].present,
                                   v[U_PHONE].present);
        if (lock != 0) {
            handler_rollback(t->db, req);
            goto cleanup;
        }
    }
    /* A role change ends the user's tokens, which carry the role: the old one is read
     * under the row's lock, so "changed" is decided against what the UPDATE replaced. */
    char old_role[sizeof ((users_row_t *) 0)->role] = "";
    if (v[U_ROLE].present) {
        PGresult *lock = db_exec(t->db, SQL_USER_LOCK, 1, (const char *const *) &v[U_ID].value);
        users_row_t before;
        if (!lock) {
            handler_db_error(t->db, req, reply);
            handler_rollback(t->db, req);
            goto cleanup;
        }
        if (PQntuples(lock) == 1 && users_row_read(lock, 0, &before) == 0)
            snprintf(old_role, sizeof old_role, "%s", before.role);
        PQclear(lock);
    }
    res = db_exec(t->db, SQL_USER_UPDATE, 13, params);
    users_row_t row;
    if (!res) {
        /* The table's check: clearing the one contact left would lock the account out. */
        if (strcmp(db_sqlstate(t->db), "23514") == 0) {
            form_problem(&form, "email", "email or phone should not be empty");
            form_reply(&form, reply);
        }
        else
            handler_db_error(t->db, req, reply);
        handler_rollback(t->db, req);
        goto cleanup;
    }
    if (PQntuples(res) != 1 || users_row_read(res, 0, &row) != 0) {
        envelope_set_error(reply, PQntuples(res) != 1 ? ERR_NOT_FOUND : ERR_INTERNAL,
                           PQntuples(res) != 1 ? "User not found" : NULL);
        handler_rollback(t->db, req);
        goto cleanup;
    }
    int64_t before_ms = 0;
    if ((hash[0] || (v[U_ROLE].present && strcmp(old_role, row.role) != 0))
        && !s_end_tokens_or_rollback(t, req, reply, row.id, &before_ms))
        goto cleanup;
    if (!s_forget_or_rollback(t, req, reply, row.id) || !s_commit(t, req, reply, row.id))
        goto cleanup;
    if (before_ms)
        users_event_revoked(t->events, row.id, NULL, NULL, before_ms);
    users_row_pack(envelope_body_packer(reply), &row, USERS_VIEW_FULL);
cleanup:
    PQclear(res);
    form_release(&form);
}

void
users_delete(void *state, const envelope_t *req, envelope_t *reply)
{
    users_thread_t *t = state;
    PGresult *res = NULL;
    form_t form;
    form_init(&form);
    if (!handler_require_caller(req, reply))
        goto cleanup;
    if (!handler_form_read(&form, s_delete_fields, NULL, req, reply)
        || handler_form_invalid(&form, reply) || !s_may_change(req, reply, form.values[0].value))
        goto cleanup;
    int64_t id = 0;
    form_parse_int(form.values[0].value, 1, INT64_MAX, &id);

    if (!handler_begin(t->db, req, reply))
        goto cleanup;
    /* ON DELETE CASCADE takes the user's sessions (and, later, orders, memberships and
     * notifications) with the row, in this one statement. */
    const char *params[] = { form.values[0].value };
    if (!(res = db_exec(t->db, SQL_USER_DELETE, 1, params))) {
        handler_db_error(t->db, req, reply);
        handler_rollback(t->db, req);
        goto cleanup;
    }
    if (PQntuples(res) != 1) {
        envelope_set_error(reply, ERR_NOT_FOUND, "User not found");
        handler_rollback(t->db, req);
        goto cleanup;
    }
    int64_t before_ms = 0;
    if (!s_forget_or_rollback(t, req, reply, id)
        || !s_end_tokens_or_rollback(t, req, reply, id, &before_ms))
        goto cleanup;
    if (!s_commit(t, req, reply, id))
        goto cleanup;
    users_event_revoked(t->events, id, NULL, NULL, before_ms);
    log_info(req->request_id, "user_deleted", "user %" PRId64 " deleted by %" PRId64, id,
             req->caller.user_id);
    msgpack_pack_nil(envelope_body_packer(reply));
cleanup:
    PQclear(res);
    form_release(&form);
}
