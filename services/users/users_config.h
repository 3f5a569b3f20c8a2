/* users_config.h -- the users process's settings, read once from the environment at
 * start (users_config.c is the table: name, default, bounds). */
#ifndef USERS_CONFIG_H
#define USERS_CONFIG_H
#include <stdint.h>
#include "service.h"
#include "users_password.h"

typedef struct {
    service_config_t service;      /* ADMIN_PORT (9101), BUS_WORKER_ENDPOINT, DATABASE_URL */
    const char *pub_endpoint;      /* BUS_PUB_ENDPOINT, tcp://127.0.0.1:5557: session_revoked
                                      events for notify */
    int bcrypt_cost;               /* BCRYPT_COST, 12, in [USERS_BCRYPT_MIN_COST, 20] */
    int64_t access_ttl_s;          /* JWT_ACCESS_TTL_S, 86400 */
    int64_t refresh_ttl_s;         /* JWT_REFRESH_TTL_S, 2592000 */
    int auth_threads;              /* USERS_AUTH_THREADS, 2: the bcrypt pool */
    int users_threads;             /* USERS_THREADS, 4 */
    int login_max_failures;        /* LOGIN_MAX_FAILURES, 10 per account ... */
    int64_t login_failure_window_s; /* ... within LOGIN_FAILURE_WINDOW_S, 900 */
    const char *admin_name;        /* ADMIN_NAME, "Admin": the first admin ... */
    const char *admin_email;       /* ADMIN_EMAIL, unset: no bootstrap */
    const char *admin_password;    /* ADMIN_PASSWORD, unset: no bootstrap */
} users_config_t;

/* Fills *CFG from the environment (bounded; bad values fall back to the defaults with a
 * warning). The signing keys are common/token.c's (JWT_*), read by users_app_new. */
void users_config_load(users_config_t *cfg);

#endif
