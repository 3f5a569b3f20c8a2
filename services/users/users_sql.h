/* users_sql.h -- every statement of the users service, prepared on each connection.
 * Parameters only; casts are explicit so PostgreSQL never has to guess a type. */
#ifndef USERS_SQL_H
#define USERS_SQL_H
#include "db.h"

#define SQL_USER_INSERT         "user_insert"       /* name, email, phone, username, hash */
#define SQL_USER_BY_ID          "user_by_id"        /* id */
#define SQL_USER_LOCK           "user_lock"         /* id, row locked for update */
#define SQL_USER_AUTH_EMAIL     "user_auth_email"   /* email -> cols + password_hash */
#define SQL_USER_AUTH_PHONE     "user_auth_phone"   /* phone -> cols + password_hash */
#define SQL_USER_LIST           "user_list"         /* below id (NULL: from the top), limit */
#define SQL_USER_UPDATE         "user_update"       /* id, then (set?, value) x 6 */
#define SQL_USER_DELETE         "user_delete"       /* id */
#define SQL_ADMIN_BOOTSTRAP     "admin_bootstrap"   /* name, email, hash */
#define SQL_FAMILY_INSERT       "family_insert"     /* family, user_id */
#define SQL_FAMILY_REVOKE       "family_revoke"     /* family */
#define SQL_FAMILY_REVOKE_OWN   "family_revoke_own" /* family, user_id */
#define SQL_FAMILY_REVOKE_USER  "family_revoke_user"/* user_id, family to keep (or NULL) */
#define SQL_REFRESH_INSERT      "refresh_insert"    /* jti, family, user_id, expires (unix s) */
#define SQL_REFRESH_SPEND       "refresh_spend"     /* jti, user_id, family -> family */

/* The NULL-terminated table for db_new(). */
extern const db_statement_t users_statements[];

#endif
