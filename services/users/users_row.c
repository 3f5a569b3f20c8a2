/* users_row.c -- a user as read from the database, and its msgpack forms. */
#include "users_row.h"
#include "users_validate.h"
#include "envelope.h"
#include "form.h"
#include "profile_cache.h"
#include <string.h>

/* Copies column COL into OUT; NULL becomes "". -1 when it does not fit. */
static int
s_copy(const PGresult *res, int row, int col, char *out, size_t size)
{
    out[0] = '\0';
    if (PQgetisnull(res, row, col))
        return 0;
    int len = PQgetlength(res, row, col);
    if (len < 0 || (size_t) len >= size)
        return -1;
    memcpy(out, PQgetvalue(res, row, col), (size_t) len);
    out[len] = '\0';
    return 0;
}

int
users_row_read(const PGresult *res, int row, users_row_t *out)
{
    memset(out, 0, sizeof(*out));
    if (!res || row < 0 || row >= PQntuples(res) || PQnfields(res) < USERS_NCOLS)
        return -1;
    char id[24];
    if (s_copy(res, row, 0, id, sizeof(id)) || !form_parse_int(id, 1, INT64_MAX, &out->id))
        return -1;
    if (s_copy(res, row, 1, out->name, sizeof(out->name))
        || s_copy(res, row, 2, out->email, sizeof(out->email))
        || s_copy(res, row, 3, out->phone, sizeof(out->phone))
        || s_copy(res, row, 4, out->username, sizeof(out->username))
        || s_copy(res, row, 5, out->role, sizeof(out->role))
        || s_copy(res, row, 6, out->created_at, sizeof(out->created_at))
        || s_copy(res, row, 7, out->updated_at, sizeof(out->updated_at)))
        return -1;
    if (PQnfields(res) > USERS_NCOLS
        && s_copy(res, row, USERS_NCOLS, out->password_hash, sizeof(out->password_hash)))
        return -1;
    return 0;
}

static void
s_pack_opt(msgpack_packer *pk, const char *key, const char *value)
{
    envelope_pack_key(pk, key);
    envelope_pack_str(pk, value[0] ? value : NULL);
}

void
users_row_pack(msgpack_packer *pk, const users_row_t *row, users_view_t view)
{
    int n = view == USERS_VIEW_FULL ? 8 : view == USERS_VIEW_ADMIN ? 7 : 4;
    msgpack_pack_map(pk, (size_t) n);
    envelope_pack_key(pk, "id");
    msgpack_pack_int64(pk, row->id);
    s_pack_opt(pk, "name", row->name);
    if (view != USERS_VIEW_PUBLIC) {
        s_pack_opt(pk, "email", row->email);
        s_pack_opt(pk, "phone", row->phone);
    }
    s_pack_opt(pk, "username", row->username);
    if (view != USERS_VIEW_PUBLIC)
        s_pack_opt(pk, "role", row->role);
    s_pack_opt(pk, "created_at", row->created_at);
    if (view == USERS_VIEW_FULL)
        s_pack_opt(pk, "updated_at", row->updated_at);
}

users_view_t
users_row_view_of(const char *role)
{
    return profile_view_of(role) == PROFILE_VIEW_ADMIN ? USERS_VIEW_ADMIN : USERS_VIEW_PUBLIC;
}
