/* users_sql.c -- every statement of the users service. */
#include "users_sql.h"
#include "idempotency.h"
#include "users_row.h"

const db_statement_t users_statements[] = {
    { SQL_USER_INSERT,
      "INSERT INTO users (name, email, phone, username, password_hash) "
      "VALUES ($1::text, $2::text, $3::text, $4::text, $5::text) RETURNING " USERS_COLS, 5 },
    { SQL_USER_BY_ID,
      "SELECT " USERS_COLS " FROM users WHERE id = $1::bigint", 1 },
    { SQL_USER_LOCK,
      "SELECT " USERS_COLS " FROM users WHERE id = $1::bigint FOR UPDATE", 1 },
    { SQL_USER_AUTH_EMAIL,
      "SELECT " USERS_COLS ", password_hash FROM users WHERE lower(email) = lower($1::text)", 1 },
    { SQL_USER_AUTH_PHONE,
      "SELECT " USERS_COLS ", password_hash FROM users WHERE phone = $1::text", 1 },
    /* Keyset: the primary key index walks backwards from the cursor; no OFFSET. */
    { SQL_USER_LIST,
      "SELECT " USERS_COLS " FROM users WHERE ($1::bigint IS NULL OR id < $1::bigint) "
      "ORDER BY id DESC LIMIT $2::bigint", 2 },
    /* One statement for every partial update: each field comes with a flag saying whether
     * to set it, so "set phone to NULL" and "leave phone alone" stay distinct. */
    { SQL_USER_UPDATE,
      "UPDATE users SET "
      "name = CASE WHEN $2::boolean THEN $3::text ELSE name END, "
      "email = CASE WHEN $4::boolean THEN $5::text ELSE email END, "
      "phone = CASE WHEN $6::boolean THEN $7::text ELSE phone END, "
      "username = CASE WHEN $8::boolean THEN $9::text ELSE username END, "
      "password_hash = CASE WHEN $10::boolean THEN $11::text ELSE password_hash END, "
      "role = CASE WHEN $12::boolean THEN $13::text ELSE role END, "
      "updated_at = now() WHERE id = $1::bigint RETURNING " USERS_COLS, 13 },
    { SQL_USER_DELETE,
      "DELETE FROM users WHERE id = $1::bigint RETURNING id", 1 },
    /* Idempotent: creates the admin once; on later starts only makes sure the role is
     * admin, and never resets a password the admin has changed since. */
    { SQL_ADMIN_BOOTSTRAP,
      "INSERT INTO users (name, email, password_hash, role) "
      "VALUES ($1::text, lower($2::text), $3::text, 'admin') "
      "ON CONFLICT ((lower(email))) DO UPDATE SET role = 'admin', updated_at = now() "
      "WHERE users.role <> 'admin' RETURNING id", 3 },
    { SQL_FAMILY_INSERT,
      "INSERT INTO refresh_families (family, user_id) VALUES ($1::text, $2::bigint)", 2 },
    { SQL_FAMILY_REVOKE,
      "UPDATE refresh_families SET revoked_at = now() "
      "WHERE family = $1::text AND revoked_at IS NULL", 1 },
    { SQL_FAMILY_REVOKE_OWN,
      "UPDATE refresh_families SET revoked_at = now() "
      "WHERE family = $1::text AND user_id = $2::bigint AND revoked_at IS NULL", 2 },
    { SQL_FAMILY_REVOKE_USER,
      "UPDATE refresh_families SET revoked_at = now() "
      "WHERE user_id = $1::bigint AND revoked_at IS NULL "
      "AND family IS DISTINCT FROM $2::text", 2 },
    { SQL_REFRESH_INSERT,
      "INSERT INTO refresh_tokens (jti, family, user_id, expires_at) "
      "VALUES ($1::text, $2::text, $3::bigint, to_timestamp($4::bigint))", 4 },
    /* Spends a token atomically: of two concurrent exchanges of one token exactly one
     * gets a row back; the other sees used_at set and is treated as reuse. */
    { SQL_REFRESH_SPEND,
      "UPDATE refresh_tokens t SET used_at = now() FROM refresh_families f "
      "WHERE t.jti = $1::text AND t.user_id = $2::bigint AND t.family = $3::text "
      "AND t.used_at IS NULL AND t.expires_at > now() "
      "AND f.family = t.family AND f.revoked_at IS NULL RETURNING t.family", 3 },
    /* Idempotency-Key on the creating methods (common/idempotency.h) */
    IDEMPOTENCY_STATEMENTS,
    { NULL, NULL, 0 }
};
