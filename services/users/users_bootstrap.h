/* users_bootstrap.h -- the first admin from ADMIN_EMAIL / ADMIN_PASSWORD (ADMIN_NAME,
 * default "Admin"), created once, idempotently, at start.
 *
 * It runs on a thread of its own that retries every few seconds until PostgreSQL answers
 * (the database may come up after the service), so the workers start serving at once. */
#ifndef USERS_BOOTSTRAP_H
#define USERS_BOOTSTRAP_H
#include <pthread.h>
#include <stdbool.h>
#include "users_app.h"

typedef struct users_bootstrap_t users_bootstrap_t;

/* Starts the bootstrap for APP, or does nothing (still returns an object) when
 * ADMIN_EMAIL or ADMIN_PASSWORD is unset. Never NULL: a thread that cannot start is
 * logged, and the admin is then made at the next start. */
users_bootstrap_t *users_bootstrap_start(users_app_t *app);

/* Stops retrying (SIGTERM already set service_stop), joins the thread, frees. */
void users_bootstrap_destroy(users_bootstrap_t **self_p);

/* One attempt through DB: 0 when the admin exists with role admin afterwards, -1 when the
 * database did not answer (retry), -2 when the settings are invalid (never retry). */
int users_bootstrap_once(db_t *db, struct crypt_data *cd, int cost, const char *name,
                         const char *email, const char *password);

#endif
