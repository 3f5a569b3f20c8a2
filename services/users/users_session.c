/* users_session.c -- refresh (rotation with reuse detection) and logout: the session
 * methods of service `auth`.
 *
 * A session is a refresh family. Each refresh token is exchanged once: the exchange spends
 * it and issues the next one in the same family. Presenting a spent token again means two
 * parties hold it (one of them a thief): the whole family is revoked, so both lose it. */
#include "users_handlers.h"
#include "users_app.h"
#include "form.h"
#include "revocation.h"
#include "users_event.h"
#include "users_redis.h"
#include "handler.h"
#include "users_sql.h"
#include "users_tokens.h"
#include "users_validate.h"
#include "clock.h"
#include "log.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define TOKEN_MAX_BYTES 4096

static const form_field_t s_refresh_fields[] = {
    { "refresh_token", TOKEN_MAX_BYTES, true, false, false, false, users_check_refresh_token },
    { NULL, 0, false, false, false, false, NULL }
};

/* Revokes FAMILY after a spent, revoked or unknown token was presented. Outside the
 * failed transaction on purpose: the revocation must stick. */
static void
s_revoke_family(users_thread_t *t, const envelope_t *req, const char *family, int64_t sub)
{
    PGresult *res = db_exec(t->db, SQL_FAMILY_REVOKE, 1, &family);
    /* The access tokens of the family go too (the thief may hold one). Best effort: the
     * refresh side is already refused by the database. */
    if (revocation_mark_family(t->redis, family, t->app->cfg.access_ttl_s) != 0)
        log_warn(req->request_id, "refresh_reuse", "Redis unavailable: access tokens of the "
                 "revoked session stay valid until they expire");
    users_event_revoked(t->events, sub, NULL, family, 0);
    if (res && strcmp(PQcmdTuples(res), "0") != 0)
        log_warn(req->request_id, "refresh_reuse",
                 "spent refresh token presented again: session of user %" PRId64 " revoked", sub);
    else if (!res)
        log_warn(req->request_id, "refresh_reuse", "could not revoke a session of user %" PRId64,
                 sub);
    PQclear(res);
}

void
users_refresh(void *state, const envelope_t *req, envelope_t *reply)
{
    users_thread_t *t = state;
    users_pair_t pair = { 0 };
    form_t form;
    form_init(&form);
    if (!handler_form_read(&form, s_refresh_fields, NULL, req, reply)
        || handler_form_invalid(&form, reply))
        goto cleanup;

    token_claims_t claims;
    token_status_t st = token_verify(t->app->keys, form.values[0].value, "refresh",
                                     clock_wall_ms() / 1000, &claims);
    if (st != TOKEN_OK || claims.sub <= 0 || !claims.fam[0]) {
        envelope_set_error(reply, ERR_UNAUTHORIZED,
                           st == TOKEN_EXPIRED ? "JWT token expired" : "Invalid JWT token");
        goto cleanup;
    }
    char sub[24];
    snprintf(sub, sizeof(sub), "%" PRId64, claims.sub);

    if (!handler_begin(t->db, req, reply))
        goto cleanup;
    const char *spend[] = { claims.jti, sub, claims.fam };
    PGresult *res = db_exec(t->db, SQL_REFRESH_SPEND, 3, spend);
    if (!res) {
        handler_db_error(t->db, req, reply);
        handler_rollback(t->db, req);
        goto cleanup;
    }
    bool spent_now = PQntuples(res) == 1;
    PQclear(res);
    if (!spent_now) {
        handler_rollback(t->db, req);
        s_revoke_family(t, req, claims.fam, claims.sub);
        envelope_set_error(reply, ERR_UNAUTHORIZED, "Invalid JWT token");
        goto cleanup;
    }

    /* The new access token is signed from the database, not copied from the old one:
     * a role or profile change shows up at the next refresh. */
    res = db_exec(t->db, SQL_USER_BY_ID, 1, (const char *const[]) { sub });
    users_row_t row;
    bool found = res && PQntuples(res) == 1 && users_row_read(res, 0, &row) == 0;
    if (!res)
        handler_db_error(t->db, req, reply);
    else if (!found)
        envelope_set_error(reply, ERR_UNAUTHORIZED, "Invalid JWT token");
    PQclear(res);
    if (!found) {
        handler_rollback(t->db, req);
        goto cleanup;
    }

    users_issue_t issued = users_tokens_issue(t, &row, claims.fam, &pair);
    if (issued != USERS_ISSUE_OK) {
        if (issued == USERS_ISSUE_DB)
            handler_db_error(t->db, req, reply);
        else
            envelope_set_error(reply, ERR_INTERNAL, NULL);
        handler_rollback(t->db, req);
        goto cleanup;
    }
    if (!handler_commit(t->db, req, reply))
        goto cleanup;
    users_tokens_pack(envelope_body_packer(reply), t->app, &pair, &row);
cleanup:
    users_pair_release(&pair);
    form_release(&form);
}

void
users_logout(void *state, const envelope_t *req, envelope_t *reply)
{
    users_thread_t *t = state;
    if (!handler_require_caller(req, reply))
        return;
    /* The body is ignored (logout takes none), but it must still be an object or nil. */
    if (req->body_obj && req->body_obj->type != MSGPACK_OBJECT_MAP) {
        envelope_set_error(reply, ERR_BAD_REQUEST, HANDLER_NOT_OBJECT);
        return;
    }
    if (!req->caller.jti[0]) {
        envelope_set_error(reply, ERR_UNAUTHORIZED, "Invalid JWT token");
        return;
    }
    char uid[24];
    snprintf(uid, sizeof(uid), "%" PRId64, req->caller.user_id);

    /* Database first, inside a transaction, then Redis, then commit: when Redis cannot
     * confirm, the rollback leaves both unchanged and the client may simply retry. */
    if (!handler_begin(t->db, req, reply))
        return;
    if (req->caller.family[0]) {
        const char *params[] = { req->caller.family, uid };
        PGresult *res = db_exec(t->db, SQL_FAMILY_REVOKE_OWN, 2, params);
        if (!res) {
            handler_db_error(t->db, req, reply);
            handler_rollback(t->db, req);
            return;
        }
        PQclear(res);
    }
    int64_t now = clock_wall_ms() / 1000;
    int64_t ttl = req->caller.exp > now ? req->caller.exp - now : t->app->cfg.access_ttl_s;
    if (revocation_mark_jti(t->redis, req->caller.jti, ttl) != 0
        || (req->caller.family[0]
            && revocation_mark_family(t->redis, req->caller.family, t->app->cfg.access_ttl_s) != 0)) {
        handler_rollback(t->db, req);
        log_warn(req->request_id, "logout_redis", "Redis unavailable: logout refused");
        envelope_set_error(reply, ERR_SERVICE_UNAVAILABLE, "Token store unavailable");
        return;
    }
    if (!handler_commit(t->db, req, reply))
        return;
    users_event_revoked(t->events, req->caller.user_id, req->caller.jti, req->caller.family, 0);
    msgpack_pack_nil(envelope_body_packer(reply));
}
