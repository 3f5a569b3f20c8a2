/* users_app.h -- the users process's context (settings, signing keys) and the state each
 * worker thread owns (its database connection, Redis connection and bcrypt scratch). */
#ifndef USERS_APP_H
#define USERS_APP_H
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <crypt.h>
#include "db.h"
#include "events.h"
#include "redis_conn.h"
#include "token.h"
#include "users_password.h"

typedef struct {
    const char *conninfo;          /* DATABASE_URL */
    const char *pub_endpoint;      /* BUS_PUB_ENDPOINT: session_revoked events for notify */
    int bcrypt_cost;               /* BCRYPT_COST, at least USERS_BCRYPT_MIN_COST */
    int64_t access_ttl_s;          /* JWT_ACCESS_TTL_S */
    int64_t refresh_ttl_s;         /* JWT_REFRESH_TTL_S */
    int auth_threads;              /* USERS_AUTH_THREADS */
    int users_threads;             /* USERS_THREADS */
    int login_max_failures;        /* LOGIN_MAX_FAILURES, 10 per account ... */
    int64_t login_failure_window_s; /* ... within LOGIN_FAILURE_WINDOW_S, 900 */
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

/* Reads the settings and keys from the environment. NULL with a reason in *ERR (a static
 * string) when the process cannot work: no signing key, no randomness for the salt. */
users_app_t *users_app_new(const char **err);
void users_app_destroy(users_app_t **self_p);

/* service_pool_t thread hooks: APP is a users_app_t. Never NULL (aborts on out-of-memory). */
void *users_thread_new(void *app);
void users_thread_destroy(void **state_p);

/* admin_ready_fn: PostgreSQL answers. */
bool users_app_ready(void *app);

#endif
