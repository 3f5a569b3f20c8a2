/* users_app.h -- the users process's context (settings, signing keys) and the state each
 * worker thread owns (its database connection, Redis connection and bcrypt scratch). */
#ifndef USERS_APP_H
#define USERS_APP_H
#include <pthread.h>
#include <stdbool.h>
#include <crypt.h>
#include "db.h"
#include "events.h"
#include "redis_conn.h"
#include "token.h"
#include "users_config.h"
#include "users_password.h"

typedef struct {
    users_config_t cfg;            /* the settings (users_config.h) */
    token_keys_t *keys;            /* signs access and refresh tokens */
    /* A hash of a random password at the configured cost: login runs crypt_r against it
     * for an unknown user, so "no such user" costs the same time as "wrong password". */
    char dummy_hash[USERS_HASH_SIZE];
    /* /health/ready runs on the admin thread, which may not touch a worker's connection:
     * it has its own, behind a lock. */
    db_probe_t *probe;            /* /health/ready, on an admin thread */
} users_app_t;

typedef struct {
    users_app_t *app;
    db_t *db;
    redis_conn_t *redis;
    events_t *events;              /* NULL when the PUB socket could not be made */
    struct crypt_data *crypt;
} users_thread_t;

/* The process's context for CFG (copied), with the signing keys from the environment
 * (common/token.c). NULL, with the reason logged, when the process cannot work: no
 * signing key, no bcrypt in libcrypt. */
users_app_t *users_app_new(const users_config_t *cfg);
void users_app_destroy(users_app_t **self_p);

/* service_pool_t thread hooks: APP is a users_app_t. Never NULL: the connections are
 * made lazily (and the events socket is optional); memory is common/mem.h's. */
void *users_thread_new(void *app);
void users_thread_destroy(void **state_p);

/* admin_ready_fn: PostgreSQL answers. */
bool users_app_ready(void *app);

#endif
