/* users_row.h -- a user as read from the database, and its msgpack forms for replies.
 *
 * Every statement that returns users selects USERS_COLS (in that order), optionally
 * followed by password_hash; users_row_read copies one result row into a users_row_t, and
 * users_row_pack writes the view the caller may see. The hash is never packed. */
#ifndef USERS_ROW_H
#define USERS_ROW_H
#include <stdbool.h>
#include <stdint.h>
#include <libpq-fe.h>
#include <msgpack.h>

/* Timestamps leave PostgreSQL already in the contract's form: 2026-11-22T10:30:45.123Z. */
#define USERS_TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
#define USERS_COLS "id, name, email, phone, username, role, " \
                   USERS_TS("created_at") ", " USERS_TS("updated_at")
#define USERS_NCOLS 8

typedef struct {
    int64_t id;
    char name[404];          /* 100 characters of up to 4 bytes */
    char email[256];         /* "" = NULL: no field of ours may be empty in the table */
    char phone[20];
    char username[40];
    char role[16];
    char created_at[32];
    char updated_at[32];
    char password_hash[128]; /* only when the statement selected it */
} users_row_t;

typedef enum {
    USERS_VIEW_FULL,         /* the owner: every field but the hash (me, register, login) */
    USERS_VIEW_ADMIN,        /* id, name, username, email, phone, role, created_at */
    USERS_VIEW_PUBLIC        /* id, name, username, created_at */
} users_view_t;

/* The view a caller of ROLE gets of another user: common/profile_cache.h's rule, the one
 * the edge's profile cache splits on, so a cached view is always the one users would
 * answer. */
users_view_t users_row_view_of(const char *role);

/* Copies row ROW of RES into OUT. Returns 0, or -1 when the row is missing, has too few
 * columns or a value does not fit (never truncates silently). */
int users_row_read(const PGresult *res, int row, users_row_t *out);

/* Packs ROW as one map in VIEW. Empty strings are packed as nil. */
void users_row_pack(msgpack_packer *pk, const users_row_t *row, users_view_t view);

#endif
