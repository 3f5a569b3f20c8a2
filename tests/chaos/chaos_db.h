/* chaos_db.h -- what the chaos test's users left in PostgreSQL, read directly (libpq). */
#ifndef CHAOS_DB_H
#define CHAOS_DB_H
#include "chaos.h"

typedef struct {
    int64_t id;
    int64_t user_id;             /* orders.user_id, messages.sender_id, notifications.user_id */
    char tag[CHAOS_TAG_MAX];     /* product or text ("" for notifications) */
} chaos_row_t;

typedef struct {
    chaos_row_t *rows;
    size_t n, cap;
} chaos_rows_t;

typedef struct {
    chaos_rows_t orders;         /* of every test user */
    chaos_rows_t messages;       /* sent by every test user */
    chaos_rows_t notifications;  /* of every test user, by id */
} chaos_db_state_t;

/* Reads the rows of app's users into *OUT (zeroed first). 0, or -1 with ERR filled. */
int chaos_db_fetch(const chaos_app_t *app, chaos_db_state_t *out, char *err, size_t errlen);

/* Notification rows per WebSocket user (COUNTS[i] for app->users[i], i < ws_users).
 * 0, or -1 with ERR filled. */
int chaos_db_count_notifications(const chaos_app_t *app, size_t *counts, char *err,
                                 size_t errlen);

void chaos_db_state_clear(chaos_db_state_t *state);

#endif
