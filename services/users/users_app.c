/* users_app.c -- the users process's context and each worker thread's own state. */
#include "users_app.h"
#include "users_sql.h"
#include "log.h"
#include "mem.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

users_app_t *
users_app_new(const users_config_t *cfg)
{
    users_app_t *self = mem_calloc(1, sizeof(*self));
    struct crypt_data *cd = users_password_scratch_new();
    self->cfg = *cfg;
    const char *err = NULL;
    if (!(self->keys = token_keys_from_env(true, &err))) {
        log_error(NULL, "config", "cannot start: %s", err ? err : "no signing key");
        goto fail;
    }
    char random_password[33];
    token_random_id(random_password);
    if (users_password_hash(cd, self->cfg.bcrypt_cost, random_password, self->dummy_hash,
                            sizeof(self->dummy_hash)) != 0) {
        log_error(NULL, "config", "cannot start: bcrypt is not available from libcrypt");
        goto fail;
    }
    self->probe = db_probe_new(self->cfg.service.database_url);
    free(cd);
    return self;
fail:
    free(cd);
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
    users_thread_t *self = mem_calloc(1, sizeof(*self));
    self->crypt = users_password_scratch_new();
    self->app = app;
    self->db = db_new(self->app->cfg.service.database_url, users_statements);
    self->redis = redis_conn_new();
    /* Without a PUB socket the service still answers (revocations are in Redis); only
     * the session_revoked events to notify are lost, so say so. */
    self->events = events_new(self->app->cfg.pub_endpoint);
    if (!self->events)
        log_error(NULL, "events_start", "cannot connect PUB to %s", self->app->cfg.pub_endpoint);
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
