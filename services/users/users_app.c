/* users_app.c -- the users process's context and each worker thread's own state. */
#include "users_app.h"
#include "users_sql.h"
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

users_app_t *
users_app_new(const char **err)
{
    users_app_t *self = calloc(1, sizeof(*self));
    struct crypt_data *cd = users_password_scratch_new();
    if (!self || !cd) {
        *err = "out of memory";
        goto fail;
    }
    self->conninfo = config_str("DATABASE_URL", "host=127.0.0.1 port=55432 dbname=busd user=busd");
    self->pub_endpoint = config_str("BUS_PUB_ENDPOINT", "tcp://127.0.0.1:5557");
    self->bcrypt_cost = (int) config_int("BCRYPT_COST", 12, USERS_BCRYPT_MIN_COST, 20);
    self->access_ttl_s = config_int("JWT_ACCESS_TTL_S", 86400, 60, 365LL * 86400);
    self->refresh_ttl_s = config_int("JWT_REFRESH_TTL_S", 2592000, 60, 365LL * 86400);
    self->auth_threads = (int) config_int("USERS_AUTH_THREADS", 2, 1, 64);
    self->users_threads = (int) config_int("USERS_THREADS", 4, 1, 256);
    /* Per account, whatever the addresses: the edge's limit counts per address, and a
     * botnet guessing one account's password has many. */
    self->login_max_failures = (int) config_int("LOGIN_MAX_FAILURES", 10, 1, 1000000);
    self->login_failure_window_s = config_int("LOGIN_FAILURE_WINDOW_S", 900, 1, 86400);
    if (!(self->keys = token_keys_from_env(true, err)))
        goto fail;

    char random_password[33];
    token_random_id(random_password);
    if (users_password_hash(cd, self->bcrypt_cost, random_password, self->dummy_hash,
                            sizeof(self->dummy_hash)) != 0) {
        *err = "bcrypt is not available from libcrypt";
        goto fail;
    }
    self->probe = db_probe_new(self->conninfo);
    free(cd);
    return self;
fail:
    free(cd);
    if (self)
        token_keys_destroy(&self->keys);
    free(self);
    return NULL;
}

void
users_app_destroy(users_app_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    users_app_t *self = *self_p;
    db_probe_destroy(&self->probe);
    token_keys_destroy(&self->keys);
    free(self);
    *self_p = NULL;
}

void *
users_thread_new(void *app)
{
    users_thread_t *self = calloc(1, sizeof(*self));
    if (!self || !(self->crypt = users_password_scratch_new()))
        abort();
    self->app = app;
    self->db = db_new(self->app->conninfo, users_statements);
    self->redis = redis_conn_new();
    self->events = events_new(self->app->pub_endpoint);
    return self;
}

void
users_thread_destroy(void **state_p)
{
    if (!state_p || !*state_p)
        return;
    users_thread_t *self = *state_p;
    db_destroy(&self->db);
    redis_conn_destroy(&self->redis);
    events_destroy(&self->events);
    free(self->crypt);
    free(self);
    *state_p = NULL;
}

bool
users_app_ready(void *arg)
{
    users_app_t *self = arg;
    return db_probe_ok(self->probe);
}
