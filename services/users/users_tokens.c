/* users_tokens.c -- issuing an access/refresh pair and packing the auth answer. */
#include "users_tokens.h"
#include "users_jwt.h"
#include "users_sql.h"
#include "clock.h"
#include "envelope.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
users_copy_utf8(char *out, size_t size, const char *s)
{
    size_t len = strlen(s);
    if (len >= size) {
        len = size - 1;
        /* Step back over continuation bytes to the start of the cut character. */
        while (len > 0 && ((unsigned char) s[len] & 0xC0) == 0x80)
            len--;
    }
    memcpy(out, s, len);
    out[len] = '\0';
}

users_issue_t
users_tokens_issue(users_thread_t *t, const users_row_t *row, const char *family,
                   users_pair_t *out)
{
    memset(out, 0, sizeof(*out));
    char user_id[24], expires[24];
    snprintf(user_id, sizeof(user_id), "%" PRId64, row->id);
    if (family)
        snprintf(out->family, sizeof(out->family), "%s", family);
    else {
        token_random_id(out->family);
        const char *params[] = { out->family, user_id };
        PGresult *res = db_exec(t->db, SQL_FAMILY_INSERT, 2, params);
        if (!res)
            return USERS_ISSUE_DB;
        PQclear(res);
    }

    int64_t now_ms = clock_wall_ms(), now = now_ms / 1000;
    token_claims_t c;
    memset(&c, 0, sizeof(c));
    c.sub = row->id;
    c.iat = now;
    c.iat_ms = now_ms;
    snprintf(c.fam, sizeof(c.fam), "%s", out->family);
    snprintf(c.role, sizeof(c.role), "%s", row->role);

    /* The refresh token carries identity and session only: profile claims belong in the
     * short-lived access token, which is re-signed from the database on every refresh. */
    snprintf(c.typ, sizeof(c.typ), "refresh");
    token_random_id(c.jti);
    c.exp = now + t->app->cfg.refresh_ttl_s;
    snprintf(expires, sizeof(expires), "%" PRId64, c.exp);
    const char *params[] = { c.jti, out->family, user_id, expires };
    PGresult *res = db_exec(t->db, SQL_REFRESH_INSERT, 4, params);
    if (!res)
        return USERS_ISSUE_DB;
    PQclear(res);
    out->refresh = users_jwt_sign(t->app->keys, &c);

    snprintf(c.typ, sizeof(c.typ), "access");
    token_random_id(c.jti);
    c.exp = now + t->app->cfg.access_ttl_s;
    users_copy_utf8(c.name, sizeof(c.name), row->name);
    users_copy_utf8(c.email, sizeof(c.email), row->email);
    users_copy_utf8(c.phone, sizeof(c.phone), row->phone);
    users_copy_utf8(c.username, sizeof(c.username), row->username);
    out->access = users_jwt_sign(t->app->keys, &c);

    if (!out->access || !out->refresh) {
        users_pair_release(out);
        return USERS_ISSUE_SIGN;
    }
    return USERS_ISSUE_OK;
}

void
users_pair_release(users_pair_t *pair)
{
    if (pair->access)
        explicit_bzero(pair->access, strlen(pair->access));
    if (pair->refresh)
        explicit_bzero(pair->refresh, strlen(pair->refresh));
    free(pair->access);
    free(pair->refresh);
    pair->access = pair->refresh = NULL;
}

void
users_tokens_pack(msgpack_packer *pk, const users_app_t *app, const users_pair_t *pair,
                  const users_row_t *row)
{
    msgpack_pack_map(pk, 5);
    envelope_pack_key(pk, "access_token");
    envelope_pack_str(pk, pair->access);
    envelope_pack_key(pk, "refresh_token");
    envelope_pack_str(pk, pair->refresh);
    envelope_pack_key(pk, "token_type");
    envelope_pack_str(pk, "Bearer");
    envelope_pack_key(pk, "expires_in");
    msgpack_pack_int64(pk, app->cfg.access_ttl_s);
    envelope_pack_key(pk, "user");
    users_row_pack(pk, row, USERS_VIEW_FULL);
}
